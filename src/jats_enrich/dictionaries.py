"""Find and load dictionaries: shipped ones by name, the user's by path.

Readers are registered by file suffix as "module:function" strings and imported only when a file of
that kind is loaded, so a heavy reader (an RDF library for SKOS, say) costs nothing otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from importlib import import_module
from importlib.resources import as_file, files
from pathlib import Path
from typing import Any, Protocol

from .dictionary_cache import OFF, compile_file, load_compiled
from .errors import DictionaryError
from .vocabulary import Vocabulary

#: Dictionaries shipped in vocab/, by the name users give on the command line.
SHIPPED: dict[str, str] = {"credit": "credit.jsonld", "casrai": "casrai.jsonld"}

#: File suffix -> "module:function" of the reader for that format.
READERS: dict[str, str] = {
    ".jsonld": "jats_enrich.jsonld:read_jsonld",
    ".json": "jats_enrich.jsonld:read_jsonld",
    ".csv": "jats_enrich.csv_dictionary:read_csv",
    ".ttl": "jats_enrich.skos:read_skos",
    ".rdf": "jats_enrich.skos:read_skos",
    ".owl": "jats_enrich.skos:read_skos",
    ".skos": "jats_enrich.skos:read_skos",
    ".nt": "jats_enrich.skos:read_skos",
    ".ttl.gz": "jats_enrich.skos:read_skos",
    ".rdf.gz": "jats_enrich.skos:read_skos",
    ".owl.gz": "jats_enrich.skos:read_skos",
    ".nt.gz": "jats_enrich.skos:read_skos",
}

#: Readers that take ``schemes`` (--scheme): the thesauri's.
SCHEME_READERS = {suffix for suffix, reader in READERS.items() if reader.endswith(":read_skos")}

#: File suffix -> "module:function" of the writer for that format (vocab convert).
WRITERS: dict[str, str] = {
    ".jsonld": "jats_enrich.jsonld:write_jsonld",
    ".json": "jats_enrich.jsonld:write_jsonld",
    ".csv": "jats_enrich.csv_dictionary:write_csv",
    ".ttl": "jats_enrich.skos:write_skos",
    ".rdf": "jats_enrich.skos:write_skos",
    ".nt": "jats_enrich.skos:write_skos",
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


class Reader(Protocol):
    def __call__(self, path: Path) -> Vocabulary: ...


class Writer(Protocol):
    def __call__(self, vocabulary: Vocabulary, path: Path) -> None: ...


def format_suffix(path: Path) -> str:
    """The suffix that names a file's format: '.ttl', or '.ttl.gz' for a gzipped one."""
    suffixes = [s.lower() for s in path.suffixes]
    if len(suffixes) > 1 and suffixes[-1] == ".gz":
        return "".join(suffixes[-2:])
    return path.suffix.lower()


def _registered(table: dict[str, str], path: Path, what: str) -> Any:
    suffix = format_suffix(path)
    target = table.get(suffix)
    if target is None:
        known = ", ".join(sorted(table))
        raise DictionaryError(
            f"{path}: unknown dictionary format {suffix or '(no suffix)'!r} to {what}; known: {known}"
        )
    module_name, function_name = target.split(":")
    return getattr(import_module(module_name), function_name)


def reader_for(path: Path) -> Reader:
    reader: Reader = _registered(READERS, path, "read")
    return reader


def writer_for(path: Path) -> Writer:
    writer: Writer = _registered(WRITERS, path, "write")
    return writer


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
    reader = reader_for(path)
    schemes = schemes if format_suffix(path) in SCHEME_READERS else ()

    def read() -> Vocabulary:
        return reader(path, schemes=schemes) if schemes else reader(path)  # type: ignore[call-arg]

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
    ``cache`` (None: the default folder; 'off': none; see dictionary_cache.py)."""
    if isinstance(name_or_path, str) and name_or_path in SHIPPED:
        return load_shipped(name_or_path)
    path = Path(name_or_path)
    if isinstance(name_or_path, str) and not path.exists() and path.suffix == "":
        raise DictionaryError(
            f"{name_or_path}: no shipped dictionary of that name ({', '.join(SHIPPED)}) and no such file"
        )
    return load_dictionary_file(path, schemes, cache)
