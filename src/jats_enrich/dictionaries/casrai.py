"""Import the CASRAI dictionary's public release (Markdown pages) into the dictionary model.

The release has five kinds of page: the Open Access glossary, Picklists (lists, and their values),
Objects, Object-Fields and Templates. Each page gives a title (``# ...``), a short definition, and
where it has them: a type, a base page (the page it belongs to), a meta title (``csr:...``), domain
flags, a UUID, a canonical URL; glossary pages add ``Synonyms:``, ``Acronym:`` and ``Related
Terms:`` lines. Every page becomes a term; a page that cannot be read is listed with the reason.

Identifiers follow the current term-page scheme, ``https://casrai.org/dictionary/term/<slug>``. A
slug is the page's name made lower case, accents dropped, every run of other characters than
letters and digits turned into one ``-`` (the seed page's "Article-level metrics" gives
``article-level-metrics``). A page that belongs to another (a picklist value, an object field) is
named with its parent: "Reviewer Roles/Editor" gives ``reviewer-roles-editor``. Slugs depend on
nothing but the page's own path, so they stay the same from one import to the next.

What each kind of term is matched against (``applies_to``), chosen so that a match is the same
concept, since a wrong identifier is worse than none:

- glossary terms and licence types: keywords and subjects;
- output types that an article can itself be ("Book Review", "Journal Article", "Translation",
  ...): subjects in groups that say what sort of article it is (``heading``, ``article-type``,
  ``display-channel``): a heading "Book Review" is that output type, but a "Translation" among a
  discipline's subjects or keywords is molecular biology, not a translated work. Other output
  types ("Report", "Patent", "Test") are not matched: as a heading they name a journal section;
- reviewer roles "Editor" and "Reviewer": contributor roles (a PLOS or eLife ``<role>Editor</role>``
  is the person who handled the review). "Chair", "Member" and "Organizer" are defined for
  conferences and committees, and a ``<role>`` saying "Chair" is a chair of something else
  (the corpus has "Chair of Patients Know Best"): not matched;
- CRediT's contributor roles: nothing, the ``credit`` dictionary owns them (their entries name
  the CRediT URI as ``canonical``);
- review types ("Review", "Evaluation" are kinds of assessment; a subject "Review" is a review
  article), identifier types (short codes: a keyword "MR" is magnetic resonance, not Mathematical
  Reviews), placeholders ("Unknown"), lists, objects, fields and templates (the data model, not
  subjects): nothing.

Old ``http://dictionary.casrai.org/...`` addresses found in the pages become deprecated
identifiers of the pages they name.
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

from pydantic import ValidationError

from jats_enrich.dictionaries.model import SenseGate, TargetKind, Term, TermStatus, Vocabulary
from jats_enrich.errors import DictionaryError
from jats_enrich.text import normalize, without_accents

BASE = "https://casrai.org/dictionary/"
TERM_BASE = BASE + "term/"
OLD_ADDRESS = re.compile(r"https?://dictionary\.casrai\.org/([^\s,;)<>\"'\]]+)")
KINDS = {
    "Open access glossary": "glossary term",
    "Picklists": "picklist",
    "Objects": "object",
    "Object-Fields": "object field",
    "Templates": "template",
}
#: Values that are placeholders, not terms: never matched.
PLACEHOLDERS = {"unknown", "other", "none", "n/a"}
NOT_MATCHED: tuple[TargetKind, ...] = ()
KEYWORDS: tuple[TargetKind, ...] = ("keyword", "subject")
SUBJECTS: tuple[TargetKind, ...] = ("subject",)
ROLES: tuple[TargetKind, ...] = ("role",)
#: Picklists whose values are matched, and against what (the module's docstring says why);
#: values of other picklists are not matched.
PICKLIST_TARGETS: dict[str, tuple[TargetKind, ...]] = {
    "Licence Types": KEYWORDS,
    "Output Types": SUBJECTS,
    "Reviewer Roles": ROLES,
}
#: Subject groups that say what sort of article it is (where an output type may be named).
HEADING_GROUPS = ("heading", "article-type", "display-channel", "sub-display-channel")
#: Reviewer roles that mean the same in an article's contributor list.
ARTICLE_REVIEWER_ROLES = {"editor", "reviewer"}
#: Output types a JATS article can itself be, named by a heading. The others are not matched: a
#: heading "Report" or "Reports" is a journal's section of short research articles (Science's
#: Reports), "Test", "Manual" or "Website" are sections of their own, and an article is never a
#: patent, a trademark, a book or a journal issue.
ARTICLE_OUTPUT_TYPES = {
    "book review",
    "book chapter",
    "conference abstract",
    "conference paper",
    "dictionary entry",
    "encyclopedia entry",
    "journal article",
    "magazine article",
    "newsletter article",
    "newspaper article",
    "translation",
    "working paper",
    "dissertation",
}


@dataclass
class Page:
    """What one Markdown page says."""

    path: Path
    kind: str
    title: str
    sections: dict[str, str]
    lines: dict[str, str] = field(default_factory=dict)  # "Synonyms", "Acronym", ... of a glossary page

    @property
    def name(self) -> str:
        """The page's path in the dictionary: 'Reviewer Roles/Editor'."""
        meta = self.sections.get("Meta title", "").strip()
        return meta.removeprefix("csr:").strip() if meta else self.title

    @property
    def label(self) -> str:
        return self.name.rsplit("/", 1)[-1].strip()

    @property
    def parent(self) -> str | None:
        return self.name.rsplit("/", 1)[0].strip() if "/" in self.name else None


