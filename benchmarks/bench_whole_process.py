"""The whole-process comparison a user makes: jats-enrich against the lxml round trip it replaces.

    .venv/bin/python benchmarks/bench_whole_process.py [--corpus ../shared/corpus/real] [--copies 5] [--rounds 5]

The corpus is copied ``--copies`` times into a temporary folder (900 articles by default). Each
command below runs as a whole process, outputs on disk, one worker, in alternating rounds; the
figures are medians over the rounds, with the peak memory (maximum RSS) of the process:

- ``copy``: ``cp -r`` of the files, the floor for anything that reads and writes every byte;
- ``lxml parse``: parse every file with lxml (no output);
- ``lxml round trip``: parse, serialise and write every file (the ten-line script the tool replaces);
- ``lxml parse + write as read``: parse every file and write the bytes read, unchanged: what a tool
  that builds a tree and writes every article pays before it enriches anything (its floor);
- ``enrich credit``, ``enrich credit+casrai``: ``jats-enrich enrich --workers 1 --report r.json``;
- ``saxon identity`` and ``enrich xslt``: a saxonche identity transform of the same files, written
  out, against ``jats-enrich enrich --engine xslt --workers 1``;
- ``enrich 2 workers``: ``--workers 2``, against ``enrich credit`` (one worker);
- ``lxml round trip x2``: the round trip in two processes at once, each with half the files,
  against one: how far two processes scale on this machine and its disk, whatever the tool;
- ``enrich one small``: the smallest article alone, whose peak memory is that of a worker with
  its dictionaries; the peak of ``enrich credit`` beyond it is printed against the largest article.

Printed: each command's median wall time and peak memory, and the speed of each tool run
relative to its baseline (above 1.0: faster than the baseline).
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "real"
PYTHON = sys.executable

ROUND_TRIP = """
import sys
from pathlib import Path
from lxml import etree
source, out, mode = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
part, parts = (int(sys.argv[4]), int(sys.argv[5])) if len(sys.argv) > 5 else (0, 1)
parser = etree.XMLParser(resolve_entities=False, no_network=True)
for path in sorted(source.rglob("*.xml"))[part::parts]:
    if mode == "floor":  # the bytes read, parsed, and written back as they are
        data = path.read_bytes()
        etree.fromstring(data, parser)
    else:
        tree = etree.parse(str(path), parser)
    if mode != "parse":
        target = out / path.relative_to(source)
        target.parent.mkdir(parents=True, exist_ok=True)
        if mode == "floor":
            target.write_bytes(data)
        else:
            target.write_bytes(etree.tostring(tree, xml_declaration=True, encoding=tree.docinfo.encoding))
"""

SAXON_IDENTITY = """
import sys
from pathlib import Path
from saxonche import PySaxonProcessor
from jats_enrich.article.reader import read_article
from jats_enrich.write.xslt_engine import saxon_input
source, out = Path(sys.argv[1]), Path(sys.argv[2])
processor = PySaxonProcessor(license=False)
identity = processor.new_xslt30_processor().compile_stylesheet(
    stylesheet_text='<xsl:stylesheet version="3.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">'
    '<xsl:mode on-no-match="shallow-copy"/></xsl:stylesheet>'
)
for path in sorted(source.rglob("*.xml")):
    text = saxon_input(read_article(path.read_bytes(), path.name))  # what the xslt engine gives Saxon
    document = processor.parse_xml(xml_text=text)
    target = out / path.relative_to(source)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(identity.transform_to_string(xdm_node=document), encoding="utf-8")
"""


def timed(command: list[str]) -> tuple[float, float]:
    """Wall seconds and peak memory (MiB) of one whole process."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    stderr = process.stderr.read().decode(errors="replace") if process.stderr else ""
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)} failed ({process.returncode}): {stderr[-500:]}")
    return wall, usage.ru_maxrss / 1024


