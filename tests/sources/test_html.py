"""HTML to text for sources: what a reader keeps of markup."""

from __future__ import annotations

from monitor.sources.html import html_to_text


def test_html_to_text_keeps_blocks_and_drops_scripts_and_styles() -> None:
    html = (
        "<html><head><title>x</title><style>p{}</style></head><body><h1>Title</h1>"
        "<p>One &amp; two</p><script>alert(1)</script><p>Three&nbsp;four</p></body></html>"
    )
    assert html_to_text(html) == "Title\n\nOne & two\n\nThree four"


def test_text_without_markup_only_has_its_entities_decoded() -> None:
    assert html_to_text("no markup &laquo;here&raquo;") == "no markup «here»"
