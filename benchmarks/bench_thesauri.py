"""Thesauri at real sizes: load time, peak memory, a whole enrich, and the cost of one keyword.

    .venv/bin/python benchmarks/bench_thesauri.py [--rounds 5] [--only yso|mesh]

Two synthetic thesauri (synthetic_thesauri.py): YSO-sized (40,000 concepts in three languages,
one altLabel each) and MeSH-sized (30,000 concepts, 300,000 labels). For each, measured as whole
processes, one after another in alternating rounds, medians:

- baseline: the thesaurus as a JSON-LD dictionary (the path of 0.10), loaded with no cache;
- cold: the Turtle file's first load, which reads it through rdflib and compiles it;
- warm: a later load, from the compiled form.

"load" is a process that loads the dictionary and builds the matching index (what every run and
every worker does before its first article); "enrich" is `jats-enrich enrich` of one article of
twelve keywords; "per keyword" is the time one more keyword costs once loaded (an article of
2,000 keywords, less one of twelve, per keyword). Peak memory is the process's maximum RSS.
Printed: medians and the ratio of each to the baseline (below 1.0: faster or smaller).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synthetic_thesauri import mesh_sized, yso_sized

LOAD = """
import resource, sys
from jats_enrich.config import EnrichOptions
from jats_enrich.pipeline import Enricher
Enricher(EnrichOptions(vocabularies=(sys.argv[1],), dictionary_cache=sys.argv[2]))
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def article(keywords: list[str]) -> bytes:
    kwds = "".join(f"<kwd>{k}</kwd>" for k in keywords)
    meta = f"<article-meta><kwd-group>{kwds}</kwd-group></article-meta>"
    return f'<article dtd-version="1.3" xml:lang="en"><front>{meta}</front></article>'.encode()


def labels_of(path: Path, count: int) -> list[str]:
    """The first ``count`` English prefLabels of a synthetic thesaurus (every other keyword is made
    unmatched by a letter added, so near misses are looked for too)."""
    found = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if "skos:prefLabel" in line:
            found.append(line.split('"')[1])
            if len(found) == count:
                break
    return [label if i % 2 else label + "q" for i, label in enumerate(found)]


def timed(command: list[str], env: dict[str, str]) -> tuple[float, int]:
    """Wall seconds, and the peak RSS in MB the command prints (0 if it prints none)."""
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=True)
    wall = time.perf_counter() - started
    last = done.stdout.strip().splitlines()[-1:] or ["0"]
    return wall, int(last[0]) // 1024 if last[0].isdigit() else 0


def measure(name: str, turtle: Path, work: Path, rounds: int) -> None:
    python = sys.executable
    jsonld = work / f"{name}.jsonld"
    subprocess.run(
        [python, "-m", "jats_enrich", "vocab", "convert", str(turtle), str(jsonld)], check=True, capture_output=True
    )
    small = work / f"{name}-small.xml"
    large = work / f"{name}-large.xml"
    small.write_bytes(article(labels_of(turtle, 12)))
    large.write_bytes(article(labels_of(turtle, 2_000)))
    env = {**os.environ}
    results: dict[str, dict[str, list[float]]] = {}

    def record(case: str, what: str, value: float) -> None:
        results.setdefault(case, {}).setdefault(what, []).append(value)

    def enrich(source: Path, dictionary: Path, cache: str) -> float:
        out = work / "out"
        command = [
            python,
            "-m",
            "jats_enrich",
            "enrich",
            str(source),
            "--out",
            str(out),
            "--quiet",
            "--vocab",
            str(dictionary),
            "--workers",
            "1",
        ]
        command += ["--no-cache"] if cache == "off" else ["--cache", cache]
        return timed(command, env)[0]

    for round_number in range(rounds):
        cache = work / f"cache-{round_number}"
        for case, dictionary, folder in (
            ("baseline (JSON-LD, no cache)", jsonld, "off"),
            ("cold (Turtle, compiled now)", turtle, str(cache)),
            ("warm (compiled)", turtle, str(cache)),
        ):
            wall, rss = timed([python, "-c", LOAD, str(dictionary), folder], env)
            record(case, "load s", wall)
            record(case, "peak MB", rss)
            if case.startswith("cold"):
                continue  # its enrich would find the compiled form: the warm case measures that
            one = enrich(small, dictionary, folder)
            record(case, "enrich s", one)
            record(case, "per keyword µs", (enrich(large, dictionary, folder) - one) / (2_000 - 12) * 1e6)
    print(f"\n{name}: {turtle.stat().st_size / 1e6:.1f} MB of Turtle, {rounds} rounds, medians")
    baseline = {what: statistics.median(values) for what, values in results["baseline (JSON-LD, no cache)"].items()}
    print(f"  {'':30} {'load s':>14} {'peak MB':>14} {'enrich s':>14} {'per keyword µs':>16}")
    for case, measured in results.items():
        cells = []
        for what in ("load s", "peak MB", "enrich s", "per keyword µs"):
            if what not in measured:
                cells.append(f"{'-':>14}")
                continue
            value = statistics.median(measured[what])
            ratio = value / baseline[what] if baseline[what] else float("nan")
            cells.append(f"{value:8.2f} ({ratio:4.2f}×)")
        print(f"  {case:30} " + " ".join(cells))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", choices=("yso", "mesh"))
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        if args.only in (None, "yso"):
            measure("yso-sized", yso_sized(work / "yso-sized.ttl"), work, args.rounds)
        if args.only in (None, "mesh"):
            measure("mesh-sized", mesh_sized(work / "mesh-sized.ttl"), work, args.rounds)


if __name__ == "__main__":
    main()
