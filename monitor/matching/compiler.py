"""Query trees -> executable nodes, each term analysed in every language it applies to."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from monitor.errors import Location, RuleError
from monitor.matching import nodes as n
from monitor.matching import query as q
from monitor.matching.countries import country_name
from monitor.text.normalize import normalize_text
from monitor.text.tokens import TOKEN, has_cjk


@dataclass(frozen=True, kw_only=True)
class VocabTerm:
    """One term of a topic or entity: its text, parsed tree, languages (None = all), place."""

    text: str
    node: q.Node
    languages: tuple[str, ...] | None
    location: Location


@dataclass(frozen=True, kw_only=True)
class Vocabulary:
    """A topic or an entity: a named OR of terms (plus the names of `country`, if set)."""

    name: str
    kind: str  # "topic" or "entity"
    terms: tuple[VocabTerm, ...]
    country: str | None
    location: Location


class CompileError(RuleError):
    """A query or term that parses but cannot be compiled (e.g. NEAR on an AND)."""


class Compiler:
    """Compiles queries against a set of vocabularies; shares leaves between rules."""

    def __init__(self, vocabularies: Mapping[str, Vocabulary], languages: Sequence[str]) -> None:
        self.vocabularies = vocabularies
        self.languages = tuple(languages)
        self._leaves: dict[tuple[object, ...], n.Exec] = {}
        self._refs: dict[tuple[str, tuple[str, ...]], n.Exec] = {}
        # every other node by its kind, its children (shared already) and its own values:
        # rules written alike (the same query under two ids, one NEAR in many rules) share
        # one node, which a document then evaluates once (and `RuleSet.rows` reuses its
        # match for every rule it is the query of)
        self._shared: dict[tuple[object, ...], n.Exec] = {}
        # one frozenset per set of languages, shared by the leaves (a rule set of 100,000
        # rules has tens of thousands of leaves and a handful of language sets)
        self._langs: dict[tuple[str, ...], frozenset[str]] = {}

    def compile(
        self,
        node: q.Node,
        *,
        languages: tuple[str, ...] | None = None,
        fields: tuple[str, ...] = n.ALL_FIELDS,
    ) -> n.Exec:
        """The executable node of a query tree; raises CompileError."""
        langs = languages or self.languages
        if isinstance(node, q.Word):
            label = node.text + ("*" if node.prefix else "")
            words = (node.text + ("*" if node.prefix else ""),)
            return self._leaf(label, words, None, langs, fields)
        if isinstance(node, q.Phrase):
            label = f'"{node.text}"~{node.slop}' if node.slop is not None else node.text
            return self._leaf(label, tuple(node.text.split()), node.slop, langs, fields)
        if isinstance(node, q.Ref):
            return self._ref(node, fields)
        if isinstance(node, q.Filter):
            kind, value = node.kind, node.value
            return self._share(("filter", kind, value), lambda: n.FilterLeaf(kind, value))
        if isinstance(node, q.Scoped):
            return self.compile(node.child, languages=languages, fields=(node.field,))
        if isinstance(node, q.Not):
            child = self.compile(node.child, languages=languages, fields=fields)
            return self._share(("not", id(child)), lambda: n.NotNode(child))
        children = tuple(self.compile(c, languages=languages, fields=fields) for c in node.children)
        ids = tuple(map(id, children))
        if isinstance(node, q.And):
            return self._share(("and", ids), lambda: n.AndNode(children))
        if isinstance(node, q.Or):
            return self._share(("or", ids), lambda: n.OrNode(children))
        if isinstance(node, q.Same):
            unit = node.unit
            return self._share(("same", ids, unit), lambda: n.SameNode(
                self._positional(children, unit.upper()[:4]), unit))
        distance = node.distance
        return self._share(("near", ids, distance), lambda: n.NearNode(
            self._positional(children, "NEAR"), distance))

    def _share(self, key: tuple[object, ...], make: Callable[[], n.Exec]) -> n.Exec:
        """The node made for `key` before (children by identity: they are shared, and kept
        alive by their parents here), or a new one."""
        found = self._shared.get(key)
        if found is None:
            found = self._shared[key] = make()
        return found

    def _positional(self, children: tuple[n.Exec, ...], operator: str) -> tuple[n.Positional, ...]:
        positional: list[n.Positional] = []
        for child in children:
            if not n.is_positional(child):
                raise CompileError(
                    f"{operator} works on words, phrases, prefixes, @references and OR-groups "
                    "of them, not on AND, NOT or filters"
                )
            positional.append(child)  # type: ignore[arg-type]
        return tuple(positional)

    def _leaf(
        self,
        label: str,
        words: tuple[str, ...],
        slop: int | None,
        langs: tuple[str, ...],
        fields: tuple[str, ...],
    ) -> n.Exec:
        key = (label, words, slop, langs, fields)
        leaf = self._leaves.get(key)
        if leaf is None:
            leaf = self._leaves[key] = self._make_leaf(label, words, slop, langs, fields)
        return leaf

    def _make_leaf(
        self,
        label: str,
        words: tuple[str, ...],
        slop: int | None,
        langs: tuple[str, ...],
        fields: tuple[str, ...],
    ) -> n.Exec:
        text = " ".join(words)
        shared = self._langs.get(langs)
        if shared is None:
            shared = self._langs[langs] = frozenset(langs)
        if has_cjk(text):
            needle = normalize_text(text.replace("*", ""))
            return n.SubstringLeaf(label, fields, needle, shared)
        if not any(TOKEN.search(w.rstrip("*")) for w in words):
            raise CompileError(f"the term {label!r} has no words to match")
        return n.TermLeaf(label, fields, words, shared, slop)

    def _ref(self, ref: q.Ref, fields: tuple[str, ...]) -> n.Exec:
        key = (ref.name, fields)
        found = self._refs.get(key)
        if found is None:
            found = self._refs[key] = self._compile_ref(ref, fields)
        return found

    def _compile_ref(self, ref: q.Ref, fields: tuple[str, ...]) -> n.Exec:
        if ref.country is not None:
            return _or(self._country(ref.country, fields))
        vocab = self.vocabularies.get(ref.name)
        if vocab is None:  # the loader reports unknown references before compiling
            raise CompileError(f"unknown reference @{ref.name}")
        children: list[n.Exec] = []
        for term in vocab.terms:
            langs = tuple(x for x in term.languages or self.languages if x in self.languages)
            if not langs:
                continue  # a language that is not configured: nothing to match
            try:
                children.append(self.compile(term.node, languages=langs, fields=fields))
            except CompileError as exc:
                raise CompileError(f"{exc.message} (in @{vocab.name})", term.location) from exc
        if vocab.country:
            children.extend(self._country(vocab.country, fields))
        return _or(children)

    def _country(self, code: str, fields: tuple[str, ...]) -> list[n.Exec]:
        out: list[n.Exec] = []
        for lang in self.languages:
            name = country_name(code, lang)
            if name:
                out.append(self._leaf(name, tuple(name.split()), None, (lang,), fields))
        return out


def _or(children: list[n.Exec]) -> n.Exec:
    if len(children) == 1:
        return children[0]
    return n.OrNode(tuple(children))
