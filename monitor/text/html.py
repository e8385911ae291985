"""HTML to plain text, for sources that deliver markup (feeds, .html files)."""

from __future__ import annotations

import html as _html
import re

from selectolax.lexbor import LexborHTMLParser as HTMLParser

_BLOCK = re.compile(r"[ \t\r\f\v]*\n[\s]*")
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")
_SKIP = ("script", "style", "noscript", "template", "svg", "head")
_BLOCKS = (
    "p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "section", "article",
    "blockquote", "pre", "table", "ul", "ol", "header", "footer", "figure", "figcaption",
)


def looks_like_html(text: str) -> bool:
    """True when the text contains markup tags."""
    return bool(re.search(r"<(?:[a-zA-Z][a-zA-Z0-9]*)(?:\s[^<>]*)?/?>", text))


def html_to_text(markup: str) -> str:
    """The visible text of an HTML fragment or page: entities decoded, one line per block."""
    if not looks_like_html(markup):
        return _html.unescape(markup).strip()
    tree = HTMLParser(markup)
    for tag in _SKIP:
        for node in tree.css(tag):
            node.decompose()
    for tag in _BLOCKS:
        for node in tree.css(tag):
            node.insert_before("\n")
            node.insert_after("\n")
    root = tree.body or tree.root
    text = root.text(deep=True, separator="") if root is not None else ""
    text = _SPACES.sub(" ", text)
    return _BLOCK.sub("\n", text).strip()
