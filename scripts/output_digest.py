"""Digest every output and report of a set of enrich runs, to show that a change moved no byte.

Runs `jats-enrich enrich` on a folder of articles (default: ../shared/corpus/real) once per
configuration below, hashes every file written (articles and reports in JSON, CSV and JSONL;
the output folder's own path replaced by a placeholder, as it differs from run to run) and
writes one JSON manifest. Run it before and after a change, then compare the two manifests:

    python scripts/output_digest.py --out before.json        # on the old commit
    python scripts/output_digest.py --out after.json         # on the new one
    python scripts/output_digest.py --compare before.json after.json

The comparison prints, per configuration, how many files were written and how many differ,
and exits 1 when any differs or is missing.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = REPO.parent / "shared" / "corpus" / "real"

# name -> extra arguments of `jats-enrich enrich`
CONFIGURATIONS: dict[str, list[str]] = {
    "lxml": [],
    "xslt": ["--engine", "xslt"],
    "lxml-upgrade": ["--upgrade"],
    "xslt-upgrade": ["--engine", "xslt", "--upgrade"],
    "lxml-credit-casrai": ["--vocab", "credit", "--vocab", "casrai"],
    "xslt-credit-casrai": ["--engine", "xslt", "--vocab", "credit", "--vocab", "casrai"],
}
REPORTS = ("report.json", "report.csv", "report.jsonl")


_RUN_TIMES = re.compile(rb'"(started|finished)": ?"[^"]*"')


def _digest_folder(folder: Path) -> dict[str, str]:
    placeholder = b"<OUT>"
    digests = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        name = path.relative_to(folder).as_posix()
        if name.endswith(".journal") or name.startswith(".jats-enrich-journal"):
            continue  # the journal records timings and hashes of its own run
        data = path.read_bytes()
        if name in REPORTS:
            data = data.replace(str(folder).encode(), placeholder)
            data = _RUN_TIMES.sub(b'"\\1": "<TIME>"', data)  # the run record says when it ran
        if name.endswith(".run.json"):
            data = _RUN_TIMES.sub(b'"\\1": "<TIME>"', data)
        digests[name] = hashlib.sha256(data).hexdigest()
    return digests


def _run(executable: Path, corpus: Path, extra: list[str], workers: int) -> dict[str, str]:
    folder = Path(tempfile.mkdtemp(prefix="jats-enrich-digest-"))
    try:
        reports = [arg for name in REPORTS for arg in ("--report", str(folder / name))]
        command = [
            str(executable),
            "enrich",
            str(corpus),
            "--out",
            str(folder / "out"),
            *reports,
            "--quiet",
            "--workers",
            str(workers),
            "--no-cache",
            *extra,
        ]
        finished = subprocess.run(command, capture_output=True, text=True)
        if finished.returncode not in (0, 1):  # 1: some article had findings to fail on
            raise SystemExit(f"{' '.join(command)} exited {finished.returncode}:\n{finished.stderr}")
        return _digest_folder(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _compare(before_path: Path, after_path: Path) -> int:
    before = json.loads(before_path.read_text())
    after = json.loads(after_path.read_text())
    differing_total = 0
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name, {}), after.get(name, {})
        differing = sorted(f for f in set(old) | set(new) if old.get(f) != new.get(f))
        differing_total += len(differing)
        print(f"{name:22} {len(new):5} files, {len(differing)} differ")
        for file in differing[:10]:
            print(f"    {file}")
    return 1 if differing_total else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--out", type=Path, help="write the manifest here")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--executable", type=Path, default=Path(sys.executable).parent / "jats-enrich")
    parser.add_argument("--compare", nargs=2, type=Path, metavar=("BEFORE", "AFTER"))
    args = parser.parse_args(argv)
    if args.compare:
        return _compare(*args.compare)
    if args.out is None:
        parser.error("--out FILE or --compare BEFORE AFTER")
    manifest = {name: _run(args.executable, args.corpus, extra, args.workers) for name, extra in CONFIGURATIONS.items()}
    args.out.write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    for name, digests in manifest.items():
        print(f"{name:22} {len(digests):5} files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
