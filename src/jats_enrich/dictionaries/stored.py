"""The stored form of a vocabulary: its terms and the keys of their names in an SQLite database.

A thesaurus of 40,000 concepts made into Python objects takes most of a second and a hundred
megabytes before the first article, in every run and every worker. Its compiled form
(compiled.py) is instead an SQLite database file, opened read-only and queried where it lies (the
operating system's page cache holds it once for every process that reads it): the vocabulary's
own fields, each term as its JSON (made into a ``Term`` only when a look-up finds it, and
validated then), and the look-up keys of every name, computed once when compiling:

- ``names``: each label, alias and translation under its matching key (text.label_key, and the
  key of its closed compound: "Pre-print" is found as "Preprint"); an acronym ("APC") under its
  acronym key, case kept; a translation with its language;
- ``identifiers``: every identifier of a term (current and older) and of the vocabulary, in the
  form two spellings of one share (text.canonical_identifier);
- ``near``: each name's key with the first letters of its content words and those words joined,
  which is how near misses are narrowed down (match/fuzzy.py).

What a look-up makes of the rows (which rule matched, which term wins) is matching's business
(match/stored_index.py); this module only keeps and finds them.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import cast, overload

from pydantic import ValidationError

from jats_enrich.dictionaries.model import TERMS_CHECKED, TargetKind, Term, TermStore, Vocabulary, check_terms
from jats_enrich.text import (
    acronym_key,
    canonical_identifier,
    closed_compound,
    content_words,
    is_acronym,
    label_key,
    language_key,
)

#: What a name is of its term.
LABEL, ALIAS, TRANSLATION = 0, 1, 2
#: Where a name is looked up: by its key without a language, by its acronym key, by its key in its language.
PLAIN, ACRONYM, IN_LANGUAGE = 0, 1, 2
#: Terms made from their rows and kept; beyond, the kept ones are let go (a batch touches few).
KEPT_TERMS = 5_000
#: The database's application_id ("JENR") and user_version: a database of another tool or format is refused.
APPLICATION_ID = 0x4A454E52
STORE_FORMAT = 5

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE terms (row INTEGER PRIMARY KEY, identifier TEXT NOT NULL, applies TEXT, body TEXT NOT NULL);
CREATE TABLE names (seq INTEGER PRIMARY KEY, place INTEGER NOT NULL, key TEXT NOT NULL, lang TEXT,
                    row INTEGER NOT NULL, name TEXT NOT NULL, what INTEGER NOT NULL, tag TEXT);
CREATE TABLE identifiers (seq INTEGER PRIMARY KEY, form TEXT NOT NULL, row INTEGER);
CREATE TABLE near (seq INTEGER PRIMARY KEY, row INTEGER NOT NULL, name TEXT NOT NULL, tag TEXT,
                   key TEXT NOT NULL, letters TEXT NOT NULL, length INTEGER NOT NULL, joined TEXT NOT NULL);
"""
_INDEXES = """
CREATE UNIQUE INDEX terms_by_identifier ON terms (identifier);
CREATE INDEX names_by_key ON names (key, place);
CREATE INDEX identifiers_by_form ON identifiers (form);
CREATE INDEX near_by_letters ON near (letters, length, key, row);
CREATE INDEX near_by_joined ON near (joined);
"""


class StoreError(ValueError):
    """A stored vocabulary that is not one this version wrote."""


# -- writing ------------------------------------------------------------------------------------


def stored_bytes(vocabulary: Vocabulary) -> bytes:
    """The database of a (validated) vocabulary, as bytes to keep in a file."""
    connection = sqlite3.connect(":memory:")
    try:
        connection.executescript(f"PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = {STORE_FORMAT};")
        connection.executescript(_SCHEMA)
        _fill(connection, vocabulary)
        connection.executescript(_INDEXES)
        connection.commit()
        return connection.serialize()
    finally:
        connection.close()


