"""Checks of a rule set's references that need the whole set: unknown @references and
filters, the languages a query can match in, and reference cycles between topics."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from monitor.errors import RuleError
from monitor.matching import query as q
from monitor.matching.compiler import Vocabulary
from monitor.matching.countries import is_country
from monitor.wording import did_you_mean, listing, unknown


def bad_ref(ref: q.Ref, vocab: dict[str, Vocabulary]) -> str | None:
    """What is wrong with a reference (an unknown topic or country code), or None."""
    if ref.country is not None:
        if is_country(ref.country):
            return None
        return (f"unknown country code {ref.country!r}: use an ISO 3166 two-letter code, such "
                f"as CN, RU, US or DE")
    if ref.name in vocab:
        return None
    return (f"unknown reference @{ref.name}{did_you_mean(ref.name, vocab)}; the topics and "
            f"entities are: {listing(vocab)}")


def bad_filter(
    flt: q.Filter, languages: Sequence[str], sources: Collection[str] | None
) -> str | None:
    """What is wrong with a lang: or source: filter, or None."""
    # a lang: or source: filter naming nothing configured would silently never match
    if flt.kind == "lang" and flt.value not in languages:
        return f"lang:{flt.value}: " + unknown("language", flt.value, languages, "in config.yaml")
    if flt.kind == "source" and sources is not None and flt.value not in sources:
        return f"source:{flt.value}: " + unknown("source", flt.value, sources, "in config.yaml")
    return None


class LanguageBits:
    """The configured languages in which a query tree can match, as a bit set (terms listed
    under a language key apply to that language only); each topic is worked out once."""

    def __init__(self, languages: Sequence[str], vocab: dict[str, Vocabulary]) -> None:
        self.languages = tuple(languages)
        self.bit = {lang: 1 << i for i, lang in enumerate(self.languages)}
        self.everywhere = (1 << len(self.languages)) - 1
        self.vocab = vocab
        self.topics: dict[str, int] = {}

    def mask(self, languages: Collection[str]) -> int:
        return sum(self.bit.get(lang, 0) for lang in set(languages))

    def names(self, mask: int) -> str:
        return ", ".join(sorted(lang for lang, b in self.bit.items() if mask & b))

    def of(self, node: q.Node) -> int:
        if isinstance(node, q.Word | q.Phrase):
            return self.everywhere
        if isinstance(node, q.And | q.Near | q.Same):
            out = self.everywhere
            for c in node.children:
                out &= self.of(c)
            return out
        if isinstance(node, q.Or):
            out = 0
            for c in node.children:
                out |= self.of(c)
            return out
        if isinstance(node, q.Scoped):
            return self.of(node.child)
        if isinstance(node, q.Filter) and node.kind == "lang":
            return self.bit.get(node.value, 0)
        if isinstance(node, q.Ref) and node.country is None:
            found = self.topics.get(node.name)
            if found is None:
                v = self.vocab[node.name]
                found = self.everywhere if v.country else 0
                for t in v.terms:
                    found |= self.of(t.node) & (self.mask(t.languages) if t.languages
                                                else self.everywhere)
                self.topics[node.name] = found
            return found
        return self.everywhere  # NOT (absence), other filters, @country:


def find_cycles(vocab: dict[str, Vocabulary], problems: list[RuleError]) -> None:
    """A problem for each cycle of topics that refer to each other."""
    graph = {
        name: [r.name for t in v.terms for r in q.references(t.node) if r.country is None]
        for name, v in vocab.items()
    }
    done: set[str] = set()
    for name in graph:
        _visit(name, [], graph, done, vocab, problems)


def _visit(
    name: str,
    stack: list[str],
    graph: dict[str, list[str]],
    done: set[str],
    vocab: dict[str, Vocabulary],
    problems: list[RuleError],
) -> None:
    # a module-level function, not a closure: a recursive closure is a reference cycle,
    # which would keep every vocabulary alive until the cyclic collector ran
    if name in stack:
        cycle = [*stack[stack.index(name):], name]
        v = vocab[name]
        problems.append(RuleError("reference cycle: " + " -> ".join(f"@{c}" for c in cycle)
                                  + f" ({v.kind} {name})", v.location))
        return
    if name in done or name not in graph:
        return
    stack.append(name)
    for nxt in graph[name]:
        _visit(nxt, stack, graph, done, vocab, problems)
    stack.pop()
    done.add(name)
