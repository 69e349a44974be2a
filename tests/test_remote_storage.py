"""Inputs, outputs and reports where clusters keep them: an S3-compatible server started here on
loopback (moto in server mode), and fsspec's memory file system.

A remote run gives the local run's bytes: every output object and the report (its paths aside).
Credentials and the endpoint come from the environment, as the backend reads them: never options.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from support import CORPUS, FIXTURES, shared_missing, stop_process

s3fs = pytest.importorskip("s3fs", reason="the test extra installs s3fs and moto; a bare install may not")

BUCKET = "articles"


def _articles() -> list[Path]:
    chosen = sorted(FIXTURES.glob("*.xml"))
    if not shared_missing:
        chosen += sorted(CORPUS.glob("*.xml"))[:40]
    return chosen


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """moto's S3 server on a free loopback port, stopped whatever happens; the environment a
    client needs to reach it (the backend's own variables)."""
    port = _free_port()
    log = (tmp_path_factory.mktemp("moto") / "server.log").open("wb")
    server = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                              stdout=log, stderr=log)  # fmt: skip
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(endpoint + "/moto-api/", timeout=2).close()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("the S3 server did not start") from None
                time.sleep(0.2)
        yield {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ENDPOINT_URL": endpoint,
        }
    finally:
        stop_process(server)
        log.close()


@pytest.fixture
def s3(s3_server: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    """A client of the server with a fresh bucket of the articles under in/."""
    for name, value in s3_server.items():
        monkeypatch.setenv(name, value)
    s3fs.S3FileSystem.clear_instance_cache()
    fs = s3fs.S3FileSystem()
    if fs.exists(BUCKET):
        fs.rm(BUCKET, recursive=True)
    fs.mkdir(BUCKET)
    for path in _articles():
        fs.pipe_file(f"{BUCKET}/in/{path.name}", path.read_bytes())
    fs.invalidate_cache()
    try:
        yield fs
    finally:
        s3fs.S3FileSystem.clear_instance_cache()


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "jats_enrich", *args], capture_output=True, text=True, timeout=300)


def _local_run(tmp_path: Path) -> tuple[dict[str, bytes], dict[str, object]]:
    inputs = tmp_path / "in"
    inputs.mkdir()
    for path in _articles():
        os.link(path, inputs / path.name)
    out, report = tmp_path / "local-out", tmp_path / "local.json"
    done = _cli("enrich", str(inputs), "--out", str(out), "--report", str(report), "--workers", "2")
    assert done.returncode == 0, done.stderr
    outputs = {p.name: p.read_bytes() for p in sorted(out.iterdir())}
    return outputs, _comparable(report.read_text(encoding="utf-8"), str(inputs), str(out))


def _comparable(text: str, inputs: str, out: str) -> dict[str, object]:
    data = json.loads(text.replace(inputs, "IN").replace(out, "OUT"))
    data.pop("run")
    return data  # type: ignore[no-any-return]


@pytest.mark.parametrize("executor", ["local", "dask"])
def test_articles_read_from_and_written_to_s3_are_the_local_run_s_bytes(s3, tmp_path, executor):
    expected_outputs, expected_report = _local_run(tmp_path)
    url = f"s3://{BUCKET}"
    done = _cli("enrich", f"{url}/in/", "--out", f"{url}/out/", "--report", f"{url}/reports/run.json",
                "--report", f"{url}/reports/run.csv", "--workers", "2", "--executor", executor)  # fmt: skip
    assert done.returncode == 0, done.stderr
    s3.invalidate_cache()
    written = {key.rsplit("/", 1)[-1]: s3.cat_file(key) for key in sorted(s3.find(f"{BUCKET}/out"))}
    assert written == expected_outputs
    report = s3.cat_file(f"{BUCKET}/reports/run.json").decode("utf-8")
    assert _comparable(report, f"{url}/in", f"{url}/out") == expected_report
    assert s3.exists(f"{BUCKET}/reports/run.csv") and s3.exists(f"{BUCKET}/reports/run.csv.run.json")
    assert "testing" not in report  # no credential in a report


