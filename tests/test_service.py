"""The HTTP service, started as users start it (``jats-enrich serve`` on a loopback port): every
endpoint, every error status, the log line, and the same bytes as ``jats-enrich enrich``."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance
from support import CORPUS, FIXTURES, needs_shared

from jats_enrich.config import EnrichOptions
from jats_enrich.pipeline import Enricher

VOCABULARIES = ("credit", "casrai")
MAX_BODY_MB = 4
ARTICLES = sorted(FIXTURES.glob("*.xml"))


class Server:
    def __init__(self, url: str, log: Path, process: subprocess.Popen[bytes]) -> None:
        self.url, self.log, self.process = url, log, process

    @property
    def address(self) -> tuple[str, int]:
        host, port = self.url.removeprefix("http://").rsplit(":", 1)
        return host, int(port)

    def log_lines(self) -> list[dict[str, object]]:
        return [json.loads(line) for line in self.log.read_text().splitlines() if line.startswith("{")]


def start_server(log: Path, *args: str, preexec_fn: Callable[[], None] | None = None) -> Server:
    """``jats-enrich serve`` on a free loopback port, once /healthz answers. It runs in a process
    group of its own (its fork server and workers with it), which ``stop_server`` ends whatever
    happens; a server that does not start is ended here."""
    command = [sys.executable, "-m", "jats_enrich", "serve", "--port", "0", *args]
    with log.open("wb") as stderr:
        process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=stderr, start_new_session=True, preexec_fn=preexec_fn
        )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            found = re.search(r"serving (http://\S+) ", log.read_text())
            if found:
                url = found.group(1)
                try:
                    if httpx.get(url + "/healthz", timeout=5).status_code == 200:
                        return Server(url, log, process)
                except httpx.TransportError:
                    pass
            if process.poll() is not None:
                raise RuntimeError(f"the service stopped: {log.read_text()}")
            time.sleep(0.2)
        raise RuntimeError(f"the service did not start: {log.read_text()}")
    except BaseException:
        kill_group(process)
        raise


def kill_group(process: subprocess.Popen[bytes]) -> None:
    """End the service's whole process group (the service, its fork server, its workers), whatever
    state it is in; a group already gone is fine."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


def stop_server(running: Server) -> None:
    """Stop as a user would (SIGTERM, which lets it shut its workers down), then make sure: what is
    left of its process group is killed."""
    try:
        if running.process.poll() is None:
            running.process.terminate()
            running.process.wait(timeout=30)
    finally:
        kill_group(running.process)


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[..., Server]]:
    """Start servers for one test (``serve(*flags)``); every one is stopped at its end, whatever happens."""
    started: list[Server] = []

    def start(*args: str, preexec_fn: Callable[[], None] | None = None) -> Server:
        running = start_server(tmp_path / f"service-{len(started)}.log", *args, preexec_fn=preexec_fn)
        started.append(running)
        return running

    try:
        yield start
    finally:
        for running in started:
            stop_server(running)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    log = tmp_path_factory.mktemp("service") / "service.log"
    vocab = [arg for name in VOCABULARIES for arg in ("--vocab", name)]
    running = start_server(log, "--workers", "2", "--max-body", str(MAX_BODY_MB), *vocab)
    try:
        yield running
    finally:
        stop_server(running)


@pytest.fixture(scope="module")
def client(server: Server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=60) as http:
        yield http


def library(data: bytes, **options: object):
    settings = {"vocabularies": VOCABULARIES, **options}
    return Enricher(EnrichOptions(**settings)).enrich_bytes(data, "request")  # type: ignore[arg-type]


# --- endpoints ---------------------------------------------------------------------------------


def test_healthz(client):
    answer = client.get("/healthz")
    assert answer.status_code == 200
    assert answer.json()["status"] == "ok" and answer.json()["vocabularies"] == list(VOCABULARIES)


@pytest.mark.parametrize("path", ARTICLES, ids=[p.name for p in ARTICLES])
def test_enrich_returns_the_bytes_the_library_writes(client, path):
    data = path.read_bytes()
    answer = client.post("/v1/enrich", content=data, headers={"Content-Type": "application/xml"})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/xml"
    expected = library(data)
    assert answer.content == expected.output
    counts = {}
    for finding in expected.report.findings:
        counts[finding.outcome.value] = counts.get(finding.outcome.value, 0) + 1
    assert answer.headers["x-jats-enrich-summary"] == ", ".join(f"{k}={v}" for k, v in counts.items())
    by_kind: dict[str, dict[str, int]] = {}
    kinds = {"role": "role", "kwd": "keyword", "compound-kwd": "keyword", "subject": "subject"}
    for finding in expected.report.findings:
        counts = by_kind.setdefault(kinds.get(finding.element, "subject"), {})
        counts[finding.outcome.value] = counts.get(finding.outcome.value, 0) + 1
    written = dict(part.split(": ", 1) for part in answer.headers["x-jats-enrich-by-kind"].split("; ") if part)
    assert {k: dict(c.split("=") for c in v.split(", ")) for k, v in written.items()} == {
        k: {o: str(n) for o, n in c.items()} for k, c in by_kind.items()
    }


