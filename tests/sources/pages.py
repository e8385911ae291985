"""Realistic news pages for full-text tests: the article among a site's navigation, a
"most read" list, related-article links, a newsletter box and a footer, as publishers make
them. Boilerplate phrases are given so tests can check they are not matched."""

from __future__ import annotations

import html

NAV = ["Home", "World", "Business", "Technology", "Opinion", "Sport", "Weather"]
MOST_READ = [
    "Volcanic eruption grounds flights across the northern archipelago",
    "Celebrity chef opens floating restaurant on the harbour",
    "Quarterly results send copper miners soaring",
]
RELATED = [
    "Parliament debates fishing quotas in marathon session",
    "Submarine cable repair delayed by winter storms",
]
FOOTER = "Copyright Harbour Gazette Media Group. Subscribe to our weekday briefing newsletter."
BOILERPLATE_PHRASES = [*MOST_READ, *RELATED, "weekday briefing newsletter"]


def article_page(title: str, paragraphs: list[str], *, charset: str | None = "utf-8",
                 lang: str = "en", author: str = "Mara Lindqvist",
                 published: str = "2026-11-30T08:15:00+00:00") -> str:
    """An HTML page with the article and the usual surroundings."""
    esc = html.escape
    nav = "".join(f'<li><a href="/{n.lower()}">{esc(n)}</a></li>' for n in NAV)
    most = "".join(f'<li><a href="/most/{i}">{esc(t)}</a></li>' for i, t in enumerate(MOST_READ))
    related = "".join(f'<li><a href="/rel/{i}">{esc(t)}</a></li>' for i, t in enumerate(RELATED))
    body = "".join(f"<p>{esc(p)}</p>" for p in paragraphs)
    meta = f'<meta charset="{charset}">' if charset else ""
    return f"""<!DOCTYPE html>
<html lang="{lang}"><head>{meta}<title>{esc(title)} | Harbour Gazette</title>
<meta name="author" content="{esc(author)}">
<meta property="article:published_time" content="{published}">
<script>window.ads = {{slots: ["top", "side"]}};</script></head>
<body>
<header><div class="logo">Harbour Gazette</div><nav><ul>{nav}</ul></nav>
<form class="search"><input name="q" placeholder="Search"></form></header>
<div class="cookie-banner">We use cookies to improve your experience. Accept all</div>
<main><div class="layout">
<article class="story">
<h1>{esc(title)}</h1>
<div class="byline">By {esc(author)}</div>
<time datetime="{published}">30 November 2026</time>
<div class="story-body">{body}</div>
<div class="share">Share this article on social media</div>
</article>
<aside class="sidebar"><h2>Most read</h2><ol>{most}</ol>
<div class="newsletter">Sign up for the weekday briefing newsletter</div></aside>
</div>
<section class="related"><h2>Related stories</h2><ul>{related}</ul></section>
</main>
<footer><p>{esc(FOOTER)}</p><ul><li><a href="/about">About us</a></li>
<li><a href="/privacy">Privacy policy</a></li></ul></footer>
</body></html>"""


ARTICLE_TITLE = "Port authority approves deep-water terminal after years of delay"
ARTICLE = [
    "The regional port authority on Monday approved the construction of a deep-water "
    "container terminal on the eastern breakwater, ending a planning dispute that has "
    "lasted almost seven years.",
    "The terminal will be able to take vessels with a draught of up to sixteen metres, "
    "which currently have to unload at ports several hundred kilometres to the south. "
    "Officials said the project would be financed by a consortium of three shipping lines "
    "and a public infrastructure bank.",
    "Environmental groups had objected that dredging the approach channel would disturb "
    "eelgrass meadows that shelter juvenile cod. The approval requires the builders to "
    "replant an area twice the size of the meadows removed and to pause dredging during "
    "the spawning season.",
    "Construction is expected to begin next spring and to take four years. The authority "
    "estimated that the terminal would create around nine hundred permanent jobs.",
]
BODY_PHRASES = ["deep-water container terminal", "eelgrass meadows", "public infrastructure bank"]
