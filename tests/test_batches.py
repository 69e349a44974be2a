"""Production batches: packages, parallel workers, resume after kill -9, in place, stdin/stdout,
list files and globs, Dask, progress lines."""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
import subprocess
import sys
import tarfile
import time
import zipfile
from pathlib import Path

import psutil
import pytest
from support import CORPUS, FIXTURES, comparable_report, shared_missing

from jats_enrich.api import enrich_bytes, run_batch
from jats_enrich.batch.runner import TEMP_PREFIX

ARTICLE = FIXTURES / "credit-variants-1.3.xml"
LEGACY = FIXTURES / "legacy-1.1.xml"


def cli(*args: str, cwd: Path | None = None, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "jats_enrich", *args], capture_output=True, cwd=cwd, input=stdin)


def make_zip(path: Path) -> dict[str, bytes]:
    members = {
        "article/a.xml": ARTICLE.read_bytes(),
        "article/graphics/fig1.tif": bytes(range(256)) * 4,
        "article/b.nxml": LEGACY.read_bytes(),
        "manifest.txt": b"a typesetter's manifest\r\n",
        "article/broken.xml": b"<article><front></article>",
    }
    with zipfile.ZipFile(path, "w") as package:
        package.comment = b"delivered by the typesetter"
        for i, (name, data) in enumerate(members.items()):
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 2 + i, 3, 4, 6))
            info.compress_type = zipfile.ZIP_DEFLATED if i % 2 else zipfile.ZIP_STORED
            info.external_attr = 0o640 << 16
            package.writestr(info, data)
    return members


def test_a_zip_package_gives_a_zip_package(tmp_path):
    members = make_zip(tmp_path / "delivery.zip")
    out, report_path = tmp_path / "out", tmp_path / "r.json"
    done = cli("enrich", str(tmp_path / "delivery.zip"), "--out", str(out), "--report", str(report_path))
    assert done.returncode == 2  # the broken member is an article that failed
    assert b"article/broken.xml: malformed XML" in done.stderr
    with zipfile.ZipFile(tmp_path / "delivery.zip") as before, zipfile.ZipFile(out / "delivery.zip") as after:
        assert [i.filename for i in after.infolist()] == list(members)
        assert after.comment == before.comment
        for old, new in zip(before.infolist(), after.infolist(), strict=True):
            assert (old.date_time, old.compress_type, old.external_attr) == (
                new.date_time,
                new.compress_type,
                new.external_attr,
            )
            data = after.read(new)
            if new.filename in ("article/a.xml", "article/b.nxml"):
                assert data == enrich_bytes(members[new.filename]).output
            else:  # other members, and the article that failed, byte for byte
                assert data == members[new.filename]
    report = json.loads(report_path.read_text())
    assert [a["path"].split("!")[1] for a in report["articles"]] == [
        "article/a.xml",
        "article/b.nxml",
        "article/broken.xml",
    ]
    assert report["articles"][0]["output"].endswith("delivery.zip!article/a.xml")


@pytest.mark.parametrize("suffix", [".tar.gz", ".tar"])
def test_a_tar_package_gives_a_tar_package(tmp_path, suffix):
    source = tmp_path / f"delivery{suffix}"
    files = {"pkg/a.xml": ARTICLE.read_bytes(), "pkg/fig.png": b"\x89PNG\r\n\x1a\nDATA", "pkg/readme": b"x"}
    with tarfile.open(source, "w:gz" if suffix == ".tar.gz" else "w") as package:
        directory = tarfile.TarInfo("pkg")
        directory.type = tarfile.DIRTYPE
        directory.mode = 0o755
        package.addfile(directory)
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime, info.uname = len(data), 0o600, 1_700_000_000, "typesetter"
            package.addfile(info, io.BytesIO(data))
        link = tarfile.TarInfo("pkg/latest.xml")
        link.type, link.linkname = tarfile.SYMTYPE, "a.xml"
        package.addfile(link)
    assert cli("enrich", str(source), "--out", str(tmp_path / "out")).returncode == 0
    with tarfile.open(source) as before, tarfile.open(tmp_path / "out" / source.name) as after:
        old, new = before.getmembers(), after.getmembers()
        assert [m.name for m in new] == [m.name for m in old]
        for o, n in zip(old, new, strict=True):
            assert (o.mode, o.mtime, o.uname, o.type, o.linkname) == (n.mode, n.mtime, n.uname, n.type, n.linkname)
            if n.isfile():
                data = after.extractfile(n).read()
                expected = enrich_bytes(files[n.name]).output if n.name.endswith(".xml") else files[n.name]
                assert data == expected


