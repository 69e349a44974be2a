"""Consistency checks a production editor asks for, across an article's roles (outcome
``inconsistent``, one finding per contributor concerned):

* ``some-authors-without-roles``: some authors of an article have identified roles, this one none;
* ``identified-and-free-roles``: a contributor has identified roles and roles no dictionary knows;
* ``translation-disagrees``: a translation's contributor has other roles than the same author (by
  position) in the translated article;
* ``two-degrees``: one contributor has one term with two degrees.

Only roles are compared; a role counts as identified when its decision means a term.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from lxml import etree

from jats_enrich.article.contributors import Contributor, find_contributors
from jats_enrich.article.reader import Article
from jats_enrich.decide.model import Decision, roles_by_contributor


@dataclass(frozen=True)
class Inconsistency:
    contributor: Contributor
    check: str
    note: str


def check_roles(article: Article, decisions: list[Decision]) -> list[Inconsistency]:
    """Every inconsistency of the article's roles, in contributor order."""
    by_contrib = roles_by_contributor(decisions)
    if not by_contrib:
        return []
    contributors = [c for c in find_contributors(article) if c.is_author]
    found: list[Inconsistency] = []
    by_scope: dict[etree._Element | None, list[Contributor]] = defaultdict(list)
    for c in contributors:
        by_scope[c.scope].append(c)
        found += _own_roles(c, by_contrib.get(c.element, []))
    for members in by_scope.values():
        found += _authors_without_roles(members, by_contrib)
    found += _translations(by_scope, by_contrib)
    return sorted(found, key=lambda i: i.contributor.position)


def _terms(decisions: list[Decision]) -> dict[str, str]:
    return {d.meaning.term.identifier: d.meaning.term.label for d in decisions if d.meaning is not None}


def _own_roles(c: Contributor, decisions: list[Decision]) -> list[Inconsistency]:
    found = []
    free = [d.target.text for d in decisions if d.meaning is None and d.target.text]
    if free and _terms(decisions):
        listed = ", ".join(repr(t) for t in free)
        found.append(Inconsistency(c, "identified-and-free-roles", f"identified roles and free-text roles: {listed}"))
    degrees: dict[str, set[str]] = defaultdict(set)
    labels = _terms(decisions)
    for d in decisions:
        degree = d.degree.value if d.degree else d.analysis.existing.degree
        if d.meaning is not None and degree:
            degrees[d.meaning.term.identifier].add(degree.strip().casefold())
    for identifier, values in degrees.items():
        if len(values) > 1:
            note = f"{labels[identifier]} with {len(values)} degrees: {', '.join(sorted(values))}"
            found.append(Inconsistency(c, "two-degrees", note))
    return found


def _authors_without_roles(
    members: list[Contributor], by_contrib: dict[etree._Element, list[Decision]]
) -> list[Inconsistency]:
    with_roles = [c for c in members if _terms(by_contrib.get(c.element, []))]
    if not with_roles or len(with_roles) == len(members):
        return []
    note = f"{len(with_roles)} of the {len(members)} authors have identified roles; this one has none"
    return [
        Inconsistency(c, "some-authors-without-roles", note)
        for c in members
        if not _terms(by_contrib.get(c.element, []))
    ]


def _translations(
    by_scope: dict[etree._Element | None, list[Contributor]], by_contrib: dict[etree._Element, list[Decision]]
) -> list[Inconsistency]:
    found = []
    for scope, members in by_scope.items():
        if scope is None or scope.tag != "sub-article" or scope.get("article-type") != "translation":
            continue
        original = by_scope.get(next(scope.iterancestors("article", "sub-article"), None), [])
        for c, o in zip(members, original, strict=False):
            mine, theirs = _terms(by_contrib.get(c.element, [])), _terms(by_contrib.get(o.element, []))
            if mine and theirs and set(mine) != set(theirs):
                missing = sorted(theirs[t] for t in set(theirs) - set(mine))
                extra = sorted(mine[t] for t in set(mine) - set(theirs))
                note = "the translated article gives author " + f"{members.index(c) + 1} other roles"
                note += f" (missing here: {', '.join(missing) or 'none'}; only here: {', '.join(extra) or 'none'})"
                found.append(Inconsistency(c, "translation-disagrees", note))
    return found
