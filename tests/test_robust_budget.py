"""A time and memory budget for each article, in every runner (issue 15, points 5 and 11): an
article past it fails alone with a one-line error, and the batch around it finishes."""

from __future__ import annotations

import random
import shutil
import string
import subprocess
import sys
import threading
import time

import pytest
from support import FIXTURES

from jats_enrich.budget import OverBudget, time_budget
from jats_enrich.config import EnrichOptions
from jats_enrich.pipeline import Enricher

ARTICLE = FIXTURES / "credit-variants-1.3.xml"
ENRICH = (sys.executable, "-m", "jats_enrich", "enrich")
LIMITS = ("--memory-limit", "200", "--quiet", "--time-limit", "0")


def many_roles(count: int, seed: int = 1) -> bytes:
    """An article of ``count`` distinct roles of letters: every one analysed afresh."""
    rng = random.Random(seed)
    roles = "".join(
        f"<contrib><role>{''.join(rng.choices(string.ascii_lowercase + ' ', k=14))}</role></contrib>"
        for _ in range(count)
    )
    meta = f"<article-meta><contrib-group>{roles}</contrib-group></article-meta>"
    return f'<article dtd-version="1.3"><front>{meta}</front></article>'.encode()


def test_an_article_past_its_time_limit_fails_alone():
    slow = Enricher(EnrichOptions(vocab=("credit", "casrai"), time_limit=0.05, max_targets=0))
    result = slow.enrich_bytes(many_roles(20_000), "many.xml")
    assert result.output is None and not result.internal_error
    assert result.report.error == "many.xml: over the time limit of 0.05 s for one article (time_limit)"
    normal = slow.enrich_bytes(ARTICLE.read_bytes(), "a.xml")  # the next one is unaffected (its alarm reset)
    assert normal.report.error is None and normal.output is not None


def test_the_batch_around_a_slow_article_finishes(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(ARTICLE, folder / "a.xml")
    (folder / "b.xml").write_bytes(many_roles(20_000))
    shutil.copy(ARTICLE, folder / "c.xml")
    for workers in ("1", "2"):
        out = tmp_path / f"out{workers}"
        done = subprocess.run(
            [
                *ENRICH,
                str(folder),
                "--out",
                str(out),
                "--time-limit",
                "0.2",
                "--max-targets",
                "0",
                "--workers",
                workers,
                "--quiet",
            ],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 2
        assert done.stderr.splitlines() == [
            f"jats-enrich: {folder / 'b.xml'}: over the time limit of 0.2 s for one article (time_limit)"
        ]
        assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == ["a.xml", "c.xml"]


def test_the_budget_reaches_work_in_a_thread_as_on_dask():
    slow = Enricher(EnrichOptions(vocab=("credit", "casrai"), time_limit=0.05, max_targets=0))
    results = []
    thread = threading.Thread(target=lambda: results.append(slow.enrich_bytes(many_roles(20_000), "many.xml")))
    thread.start()
    thread.join(timeout=120)
    assert not thread.is_alive()
    expected = "many.xml: over the time limit of 0.05 s for one article (time_limit)"
    assert results and results[0].report.error == expected, results
    normal = slow.enrich_bytes(ARTICLE.read_bytes(), "a.xml")
    assert normal.report.error is None


def test_a_budget_leaves_the_interpreter_as_it_found_it():
    """After a budget ran out, in a thread and in the main thread, nothing of it is left behind:
    no alarm armed, no handler changed, and a profiler (which the interpreter's loop would hang
    under, were an interruption left pending) still runs."""
    import signal

    handler = signal.getsignal(signal.SIGALRM)
    test_the_budget_reaches_work_in_a_thread_as_on_dask()
    test_an_article_past_its_time_limit_fails_alone()
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    assert signal.getsignal(signal.SIGALRM) is handler
    script = (
        "import cProfile, threading\n"
        "from jats_enrich.pipeline import Enricher, EnrichOptions\n"
        "roles = ''.join(f'<contrib><role>r{i} x</role></contrib>' for i in range(20000))\n"
        "data = f'<article dtd-version=\"1.3\"><front><article-meta><contrib-group>{roles}'\n"
        "data += '</contrib-group></article-meta></front></article>'\n"
        "slow = Enricher(EnrichOptions(time_limit=0.05, max_targets=0))\n"
        "t = threading.Thread(target=slow.enrich_bytes, args=(data.encode(),)); t.start(); t.join()\n"
        "slow.enrich_bytes(data.encode())\n"
        "cProfile.Profile().runcall(lambda: sum([1, 2]))\n"
        "print('ran')\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.stdout == "ran\n", done.stderr


def test_an_alarm_on_its_way_as_the_block_ends_is_not_raised_after_it():
    for _ in range(200):
        try:
            with time_budget(0.001):
                deadline = time.monotonic() + 0.001
                while time.monotonic() < deadline:
                    pass
        except OverBudget:
            pass
        time.sleep(0.002)  # an alarm raised after the block would land here and fail the test


def test_a_callers_own_alarm_is_kept():
    import signal

    fired: list[bool] = []
    previous = signal.signal(signal.SIGALRM, lambda *_: fired.append(True))
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.3)
        with time_budget(5):
            pass
        assert signal.getitimer(signal.ITIMER_REAL)[0] > 0  # still armed
        time.sleep(0.5)
        assert fired == [True]
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize("workers", ["1", "2"])
def test_an_article_past_the_memory_limit_fails_alone(tmp_path, workers):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(ARTICLE, folder / "a.xml")
    # 60 MB of keywords: its tree needs several hundred megabytes, far past a 200 MB budget
    keywords = "<kwd>x</kwd>" * 5_000_000
    meta = f"<article-meta><kwd-group>{keywords}</kwd-group></article-meta>"
    big = f'<article dtd-version="1.3"><front>{meta}</front></article>'
    (folder / "big.xml").write_text(big)
    shutil.copy(ARTICLE, folder / "c.xml")
    out = tmp_path / "out"
    done = subprocess.run(
        [*ENRICH, str(folder), "--out", str(out), "--vocab", "casrai", *LIMITS, "--workers", workers],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 2, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and "big.xml: over the memory limit of 200 MB" in lines[0], lines
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == ["a.xml", "c.xml"]
