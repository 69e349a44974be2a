"""Roles read beside their parallel in a translation of the article.

Bilingual journals (SciELO and others) give an article's contributors twice: in the article and
in a ``<sub-article article-type="translation">``, with each contributor's roles in the other
language, in the same order. A role the dictionaries cannot read on its own ("Research",
"Obtenção de recursos financeiros", a derived noun, a near-synonym) is then often the parallel of
one they can ("Investigação", "Funding acquisition"). Such a role is tagged with its parallel's
term, rule ``aligned``, only when the alignment proves itself:

* the two contributor lists pair up by name (surname and given names, or a group's name, accents
  and case aside); a contributor whose name is missing or written otherwise is left out; only
  lists in which nobody is named pair by position;
* each paired contributor has as many roles on both sides, paired in order;
* every other role of the same contributor was read on both sides and agrees with its parallel
  (so a contributor whose roles are in another order on one side proves nothing), and so does
  every other pair of the two lists whose both sides were read (the same term, or the same terms
  for a compound), with at least ``MIN_AGREEING`` such pairs in all;
* the role itself matched nothing at all (no term, no part of a compound), its parallel means
  exactly one term, and that term is not already among the contributor's other roles;
* every translation of the article that has a parallel for the role says the same.

Anything else leaves the role as it was: a wrong identifier is worse than a missing one.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from lxml import etree

from jats_enrich.article.targets import in_citation, string_value
from jats_enrich.decide.model import Decision, Outcome, Policy
from jats_enrich.decide.rules import decide
from jats_enrich.match.analyse import Analysis
from jats_enrich.match.candidates import Candidate, MatchResult, MatchRule
from jats_enrich.match.qualifiers import split_qualifier
from jats_enrich.text import without_accents

#: Agreeing pairs needed before an alignment is trusted.
MIN_AGREEING = 2
#: Outcomes of a role that matched nothing, which an alignment may read.
UNREAD = (Outcome.UNMATCHED, Outcome.SUGGESTION)
#: Outcomes whose meaning came from the text or the markup and may vouch for a parallel.
READ = (
    Outcome.TAGGED,
    Outcome.ALREADY_CORRECT,
    Outcome.UPGRADED,
    Outcome.DEPRECATED_IDENTIFIER,
    Outcome.SKIPPED_VERSION,
)


@dataclass
class _Contributor:
    element: etree._Element
    key: str | None  # surname and given names, folded; None without a name
    roles: list[int]  # indices of its role decisions, in document order


def _fold(text: str) -> str:
    return " ".join(without_accents(text.casefold()).split())


def _name_key(contrib: etree._Element) -> str | None:
    """The contributor's name, folded; a group's name as written ("collab:..."); None without."""
    for name in contrib.iter("name", "string-name", "name-alternatives"):
        surname = name.findtext("surname") or ""
        given = name.findtext("given-names") or ""
        key = _fold(f"{surname} {given}") if surname else _fold(string_value(name))
        if key:
            return key
    for collab in contrib.iter("collab"):
        text = _fold(string_value(collab))
        if text:
            return "collab:" + text
    return None


def _version(element: etree._Element) -> etree._Element | None:
    """The article or sub-article whose front lists this contributor."""
    for ancestor in element.iterancestors("sub-article", "article", "response"):
        return ancestor
    return None


def _meaning_set(decision: Decision) -> frozenset[str] | None:
    """What a role was read as: its term, the terms of its compound, or None (not read)."""
    if decision.outcome in READ and decision.meaning is not None:
        return frozenset({decision.meaning.term.identifier})
    if decision.outcome is Outcome.COMPOUND and decision.parts:
        terms = [p.match.distinct_terms for p in decision.parts]
        if all(len(t) == 1 for t in terms):
            return frozenset(t[0].term.identifier for t in terms)
    return None


def align_translations(decisions: list[Decision], policy: Policy) -> list[Decision]:
    """The decisions, with unread roles tagged from their parallel in a translation, where the
    alignment proves itself (see the module's docstring)."""
    if not any(d.target.kind == "role" and d.outcome in UNREAD for d in decisions):
        return decisions  # the common case: every role was read, or there is none
    lists = _contributor_lists(decisions)
    proposals: dict[int, list[tuple[int, int]]] = {}  # an unread role -> (its parallel, agreeing pairs)
    for version, contributors in lists.items():
        if version.tag != "sub-article" or version.get("article-type") != "translation":
            continue
        parent = _version(version)
        if parent is None or parent not in lists:
            continue
        paired = _role_pairs(lists[parent], contributors)
        if paired is None:
            continue
        pairs, of_contributor = paired
        for i, j in pairs:
            for own, other in ((i, j), (j, i)):
                agreeing = _proof(decisions, own, other, pairs, of_contributor)
                proposals.setdefault(own, []).append((other, agreeing))
    out = list(decisions)
    for own, found in proposals.items():
        terms = {_meaning_set(decisions[other]) for other, _ in found}
        proven = [(other, agreeing) for other, agreeing in found if agreeing >= MIN_AGREEING]
        if len(terms) == 1 and len(proven) == len(found):  # every translation says the same, and proves it
            other, agreeing = proven[0]
            out[own] = _tagged_as(decisions[own], decisions[other], agreeing, policy)
    return out


def _contributor_lists(decisions: list[Decision]) -> dict[etree._Element, list[_Contributor]]:
    lists: dict[etree._Element, list[_Contributor]] = {}
    by_element: dict[etree._Element, _Contributor] = {}
    for index, d in enumerate(decisions):
        contrib = d.target.element.getparent()
        if d.target.kind != "role" or contrib is None or contrib.tag != "contrib" or in_citation(contrib):
            continue
        version = _version(contrib)
        if version is None:
            continue
        if contrib not in by_element:
            by_element[contrib] = _Contributor(contrib, _name_key(contrib), [])
            lists.setdefault(version, []).append(by_element[contrib])
        by_element[contrib].roles.append(index)
    return lists


def _role_pairs(
    main: list[_Contributor], translated: list[_Contributor]
) -> tuple[list[tuple[int, int]], dict[int, list[tuple[int, int]]]] | None:
    """Pairs of role decisions (main, translated), and for each role the pairs of its
    contributor; None when the lists do not pair up."""
    contributors = _pair_contributors(main, translated)
    if contributors is None:
        return None
    pairs: list[tuple[int, int]] = []
    of_contributor: dict[int, list[tuple[int, int]]] = {}
    for a, b in contributors:
        if len(a.roles) == len(b.roles):
            own = list(zip(a.roles, b.roles, strict=True))
            pairs += own
            for i, j in own:
                of_contributor[i] = of_contributor[j] = own
    return pairs, of_contributor


def _pair_contributors(
    main: list[_Contributor], translated: list[_Contributor]
) -> list[tuple[_Contributor, _Contributor]] | None:
    keys_a = [c.key for c in main]
    keys_b = [c.key for c in translated]
    named_a, named_b = [k for k in keys_a if k], [k for k in keys_b if k]
    if len(set(named_a)) != len(named_a) or len(set(named_b)) != len(named_b):
        return None  # two contributors of one name: no telling them apart
    if not named_a and not named_b:  # nobody named on either side: the order is all there is
        return list(zip(main, translated, strict=True)) if len(main) == len(translated) else None
    # Pair by name; a contributor whose name is missing or translated (a group: "Rede Amazônia",
    # "Amazon Network") is left out, never paired by position beside named ones.
    by_key = {c.key: c for c in main if c.key}
    return [(by_key[c.key], c) for c in translated if c.key in by_key] or None


def _proof(
    decisions: list[Decision],
    own: int,
    other: int,
    pairs: list[tuple[int, int]],
    of_contributor: dict[int, list[tuple[int, int]]],
) -> int:
    """How many other pairs agree, when the alignment of ``own`` with ``other`` proves itself;
    -1 when it does not, or when ``own`` is no role to read from ``other``."""
    mine, theirs = decisions[own], decisions[other]
    if mine.outcome not in UNREAD or mine.analysis.parts or mine.analysis.match.candidates:
        return -1
    said = _meaning_set(theirs)
    if said is None or len(said) != 1:
        return -1
    for i, j in of_contributor.get(own, []):  # the contributor's other roles: all read, all agreeing
        if {i, j} == {own, other}:
            continue
        a, b = _meaning_set(decisions[i]), _meaning_set(decisions[j])
        if a is None or b is None or a != b:
            return -1
        if said <= a:
            return -1  # the contributor already has that term: the parallel is another role's
    agreeing = 0
    for i, j in pairs:
        if {i, j} == {own, other}:
            continue
        a, b = _meaning_set(decisions[i]), _meaning_set(decisions[j])
        if a is not None and b is not None:
            if a != b:
                return -1  # the lists disagree somewhere: the alignment is not proven
            agreeing += 1
    return agreeing


def _tagged_as(mine: Decision, theirs: Decision, agreeing: int, policy: Policy) -> Decision:
    meaning = theirs.meaning
    assert meaning is not None
    analysis: Analysis = mine.analysis
    text, qualifier = split_qualifier(analysis.target.text)
    candidate = Candidate(meaning.vocabulary, meaning.term, MatchRule.ALIGNED, theirs.target.text, theirs.target.lang)
    match = MatchResult(text=text, key=analysis.match.key, candidates=(candidate,))
    realigned = dataclasses.replace(analysis, text=text, qualifier=qualifier, match=match, suggestions=())
    decision = decide(realigned, mine.target.version, policy)
    where = f"line {theirs.target.line}" if theirs.target.line else theirs.target.xpath
    lang = f" ({theirs.target.lang})" if theirs.target.lang else ""
    note = (
        f"read beside its parallel {theirs.target.text!r}{lang} in the other version of the article ({where}); "
        f"the two contributor lists agree on every other role read on both sides ({agreeing})"
    )
    return dataclasses.replace(decision, note=_join(note, decision.note))


def _join(*notes: str | None) -> str | None:
    return "; ".join(n for n in notes if n) or None
