"""Compiled dictionaries: a dictionary file is read once, then loaded from a cache folder.

Reading a thesaurus of 40,000 concepts through rdflib takes seconds, and so does computing the
matching key of each of its 160,000 names; a pipeline that runs the tool per batch would pay it
each time. The first load of a file writes its compiled form (the validated vocabulary stored with
the look-up keys of its names, stored.py) into the cache folder; later loads read that instead,
and make a term only when a look-up finds it.

An entry is named by the file's name and a hash of its content, the schemes asked for, the
compiled format and the tool's version (a changed file, another tool version or other options
never find an old entry), then by the SHA-256 of its own content. An entry is checked before use:
its content against the digest in its name, its format, and its vocabulary validated again as a
dictionary file is (every term, one at a time). A damaged or foreign entry is removed and rebuilt
from the file, never used. Entries are only ever renamed into place, never changed: an open one
is read as it was when checked. The folder is created private (0700); a
folder another user owns, or one that others may write to, is not used at all (the file is read
as if there were no cache). A folder that cannot be written (a read-only deployment, compiled
ahead with ``vocab compile``) is read, never written.

Where: ``--cache DIR``; else ``$JATS_ENRICH_CACHE`` (``off``: no cache); else
``$XDG_CACHE_HOME/jats-enrich``; else ``~/.cache/jats-enrich``. ``--no-cache`` turns it off.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path

from jats_enrich import __version__
from jats_enrich.dictionaries.model import Vocabulary
from jats_enrich.dictionaries.stored import STORE_FORMAT, StoredTerms, StoreError, stored_bytes
from jats_enrich.errors import OutputError
from jats_enrich.files import atomic_write

#: The compiled form's version: entries of another version are never read.
FORMAT = STORE_FORMAT
MAGIC = "jats-enrich compiled dictionary"
#: Hexadecimal digits of an entry's SHA-256 in its name.
DIGEST = 32
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


def entry_prefix(source: Path, data: bytes, schemes: tuple[str, ...]) -> str:
    """The start of the name of every entry compiled from ``source`` (whose bytes are ``data``)."""
    digest = hashlib.sha256()
    for part in (MAGIC, str(FORMAT), __version__, source.name, "\n".join(schemes)):
        digest.update(part.encode("utf-8") + b"\0")
    digest.update(data)
    stem = re.sub(r"[^A-Za-z0-9._-]", "_", source.name)[:80]
    return f"{stem}.{digest.hexdigest()[:40]}"


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
    prefix = entry_prefix(source, data, schemes)
    vocabulary = _read_entries(folder, prefix)
    if vocabulary is not None:
        return vocabulary
    vocabulary = read()
    with suppress(OutputError):  # a read-only or full cache: this run reads the file, as without a cache
        write_entry(folder, prefix, vocabulary)
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
    return write_entry(folder, entry_prefix(source, source.read_bytes(), schemes), read())


def write_entry(folder: Path, prefix: str, vocabulary: Vocabulary) -> Path:
    """Store the vocabulary as an entry named by ``prefix`` and the digest of its content."""
    payload = stored_bytes(vocabulary)
    entry = folder / f"{prefix}.{hashlib.sha256(payload).hexdigest()[:DIGEST]}.compiled"
    atomic_write(entry, payload, mode=0o600, durable=False)
    return entry


def _read_entries(folder: Path, prefix: str) -> Vocabulary | None:
    """The vocabulary of the first sound entry of ``prefix``; an unsound one is removed (where the
    folder can be written), so that it is neither read nor checked again."""
    for entry in sorted(folder.glob(f"{prefix}.*.compiled")):
        vocabulary = _read_entry(entry)
        if vocabulary is not None:
            return vocabulary
        with suppress(OSError):
            entry.unlink()
    return None


def _read_entry(entry: Path) -> Vocabulary | None:
    """The vocabulary of an entry whose content is what its name says; None if it is not."""
    named = entry.name.removesuffix(".compiled").rpartition(".")[2]
    digest = hashlib.sha256()
    try:
        with entry.open("rb") as file:
            while chunk := file.read(1 << 20):  # not all at once: a thesaurus's entry is tens of megabytes
                digest.update(chunk)
    except OSError:
        return None
    if digest.hexdigest()[:DIGEST] != named:
        return None
    try:
        return StoredTerms(entry).vocabulary()
    except StoreError:
        return None


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
