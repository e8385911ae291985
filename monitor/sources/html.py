"""HTML -> plain text for sources: feed entry HTML and saved article pages.

`html_to_text` keeps paragraph breaks and drops scripts and styles; `extract_article`
also finds the title and leaves out navigation, headers, footers and sidebars.
"""

from __future__ import annotations

import html as html_lib
import re

from selectolax.lexbor import LexborHTMLParser, LexborNode

_DROP = ("script", "style", "noscript", "template", "svg", "iframe", "object", "canvas")
_BOILERPLATE = ("nav", "header", "footer", "aside", "form", "menu", "button", "dialog")
_BOILERPLATE_CSS = (
    '[role="navigation"], [role="banner"], [role="contentinfo"], [role="complementary"], '
    '[aria-hidden="true"], .nav, .navbar, .menu, .sidebar, .footer, .breadcrumb, .breadcrumbs, '
    ".share, .social, .comments, .related, .advert, .ads, .cookie, #cookie-banner"
)
_BLOCKS = frozenset(
    ("p", "div", "section", "article", "main", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul",
     "ol", "dl", "dt", "dd", "table", "tr", "blockquote", "pre", "figure", "figcaption",
     "address", "hr", "br", "header", "footer", "title", "td", "th")
)
_SPACES = re.compile(r"[ \t\r\f\v\u00a0\u200b]+")
# HTML tree building is quadratic in nesting depth (100,000 nested <div> take minutes), so
# markup nested deeper than any real page is reduced to its text without a parser.
MAX_DEPTH = 5000
_OPENING = re.compile(r"<[A-Za-z]")
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9:-]*)[^<>]*?(/?)>")
_ANY_TAG = re.compile(r"<(?:script|style)\b.*?</(?:script|style)\s*>|<[^<>]*>", re.I | re.S)
_FLAT = frozenset(  # void elements and those an HTML parser closes by itself
    ("area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
     "track", "wbr", "param", "p", "li", "dt", "dd", "option", "optgroup", "tr", "td", "th",
     "tbody", "thead", "tfoot", "rb", "rt", "rp", "colgroup", "caption")
)
_BLANKS = re.compile(r"\n\s*\n\s*")


def html_to_text(html: str) -> str:
    """The readable text of an HTML fragment or page, paragraphs separated by blank lines."""
    if "<" not in html and "&" not in html:
        return _tidy(html)
    if too_deep(html):
        return _flat_text(html)
    tree = LexborHTMLParser(html)
    tree.strip_tags(list(_DROP))
    root = tree.body or tree.root
    return _node_text(root) if root is not None else ""


def extract_article(html: str) -> tuple[str, str]:
    """(title, main text) of a saved web page; either may be "" when absent."""
    if too_deep(html):
        text = _flat_text(html)
        title, _, rest = text.partition("\n")
        return title[:300], rest.strip() if len(title) <= 300 else text
    tree = LexborHTMLParser(html)
    title = _title(tree)
    tree.strip_tags(list(_DROP))
    root = tree.css_first("article") or tree.css_first("main") or tree.body
    if root is None:
        return title, ""
    for node in root.css(", ".join(_BOILERPLATE) + ", " + _BOILERPLATE_CSS):
        if node.mem_id != root.mem_id:
            node.decompose()
    text = _node_text(root)
    if title and text.startswith(title):
        text = text[len(title) :].lstrip()
    return title, text


def too_deep(html: str) -> bool:
    """Whether elements are nested more than MAX_DEPTH deep (a linear scan of the tags)."""
    if html.count("<") <= MAX_DEPTH or len(_OPENING.findall(html)) <= MAX_DEPTH:
        return False  # too few elements to nest that deep
    depth = 0
    for m in _TAG.finditer(html):
        if m.group(1):
            depth = max(depth - 1, 0)
        elif not m.group(3) and m.group(2).lower() not in _FLAT:
            depth += 1
            if depth > MAX_DEPTH:
                return True
    return False


def _flat_text(html: str) -> str:
    return _tidy(html_lib.unescape(_ANY_TAG.sub(" ", html)))


def _title(tree: LexborHTMLParser) -> str:
    for selector, attr in (
        ('meta[property="og:title"]', "content"),
        ('meta[name="twitter:title"]', "content"),
        ("article h1", None),
        ("h1", None),
        ("title", None),
    ):
        node = tree.css_first(selector)
        if node is None:
            continue
        value = node.attributes.get(attr) if attr else node.text(deep=True)
        if value and value.strip():
            return _tidy(value)
    return ""


def _node_text(root: LexborNode) -> str:
    parts: list[str] = []
    for node in root.traverse(include_text=True):
        tag = node.tag
        if tag == "-text":
            parts.append(node.text_content or "")
        elif tag in _BLOCKS:
            parts.append("\n\n" if tag != "br" else "\n")
    return _tidy("".join(parts))


def _tidy(text: str) -> str:
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    joined = "\n".join(lines)
    return _BLANKS.sub("\n\n", joined).strip()