@pytest.mark.parametrize("path", ARTICLES, ids=[p.name for p in ARTICLES])
def test_enrich_as_json_gives_the_article_losslessly_and_its_findings(client, path):
    data = path.read_bytes()
    answer = client.post("/v1/enrich", content=data, headers={"Accept": "application/json"})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    expected = library(data)
    assert body["article"].encode(body["encoding"]) == expected.output  # utf-16, latin-1 and a BOM too
    assert body["findings"] == expected.report.model_dump(mode="json")["findings"]
    assert body["doi"] == expected.report.doi


def test_check_reports_without_writing(client):
    data = (FIXTURES / "credit-variants-1.3.xml").read_bytes()
    answer = client.post("/v1/check", content=data)
    assert answer.status_code == 200
    assert answer.json() == library(data, write=False).report.model_dump(mode="json")
    assert "article" not in answer.json()


def test_request_options_are_the_cli_options(client):
    data = (FIXTURES / "credit-existing-markup-1.3.xml").read_bytes()
    from jats_enrich.decide.model import Policy

    upgraded = client.post("/v1/enrich", params={"upgrade": "true"}, content=data)
    assert upgraded.content == library(data, policy=Policy(upgrade=True)).output != library(data).output
    credit_only = client.post(
        "/v1/enrich", params={"vocab": "credit"}, content=(FIXTURES / "casrai-dictionary-1.3.xml").read_bytes()
    )
    assert b'vocab="casrai"' not in credit_only.content and b'vocab="credit"' in credit_only.content
    xslt = client.post("/v1/enrich", params={"engine": "xslt"}, content=data)
    assert xslt.content == library(data).output
    statements = (FIXTURES / "statements" / "elife-linked-1.3.xml").read_bytes()
    added = client.post("/v1/enrich", params={"add_roles": "true"}, content=statements)
    assert added.content == library(statements, add_roles=True).output != statements
    assert client.post("/v1/enrich", content=statements).content == library(statements).output
    roles_only = client.post(
        "/v1/check",
        params=[("targets", "role"), ("profile", "jats4r")],
        content=(FIXTURES / "casrai-dictionary-1.3.xml").read_bytes(),
    )
    assert {f["element"] for f in roles_only.json()["findings"]} == {"role"}
    atypon = client.post("/v1/enrich", params={"profile": "atypon"}, content=data)
    assert atypon.content == library(data, profile="atypon").output and b'vocab="CRediT"' in atypon.content
    # A request names a shipped profile, never a file on the server.
    assert client.post("/v1/enrich", params={"profile": "/etc/hostname"}, content=data).status_code == 422


def test_vocabularies_and_term_lookup(client):
    listed = client.get("/v1/vocabularies").json()
    assert [v["name"] for v in listed] == list(VOCABULARIES)
    assert listed[1]["terms"] == 1329
    found = client.get("/v1/vocabularies/casrai/terms", params={"q": "APC", "target": "keyword"}).json()
    assert [(m["term"]["label"], m["rule"]) for m in found["matches"]] == [("Article processing charge", "alias")]
    near = client.get("/v1/vocabularies/credit/terms", params={"q": "Methodolgy"}).json()
    assert near["matches"] == [] and near["near_misses"][0]["term"]["label"] == "Methodology"
    old = client.get("/v1/vocabularies/credit/terms", params={"q": "http://credit.niso.org/contributor-roles/software"})
    assert old.json()["identifier_of"]["label"] == "Software"
    page = client.get("/v1/vocabularies/casrai/terms", params={"target": "role", "limit": 1, "offset": 1}).json()
    assert page["total"] == 2 and [t["label"] for t in page["terms"]] == ["Reviewer"]


def test_openapi_document(client):
    document = client.get("/openapi.json").json()
    assert set(document["paths"]) == {
        "/v1/enrich",
        "/v1/check",
        "/v1/export/crossref",
        "/v1/vocabularies",
        "/v1/vocabularies/{name}/terms",
        "/healthz",
    }
    enrich = document["paths"]["/v1/enrich"]["post"]
    assert "application/xml" in enrich["requestBody"]["content"]
    assert {"404", "413", "422", "504"} <= set(enrich["responses"])


