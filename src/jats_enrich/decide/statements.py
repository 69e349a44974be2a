"""Contribution statements, per contributor: what each item means, which roles ``--add-roles``
inserts, and where a statement and the contributor's ``<role>`` elements disagree.

A statement linked by ``<xref>`` belongs to its contributors exactly; a shared one reaches a
contributor only through initials or a name that fits that one contributor (names.py). Roles are
inserted only for a contributor that has no ``<role>`` with a dictionary identity yet (so a second
run adds nothing), one per item tagged by a label, alias or translation, in the form the article's
JATS version can carry: the four vocab attributes (JATS >= 1.2), the term URI in ``content-type``
(older versions, under ``legacy`` content-type), or nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from lxml import etree

from jats_enrich.article.contributors import SCOPES, Contributor, find_contributors
from jats_enrich.article.jats_version import JatsVersion, declares
from jats_enrich.article.reader import Article
from jats_enrich.article.statements import Statement, find_statements, statement_elements
from jats_enrich.article.targets import ArticleVersions, language_of
from jats_enrich.budget import check_time
from jats_enrich.decide.model import Decision, Policy, roles_by_contributor
from jats_enrich.decide.statement_items import ItemOutcome, ItemReader, StatementItem
from jats_enrich.match.analyse import Analyser
from jats_enrich.match.names import NameResolver
from jats_enrich.match.statement_text import Segment, linked_items, shared_segments


@dataclass(frozen=True)
class NewRole:
    """A <role> to insert: its text as the statement writes it, and its attributes."""

    text: str
    attributes: dict[str, str]


@dataclass(frozen=True)
class RoleInsertion:
    """Roles to insert into a <contrib>: after ``after`` (None: at the start of its content)."""

    contributor: etree._Element
    after: etree._Element | None
    roles: tuple[NewRole, ...]


#: What comes before a contributor's roles in every JATS and NLM content model of <contrib>:
#: identifiers, names and degrees (the Publishing model orders them; Archiving allows any order).
CONTRIB_HEAD = frozenset(
    {"contrib-id", "anonymous", "collab", "collab-alternatives", "name", "name-alternatives", "string-name", "degrees"}
)


def insertion_point(contrib: etree._Element) -> etree._Element | None:
    """The child new roles follow: its last <role>, else the last of its head (names, degrees);
    None when it has neither (roles then open its content)."""
    children = [child for child in contrib if isinstance(child.tag, str)]
    roles = [child for child in children if child.tag == "role"]
    if roles:
        return roles[-1]
    head = [child for child in children if child.tag in CONTRIB_HEAD]
    return head[-1] if head else None


@dataclass(frozen=True)
class Mismatch:
    vocab: str
    term: str  # the term's label
    identifier: str
    side: Literal["statement-only", "roles-only"]


@dataclass(frozen=True)
class ContributorStatement:
    """One statement as it applies to one contributor (or to a key that resolved to none)."""

    statement: Statement
    contributor: Contributor | None
    resolved_by: str  # "xref", "initials", "name"; or why not: "no contributor", "several contributors: ..."
    key: str | None  # the initials or name the statement writes for the contributor
    layout: str  # "linked", "role-keyed", "name-keyed", "unparsed"
    items: tuple[StatementItem, ...]
    has_roles: bool = False  # the contributor has <role> elements
    has_identified_roles: bool = False  # ...and one of them means a dictionary's term
    mismatches: tuple[Mismatch, ...] = ()


@dataclass(frozen=True)
class StatementResult:
    statements: tuple[ContributorStatement, ...]
    insertions: tuple[RoleInsertion, ...]


def read_statements(
    article: Article, decisions: list[Decision], analyser: Analyser, policy: Policy, add_roles: bool
) -> StatementResult:
    elements = statement_elements(article)
    if not elements:
        return StatementResult((), ())
    contributors = find_contributors(article)
    statements = find_statements(article, contributors, elements)
    if not statements:
        return StatementResult((), ())
    reader = ItemReader(analyser, policy)
    resolvers: dict[etree._Element | None, NameResolver] = {}
    entries: list[ContributorStatement] = []
    for statement in statements:
        check_time()  # a hostile article may hold thousands of statements
        scope = _scope(statement, contributors)
        if scope not in resolvers:
            resolvers[scope] = NameResolver(c for c in contributors if c.scope is scope)
        entries.extend(_entries(statement, reader, resolvers[scope]))
    roles = roles_by_contributor(decisions)
    entries = [_with_roles(e, roles) for e in entries]
    if not add_roles:
        return StatementResult(tuple(entries), ())
    return _insert(entries, ArticleVersions(article), policy)


def _scope(statement: Statement, contributors: list[Contributor]) -> etree._Element | None:
    """Whose contributors a shared statement names: those of its own article or sub-article, or,
    when that has none (a translation's statement), those of the nearest enclosing one that has."""
    scopes = {c.scope for c in contributors}
    for candidate in statement.element.iterancestors(*SCOPES):
        if candidate in scopes:
            return candidate
    return None


def _entries(statement: Statement, reader: ItemReader, resolver: NameResolver) -> list[ContributorStatement]:
    lang = language_of(statement.element)
    if statement.linked:
        found = []
        for c in statement.linked:

            def is_own(key: str, c: Contributor = c) -> bool:
                return resolver.resolve(key).contributor is c

            key, texts = linked_items(statement.text, is_own)
            items = tuple(i for t in texts for i in reader.read(t, lang))
            found.append(ContributorStatement(statement, c, "xref", key, "linked", items))
        return found
    layout, segments = shared_segments(statement.text, lambda k: resolver.resolve(k).contributor is not None)
    if layout == "unparsed":
        return [ContributorStatement(statement, None, "no initials or names keyed to roles", None, layout, ())]
    return _shared_entries(statement, layout, segments, reader, resolver, lang)


def _shared_entries(
    statement: Statement,
    layout: str,
    segments: list[Segment],
    reader: ItemReader,
    resolver: NameResolver,
    lang: str | None,
) -> list[ContributorStatement]:
    """One entry per contributor a key resolves to (its items in statement order), one per key
    that resolves to none."""
    by_contributor: dict[int, tuple[Contributor, str, str, list[StatementItem]]] = {}
    unresolved: dict[str, tuple[str, list[StatementItem]]] = {}
    for segment in segments:
        items = [i for t in segment.items for i in reader.read(t, lang)]
        for key in segment.keys:
            r = resolver.resolve(key)
            if r.contributor is None:
                unresolved.setdefault(key, (r.how, []))[1].extend(i.unresolved(r.how) for i in items)
                continue
            entry = by_contributor.setdefault(r.contributor.position, (r.contributor, r.how, key, []))
            entry[3].extend(items)
    found = [
        ContributorStatement(statement, c, how, key, layout, tuple(items))
        for c, how, key, items in sorted(by_contributor.values(), key=lambda e: e[0].position)
    ]
    found += [
        ContributorStatement(statement, None, how, key, layout, tuple(items))
        for key, (how, items) in unresolved.items()
    ]
    return found


def _with_roles(entry: ContributorStatement, roles: dict[etree._Element, list[Decision]]) -> ContributorStatement:
    c = entry.contributor
    if c is None:
        return entry
    own = roles.get(c.element, [])
    meant = {d.meaning.term.identifier: d.meaning for d in own if d.meaning is not None}
    stated = {i.meaning.term.identifier: i.meaning for i in entry.items if i.meaning is not None}
    mismatches: tuple[Mismatch, ...] = ()
    if meant and stated:  # compared only where both sides name terms
        mismatches = tuple(
            Mismatch(m.vocabulary.name, m.term.label, t, "statement-only") for t, m in stated.items() if t not in meant
        )
        mismatches += tuple(
            Mismatch(m.vocabulary.name, m.term.label, t, "roles-only") for t, m in meant.items() if t not in stated
        )
    return replace(entry, has_roles=bool(c.roles), has_identified_roles=bool(meant), mismatches=mismatches)


def _insert(entries: list[ContributorStatement], versions: ArticleVersions, policy: Policy) -> StatementResult:
    """The roles to insert, and the entries with their items marked written."""
    new: dict[int, tuple[Contributor, list[NewRole], set[str]]] = {}
    out: list[ContributorStatement] = []
    for entry in entries:
        c = entry.contributor
        if c is None or entry.has_identified_roles:
            out.append(entry)
            continue
        version = versions.of(c.element)
        _, roles, seen = new.setdefault(c.position, (c, [], set()))
        items = []
        for item in entry.items:
            attributes = _attributes(item, version, policy)
            if attributes is not None and item.meaning is not None and item.meaning.term.identifier not in seen:
                seen.add(item.meaning.term.identifier)
                roles.append(NewRole(item.text, attributes))
                item = replace(item, written=True)
            items.append(item)
        out.append(replace(entry, items=tuple(items)))
    insertions = tuple(
        RoleInsertion(c.element, insertion_point(c.element), tuple(roles)) for c, roles, _ in new.values() if roles
    )
    return StatementResult(tuple(out), insertions)


def _attributes(item: StatementItem, version: JatsVersion | None, policy: Policy) -> dict[str, str] | None:
    """The identity of a tagged item in the form ``version`` declares on <role>; None: none can be written."""
    if item.outcome is not ItemOutcome.TAGGED or item.meaning is None:
        return None
    m = item.meaning
    if all(declares(version, "role", a) for a in ("vocab", "vocab-identifier", "vocab-term", "vocab-term-identifier")):
        attributes = policy.profile.identity(m.vocabulary, m.term)
        if policy.profile.content_type == "always" and declares(version, "role", "content-type"):
            attributes["content-type"] = policy.profile.term_identifier(m.vocabulary, m.term)
        if item.degree is not None and m.vocabulary.takes_degree and declares(version, "role", "degree-contribution"):
            attributes["degree-contribution"] = item.degree.value
        return attributes
    if policy.legacy == "content-type" and declares(version, "role", "content-type"):
        return {"content-type": policy.profile.term_identifier(m.vocabulary, m.term)}
    return None
