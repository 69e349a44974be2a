"""Read and write dictionaries as CSV, for spreadsheets.

Columns (a header row names them; order free): ``label``, ``identifier`` (required), ``aliases``
(several separated by ``|``), ``status`` (draft, stable, deprecated; default stable),
``replaced_by`` (an identifier), ``lang`` (the label's language: rows of one identifier in other
languages than English give its translations), and optionally ``vocab`` and ``vocab_identifier``
(the same on every row). Without ``vocab_identifier``, the vocabulary identifier is the longest
common prefix of the term identifiers that ends in ``/`` or ``#``. Also optional, on a term's
English row: ``applies_to`` (what the term is matched against: ``role``, ``keyword``,
``subject``, separated by ``|``; ``none`` for nothing; empty: keywords and subjects, or what the
configuration's ``[applies_to]`` gives the dictionary, which no row goes beyond),
``broader`` (identifier of the term it belongs to) and ``deprecated_identifiers`` (older
identifiers, separated by ``|``).

Spreadsheet safety: a cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
would be run as a formula by a spreadsheet (CSV injection). Every CSV jats-enrich writes (this
module's dictionaries, the report's ``.csv``, ``report aliases``) prefixes such a cell with one
apostrophe (``-x`` is written ``'-x``), as OWASP advises and as a spreadsheet shows it: as text.
Its CSV readers (dictionaries, the aliases table) take one apostrophe off a cell that begins with
apostrophes followed by one of those characters, so what was written is read back: a label that
really begins with ``-`` or ``+`` survives the round trip, and a label that really begins with an
apostrophe before one of them is written with one more apostrophe. Any other apostrophe (``'s
Gravenhage``) is text. Cells are escaped and read back whole; a ``|``-separated list is one cell.
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from jats_enrich.dictionaries.model import TARGET_KINDS, TargetKind, Term, TermStatus, Vocabulary
from jats_enrich.errors import DictionaryError
from jats_enrich.limits import MAX_DICTIONARY_BYTES

REQUIRED = ("label", "identifier")
KNOWN = (
    *REQUIRED,
    "aliases",
    "status",
    "replaced_by",
    "lang",
    "vocab",
    "vocab_identifier",
    "applies_to",
    "broader",
    "deprecated_identifiers",
)
ALIAS_SEPARATOR = "|"
DEFAULT_APPLIES_TO: tuple[TargetKind, ...] = ("keyword", "subject")
NOTHING = "none"

#: A cell a spreadsheet would take for a formula begins with one of these (OWASP: CSV injection).
FORMULA_STARTS = "=+-@\t\r"
#: Cells written with one more apostrophe: apostrophes (or none), then a formula character.
_ESCAPED = re.compile(f"'*[{re.escape(FORMULA_STARTS)}]")
#: Cells read with one apostrophe less: apostrophes (at least one), then a formula character.
_WRITTEN_ESCAPED = re.compile(f"'+[{re.escape(FORMULA_STARTS)}]")


def spreadsheet_cell(value: object) -> str:
    """A CSV cell no spreadsheet runs as a formula: one apostrophe before a formula character
    (and before apostrophes that precede one, so that ``read_cell`` gives back the value)."""
    text = "" if value is None else str(value)
    return "'" + text if _ESCAPED.match(text) else text


def spreadsheet_row(values: Iterable[object]) -> list[str]:
    return [spreadsheet_cell(v) for v in values]


def read_cell(text: str | None) -> str:
    """The value ``spreadsheet_cell`` wrote (one apostrophe taken off where it added one)."""
    if not text:
        return ""
    return text[1:] if _WRITTEN_ESCAPED.match(text) else text


def one_line(text: object, limit: int = 300) -> str:
    """A message as one line: white space (line breaks too) collapsed, cut at ``limit`` characters."""
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def read_rows(path: Path, text: str) -> tuple[list[str], list[dict[str, str]]]:
    """The header and the rows of a CSV file jats-enrich reads (a dictionary, an aliases table):
    cells as ``read_cell`` gives them back, stripped; a file the csv module cannot read is one
    DictionaryError naming the file and the line."""
    reader = csv.DictReader(io.StringIO(text))
    try:
        header = [h.strip() for h in reader.fieldnames or []]
        rows = [
            {k.strip(): read_cell((v or "").strip()).strip() for k, v in raw.items() if isinstance(k, str)}
            for raw in reader
        ]
    except csv.Error as exc:
        raise DictionaryError(f"{path}: line {reader.line_num + 1}: not readable as CSV: {one_line(exc)}") from None
    return header, rows


def read_csv(path: Path) -> Vocabulary:
    text = _read_text(path)
    header, rows = read_rows(path, text)
    _check_columns(path, header)
    entries: dict[str, _Entry] = {}
    names: set[str] = set()
    vocab_ids: set[str] = set()
    for number, row in enumerate(rows, start=2):
        _add_row(path, number, row, entries)
        if row.get("vocab"):
            names.add(row["vocab"])
        if row.get("vocab_identifier"):
            vocab_ids.add(row["vocab_identifier"])
    if not entries:
        raise DictionaryError(f"{path}: no terms")
    if len(names) > 1 or len(vocab_ids) > 1:
        raise DictionaryError(f"{path}: rows name more than one vocabulary")
    terms = [_term(path, identifier, entry) for identifier, entry in entries.items()]
    identifier = vocab_ids.pop() if vocab_ids else _common_prefix(path, [t.identifier for t in terms])
    try:
        return Vocabulary(name=names.pop() if names else path.stem, identifier=identifier, terms=tuple(terms))
    except ValidationError as exc:
        raise DictionaryError(f"{path}: {_message(exc)}") from None


def _check_columns(path: Path, header: list[str]) -> None:
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise DictionaryError(f"{path}: header has no {missing[0]!r} column (columns: {', '.join(KNOWN)})")
    unknown = [c for c in header if c not in KNOWN]
    if unknown:
        raise DictionaryError(f"{path}: unknown column {unknown[0]!r} (columns: {', '.join(KNOWN)})")


def _add_row(path: Path, number: int, row: dict[str, str], entries: dict[str, _Entry]) -> None:
    """What one row says, added to the entry of its identifier: the term's English or untagged
    label and fields, or a translation."""
    label, identifier = row.get("label", ""), row.get("identifier", "")
    if not label:
        raise DictionaryError(f"{path}: line {number}: term {identifier or '?'!r}: missing label")
    if not identifier:
        raise DictionaryError(f"{path}: line {number}: term {label!r}: missing identifier")
    lang = (row.get("lang") or "").lower().split("-")[0] or None
    aliases = [a.strip() for a in row.get("aliases", "").split(ALIAS_SEPARATOR) if a.strip()]
    entry = entries.setdefault(identifier, _Entry(line=number))  # an entry's line is its first row's
    if lang not in (None, "en"):
        entry.translations.setdefault(lang, []).extend([label, *aliases])
        return
    if entry.label is not None:
        raise DictionaryError(
            f"{path}: line {number}: duplicate identifier {identifier!r} (already on line {entry.line})"
        )
    entry.label, entry.aliases = label, aliases
    entry.status = row.get("status") or "stable"
    entry.replaced_by = row.get("replaced_by") or None
    entry.applies_to = _applies_to(path, number, row.get("applies_to", ""))
    entry.broader = row.get("broader") or None
    entry.deprecated = [i.strip() for i in row.get("deprecated_identifiers", "").split(ALIAS_SEPARATOR) if i.strip()]


@dataclass
class _Entry:
    """What the rows of one identifier say."""

    line: int
    label: str | None = None
    aliases: list[str] = field(default_factory=list)
    status: str = "stable"
    replaced_by: str | None = None
    translations: dict[str, list[str]] = field(default_factory=dict)
    applies_to: tuple[TargetKind, ...] | None = None  # None: not given
    broader: str | None = None
    deprecated: list[str] = field(default_factory=list)


def _applies_to(path: Path, line: int, cell: str) -> tuple[TargetKind, ...] | None:
    if not cell.strip():
        return None
    if cell.strip().lower() == NOTHING:
        return ()
    kinds = [k.strip().lower() for k in cell.split(ALIAS_SEPARATOR) if k.strip()]
    wrong = [k for k in kinds if k not in TARGET_KINDS]
    if wrong:
        raise DictionaryError(
            f"{path}: line {line}: applies_to {wrong[0]!r} is not one of {', '.join(TARGET_KINDS)} (or {NOTHING})"
        )
    return tuple(k for k in TARGET_KINDS if k in kinds)


def _term(path: Path, identifier: str, entry: _Entry) -> Term:
    where = f"{path}: line {entry.line}"
    if entry.label is None:
        raise DictionaryError(f"{where}: term {identifier!r}: no English or untagged label")
    status = entry.status.lower()
    if status not in {s.value for s in TermStatus}:
        raise DictionaryError(f"{where}: term {entry.label!r}: status {status!r} is not draft, stable or deprecated")
    try:
        return Term(
            label=entry.label,
            identifier=identifier,
            status=TermStatus(status),
            replaced_by=entry.replaced_by,
            aliases=tuple(dict.fromkeys(entry.aliases)),
            translations={lang: tuple(dict.fromkeys(v)) for lang, v in entry.translations.items()},
            applies_to=entry.applies_to,
            broader=entry.broader,
            deprecated_identifiers=tuple(dict.fromkeys(entry.deprecated)),
        )
    except ValidationError as exc:
        raise DictionaryError(f"{where}: term {entry.label!r}: {_message(exc)}") from None


def _common_prefix(path: Path, identifiers: list[str]) -> str:
    prefix = os.path.commonprefix(identifiers)  # noqa: RUF071 -- character-wise on purpose: URIs, not paths
    cut = max(prefix.rfind("/"), prefix.rfind("#"))
    if cut < len("https://"):
        raise DictionaryError(f"{path}: the term identifiers share no base address; add a vocab_identifier column")
    return prefix[: cut + 1]


def _read_text(path: Path) -> str:
    try:
        if path.stat().st_size > MAX_DICTIONARY_BYTES:
            raise DictionaryError(f"{path}: larger than the {MAX_DICTIONARY_BYTES}-byte limit")
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DictionaryError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise DictionaryError(f"{path}: cannot read: {exc.strerror or exc}") from None


def _message(exc: ValidationError) -> str:
    error = exc.errors()[0]
    field = ".".join(str(p) for p in error["loc"])
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"field {field!r}: {message}" if field else message


def write_csv(vocabulary: Vocabulary, path: Path) -> None:
    from jats_enrich.files import atomic_write

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(KNOWN)
    for term in vocabulary.terms:
        applies = [kind for kind in TARGET_KINDS if vocabulary.applies(term, kind)]
        as_default = term.applies_to is None and vocabulary.applies_to == DEFAULT_APPLIES_TO
        writer.writerow(
            spreadsheet_row(
                [
                    term.label,
                    term.identifier,
                    ALIAS_SEPARATOR.join(term.aliases),
                    term.status.value,
                    term.replaced_by or "",
                    "",
                    vocabulary.name,
                    vocabulary.identifier,
                    "" if as_default else ALIAS_SEPARATOR.join(applies) or NOTHING,
                    term.broader or "",
                    ALIAS_SEPARATOR.join(term.deprecated_identifiers),
                ]
            )
        )
        for lang, labels in term.translations.items():
            writer.writerow(
                spreadsheet_row(
                    [
                        labels[0],
                        term.identifier,
                        ALIAS_SEPARATOR.join(labels[1:]),
                        "",
                        "",
                        lang,
                        vocabulary.name,
                        vocabulary.identifier,
                        "",
                        "",
                        "",
                    ]
                )
            )
    atomic_write(path, out.getvalue().encode("utf-8"))