def test_a_remote_run_resumes_from_its_local_journal(s3, tmp_path):
    url = f"s3://{BUCKET}"
    journal = tmp_path / "run.journal"
    first = _cli("enrich", f"{url}/in", "--out", f"{url}/out", "--journal", str(journal), "--workers", "1")
    assert first.returncode == 0, first.stderr
    s3.invalidate_cache()
    stamps = {key: s3.info(key)["LastModified"] for key in s3.find(f"{BUCKET}/out")}
    time.sleep(1.1)  # (S3 times have seconds)
    again = _cli("enrich", f"{url}/in", "--out", f"{url}/out", "--journal", str(journal), "--resume")
    assert again.returncode == 0, again.stderr
    s3.invalidate_cache()
    assert {key: s3.info(key)["LastModified"] for key in s3.find(f"{BUCKET}/out")} == stamps  # none written again
    s3.rm(sorted(stamps)[0])  # an output gone: that article alone is done again
    third = _cli("enrich", f"{url}/in", "--out", f"{url}/out", "--journal", str(journal), "--resume")
    assert third.returncode == 0, third.stderr
    s3.invalidate_cache()
    assert sorted(s3.find(f"{BUCKET}/out")) == sorted(stamps)


def test_what_a_remote_run_cannot_do_is_refused_in_one_line(s3, tmp_path):
    url = f"s3://{BUCKET}"
    package = tmp_path / "p.zip"
    package.write_bytes(b"PK\x05\x06" + b"\0" * 18)
    cases = [
        (["enrich", f"{url}/nothing-here/", "--out", str(tmp_path / "o")], "no such file or folder"),
        (["enrich", f"{url}/in/", "--in-place"], "not enriched in place"),
        (["enrich", str(package), "--out", f"{url}/out/"], "written to a local folder only"),
        (["enrich", f"{url}/in/{FIXTURES.name}.zip", "--out", str(tmp_path / "o")], "read from a local path only"),
        (["enrich", "nosuchscheme://x/in/", "--out", str(tmp_path / "o")], "nosuchscheme"),
    ]
    for args, said in cases:
        done = _cli(*args)
        assert done.returncode == 64 and said in done.stderr and done.stderr.count("\n") == 1, (args, done.stderr)


def test_an_output_that_cannot_be_written_fails_its_article_and_the_batch_goes_on(s3, tmp_path):
    """An output bucket that does not exist (none is ever created): each article fails with one
    line naming its output, the others go on, the report says so."""
    report_file = str(tmp_path / "r.json")
    done = _cli("enrich", f"s3://{BUCKET}/in/", "--out", "s3://no-such-bucket/out/", "--report", report_file)
    assert done.returncode == 2, done.stderr  # articles failed
    assert not s3.exists("no-such-bucket")
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert report["articles_total"] == len(_articles()) == report["articles_failed"]
    assert all("s3://no-such-bucket/out/" in a["error"] and "cannot write" in a["error"] for a in report["articles"])


def test_the_memory_file_system_through_the_python_api(tmp_path):
    """fsspec's memory:// store, in this process: no server, the same bytes as local files."""
    import fsspec

    from jats_enrich.api import run_batch

    memory = fsspec.filesystem("memory")
    for path in sorted(FIXTURES.glob("*.xml")):
        memory.pipe_file(f"/jats-enrich-test/in/{path.name}", path.read_bytes())
    try:
        remote = run_batch(["memory://jats-enrich-test/in"], "memory://jats-enrich-test/out")
        local = run_batch([FIXTURES], tmp_path / "out")
        top = {p.name for p in FIXTURES.glob("*.xml")}
        expected = {p.name: p.read_bytes() for p in (tmp_path / "out").glob("*.xml") if p.name in top}
        written = {k.rsplit("/", 1)[-1]: memory.cat_file(k) for k in memory.find("/jats-enrich-test/out")}
        assert written == expected and remote.articles_total == len(expected) <= local.articles_total
    finally:
        memory.rm("/jats-enrich-test", recursive=True)
