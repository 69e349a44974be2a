"""Hostile and broken input: nothing leaks, hangs, explodes or is half-written, and every failure
is one clear line (no traceback unless --debug)."""

from __future__ import annotations

import errno
import os
import shutil
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from support import FIXTURES

from jats_enrich.api import run_batch
from jats_enrich.config import EnrichOptions
from jats_enrich.pipeline import Enricher

ROLE = "<front><article-meta><contrib-group><contrib><role>{}</role></contrib></contrib-group></article-meta></front>"


def article(role: str = "Software", doctype: str = "", body: str = "") -> bytes:
    return f'{doctype}<article dtd-version="1.3">{ROLE.format(role)}{body}</article>'.encode()


def cli(*args: str, cwd: Path | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "jats_enrich", *args], capture_output=True, text=True, cwd=cwd, timeout=timeout
    )


class Listener:
    """A loopback port counting connection attempts: proof that nothing is fetched."""

    def __init__(self) -> None:
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(8)
        self.server.settimeout(0.1)
        self.url = f"http://127.0.0.1:{self.server.getsockname()[1]}"
        self.connections = 0
        self.running = True
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while self.running:
            try:
                connection, _ = self.server.accept()
            except OSError:
                continue
            self.connections += 1
            connection.close()

    def close(self) -> None:
        self.running = False
        self.thread.join()
        self.server.close()


@pytest.fixture
def listener():
    server = Listener()
    yield server
    server.close()


@pytest.mark.parametrize("engine", ["lxml", "xslt"])
def test_nothing_is_fetched_from_the_network(tmp_path, listener, engine):
    doctypes = {
        "dtd.xml": '<!DOCTYPE article PUBLIC "-//NLM//DTD JATS (Z39.96) Journal Publishing DTD v1.3 20210610//EN" '
        f'"{listener.url}/j.dtd">',
        "general.xml": f'<!DOCTYPE article [<!ENTITY remote SYSTEM "{listener.url}/e.txt">]>',
        "parameter.xml": f'<!DOCTYPE article [<!ENTITY % remote SYSTEM "{listener.url}/p.dtd"> %remote;]>',
    }
    for name, doctype in doctypes.items():
        (tmp_path / name).write_bytes(article("Software &remote;" if "general" in name else "Software", doctype))
    done = cli("enrich", str(tmp_path), "--out", str(tmp_path / "out"), "--engine", engine)
    assert "Traceback" not in done.stderr
    assert listener.connections == 0
    assert done.returncode in (0, 2), done.stderr


