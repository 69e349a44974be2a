"""Production batches that must lose nothing and never stall (issue 15): each test is one of the
reported ways a run lost or overwrote data, hung, or aborted, with the hostile input built here."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path
from typing import Literal

import pytest
from support import FIXTURES

from jats_enrich.batch.inputs import discover
from jats_enrich.batch.options import BatchOptions
from jats_enrich.batch.runner import Batch
from jats_enrich.config import EnrichOptions
from jats_enrich.errors import OutputError, UsageError
from jats_enrich.files import atomic_write, is_stale, remove_stale_temporaries

ARTICLE = FIXTURES / "credit-variants-1.3.xml"
OTHER = FIXTURES / "legacy-1.1.xml"


def cli(
    *args: str, cwd: Path | None = None, stdin: bytes | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "jats_enrich", *args], capture_output=True, cwd=cwd, input=stdin, timeout=timeout
    )


# --- 1. an input overwritten through another source's output path ---------------------------------


def test_an_output_path_that_is_another_inputs_path_is_refused(tmp_path):
    (tmp_path / "p" / "q").mkdir(parents=True)
    (tmp_path / "o" / "q").mkdir(parents=True)
    shutil.copy(ARTICLE, tmp_path / "p" / "q" / "x.xml")
    shutil.copy(OTHER, tmp_path / "o" / "q" / "x.xml")
    before = (tmp_path / "o" / "q" / "x.xml").read_bytes()
    done = cli("enrich", "p", "o/q/x.xml", "--out", "o", cwd=tmp_path)
    assert done.returncode == 64 and b"would overwrite the input" in done.stderr
    assert (tmp_path / "o" / "q" / "x.xml").read_bytes() == before
    # two folders, one inside the output folder
    (tmp_path / "articles" / "incoming").mkdir(parents=True)
    (tmp_path / "out" / "incoming").mkdir(parents=True)
    shutil.copy(ARTICLE, tmp_path / "articles" / "incoming" / "a.xml")
    shutil.copy(OTHER, tmp_path / "out" / "incoming" / "a.xml")
    done = cli("enrich", "articles", "out/incoming", "--out", "out", cwd=tmp_path)
    assert done.returncode == 64 and (tmp_path / "out" / "incoming" / "a.xml").read_bytes() == OTHER.read_bytes()
    # and through a list file
    (tmp_path / "list.txt").write_text("p/q/x.xml\no/q/x.xml\n")
    done = cli("enrich", "--from-list", "list.txt", "--out", "o", cwd=tmp_path)
    assert done.returncode == 64


# --- 14. a link inside the output folder, a file swapped for a link during the run ---------------


def test_a_link_inside_the_output_folder_leading_out_of_it_is_refused(tmp_path):
    (tmp_path / "in" / "q").mkdir(parents=True)
    shutil.copy(ARTICLE, tmp_path / "in" / "q" / "x.xml")
    (tmp_path / "out").mkdir()
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "out" / "q").symlink_to(tmp_path / "elsewhere")
    done = cli("enrich", "in", "--out", "out", cwd=tmp_path)
    assert done.returncode == 64 and b"leads outside the output folder" in done.stderr
    assert not list((tmp_path / "elsewhere").iterdir())


def test_a_file_swapped_for_a_link_leading_out_after_discovery_is_not_read(tmp_path):
    from jats_enrich.batch.executors import read_input

    folder = tmp_path / "in"
    folder.mkdir()
    secret = tmp_path / "secret.xml"
    secret.write_bytes(ARTICLE.read_bytes())
    (folder / "a.xml").symlink_to(secret)  # as if swapped in after the folder was listed
    with pytest.raises(Exception, match="outside the input folder"):
        read_input(str(folder / "a.xml"), str(folder))
    inside = folder / "b.xml"
    inside.write_bytes(ARTICLE.read_bytes())
    (folder / "c.xml").symlink_to(inside)  # a link that stays inside is fine
    assert read_input(str(folder / "c.xml"), str(folder))[0] == ARTICLE.read_bytes()


# --- 4. backups and the journal never overwrite what the user did not name ------------------------


def test_an_existing_backup_is_never_overwritten(tmp_path):
    article = tmp_path / "a.xml"
    shutil.copy(ARTICLE, article)
    (tmp_path / "a.xml.orig").write_bytes(b"the true original, from an earlier run")
    done = cli("enrich", str(article), "--in-place", "--backup", ".orig")
    assert done.returncode == 2 and b"exists already" in done.stderr
    assert (tmp_path / "a.xml.orig").read_bytes() == b"the true original, from an earlier run"
    assert article.read_bytes() == ARTICLE.read_bytes()  # not replaced either: its original would be lost
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_atomic_write_can_refuse_an_existing_file(tmp_path):
    target = tmp_path / "x"
    target.write_bytes(b"old")
    with pytest.raises(OutputError, match="exists already"):
        atomic_write(target, b"new", exclusive=True)
    assert target.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == ["x"]
    atomic_write(tmp_path / "y", b"new", exclusive=True)
    assert (tmp_path / "y").read_bytes() == b"new"


def test_a_journal_pointing_at_an_input_is_refused(tmp_path):
    article = tmp_path / "a.xml"
    shutil.copy(ARTICLE, article)
    done = cli("enrich", str(article), "--out", str(tmp_path / "out"), "--journal", str(article))
    assert done.returncode == 64 and b"journal would overwrite an input" in done.stderr
    assert article.read_bytes() == ARTICLE.read_bytes()


@pytest.mark.parametrize("suffix", ["/tmp/x", "../x", "", "."])
def test_a_backup_suffix_that_is_a_path_is_a_usage_error(tmp_path, suffix):
    article = tmp_path / "a.xml"
    shutil.copy(ARTICLE, article)
    done = cli("enrich", str(article), "--in-place", "--backup", suffix)
    assert done.returncode == 64 and b"suffix" in done.stderr
    with pytest.raises(ValueError):
        BatchOptions(in_place=True, backup=suffix)


# --- 8. a FIFO named like an article ------------------------------------------------------------


def test_a_fifo_named_like_an_article_is_reported_not_read(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(ARTICLE, folder / "a.xml")
    os.mkfifo(folder / "b.xml")
    done = cli("enrich", str(folder), "--out", str(tmp_path / "out"), "--workers", "1", timeout=60)
    assert done.returncode == 2 and b"b.xml: not a regular file" in done.stderr
    assert (tmp_path / "out" / "a.xml").is_file()
    named = cli("enrich", str(folder / "b.xml"), "--out", str(tmp_path / "out2"), timeout=60)
    assert named.returncode == 64 and b"not a regular file" in named.stderr


# --- 10. the size limit comes before reading ----------------------------------------------------


def test_a_huge_sparse_file_is_refused_before_it_is_read(tmp_path):
    from jats_enrich.batch.executors import read_input
    from jats_enrich.limits import MAX_ARTICLE_BYTES

    big = tmp_path / "big.xml"
    with big.open("wb") as handle:
        handle.truncate(3 * 1024**3)  # 3 GB of nothing: sparse, takes no disk
    with pytest.raises(Exception, match=r"over the .*-byte limit"):
        read_input(str(big), None)
    done = cli("check", str(big), "--quiet", timeout=60)
    assert done.returncode == 2 and f"over the {MAX_ARTICLE_BYTES}-byte limit".encode() in done.stderr


def test_standard_input_is_read_no_further_than_the_limit():
    from jats_enrich.limits import MAX_ARTICLE_BYTES

    # an endless stream: the run must end (reading stops one byte past the limit)
    command = f"head -c {MAX_ARTICLE_BYTES + 10_000_000} /dev/zero | {sys.executable} -m jats_enrich enrich -"
    done = subprocess.run(["bash", "-c", command], capture_output=True, timeout=120)
    assert done.returncode == 2 and b"larger than the" in done.stderr and done.stdout == b""


# --- 12. a second run into the same folder ------------------------------------------------------


def test_a_live_runs_temporary_files_are_not_stale(tmp_path):
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        mine = tmp_path / f".jats-enrich-a.xml.{os.getpid()}.abcd1234.tmp"
        theirs = tmp_path / f".jats-enrich-b.xml.{alive.pid}.abcd1234.tmp"
        dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
        gone = tmp_path / f".jats-enrich-c.xml.{int(dead.stdout)}.abcd1234.tmp"
        for path in (mine, theirs, gone):
            path.write_bytes(b"partial")
        assert (is_stale(mine), is_stale(theirs), is_stale(gone)) == (False, False, True)
        assert remove_stale_temporaries(tmp_path) == 1
        assert mine.exists() and theirs.exists() and not gone.exists()
    finally:
        alive.kill()
        alive.wait()


# --- the library says the same as the command line ----------------------------------------------


def test_the_library_refuses_the_same_overwrites(tmp_path):
    (tmp_path / "p" / "q").mkdir(parents=True)
    (tmp_path / "o" / "q").mkdir(parents=True)
    shutil.copy(ARTICLE, tmp_path / "p" / "q" / "x.xml")
    shutil.copy(OTHER, tmp_path / "o" / "q" / "x.xml")
    sources = discover([tmp_path / "p", tmp_path / "o" / "q" / "x.xml"])
    with pytest.raises(UsageError, match="would overwrite the input"):
        Batch(sources, EnrichOptions(), BatchOptions(out=tmp_path / "o", workers=1))
    article = tmp_path / "p" / "q" / "x.xml"
    with pytest.raises(UsageError, match="journal would overwrite"):
        Batch(discover([article]), EnrichOptions(), BatchOptions(out=tmp_path / "z", journal=article, workers=1))


# --- packages: 2. a damaged tar, 3. duplicate names, 6. unreadable members, 9. one member at a time ----


def make_tar(path: Path, members: list[tuple[str, bytes]], mode: Literal["w", "w:gz"] = "w") -> None:
    import io

    with tarfile.open(path, mode) as package:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            package.addfile(info, io.BytesIO(data))


def twenty_articles() -> list[tuple[str, bytes]]:
    return [(f"a{i:02d}.xml", ARTICLE.read_bytes()) for i in range(20)]


@pytest.mark.parametrize("suffix", [".tar", ".tar.gz"])
def test_a_tar_with_a_damaged_header_is_refused_whole_not_cut_short(tmp_path, suffix):
    import gzip

    plain = tmp_path / "p.tar"
    make_tar(plain, twenty_articles())
    data = bytearray(plain.read_bytes())
    with tarfile.open(plain) as package:
        eleventh = package.getmembers()[10].offset
    data[eleventh + 148 : eleventh + 156] = b"0000000\x00"  # a wrong checksum in member 11's header
    package_path = tmp_path / f"in{suffix}"
    package_path.write_bytes(gzip.compress(bytes(data)) if suffix == ".tar.gz" else bytes(data))
    done = cli("enrich", str(package_path), "--out", str(tmp_path / "out"))
    assert done.returncode == 2 and b"damaged tar header" in done.stderr
    assert not (tmp_path / "out" / package_path.name).exists()  # no package of 10 members pretending to be whole
    errors = [line for line in done.stderr.splitlines() if b"damaged" in line]
    assert len(errors) == 1 and errors[0].startswith(f"jats-enrich: {package_path}: damaged".encode())


def test_members_of_one_name_are_two_articles_each_with_its_own_bytes(tmp_path):
    package_path = tmp_path / "dup.zip"
    with zipfile.ZipFile(package_path, "w") as package:
        package.writestr("a.xml", ARTICLE.read_bytes())
        package.writestr("a.xml", OTHER.read_bytes())
        package.writestr("b.txt", b"not an article")
    report = tmp_path / "r.json"
    done = cli("enrich", str(package_path), "--out", str(tmp_path / "out"), "--report", str(report))
    assert done.returncode == 0, done.stderr
    import json

    articles = json.loads(report.read_text())["articles"]
    assert len(articles) == 2 and "the 2nd of that name" in articles[1]["path"]
    with zipfile.ZipFile(tmp_path / "out" / "dup.zip") as written:
        first, second, other = (written.read(i) for i in written.infolist())
    from jats_enrich.pipeline import Enricher

    assert b"vocab-term" in first and second == Enricher().enrich_bytes(OTHER.read_bytes()).output  # its own bytes
    assert other == b"not an article"


def test_a_package_with_an_unreadable_member_is_reported_and_the_batch_goes_on(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(ARTICLE, folder / "first.xml")
    package_path = folder / "enc.zip"
    with zipfile.ZipFile(package_path, "w") as package:
        package.writestr("a.xml", ARTICLE.read_bytes())
        package.writestr("paper.pdf", b"%PDF-1.4 pretend")
    data = bytearray(package_path.read_bytes())
    with zipfile.ZipFile(package_path) as package:
        pdf = package.getinfo("paper.pdf")
    data[pdf.header_offset + 6] |= 0x1  # the local header's "encrypted" flag ...
    central = data.rfind(b"PK\x01\x02")
    data[central + 8] |= 0x1  # ... and the central directory's
    package_path.write_bytes(bytes(data))
    shutil.copy(OTHER, folder / "last.xml")
    done = cli("enrich", str(folder), "--out", str(tmp_path / "out"))
    assert done.returncode == 2 and b"encrypted" in done.stderr and done.stderr.count(b"enc.zip") == 1
    assert (tmp_path / "out" / "first.xml").is_file() and (tmp_path / "out" / "last.xml").is_file()
    assert not (tmp_path / "out" / "enc.zip").exists()


def test_package_members_are_read_one_at_a_time_not_held_together(tmp_path, monkeypatch):
    """A zip bomb: many large members. Tasks carry no member bytes; each is read by its worker."""
    import jats_enrich.batch.runner as batch_module

    package_path = tmp_path / "many.zip"
    with zipfile.ZipFile(package_path, "w", zipfile.ZIP_DEFLATED) as package:
        for i in range(30):
            package.writestr(f"m{i}.xml", ARTICLE.read_bytes())
    seen: list[object] = []
    real = batch_module.Batch._execute

    def spy(self, tasks, enricher):  # the tasks handed to the executor
        seen.extend(tasks)
        return real(self, tasks, enricher)

    monkeypatch.setattr(batch_module.Batch, "_execute", spy)
    sources = discover([package_path])
    report = Batch(sources, EnrichOptions(), BatchOptions(out=tmp_path / "out", workers=1)).run()
    assert report.articles_total == 30 and report.articles_failed == 0
    assert len(seen) == 30 and all(task.data is None and task.member is not None for task in seen)  # type: ignore[attr-defined]
    with zipfile.ZipFile(tmp_path / "out" / "many.zip") as written:
        assert len(written.infolist()) == 30 and all(b"vocab-term" in written.read(i) for i in written.infolist())
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["many.zip"]  # no staging folder left


def test_a_package_replaced_in_place_keeps_its_original_as_the_backup(tmp_path):
    package_path = tmp_path / "p.tar.gz"
    make_tar(package_path, twenty_articles()[:3], "w:gz")
    original = package_path.read_bytes()
    done = cli("enrich", str(package_path), "--in-place", "--backup", ".orig")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "p.tar.gz.orig").read_bytes() == original and package_path.read_bytes() != original
    again = cli("enrich", str(package_path), "--in-place", "--backup", ".orig")
    assert again.returncode == 2 and b"exists already" in again.stderr  # the true original is never replaced
    assert (tmp_path / "p.tar.gz.orig").read_bytes() == original


# --- 7. a full disk, 13. resume in place ---------------------------------------------------------


def test_a_journal_on_a_full_disk_lets_the_run_finish_and_says_so(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("a.xml", "b.xml"):
        shutil.copy(ARTICLE, folder / name)
    # /dev/full accepts the open and fails every write with ENOSPC, as a full disk does
    done = cli("enrich", str(folder), "--out", str(tmp_path / "out"), "--journal", "/dev/full", "--workers", "1")
    assert done.returncode == 0, done.stderr
    assert b"warning: /dev/full: cannot write the run journal: No space left on device" in done.stderr
    assert b"internal error" not in done.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["a.xml", "b.xml"]


def test_resuming_in_place_reports_what_the_first_run_did(tmp_path):
    import json

    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(3):
        shutil.copy(ARTICLE, folder / f"a{i}.xml")
    journal = tmp_path / "run.journal"
    first = cli("enrich", str(folder), "--in-place", "--journal", str(journal), "--workers", "1")
    assert first.returncode == 0, first.stderr
    report = tmp_path / "r.json"
    again = cli("enrich", str(folder), "--in-place", "--journal", str(journal), "--resume", "--report", str(report))
    assert again.returncode == 0, again.stderr
    outcomes = {f["outcome"] for a in json.loads(report.read_text())["articles"] for f in a["findings"]}
    assert "tagged" in outcomes  # as the first run reported, not "already-correct" from enriching its output again


def test_a_temporary_file_of_another_machine_is_never_taken_for_a_leftover(tmp_path):
    """On a shared file system a process of another machine cannot be seen from here: its file is
    kept whatever its process number; this machine's dead process's file is removed (in the
    names of earlier versions too, without the machine's tag)."""
    from jats_enrich.batch.runner import _staging_folder
    from jats_enrich.files import HOST_TAG

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    pid = int(dead.stdout)
    other = "0" * 8 if HOST_TAG != "0" * 8 else "1" * 8
    theirs = tmp_path / f".jats-enrich-a.xml.{pid}.{other}abcd1234.tmp"
    ours = tmp_path / f".jats-enrich-b.xml.{pid}.{HOST_TAG}abcd1234.tmp"
    older = tmp_path / f".jats-enrich-c.xml.{pid}.abcd1234.tmp"
    for path in (theirs, ours, older):
        path.write_bytes(b"partial")
    assert (is_stale(theirs), is_stale(ours), is_stale(older)) == (False, True, True)
    # A package's staging folder, made by a process that is gone, is known for a leftover too.
    made = subprocess.run(
        [sys.executable, "-c", f"from jats_enrich.batch.runner import _staging_folder; from pathlib import Path; "
         f"print(_staging_folder(Path({str(tmp_path / 'out.zip')!r})))"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    stage = Path(made.stdout.strip())
    assert stage.is_dir() and stage.parent == tmp_path and is_stale(stage)
    assert not is_stale(_staging_folder(tmp_path / "mine.zip"))  # this process's own
    assert remove_stale_temporaries(tmp_path) == 3
    assert theirs.exists() and not ours.exists() and not older.exists() and not stage.exists()


def test_a_killed_in_place_runs_temporary_files_are_removed_next_time(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(ARTICLE, folder / "a.xml")
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    left = folder / f".jats-enrich-a.xml.{int(dead.stdout)}.abcd1234.tmp"
    left.write_bytes(b"half")
    stage = folder / f".jats-enrich-stage.{int(dead.stdout)}.x1y2.tmp"
    stage.mkdir()
    (stage / "0.xml").write_bytes(b"staged")
    done = cli("enrich", str(folder), "--in-place")
    assert done.returncode == 0, done.stderr
    assert not left.exists() and not stage.exists()


@pytest.mark.parametrize("workers", [1, 2])
def test_a_temporary_file_a_killed_worker_left_during_the_run_is_gone_when_it_ends(tmp_path, workers):
    """A worker killed while writing an output leaves its temporary file (its task is done again
    by another worker); the run removes it when it ends, not only the next run when it starts."""
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(6):
        shutil.copy(ARTICLE, folder / f"a{i}.xml")
    out = tmp_path / "out"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    left = out / f".jats-enrich-a3.xml.{int(dead.stdout)}.abcd1234.tmp"

    def killed_while_writing(report: object) -> None:
        if not left.exists():
            out.mkdir(exist_ok=True)
            left.write_bytes(b"half")

    batch = Batch(discover([folder]), EnrichOptions(), BatchOptions(out=out, workers=workers))
    report = batch.run(on_article=killed_while_writing)
    assert report.articles_failed == 0 and report.articles_total == 6
    assert sorted(p.name for p in out.iterdir()) == [f"a{i}.xml" for i in range(6)]


def test_a_report_on_a_full_disk_is_one_line_and_leaves_no_temporary_file(tmp_path, monkeypatch):
    import errno

    from jats_enrich.errors import OutputError
    from jats_enrich.report.model import ArticleReport
    from jats_enrich.report.sinks import open_sinks

    for suffix in (".json", ".jsonl", ".csv"):
        report = tmp_path / f"r{suffix}"
        (sink,) = open_sinks([report])

        def full(*args, **kwargs):
            raise OSError(errno.ENOSPC, "No space left on device")

        monkeypatch.setattr(sink.handle, "write", full)  # type: ignore[attr-defined]
        if suffix == ".csv":  # its csv writer holds the handle's write method itself
            import csv

            class Full:
                write = staticmethod(full)

            sink.writer = csv.writer(Full())  # type: ignore[attr-defined]
        with pytest.raises(OutputError, match="cannot write: No space left on device"):
            sink.add(ArticleReport(path="a.xml", error="x"))
        sink.abort()
        assert not report.exists() and not list(tmp_path.glob(".jats-enrich-*"))


def test_reading_up_to_a_limit_sets_nothing_aside_for_the_limit():
    """An input is read piece by piece: a small file costs its size, not the limit (a worker's
    memory budget failed the article after an oversized one when 100 MB were set aside per read)."""
    import io
    import tracemalloc

    from jats_enrich.files import read_at_most

    assert read_at_most(io.BytesIO(b"abc"), 10) == b"abc"
    assert read_at_most(io.BytesIO(b"x" * 20), 10) == b"x" * 11  # one byte over: the caller refuses it
    assert read_at_most(io.BytesIO(b""), 10) == b""
    tracemalloc.start()
    try:
        read_at_most(io.BufferedReader(io.BytesIO(b"y" * 1000)), 500_000_000)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 10_000_000
