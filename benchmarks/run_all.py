"""The benchmark suite, in one run: every figure the README keeps, as a table of ratios.

    .venv/bin/python benchmarks/run_all.py [--rounds 5] [--articles 5000]

On ../shared/corpus/real, measured in the same run:
* bare lxml parse + serialise (the baseline) and the lxml engine;
* a bare saxonche identity transform (its baseline) and the xslt engine;
* a generated 20,000-term dictionary against CRediT (load time, match time per keyword);
* --workers 1 and 2 on N articles (the corpus repeated), with the peak memory of one process;
* the HTTP service: the corpus posted by 8 concurrent clients, against the library in one process;
* thesauri at real sizes (YSO, MeSH): load, memory, a whole enrich, per keyword, cold and warm
  against the JSON-LD path;
* whole processes on the corpus copied five times: the tool against the lxml round trip it
  replaces, parse only and `cp -r`; the xslt engine against a Saxon identity run; two workers;
* Dask (a real scheduler and one or two workers on loopback) against the local pool, on the
  corpus copied five times, and (``--large``) on 20,000 articles;
* `jats-enrich --help` start-up time.
Medians of the rounds; ratios of throughput (above 1.0: faster than the baseline).
"""

from __future__ import annotations

import argparse
import contextlib
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def run_quiet(bench: str, argv: list[str]) -> str:
    """One benchmark, in a fresh interpreter: a process it starts would otherwise report the peak
    memory of this one (Linux keeps a process's peak across fork and exec), and nothing one
    benchmark leaves in memory weighs on the next."""
    done = subprocess.run(
        [sys.executable, str(HERE / f"{bench}.py"), *argv], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"{bench} failed ({done.returncode}): {done.stderr[-1000:]}")
    return done.stdout


def help_startup(rounds: int) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "jats_enrich", "--help"], capture_output=True, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    import lxml.etree

    cores = len(__import__("os").sched_getaffinity(0))
    version = ".".join(map(str, lxml.etree.LXML_VERSION[:3]))
    return f"{cpu}, {cores} cores, Python {platform.python_version()}, lxml {version}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--large", action="store_true", help="also Dask on 20,000 articles (a few minutes more)")
    args = parser.parse_args(argv)

    print(f"machine: {machine()}")
    print(run_quiet("bench_corpus", ["--rounds", str(args.rounds)]), end="")
    print(run_quiet("bench_dictionary", ["--rounds", str(args.rounds)]), end="")
    print(
        run_quiet("bench_workers", ["--articles", str(args.articles), "--rounds", str(max(1, args.rounds // 2))]),
        end="",
    )
    print(run_quiet("bench_service", ["--rounds", str(max(1, args.rounds // 2))]), end="")
    print(run_quiet("bench_thesauri", ["--rounds", str(max(1, args.rounds // 3))]), end="")
    print(run_quiet("bench_whole_process", ["--rounds", str(max(1, args.rounds // 2))]), end="")
    dask = ["--rounds", str(max(1, args.rounds // 2)), *(["--large", "111"] if args.large else [])]
    print(run_quiet("bench_dask", dask), end="")
    startup = help_startup(10)
    print(f"jats-enrich --help: {startup:.3f} s (median of 10 runs, a fresh interpreter each)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
