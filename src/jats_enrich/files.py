"""Files written whole or not at all: a temporary file beside the target, renamed into place.

The temporary file's name says whose it is (``.jats-enrich-NAME.PID.TOKEN.tmp``), so that a later
run can tell a killed run's leftovers (its process is gone) from a live run's files.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from .errors import OutputError

TEMP_PREFIX = ".jats-enrich-"
TEMP_SUFFIX = ".tmp"


def temporary_path(path: Path) -> Path:
    """Where ``path`` is written before it is renamed into place."""
    return path.with_name(f"{TEMP_PREFIX}{path.name}.{os.getpid()}.{secrets.token_hex(4)}{TEMP_SUFFIX}")


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
