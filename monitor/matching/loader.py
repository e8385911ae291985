"""load_rules: rule files -> one validated, compiled RuleSet (or a RuleError with every problem)."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from monitor.errors import Location, QuerySyntaxError, RuleError
from monitor.matching import query as q
from monitor.matching.compiler import CompileError, Compiler, VocabTerm, Vocabulary
from monitor.matching.examples import ExampleCase, detection_hint, example_cases
from monitor.matching.examples import check_examples as run_examples
from monitor.matching.files import RuleFile, read_rule_file, rule_files
from monitor.matching.gazetteer import COUNTRIES, gazetteer_terms, has_gazetteer
from monitor.matching.lint import LintRule, lint
from monitor.matching.references import LanguageBits, bad_filter, bad_ref, find_cycles
from monitor.matching.ruleset import Rule, RuleSet, quiet_gc, settle
from monitor.matching.schema import NAME, EntityModel, RuleModel
from monitor.text.analysis import language_hint
from monitor.text.languages import SUPPORTED
from monitor.wording import unknown


@dataclass(frozen=True, kw_only=True)
class _Parsed:
    rule: Rule
    model: RuleModel
    node: q.Node
    where: Location
    at: Callable[[int], Location]  # the place of a character of the query
    examples: tuple[ExampleCase, ...]


def load_rules(
    path: Path | Sequence[Path],
    *,
    languages: Sequence[str],
    notifiers: Collection[str] | None = None,
    sources: Collection[str] | None = None,
    check_examples: bool = True,
    warnings: list[RuleError] | None = None,
) -> RuleSet:
    """Read every rule file under `path` (a folder or one file, or several of these, merged:
    a draft file can use the topics of a rules folder), validate and compile them.

    Raises RuleError listing every problem, one per line ("file:line:col: message (id)").
    When `warnings` is a list, what `monitor check` warns about is added to it (see lint.py),
    and a RuleHint when examples leave their language to be detected.
    """
    with quiet_gc():
        paths = [Path(path)] if isinstance(path, str | Path) else [Path(p) for p in path]
        ruleset = _load(
            paths, languages=languages, notifiers=notifiers, sources=sources,
            check_examples=check_examples, warnings=warnings,
        )
        settle(len(ruleset))
    return ruleset


def _load(
    paths: Sequence[Path],
    *,
    languages: Sequence[str],
    notifiers: Collection[str] | None,
    sources: Collection[str] | None,
    check_examples: bool,
    warnings: list[RuleError] | None = None,
) -> RuleSet:
    files = [read_rule_file(p) for p in _each_once(f for path in paths for f in rule_files(path))]
    problems = [e for f in files for e in f.problems]
    vocab = _vocabularies(files, languages, problems)
    _term_references(vocab, problems)
    parsed = _rules(files, vocab, languages, notifiers, sources, problems)
    find_cycles(vocab, problems)
    _raise(problems)
    _reachable(parsed, vocab, languages, problems)
    _raise(problems)
    compiler = Compiler(vocab, languages)
    execs = []
    for p in parsed:
        try:
            execs.append(compiler.compile(p.node))
        except CompileError as exc:
            problems.append(RuleError(f"{exc.message} (rule {p.rule.id})", exc.location or p.where))
    _raise(problems)
    ruleset = RuleSet([p.rule for p in parsed], execs, languages)
    if check_examples:
        for p in parsed:
            problems.extend(run_examples(ruleset, p.rule, p.examples, languages))
        _raise(problems)
    if warnings is not None:
        warnings.extend(lint([
            LintRule(rule=p.rule, node=p.node, where=p.where, at=p.at, examples=p.examples)
            for p in parsed
        ], vocab, ruleset, languages))
        hint = detection_hint([case for p in parsed for case in p.examples], languages)
        warnings.extend([hint] if hint else [])
    return ruleset


def _each_once(files: Iterable[Path]) -> list[Path]:
    """The files in order, each once (a draft given with the folder that holds it)."""
    seen: set[Path] = set()
    out: list[Path] = []
    for f in files:
        if f.resolve() not in seen:
            seen.add(f.resolve())
            out.append(f)
    return out


def _raise(problems: list[RuleError]) -> None:
    if not problems:
        return
    problems.sort(key=_place)
    if len(problems) == 1:
        raise problems[0]
    err = RuleError("\n".join(str(p) for p in problems), None, errors=problems)
    err.location = problems[0].location
    raise err


def _place(err: RuleError) -> tuple[str, int, int]:
    loc = err.location
    return (loc.file, loc.line, loc.column) if loc else ("", 0, 0)


def _vocabularies(
    files: list[RuleFile], languages: Sequence[str], problems: list[RuleError]
) -> dict[str, Vocabulary]:
    vocab: dict[str, Vocabulary] = {}
    for f in files:
        for name, model, path in f.topics:
            kind = "entity" if isinstance(model, EntityModel) else "topic"
            what = f"{kind} {name}"
            where = f.key_where(path)
            if name in vocab:
                first = vocab[name].location
                problems.append(RuleError(f"duplicate name {name!r}, first defined at {first} "
                                          f"({what})", where))
                continue
            if name == "country" or not re.fullmatch(NAME, name):
                problems.append(RuleError(f"invalid name {name!r}: use letters, digits, - and _ "
                                          f"(and not 'country') ({what})", where))
                continue
            terms = _terms(f, model.terms, (*path, "terms"), what, problems)
            country = model.country if isinstance(model, EntityModel) else None
            if isinstance(model, EntityModel) and model.include:
                terms += _included(f, model, path, what, terms, problems)
            vocab[name] = Vocabulary(name=name, kind=kind, terms=terms, country=country,
                                     location=where)
    return vocab


def _terms(
    f: RuleFile,
    terms: list[str] | dict[str, list[str]],
    path: tuple[str | int, ...],
    what: str,
    problems: list[RuleError],
) -> tuple[VocabTerm, ...]:
    groups: list[tuple[tuple[str, ...] | None, list[str], tuple[str | int, ...]]] = []
    if isinstance(terms, list):
        groups.append((None, terms, path))
    else:
        for lang, items in terms.items():
            if lang not in SUPPORTED:
                message = unknown("language", lang, SUPPORTED, "the monitor knows")
                problems.append(RuleError(f"{message} ({what})",
                                          f.key_where((*path, lang))))
                continue
            groups.append(((lang,), items, (*path, lang)))
    out: list[VocabTerm] = []
    for langs, items, group_path in groups:
        for i, text in enumerate(items):
            where = f.where((*group_path, i))
            try:
                node = q.parse_term(text)
            except QuerySyntaxError as exc:
                loc = f.in_value((*group_path, i), exc.position)
                problems.append(RuleError(f"term {text!r}: {exc.message} ({what})", loc))
                continue
            if not q.positive(node):
                problems.append(RuleError(f"term {text!r} needs a word that must be present "
                                          f"({what})", where))
                continue
            out.append(VocabTerm(text=text, node=node, languages=langs, location=where))
    return tuple(out)


def _included(
    f: RuleFile, model: EntityModel, path: tuple[str | int, ...], what: str,
    own: tuple[VocabTerm, ...], problems: list[RuleError],
) -> tuple[VocabTerm, ...]:
    """The shipped vocabularies an entity's `include:` asks for (see gazetteer.py)."""
    where = f.key_where((*path, "include"))
    if model.country is None or not has_gazetteer(model.country):
        shipped = ", ".join(COUNTRIES)
        problems.append(RuleError(f"include: needs `country:` set to one of {shipped} "
                                  f"({what})", where))
        return ()
    seen = {(t.text.casefold(), lang) for t in own for lang in t.languages or ("",)}
    out: list[VocabTerm] = []
    for group in dict.fromkeys(model.include):
        for lang, texts in gazetteer_terms(model.country, group).items():
            for text in texts:
                if (text.casefold(), lang) not in seen:
                    seen.add((text.casefold(), lang))
                    out.append(VocabTerm(text=text, node=q.parse_term(text), languages=(lang,),
                                         location=where))
    return tuple(out)


