"""Running a batch on a Dask cluster: articles in tasks of a few seconds, a bounded number at a time.

The scheduler spends a few milliseconds on every task it hands out, about as long as an article
takes: one task per article would cap a cluster of any size at one scheduler's task rate. So
consecutive articles are grouped into tasks of about ``task_seconds`` of estimated work, smaller
as the batch nears its end (so that the workers finish together), and only a window of them (a
few per worker thread) is submitted at a time: the scheduler never holds a back catalogue's millions
of tasks, and a new task goes out as soon as one comes back.

Results are yielded in the order of the articles, as soon as every earlier one is back; what
waits behind a slow task is bounded too (BUFFERED_WINDOWS). A worker that dies loses nothing: the
scheduler gives its task to another worker (work is idempotent: an output is renamed into place
whole, or written as one object, or not at all).
"""

from __future__ import annotations

import gc
import importlib
import os
import time
import uuid
from collections.abc import Generator, Iterator
from typing import Any

from jats_enrich.batch.executors import Spread, Task, TaskResult, work
from jats_enrich.config import EnrichOptions
from jats_enrich.errors import UsageError
from jats_enrich.pipeline import Enricher
from jats_enrich.recent import Recent

#: What an article costs, estimated from its size (the corpus: about 2.5 ms an article of 150 kB
#: on one core, most of it proportional to the bytes read, parsed and written).
SECONDS_PER_ARTICLE = 0.0005
BYTES_PER_SECOND = 60e6
#: A group is at most the work still to group divided by this many per worker thread (guided
#: self-scheduling): groups shrink as the batch nears its end, so that the workers finish
#: together instead of waiting on one last long task; but never below SMALLEST_TASK_SECONDS of
#: work (each task costs the scheduler a few milliseconds).
GUIDED_SHARES = 2
SMALLEST_TASK_SECONDS = 0.02
#: Tasks submitted and not yet yielded, per worker thread.
WINDOW_PER_THREAD = 3
#: Groups back and not yet yielded, in windows: what waits behind a slow group is bounded too.
BUFFERED_WINDOWS = 4
#: The cluster's threads are counted again at most this often (each count asks the scheduler).
RECOUNT_SECONDS = 1.0


