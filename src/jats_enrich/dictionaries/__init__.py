"""Find and load dictionaries: shipped ones by name, the user's by path.

Readers are registered by file suffix as "module:function" strings and imported only when a file of
that kind is loaded, so a heavy reader (an RDF library for SKOS, say) costs nothing otherwise.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib.resources import as_file, files
from pathlib import Path

from jats_enrich.dictionaries.compiled import OFF, compile_file, load_compiled
from jats_enrich.dictionaries.model import Vocabulary
from jats_enrich.errors import DictionaryError, UnknownDictionary

#: Dictionaries shipped in vocab/, by the name users give on the command line.
SHIPPED: dict[str, str] = {"credit": "credit.jsonld", "casrai": "casrai.jsonld"}

# Each format's reader and writer, imported on first use (rdflib only for a thesaurus), so that
# ``--help`` and a run on the shipped dictionaries import no parser they do not need.


def _read_jsonld(path: Path, schemes: tuple[str, ...]) -> Vocabulary:
    from jats_enrich.dictionaries.jsonld import read_jsonld

    return read_jsonld(path)


def _read_csv(path: Path, schemes: tuple[str, ...]) -> Vocabulary:
    from jats_enrich.dictionaries.csv_format import read_csv

    return read_csv(path)


def _read_skos(path: Path, schemes: tuple[str, ...]) -> Vocabulary:
    from jats_enrich.dictionaries.skos import read_skos

    return read_skos(path, schemes)


def _write_jsonld(vocabulary: Vocabulary, path: Path) -> None:
    from jats_enrich.dictionaries.jsonld import write_jsonld

    write_jsonld(vocabulary, path)


def _write_csv(vocabulary: Vocabulary, path: Path) -> None:
    from jats_enrich.dictionaries.csv_format import write_csv

    write_csv(vocabulary, path)


def _write_skos(vocabulary: Vocabulary, path: Path) -> None:
    from jats_enrich.dictionaries.skos import write_skos

    write_skos(vocabulary, path)


Reader = Callable[[Path, tuple[str, ...]], Vocabulary]
"""Reads the file at a path; of a thesaurus, only the concepts of the schemes given (others ignore them)."""
Writer = Callable[[Vocabulary, Path], None]


@dataclass(frozen=True)
class Format:
    """One dictionary format: how it is read, how it is written (None: it is not), whether its
    files hold concept schemes (--scheme)."""

    read: Reader
    write: Writer | None = None
    schemes: bool = False


_JSONLD = Format(_read_jsonld, _write_jsonld)
_CSV = Format(_read_csv, _write_csv)
_SKOS = Format(_read_skos, _write_skos, schemes=True)
_SKOS_READ_ONLY = Format(_read_skos, schemes=True)

#: File suffix -> its format.
FORMATS: dict[str, Format] = {
    ".jsonld": _JSONLD,
    ".json": _JSONLD,
    ".csv": _CSV,
    ".ttl": _SKOS,
    ".rdf": _SKOS,
    ".nt": _SKOS,
    ".owl": _SKOS_READ_ONLY,
    ".skos": _SKOS_READ_ONLY,
    ".ttl.gz": _SKOS_READ_ONLY,
    ".rdf.gz": _SKOS_READ_ONLY,
    ".owl.gz": _SKOS_READ_ONLY,
    ".nt.gz": _SKOS_READ_ONLY,
}


#: Term fields a format cannot hold, by the writer's suffix (what ``vocab convert`` warns about).
_SOURCE_FIELDS = ("domain", "kind", "canonical", "uuid", "domains", "group_types", "distinctive")
_NOT_IN_SKOS = ("deprecated_identifiers", *_SOURCE_FIELDS)
NOT_HELD: dict[str, tuple[str, ...]] = {
    ".csv": ("definition", *_SOURCE_FIELDS, "scheme", "notations"),
    ".jsonld": ("scheme", "notations"),
    ".json": ("scheme", "notations"),
    ".ttl": _NOT_IN_SKOS,
    ".rdf": _NOT_IN_SKOS,
    ".nt": _NOT_IN_SKOS,
}
#: The same for the vocabulary's own fields.
VOCABULARY_NOT_HELD: dict[str, tuple[str, ...]] = {
    ".csv": ("title", "version", "license", "deprecated_identifiers", "sense", "takes_degree", "translation_sources"),
    ".ttl": ("version", "license", "deprecated_identifiers", "sense", "takes_degree", "translation_sources"),
    ".rdf": ("version", "license", "deprecated_identifiers", "sense", "takes_degree", "translation_sources"),
    ".nt": ("version", "license", "deprecated_identifiers", "sense", "takes_degree", "translation_sources"),
}


def not_held(vocabulary: Vocabulary, target: Path) -> dict[str, int]:
    """For each field the format of ``target`` cannot hold, how many terms have a value for it
    (the vocabulary's own fields count as one, prefixed 'vocabulary ')."""
    suffix = target.suffix.lower()
    lost: dict[str, int] = {}
    for name in VOCABULARY_NOT_HELD.get(suffix, ()):
        if getattr(vocabulary, name):
            lost[f"vocabulary {name}"] = 1
    for name in NOT_HELD.get(suffix, ()):
        count = sum(1 for term in vocabulary.terms if getattr(term, name))
        if count:
            lost[name] = count
    return lost


def format_suffix(path: Path) -> str:
    """The suffix that names a file's format: '.ttl', or '.ttl.gz' for a gzipped one."""
    suffixes = [s.lower() for s in path.suffixes]
    if len(suffixes) > 1 and suffixes[-1] == ".gz":
        return "".join(suffixes[-2:])
    return path.suffix.lower()


def format_of(path: Path) -> Format:
    """The format of a dictionary file, by its suffix; DictionaryError for one not known."""
    found = FORMATS.get(format_suffix(path))
    if found is None:
        raise _unknown(path, "read", FORMATS)
    return found


def writer_for(path: Path) -> Writer:
    """How to write a dictionary file of the format its suffix names."""
    writable = {suffix: f.write for suffix, f in FORMATS.items() if f.write is not None}
    write = writable.get(format_suffix(path))
    if write is None:
        raise _unknown(path, "write", writable)
    return write


def _unknown(path: Path, what: str, known: Mapping[str, object]) -> DictionaryError:
    suffix = format_suffix(path)
    return DictionaryError(
        f"{path}: unknown dictionary format {suffix or '(no suffix)'!r} to {what}; known: {', '.join(sorted(known))}"
    )


def load_dictionary_file(path: Path, schemes: tuple[str, ...] = (), cache: str | Path | None = OFF) -> Vocabulary:
    """Load and validate one dictionary file; DictionaryError says what is wrong and where.
    ``schemes``: of a thesaurus (SKOS), only the concepts of these schemes; other formats have none.
    ``cache``: the compiled dictionaries' folder (None: the default one; 'off': none)."""
    read, schemes = _reading(path, schemes)
    return load_compiled(path, schemes, read, cache)


def compile_dictionary_file(path: Path, schemes: tuple[str, ...] = (), cache: str | Path | None = None) -> Path:
    """Compile a dictionary file into the cache folder now (``vocab compile``); the entry's path."""
    read, schemes = _reading(path, schemes)
    return compile_file(path, schemes, read, cache)


def _reading(path: Path, schemes: tuple[str, ...]) -> tuple[Callable[[], Vocabulary], tuple[str, ...]]:
    """How to read the file (its format checked now), and the schemes that apply to it (a
    thesaurus's; none for other formats)."""
    if not path.is_file():
        raise DictionaryError(f"{path}: no such dictionary file")
    found = format_of(path)
    schemes = schemes if found.schemes else ()

    def read() -> Vocabulary:
        return found.read(path, schemes)

    return read, schemes


@cache
def load_shipped(name: str) -> Vocabulary:
    """A shipped dictionary by name (loaded once per process)."""
    filename = SHIPPED.get(name)
    if filename is None:
        raise DictionaryError(f"{name}: no shipped dictionary of that name; shipped: {', '.join(SHIPPED)}")
    with as_file(files("jats_enrich.shipped_vocab").joinpath(filename)) as path:
        return load_dictionary_file(path)


def shipped_path(name: str) -> Path | None:
    """Where a shipped dictionary's file is, for commands that read files (None: no such name)."""
    filename = SHIPPED.get(name)
    if filename is None:
        return None
    with as_file(files("jats_enrich.shipped_vocab").joinpath(filename)) as path:
        return Path(path)


def load_vocabulary(
    name_or_path: str | Path, schemes: tuple[str, ...] = (), cache: str | Path | None = None
) -> Vocabulary:
    """A shipped dictionary when given its name, else the dictionary file at that path (of a
    thesaurus, only the concepts of ``schemes`` when given), through the compiled dictionaries'
    ``cache`` (None: the default folder; 'off': none; see dictionaries/compiled.py)."""
    if isinstance(name_or_path, str) and name_or_path in SHIPPED:
        return load_shipped(name_or_path)
    path = Path(name_or_path)
    if isinstance(name_or_path, str) and not path.exists() and path.suffix == "":
        raise UnknownDictionary(
            f"{name_or_path}: no shipped dictionary of that name ({', '.join(SHIPPED)}) and no such file"
        )
    return load_dictionary_file(path, schemes, cache)
