"""The worker processes of a batch and of the service: one kind of pool, started one way, whose
workers end when the process that started them ends.

Workers are forked from multiprocessing's fork server (or, for a batch that can, from the run
itself), and they hold pipes that keep the fork server alive: when the main process dies (kill -9,
or a service stopped with SIGTERM), nothing else would ever end them. So each worker is killed
with the process that forked it (Linux), watches the main process and exits within a second of
its end, and leaves Ctrl-C to the main process.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

POLL_SECONDS = 1.0


def exit_with(main_pid: int) -> None:
    """Start a watcher thread: this process exits once ``main_pid`` has ended."""

    def watch() -> None:
        while True:
            time.sleep(POLL_SECONDS)
            if not _alive(main_pid):
                os._exit(0)  # nothing of the worker's is worth finishing: its results have nobody to go to

    threading.Thread(target=watch, name="exit-with-main", daemon=True).start()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, and someone else's: the pid was reused
        return False
    return True


def worker_context(fork: bool = False, preload: Sequence[str] = ()) -> Any:
    """How workers are started: forked from this process (``fork``: they share what it has built,
    copy-on-write), else from a fork server that has imported ``preload`` and built nothing (no
    threads, sockets or runtimes of this process's are inherited)."""
    if fork:
        return multiprocessing.get_context("fork")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(list(preload))
    return context


def worker_pool(
    workers: int, context: Any, initializer: Callable[..., None], initargs: tuple[Any, ...]
) -> ProcessPoolExecutor:
    """A pool of ``workers`` processes started in ``context``; each runs ``initializer(*initargs)``,
    which begins with ``become_worker``."""
    return ProcessPoolExecutor(workers, mp_context=context, initializer=initializer, initargs=initargs)


def become_worker(main_pid: int) -> None:
    """What every worker does first: end with the process that forked it and with the main
    process, and leave Ctrl-C to the main process."""
    _die_with_parent()
    exit_with(main_pid)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _die_with_parent() -> None:
    """Linux: the worker is killed when the process that forked it (the fork server) dies; the
    watcher of exit_with covers the main process's death."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
