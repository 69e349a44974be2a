"""Dask for real: a `dask scheduler` and two `dask worker` processes on loopback, started here.

The same outputs and report as the local pool, a bounded number of tasks in the scheduler at any
time, and a worker killed mid-run losing nothing.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from support import CORPUS, FIXTURES, comparable_report, shared_missing, stop_process

distributed = pytest.importorskip("dask.distributed", reason="the test extra installs Dask; a bare install may not")

from jats_enrich.api import run_batch  # noqa: E402
from jats_enrich.batch import dask_executor  # noqa: E402
from jats_enrich.batch.executors import Spread, Task  # noqa: E402


def _articles() -> list[Path]:
    return sorted(CORPUS.glob("*.xml")) if not shared_missing else sorted(FIXTURES.glob("*.xml"))


def _tree(folder: Path, copies: int) -> Path:
    for i in range(copies):
        target = folder / f"batch{i:02d}"
        target.mkdir(parents=True)
        for path in _articles():
            os.link(path, target / path.name)
    return folder


def _tree_bytes(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


class Cluster:
    """A scheduler and two single-thread workers (each under its nanny), stopped whatever happens."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.processes: list[subprocess.Popen[bytes]] = []
        self.address = ""

    def start(self) -> Cluster:
        scheduler_file = self.folder / "scheduler.json"
        common = ["--no-dashboard"]
        self._spawn("distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", "0", *common,
                    "--scheduler-file", str(scheduler_file))  # fmt: skip
        deadline = time.monotonic() + 60
        while not scheduler_file.exists() or not scheduler_file.read_text().strip():
            if time.monotonic() > deadline or self.processes[0].poll() is not None:
                raise RuntimeError("the scheduler did not start: " + self._logs())
            time.sleep(0.1)
        self.address = json.loads(scheduler_file.read_text())["address"]
        for _ in range(2):
            self._spawn("distributed.cli.dask_worker", self.address, "--nthreads", "1", "--host", "127.0.0.1",
                        *common, "--local-directory", str(self.folder))  # fmt: skip
        with distributed.Client(self.address, timeout=60) as client:
            client.wait_for_workers(2, timeout=60)
        return self

    def _spawn(self, module: str, *args: str) -> None:
        log = (self.folder / f"{module.rsplit('.', 1)[1]}-{len(self.processes)}.log").open("wb")
        self.processes.append(subprocess.Popen([sys.executable, "-m", module, *args], stdout=log, stderr=log))

    def _logs(self) -> str:
        return "\n".join(p.read_text(errors="replace")[-2000:] for p in sorted(self.folder.glob("*.log")))

    def worker_pids(self) -> list[int]:
        with distributed.Client(self.address, timeout=30) as client:
            return sorted(client.run(os.getpid).values())

    def stop(self) -> None:
        for process in reversed(self.processes):
            stop_process(process)


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    folder = tmp_path / "cluster"
    folder.mkdir()
    running = Cluster(folder)
    try:
        yield running.start()
    finally:
        running.stop()


def _run(inputs: Path, out: Path, **batch: object) -> tuple[dict[str, bytes], str]:
    report = out.parent / f"{out.name}.json"
    run_batch([inputs], out, reports=[report], **batch)  # type: ignore[arg-type]
    return _tree_bytes(out), comparable_report(report, out)


def test_a_real_scheduler_and_two_workers_give_the_local_pool_s_bytes(cluster, tmp_path):
    """Outputs and report byte for byte as the local pool gives them, in tasks of several
    articles (the default) and of one."""
    inputs = _tree(tmp_path / "in", 2)
    local = _run(inputs, tmp_path / "local", workers=2)
    for name, seconds in (("grouped", 2.0), ("one-by-one", 1e-9)):
        on_dask = _run(inputs, tmp_path / name, workers=2, executor="dask", scheduler=cluster.address,
                       task_seconds=seconds)  # fmt: skip
        assert on_dask == local, name


def test_the_scheduler_holds_a_bounded_number_of_tasks(cluster, tmp_path):
    """However many articles, at most a window of tasks (WINDOW_PER_THREAD per worker thread) is
    in the scheduler at any time: watched from another client while the run goes on."""
    inputs = _tree(tmp_path / "in", 2)
    tasks_seen: list[tuple[int, int]] = []
    running = threading.Event()

    def held(dask_scheduler: object) -> tuple[int, int]:
        """(tasks to run or running, all tasks, those done and not yet forgotten too)"""
        states = [task.state for task in dask_scheduler.tasks.values()]  # type: ignore[attr-defined]
        return sum(s in ("released", "waiting", "queued", "no-worker", "processing") for s in states), len(states)

    def watch() -> None:
        with distributed.Client(cluster.address, timeout=30) as client:
            while running.is_set():
                tasks_seen.append(client.run_on_scheduler(held))
                time.sleep(0.02)

    running.set()
    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        report = run_batch([inputs], tmp_path / "out", workers=2, executor="dask", scheduler=cluster.address,
                           task_seconds=1e-9)  # fmt: skip
    finally:
        running.clear()
        watcher.join(timeout=60)
    articles = 2 * len(_articles())
    assert report.articles_total == articles and report.articles_failed == 0
    window = dask_executor.WINDOW_PER_THREAD * 2
    to_run, held_at_all = max(t[0] for t in tasks_seen), max(t[1] for t in tasks_seen)
    assert to_run <= window < articles, (to_run, window)
    # a task whose result is in is forgotten a moment after: a few more at most, never the batch
    assert held_at_all <= 2 * window, held_at_all
    assert to_run >= 2  # the two workers were kept busy