def _term_references(vocab: dict[str, Vocabulary], problems: list[RuleError]) -> None:
    for v in vocab.values():
        for term in v.terms:
            for ref in q.references(term.node):
                message = bad_ref(ref, vocab)
                if message:
                    problems.append(RuleError(f"{message} ({v.kind} {v.name})", term.location))


def _rules(
    files: list[RuleFile],
    vocab: dict[str, Vocabulary],
    languages: Sequence[str],
    notifiers: Collection[str] | None,
    sources: Collection[str] | None,
    problems: list[RuleError],
) -> list[_Parsed]:
    seen: dict[str, Location] = {}
    out: list[_Parsed] = []
    for f in files:
        for model, path in f.rules:
            what = f"rule {model.id}"
            where = f.where(path)
            if model.id in seen:
                problems.append(RuleError(f"duplicate rule id {model.id!r}, first defined at "
                                          f"{seen[model.id]} ({what})", f.where((*path, "id"))))
                continue
            seen[model.id] = where
            before = len(problems)
            node = _query(f, model, path, vocab, languages, sources, problems)
            _names(f, model, path, languages, notifiers, sources, problems)
            if node is None or len(problems) > before or not model.enabled:
                continue
            rule = Rule(
                id=model.id, title=model.title or model.id, query=model.query,
                notify=tuple(model.notify) if model.notify is not None else None,
                digest=model.digest,
                languages=tuple(model.languages) if model.languages is not None else None,
                sources=tuple(model.sources) if model.sources is not None else None,
                min_score=model.min_score, within=model.within, file=f.file, line=where.line,
                max_per_hour=model.max_per_hour,
                stories=model.stories, spreading=model.spreading,
            )
            cases = example_cases(model, f, path)
            qpath = (*path, "query")
            out.append(_Parsed(rule=rule, model=model, node=node, where=f.where(qpath),
                               at=partial(f.in_value, qpath), examples=cases))
    return out


