"""Inputs and outputs where clusters keep them: fsspec URLs (s3://, gs://, az://, memory://, ...).

A batch may name remote folders and files as URLs instead of paths: the main process lists the
articles, each worker reads its articles and writes their outputs itself (no shared file system),
and the reports are uploaded when the run ends. ``file://`` URLs are local paths. Credentials are
the backends' own (environment, configuration files, instance roles): never options, never
reports.

Writing: an object store replaces an object whole in one request, so a written object is complete
or absent, never partial; that is what ``put`` relies on. A local path keeps atomic_write.
"""

from __future__ import annotations

import contextlib
import functools
import re
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from jats_enrich.errors import ArticleError, OutputError, UsageError

_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")

#: The extra that installs each backend, by URL scheme, for the error that names it.
EXTRAS = {"s3": "s3", "s3a": "s3", "gs": "gcs", "gcs": "gcs", "az": "azure", "abfs": "azure", "abfss": "azure"}


#: Stores of objects, not folders: nothing to make before writing (and a bucket is never created).
OBJECT_STORES = {"s3", "s3a", "gs", "gcs", "az", "abfs", "abfss", "adl", "memory"}


def is_remote(location: str | Path) -> bool:
    """A URL of a store other than the local file system (``file://`` is a local path)."""
    text = location if isinstance(location, str) else ""
    return bool(_URL.match(text)) and not text.lower().startswith("file://")


def local(location: str | Path) -> Path:
    """A path, or a ``file://`` URL, as a local path."""
    text = str(location)
    if text.lower().startswith("file://"):
        return Path(unquote(urlsplit(text).path))
    return Path(text)


def joined(base: str, relative: str) -> str:
    """A URL under a remote folder."""
    return base.rstrip("/") + "/" + relative.lstrip("/")


def filesystem(url: str) -> tuple[Any, str]:
    """The fsspec file system of a URL, and the path within it; a missing backend is a usage error
    naming the extra that installs it."""
    try:
        import fsspec

        found: tuple[Any, str] = fsspec.core.url_to_fs(url)
        return found
    except ImportError as exc:
        scheme = url.split("://", 1)[0].lower()
        extra = EXTRAS.get(scheme)
        hint = f"pip install 'jats-enrich[{extra}]'" if extra else "pip install fsspec and its backend for it"
        raise UsageError(f"{url}: no file system for {scheme}:// URLs here ({hint}): {_said(exc)}") from None
    except Exception as exc:  # an unknown protocol, a backend that cannot start (its own errors)
        raise UsageError(f"{url}: {_said(exc)}") from None


def _said(exc: Exception) -> str:
    """A backend's error on one line (a cloud client's can span several)."""
    return " ".join(str(exc).split()) or type(exc).__name__


def canonical(url: str) -> str:
    """The form two spellings of one remote location share ("memory://in" and "memory:///in",
    "s3a://b/x" and "s3://b/x"): the file system's first protocol and its path."""
    folder, _, name = url.rstrip("/").rpartition("/")
    return f"{_canonical_folder(folder)}/{name}" if folder and "://" in folder else _canonical_folder(url)


@functools.lru_cache(maxsize=1024)
def _canonical_folder(url: str) -> str:
    fs, path = filesystem(url)
    protocol = fs.protocol if isinstance(fs.protocol, str) else fs.protocol[0]
    return f"{protocol}://{path.strip('/')}"


def read(url: str, limit: int) -> bytes:
    """An object's bytes, refused beyond ``limit`` (read no further than one byte past it)."""
    fs, path = filesystem(url)
    try:
        with fs.open(path, "rb") as handle:
            data: bytes = handle.read(limit + 1)
    except FileNotFoundError:
        raise ArticleError("no such object") from None
    except Exception as exc:  # the backend's own errors too (credentials, its client library's)
        raise ArticleError(f"cannot read: {_said(exc)}") from None
    if len(data) > limit:
        raise ArticleError(f"over the {limit}-byte limit of one article")
    return data


def put(url: str, data: bytes) -> None:
    """Write an object whole (complete or absent: one request to an object store)."""
    fs, path = filesystem(url)
    protocols = {fs.protocol} if isinstance(fs.protocol, str) else set(fs.protocol)
    try:
        parent = path.rsplit("/", 1)[0]
        if parent and parent != path and not protocols & OBJECT_STORES:
            fs.makedirs(parent, exist_ok=True)  # a store of real folders (SFTP, HDFS): made as a local one is
        fs.pipe_file(path, data)
    except Exception as exc:  # the backend's own errors too (credentials, its client library's)
        raise OutputError(f"{url}: cannot write: {_said(exc)}") from None


def exists(url: str) -> bool:
    fs, path = filesystem(url)
    try:
        return bool(fs.isfile(path))
    except Exception:  # unknown here is absent: a resumed run does the article again
        return False


def articles_under(url: str, is_article: Any) -> list[tuple[str, str]]:
    """(URL, path relative to ``url``) of every article under a remote folder, or the object
    itself; sorted. ``is_article(relative)`` says which names are articles."""
    fs, path = filesystem(url)
    try:
        if fs.isfile(path):
            name = path.rsplit("/", 1)[-1]
            return [(url, name)]
        found = sorted(fs.find(path))
    except Exception as exc:  # the backend's own errors too (credentials, its client library's)
        raise UsageError(f"{url}: cannot list: {_said(exc)}") from None
    if not found:
        raise UsageError(f"{url}: no such file or folder")
    prefix = path.rstrip("/") + "/"
    listed = []
    for each in found:
        relative = each[len(prefix) :] if each.startswith(prefix) else each.rsplit("/", 1)[-1]
        if is_article(relative):
            listed.append((joined(url, relative), relative))  # as the user spells the folder
    return listed


@contextlib.contextmanager
def uploaded(locations: Sequence[Path | str]) -> Iterator[list[Path]]:
    """Local paths to write files to: a remote location's is in a temporary folder, and uploaded
    (with any file written beside it: a CSV report's run record) once the block ends without an
    error. Nothing is uploaded from a run that failed."""
    remote = {i: str(where) for i, where in enumerate(locations) if is_remote(where)}
    if not remote:
        yield [local(where) for where in locations]
        return
    with tempfile.TemporaryDirectory(prefix=".jats-enrich-uploads-") as folder:
        paths = [
            Path(folder) / f"{i}-{remote[i].rsplit('/', 1)[-1]}" if i in remote else local(where)
            for i, where in enumerate(locations)
        ]
        yield paths
        for i, url in remote.items():
            for made in sorted(Path(folder).glob(f"{i}-*")):
                put(url + made.name[len(paths[i].name) :], made.read_bytes())
