"""Files written whole or not at all: a temporary file beside the target, renamed into place.

The temporary file's name says whose it is (``.jats-enrich-NAME.PID.HOSTTOKEN.tmp``: the process,
a tag of the machine, a random token), so that a run can tell a killed process's leftovers (its
process is gone) from a live run's files; a file another machine writes (a shared file system)
is never taken for a leftover, as this machine cannot see its process.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import shutil
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Protocol

from jats_enrich.errors import OutputError

#: Bytes read at a time by read_at_most.
CHUNK = 1 << 20

TEMP_PREFIX = ".jats-enrich-"
TEMP_SUFFIX = ".tmp"
#: This machine, in the names of its temporary files.
HOST_TAG = hashlib.sha256(socket.gethostname().encode("utf-8", "surrogateescape")).hexdigest()[:8]


class Readable(Protocol):
    def read(self, size: int, /) -> bytes: ...


def read_at_most(stream: Readable, limit: int) -> bytes:
    """What ``stream`` holds, read until its end or past ``limit`` bytes (then ``limit + 1`` of
    them: the caller refuses it). Read piece by piece: ``stream.read(limit + 1)`` would set aside
    the whole limit at once, for a small file too, which a worker's memory budget cannot afford."""
    pieces: list[bytes] = []
    size = 0
    while size <= limit:
        piece = stream.read(min(CHUNK, limit + 1 - size))
        if not piece:
            break
        pieces.append(piece)
        size += len(piece)
    return b"".join(pieces)


def temporary_path(path: Path) -> Path:
    """Where ``path`` is written before it is renamed into place."""
    return path.with_name(temporary_name(path.name))


def temporary_name(stem: str) -> str:
    """A temporary file's name: whose it is (this process, this machine) and a random token."""
    return f"{TEMP_PREFIX}{stem}.{os.getpid()}.{HOST_TAG}{secrets.token_hex(4)}{TEMP_SUFFIX}"


@contextmanager
def atomic_file(path: Path, mode: int | None = None) -> Iterator[IO[bytes]]:
    """A file to write ``path`` through, renamed into place when the block ends without an
    error; removed otherwise. For outputs too large to hold in memory (a package)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temp = temporary_path(path)
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666 if mode is None else mode)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write: {exc.strerror or exc}") from None
    try:
        with open(fd, "wb") as handle:
            yield handle
        if mode is not None:
            os.chmod(temp, mode)
        os.replace(temp, path)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise OutputError(f"{path}: cannot write: {exc.strerror or exc}") from None
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def atomic_write(
    path: Path, data: bytes, mode: int | None = None, durable: bool = True, exclusive: bool = False
) -> None:
    """Write ``data`` to a temporary file beside ``path``, then rename it into place.

    The rename happens only once the data is written in full, so a killed process never leaves a
    half-written file at ``path``. ``durable`` also syncs the data to disk before the rename, which
    protects against a power failure too; batches do it per article only with ``--fsync``, as it
    serialises parallel workers on the disk. ``exclusive``: never replace an existing file at
    ``path`` (the temporary file is linked into place, which fails if the name is taken)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write: {exc.strerror or exc}") from None
    temp = temporary_path(path)
    try:
        # Created with its final permissions (without a mode: as any new file, through the umask),
        # and never over an existing file.
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666 if mode is None else mode)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(temp, mode)  # the umask may have narrowed it at creation; a no-op otherwise
        if exclusive:
            try:
                os.link(temp, path)
            except FileExistsError:
                raise OutputError(
                    f"{path}: exists already (an earlier backup?); not overwritten, and the article not replaced"
                ) from None
            temp.unlink()
        else:
            os.replace(temp, path)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise OutputError(f"{path}: cannot write: {exc.strerror or exc}") from None
    except BaseException:  # the exclusive refusal above, Ctrl-C: no temporary file stays
        temp.unlink(missing_ok=True)
        raise


def is_stale(temp: Path) -> bool:
    """A temporary file of ours (by its name) whose writer is gone: a killed run's. A run still
    going on in another process (a second run into the same folder) keeps its own."""
    parts = temp.name.split(".")
    if len(parts) < 4 or not parts[-3].isdigit():
        return False
    if len(parts[-2]) == 16 and parts[-2][:8] != HOST_TAG:
        return False  # another machine's: its process cannot be seen from here
    pid = int(parts[-3])
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # alive, someone else's
    return False


def remove_stale_temporaries(folder: Path) -> int:
    """Temporary files a killed run left behind (ours only, by their name)."""
    removed = 0
    if folder.is_dir():
        for path in folder.rglob(f"{TEMP_PREFIX}*{TEMP_SUFFIX}"):
            if is_stale(path):
                if path.is_dir() and not path.is_symlink():
                    shutil.rmtree(path, ignore_errors=True)  # a package's staging folder
                else:
                    path.unlink(missing_ok=True)
                removed += 1
    return removed