def _fill(connection: sqlite3.Connection, vocabulary: Vocabulary) -> None:
    header = vocabulary.model_dump(mode="json", exclude={"terms"}, exclude_defaults=True)
    names: list[tuple[int, str, str | None, int, str, int, str | None]] = []
    near: list[tuple[int, str, str | None, str, str, int, str]] = []
    identifiers: list[tuple[str, int | None]] = []
    measures: dict[str, _Measures] = {}  # by the terms' own applies_to (as written in `terms`)
    for scheme in vocabulary.schemes:
        identifiers.append((canonical_identifier(scheme), None))
    for old in vocabulary.deprecated_identifiers:
        identifiers.append((canonical_identifier(old), None))
    rows = []
    for row, term in enumerate(vocabulary.terms):
        applies = json.dumps(term.applies_to) if term.applies_to is not None else None
        rows.append((row, term.identifier, applies, term.model_dump_json(exclude_defaults=True)))
        measured = measures.setdefault(applies or "", _Measures())
        for identifier in (term.identifier, *term.deprecated_identifiers):
            identifiers.append((canonical_identifier(identifier), row))
        named: list[tuple[str, int, str | None]] = [
            (term.label, LABEL, None),
            *((a, ALIAS, None) for a in term.aliases),
        ]
        for language, labels in term.translations.items():
            measured.languages.add(language_key(language) or language)
            named += [(label, TRANSLATION, language) for label in labels]
        for name, what, tag in named:
            key = label_key(name, tag)
            words = content_words(key)
            near.append((row, name, tag, key, "".join(sorted({w[0] for w in words})), len(key), "".join(words)))
            measured.near_longest = max(measured.near_longest, len(key))
            measured.names += 1
            if not key:  # "-", "—": nothing to match, and it would match empty text
                continue
            measured.longest = max(measured.longest, len(name))
            if is_acronym(name):
                names.append((ACRONYM, acronym_key(name), None, row, name, what, tag))
                continue
            lang = language_key(tag)
            joined = closed_compound(name)
            for each in dict.fromkeys((key, label_key(joined, tag) if joined is not None else key)):
                names.append((IN_LANGUAGE if lang is not None else PLAIN, each, lang, row, name, what, tag))
    meta = {
        "vocabulary": json.dumps(header),
        "count": str(len(rows)),
        "measures": json.dumps({own: m.as_json() for own, m in measures.items()}),
        "term_schemes": json.dumps(list(dict.fromkeys(t.scheme for t in vocabulary.terms if t.scheme))),
    }
    connection.executemany("INSERT INTO meta VALUES (?, ?)", meta.items())
    connection.executemany("INSERT INTO terms VALUES (?, ?, ?, ?)", rows)
    connection.executemany(
        "INSERT INTO names (place, key, lang, row, name, what, tag) VALUES (?, ?, ?, ?, ?, ?, ?)", names
    )
    # each (form, term) once: an identifier written twice names its term once
    connection.executemany("INSERT INTO identifiers (form, row) VALUES (?, ?)", list(dict.fromkeys(identifiers)))
    connection.executemany(
        "INSERT INTO near (row, name, tag, key, letters, length, joined) VALUES (?, ?, ?, ?, ?, ?, ?)", near
    )


class _Measures:
    """What the matcher needs to know of the names of some terms: the longest name, the longest
    key, and the languages of their translations."""

    def __init__(self, longest: int = 0, near_longest: int = 0, languages: Iterable[str] = (), names: int = 0) -> None:
        self.longest = longest
        self.near_longest = near_longest
        self.languages = set(languages)
        self.names = names

    def as_json(self) -> dict[str, object]:
        languages = sorted(self.languages)
        return {"longest": self.longest, "near_longest": self.near_longest, "languages": languages, "names": self.names}


# -- reading ------------------------------------------------------------------------------------


