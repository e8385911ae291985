"""Language detection's cheap first looks (CLD2, then lingua's low-accuracy mode on the first
characters) decide only where lingua's own steps would give the same answer."""

from __future__ import annotations

import pytest

from monitor.text import languages
from monitor.text.languages import detect_language

SEVEN = ["en", "ru", "uk", "de", "fr", "es", "zh"]
EN_BODY = (
    "Azerbaijan has opened talks with China on cooperation in the defence industry, the "
    "defence minister said on Monday. The government is interested in more trade and "
    "investment, and in joint projects in energy and transport over the coming years, "
    "officials in Baku added."
)
RU_BODY = (
    "Азербайджан начинает диалог с Китаем о сотрудничестве в оборонной промышленности. "
    "Министр обороны страны подчеркнул, что правительство заинтересовано в расширении "
    "торговли и инвестиций, а также в совместных проектах в сфере энергетики и транспорта "
    "в ближайшие годы."
)
# Each text is longer than the glance, and one of the cheap looks alone would misread it.
TRICKY = [
    # A Russian headline over an English body: CLD2 finds the glance's bytes 57% Russian
    # (Cyrillic letters take two) and the first 100 characters are all Russian; lingua reads
    # the glance as English. Only SCAN_SHARE keeps the looks from deciding.
    pytest.param(
        "Азербайджан начинает диалог с Китаем о сотрудничестве в оборонной промышленности, "
        "сообщил министр обороны\n" + EN_BODY, "en", id="ru-headline-en-body"),
    # A Ukrainian headline over a Russian body: CLD2 on the first 100 characters would call
    # them Ukrainian, and so would lingua; the whole glance is Russian.
    pytest.param(
        "Азербайджан розпочинає діалог з Китаєм в оборонній промисловості\n" + RU_BODY, "ru",
        id="uk-headline-ru-body"),
    # English opening with a Russian quote: both looks call the first 100 characters Russian.
    pytest.param(
        "The minister answered in Russian: «Мы никогда не согласимся на такие условия, и это "
        "окончательно». Officials in Brussels said the talks on gas transit would resume next "
        "week, and that both sides were expected to present new proposals on prices and "
        "volumes before the end of the month.", "en", id="en-with-ru-quote"),
    # Ukrainian after a Russian quote.
    pytest.param(
        "«Мы никогда не согласимся на такие условия», — заявил министр. Український уряд "
        "розпочинає переговори з Китаєм щодо співпраці в оборонній промисловості. Міністр "
        "закордонних справ наголосив, що Україна зацікавлена у розширенні торгівлі та "
        "інвестицій, а також у спільних проєктах у сфері енергетики й транспорту.", "uk",
        id="uk-after-ru-quote"),
    # A Reuters table of figures: CLD2 calls it English, reliably; lingua's steps read it as
    # French. The low-accuracy look agrees with lingua, so lingua's answer stands.
    pytest.param(
        "US WEST INC <USW> 3RD QTR NET\nDENVER, Oct 20 - Shr 1.46 dlrs vs 1.41 dlrs\n\nNet "
        "277.5 mln vs 268.3 mln\n\nSales 2.13 billion vs 2.14 billion\n\nAvg shrs 189.8 mln vs "
        "189.8 mln\n\nNine mths\n\nShr 3.95 dlrs vs 3.78 dlrs\n\nNet 750.5 mln vs 718.4 mln\n\n"
        "Sales 6.28 billion vs 6.22 billion", None, id="reuters-figures"),
]


def lingua_steps(text: str, langs: list[str], monkeypatch: pytest.MonkeyPatch) -> str:
    """What detect_language answers without the cheap looks."""
    with monkeypatch.context() as patch:
        patch.setattr(languages, "_agreed", lambda text, allowed: None)
        return detect_language(text, langs)


@pytest.mark.parametrize("langs", [SEVEN, ["en", "ru"], ["ru", "uk"]], ids="-".join)
@pytest.mark.parametrize(("text", "expected"), TRICKY)
def test_the_cheap_looks_never_change_the_answer(
    text: str, expected: str | None, langs: list[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert len(text) > languages.GLANCE_CHARS
    found = detect_language(text, langs)
    assert found == lingua_steps(text, langs, monkeypatch)
    if expected in langs:
        assert found == expected


def test_the_cheap_looks_decide_plain_articles() -> None:
    pytest.importorskip("pycld2")
    assert languages._agreed(f"Talks on defence cooperation\n{EN_BODY}", frozenset(SEVEN)) == "en"
    assert languages._agreed(f"Диалог о сотрудничестве\n{RU_BODY}", frozenset(SEVEN)) == "ru"
    assert languages._agreed(f"Talks\n{EN_BODY}", frozenset(["en", "ru"])) == "en"
