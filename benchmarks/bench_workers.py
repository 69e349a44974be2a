"""Parallel speed-up and memory: 5,000 real articles with --workers 1 and --workers 2.

    .venv/bin/python benchmarks/bench_workers.py [--articles 5000] [--rounds 3]

Builds a tree of N articles (the real corpus repeated, as hard links, so the disk holds it once),
then runs the command line on it, as a user would, alternating --workers 1 and --workers 2, each
into a fresh output folder with a report. Printed: median wall time and articles/s of each, the
ratio of articles/s (2 workers / 1), and the peak memory (maximum resident set) of any single
process of the run: the main one or a worker.

Outputs are written twice over: to the disk (beside this script, or --disk DIR) and, where the
machine has one, to a memory file system (/dev/shm). Writing 750 MB costs the kernel time (page
cache, block allocation, writeback) on the same cores the workers use; the second figure shows
the tool's own scaling without it. As a baseline for the first, each round also writes the same
outputs with no enrichment at all, by one process and by two (each file to a temporary name, then
renamed, in chunks of 16 handed out in turn, as the workers do): what the file system alone
allows two processes writing into the same folders.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "real"

# Runs the command line in a child and prints the largest resident set of that child and of
# every process it waited for (its workers): getrusage(RUSAGE_CHILDREN) keeps the maximum.
WRAPPER = """
import resource, subprocess, sys
code = subprocess.call([sys.executable, "-m", "jats_enrich", *sys.argv[1:]], stderr=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, code)
"""


def build_tree(corpus: Path, folder: Path, count: int) -> int:
    originals = sorted(corpus.glob("*.xml"))
    made = 0
    batch = 0
    while made < count:
        target = folder / f"batch{batch:03d}"
        target.mkdir(parents=True)
        for path in originals[: count - made]:
            os.link(path, target / path.name)
            made += 1
        batch += 1
    return made


def run(tree: Path, out: Path, workers: int) -> tuple[float, int]:
    """Wall seconds and peak resident set (KiB) of one run."""
    args = ["enrich", str(tree), "--out", str(out), "--report", str(out.with_suffix(".json")), "--quiet"]
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", WRAPPER, *args, "--workers", str(workers)], capture_output=True, text=True
    )
    elapsed = time.perf_counter() - start
    peak, code = done.stdout.split()
    if code != "0":
        raise SystemExit(f"run with {workers} workers exited with {code}")
    return elapsed, int(peak)


def write_alone(outputs: dict[Path, bytes], target: Path, processes: int) -> float:
    """Wall seconds to write ``outputs`` under ``target`` by ``processes`` processes."""
    paths = list(outputs)
    chunks = [paths[i : i + 16] for i in range(0, len(paths), 16)]

    def write(share: int) -> None:
        for chunk in chunks[share::processes]:
            for relative in chunk:
                path = target / relative
                path.parent.mkdir(parents=True, exist_ok=True)
                temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
                temp.write_bytes(outputs[relative])
                os.replace(temp, path)

    context = multiprocessing.get_context("fork")
    start = time.perf_counter()
    writers = [context.Process(target=write, args=(share,)) for share in range(processes)]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join()
    elapsed = time.perf_counter() - start
    if any(writer.exitcode != 0 for writer in writers):
        raise SystemExit(f"a writer of the baseline failed (exit codes {[w.exitcode for w in writers]})")
    shutil.rmtree(target)
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument(
        "--disk", type=Path, default=Path(__file__).resolve().parents[1], help="folder on disk for the outputs"
    )
    args = parser.parse_args(argv)
    places = {"disk": args.disk}
    if Path("/dev/shm").is_dir():
        places["memory (/dev/shm)"] = Path("/dev/shm")
    with tempfile.TemporaryDirectory(dir=places["disk"]) as folder:
        count = build_tree(args.corpus, Path(folder) / "in", args.articles)
        print(f"{count} articles, {args.rounds} rounds (median), command line with a report")
        for place, base in places.items():
            with tempfile.TemporaryDirectory(dir=base) as outputs:
                measure(Path(folder) / "in", Path(outputs), count, args.rounds, place)
    return 0


def measure(tree: Path, work: Path, count: int, rounds: int, place: str) -> None:
    timings: dict[int, list[float]] = {1: [], 2: []}
    peaks: dict[int, list[int]] = {1: [], 2: []}
    alone: dict[int, list[float]] = {1: [], 2: []}
    outputs: dict[Path, bytes] = {}
    for round_ in range(rounds):
        for workers in (1, 2):
            out = work / f"out-{workers}-{round_}"
            elapsed, peak = run(tree, out, workers)
            timings[workers].append(elapsed)
            peaks[workers].append(peak)
            if not outputs:  # the tree repeats the corpus: one copy in memory of each distinct output
                contents: dict[str, bytes] = {}
                for path in sorted(out.rglob("*.xml")):
                    outputs[path.relative_to(out)] = contents.setdefault(path.name, path.read_bytes())
            shutil.rmtree(out)
        for processes in (1, 2):
            alone[processes].append(write_alone(outputs, work / f"alone-{processes}-{round_}", processes))
    print(f" outputs on {place}")
    rates = {}
    for workers in (1, 2):
        median = statistics.median(timings[workers])
        rates[workers] = count / median
        print(
            f"  --workers {workers}   {median:7.2f} s  {rates[workers]:7.1f} articles/s  "
            f"peak memory of one process {max(peaks[workers]) / 1024:6.1f} MiB"
        )
    print(f"  ratio (2 workers / 1)  {rates[2] / rates[1]:.2f}")
    one, two = statistics.median(alone[1]), statistics.median(alone[2])
    print(
        f"  baseline: the same outputs written alone, 1 process {one:.2f} s, 2 processes {two:.2f} s, "
        f"ratio {one / two:.2f}"
    )


if __name__ == "__main__":
    raise SystemExit(main())
