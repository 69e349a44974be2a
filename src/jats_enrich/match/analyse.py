"""The match stage for one target: everything the dictionaries say about it, nothing decided yet.

For each target this gathers: the degree qualifier split off its text, what the remaining text
matches (or, failing that, the pieces of a compound statement and the near misses), and what the
identity attributes the element already carries (vocab attributes, ``content-type``) name.
decide/ turns that into an outcome and an edit.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from jats_enrich.article.jats_version import VOCAB_ATTRIBUTES
from jats_enrich.article.targets import Target, TooManyTargets
from jats_enrich.dictionaries.model import TARGET_KINDS, TargetKind, Vocabulary
from jats_enrich.gc_pause import collection_paused
from jats_enrich.match.candidates import IdentifierMatch, MatchResult
from jats_enrich.match.compounds import conjoined_items, list_items
from jats_enrich.match.fuzzy import Suggester, Suggestion
from jats_enrich.match.matcher import Matcher
from jats_enrich.match.qualifiers import Qualifier, split_qualifier


@dataclass(frozen=True)
class Part:
    """One piece of a compound statement and what it matches."""

    text: str
    match: MatchResult
    qualifier: Qualifier | None


@dataclass(frozen=True)
class Existing:
    """The identity attributes already on the element, and what they name."""

    attributes: dict[str, str]  # the vocab attributes present on the element itself, by name
    inherited: dict[str, str]  # vocab and vocab-identifier of the keyword's or subject's group
    content_type: str | None
    degree: str | None
    term_identifier: IdentifierMatch | None  # what vocab-term-identifier names
    vocab_identifier: IdentifierMatch | None  # what vocab-identifier names
    inherited_vocab_identifier: IdentifierMatch | None  # what the group's vocab-identifier names
    term_label: MatchResult | None  # what vocab-term names
    content_type_identifier: IdentifierMatch | None  # what content-type names, if an identifier we know


@dataclass(frozen=True)
class Analysis:
    target: Target
    text: str  # the text matched: the target's text without its degree qualifier
    qualifier: Qualifier | None
    match: MatchResult
    parts: tuple[Part, ...]  # set when the whole text matched nothing but pieces of it did
    suggestions: tuple[Suggestion, ...]  # near misses, when nothing matched
    existing: Existing


def _in_its_group(match: MatchResult, target: Target) -> MatchResult:
    """Without the candidates whose term is matched only in other types of group (an output type
    "Translation" in a heading group, not in a discipline group where it is molecular biology)."""
    if not any(c.term.group_types for c in match.candidates):
        return match
    kept = tuple(c for c in match.candidates if _matched_in(c.term.group_types, target))
    return replace(match, candidates=kept)


def _matched_in(group_types: tuple[str, ...] | None, target: Target) -> bool:
    """Is a term restricted to these group types matched in the target's group? (Suggestions obey
    the same: a discipline's "Patients" is never offered the output type "Patent".)"""
    return not group_types or target.group_type in group_types


@dataclass(frozen=True, slots=True)
class _TextAnalysis:
    text: str
    qualifier: Qualifier | None
    match: MatchResult
    parts: tuple[Part, ...]
    suggestions: tuple[Suggestion, ...]
    pieces: int = 0  # the pieces of a statement looked up as possible terms of a list


#: Pieces of statements (the items of "A, B and C") one article's targets may have looked up, for
#: each target it may have: a list costs per piece, so a limit on targets alone does not bound the
#: work (3,000 roles of seven random pieces each took over a second, of four long ones a second).
PIECES_PER_TARGET = 2
#: A statement of more pieces than this is no list of terms (CRediT has 14 roles).
MAX_PARTS = 30
#: Distinct unmatched texts of one article given near misses; beyond them, none (a real article
#: has a few dozen; a hostile one of tens of thousands would spend seconds on them).
MAX_SUGGESTED = 300

#: Distinct (kind, text, language) analyses kept per process; the cache starts over when full.
TEXT_CACHE_SIZE = 50_000


