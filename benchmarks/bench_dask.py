"""Dask against the local pool: a real scheduler and worker processes on loopback, whole runs.

    .venv/bin/python benchmarks/bench_dask.py [--copies 5] [--rounds 3] [--large 111]

The real corpus (../shared/corpus/real) copied ``--copies`` times (hard links), enriched as whole
`jats-enrich enrich` processes, one configuration after another in alternating rounds:

- baseline: the local pool, --workers 2;
- the local pool, --workers 1;
- Dask with a `dask scheduler` and one `dask worker` (one thread), then with two;
- Dask with two workers and one article per task (--task-seconds 1e-9), which shows the
  scheduler's cost per task;
- the local pool and Dask with two workers on the corpus copied twice as many times: what the
  articles beyond the first batch cost is the throughput without what a run pays once.

Each Dask worker keeps its Enricher between runs of the same options (as a long-lived cluster
does); one run before the rounds warms them. Printed: median seconds, articles per second and
the ratio of throughput to the baseline (above 1.0: faster); the scheduler's cost per task is
(one-by-one run - grouped run) / (its extra tasks). ``--large N``: also the corpus copied N times
(111: 20,000 articles), baseline and two Dask workers, one round.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "real"
#: Workers as the README recommends: without Dask's sampling profiler (a tenth of their time).
WORKER_ENVIRONMENT = {**os.environ, "DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED": "False"}


def tree(folder: Path, copies: int) -> int:
    articles = sorted(CORPUS.glob("*.xml"))
    for i in range(copies):
        target = folder / f"copy{i:03d}"
        target.mkdir(parents=True)
        for path in articles:
            os.link(path, target / path.name)
    return copies * len(articles)


@contextmanager
def cluster(folder: Path, workers: int) -> Iterator[str]:
    """A scheduler and ``workers`` single-thread workers; stopped whatever happens."""
    folder.mkdir(parents=True, exist_ok=True)
    scheduler_file = folder / "scheduler.json"
    log = (folder / "cluster.log").open("ab")
    python = [sys.executable, "-m"]
    scheduler = [*python, "distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", "0"]
    scheduler += ["--no-dashboard", "--scheduler-file", str(scheduler_file)]
    processes = [subprocess.Popen(scheduler, stdout=log, stderr=log)]
    try:
        while not scheduler_file.exists() or not scheduler_file.read_text().strip():
            time.sleep(0.1)
        address = json.loads(scheduler_file.read_text())["address"]
        worker = [*python, "distributed.cli.dask_worker", address, "--nthreads", "1", "--no-dashboard"]
        worker += ["--local-directory", str(folder)]
        for _ in range(workers):
            processes.append(subprocess.Popen(worker, stdout=log, stderr=log, env=WORKER_ENVIRONMENT))
        from dask.distributed import Client

        with Client(address, timeout=60) as client:
            client.wait_for_workers(workers, timeout=60)
        yield address
    finally:
        for process in reversed(processes):
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        log.close()


def run(inputs: Path, out: Path, *flags: str) -> float:
    """One whole run; a first flag that is not an option names other inputs."""
    if flags and not flags[0].startswith("-"):
        inputs, flags = Path(flags[0]), flags[1:]
    command = [sys.executable, "-m", "jats_enrich", "enrich", str(inputs), "--out", str(out), "--quiet", *flags]
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - started


def measure(work: Path, copies: int, rounds: int) -> None:
    """Two workers, then one: each cluster is up only while its own rounds run (an idle cluster's
    heartbeats would take from the other's cores)."""
    inputs = work / f"in-{copies}"
    articles = tree(inputs, copies)
    twice = work / f"in-{2 * copies}"
    tree(twice, 2 * copies)
    times: dict[str, list[float]] = {}
    with cluster(work / "cluster-2", 2) as two:
        dask_two = ["--executor", "dask", "--scheduler", two, "--workers", "2"]
        rounds_of(
            inputs,
            work,
            rounds,
            times,
            {
                "local pool, 2 workers (baseline)": ["--workers", "2"],
                "dask, 2 workers": dask_two,
                "dask, 2 workers, 1 article a task": [*dask_two, "--task-seconds", "1e-9"],
                "local pool, 2 workers (baseline), twice": [str(twice), "--workers", "2"],
                "dask, 2 workers, twice": [str(twice), *dask_two],
            },
        )
    with cluster(work / "cluster-1", 1) as one:
        configurations = {
            "local pool, 1 worker": ["--workers", "1"],
            "dask, 1 worker": ["--executor", "dask", "--scheduler", one, "--workers", "1"],
        }
        rounds_of(inputs, work, rounds, times, configurations)
    report(f"the corpus copied {copies} times: {articles} articles, {rounds} rounds, medians", times, articles)
    grouped = statistics.median(times["dask, 2 workers"])
    single = statistics.median(times["dask, 2 workers, 1 article a task"])
    print(f"  time one more task costs (two workers, wall): {(single - grouped) / articles * 1000:.2f} ms")
    marginal(times, articles)


def marginal(times: dict[str, list[float]], articles: int) -> None:
    """What the articles of the twice-as-large batch cost beyond the first batch's: throughput
    without the costs a run pays once (starting Python, importing Dask, connecting)."""
    print(f"  the {articles} articles more of a batch twice as large (without what a run pays once):")
    pairs = {"local pool, 2 workers": "local pool, 2 workers (baseline)", "dask, 2 workers": "dask, 2 workers"}
    rates = {}
    for name, key in pairs.items():
        extra = statistics.median(times[f"{key}, twice"]) - statistics.median(times[key])
        rates[name] = articles / extra
    baseline = rates["local pool, 2 workers"]
    for name, rate in rates.items():
        print(f"    {name:36} {rate:7.0f} articles/s  ({rate / baseline:4.2f}×)")


def rounds_of(
    inputs: Path, work: Path, rounds: int, times: dict[str, list[float]], configurations: dict[str, list[str]]
) -> None:
    """Each configuration once per round, in turn; Dask's workers warmed first (their enrichers
    built, as a long-lived cluster keeps them)."""
    for flags in configurations.values():
        if "dask" in flags:
            run(inputs, work / "warm", *flags)
    for round_number in range(rounds):
        for name, flags in configurations.items():
            times.setdefault(name, []).append(run(inputs, work / f"out-{round_number}-{len(times)}", *flags))


def report(title: str, times: dict[str, list[float]], articles: int) -> None:
    print(f"\n{title}")
    baseline = statistics.median(next(iter(times.values())))
    for name, values in times.items():
        if name.endswith(", twice"):  # shown by marginal()
            continue
        median = statistics.median(values)
        print(f"  {name:38} {median:7.2f} s  {articles / median:7.0f} articles/s  ({baseline / median:4.2f}×)")


def measure_large(work: Path, copies: int) -> None:
    inputs = work / f"in-{copies}"
    articles = tree(inputs, copies)
    with cluster(work / "cluster-large", 2) as two:
        dask = ["--executor", "dask", "--scheduler", two, "--workers", "2"]
        run(inputs, work / "warm-large", *dask)
        times = {
            "local pool, 2 workers (baseline)": [run(inputs, work / "large-local", "--workers", "2")],
            "dask, 2 workers": [run(inputs, work / "large-dask", *dask)],
        }
    report(f"the corpus copied {copies} times: {articles} articles, one round", times, articles)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--large", type=int, default=0, help="also the corpus copied this many times (111: 20,000)")
    args = parser.parse_args(argv)
    if not CORPUS.is_dir():
        sys.exit(f"{CORPUS}: the corpus is needed (../shared beside the project)")
    with tempfile.TemporaryDirectory() as folder:
        measure(Path(folder), args.copies, args.rounds)
        if args.large:
            measure_large(Path(folder), args.large)


if __name__ == "__main__":
    main()