def test_local_files_named_by_entities_are_never_opened(tmp_path):
    # Opening a FIFO for reading blocks until someone writes: a run that tried would hang.
    fifo = tmp_path / "secret.dtd"
    os.mkfifo(fifo)
    uri = fifo.as_uri()
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "dtd.xml").write_bytes(article(doctype=f'<!DOCTYPE article SYSTEM "{uri}">'))
    (inputs / "general.xml").write_bytes(
        article("Software&secret;", f'<!DOCTYPE article [<!ENTITY secret SYSTEM "{uri}">]>')
    )
    (inputs / "parameter.xml").write_bytes(
        article(doctype=f'<!DOCTYPE article [<!ENTITY % secret SYSTEM "{uri}"> %secret;]>')
    )
    for engine in ("lxml", "xslt"):
        done = cli("enrich", str(inputs), "--out", str(tmp_path / engine), "--engine", engine, timeout=60)
        assert "Traceback" not in done.stderr
        assert done.returncode == 0, done.stderr


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        (
            "bomb.xml",
            article(
                "Software &j;",
                "<!DOCTYPE article [<!ENTITY a 'lollollollollollollollollol'>"
                + "".join(f"<!ENTITY {chr(98 + i)} '{('&' + chr(97 + i) + ';') * 10}'>" for i in range(9))
                + "]>",
            ),
            "refused: entity expansion beyond the safety limit",
        ),
        ("deep.xml", article(body="<sec>" * 5000 + "</sec>" * 5000), "refused: elements nested deeper than 256 levels"),
        (
            "huge.xml",
            article(body="<body><p>" + "x" * (50 * 1024 * 1024) + "</p></body>"),
            "refused: a text node longer",
        ),
        ("garbage.xml", bytes(range(256)) * 64, "malformed XML"),
        ("empty.xml", b"", "empty file"),
        ("html.xml", b"<html><body><p>hello</p></body></html>", "not a JATS article (root element <html>)"),
        # libxml2 quotes the text after an unfinished CDATA section on a line of its own
        ("cdata.xml", article("Software <![CDATA[\n<role>x</role>\n"), "CData section not finished <role>x</role>"),
        # a namespace error stops libxml2, and lxml raises nothing when a warning was logged after
        # it: the text and elements after the root were taken for a well-formed article
        (
            "tail.xml",
            b'<!DOCTYPE article SYSTEM "a.dtd">\n<article xmlns:x="http://\xc3\xa9w">'
            + ROLE.format("Software &nbsp;").encode()
            + b"</article>\ngarbage <role>Software</role>",
            "malformed XML: xmlns:x: 'http://\u00e9w' is not a valid URI, line 2, column",
        ),
    ],
    ids=[
        "entity-bomb",
        "deep-nesting",
        "50MB-text-node",
        "binary-garbage",
        "empty-file",
        "not-jats",
        "open-cdata",
        "hidden-tail",
    ],
)
def test_hostile_articles_are_one_clear_error_and_the_batch_goes_on(tmp_path, name, data, message):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / name).write_bytes(data)
    shutil.copy(FIXTURES / "credit-variants-1.3.xml", tmp_path / "in" / "good.xml")
    done = cli("enrich", str(tmp_path / "in"), "--out", str(tmp_path / "out"))
    assert done.returncode == 2
    errors = [line for line in done.stderr.splitlines() if name in line]
    assert len(errors) == 1 and message in errors[0], done.stderr
    assert "Traceback" not in done.stderr
    assert (tmp_path / "out" / "good.xml").is_file() and not (tmp_path / "out" / name).exists()


def test_a_file_name_with_a_line_break_is_still_one_line_of_error(tmp_path):
    """The error names the file with its control characters escaped: one line on stderr, in the
    CSV report's cell and in the JSON report's error."""
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "two\nlines.xml").write_bytes(b"<article><front>")
    report = tmp_path / "r.csv"
    done = cli("enrich", str(tmp_path / "in"), "--out", str(tmp_path / "out"), "--report", str(report))
    assert done.returncode == 2
    errors = [line for line in done.stderr.splitlines() if "lines.xml" in line]
    assert len(errors) == 1 and "two\\nlines.xml: malformed XML" in errors[0], done.stderr
    assert "two\\nlines.xml: malformed XML" in report.read_text(encoding="utf-8")


def test_an_error_is_one_line_whatever_separates_lines():
    """Line separators Python splits on (NEL, U+2028, U+2029) and C1 controls are escaped too."""
    from jats_enrich.report.model import ArticleReport

    error = ArticleReport(path="p", error="two\x85nel.xml\u2028\u2029\x9b: malformed XML").error
    assert error is not None and len(error.splitlines()) == 1
    assert error == "two\\x85nel.xml\\u2028\\u2029\\x9b: malformed XML"


def test_other_encodings_are_read_and_written_in_their_own(tmp_path):
    for name in ("credit-1.2-latin1-crlf.xml", "credit-1.4-utf16-bom.xml"):
        result = Enricher().enrich_bytes((FIXTURES / name).read_bytes(), name)
        assert result.report.error is None
        assert any(f.outcome.value == "tagged" for f in result.report.findings)


