"""`monitor test`: run the rules on document files and show what matched and why."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from monitor.cli.common import Exit, add_command, error
from monitor.cli.display import safe
from monitor.errors import ConfigError, DocumentError, RuleError

if TYPE_CHECKING:
    from monitor.cli.test_compare import Comparison
    from monitor.cli.test_misses import MissList
    from monitor.cli.test_terms import TermTally
    from monitor.config import Config, FolderSourceConfig
    from monitor.match_workers import Found
    from monitor.matching import RuleSet
    from monitor.models import Document, Match
    from monitor.text.analysis import Analysis

MAX_SHOWN_HITS = 12


def register(sub: Any) -> None:
    p = add_command(
        sub, "test", _test,
        "match the rules against document files and show, per document, the detected "
        "language, the rules that matched and the words that made them match",
    )
    p.add_argument(
        "paths", nargs="+", metavar="PATH",
        help="a document file (.txt, .md, .html, .json, .jsonl), a folder of them, or an "
        "http(s):// URL of a web page (its article is extracted) or a feed (its entries, "
        "each with its page's text as the daemon reads it)",
    )
    p.add_argument(
        "--rules", metavar="PATH", action="append",
        help="a rules folder or one rule file (default: the `rules:` of the config); give it "
        "again to add more, e.g. the rules folder and a draft that uses its topics",
    )
    p.add_argument(
        "--explain", metavar="RULE",
        help="for each document, the rule's query tree with each node's outcome (which side "
        "of an AND was missing, which term of an OR fired, how close NEAR/SENT/PARA sides "
        "are) and its score's parts",
    )
    p.add_argument(
        "--rule", metavar="ID", action="append", dest="only_rules",
        help="report only this rule (give it again for more)",
    )
    p.add_argument(
        "--terms", action="store_true",
        help="instead of each document, for each rule the terms its matches came from: per "
        "part of its query, how many matched documents each term fired in and in how many "
        "it alone found the part (a term with a second sense shows up here); for the rules "
        "named with --rule, also how many documents it did not alert on have one of its "
        "parts (near misses: what its words may lack)",
    )
    p.add_argument(
        "--misses", metavar="RULE",
        help="instead of each document, the documents this rule does not alert on that have "
        "some of its parts (its entity without its topic, say), grouped by the parts they "
        "lack, those with a part in the headline first, each with the words found and why "
        "it is left out: what the rule's words may lack",
    )
    p.add_argument(
        "--compare", metavar="OLD", action="append",
        help="instead of each document, for each rule how many documents the rules in OLD "
        "(a rules folder or file: the rules before a revision; give it again to add more) "
        "and the rules tested alert on, and the documents only one of them does: what the "
        "revision gained and lost",
    )
    p.add_argument(
        "--only-matches", action="store_true",
        help="leave out the documents the rules (or the --explain rule) do not match",
    )
    p.add_argument(
        "--json", action="store_true",
        help='one JSON object per document per line: {"path" (or "url" for what a URL gave), '
        '"title", "language", '
        '"matches": [{"rule", "score", "counts": {term: hits in the document}, '
        '"hits": [{"term", "field", "text", "start", "end"}] (the first few of each term)}]}',
    )


def _config(args: argparse.Namespace) -> Config | None:
    from monitor.config import Config, load_config

    path = Path(args.config)
    if not path.exists() and args.rules:
        return Config()  # testing a rules draft needs no config: default languages
    try:
        return load_config(path)
    except ConfigError as exc:
        error(str(exc))
        return None


def _test(args: argparse.Namespace) -> int:
    config = _config(args)
    if config is None:
        return Exit.INVALID
    from monitor import metrics
    from monitor.matching.cached import keep_prepared, load_cached  # the engine: only here

    metrics.silence()  # nothing reads them here: no prometheus_client

    rules_path = [Path(p) for p in args.rules] if args.rules else [config.rules]
    try:
        rules = load_cached(rules_path, folder=config.cache_dir, languages=config.languages,
                            check_examples=False)
    except RuleError as exc:
        error(f"invalid rules:\n{exc}")
        return Exit.INVALID
    wanted = [r for r in [args.explain, args.misses, *(args.only_rules or [])] if r]
    unknown_rules = [r for r in wanted if r not in rules.rules]
    if unknown_rules:
        from monitor.wording import unknown

        error("; ".join(unknown("rule", r, rules.rules) for r in unknown_rules))
        return Exit.INVALID
    given = [o for o, on in (("--terms", args.terms), ("--explain", args.explain),
                             ("--misses", args.misses), ("--compare", args.compare)) if on]
    if len(given) > 1:
        error(f"{' and '.join(given)} show different things: give one of them")
        return Exit.INVALID
    named = [*(args.only_rules or ()), *([args.misses] if args.misses else [])]
    show = Show(rules=frozenset(named), only_matches=args.only_matches,
                as_json=args.json, explain=args.explain)
    tally: TermTally | MissList | Comparison | None = None
    if args.terms:
        from monitor.cli.test_terms import TermTally

        tally = TermTally(rules, config.languages, near=args.only_rules or ())
    if args.misses:
        from monitor.cli.test_misses import MissList

        tally = MissList(rules, args.misses, config.languages)
    if args.compare:
        from monitor.cli.test_compare import Comparison

        try:
            old = load_cached([Path(p) for p in args.compare], folder=config.cache_dir,
                              languages=config.languages, check_examples=False)
        except RuleError as exc:
            error(f"invalid rules in --compare:\n{exc}")
            return Exit.INVALID
        tally = Comparison(old, rules, config.languages, args.only_rules or ())
    documents = matched = 0
    unread: list[Path] = []
    for path, doc, found in _matched(_readable(args.paths, config, unread), rules, config,
                                     show):
        documents += 1
        if isinstance(found, Exception):
            error(f"{path}: {doc.title[:80]!r} could not be matched: {found}")
            unread.append(path)
        elif tally is not None:
            chosen = [m for m in found[1] if not show.rules or m.rule in show.rules]
            tally.add(str(doc.url if doc.path is None and doc.url else path), doc, chosen)
            matched += bool(chosen)
        else:
            matched += _report(path, doc, rules, found, show, config.languages)
    if tally is not None:
        tally.show(args.json)
    keep_prepared(rules)  # the next run finds the prefilters of these documents' languages
    if not args.json:
        note = f"; {len(unread)} file(s) could not be read" if unread else ""
        print(f"{documents} document(s), {matched} matched by at least one rule{note}")
    return Exit.ERROR if unread else Exit.OK


def _readable(paths: Sequence[str], config: Config, unread: list[Path]
              ) -> Iterator[tuple[Path, Document]]:
    """The documents of the files and URLs given (a file that cannot be read is said so
    on stderr as it comes, and added to `unread`)."""
    for path, docs in _documents(paths, config):
        if isinstance(docs, DocumentError):
            error(str(docs))
            unread.append(path)
            continue
        if not docs:
            error(f"{path}: no document in it (empty), skipped")
        for doc in docs:
            yield path, doc


def _matched(
    items: Iterator[tuple[Path, Document]], rules: RuleSet, config: Config, show: Show
) -> Iterator[tuple[Path, Document, Found | Exception]]:
    """Each document with its language and matches, from the workers (`workers:`); with
    --explain, nothing yet (the one rule is explained here)."""
    if show.explain:
        yield from ((path, doc, ("", [])) for path, doc in items)
        return
    from monitor.match_workers import MatchWorkers
    from monitor.workers import worker_count

    workers = MatchWorkers(worker_count(config.workers), config.languages)
    try:
        yield from workers.stream(workers.matches, rules, items)
    finally:
        workers.close()


def _documents(
    paths: Sequence[str], config: Config
) -> Iterator[tuple[Path, list[Document] | DocumentError]]:
    from monitor.cli.progress import track
    from monitor.sources.readers import is_candidate, read_file

    files: list[tuple[Path, Path, FolderSourceConfig | None]] = []  # (file, root, source)
    for text in paths:
        if text.lower().startswith(("http://", "https://")):
            from monitor.cli.test_url import url_documents  # the HTTP client: only for URLs

            try:
                yield Path(text), url_documents(text, config)
            except DocumentError as exc:
                yield Path(text), exc
            continue
        given = Path(text)
        source = _source_for(given, config)
        if given.is_dir():
            found = sorted(p for p in given.rglob("*") if p.is_file() and is_candidate(p))
            files += [(file, given, source) for file in found]
        elif given.exists():
            files.append((given, given.parent, source))
        else:
            yield given, DocumentError(f"{given}: no such file or folder")
    for file, root, source in track(files, "matching"):
        try:
            docs = read_file(
                file, source=source.id if source else "test", root=root,
                max_size=source.max_size if source else 10 * 1024 * 1024,
                languages=config.languages, language=source.language if source else None,
            )
        except DocumentError as exc:
            yield file, exc
            continue
        yield file, docs


def _source_for(path: Path, config: Config) -> FolderSourceConfig | None:
    """The configured folder source that contains `path`, so `sources:` filters apply."""
    from monitor.config import FolderSourceConfig

    resolved = path.resolve()
    for source in config.sources:
        if isinstance(source, FolderSourceConfig) and resolved.is_relative_to(
            source.path.resolve()
        ):
            return source
    return None


@dataclass(frozen=True)
class Show:
    """What to print: only some rules, only documents that matched, JSON, an explanation."""

    rules: frozenset[str] = frozenset()
    only_matches: bool = False
    as_json: bool = False
    explain: str | None = None


def _report(path: Path, doc: Document, rules: RuleSet, found: Found, show: Show,
            languages: Sequence[str]) -> bool:
    """Print what matched the document and why; return whether anything did."""
    from monitor.matching.explain import field_texts, snippets
    from monitor.text.analysis import analyze

    if show.explain:
        return _explained(path, doc, rules, analyze(doc, languages), show)
    language, every = found
    matches = [m for m in every if not show.rules or m.rule in show.rules]
    if show.only_matches and not matches:
        return False
    if show.as_json:
        print(json.dumps(_as_json(path, doc, language, matches), ensure_ascii=False))
        return bool(matches)
    print(safe(f"{doc.url or path}  [{language}]  {doc.title}"))
    if doc.body_from is not None:  # read from a page: what `test_url` and mails say of it
        from monitor.cli.test_url import first_lines
        from monitor.delivery.render import matched_on

        note = matched_on(doc) or "the text of the page"
        print(safe(f"  text ({note}):"))
        for line in first_lines(doc):
            print(safe(f"    | {line}"))
    if not matches:
        print("  no rule matched")
    texts = field_texts(doc) if matches else ("", "")
    for m in matches:
        print(safe(f"  {m.rule} ({score_text(m)}): {rules.rules[m.rule].title}"))
        for hit in m.hits[:MAX_SHOWN_HITS]:
            print(safe(f"    {hit.field} {hit.start}-{hit.end}  {hit.text!r}  <- {hit.term}"))
        more = sum(count for _, count in m.counts) - min(len(m.hits), MAX_SHOWN_HITS)
        if more > 0:
            print(safe(f"    ... and {more} more hits: {counts_text(m)}"))
        for snip in snippets(doc, m.hits, texts=texts):
            text = "".join(f"[{t}]" if hit else t for t, hit in snip.segments)
            print(safe(f"    > {snip.field}: {text}"))
    sys.stdout.flush()
    return bool(matches)


def counts_text(m: Match) -> str:
    """'the 142, and 96': how many hits each term of the match has in the document."""
    return ", ".join(f"{term} {count}" for term, count in m.counts)


def score_text(m: Match) -> str:
    """'score 0.62: prominence 0.80, mentions 0.39, closeness 0.91, concentration 1.00'."""
    parts = ", ".join(f"{name} {value:.2f}" for name, value in m.score_parts)
    return f"score {m.score:.2f}" + (f": {parts}" if parts else "")


def _explained(path: Path, doc: Document, rules: RuleSet, analysis: Analysis,
               show: Show) -> bool:
    rule = rules.rules[show.explain or ""]
    from monitor.matching.why import explain

    step, found = explain(rules, rule.id, analysis, doc)
    matched = found is not None and found.score >= rule.min_score
    if show.only_matches and not matched:
        return False
    if show.as_json:
        line = _as_json(path, doc, analysis.language, [found] if matched and found else [])
        line["explain"] = {"rule": rule.id, "matched": matched, "tree": step.lines(),
                           "score": found.score if found else None,
                           "score_parts": dict(found.score_parts) if found else None}
        print(json.dumps(line, ensure_ascii=False))
        return matched
    print(safe(f"{path}  [{analysis.language}]  {doc.title}"))
    if found is None:
        print(f"  {rule.id}: no match")
    elif not matched:
        print(f"  {rule.id}: no match: {score_text(found)}, under its min_score "
              f"{rule.min_score:g}")
    else:
        print(f"  {rule.id}: matched, {score_text(found)}")
    for text in step.lines("    "):
        print(safe(text))
    sys.stdout.flush()
    return matched


def _as_json(path: Path, doc: Document, language: str, matches: list[Match]) -> dict[str, Any]:
    # a file has its path; a page or feed entry read from a URL has its URL instead
    where = {"url": doc.url} if doc.path is None and doc.url else {"path": str(path)}
    return {
        **where,
        "title": doc.title,
        "language": language,
        "matches": [
            {
                "rule": m.rule,
                "score": m.score,
                "score_parts": dict(m.score_parts),
                "counts": dict(m.counts),
                "hits": [
                    {"term": h.term, "field": h.field, "text": h.text, "start": h.start,
                     "end": h.end}
                    for h in m.hits
                ],
            }
            for m in matches
        ],
    }