@dataclass
class ImportResult:
    vocabulary: Vocabulary
    counts: Counter[str]
    skipped: list[tuple[Path, str]]  # pages not read, and why
    unresolved: list[str] = field(default_factory=list)  # old addresses that name no page


def slug(text: str) -> str:
    """'Article-level metrics' -> 'article-level-metrics'; 'Reviewer Roles/Editor' -> 'reviewer-roles-editor'."""
    return re.sub(r"[^a-z0-9]+", "-", without_accents(text.casefold())).strip("-")


def read_page(path: Path, kind: str) -> Page:
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"not utf-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})") from None
    first, _, rest = text.partition("\n")
    title = first.removeprefix("#").strip() if first.startswith("# ") else ""
    if not title:
        bare = "; the page holds nothing else" if not rest.strip() else ""
        raise ValueError(f"no title (the page should start with '# Title'){bare}")
    sections: dict[str, str] = {}
    for block in re.split(r"^## ", rest, flags=re.M)[1:]:
        heading, _, body = block.partition("\n")
        sections[heading.strip()] = body.strip()
    lines = {}
    for name in ("Synonyms", "Acronym", "Related Terms", "Related terms", "Sources"):
        m = re.search(rf"^{name}:[ \t]*(.*)$", rest, re.M)
        if m:
            lines[name.title()] = m.group(1).strip()
    if not sections and kind != "glossary term":
        raise ValueError("no sections (expected '## Short definition' and the like)")
    if kind == "glossary term":  # the definition is the first paragraph after the title
        paragraphs = [p.strip() for p in rest.split("\n\n") if p.strip() and ":" not in p.split("\n")[0][:20]]
        sections.setdefault("Short definition", paragraphs[0] if paragraphs else "")
    return Page(path, kind, title, sections, lines)


def _names(value: str) -> list[str]:
    """Synonyms or acronyms as written: separated by ';', ',' (outside brackets) or a full stop
    after a word and before a capital ("Author's Accepted Manuscript. Author Final Version", not
    "Dr. Qux"); 'n/a' is none; a trailing
    attribution in brackets ("Author's Original (NISO)") is not part of the name; a name has a
    letter or digit."""
    parts, depth, current = [], 0, ""
    for i, char in enumerate(value):
        depth += {"(": 1, ")": -1}.get(char, 0)
        word = re.search(r"[\w']*$", current)
        full_stop = (
            char == "."
            and value[i + 1 : i + 2] == " "
            and value[i + 2 : i + 3].isupper()
            and word is not None
            and len(word.group(0)) >= 4  # "Manuscript. Author", not "Dr. Qux" or "e.g. Baz"
        )
        if depth <= 0 and (char in ";," or full_stop):
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    names = []
    for part in parts:
        name = re.sub(r"\s*\([^)]*\)\s*$", "", part).strip().strip(".").strip()
        if any(c.isalnum() for c in name) and name.casefold() not in ("n/a", "na", "none"):
            names.append(name)
    return names


