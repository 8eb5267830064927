"""Formatted text from merchants: a small allow-list of tags, nothing that runs."""
import nh3

ALLOWED_TAGS = {"p", "br", "strong", "em", "b", "i", "ul", "ol", "li", "a", "h3", "h4", "blockquote"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}


def html_sanitise(value: str) -> str:
    """Keep formatting (paragraphs, lists, links); drop scripts, styles, handlers and other tags."""
    return nh3.clean(
        value or "",
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto", "tel"},
        link_rel="noopener nofollow ugc",
    ).strip()