def test_hostile_member_names_are_never_paths(tmp_path):
    source = tmp_path / "evil.zip"
    with zipfile.ZipFile(source, "w") as package:
        package.writestr("../../escaped.xml", ARTICLE.read_bytes())
        package.writestr("/abs.xml", ARTICLE.read_bytes())
        package.writestr("ok.xml", ARTICLE.read_bytes())
    done = cli("enrich", str(source), "--out", str(tmp_path / "out" / "deep"))
    assert done.returncode == 2
    assert b"'../../escaped.xml': path leading out of the package" in done.stderr
    assert b"'/abs.xml': absolute path" in done.stderr
    written = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    assert written == ["evil.zip", "out/deep/evil.zip"]
    with zipfile.ZipFile(tmp_path / "out" / "deep" / "evil.zip") as written:
        assert written.read("../../escaped.xml") == ARTICLE.read_bytes()  # kept, not processed
        assert written.read("ok.xml") != ARTICLE.read_bytes()


def test_a_broken_package_is_one_error_and_the_batch_goes_on(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "bad.zip").write_bytes(b"PK\x03\x04 not really a zip")
    shutil.copy(ARTICLE, tmp_path / "in" / "a.xml")
    done = cli("enrich", str(tmp_path / "in"), "--out", str(tmp_path / "out"))
    assert done.returncode == 2
    assert b"bad.zip: broken package" in done.stderr
    assert (tmp_path / "out" / "a.xml").is_file() and not (tmp_path / "out" / "bad.zip").exists()


def corpus_tree(folder: Path, copies: int) -> Path:
    """The real corpus (or, without it, the fixtures) several times over, as hard links."""
    originals = sorted(CORPUS.glob("*.xml")) if not shared_missing else sorted(FIXTURES.glob("*.xml"))
    for i in range(copies):
        target = folder / f"batch{i:02d}"
        target.mkdir(parents=True)
        for path in originals:
            os.link(path, target / path.name)
    return folder