# --- errors ------------------------------------------------------------------------------------


ERROR_CASES = [
    # (method, path, params, body, status, words the one-line error must contain)
    ("post", "/v1/enrich", {}, b"<article><front></article>", 422, "request: malformed XML"),
    ("post", "/v1/check", {}, b"<html><body/></html>", 422, "not a JATS article"),
    ("post", "/v1/enrich", {}, b"", 422, "empty"),
    ("post", "/v1/enrich", {"engine": "sed"}, b"<article/>", 422, "engine"),
    ("post", "/v1/enrich", {"colour": "blue"}, b"<article/>", 422, "colour: unknown option"),
    ("post", "/v1/enrich", {"accept_fuzzy": "101"}, b"<article/>", 422, "accept_fuzzy"),
    ("post", "/v1/enrich", {"vocab": "mesh"}, b"<article/>", 404, "no dictionary 'mesh'; loaded: credit, casrai"),
    ("get", "/v1/vocabularies/mesh/terms", {"q": "x"}, None, 404, "no dictionary 'mesh'"),
    ("get", "/v2/enrich", {}, None, 404, "Not Found"),
    ("get", "/v1/enrich", {}, None, 405, "Method Not Allowed"),
    ("post", "/v1/enrich", {}, b"<" + b"a" * int(MAX_BODY_MB * 1024 * 1024), 413, "accepts at most"),
]


@pytest.mark.parametrize(("method", "path", "params", "body", "status", "words"), ERROR_CASES)
def test_errors_are_one_line_with_the_right_status(client, method, path, params, body, status, words):
    answer = client.request(method, path, params=params, content=body)
    assert answer.status_code == status, answer.text
    assert list(answer.json()) == ["error"]
    assert words in answer.json()["error"]
    assert "\n" not in answer.json()["error"] and "Traceback" not in answer.text


def test_a_body_too_large_is_refused_even_without_a_declared_length(client):
    def chunks() -> Iterator[bytes]:
        for _ in range(80):
            yield b"a" * 65536  # 5 MB, chunked: no Content-Length to go by

    answer = client.post("/v1/enrich", content=chunks())
    assert answer.status_code == 413 and "larger than" in answer.json()["error"]


def test_every_request_is_one_json_log_line(client, server):
    data = (FIXTURES / "keywords-casrai-1.3.xml").read_bytes()
    client.post("/v1/enrich", content=data, params={"name": "logged.xml"})
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        lines = [e for e in server.log_lines() if e.get("doi") == "10.0000/jef.2026.010"]
        if lines:
            break
        time.sleep(0.1)
    entry = lines[-1]
    assert set(entry) == {"method", "path", "status", "bytes_in", "bytes_out", "ms", "doi"}
    assert (entry["method"], entry["path"], entry["status"]) == ("POST", "/v1/enrich", 200)
    assert entry["bytes_in"] == len(data)
    assert isinstance(entry["ms"], float) and entry["bytes_out"] > len(data)
    assert any(e["status"] == 413 for e in server.log_lines())


def test_a_bug_is_a_500_with_one_line_and_the_traceback_only_in_the_log(monkeypatch, caplog):
    from fastapi.testclient import TestClient

    from jats_enrich.service import app as service
    from jats_enrich.service.state import _State

    async def broken(self, job):
        raise RuntimeError("something the developers got wrong")

    monkeypatch.setattr(_State, "run", broken)
    with TestClient(service.create_app(service.ServiceConfig(workers=1))) as http:
        answer = http.post("/v1/enrich", content=b"<article/>")
    assert answer.status_code == 500
    assert answer.json() == {"error": "internal error; the service's log has the details"}
    assert "something the developers got wrong" in caplog.text  # the service's log has it


def test_an_article_taking_longer_than_the_timeout_is_stopped_and_the_next_one_is_served():
    from fastapi.testclient import TestClient

    from jats_enrich.service import app as service

    # distinct compound roles, each analysed afresh, within the targets one article may have
    roles = "".join(f"<contrib><role>Conceptualisation {i} and writing</role></contrib>" for i in range(2_900))
    article = f'<article dtd-version="1.3"><front><article-meta><contrib-group>{roles}</contrib-group>'
    article += "</article-meta></front></article>"
    small = (FIXTURES / "credit-variants-1.3.xml").read_bytes()
    with TestClient(service.create_app(service.ServiceConfig(workers=1, timeout=0.2))) as http:
        begin = time.monotonic()
        answer = http.post("/v1/enrich", content=article.encode())
        assert answer.status_code == 504 and "not done within 0.2 s; stopped" in answer.json()["error"]
        next_one = http.post("/v1/enrich", content=small)  # the worker stopped the job: it is free
        assert next_one.status_code == 200 and next_one.content == library(small, vocabularies=("credit",)).output
        assert time.monotonic() - begin < 10


