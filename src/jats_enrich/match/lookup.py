"""Look terms up the way the tool would: for ``vocab show`` and ``vocab search`` (and any caller
that wants to know why a text matches what it matches).
"""

from __future__ import annotations

from dataclasses import dataclass

from jats_enrich.dictionaries.model import TARGET_KINDS, TargetKind, Term, Vocabulary
from jats_enrich.match.candidates import Candidate, MatchRule
from jats_enrich.match.fuzzy import Suggester, Suggestion
from jats_enrich.match.matcher import Matcher
from jats_enrich.text import language_key, normalize


@dataclass(frozen=True)
class Explanation:
    """What a text (or an identifier) names in the loaded vocabularies, and why."""

    text: str
    key: str  # the normalised matching key
    by_identifier: tuple[Vocabulary, Term, bool] | None  # the term an identifier names, and whether current
    candidates: tuple[Candidate, ...]  # exact, normalised, alias or translation matches
    suggestions: tuple[Suggestion, ...]  # near misses, when nothing matched


class Lookup:
    """Vocabularies indexed for looking up, once (a service answers many lookups)."""

    def __init__(self, vocabularies: list[Vocabulary], kind: TargetKind | None = None) -> None:
        """``kind``: look only among the terms matched against that kind of target; else among all.
        An identifier is found whatever ``kind``."""
        self.vocabularies = vocabularies
        self.kind = kind
        self.matcher = Matcher(self.vocabularies, kind=kind)
        self._suggester: Suggester | None = None

    def explain(self, text: str, lang: str | None = None) -> Explanation:
        identified = self.matcher.identify(text)
        by_identifier = None
        if identified is not None and identified.term is not None:
            by_identifier = (identified.vocabulary, identified.term, identified.current)
        result = self.matcher.match(text, lang)
        suggestions: tuple[Suggestion, ...] = ()
        if not result.candidates:
            if self._suggester is None:
                self._suggester = Suggester(self.vocabularies, self.kind)
            suggestions = self._suggester.suggest(text, lang, limit=5)
        return Explanation(
            text=text,
            key=normalize(text, lang),
            by_identifier=by_identifier,
            candidates=result.distinct_terms,
            suggestions=suggestions,
        )


def explain(
    text: str, vocabularies: list[Vocabulary], lang: str | None = None, kind: TargetKind | None = None
) -> Explanation:
    return Lookup(vocabularies, kind).explain(text, lang)


RULE_EXPLANATIONS: dict[MatchRule, str] = {
    MatchRule.EXACT_LABEL: "equals the preferred label",
    MatchRule.NORMALISED_LABEL: "equals the preferred label after normalisation",
    MatchRule.ALIAS: "equals an alias (older label, synonym or acronym)",
    MatchRule.TRANSLATION: "equals a translation",
    MatchRule.REORDERED: "has the words of a label in another order",
    MatchRule.DERIVED: "is a label with one word replaced by another noun of its action",
    MatchRule.ALIGNED: "stands beside its parallel in a translation of the article",
    MatchRule.FUZZY: "is a near miss",
}


def labels_in(term: Term, lang: str) -> list[str]:
    """The term's labels in a language: by its full tag ('zh-Hant'), else every tag of that
    language ('sr' gives sr-Cyrl and sr-Latn)."""
    if lang in term.translations:
        return list(term.translations[lang])
    wanted = language_key(lang)
    return [label for tag, labels in term.translations.items() if language_key(tag) == wanted for label in labels]


def describe_term(vocabulary: Vocabulary, term: Term) -> list[str]:
    """Lines describing a term, for the terminal."""
    lines = [
        term.label,
        _line("identifier", term.identifier),
        _line("vocabulary", f"{vocabulary.name} ({vocabulary.identifier})"),
        _line("matched to", _matched_to(vocabulary, term)),
        _line("status", term.status.value),
    ]
    # None leaves a line out: a field not given, or given empty (a list with an empty name is shown)
    lines += _given(
        ("entry", term.kind or None),
        ("part of", _named(vocabulary, term.broader)),
        ("canonical", term.canonical or None),
        ("replaced by", _named(vocabulary, term.replaced_by)),
        ("aliases", _joined(term.aliases)),
    )
    lines += [_line(lang, "; ".join(labels)) for lang, labels in sorted(term.translations.items())]
    credit = f"see 'jats-enrich vocab list {vocabulary.name} --languages' for whom to credit"
    lines += _given(
        ("translated", credit if vocabulary.translation_sources and term.translations else None),
        ("older ids", _joined(term.deprecated_identifiers)),
        ("domain", term.domain or None),
        ("domains", _joined(term.domains, ", ")),
        ("uuid", term.uuid or None),
        ("definition", term.definition or None),
    )
    return lines


def _line(name: str, value: str) -> str:
    # names padded to the longest, 'replaced by:', so that the values line up
    return f"  {name + ':':12s} {value}"


def _given(*fields: tuple[str, str | None]) -> list[str]:
    return [_line(name, value) for name, value in fields if value is not None]


def _joined(values: tuple[str, ...], separator: str = "; ") -> str | None:
    return separator.join(values) if values else None


def _named(vocabulary: Vocabulary, identifier: str | None) -> str | None:
    """'Label (identifier)' of a related term; '?' for the label of one the vocabulary lacks."""
    if not identifier:
        return None
    other = vocabulary.term(identifier)
    return f"{other.label if other else '?'} ({identifier})"


def matched_to(vocabulary: Vocabulary, term: Term) -> list[TargetKind]:
    """What a run matches ``term`` against."""
    return [kind for kind in TARGET_KINDS if vocabulary.applies(term, kind)]


def _matched_to(vocabulary: Vocabulary, term: Term) -> str:
    kinds = matched_to(vocabulary, term)
    if kinds:
        return ", ".join(kinds)
    if term.canonical:
        return "nothing (the vocabulary that owns it is matched: see canonical)"
    return "nothing (not a subject term)"