def commands(source: Path, out: Path, smallest: Path) -> dict[str, list[str]]:
    tool = [PYTHON, "-m", "jats_enrich", "enrich", str(source), "--out", str(out), "-q", "--no-cache"]
    report = ["--report", str(out / "r.json")]
    round_trip = [PYTHON, "-c", ROUND_TRIP, str(source), str(out), "write"]
    halves = " & ".join(shlex.join([*round_trip, str(k), "2"]) for k in (0, 1))
    return {
        "copy": ["cp", "-r", str(source), str(out / "copy")],
        "lxml parse": [PYTHON, "-c", ROUND_TRIP, str(source), str(out), "parse"],
        "lxml round trip": round_trip,
        # What any tool that builds a tree and writes every article pays before enriching anything.
        "lxml parse + write as read": [PYTHON, "-c", ROUND_TRIP, str(source), str(out), "floor"],
        # The machine's own scaling: the bare round trip in two processes, each half the files.
        "lxml round trip x2": ["sh", "-c", f"{halves} & wait"],
        # A worker with its dictionaries and one small article: the memory before any large one.
        "enrich one small": [*tool[:4], str(smallest), *tool[5:], "--workers", "1", "--vocab", "credit"],
        "enrich credit": [*tool, "--workers", "1", "--vocab", "credit", *report],
        "enrich credit+casrai": [*tool, "--workers", "1", "--vocab", "credit", "--vocab", "casrai", *report],
        "saxon identity": [PYTHON, "-c", SAXON_IDENTITY, str(source), str(out)],
        "enrich xslt": [*tool, "--workers", "1", "--engine", "xslt", *report],
        "enrich 2 workers": [*tool, "--workers", "2", "--vocab", "credit", *report],
    }


#: Tool run -> the baseline its speed is compared with.
RATIOS = {
    "lxml parse + write as read": "lxml round trip",
    "enrich credit": "lxml round trip",
    "enrich credit+casrai": "lxml round trip",
    "enrich xslt": "saxon identity",
    "enrich 2 workers": "enrich credit",
    "lxml round trip x2": "lxml round trip",
}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--copies", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--only", nargs="*", help="only these commands (and their baselines)")
    args = parser.parse_args(argv)
    articles = sorted(args.corpus.glob("*.xml"))
    if not articles:
        raise SystemExit(f"{args.corpus}: no articles")
    with tempfile.TemporaryDirectory(prefix="jats-enrich-bench-") as folder:
        source = Path(folder) / "in"
        for copy in range(args.copies):
            shutil.copytree(args.corpus, source / f"copy{copy}", ignore=shutil.ignore_patterns("*.md"))
        size = sum(p.stat().st_size for p in source.rglob("*.xml"))
        smallest = min(source.rglob("*.xml"), key=lambda p: p.stat().st_size)
        largest = max(p.stat().st_size for p in source.rglob("*.xml"))
        runs = commands(source, Path(folder) / "out", smallest)
        if args.only:
            wanted = set(args.only) | {RATIOS[n] for n in args.only if n in RATIOS}
            runs = {k: v for k, v in runs.items() if k in wanted}
        walls: dict[str, list[float]] = {name: [] for name in runs}
        peaks: dict[str, list[float]] = {name: [] for name in runs}
        for _ in range(args.rounds):
            for name, command in runs.items():  # alternating: every command once per round
                shutil.rmtree(Path(folder) / "out", ignore_errors=True)
                (Path(folder) / "out").mkdir()
                wall, peak = timed(command)
                walls[name].append(wall)
                peaks[name].append(peak)
        count = len(articles) * args.copies
        print(f"{count} articles, {size / 2**20:.0f} MB, {args.rounds} rounds, medians (whole processes)")
        print(f"{'':28}{'wall s':>9}{'peak MiB':>10}   speed vs baseline")
        for name in runs:
            wall = statistics.median(walls[name])
            line = f"{name:28}{wall:9.2f}{statistics.median(peaks[name]):10.0f}"
            base = RATIOS.get(name)
            if base in walls:
                line += f"   {statistics.median(walls[base]) / wall:.2f}x {base}"
            print(line)
        if "enrich credit" in peaks and "enrich one small" in peaks:
            grown = statistics.median(peaks["enrich credit"]) - statistics.median(peaks["enrich one small"])
            print(f"a worker's memory beyond its dictionaries: {grown:.1f} MiB, "
                  f"{grown * 2**20 / largest:.1f}x the largest article ({largest / 2**20:.2f} MiB)")  # fmt: skip


if __name__ == "__main__":
    main()