def test_accept_header_negotiation(client):
    data = (FIXTURES / "credit-variants-1.3.xml").read_bytes()
    for accept, media in [
        ("application/json;q=0, application/xml", "application/xml"),
        ("application/xml;q=0.1, application/json", "application/json"),
        ("APPLICATION/JSON", "application/json"),
        ("text/xml", "application/xml"),
        ("*/*", "application/xml"),
        ("application/*;q=0.5, application/json", "application/json"),
    ]:
        answer = client.post("/v1/enrich", content=data, headers={"Accept": accept})
        assert answer.status_code == 200 and answer.headers["content-type"] == media, accept
        assert answer.headers["vary"] == "Accept"
    refused = client.post("/v1/enrich", content=data, headers={"Accept": "text/html"})
    assert refused.status_code == 406 and "allows none of application/xml, application/json" in refused.json()["error"]
    assert client.post("/v1/check", content=data, headers={"Accept": "application/xml"}).status_code == 406


def test_small_conveniences(client):
    assert client.head("/healthz").status_code == 200
    data = (FIXTURES / "casrai-dictionary-1.3.xml").read_bytes()
    both = client.post("/v1/check", params={"vocab": "credit,casrai"}, content=data).json()
    assert {f["vocab"] for f in both["findings"]} == {"credit", "casrai", None}
    search = client.get("/v1/vocabularies/casrai/terms", params={"q": "Editor", "target": "role"}).json()
    assert search["total"] == 2 and search["matches"][0]["term"]["identifier"].endswith("reviewer-roles-editor")
    old = client.get(
        "/v1/vocabularies/credit/terms",
        params={"q": "https://credit.niso.org/contributor-roles/software/", "target": "keyword"},
    )
    assert old.json()["identifier_of"]["label"] == "Software"  # an identifier is found whatever the target


def test_a_client_gone_before_the_whole_body_is_a_400_not_an_internal_error(server):
    import socket

    with socket.create_connection(server.address) as connection:
        connection.sendall(b"POST /v1/enrich HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n<article>")
        time.sleep(0.3)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not any(e.get("status") == 400 for e in server.log_lines()):
        time.sleep(0.1)
    entries = [e for e in server.log_lines() if e.get("status") == 400]
    assert entries and entries[-1]["path"] == "/v1/enrich"
    assert not any(e.get("status") == 500 for e in server.log_lines())


