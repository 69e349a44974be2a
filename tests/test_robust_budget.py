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
from jats_enrich.pipeline import Enricher, EnrichOptions

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
    slow = Enricher(EnrichOptions(vocabularies=("credit", "casrai"), time_limit=0.05))
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
            [*ENRICH, str(folder), "--out", str(out), "--time-limit", "0.2", "--workers", workers, "--quiet"],
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
    outcome: list[str] = []

    def busy() -> None:
        try:
            with time_budget(0.1):
                while True:
                    sum(range(1000))
        except OverBudget:
            outcome.append("stopped")

    thread = threading.Thread(target=busy)
    thread.start()
    thread.join(timeout=30)
    assert outcome == ["stopped"] and not thread.is_alive()


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