def test_a_worker_killed_mid_run_loses_nothing(cluster, tmp_path):
    """A worker process killed (SIGKILL) while the run goes on: its task is given to the other
    worker (or to the one its nanny starts again), and the run ends with the local pool's bytes."""
    inputs = _tree(tmp_path / "in", 2)
    expected = _run(inputs, tmp_path / "local", workers=2)
    victim = cluster.worker_pids()[0]
    seen = 0

    def kill_after_a_few(article: object) -> None:
        nonlocal seen
        seen += 1
        if seen == 5:
            os.kill(victim, signal.SIGKILL)

    out, report = tmp_path / "dask", tmp_path / "dask.json"
    run_batch([inputs], out, reports=[report], workers=2, executor="dask", scheduler=cluster.address,
              task_seconds=1e-9, on_article=kill_after_a_few)  # fmt: skip
    assert seen == 2 * len(_articles())
    assert victim not in cluster.worker_pids()  # it was killed (its nanny started another)
    assert (_tree_bytes(out), comparable_report(report, out)) == expected


def test_articles_are_grouped_into_tasks_of_the_work_asked_for():
    """Consecutive articles, in order, in groups of about task_seconds each while much work is
    left; then smaller and smaller (each at most the work left per thread, shared in
    GUIDED_SHARES), down to SMALLEST_TASK_SECONDS, so that the last tasks are short; one article
    never split."""
    tasks = [Task(key=str(i), source=str(i), data=b"x" * 600_000) for i in range(1000)]  # 0.0105 s each
    each = dask_executor.estimated_seconds(tasks[0])
    groups = dask_executor.grouped(tasks, 0.1, threads=1)
    assert [t for g in groups for t in g] == tasks
    assert all(len(g) == 10 for g in groups[:-12]) and 0.1 <= 10 * each < 0.11
    sizes = [len(g) for g in groups]
    assert sizes == sorted(sizes, reverse=True) and sizes[-2] * each < 2 * dask_executor.SMALLEST_TASK_SECONDS
    many = dask_executor.grouped(tasks, 100.0, threads=5)  # the work shared out, not 100 s a task
    left = len(tasks) * each
    for group in many:
        share = max(left / (5 * dask_executor.GUIDED_SHARES), dask_executor.SMALLEST_TASK_SECONDS)
        assert len(group) * each <= share + each + 1e-9
        left -= len(group) * each
    assert 10 < len(many) < 100 and len(many[-1]) <= 2
    assert dask_executor.grouped(tasks[:3], 1e-9, threads=8) == [[t] for t in tasks[:3]]  # asked for: one each
    assert dask_executor.grouped([], 2.0, threads=2) == []
    assert Spread(2).task_seconds == 2.0


def test_the_command_line_refuses_a_task_of_no_work():
    for value in ("0", "-1", "nan"):
        done = subprocess.run(
            [sys.executable, "-m", "jats_enrich", "enrich", str(FIXTURES), "--out", "x", "--task-seconds", value],
            capture_output=True,
            text=True,
        )
        assert done.returncode == 64 and "--task-seconds" in done.stderr and done.stderr.count("\n") == 1


class _FakeFuture:
    def __init__(self, key: str, group: list[int]) -> None:
        self.key, self.group, self.released = key, group, False

    def result(self) -> list[int]:
        return self.group

    def release(self) -> None:
        self.released = True

    def cancel(self) -> None:
        pass


class _FakeCluster:
    """Futures come back last submitted first (a slow first group); the cluster grows from one
    thread to four while the run goes on; every question to the scheduler is counted."""

    def __init__(self) -> None:
        self.threads = 1
        self.asked = 0
        self.waiting: list[_FakeFuture] = []
        self.most_out = 0

    # -- the client
    def nthreads(self) -> dict[str, int]:
        self.asked += 1
        return {f"worker-{i}": 1 for i in range(self.threads)}

    def submit(self, function, group, options_json, key, pure):
        future = _FakeFuture(key, group)
        self.waiting.append(future)
        self.most_out = max(self.most_out, len(self.waiting))
        return future

    # -- the module
    def as_completed(self) -> _FakeCluster:
        return self

    def add(self, future: _FakeFuture) -> None:
        pass

    def __next__(self) -> _FakeFuture:
        self.threads = min(4, self.threads + 1)
        return self.waiting.pop()


def test_results_come_in_order_and_the_window_follows_the_cluster_without_asking_each_time(monkeypatch):
    """Groups yielded in their order whatever order they come back in; the window grows with the
    cluster's threads, counted again at most every RECOUNT_SECONDS (each count is a question to
    the scheduler, which a run of many groups must not ask each time one comes back)."""
    clock = [0.0]
    monkeypatch.setattr(dask_executor.time, "monotonic", lambda: clock[0])
    fake = _FakeCluster()
    groups: list[list[Task]] = [[i] for i in range(200)]  # type: ignore[list-item]
    results = dask_executor._in_order(fake, fake, groups, "{}", workers=1)
    seen = []
    for item in results:
        seen.append(item)
        clock[0] += 0.05  # 20 groups a second
    assert seen == list(range(200))
    assert fake.asked <= 1 + 200 * 0.05 / dask_executor.RECOUNT_SECONDS + 1, fake.asked
    assert fake.most_out == dask_executor.WINDOW_PER_THREAD * 4  # the grown cluster's window, no more