@pytest.mark.parametrize(
    ("flags", "words"),
    [
        (["--max-body", "nan"], "--max-body must be a positive number"),
        (["--max-body", "inf"], "--max-body must be a positive number"),
        (["--timeout", "0"], "--timeout must be a positive number"),
        (["--port", "70000"], "--port must be between 0 and 65535"),
        (["--workers", "0"], "--workers must be at least 1"),
    ],
)
def test_serve_refuses_bad_flags_in_plain_words(flags, words):  # each fails before it starts anything
    done = subprocess.run(
        [sys.executable, "-m", "jats_enrich", "serve", *flags], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 64 and words in done.stderr


def test_stopping_the_service_with_sigterm_ends_its_workers(serve):
    import psutil

    running = serve("--workers", "2")
    main = psutil.Process(running.process.pid)
    family = main.children(recursive=True)
    assert sum(1 for p in family if p.nice() > main.nice()) == 2  # the two workers, at a lower priority
    running.process.terminate()
    running.process.wait(timeout=30)
    _gone, alive = psutil.wait_procs(family, timeout=10)
    assert alive == [], [p.cmdline() for p in alive]


def test_the_service_starts_answering_only_once_every_worker_has_started():
    # The cause of the test above failing now and then: the start-up jobs (one per worker) could
    # all be taken by the first worker up while the second was still loading the dictionaries, so
    # that the service answered with a worker not yet started (not yet at its lower priority).
    import psutil

    from jats_enrich.service import app as service

    state = service._State(service.ServiceConfig(workers=2))

    async def start_and_look() -> list[int]:
        state.start_pool()
        try:
            await state.warm_up()
            assert state.pool is not None
            return [psutil.Process(pid).nice() for pid in list(state.pool._processes)]
        finally:
            state.stop_pool()

    for _ in range(3):
        niceness = asyncio.run(start_and_look())
        assert len(niceness) == 2 and all(n > os.nice(0) for n in niceness), niceness


def test_serve_without_its_extra_says_how_to_install_it(tmp_path):
    # A Python whose 'fastapi' cannot be imported, as on an install without the extra.
    (tmp_path / "fastapi.py").write_text("raise ImportError('no fastapi', name='fastapi')\n")
    done = subprocess.run(
        [sys.executable, "-c", "import sys; from jats_enrich.cli import main; sys.exit(main(['serve']))"],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"},
        timeout=60,
    )
    assert done.returncode == 64
    assert "pip install 'jats-enrich[service]'" in done.stderr


def test_serve_refuses_a_bad_dictionary_before_listening(tmp_path):
    bad = tmp_path / "bad.jsonld"
    bad.write_text("{")
    done = subprocess.run(
        [sys.executable, "-m", "jats_enrich", "serve", "--port", "0", "--vocab", str(bad)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 65 and "bad.jsonld: malformed JSON" in done.stderr


# --- the contract, tested from the service's own OpenAPI document --------------------------------


OPERATIONS = [
    ("POST", "/v1/enrich"),
    ("POST", "/v1/check"),
    ("GET", "/v1/vocabularies"),
    ("GET", "/v1/vocabularies/{name}/terms"),
    ("GET", "/healthz"),
]


CONTRACT_CASES = [(m, p, GenerationMode.POSITIVE) for m, p in OPERATIONS] + [
    (m, p, GenerationMode.NEGATIVE)
    for m, p in OPERATIONS
    if m == "POST" or "{" in p  # those with parameters
]


@pytest.mark.parametrize(
    ("method", "path", "mode"), CONTRACT_CASES, ids=[f"{m} {p} {g.value}" for m, p, g in CONTRACT_CASES]
)
def test_the_service_keeps_its_openapi_contract(server, method, path, mode):
    # Requests generated from the service's own document; no server error, and every response
    # (status, content type, headers, body) is one the document declares. Left out: the check that
    # every schema-valid body is accepted; a JSON Schema "string" cannot say "a JATS article".
    # Positive mode: requests the document allows; negative: requests it forbids (bad options...).
    api = schemathesis.openapi.from_url(server.url + "/openapi.json")
    operation = api[path][method]

    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(case=operation.as_strategy(generation_mode=mode))
    def call(case):
        case.call_and_validate(excluded_checks=[positive_data_acceptance], timeout=60)

    call()


# --- the real corpus ---------------------------------------------------------------------------


@needs_shared
def test_every_corpus_article_comes_back_as_the_cli_writes_it(client, tmp_path):
    vocab = [arg for name in VOCABULARIES for arg in ("--vocab", name)]
    done = subprocess.run(
        [sys.executable, "-m", "jats_enrich", "enrich", str(CORPUS), "--out", str(tmp_path), "-q", *vocab],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    articles = sorted(CORPUS.glob("*.xml"))
    assert len(articles) == 180
    for path in articles:
        answer = client.post("/v1/enrich", content=path.read_bytes(), params={"name": path.name})
        assert answer.status_code == 200, (path.name, answer.text)
        assert answer.content == (tmp_path / path.name).read_bytes(), path.name


def test_export_crossref_endpoint(client):
    data = (FIXTURES / "crossref" / "contributors-1.3.xml").read_bytes()
    from jats_enrich.api import export_crossref_bytes

    expected = export_crossref_bytes(data, EnrichOptions(vocab=VOCABULARIES), "request")
    xml = client.post("/v1/export/crossref", content=data)
    assert xml.status_code == 200 and xml.headers["content-type"].startswith("application/xml")
    assert xml.content == expected.contributors
    assert xml.headers["X-Jats-Enrich-Export"] == "contributors=6, credit=4, crossref=6, not-carried=6"
    as_json = client.post("/v1/export/crossref", content=data, headers={"Accept": "application/json"}).json()
    assert as_json["xml"].encode("utf-8") == expected.contributors and len(as_json["findings"]) == 6
    # No depositor in the service's configuration: no deposit, and why.
    deposit = client.post("/v1/export/crossref", params={"deposit": "true"}, content=data)
    assert deposit.status_code == 422 and "[crossref] depositor" in deposit.json()["error"]
    broken = client.post("/v1/export/crossref", content=b"<article><front>")
    assert broken.status_code == 422
