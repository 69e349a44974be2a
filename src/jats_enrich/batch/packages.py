"""Zip and tar packages from typesetters: list their members, read one at a time, write the
enriched package.

A package in gives a package out, member for member and in the same order: article members are
replaced by their enriched bytes (or kept as they were when they could not be processed), every
other member is copied byte for byte with its metadata. Member names are never used as paths on
disk, so a hostile name (``../../etc/passwd``, ``/abs``) cannot lead a write anywhere; such names,
and links, are copied as members but never processed as articles.

Members are named by their place in the package, not only by their name: two members called
``a.xml`` are two articles, each with its own bytes. Nothing holds a package's members in memory
at once: listing reads headers only, each article member is read when its turn comes (a size
checked before reading), enriched members wait in files of a staging folder, and the package is
written member by member into a temporary file renamed into place.

A package that cannot be rewritten member for member is refused whole, with the reason, and left
as it is (no output is written for it): a tar whose headers are damaged (Python's reader would
take the first bad header for the end, and a package written from it would lose every member
after it), a zip member that is encrypted or compressed by a method Python cannot read.
"""

from __future__ import annotations

import bz2
import copy
import gzip
import lzma
import posixpath
import shutil
import tarfile
import warnings
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, cast

from jats_enrich.batch.inputs import is_article_name
from jats_enrich.errors import ArticleError, OutputError
from jats_enrich.files import read_at_most
from jats_enrich.recent import Recent

#: Largest package member read into memory, in bytes.
MAX_MEMBER_BYTES = 200 * 1024 * 1024
#: Most members listed in one package.
MAX_MEMBERS = 1_000_000
#: Compression methods Python's zipfile reads.
ZIP_METHODS = frozenset({zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA})


@dataclass(frozen=True)
class Member:
    """One member of a package: its place, its name, and whether it is an article to enrich."""

    index: int  # its place in the package, from 0
    name: str
    size: int
    is_article: bool
    refusal: str | None = None  # why a member named like an article is not processed
    occurrence: int = 1  # the second member of one name is 2, ...
    offset: int | None = None  # a tar member's data: where it starts in the (uncompressed) tar

    @property
    def label(self) -> str:
        """How the report names it: 'a.xml', or 'a.xml (2nd of that name)'."""
        if self.occurrence == 1:
            return self.name
        return f"{self.name} (member {self.index + 1}, the {_ordinal(self.occurrence)} of that name)"


def _ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def unsafe_name(name: str) -> str | None:
    """Why a member name must not be trusted as a relative path, if it must not."""
    if name.startswith("/") or (len(name) > 1 and name[1] == ":") or name.startswith("\\"):
        return "absolute path"
    if ".." in posixpath.normpath(name.replace("\\", "/")).split("/"):
        return "path leading out of the package (..)"
    return None


