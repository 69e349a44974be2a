"""Compiled dictionaries: a dictionary file is read once, then loaded from a cache folder.

Reading a thesaurus of 40,000 concepts through rdflib takes seconds, and so does computing the
matching key of each of its 160,000 names; a pipeline that runs the tool per batch would pay it
each time. The first load of a file writes its compiled form (the validated vocabulary as JSON and
the matching key of every name) into the cache folder; later loads read that instead.

An entry is named by the file's name and a hash of its content, the schemes asked for, the
compiled format and the tool's version: a changed file, another tool version or other options
never find an old entry. An entry is checked before use (its header, and a SHA-256 of what
follows it), and its vocabulary is validated again as any dictionary file is: a damaged or
foreign entry is rebuilt from the file, never used. The folder is created private (0700); a
folder another user owns, or one that others may write to, is not used at all (the file is read
as if there were no cache). A folder that cannot be written (a read-only deployment, compiled
ahead with ``vocab compile``) is read, never written.

Where: ``--cache DIR``; else ``$JATS_ENRICH_CACHE`` (``off``: no cache); else
``$XDG_CACHE_HOME/jats-enrich``; else ``~/.cache/jats-enrich``. ``--no-cache`` turns it off.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
from collections.abc import Callable, Iterator
from contextlib import suppress
from pathlib import Path

from pydantic import ValidationError

from jats_enrich import __version__
from jats_enrich.dictionaries.model import Vocabulary
from jats_enrich.errors import OutputError
from jats_enrich.files import atomic_write
from jats_enrich.gc_pause import collection_paused
from jats_enrich.text import LABEL_KEYS, closed_compound, label_key

#: The compiled form's version: entries of another version are never read.
FORMAT = 1
MAGIC = "jats-enrich compiled dictionary"
OFF = "off"


def cache_folder(setting: str | Path | None = None) -> Path | None:
    """The cache folder a setting names (None: the default; 'off': no cache)."""
    if setting is None:
        setting = os.environ.get("JATS_ENRICH_CACHE") or None
    if setting is None:
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        return Path(base) / "jats-enrich"
    if str(setting) == OFF:
        return None
    return Path(setting)


def entry_path(folder: Path, source: Path, data: bytes, schemes: tuple[str, ...]) -> Path:
    """Where the compiled form of ``source`` (whose bytes are ``data``) is kept in ``folder``."""
    digest = hashlib.sha256()
    for part in (MAGIC, str(FORMAT), __version__, source.name, "\n".join(schemes)):
        digest.update(part.encode("utf-8") + b"\0")
    digest.update(data)
    stem = re.sub(r"[^A-Za-z0-9._-]", "_", source.name)[:80]
    return folder / f"{stem}.{digest.hexdigest()[:40]}.compiled"


def load_compiled(
    source: Path, schemes: tuple[str, ...], read: Callable[[], Vocabulary], setting: str | Path | None = None
) -> Vocabulary:
    """The vocabulary of ``source``: from its compiled form when the cache holds a sound one, else
    by ``read`` (and then compiled, where the folder can be written)."""
    folder = _usable(cache_folder(setting))
    if folder is None:
        return read()
    try:
        data = source.read_bytes()
    except OSError:
        return read()  # the reader says what is wrong with the file
    entry = entry_path(folder, source, data, schemes)
    vocabulary = _read_entry(entry)
    if vocabulary is not None:
        return vocabulary
    vocabulary = read()
    with suppress(OutputError):  # a read-only or full cache: this run reads the file, as without a cache
        write_entry(entry, vocabulary)
    return vocabulary


def compile_file(
    source: Path, schemes: tuple[str, ...], read: Callable[[], Vocabulary], setting: str | Path | None = None
) -> Path:
    """Compile ``source`` into the cache folder now (``vocab compile``); the entry's path."""
    folder = cache_folder(setting)
    if folder is None:
        raise OutputError("no cache folder to compile into (`cache` off, or JATS_ENRICH_CACHE=off)")
    if _usable(folder) is None:
        raise OutputError(f"{folder}: not used as a cache: another user owns it, or others may write to it")
    entry = entry_path(folder, source, source.read_bytes(), schemes)
    write_entry(entry, read())
    return entry


def write_entry(entry: Path, vocabulary: Vocabulary) -> None:
    body = vocabulary.model_dump_json(exclude_defaults=True) + "\n" + json.dumps(list(_keys(vocabulary))) + "\n"
    payload = body.encode("utf-8")
    header = json.dumps({"magic": MAGIC, "format": FORMAT, "sha256": hashlib.sha256(payload).hexdigest()})
    atomic_write(entry, header.encode("ascii") + b"\n" + payload, mode=0o600, durable=False)


def _read_entry(entry: Path) -> Vocabulary | None:
    """The vocabulary of a sound entry (its matching keys remembered); None if absent or unsound."""
    try:
        raw = entry.read_bytes()
    except OSError:
        return None
    head, _, payload = raw.partition(b"\n")
    try:
        header = json.loads(head)
        if header != {"magic": MAGIC, "format": FORMAT, "sha256": hashlib.sha256(payload).hexdigest()}:
            return None
        text, keys, end = payload.decode("utf-8").split("\n")
        with collection_paused():  # tens of thousands of terms, all kept
            vocabulary = Vocabulary.model_validate_json(text)
            names = json.loads(keys)
    except (ValueError, ValidationError, UnicodeDecodeError):
        return None
    if end or not isinstance(names, list):
        return None
    LABEL_KEYS.update(((name, lang), key) for name, lang, key in names)
    return vocabulary


def _keys(vocabulary: Vocabulary) -> Iterator[tuple[str, str | None, str]]:
    """Every name of the vocabulary (and its closed compound) with its matching key."""
    for term in vocabulary.terms:
        names: list[tuple[str, str | None]] = [(term.label, None), *((a, None) for a in term.aliases)]
        names += [(label, lang) for lang, labels in term.translations.items() for label in labels]
        for name, lang in names:
            yield name, lang, label_key(name, lang)
            joined = closed_compound(name)
            if joined is not None:
                yield joined, lang, label_key(joined, lang)


def _usable(folder: Path | None) -> Path | None:
    """The folder, created private if missing; None when it must not be used."""
    if folder is None:
        return None
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = folder.stat()
    except OSError:
        return None
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return None
    return folder
