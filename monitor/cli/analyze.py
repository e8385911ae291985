"""`monitor analyze TEXT`: how each word of a text is read, and what it meets in a rule."""

from __future__ import annotations

import argparse
from typing import Any

from monitor.cli.common import EXIT_INVALID, EXIT_OK, add_command, error
from monitor.text.languages import SUPPORTED, detect_language

_TAGS = 3  # grammatical tags shown per reading


def register(sub: Any) -> None:
    parser = add_command(
        sub, "analyze", _analyze,
        "show how each word of TEXT is read: its readings, the keys it carries in a document, "
        "and what it matches when written in a rule",
    )
    parser.add_argument("text", metavar="TEXT", help="the words to analyse (quote them)")
    parser.add_argument("--lang", metavar="CODE",
                        help="the language (default: detected among the supported ones)")


def _analyze(args: argparse.Namespace) -> int:
    from monitor.text.inspect import describe

    if not args.text.strip():
        error("TEXT is empty: give the words to analyse, e.g. monitor analyze \"Китаем\"")
        return EXIT_INVALID
    language = (args.lang or "").strip().lower() or detect_language(args.text, sorted(SUPPORTED))
    if language not in SUPPORTED:
        error(f"--lang {args.lang}: not a supported language; use one of "
              f"{', '.join(sorted(SUPPORTED))}")
        return EXIT_INVALID
    guessed = "" if args.lang else (
        " (detected, which is unreliable for a few words: give --lang to choose)")
    print(f"language: {language}{guessed}")
    for report in describe(args.text, language):
        print(f"\n{report.word}")
        for lemma, tags in report.readings.items():
            more = f" and {len(tags) - _TAGS} more" if len(tags) > _TAGS else ""
            print(f"  reading: {lemma} ({'; '.join(tags[:_TAGS])}{more})")
        print(f"  in a document it carries the keys: {', '.join(report.keys)}")
        print("  in a rule it matches:")
        if report.rule_keys:
            print(f"    words carrying the keys: {', '.join(report.rule_keys)}")
        if report.rule_literal:
            print(f"    the word itself: {', '.join(report.rule_literal)}")
        if report.rule_names:
            print(f"    written with a capital: {', '.join(report.rule_names)}")
    return EXIT_OK