def import_release(folder: Path) -> ImportResult:
    """Read every page of the release; the vocabulary, counts by kind, and the pages skipped."""
    if not folder.is_dir():
        raise DictionaryError(f"{folder}: no such folder (the CASRAI dictionary's Markdown release)")
    pages, skipped = _read_folder(folder)
    old_addresses, unresolved = _old_addresses(pages)
    terms, counts, refused = _terms(pages, old_addresses)
    if not terms:
        raise DictionaryError(f"{folder}: no pages of the CASRAI dictionary found (folders: {', '.join(KINDS)})")
    vocabulary = Vocabulary(
        name="casrai",
        identifier=BASE,
        title="CASRAI Dictionary",
        license="https://creativecommons.org/licenses/by/4.0/",
        applies_to=KEYWORDS,  # every term says its own (_applies_to)
        terms=tuple(_without_other_labels(terms)),
    )
    return ImportResult(vocabulary, counts, skipped + refused, unresolved)


def _read_folder(folder: Path) -> tuple[list[Page], list[tuple[Path, str]]]:
    """The pages of the five sections (by section, then path), and the pages and folders not read."""
    pages: list[Page] = []
    skipped: list[tuple[Path, str]] = []
    for top, kind in KINDS.items():
        base = folder / top
        if not base.is_dir():
            skipped.append((base, "folder missing from the release"))
            continue
        for path in sorted(base.rglob("*.md")):
            if top == "Open access glossary" and path.name == "Glossary.md":
                skipped.append((path, "the glossary's index page: its entries are read from their own pages"))
                continue
            try:
                page = read_page(path, kind)
            except (OSError, ValueError) as exc:
                skipped.append((path, str(exc)))
                continue
            if kind == "picklist" and page.sections.get("Type", "").strip() == "Values":
                page.kind = "picklist value"
            pages.append(page)

    sections = [folder / top for top in KINDS]
    for path in sorted(folder.rglob("*.md")):  # pages outside the five sections: named, not read
        if not any(path.is_relative_to(section) for section in sections):
            reason = "the release's description, not a term page" if path.parent == folder else "outside the sections"
            skipped.append((path, f"{reason} ({', '.join(KINDS)})"))
    return pages, skipped


def _terms(pages: list[Page], old: dict[str, list[str]]) -> tuple[list[Term], Counter[str], list[tuple[Path, str]]]:
    """A term for each page whose identifier is its own, counted by kind; the other pages, and why."""
    terms: list[Term] = []
    counts: Counter[str] = Counter()
    refused: list[tuple[Path, str]] = []
    by_slug: dict[str, list[Page]] = {}
    for page in pages:
        by_slug.setdefault(slug(page.name), []).append(page)
    for page in pages:
        identifier = TERM_BASE + slug(page.name)
        if not slug(page.name):
            refused.append((page.path, f"its name {page.name!r} has no letter or digit for an identifier"))
            continue
        clash = [p for p in by_slug[slug(page.name)] if p is not page]
        if clash:  # no first-come identifier: a later release could reorder the pages
            others = ", ".join(str(p.path) for p in clash)
            refused.append((page.path, f"same identifier {identifier} as {others}; given to neither"))
            continue
        try:
            terms.append(_term(page, identifier, old.get(page.name.casefold(), [])))
        except ValidationError as exc:
            refused.append((page.path, str(exc.errors()[0]["msg"])))
            continue
        counts[page.kind] += 1
    return terms, counts, refused


def _old_addresses(pages: list[Page]) -> tuple[dict[str, list[str]], list[str]]:
    """Old dictionary.casrai.org addresses in the release, by the name of the page they point at
    (a page itself, not a picklist value with the same label); and those that name no page."""
    names = {page.name.casefold() for page in pages}
    found: dict[str, list[str]] = {}
    unresolved: list[str] = []
    for page in pages:
        text = " ".join([*page.sections.values(), *page.lines.values()])
        for m in OLD_ADDRESS.finditer(text):
            address = m.group(0).rstrip(".")
            name = unquote(m.group(1).rstrip(".")).replace("_", " ").casefold()
            if name not in names:
                if address not in unresolved:
                    unresolved.append(address)
                continue
            found.setdefault(name, [])
            if address not in found[name]:
                found[name].append(address)
    return found, unresolved


def _without_other_labels(terms: list[Term]) -> list[Term]:
    """A synonym that is another term's label (up to case, spacing, possessives: "Author's
    Accepted Manuscript" is the term "Author accepted manuscript") names that term, not this one."""

    def key(text: str) -> str:
        return normalize(re.sub(r"['’]s\b", "", text))

    labels = {key(t.label): t.identifier for t in terms}
    return [
        t.model_copy(
            update={"aliases": tuple(a for a in t.aliases if labels.get(key(a), t.identifier) == t.identifier)}
        )
        for t in terms
    ]


