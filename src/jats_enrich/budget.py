"""A time and memory budget for one article, in whichever runner does the work.

An article that would take minutes (tens of thousands of distinct roles) or gigabytes must fail
alone, with a one-line error, and let the batch go on. The time budget interrupts the work where
Python runs it by SIGALRM in a process's main thread (the command line, a worker process), and
between two targets of the article in any thread (a Dask worker's thread, a caller's thread); a
single call into libxml2 or Saxon is not interrupted, but parsing is bounded by the size limit. The memory budget
caps the data a worker process may hold (RLIMIT_DATA): past it, the article's work raises
MemoryError, that article fails, and the process goes on.
"""

from __future__ import annotations

import ctypes
import resource
import signal
import threading
import time
from contextlib import suppress
from types import FrameType

#: Seconds between two attempts to stop work past its budget.
RETRY = 0.05

_deadlines = threading.local()


class OverBudget(BaseException):
    """Raised into the work of an article past its time budget. A BaseException, so that no
    handler of ordinary errors on the way takes it for a fault of the article's."""


def check_time() -> None:
    """Raise OverBudget if the calling thread's budget has run out. Called between two targets of
    an article: work in a thread other than the main one is stopped here."""
    deadline = getattr(_deadlines, "deadline", None)
    if deadline is not None and time.monotonic() > deadline:
        raise OverBudget


class time_budget:  # a lower-case name: used as a function, ``with time_budget(seconds):``
    """Stop the block with OverBudget if it runs longer than ``seconds`` (None or 0: no budget).

    In the main thread, SIGALRM interrupts the block wherever Python runs it, again every RETRY
    seconds (one raised where Python ignores exceptions, a weakref callback, is lost). Once the
    block has ended, an alarm still on its way is ignored: no OverBudget lands after the block.
    In any thread, ``check_time`` stops the work between two targets. (An exception sent into a
    thread from another one cannot be taken back without leaving CPython's evaluation loop
    interrupted for good, so threads are stopped only where they ask.)
    """

    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds if seconds and seconds > 0 else None
        self._ended = False
        self._signal = False

    def __enter__(self) -> time_budget:
        if self.seconds is None:
            return self
        self._outer_deadline = getattr(_deadlines, "deadline", None)
        deadline = time.monotonic() + self.seconds
        _deadlines.deadline = deadline if self._outer_deadline is None else min(deadline, self._outer_deadline)
        if threading.current_thread() is threading.main_thread():
            outer = signal.getitimer(signal.ITIMER_REAL)[0]
            if outer and outer <= self.seconds:
                return self  # a caller's own alarm (the service's job timeout) comes first: it is the budget
            self._signal = True
            self._outer_alarm = outer
            self._started = time.monotonic()
            self._previous = signal.signal(signal.SIGALRM, self._alarm)
            signal.setitimer(signal.ITIMER_REAL, self.seconds, RETRY)
        return self

    def _alarm(self, signum: int, frame: FrameType | None) -> None:
        # Python runs a handler at the next check of its loop: one on its way as the block ends is
        # run in __exit__ (its first line, or before it) and must not raise there.
        if self._ended or (frame is not None and frame.f_code is _EXIT_CODE):
            return
        raise OverBudget

    def __exit__(self, *exc_info: object) -> None:
        self._ended = True
        if self.seconds is None:
            return
        _deadlines.deadline = self._outer_deadline
        if not self._signal:
            return
        signal.setitimer(signal.ITIMER_REAL, 0)
        _let_pending_signals_run()  # an alarm raised before the line above runs self._alarm now
        signal.signal(signal.SIGALRM, self._previous)
        if self._outer_alarm:  # the caller's alarm goes on, less the time spent here
            spent = time.monotonic() - self._started
            signal.setitimer(signal.ITIMER_REAL, max(self._outer_alarm - spent, 0.001))


_EXIT_CODE = time_budget.__exit__.__code__


def _let_pending_signals_run() -> None:
    """A Python-level call: the interpreter runs the handlers of signals already received first."""


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
