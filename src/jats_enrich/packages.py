"""Zip and tar packages from typesetters: read their members, write the enriched package.

A package in gives a package out, member for member and in the same order: article members are
replaced by their enriched bytes (or kept as they were when they could not be processed), every
other member is copied byte for byte with its metadata. Member names are never used as paths on
disk, so a hostile name (``../../etc/passwd``, ``/abs``) cannot lead a write anywhere; such names,
and links, are copied as members but never processed as articles.
"""

from __future__ import annotations

import copy
import io
import posixpath
import tarfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import ArticleError, OutputError
from .inputs import is_article_name

#: Largest package member read into memory, in bytes.
MAX_MEMBER_BYTES = 200 * 1024 * 1024


@dataclass(frozen=True)
class Member:
    """One member of a package: its name, its bytes (None for directories and links), and
    whether it is an article to enrich."""

    name: str
    data: bytes | None
    is_article: bool
    refusal: str | None = None  # why a member named like an article is not processed


def unsafe_name(name: str) -> str | None:
    """Why a member name must not be trusted as a relative path, if it must not."""
    if name.startswith("/") or (len(name) > 1 and name[1] == ":") or name.startswith("\\"):
        return "absolute path"
    if ".." in posixpath.normpath(name.replace("\\", "/")).split("/"):
        return "path leading out of the package (..)"
    return None


def read_members(path: Path, kind: str, patterns: tuple[str, ...]) -> Iterator[Member]:
    """The package's members in order. Raises ArticleError for a package that cannot be read."""
    try:
        if kind == "zip":
            yield from _zip_members(path, patterns)
        else:
            yield from _tar_members(path, patterns)
    except (zipfile.BadZipFile, tarfile.TarError, EOFError, OSError) as exc:
        raise ArticleError(f"{path}: broken package: {exc}") from None


def _member(name: str, data: bytes | None, patterns: tuple[str, ...]) -> Member:
    if data is None or not is_article_name(name, patterns):
        return Member(name, data, is_article=False)
    problem = unsafe_name(name)
    if problem:
        return Member(name, data, is_article=False, refusal=f"member {name!r}: {problem}; copied, not processed")
    return Member(name, data, is_article=True)


def _zip_members(path: Path, patterns: tuple[str, ...]) -> Iterator[Member]:
    with zipfile.ZipFile(path) as package:
        for info in package.infolist():
            if info.is_dir():
                yield Member(info.filename, None, is_article=False)
                continue
            if info.file_size > MAX_MEMBER_BYTES:
                raise ArticleError(f"{path}: member {info.filename!r} is larger than {MAX_MEMBER_BYTES} bytes")
            yield _member(info.filename, package.read(info), patterns)


def _tar_members(path: Path, patterns: tuple[str, ...]) -> Iterator[Member]:
    with tarfile.open(path, "r:*") as package:
        for info in package:
            if not info.isfile():
                yield Member(info.name, None, is_article=False)
                continue
            if info.size > MAX_MEMBER_BYTES:
                raise ArticleError(f"{path}: member {info.name!r} is larger than {MAX_MEMBER_BYTES} bytes")
            handle = package.extractfile(info)
            yield _member(info.name, handle.read() if handle else b"", patterns)


def write_package(source: Path, kind: str, target: Path, replacements: dict[str, bytes]) -> None:
    """Write ``target``: ``source``'s members in order, with ``replacements`` (by member name)
    instead of their bytes; atomically (a temporary file beside it, renamed into place)."""
    from .batch import atomic_write

    buffer = io.BytesIO()
    try:
        if kind == "zip":
            _write_zip(source, buffer, replacements)
        else:
            _write_tar(source, buffer, replacements)
    except (zipfile.BadZipFile, tarfile.TarError, OSError) as exc:
        raise OutputError(f"{target}: cannot write the package: {exc}") from None
    atomic_write(target, buffer.getvalue(), mode=source.stat().st_mode & 0o777)


def _write_zip(source: Path, out: io.BytesIO, replacements: dict[str, bytes]) -> None:
    with zipfile.ZipFile(source) as package, zipfile.ZipFile(out, "w") as written:
        written.comment = package.comment
        for info in package.infolist():
            data = replacements.get(info.filename)
            # Same name, date, permissions, comment and compression; only an article's bytes change.
            written.writestr(info, data if data is not None else package.read(info))


def _tar_mode(source: Path) -> str:
    name = source.name.lower()
    if name.endswith((".tar.gz", ".tgz")):
        return "w:gz"
    if name.endswith(".tar.bz2"):
        return "w:bz2"
    if name.endswith(".tar.xz"):
        return "w:xz"
    return "w"


def _write_tar(source: Path, out: io.BytesIO, replacements: dict[str, bytes]) -> None:
    mode: Any = _tar_mode(source)
    with tarfile.open(source, "r:*") as package, tarfile.open(fileobj=out, mode=mode) as written:
        for info in package:
            if not info.isfile():
                written.addfile(info)
                continue
            data = replacements.get(info.name)
            if data is None:
                handle = package.extractfile(info)
                data = handle.read() if handle else b""
            member = copy.copy(info)
            member.size = len(data)
            written.addfile(member, io.BytesIO(data))
