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

import pytest
from support import FIXTURES

from jats_enrich.batch import Batch, BatchOptions, atomic_write, is_stale, remove_stale_temporaries
from jats_enrich.errors import OutputError, UsageError
from jats_enrich.inputs import discover
from jats_enrich.pipeline import EnrichOptions

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
    from jats_enrich.executors import read_input

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
    from jats_enrich.executors import read_input
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


_ = (tarfile, zipfile)  # used by the package tests below
