"""A time and memory budget for one article, in whichever runner does the work.

An article that would take minutes (tens of thousands of distinct roles) or gigabytes must fail
alone, with a one-line error, and let the batch go on. The time budget interrupts the work where
Python runs it: by SIGALRM in a process's main thread (the command line, a worker process), by an
exception raised into the thread otherwise (a Dask worker's thread, a caller's thread); a single
call into libxml2 is not interrupted, but parsing is bounded by the size limit. The memory budget
caps the data a worker process may hold (RLIMIT_DATA): past it, the article's work raises
MemoryError, that article fails, and the process goes on.
"""

from __future__ import annotations

import ctypes
import resource
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from types import FrameType

#: Seconds between two attempts to stop work past its budget.
RETRY = 0.05


class OverBudget(BaseException):
    """Raised into the work of an article past its time budget. A BaseException, so that no
    handler of ordinary errors on the way takes it for a fault of the article's."""


@contextmanager
def time_budget(seconds: float | None) -> Iterator[None]:
    """Raise OverBudget into the block if it runs longer than ``seconds`` (None: no budget)."""
    if not seconds or seconds <= 0:
        yield
        return
    if threading.current_thread() is threading.main_thread():
        outer = signal.getitimer(signal.ITIMER_REAL)[0]
        if outer and outer <= seconds:
            yield  # a caller's own alarm (the service's job timeout) comes first: it is the budget
            return
        previous = signal.signal(signal.SIGALRM, _alarm)
        started = time.monotonic()
        # Raised again every RETRY seconds: one raised where Python ignores exceptions (a weakref
        # callback, a __del__) is lost, and the next one stops the work.
        signal.setitimer(signal.ITIMER_REAL, seconds, RETRY)
        try:
            yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
            if outer:  # the caller's alarm goes on, less the time spent here
                signal.setitimer(signal.ITIMER_REAL, max(outer - (time.monotonic() - started), 0.001))
        return
    target = threading.get_ident()
    done = threading.Event()

    def watch() -> None:
        if done.wait(seconds):
            return
        while True:  # again until the work has stopped (one may land where it is ignored)
            ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(target), ctypes.py_object(OverBudget))
            if done.wait(RETRY):
                return

    watcher = threading.Thread(target=watch, name="article-time-budget", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        done.set()
        watcher.join()
        # one sent as the work ended may still wait for its next bytecode: not outside the block
        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(target), None)


def _alarm(signum: int, frame: FrameType | None) -> None:
    raise OverBudget


def limit_memory(limit: int | None) -> None:
    """Let this process's data (heap and private mappings) grow by no more than ``limit`` bytes
    beyond what it holds now (its dictionaries, loaded or inherited): the budget of the articles
    it enriches. None: no cap."""
    if not limit:
        return
    _soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
    cap = _data_now() + limit
    resource.setrlimit(resource.RLIMIT_DATA, (cap if hard == resource.RLIM_INFINITY else min(cap, hard), hard))


def _data_now() -> int:
    """The process's data size now, in bytes (Linux: VmData of /proc/self/status)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmData:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def give_back_memory() -> None:
    """After an article that ran out of its budget: collect its garbage and return the freed heap
    to the system (glibc keeps it otherwise), so that the next article has its budget again."""
    import gc

    gc.collect()
    with suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)