class StoredTerms(TermStore):
    """The terms of a stored vocabulary, made when asked for; and the rows look-ups read."""

    def __init__(self, path: Path) -> None:
        """``path``: a database file stored_bytes wrote (its integrity is the caller's to check).
        Opened read-only and immutable: no lock is taken, so a forked worker reads it as well."""
        self.path = path
        try:
            uri = path.resolve().as_uri() + "?mode=ro&immutable=1"  # (a URI needs an absolute path)
            connection = sqlite3.connect(uri, uri=True, check_same_thread=False)
        except (sqlite3.Error, ValueError, OSError) as exc:
            raise StoreError(f"not a stored vocabulary: {exc}") from exc
        try:
            marks = (
                connection.execute("PRAGMA application_id").fetchone(),
                connection.execute("PRAGMA user_version").fetchone(),
            )
            if marks != ((APPLICATION_ID,), (STORE_FORMAT,)):
                raise StoreError(f"not a stored vocabulary of format {STORE_FORMAT}")
            meta = dict(connection.execute("SELECT key, value FROM meta").fetchall())
            self.header: dict[str, object] = json.loads(meta["vocabulary"])
            self._count = int(meta["count"])
            self._measures = {
                _applies_value(own or None): _Measures(m["longest"], m["near_longest"], m["languages"], m["names"])
                for own, m in json.loads(meta["measures"]).items()
            }
            self._schemes: tuple[str, ...] = tuple(json.loads(meta["term_schemes"]))
        except StoreError:
            connection.close()
            raise
        except (sqlite3.Error, KeyError, ValueError, TypeError) as exc:
            connection.close()
            raise StoreError(f"not a stored vocabulary: {exc}") from exc
        self._connection = connection
        self._lock = threading.Lock()  # one connection, shared by a service's threads
        self._made: dict[int, Term] = {}

    def vocabulary(self) -> Vocabulary:
        """The vocabulary whose terms these are, validated again as a dictionary file is: its own
        fields, every term (one at a time, none kept: a tenth of a second for 40,000) and what
        they must be together, and that every row of its look-up tables names one of its terms.
        (The look-up keys themselves are trusted as the digest in the entry's name vouches for
        them: whoever could forge that can write into the user's private cache folder.)"""
        try:
            check_terms(self)
            for table in ("names", "near", "identifiers"):  # every row names a term there is
                sql = f"SELECT count(*) FROM {table} WHERE row IS NOT NULL AND row NOT BETWEEN 0 AND ?"
                if self.query(sql, (self._count - 1,))[0][0]:
                    raise ValueError(f"a row of {table} names no term")
            # its own fields (the terms are checked together above: one stands in for them here)
            checked = Vocabulary.model_validate(
                {**self.header, "terms": [self.term_at(0)]}, context={TERMS_CHECKED: True}
            )
        except (ValidationError, ValueError, sqlite3.Error) as exc:
            raise StoreError(f"its vocabulary is not valid: {exc}") from exc
        return checked.model_copy(update={"terms": self})

    def query(self, sql: str, parameters: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
        with self._lock:
            return self._connection.execute(sql, parameters).fetchall()

    # -- the terms

    def term_at(self, row: int) -> Term:
        term = self._made.get(row)
        if term is None:
            found = self.query("SELECT body FROM terms WHERE row = ?", (row,))
            if not found:
                raise IndexError(row)
            term = Term.model_validate_json(str(found[0][0]))
            if len(self._made) >= KEPT_TERMS:
                self._made.clear()
            self._made[row] = term
        return term

    def row_of(self, identifier: str) -> int | None:
        found = self.query("SELECT row FROM terms WHERE identifier = ?", (identifier,))
        return int(str(found[0][0])) if found else None

    def by_identifier(self, identifier: str) -> Term | None:
        row = self.row_of(identifier)
        return self.term_at(row) if row is not None else None

    def applies_of(self, row: int) -> tuple[TargetKind, ...] | None:
        """A term's own ``applies_to``, without making the term."""
        found = self.query("SELECT applies FROM terms WHERE row = ?", (row,))
        return _applies_value(str(found[0][0])) if found and found[0][0] is not None else None

    @property
    def term_schemes(self) -> tuple[str, ...]:
        return self._schemes

    @property
    def applies_to_values(self) -> frozenset[tuple[TargetKind, ...] | None]:
        return frozenset(self._measures)

    def measures(self, wanted: Callable[[tuple[TargetKind, ...] | None], bool]) -> tuple[int, int, set[str], int]:
        """The longest name, the longest key, the translation languages and the number of names
        of the terms whose own ``applies_to`` is ``wanted`` (as an index of them in memory would
        count them)."""
        chosen = [m for own, m in self._measures.items() if wanted(own)]
        languages: set[str] = set().union(*(m.languages for m in chosen))
        longest = max((m.longest for m in chosen), default=0)
        return longest, max((m.near_longest for m in chosen), default=0), languages, sum(m.names for m in chosen)

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, index: int) -> Term: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[Term, ...]: ...
    def __getitem__(self, index: int | slice) -> Term | tuple[Term, ...]:
        if isinstance(index, slice):
            return tuple(self.term_at(i) for i in range(*index.indices(self._count)))
        if index < 0:
            index += self._count
        if not 0 <= index < self._count:
            raise IndexError(index)
        return self.term_at(index)

    def __iter__(self) -> Iterator[Term]:
        # A page of rows at a time (all 40,000 at once would be tens of megabytes), each page read
        # whole: no query stays open while the caller works, and the caller may look terms up.
        last = -1
        while page := self.query("SELECT row, body FROM terms WHERE row > ? ORDER BY row LIMIT 500", (last,)):
            for _, body in page:
                yield Term.model_validate_json(str(body))
            last = int(str(page[-1][0]))

    def __repr__(self) -> str:
        return f"<{self._count} stored terms of {self.path}>"

    def __reduce__(self) -> tuple[object, ...]:
        return (StoredTerms, (self.path,))  # another process opens the same file

    # -- the rows look-ups read (match/stored_index.py)

    def names(self, place: int, key: str, lang: str | None = None) -> list[tuple[int, str, int, str | None]]:
        """(row, name, what, tag) of the names stored under ``key`` in ``place`` (for IN_LANGUAGE,
        in language ``lang``; None: in any), in the order they were stored."""
        if place == IN_LANGUAGE and lang is not None:
            sql = "SELECT row, name, what, tag FROM names WHERE key = ? AND place = ? AND lang = ? ORDER BY seq"
            rows = self.query(sql, (key, place, lang))
        else:
            rows = self.query(
                "SELECT row, name, what, tag FROM names WHERE key = ? AND place = ? ORDER BY seq", (key, place)
            )
        return cast(list[tuple[int, str, int, str | None]], rows)

    def identified(self, form: str) -> list[int | None]:
        """The terms (None: the vocabulary itself) an identifier in canonical form names."""
        rows = self.query("SELECT row FROM identifiers WHERE form = ? ORDER BY seq", (form,))
        return [row for (row,) in cast(list[tuple[int | None]], rows)]

    def near(self, letters: str, lengths: tuple[int, int], joined: tuple[str, ...]) -> list[tuple[int, str, int]]:
        """(seq, key, row) of the names whose content words begin with exactly ``letters`` and
        whose key's length is within ``lengths``, or whose content words joined are one of
        ``joined``; in the order they were stored (one indexed query each: thousands of names
        may share their first letters)."""
        by_letters = "SELECT seq, key, row FROM near WHERE letters = ? AND length BETWEEN ? AND ? ORDER BY seq"
        found = cast(list[tuple[int, str, int]], self.query(by_letters, (letters, *lengths)))
        marks = ", ".join("?" * len(joined))
        by_joined = f"SELECT seq, key, row FROM near WHERE joined IN ({marks})"
        compounds = cast(list[tuple[int, str, int]], self.query(by_joined, joined))
        if not compounds:
            return found
        return sorted({r[0]: r for r in (*found, *compounds)}.values())

    def near_name(self, seq: int) -> tuple[str, str | None]:
        """The name (and its language tag) of a row ``near`` gave."""
        [(name, tag)] = cast(
            list[tuple[str, str | None]], self.query("SELECT name, tag FROM near WHERE seq = ?", (seq,))
        )
        return name, tag


def _applies_value(text: str | None) -> tuple[TargetKind, ...] | None:
    return None if text is None else tuple(json.loads(text))