def tree_bytes(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_outputs_and_report_are_the_same_whatever_the_number_of_workers(tmp_path):
    inputs = corpus_tree(tmp_path / "in", 1)
    results = {}
    for workers in (1, 2):
        out, report = tmp_path / f"out{workers}", tmp_path / f"r{workers}.json"
        done = cli("enrich", str(inputs), "--out", str(out), "--report", str(report), "--workers", str(workers))
        assert done.returncode == 0, done.stderr
        results[workers] = (tree_bytes(out), comparable_report(report, out))
    assert results[1] == results[2]


def test_kill_9_part_way_then_resume_gives_what_an_uninterrupted_run_gives(tmp_path):
    inputs = corpus_tree(tmp_path / "in", 3)
    total = sum(1 for _ in inputs.rglob("*.xml"))
    reference = tmp_path / "reference"
    assert (
        cli("enrich", str(inputs), "--out", str(reference / "out"), "--report", str(reference / "r.json")).returncode
        == 0
    )

    out, report = tmp_path / "out", tmp_path / "r.json"
    args = [sys.executable, "-m", "jats_enrich", "enrich", str(inputs), "--out", str(out), "--report", str(report)]
    run = subprocess.Popen(
        [*args, "--workers", "2"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and sum(1 for _ in out.rglob("*.xml")) < total // 4:
        time.sleep(0.01)
    family = psutil.Process(run.pid).children(recursive=True)  # the fork server and the workers
    os.kill(run.pid, signal.SIGKILL)  # the main process only: its workers must die with it
    run.wait()
    _gone, alive = psutil.wait_procs(family, timeout=10)
    assert alive == [], "worker processes outlived the run"
    written = sum(1 for _ in out.rglob("*.xml"))
    assert 0 < written < total, "the run should have been killed part-way"
    assert not report.exists()

    done = subprocess.run([*args, "--resume"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert tree_bytes(out) == tree_bytes(reference / "out")
    assert comparable_report(report, out) == comparable_report(reference / "r.json", reference / "out")
    assert not list(tmp_path.rglob(f"{TEMP_PREFIX}*"))
    assert not (tmp_path / "r.json.journal").exists()  # the finished run's own journal is gone


def test_resume_redoes_an_article_whose_input_changed_and_refuses_other_options(tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    shutil.copy(ARTICLE, inputs / "a.xml")
    shutil.copy(LEGACY, inputs / "b.xml")
    journal = ["--journal", str(tmp_path / "run.journal")]  # named: it stays after a finished run
    args = ["enrich", str(inputs), "--out", str(tmp_path / "out"), "--report", str(tmp_path / "r.json"), *journal]
    assert cli(*args).returncode == 0
    (inputs / "b.xml").write_bytes(ARTICLE.read_bytes())
    assert cli(*args, "--resume").returncode == 0
    assert (tmp_path / "out" / "b.xml").read_bytes() == (tmp_path / "out" / "a.xml").read_bytes()
    other = cli(*args, "--resume", "--upgrade")
    assert other.returncode == 64 and b"used other options" in other.stderr


def test_in_place_with_backup(tmp_path):
    shutil.copy(ARTICLE, tmp_path / "a.xml")
    shutil.copy(FIXTURES / "keywords-bilingual-skos-1.3.xml", tmp_path / "unchanged.xml")
    before = (tmp_path / "unchanged.xml").stat().st_mtime_ns
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    done = cli("enrich", str(tmp_path), "--in-place", "--backup", ".orig", cwd=elsewhere)
    assert done.returncode == 0, done.stderr
    assert not any(elsewhere.iterdir()), "nothing is written outside the folder the user named"
    assert not (tmp_path / ".jats-enrich-journal").exists()  # kept while it runs, gone once it has finished
    assert (tmp_path / "a.xml.orig").read_bytes() == ARTICLE.read_bytes()
    assert (tmp_path / "a.xml").read_bytes() == enrich_bytes(ARTICLE.read_bytes()).output
    assert not (tmp_path / "unchanged.xml.orig").exists()
    assert (tmp_path / "unchanged.xml").stat().st_mtime_ns == before
    assert cli("enrich", str(tmp_path), "--backup", ".orig", "--out", str(tmp_path / "o")).returncode == 64


def test_stdin_to_stdout_in_a_shell_pipeline(tmp_path):
    shutil.copy(ARTICLE, tmp_path / "a.xml")
    done = subprocess.run(
        f"cat a.xml | {sys.executable} -m jats_enrich enrich - > b.xml", shell=True, cwd=tmp_path, capture_output=True
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "b.xml").read_bytes() == enrich_bytes(ARTICLE.read_bytes()).output
    assert done.stderr.startswith(b"jats-enrich: 1 article, 0 failed")
    broken = cli("enrich", "-", "--report", str(tmp_path / "r.json"), stdin=b"<article>")
    assert broken.returncode == 2 and broken.stdout == b""
    assert json.loads((tmp_path / "r.json").read_text())["articles_failed"] == 1
    checked = cli("check", "-", stdin=ARTICLE.read_bytes())
    assert checked.returncode == 0 and checked.stdout == b""


def test_glob_and_list_file(tmp_path):
    (tmp_path / "in" / "sub").mkdir(parents=True)
    shutil.copy(ARTICLE, tmp_path / "in" / "main.jats")
    shutil.copy(LEGACY, tmp_path / "in" / "sub" / "x.xml")
    done = cli("check", str(tmp_path / "in"), "--glob", "*.jats", "--report", str(tmp_path / "r.json"))
    assert done.returncode == 0, done.stderr
    assert [Path(a["path"]).name for a in json.loads((tmp_path / "r.json").read_text())["articles"]] == ["main.jats"]
    (tmp_path / "list.txt").write_text("# articles to redo\nin/sub/x.xml\n\nin/main.jats\n")
    done = cli("enrich", "--from-list", str(tmp_path / "list.txt"), "--out", str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["main.jats", "x.xml"]


def test_the_python_api_runs_a_batch_with_a_callback(tmp_path):
    seen = []
    report = run_batch([FIXTURES], tmp_path / "out", on_article=lambda a: seen.append(a.path))
    assert len(seen) == report.articles_total == len(list(FIXTURES.rglob("*.xml")))
    assert seen == [a.path for a in report.articles]


def test_dask_gives_the_same_report_as_local_workers(tmp_path):
    pytest.importorskip("dask.distributed", reason="the test extra installs Dask; a bare install may not")
    inputs = corpus_tree(tmp_path / "in", 1)
    reports = {}
    for executor in ("local", "dask"):
        out, report = tmp_path / executor, tmp_path / f"{executor}.json"
        done = cli(
            "enrich", str(inputs), "--out", str(out), "--report", str(report), "--executor", executor, "--workers", "2"
        )
        assert done.returncode == 0, done.stderr
        reports[executor] = (comparable_report(report, out), tree_bytes(out))
    assert reports["dask"] == reports["local"]


def test_progress_lines_when_not_on_a_terminal(capsys, monkeypatch):
    from jats_enrich.cli import progress
    from jats_enrich.report.model import ArticleReport

    monkeypatch.setattr(progress, "LOG_EVERY", 0.0)
    shown = progress.Progress()
    shown.start(2)
    shown.update(ArticleReport(path="a.xml"))
    shown.update(ArticleReport(path="b.xml", error="b.xml: malformed XML: boom"))
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("jats-enrich: 1/2 articles, ") and "articles/s, 0 failed" in err[0]
    assert "jats-enrich: b.xml: malformed XML: boom" in err
    quiet = progress.Progress(quiet=True)
    quiet.start(1)
    quiet.update(ArticleReport(path="a.xml"))
    assert capsys.readouterr().err == ""


# -- how workers start ----------------------------------------------------------------------


def test_workers_forked_from_the_run_and_from_the_fork_server_give_the_same_outputs(tmp_path):
    """The lxml engine's workers are forked from the run with its dictionaries loaded; the XSLT
    engine's (Saxon loaded) start from the fork server. Either way: the outputs of one worker,
    the same permissions as the inputs, and not a word on stderr (no noise at exit)."""
    inputs = tmp_path / "in"
    inputs.mkdir()
    for path in sorted(FIXTURES.glob("*.xml")):
        shutil.copy(path, inputs / path.name)
        (inputs / path.name).chmod(0o640)
    for engine in ("lxml", "xslt"):
        runs = {}
        for workers in (1, 2):
            out, report = tmp_path / f"{engine}{workers}", tmp_path / f"{engine}{workers}.json"
            args = ["--engine", engine, "--workers", str(workers), "--quiet"]
            done = cli("enrich", str(inputs), "--out", str(out), "--report", str(report), *args)
            assert done.returncode == 0, done.stderr
            errors = [line for line in done.stderr.decode().splitlines() if "Exception" in line or "Traceback" in line]
            assert errors == []
            assert {oct(p.stat().st_mode & 0o777) for p in out.glob("*.xml")} == {oct(0o640)}
            runs[workers] = (tree_bytes(out), comparable_report(report, out))
        assert runs[1] == runs[2], engine


@pytest.mark.timeout(0)  # pytest-timeout's watching thread would make this process one of two threads
def test_forking_is_refused_where_it_is_unsafe(monkeypatch):
    import threading

    from jats_enrich.batch import executors
    from jats_enrich.config import EnrichOptions
    from jats_enrich.pipeline import Enricher

    enricher = Enricher(EnrichOptions())
    monkeypatch.delitem(sys.modules, "saxonche", raising=False)
    with monkeypatch.context() as alone:  # (earlier tests in this process may have left threads: a store's I/O)
        alone.setattr(executors.threading, "active_count", lambda: 1)
        assert executors.can_fork(enricher) == (sys.platform == "linux")
        assert not executors.can_fork(None)  # nothing built to share
        alone.setitem(sys.modules, "saxonche", sys)  # Saxon's runtime does not survive a fork
        assert not executors.can_fork(enricher)
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert not executors.can_fork(enricher)  # another thread may hold a lock the fork would copy
    finally:
        stop.set()
        thread.join()


def test_a_result_crosses_processes_as_json_and_arrives_equal():
    import pickle

    from jats_enrich.batch.executors import Task, TaskResult, work
    from jats_enrich.config import EnrichOptions
    from jats_enrich.pipeline import Enricher

    result = work(Task(key="k", source=str(ARTICLE), path=str(ARTICLE)), Enricher(EnrichOptions(write=False)))
    assert result.report.findings, "the fixture has roles to report"
    arrived = pickle.loads(pickle.dumps(result))
    assert isinstance(arrived, TaskResult)
    assert arrived == result and arrived.report == result.report
    assert arrived.report_json == result.report.model_dump_json()


def test_a_report_that_would_replace_an_input_is_refused_even_through_a_link(tmp_path):
    from jats_enrich.batch.inputs import discover, is_input

    (tmp_path / "in").mkdir()
    shutil.copy(ARTICLE, tmp_path / "in" / "a.xml")
    (tmp_path / "in" / "b.xml").symlink_to(tmp_path / "r.json")  # an input that is a link to the report
    (tmp_path / "r.json").write_text("{}")
    (tmp_path / "via").symlink_to(tmp_path / "in")
    sources = discover([tmp_path / "in"])
    assert is_input(tmp_path / "via" / "a.xml", sources)  # the same file by another folder's name
    assert is_input(tmp_path / "r.json", sources)
    assert not is_input(tmp_path / "in" / "c.xml", sources)
    assert not is_input(tmp_path / "report.json", sources)


def test_a_file_name_that_is_not_utf8_is_processed_and_reported(tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    for name in ("a.xml", "b.xml", "c.xml"):
        shutil.copy(ARTICLE, inputs / name)
    bad = os.fsdecode(b"bad\xff.xml")  # Linux gives Python the byte 0xff as a lone surrogate
    shutil.copy(ARTICLE, inputs / bad)
    expected = enrich_bytes(ARTICLE.read_bytes()).output
    for workers in ("1", "2"):
        out, report = tmp_path / f"out{workers}", tmp_path / f"r{workers}.json"
        args = ["enrich", str(inputs), "--out", str(out), "--report", str(report), "--report", str(report) + ".csv"]
        done = cli(*args, "--workers", workers)
        assert done.returncode == 0, done.stderr
        assert (out / bad).read_bytes() == expected
        paths = [a["path"] for a in json.loads(report.read_text())["articles"]]
        assert [Path(p).name for p in paths] == ["a.xml", "b.xml", "bad\\xff.xml", "c.xml"]
        assert "bad\\xff.xml" in Path(str(report) + ".csv").read_text()
        resumed = cli(*args, "--workers", workers, "--resume")
        assert resumed.returncode == 0, resumed.stderr
        assert json.loads(report.read_text())["articles_total"] == 4
    checked = cli("check", str(inputs), "--workers", "2", "--report", str(tmp_path / "c.csv"))
    assert checked.returncode == 0, checked.stderr