def test_a_symlink_leading_out_of_the_input_folder_is_not_followed(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = outside / "secret.xml"
    shutil.copy(FIXTURES / "credit-variants-1.3.xml", secret)
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "link.xml").symlink_to(secret)
    (inputs / "linked-folder").symlink_to(outside, target_is_directory=True)
    shutil.copy(FIXTURES / "legacy-1.1.xml", inputs / "own.xml")
    done = cli("enrich", str(inputs), "--out", str(tmp_path / "out"))
    assert done.returncode == 2
    assert "link.xml: symbolic link leading outside the input folder; not read" in done.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["own.xml"]


def test_an_output_folder_that_cannot_be_written_is_a_clear_error(tmp_path):
    blocked = tmp_path / "out"
    blocked.write_text("a file where the output folder should be")
    done = cli("enrich", str(FIXTURES / "legacy-1.1.xml"), "--out", str(blocked))
    assert done.returncode == 64
    assert f"{blocked}: exists and is not a folder" in done.stderr and "Traceback" not in done.stderr
    assert blocked.read_text() == "a file where the output folder should be"
    # A folder below which a file stands in the way: each article fails on its own, clearly.
    (tmp_path / "in" / "sub").mkdir(parents=True)
    shutil.copy(FIXTURES / "legacy-1.1.xml", tmp_path / "in" / "sub" / "a.xml")
    (tmp_path / "out2").mkdir()
    (tmp_path / "out2" / "sub").write_text("in the way")
    done = cli("enrich", str(tmp_path / "in"), "--out", str(tmp_path / "out2"))
    assert done.returncode == 2
    assert "a.xml: cannot write" in done.stderr and "Traceback" not in done.stderr


def test_a_full_disk_leaves_nothing_half_written(tmp_path, monkeypatch):
    import jats_enrich.batch.runner as batch

    real_fdopen = os.fdopen

    class Full:
        def __init__(self, handle):
            self.handle = handle

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.handle.close()

        def write(self, data):
            self.handle.write(data[: len(data) // 2])
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(batch.os, "fdopen", lambda fd, mode: Full(real_fdopen(fd, mode)))
    report = run_batch([FIXTURES], tmp_path / "out", EnrichOptions())
    assert report.articles_failed == report.articles_total > 0
    assert all("No space left on device" in a.error for a in report.articles)
    assert [p for p in (tmp_path / "out").rglob("*") if p.is_file()] == [
        (tmp_path / "out" / ".jats-enrich-journal")
    ] or not [p for p in (tmp_path / "out").rglob("*.xml")]
    assert not list((tmp_path / "out").rglob("*.tmp"))


def test_an_internal_error_is_one_line_unless_debug(monkeypatch, capsys):
    from jats_enrich import cli as command
    from jats_enrich.cli import vocab as cli_vocab

    def broken(args):
        raise RuntimeError("something the developers got wrong")

    monkeypatch.setattr(cli_vocab, "_list", broken)
    assert command.main(["vocab", "list"]) == 70
    err = capsys.readouterr().err
    assert err.strip() == (
        "jats-enrich: error: internal error: RuntimeError: something the developers got wrong "
        "(run with --debug for the traceback)"
    )
    with pytest.raises(RuntimeError):
        command.main(["--debug", "vocab", "list"])


def test_an_internal_error_in_one_article_does_not_stop_the_batch(monkeypatch):
    from jats_enrich import pipeline

    real = pipeline.Enricher.decide_article

    def sometimes(self, article):
        if "legacy" in article.source:
            raise RecursionError("maximum recursion depth exceeded")
        return real(self, article)

    monkeypatch.setattr(pipeline.Enricher, "decide_article", sometimes)
    report = run_batch([FIXTURES], None, EnrichOptions(write=False))
    failed = [a for a in report.articles if a.error]
    assert len(failed) == 1 and "internal error: RecursionError" in failed[0].error
    assert report.articles_total == len(list(FIXTURES.rglob("*.xml")))
