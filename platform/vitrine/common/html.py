"""Formatted text from merchants: a small allow-list of tags, nothing that runs."""

import re
from html import unescape

import nh3
from django.utils.html import escape

ALLOWED_TAGS = {"p", "br", "strong", "em", "b", "i", "ul", "ol", "li", "a", "h3", "h4", "blockquote"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}


def html_sanitise(value: str, *, tags: set[str] = ALLOWED_TAGS) -> str:
    """Keep formatting (paragraphs, lists, links); drop scripts, styles, handlers and other tags.

    `tags` widens the allow-list for a page that needs more structure (a legal page's h2 sections).
    """
    return nh3.clean(
        value or "",
        tags=tags,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto", "tel"},
        link_rel="noopener nofollow ugc",
    ).strip()


def description_clean(text: str) -> str:
    """Turn merchant text into safe HTML: basic HTML kept, or plain text made into paragraphs and lists.

    Plain text (no tag at all) is what people type on a phone: blank lines
    separate paragraphs, lines starting with "- " or "* " make a list.
    """
    text = (text or "").replace("\r\n", "\n").strip()
    if not text:
        return ""
    if not re.search(r"<[a-zA-Z/!]", text):
        blocks = []
        for block in re.split(r"\n\s*\n", text):
            lines = [line.strip() for line in block.split("\n") if line.strip()]
            if lines and all(re.match(r"[-*•]\s+", line) for line in lines):
                items = "".join("<li>" + escape(re.sub(r"^[-*•]\s+", "", line)) + "</li>" for line in lines)
                blocks.append(f"<ul>{items}</ul>")
            elif lines:
                blocks.append("<p>" + "<br>".join(escape(line) for line in lines) + "</p>")
        text = "".join(blocks)
    return html_sanitise(text)


def description_for_editing(html: str) -> str:
    """Give back the stored description as the merchant typed it, when it is plain paragraphs and lists.

    Editing "<p>…</p><ul><li>…</li></ul>" on a phone is no fun; this gives back
    the blank lines and "- " items description_clean turns into HTML. Richer
    HTML (bold, links) is returned as it is.
    """
    if not html or re.search(r"<(?!/?(?:p|ul|li|br)\b)", html):
        return html or ""
    blocks = []
    for tag, inner in re.findall(r"<(p|ul)>(.*?)</\1>", html, flags=re.DOTALL):
        if tag == "ul":
            blocks.append(
                "\n".join("- " + unescape(item) for item in re.findall(r"<li>(.*?)</li>", inner, flags=re.DOTALL))
            )
        else:
            blocks.append(unescape(re.sub(r"<br\s*/?>", "\n", inner)))
    text = "\n\n".join(blocks)
    # Only when cleaning the text again gives the very same HTML: nothing is lost by editing it.
    return text if description_clean(text) == html else html