def _term(page: Page, identifier: str, old: list[str]) -> Term:
    aliases = _names(page.lines.get("Synonyms", "")) + _names(page.lines.get("Acronym", ""))
    domains = tuple(
        name
        for heading, name in (("Research Admin Domain", "research-admin"), ("Research Data Domain", "research-data"))
        if page.sections.get(heading, "").strip().lower() == "true"
    )
    canonical = page.sections.get("Canonical URL", "").strip() or None
    parent = page.parent
    return Term(
        label=page.label,
        identifier=identifier,
        status=TermStatus.STABLE,
        aliases=tuple(dict.fromkeys(a for a in aliases if a.casefold() != page.label.casefold())),
        deprecated_identifiers=tuple(old),
        definition=page.sections.get("Short definition") or None,
        kind=page.kind,
        broader=TERM_BASE + slug(parent) if parent else None,
        canonical=canonical if canonical and canonical != BASE else None,
        uuid=page.sections.get("UUID", "").strip() or None,
        domains=domains,
        applies_to=_applies_to(page),
        group_types=HEADING_GROUPS if page.kind == "picklist value" and page.parent == "Output Types" else None,
    )


def _applies_to(page: Page) -> tuple[TargetKind, ...]:
    if page.label.casefold() in PLACEHOLDERS:
        return NOT_MATCHED
    if page.kind == "glossary term":
        return KEYWORDS
    if page.kind == "picklist value" and page.parent == "Reviewer Roles":
        return ROLES if page.label.casefold() in ARTICLE_REVIEWER_ROLES else NOT_MATCHED
    if page.kind == "picklist value" and page.parent == "Output Types":
        return SUBJECTS if page.label.casefold() in ARTICLE_OUTPUT_TYPES else NOT_MATCHED
    if page.kind == "picklist value" and page.parent is not None:
        return PICKLIST_TARGETS.get(page.parent, NOT_MATCHED)
    return NOT_MATCHED


def with_seed_term(vocabulary: Vocabulary, seed: Vocabulary) -> Vocabulary:
    """The release's terms and the seed page's term(s) (published since the release)."""
    known = {t.identifier for t in vocabulary.terms}
    extra = tuple(t.model_copy(update={"applies_to": KEYWORDS}) for t in seed.terms if t.identifier not in known)
    return vocabulary.with_terms(vocabulary.terms + extra)


def with_sense(vocabulary: Vocabulary, path: Path) -> Vocabulary:
    """The vocabulary with its sense gate (vocab/sources/casrai-sense.toml): the domain, the
    phrases that show an article is about it, and the names that need no such evidence."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        gate = SenseGate(domain=data["domain"], evidence=tuple(data.get("evidence", ())))
        table = data.get("distinctive", {})
        if not isinstance(table, dict):
            raise ValueError("[distinctive] must be a table of term slugs")
    except OSError as exc:
        raise DictionaryError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, KeyError, ValueError, ValidationError) as exc:
        raise DictionaryError(f"{path}: not a sense gate file: {exc}") from None
    by_slug = {t.identifier.removeprefix(TERM_BASE): t for t in vocabulary.terms}
    unknown = sorted(set(table) - set(by_slug))
    if unknown:
        raise DictionaryError(f"{path}: [distinctive] names {unknown[0]!r}, which is no term of the dictionary")
    terms = []
    for key, term in by_slug.items():
        names = tuple(table.get(key, ()))
        try:
            terms.append(Term.model_validate({**term.model_dump(), "distinctive": names}) if names else term)
        except ValidationError as exc:
            raise DictionaryError(f"{path}: [distinctive] {key}: {exc.errors()[0]['msg']}") from None
    return Vocabulary.model_validate(
        {**{k: getattr(vocabulary, k) for k in Vocabulary.model_fields}, "sense": gate, "terms": tuple(terms)}
    )


def without_definitions(vocabulary: Vocabulary) -> Vocabulary:
    """The shipped form: names, aliases, identifiers, status and membership; no definitions (they
    stay the dictionary's prose, for users who import it themselves)."""
    return vocabulary.with_terms(tuple(t.model_copy(update={"definition": None}) for t in vocabulary.terms))