def _let_go(enricher: Enricher) -> None:
    """An Enricher no longer kept: what was frozen with it goes back to the collector (its
    cycles would otherwise stay for the worker's life), and what is left is frozen again."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()


_DASK_WORKERS: Recent[str, Enricher] = Recent(8, close=_let_go)


def estimated_seconds(task: Task) -> float:
    """The work one article is expected to take, from its size (unknown: an average article's)."""
    if task.data is not None:
        size = len(task.data)
    elif task.member is not None:
        size = task.member.size
    elif task.path is not None:
        try:
            size = os.stat(task.path).st_size
        except (OSError, ValueError):
            size = 150_000
    else:
        size = 0
    return SECONDS_PER_ARTICLE + size / BYTES_PER_SECOND


def grouped(tasks: list[Task], task_seconds: float, threads: int) -> list[list[Task]]:
    """Consecutive tasks in groups of about ``task_seconds`` of work each, in order; smaller
    towards the end of the batch (and on a small batch), down to SMALLEST_TASK_SECONDS."""
    estimates = [estimated_seconds(t) for t in tasks]  # each file's size asked once
    remaining = sum(estimates)
    shares = max(1, threads) * GUIDED_SHARES

    def target() -> float:
        return min(task_seconds, max(SMALLEST_TASK_SECONDS, remaining / shares))

    groups: list[list[Task]] = []
    current: list[Task] = []
    seconds = 0.0
    wanted = target()
    for task, estimate in zip(tasks, estimates, strict=True):
        current.append(task)
        seconds += estimate
        if seconds >= wanted:
            groups.append(current)
            remaining -= seconds
            current, seconds = [], 0.0
            wanted = target()
    if current:
        groups.append(current)
    return groups


def work_on_dask(tasks: list[Task], options_json: str) -> list[TaskResult]:
    """Runs on a Dask worker: one Enricher per worker process and options, kept between tasks."""
    enricher = _DASK_WORKERS.get(options_json, lambda: _long_lived(options_json))
    return [work(task, enricher) for task in tasks]


def _long_lived(options_json: str) -> Enricher:
    """An Enricher for a worker's many tasks. What the worker holds now (Dask's own state, the
    dictionaries, the indexes) lives as long as the worker: set aside from the cyclic collector,
    which would otherwise walk it again and again while articles come and go."""
    enricher = Enricher(EnrichOptions.model_validate_json(options_json))
    gc.collect()
    gc.freeze()
    return enricher


def run_on_dask(
    tasks: list[Task], options: EnrichOptions, spread: Spread, enricher: Enricher | None = None
) -> Generator[TaskResult, None, None]:
    """On a Dask cluster (a local one without a scheduler's address); each Dask worker builds its
    own Enricher, so the caller's is not used."""
    try:
        dask: Any = importlib.import_module("dask")
        distributed: Any = importlib.import_module("dask.distributed")
    except ImportError:
        raise UsageError("`executor` dask needs Dask: pip install 'jats-enrich[dask]'") from None
    cluster: Any = None
    if spread.scheduler is None:
        # Our own cluster: without the workers' sampling profiler (a tenth of their time, for a
        # dashboard nobody sees). A cluster of your own: see the README, "Running a back catalogue".
        with dask.config.set({"distributed.worker.profile.enabled": False}):
            cluster = distributed.LocalCluster(
                n_workers=spread.workers, threads_per_worker=1, processes=True, dashboard_address=None
            )
    client: Any = distributed.Client(spread.scheduler or cluster)
    try:
        groups = grouped(tasks, spread.task_seconds, max(spread.workers, _threads(client)))
        yield from _in_order(distributed, client, groups, options.model_dump_json(), spread.workers)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _threads(client: Any) -> int:
    """The worker threads the cluster has now (workers come and go: an adaptive cluster, a job queue)."""
    return int(sum(client.nthreads().values()))


def _in_order(
    distributed: Any, client: Any, groups: list[list[Task]], options_json: str, workers: int
) -> Iterator[TaskResult]:
    """Each group's results, in order, with at most a window of groups in the scheduler at a time
    (submitted, not yet back: WINDOW_PER_THREAD per worker thread the cluster has, counted again
    as groups come back, at most every RECOUNT_SECONDS, at least ``workers``' worth) and at most
    BUFFERED_WINDOWS windows of groups back and not yet yielded (behind a slow one). A group goes
    out as soon as one comes back: never only once the caller has taken the results before it, so
    a caller slow to take them leaves no worker idle."""
    run = uuid.uuid4().hex[:12]
    index: dict[str, int] = {}  # a future's key -> its group
    outstanding: dict[str, Any] = {}  # a future's key -> the future, until its result is in
    finished: dict[int, list[TaskResult]] = {}
    submitted = 0
    yielded = 0
    pending = distributed.as_completed()
    window = WINDOW_PER_THREAD * max(1, workers, _threads(client))
    counted = time.monotonic()

    def room() -> bool:
        return len(outstanding) < window and submitted - yielded < BUFFERED_WINDOWS * window

    def submit() -> None:
        nonlocal submitted
        while submitted < len(groups) and room():
            key = f"jats-enrich-{run}-{submitted}"
            future = client.submit(work_on_dask, groups[submitted], options_json, key=key, pure=False)
            index[future.key] = submitted
            outstanding[future.key] = future
            pending.add(future)
            submitted += 1

    submit()
    try:
        while yielded < len(groups):
            if yielded not in finished:
                future = next(pending)
                finished[index.pop(future.key)] = future.result()
                del outstanding[future.key]
                future.release()  # the scheduler forgets it now, not when the run ends
                if time.monotonic() - counted >= RECOUNT_SECONDS:
                    window = WINDOW_PER_THREAD * max(1, workers, _threads(client))
                    counted = time.monotonic()
                submit()
                continue
            results = finished.pop(yielded)
            yielded += 1
            submit()
            yield from results
    finally:  # stopped early (an error, Ctrl-C, the caller closing): nothing more is left to run
        for future in outstanding.values():
            future.cancel()
