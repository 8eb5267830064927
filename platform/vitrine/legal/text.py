"""The legal pages' text format: what a territory team can type safely, turned into safe HTML.

The team edits plain text, never HTML:

    ## A section title          (### for a sub-section)
    A paragraph; a single line break stays a line break.

    - a list item
    - another one

    **bold**, [a link](https://…) or [a page](/cgu/), and bare https://… or name@example.fr
    addresses become links.

Everything typed is escaped first; the few patterns above are then turned into tags, and the
result goes through the common HTML allow-list (html_sanitise) like every text people type.
"""

from __future__ import annotations

import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from vitrine.common.html import ALLOWED_TAGS, html_sanitise

LEGAL_TAGS = ALLOWED_TAGS | {"h2"}

_LINK = re.compile(r"\[([^\]\n]+)\]\(((?:https?://|mailto:|/)[^\s()<>\"]*)\)")
# Bare addresses, not those already inside a link (after href=" or a tag's >, or in a mailto:).
_URL = re.compile(r"(?<![\"'>=/\w])(https?://[^\s<>\"]*[^\s<>\".,;:!?)])")
_EMAIL = re.compile(r"(?<![\w.:/>\"'+-])([\w.+-]+@[\w-]+(?:\.[\w-]+)+)")
_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_ITEM = re.compile(r"^[-*•]\s+")
_HEADING = re.compile(r"^(#{2,3})\s+(.+)$")


def _inline(line: str) -> str:
    html = escape(line)
    html = _LINK.sub(lambda m: f'<a href="{m.group(2)}">{m.group(1)}</a>', html)
    html = _URL.sub(r'<a href="\1">\1</a>', html)
    html = _EMAIL.sub(r'<a href="mailto:\1">\1</a>', html)
    return _BOLD.sub(r"<strong>\1</strong>", html)


def _flush(blocks: list[str], paragraph: list[str], items: list[str]) -> None:
    """Close the paragraph or list being built, if any."""
    if paragraph:
        blocks.append("<p>" + "<br>".join(paragraph) + "</p>")
        paragraph.clear()
    if items:
        blocks.append("<ul>" + "".join(f"<li>{item}</li>" for item in items) + "</ul>")
        items.clear()


def legal_text_render(text: str) -> SafeString:
    """Turn a legal page's text (the format above) into HTML safe to show."""
    blocks: list[str] = []
    paragraph: list[str] = []
    items: list[str] = []
    for block in re.split(r"\n\s*\n", (text or "").replace("\r\n", "\n").strip()):
        for raw in block.split("\n"):
            line = raw.strip()
            heading = _HEADING.match(line)
            if not line:
                continue
            if heading:
                _flush(blocks, paragraph, items)
                level = len(heading.group(1))
                blocks.append(f"<h{level}>{_inline(heading.group(2))}</h{level}>")
            elif _ITEM.match(line):
                if paragraph:
                    _flush(blocks, paragraph, items)
                items.append(_inline(_ITEM.sub("", line)))
            else:
                if items:
                    _flush(blocks, paragraph, items)
                paragraph.append(_inline(line))
        _flush(blocks, paragraph, items)
    return mark_safe(html_sanitise("".join(blocks), tags=LEGAL_TAGS))  # noqa: S308 (sanitised just now)


def legal_text_problems(text: str) -> list[str]:
    """The parts of a text still to fill in: each "[à compléter …]" marker the defaults leave."""
    return re.findall(r"\[à compléter[^\]]*\]", text or "")