def _query(
    f: RuleFile,
    model: RuleModel,
    path: tuple[str | int, ...],
    vocab: dict[str, Vocabulary],
    languages: Sequence[str],
    sources: Collection[str] | None,
    problems: list[RuleError],
) -> q.Node | None:
    what = f"rule {model.id}"
    qpath = (*path, "query")
    try:
        node, named = q.parse_query_names(model.query)
    except QuerySyntaxError as exc:
        problems.append(RuleError(f"query: {exc.message} ({what})",
                                  f.in_value(qpath, exc.position)))
        return None
    if not q.positive(node):
        problems.append(RuleError(f"query needs at least one word that must be present, not "
                                  f"only NOT or filters ({what})", f.where(qpath)))
        return None
    for leaf in named:
        if isinstance(leaf, q.Ref):
            message = bad_ref(leaf, vocab)
        else:
            message = bad_filter(leaf, languages, sources)
        if message:
            problems.append(RuleError(f"{message} ({what})", f.in_value(qpath, leaf.position)))
    if model.within is not None:
        try:
            return q.within(node, model.within)
        except ValueError as exc:
            problems.append(RuleError(f"{exc} ({what})", f.where((*path, "within"))))
            return None
    return node


def _reachable(
    parsed: list[_Parsed],
    vocab: dict[str, Vocabulary],
    languages: Sequence[str],
    problems: list[RuleError],
) -> None:
    """A rule whose query can match in none of its languages is refused: e.g. `languages:
    [de]` with topics whose terms are all under `ru:`, or `lang:de` with such a topic."""
    bits = LanguageBits(languages, vocab)
    for p in parsed:
        can = bits.of(p.node)
        wanted = bits.mask(p.rule.languages) if p.rule.languages else bits.everywhere
        if can & wanted:
            continue
        if can:
            message = (f"the rule can never match: its query can match only in "
                       f"{bits.names(can)}, and its languages: are {bits.names(wanted)}")
        else:
            message = ("the query can match in no language: the languages of its terms and "
                       "lang: filters have none in common")
        problems.append(RuleError(f"{message} (rule {p.rule.id})", p.where))


def _names(
    f: RuleFile,
    model: RuleModel,
    path: tuple[str | int, ...],
    languages: Sequence[str],
    notifiers: Collection[str] | None,
    sources: Collection[str] | None,
    problems: list[RuleError],
) -> None:
    what = f"rule {model.id}"
    checks: list[tuple[str, list[str] | None, Collection[str] | None, str]] = [
        ("languages", model.languages, languages, "language"),
        ("notify", model.notify, notifiers, "notifier"),
        ("sources", model.sources, sources, "source"),
    ]
    for key, values, known, noun in checks:
        if values is None or known is None:
            continue
        for i, value in enumerate(values):
            if value not in known:
                message = unknown(noun, value, known, "in config.yaml")
                problems.append(RuleError(f"{message} ({what})",
                                          f.where((*path, key, i))))
    for key in ("match", "no_match"):  # an example's stated language: a code we know
        for i, example in enumerate(getattr(model.examples, key)):
            stated = getattr(example, "language", None)
            if stated is not None and language_hint(stated) is None:
                message = unknown("language", stated, SUPPORTED, "the monitor knows")
                problems.append(RuleError(f"{message} (example of {what})",
                                          f.where((*path, "examples", key, i, "language"))))
