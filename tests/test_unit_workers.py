"""The one kind of worker pool: a batch's workers and the service's alike end with the process
that forked them (Linux's parent-death signal) and leave Ctrl-C to the main process."""

from __future__ import annotations

import ctypes
import os
import signal
import sys

import pytest

from jats_enrich.batch.workers import become_worker, worker_context, worker_pool
from jats_enrich.config import EnrichOptions
from jats_enrich.service.work import start_worker

PR_GET_PDEATHSIG = 2

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the parent-death signal is Linux's")


def signals_of_this_worker() -> tuple[int, bool]:
    """The signal this process gets when its parent dies, and whether it ignores Ctrl-C."""
    found = ctypes.c_int(0)
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_GET_PDEATHSIG, ctypes.byref(found))
    return found.value, signal.getsignal(signal.SIGINT) is signal.SIG_IGN


def test_a_batch_worker_dies_with_its_parent_and_leaves_ctrl_c_to_the_run():
    with worker_pool(1, worker_context(fork=True), become_worker, (os.getpid(),)) as pool:
        assert pool.submit(signals_of_this_worker).result(timeout=60) == (signal.SIGKILL, True)


def test_a_service_worker_is_started_the_same_way():
    initargs = (EnrichOptions(), {}, os.getpid(), 30.0)
    with worker_pool(1, worker_context(fork=True), start_worker, initargs) as pool:
        assert pool.submit(signals_of_this_worker).result(timeout=60) == (signal.SIGKILL, True)


def test_this_process_itself_has_no_parent_death_signal():
    """The check above could pass for a process that always had it: the test runner has none."""
    assert signals_of_this_worker()[0] == 0