class _CheckedTar(tarfile.TarFile):
    """A tar reader that reads past a damaged header (as GNU tar does) and remembers it, instead
    of taking it for the end of the package."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # TarFile.__init__ reads the first header already: what it finds damaged must be kept.
        self.damage: list[str] = []
        super().__init__(*args, **kwargs)

    def _dbg(self, level: int, msg: str) -> None:  # called by TarFile.next on each skipped block
        if "end of file header" not in msg:
            self.damage.append(msg)


@contextmanager
def _open_tar(path: Path) -> Iterator[_CheckedTar]:
    package = _CheckedTar.open(path, "r:*", ignore_zeros=True)
    assert isinstance(package, _CheckedTar)
    try:
        yield package
    finally:
        package.close()


def list_members(path: Path, kind: str, patterns: tuple[str, ...], source: Path | None = None) -> list[Member]:
    """The package's members in order, their data not read (``path`` a zip, or an uncompressed
    tar: see ``uncompressed``; ``source`` the package as the user named it, for messages). Raises
    ArticleError, with the reason, for a package that cannot be read, or not rewritten member for
    member."""
    named = source or path
    try:
        raw = _zip_entries(path) if kind == "zip" else _tar_entries(path)
    except ArticleError as exc:
        raise ArticleError(f"{named}: {exc}") from None
    except (zipfile.BadZipFile, tarfile.TarError, EOFError, OSError, ValueError, zlib.error) as exc:
        raise ArticleError(f"{named}: broken package: {' '.join(str(exc).split())}") from None
    seen: dict[str, int] = {}
    members = []
    for index, (name, size, is_file, offset) in enumerate(raw):
        seen[name] = seen.get(name, 0) + 1
        article = is_file and is_article_name(name, patterns)
        problem = unsafe_name(name) if article else None
        refusal = f"member {name!r}: {problem}; copied, not processed" if problem else None
        if article and refusal is None and size > MAX_MEMBER_BYTES:
            refusal = f"member {name!r}: {size} bytes, over the {MAX_MEMBER_BYTES}-byte limit; copied, not processed"
        members.append(Member(index, name, size, article and refusal is None, refusal, seen[name], offset))
    return members


def uncompressed(path: Path, staging: Path) -> Path:
    """A compressed tar's uncompressed copy in ``staging`` (read once, in a stream), so that its
    members can be read one at a time by where they start; any other package as it is."""
    name = path.name.lower()
    suffix = Path(name).suffix
    if suffix not in (".gz", ".tgz", ".bz2", ".xz"):
        return path
    copy_path = staging / "package.tar"
    try:
        with _decompressed(path, suffix) as reader, copy_path.open("wb") as writer:
            shutil.copyfileobj(reader, writer, 1 << 20)
    except (OSError, EOFError, lzma.LZMAError, zlib.error) as exc:
        raise ArticleError(f"{path}: broken package: {' '.join(str(exc).split())}") from None
    return copy_path


def _decompressed(path: Path, suffix: str) -> IO[bytes]:
    if suffix in (".gz", ".tgz"):
        return cast(IO[bytes], gzip.open(path, "rb"))
    if suffix == ".bz2":
        return cast(IO[bytes], bz2.open(path, "rb"))
    return cast(IO[bytes], lzma.open(path, "rb"))


def _zip_entries(path: Path) -> list[tuple[str, int, bool, int | None]]:
    with zipfile.ZipFile(path) as package:
        infos = package.infolist()
        if len(infos) > MAX_MEMBERS:
            raise ArticleError(f"more than {MAX_MEMBERS} members")
        for info in infos:
            if info.flag_bits & 0x1:
                raise ArticleError(f"member {info.filename!r} is encrypted; the package is left as it is")
            if info.compress_type not in ZIP_METHODS:
                raise ArticleError(
                    f"member {info.filename!r} is compressed by a method Python cannot read "
                    f"({info.compress_type}); the package is left as it is"
                )
        return [(info.filename, info.file_size, not info.is_dir(), None) for info in infos]


def _tar_entries(path: Path) -> list[tuple[str, int, bool, int | None]]:
    entries: list[tuple[str, int, bool, int | None]] = []
    with _open_tar(path) as package:
        for info in package:
            entries.append((info.name, info.size, info.isfile(), info.offset_data))
            if len(entries) > MAX_MEMBERS:
                raise ArticleError(f"more than {MAX_MEMBERS} members")
        if package.damage:
            where = package.damage[0].split(":", 1)[0]
            raise ArticleError(
                f"damaged tar header at offset {where} ({len(package.damage)} blocks unreadable); "
                "members after it could be lost, so the package is left as it is"
            )
    if path.stat().st_size % tarfile.BLOCKSIZE:
        # A tar is whole blocks: this one was cut short, perhaps inside a header, where tarfile
        # stops reading without a word and every member after the cut would be lost.
        raise ArticleError("the package ends inside a block (cut short); members could be lost, so it is left as it is")
    return entries


def read_member(path: Path, kind: str, member: Member) -> bytes:
    """The bytes of one member (``path`` as listed: a zip, or an uncompressed tar), no more than
    MAX_MEMBER_BYTES of them."""
    try:
        if kind == "zip":
            package = _zip(path)
            with package.open(package.infolist()[member.index]) as handle:
                data = read_at_most(handle, MAX_MEMBER_BYTES)
        else:
            assert member.offset is not None
            with path.open("rb") as handle:
                handle.seek(member.offset)
                data = read_at_most(handle, min(member.size, MAX_MEMBER_BYTES + 1) - 1)
                if len(data) < member.size:
                    raise ArticleError("member cut short: the package ends inside it")
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError, zlib.error) as exc:
        raise ArticleError(f"cannot read the member: {' '.join(str(exc).split())}") from None
    if len(data) > MAX_MEMBER_BYTES:
        raise ArticleError(f"member over the {MAX_MEMBER_BYTES}-byte limit (its header understated its size)")
    return data


#: Zip packages open in this process (a worker reads many members of one package): by path and
#: by the file's identity, so that a package replaced at the same path is read anew.
_ZIPS: Recent[tuple[Path, int, int, int], zipfile.ZipFile] = Recent(8, close=zipfile.ZipFile.close)


def _zip(path: Path) -> zipfile.ZipFile:
    status = path.stat()
    key = (path, status.st_ino, status.st_size, status.st_mtime_ns)
    _ZIPS.drop(lambda k: k[0] == path and k != key)  # an earlier file at this path
    return _ZIPS.get(key, lambda: zipfile.ZipFile(path))


def write_package(source: Path, kind: str, target: Path, replacements: dict[int, Path | bytes]) -> None:
    """Write ``target``: ``source``'s members in order, each member at a place in
    ``replacements`` replaced by those bytes (or the bytes of that file); atomically, written
    member by member into a temporary file beside ``target`` and renamed into place."""
    from jats_enrich.files import atomic_file

    try:
        with atomic_file(target, mode=source.stat().st_mode & 0o777) as out:
            if kind == "zip":
                _write_zip(source, out, replacements)
            else:
                _write_tar(source, out, replacements)
    except (
        zipfile.BadZipFile,
        tarfile.TarError,
        OSError,
        EOFError,
        RuntimeError,
        NotImplementedError,
        zlib.error,
    ) as exc:
        # a member that does not decompress while it is copied (a corrupt zip): this package fails alone
        raise OutputError(f"{target}: cannot write the package: {' '.join(str(exc).split())}") from None


def _replacement(value: Path | bytes) -> bytes:
    return value if isinstance(value, bytes) else value.read_bytes()


def _write_zip(source: Path, out: IO[bytes], replacements: dict[int, Path | bytes]) -> None:
    with (
        zipfile.ZipFile(source) as package,
        zipfile.ZipFile(out, "w") as written,
        warnings.catch_warnings(),
    ):
        warnings.simplefilter("ignore", UserWarning)  # "Duplicate name": the package's own, kept as it was
        written.comment = package.comment
        for index, info in enumerate(package.infolist()):
            # Same name, date, permissions, comment and compression; only an article's bytes change.
            if index in replacements:
                written.writestr(info, _replacement(replacements[index]))
            elif info.is_dir():
                written.writestr(info, b"")
            else:
                with package.open(info) as reader, written.open(copy.copy(info), "w", force_zip64=True) as writer:
                    shutil.copyfileobj(reader, writer)


def _tar_mode(source: Path) -> str:
    name = source.name.lower()
    if name.endswith((".tar.gz", ".tgz")):
        return "w:gz"
    if name.endswith(".tar.bz2"):
        return "w:bz2"
    if name.endswith(".tar.xz"):
        return "w:xz"
    return "w"


def _write_tar(source: Path, out: IO[bytes], replacements: dict[int, Path | bytes]) -> None:
    mode: Any = _tar_mode(source)
    with _open_tar(source) as package, tarfile.open(fileobj=out, mode=mode) as written:
        for index, info in enumerate(package):
            if not info.isfile():
                written.addfile(info)
                continue
            member = copy.copy(info)
            if index in replacements:
                data = _replacement(replacements[index])
                member.size = len(data)
                written.addfile(member, _BytesReader(data))
            else:
                written.addfile(member, package.extractfile(info))


class _BytesReader:
    """A file-like reader of bytes (tarfile reads members with read())."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.at = 0

    def read(self, size: int = -1) -> bytes:
        end = len(self.data) if size < 0 else self.at + size
        chunk = self.data[self.at : end]
        self.at += len(chunk)
        return chunk