class Analyser:
    """Built once per process from the loaded vocabularies; ``analyse`` runs per target.

    Each kind of target (role, keyword, subject) is matched only against the vocabularies that
    apply to it: a keyword "Software" is no CRediT role.
    """

    def __init__(self, vocabularies: list[Vocabulary], precedence: tuple[str, ...] = ()) -> None:
        self.vocabularies = vocabularies
        self.matchers: dict[TargetKind, Matcher] = {}
        with collection_paused():
            self._build_matchers(vocabularies, precedence)
        self._suggesters: dict[TargetKind, Suggester] = {}
        # The text-level analysis of a string depends only on (kind, text, language): kept.
        self._texts: dict[tuple[TargetKind, str, str | None], _TextAnalysis] = {}
        self._suggested = 0  # distinct texts given near misses in the current article
        self._pieces = 0  # pieces of statements looked up in the current article
        self._max_pieces: int | None = None

    def _build_matchers(self, vocabularies: list[Vocabulary], precedence: tuple[str, ...]) -> None:
        for kind in TARGET_KINDS:
            applicable = [v for v in vocabularies if v.matched_against(kind)]
            if kind == "subject" and "keyword" in self.matchers and _same_for_subjects(vocabularies):
                self.matchers[kind] = self.matchers["keyword"]  # one index for both: a thesaurus is large
            elif applicable:
                self.matchers[kind] = Matcher(applicable, precedence, kind)

    def begin_article(self, max_targets: int | None = None) -> None:
        """A new article: its own allowance of near misses (MAX_SUGGESTED) and of pieces of
        statements (PIECES_PER_TARGET for each of ``max_targets``; None or 0: no limit)."""
        self._suggested = 0
        self._pieces = 0
        self._max_pieces = PIECES_PER_TARGET * max_targets if max_targets else None

    @property
    def kinds(self) -> frozenset[TargetKind]:
        """The kinds of target some loaded vocabulary applies to."""
        return frozenset(self.matchers)

    def suggester(self, kind: TargetKind) -> Suggester:
        # Built on first need: most runs have few unmatched strings. Kinds sharing an index share it.
        if kind not in self._suggesters:
            shared = next((s for k, s in self._suggesters.items() if self.matchers[k] is self.matchers[kind]), None)
            with collection_paused():
                self._suggesters[kind] = shared or Suggester(self.matchers[kind].vocabularies, kind)
        return self._suggesters[kind]

    def analyse(self, target: Target) -> Analysis:
        matcher = self.matchers[target.kind]
        key = (target.kind, target.text, target.lang)
        found = self._texts.get(key)
        if found is None:
            if len(self._texts) >= TEXT_CACHE_SIZE:
                self._texts.clear()
            suggest = self._suggested < MAX_SUGGESTED
            found = self._analyse_text(matcher, target.kind, target.text, target.lang, suggest)
            if suggest or found.match.candidates or found.parts:
                self._texts[key] = found  # (one analysed without its near misses is not kept for others)
        self._pieces += found.pieces  # counted cached or not: the same article fails in every run
        if self._max_pieces is not None and self._pieces > self._max_pieces:
            raise TooManyTargets(
                f"more than {self._max_pieces} pieces of roles, keywords and subjects in one article (max_targets)"
            )
        return Analysis(
            target=target,
            text=found.text,
            qualifier=found.qualifier,
            match=_in_its_group(found.match, target),
            parts=found.parts,
            suggestions=tuple(s for s in found.suggestions if _matched_in(s.term.group_types, target)),
            existing=self._existing(matcher, target),
        )

    def _analyse_text(
        self, matcher: Matcher, kind: TargetKind, raw: str, lang: str | None, suggest: bool = True
    ) -> _TextAnalysis:
        text, qualifier = split_qualifier(raw) if kind == "role" else (raw, None)
        match = matcher.match(text, lang)
        if not match.candidates and qualifier is not None:
            # "Something (lead)" where Something is no term: report the text as written.
            text, qualifier = raw, None
            match = matcher.match(text, lang)
        parts: tuple[Part, ...] = ()
        suggestions: tuple[Suggestion, ...] = ()
        pieces = 0
        if not match.candidates:
            parts, pieces = self._compound_parts(matcher, raw, lang)
            if not parts and suggest:
                suggestions = self.suggester(kind).suggest(text, lang)
                self._suggested += 1
        return _TextAnalysis(text, qualifier, match, parts, suggestions, pieces)

    def _compound_parts(self, matcher: Matcher, text: str, lang: str | None) -> tuple[tuple[Part, ...], int]:
        """The pieces of a statement naming several terms; () when it is not one (nor when it has
        more pieces than any list of roles or keywords has: CRediT has 14 roles). With the number
        of pieces looked up."""
        parts: list[Part] = []
        items = list_items(text, MAX_PARTS)
        if len(items) > MAX_PARTS:
            return (), 0
        looked_up = 0
        for item in items:
            part = self._part(matcher, item, lang)
            pieces = conjoined_items(item, MAX_PARTS)
            looked_up += 1
            if not part.match.candidates and 1 < len(pieces) <= MAX_PARTS:
                subparts = [self._part(matcher, piece, lang) for piece in pieces]
                looked_up += len(subparts)
                if all(p.match.candidates for p in subparts):
                    parts.extend(subparts)
                    continue
            parts.append(part)
        if len(parts) < 2 or not any(p.match.candidates for p in parts):
            return (), looked_up
        return tuple(parts), looked_up

    @staticmethod
    def _part(matcher: Matcher, text: str, lang: str | None) -> Part:
        base, qualifier = split_qualifier(text)
        match = matcher.match(base, lang)
        if not match.candidates:
            return Part(text=text, match=matcher.match(text, lang), qualifier=None)
        return Part(text=base, match=match, qualifier=qualifier)

    @staticmethod
    def _existing(matcher: Matcher, target: Target) -> Existing:
        attributes = {name: target.attributes[name] for name in VOCAB_ATTRIBUTES if name in target.attributes}
        content_type = target.attributes.get("content-type")
        identify = matcher.identify
        term_identifier = attributes.get("vocab-term-identifier")
        vocab_identifier = attributes.get("vocab-identifier")
        group_identifier = (target.group_attributes or {}).get("vocab-identifier")
        label = attributes.get("vocab-term")
        return Existing(
            attributes=attributes,
            inherited=dict(target.group_attributes or {}),
            content_type=content_type,
            degree=target.attributes.get("degree-contribution"),
            term_identifier=identify(term_identifier) if term_identifier else None,
            vocab_identifier=identify(vocab_identifier) if vocab_identifier else None,
            inherited_vocab_identifier=identify(group_identifier) if group_identifier else None,
            term_label=matcher.match(label) if label else None,
            content_type_identifier=identify(content_type) if content_type else None,
        )


def _same_for_subjects(vocabularies: list[Vocabulary]) -> bool:
    """Whether every term of these vocabularies is matched against subjects exactly when it is
    against keywords (then both kinds can share one index)."""
    return all(
        v.applies_with(own, "keyword") == v.applies_with(own, "subject")
        for v in vocabularies
        for own in v.applies_to_values
    )
