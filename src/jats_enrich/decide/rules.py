"""Decide what to do with each target, given its analysis, the JATS version and the user's policy.

Matching proposes; this module applies the policy. A wrong identifier in a published article is
worse than a missing one, so the rules are conservative:

* tag only when exactly one term is meant, and only with attributes the article's DTD declares;
* an identity already on the element (vocab attributes, or a known URI in ``content-type``) is
  never contradicted: when the text means another term, the outcome is ``conflict`` and nothing
  changes;
* older forms of a current identity (``http://`` for ``https://``, no trailing slash, casrai
  addresses, ``vocab="CRediT"``, the generic ``http://credit.casrai.org/``) are reported as
  ``deprecated-identifier`` and rewritten only under ``upgrade``;
* compounds, ambiguous texts and near misses are reported, never tagged (a near miss is applied
  only at or above the user's ``accept_fuzzy`` score).

Where the identity then goes on the element is identity.py's job.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from jats_enrich.article.jats_version import JatsVersion
from jats_enrich.decide.identity import IdentityPlacer
from jats_enrich.decide.model import Decision, Meaning, Outcome, Policy, join_notes
from jats_enrich.dictionaries.model import Term, TermStatus, Vocabulary
from jats_enrich.match.analyse import Analysis
from jats_enrich.match.candidates import MatchRule


@dataclass(frozen=True)
class _Claim:
    """An identity the element already carries in one of its attributes."""

    attribute: str
    value: str
    vocabulary: Vocabulary
    term: Term | None  # None: the value names only the vocabulary (e.g. http://credit.casrai.org/)


def decide(analysis: Analysis, version: JatsVersion | None, policy: Policy) -> Decision:
    decision = _Decider(analysis, version, policy).decide()
    if not analysis.target.text and decision.meaning is not None:
        # <role vocab="credit" .../>: some tools write the identity alone, with no text to check it by
        note = "the element has no text: its identity is taken from its attributes alone"
        decision = dataclasses.replace(decision, note=join_notes(decision.note, note))
    return decision


class _Decider(IdentityPlacer):
    """Which term the element means, from its attributes and its text; IdentityPlacer writes it."""

    def decide(self) -> Decision:
        claims, unknown = self._claims()
        meaning = self._meaning()
        claimed = {(c.vocabulary.name, c.term.identifier): (c, c.term) for c in claims if c.term is not None}

        if len(claimed) > 1:
            names = "; ".join(f"{c.attribute} names {t.label}" for c, t in claimed.values())
            return self._result(Outcome.CONFLICT, note=f"the element's attributes disagree: {names}; left unchanged")
        if claimed:
            claim, term = next(iter(claimed.values()))
            said = Meaning(claim.vocabulary, term, "identifier", term.label)
            if meaning is not None and meaning.term.identifier != term.identifier and not _replaces(term, meaning):
                return self._result(
                    Outcome.CONFLICT,
                    said,
                    note=f'the text means {meaning.term.label} but {claim.attribute}="{claim.value}" says '
                    f"{term.label}; left unchanged",
                )
            if meaning is None and (self.a.parts or len(self.a.match.distinct_terms) > 1):
                return self._result(
                    Outcome.CONFLICT,
                    said,
                    note=f"{claim.attribute} says {term.label} but the text names several terms; left unchanged",
                )
            if meaning is not None and meaning.term.identifier != term.identifier:
                meaning = said  # the markup already names the deprecated term's replacement
            return self._place(meaning or said)
        if unknown:
            known = f"carries {', '.join(unknown)}, which no loaded dictionary knows; left unchanged"
            if meaning is not None:
                return self._result(Outcome.CONFLICT, note=f"the text means {meaning.term.label} but {known}")
            return self._text_result(known)
        if meaning is not None:
            return self._place(meaning)
        generic = [c for c in claims if c.term is None]
        note = None
        if generic:
            g = generic[0]
            note = (
                f'{g.attribute}="{g.value}" only says this is a {g.vocabulary.name} role; '
                "the text matches no single term, so it cannot be upgraded"
            )
        return self._text_result(note)

    # -- what the element already says, and what its text means -----------------------------

    def _claims(self) -> tuple[list[_Claim], list[str]]:
        e = self.a.existing
        claims: list[_Claim] = []
        unknown: list[str] = []
        term_id = e.attributes.get("vocab-term-identifier")
        if term_id is not None:
            if e.term_identifier is not None:
                claims.append(
                    _Claim("vocab-term-identifier", term_id, e.term_identifier.vocabulary, e.term_identifier.term)
                )
            else:
                unknown.append(f'vocab-term-identifier="{term_id}"')
        label = e.attributes.get("vocab-term")
        if label is not None and e.term_label is not None:
            found = e.term_label.distinct_terms
            if len(found) == 1:
                claims.append(_Claim("vocab-term", label, found[0].vocabulary, found[0].term))
            else:
                unknown.append(f'vocab-term="{label}"')
        if e.content_type is not None and e.content_type_identifier is not None:
            m = e.content_type_identifier
            claims.append(_Claim("content-type", e.content_type, m.vocabulary, m.term))
        return claims, unknown

    def _meaning(self) -> Meaning | None:
        terms = self.a.match.distinct_terms
        if len(terms) == 1:
            c = terms[0]
            return Meaning(c.vocabulary, c.term, c.rule.value, c.matched_label)
        if terms or self.a.parts or self.policy.accept_fuzzy is None or not self.a.suggestions:
            return None
        best = self.a.suggestions[0]
        tied = [s for s in self.a.suggestions if s.score == best.score]
        # A near miss that a rule set aside (its why: an acronym's capitals, another language) is
        # never accepted: the rule said no, whatever the score.
        if best.score >= self.policy.accept_fuzzy and len(tied) == 1 and best.why is None:
            return Meaning(best.vocabulary, best.term, MatchRule.FUZZY.value, best.label, best.score)
        return None

    def _text_result(self, note: str | None = None) -> Decision:
        """The text matched no single term: say why (several terms, a compound, a near miss, nothing)."""
        terms = self.a.match.distinct_terms
        if len(terms) > 1:
            names = ", ".join(f"{c.vocabulary.name}:{c.term.label}" for c in terms)
            return self._result(Outcome.AMBIGUOUS, note=join_notes(f"could mean {names}", note))
        if self.a.parts:
            return self._result(Outcome.COMPOUND, note=note, parts=self.a.parts)
        suggestions = self.a.suggestions
        if suggestions and suggestions[0].score >= self.policy.close_call:
            return self._result(Outcome.SUGGESTION, note=note, suggestions=suggestions)
        return self._result(Outcome.UNMATCHED, note=note, suggestions=suggestions)


def _replaces(term: Term, meaning: Meaning) -> bool:
    """Is ``term`` the replacement of the deprecated term ``meaning`` names?"""
    return meaning.term.status is TermStatus.DEPRECATED and meaning.term.replaced_by == term.identifier
