"""The HTTP service facing clients that misbehave (slowloris, bodies that never end, floods of
connections, request smuggling) or are merely strict (Python's urllib), started as users start it:
`jats-enrich serve` on a loopback port, always stopped (with its whole process group) at the end."""

from __future__ import annotations

import contextlib
import json
import logging
import resource
import socket
import struct
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import psutil
import pytest
from support import FIXTURES
from test_service import Server, start_server, stop_server

MAX_BODY_MB = 4
ARTICLE = (FIXTURES / "credit-variants-1.3.xml").read_bytes()


@contextlib.contextmanager
def started(
    tmp_path_factory: pytest.TempPathFactory, *flags: str, preexec_fn: Callable[[], None] | None = None
) -> Iterator[Server]:
    """A server for the ``with`` block, stopped (its whole process group) whatever happens in it."""
    running = start_server(tmp_path_factory.mktemp("service") / "service.log", *flags, preexec_fn=preexec_fn)
    try:
        yield running
    finally:
        stop_server(running)


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The service with only the flags it always had."""
    with started(tmp_path_factory, "--workers", "1", "--max-body", str(MAX_BODY_MB)) as running:
        yield running


@pytest.fixture(scope="module")
def limited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Short timeouts, little memory for bodies: what a test can wait for."""
    flags = ["--workers", "1", "--max-body", str(MAX_BODY_MB), "--max-buffered", str(2 * MAX_BODY_MB)]
    with started(tmp_path_factory, *flags, "--header-timeout", "1", "--body-timeout", "1.5") as running:
        yield running


@pytest.fixture
def capped(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Few connections, long timeouts (so that only the cap is at work); one server per test, as
    each fills it."""
    flags = ["--workers", "1", "--max-connections", "20", "--header-timeout", "60", "--body-timeout", "60"]
    with started(tmp_path_factory, *flags) as running:
        yield running


# --- helpers -------------------------------------------------------------------------------------


def connect(server: Server) -> socket.socket:
    connection = socket.create_connection(server.address, timeout=10)
    connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return connection


def read_until_closed(connection: socket.socket, within: float) -> tuple[bytes, bool]:
    """What the server sends, and whether it closed the connection within ``within`` seconds."""
    deadline = time.monotonic() + within
    data = b""
    while time.monotonic() < deadline:
        connection.settimeout(max(0.01, min(0.2, deadline - time.monotonic())))
        try:
            chunk = connection.recv(65536)
        except TimeoutError:
            continue
        except ConnectionResetError:
            return data, True
        if not chunk:
            return data, True
        data += chunk
    return data, False


def responses(data: bytes) -> list[tuple[int, dict[str, str], bytes]]:
    """The HTTP responses in ``data`` (each with a Content-Length): status, headers, body."""
    found = []
    while data:
        head, _, rest = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
        length = int(headers.get("content-length", "0"))
        found.append((int(lines[0].split()[1]), headers, rest[:length]))
        data = rest[length:]
    return found


def one_line_error(body: bytes) -> str:
    assert b"\n" not in body
    error = json.loads(body)
    assert list(error) == ["error"]
    return str(error["error"])


def log_is_json_lines(server: Server) -> list[dict[str, object]]:
    """Every line the service wrote to stderr after its first ("serving ..."): one JSON object each."""
    lines = server.log.read_text().splitlines()[1:]
    entries = []
    for line in lines:
        entry = json.loads(line)  # a traceback line would fail here
        assert isinstance(entry, dict), line
        entries.append(entry)
    return entries


def wait_for_log(server: Server, found: Callable[[dict[str, object]], bool], within: float = 5) -> dict[str, object]:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        hits = [e for e in server.log_lines() if found(e)]
        if hits:
            return hits[-1]
        time.sleep(0.1)
    raise AssertionError(f"no such log line in {server.log.read_text()[-2000:]}")


def post_head(path: str, length: int) -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/xml\r\nContent-Length: {length}\r\n\r\n".encode()
    )


# --- 413: every client reads it (lingering close) ---------------------------------------------------


@pytest.mark.parametrize("framing", ["declared", "chunked"])
def test_a_body_too_large_gets_a_413_that_urllib_reads_too(plain, framing):
    # urllib sends the whole body before it reads the answer: a server that closes at once makes
    # it see "connection reset by peer", never the 413.
    size = 6 * MAX_BODY_MB * 1024 * 1024  # more than the socket buffers hold: the client is still sending
    body = b"<" + b"a" * (size - 1)
    data: bytes | Iterator[bytes] = body
    if framing == "chunked":
        data = iter([body[i : i + 65536] for i in range(0, size, 65536)])
    request = urllib.request.Request(plain.url + "/v1/enrich", data=data, method="POST")  # type: ignore[arg-type]
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)
    assert refused.value.code == 413
    assert "accepts" in one_line_error(refused.value.read())
    assert refused.value.headers["connection"] == "close"
    log_is_json_lines(plain)


# --- RFC 9112 §6.1: Content-Length and Transfer-Encoding together ------------------------------------


def test_a_request_with_both_content_length_and_transfer_encoding_is_a_400_and_the_connection_closes(plain):
    # A smuggling attempt: a proxy going by Content-Length and this server by Transfer-Encoding
    # would disagree where the request ends; the request after it must never be answered.
    smuggled = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
    request = b"POST /v1/check HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
    with connect(plain) as connection:
        connection.sendall(request + smuggled)
        data, closed = read_until_closed(connection, 5)
    assert closed, data
    answers = responses(data)
    assert [status for status, _, _ in answers] == [400], data
    _, headers, body = answers[0]
    assert headers["connection"] == "close"
    assert "both Content-Length and Transfer-Encoding" in one_line_error(body)
    entry = wait_for_log(plain, lambda e: e.get("status") == 400 and e.get("path") == "/v1/check")
    assert entry["method"] == "POST"
    log_is_json_lines(plain)


# --- timeouts: headers, bodies -----------------------------------------------------------------------


def test_headers_that_do_not_arrive_in_time_get_a_408_and_the_connection_closed(limited):
    begin = time.monotonic()
    with connect(limited) as connection:
        connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        data, closed = b"", False
        while not closed and time.monotonic() - begin < 10:  # slowloris: a header byte now and then
            try:
                connection.sendall(b"X")
            except OSError:
                break
            more, closed = read_until_closed(connection, 0.3)
            data += more
        if not closed:
            more, closed = read_until_closed(connection, 2)
            data += more
    assert closed and time.monotonic() - begin < 5, data
    [(status, headers, body)] = responses(data)
    assert status == 408 and headers["connection"] == "close"
    assert "headers did not arrive within 1 s" in one_line_error(body)


def test_a_connection_that_sends_nothing_is_closed_after_the_header_timeout(limited):
    with connect(limited) as connection:
        data, closed = read_until_closed(connection, 5)
    assert closed and data == b""


def test_a_body_that_does_not_arrive_in_time_gets_a_408_and_what_came_is_dropped(limited):
    begin = time.monotonic()
    with connect(limited) as connection:
        connection.sendall(post_head("/v1/enrich?name=slow.xml", 100_000) + b"<article>" + b" " * 991)
        data, closed = read_until_closed(connection, 10)
    assert closed and time.monotonic() - begin < 6, data
    [(status, headers, body)] = responses(data)
    assert status == 408 and headers["connection"] == "close"
    assert "the body did not arrive within 1.5 s" in one_line_error(body)
    entry = wait_for_log(limited, lambda e: e.get("status") == 408)
    assert (entry["path"], entry["bytes_in"]) == ("/v1/enrich", 1000)
    log_is_json_lines(limited)


def test_a_body_the_route_does_not_read_has_a_deadline_too(limited):
    # /healthz answers at once (405 for a POST), but the connection would then read the body that
    # follows for as long as it trickles in.
    begin = time.monotonic()
    with connect(limited) as connection:
        connection.sendall(post_head("/healthz", 100_000) + b"x" * 1000)
        data, closed = read_until_closed(connection, 10)
    assert closed and time.monotonic() - begin < 6, data
    assert [status for status, _, _ in responses(data)] == [405]


# --- memory for bodies --------------------------------------------------------------------------------


def test_the_memory_for_bodies_is_bounded_beyond_it_a_503(limited):
    main = psutil.Process(limited.process.pid)
    before = main.memory_info().rss
    size = MAX_BODY_MB * 1024 * 1024 - 1024
    held = [connect(limited) for _ in range(20)]
    try:
        for connection in held:  # 20 bodies of almost 4 MB each, all but their last kilobyte
            connection.sendall(post_head("/v1/check", size) + b"<" + b"a" * (size - 1025))
        grown = main.memory_info().rss - before
        answers = []
        for connection in held:
            data, _ = read_until_closed(connection, 10)
            answers.append(responses(data)[0] if data else None)
    finally:
        for connection in held:
            connection.close()
    # 8 MB for bodies: two are taken in, the others refused before they are read (then a 408 for
    # the two, whose last kilobyte never comes)
    statuses = sorted(answer[0] for answer in answers if answer)
    assert statuses == [408, 408] + [503] * 18, statuses
    refusal = next(answer for answer in answers if answer and answer[0] == 503)
    assert "busy: the bodies being received would take more than 8 MB" in one_line_error(refusal[2])
    assert refusal[1]["retry-after"] == "1" and refusal[1]["connection"] == "close"
    assert grown < 40 * 1024 * 1024, grown / 2**20  # not 20 × 4 MB
    answer = httpx.post(limited.url + "/v1/check", content=ARTICLE, timeout=30)  # the memory is free again
    assert answer.status_code == 200
    log_is_json_lines(limited)


# --- connections -----------------------------------------------------------------------------------


def test_beyond_the_connection_cap_idle_connections_make_room(capped):
    idle = [connect(capped) for _ in range(40)]
    try:
        time.sleep(0.5)
        assert httpx.get(capped.url + "/v1/vocabularies", timeout=5).status_code == 200
        assert httpx.get(capped.url + "/healthz", timeout=5).status_code == 200
        closed = sum(1 for connection in idle if read_until_closed(connection, 0.05)[1])
    finally:
        for connection in idle:
            connection.close()
    assert closed >= 20  # the oldest idle ones made room for the newer, and for the requests
    log_is_json_lines(capped)


def test_beyond_the_connection_cap_busy_connections_mean_503_but_healthz_answers(capped):
    busy = [connect(capped) for _ in range(20)]
    try:
        for connection in busy:  # each in the middle of its body: none can be closed to make room
            connection.sendall(post_head("/v1/check", 10_000) + b"<article>")
        time.sleep(0.5)
        refused = httpx.get(capped.url + "/v1/vocabularies", timeout=5)
        health = httpx.get(capped.url + "/healthz", timeout=5)
    finally:
        for connection in busy:
            connection.close()
    assert refused.status_code == 503 and refused.headers["retry-after"] == "1"
    assert "busy: more than 20 connections" in refused.json()["error"]
    assert health.status_code == 200 and health.json()["status"] == "ok"
    log_is_json_lines(capped)


def test_a_flood_of_idle_connections_neither_locks_healthz_out_nor_floods_the_log(tmp_path_factory):
    # With 256 open files at most, 300 idle connections used to exhaust them: accept() failed
    # (EMFILE) and asyncio printed its traceback thousands of times a second, while /healthz could
    # not even connect. Now the cap stays within the open-file limit and the oldest idle
    # connections make room.
    def few_files() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))

    idle: list[socket.socket] = []
    with started(tmp_path_factory, "--workers", "1", preexec_fn=few_files) as server:
        try:
            for _ in range(300):
                try:
                    idle.append(socket.create_connection(server.address, timeout=5))
                except OSError:
                    break
            time.sleep(1)
            begin = time.monotonic()
            assert httpx.get(server.url + "/healthz", timeout=5).status_code == 200
            assert time.monotonic() - begin < 2
            for connection in idle[:20]:  # and clients that vanish abruptly (a reset, not a close)
                connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                connection.close()
            time.sleep(1)
            assert server.log.stat().st_size < 100_000
            events = {entry.get("event") for entry in log_is_json_lines(server)}
            assert "event loop error" not in events  # accept() never ran out of file descriptors
        finally:
            for connection in idle:
                connection.close()


# --- one JSON line, whatever is logged -----------------------------------------------------------------


def test_a_logged_exception_stays_inside_its_json_line():
    from jats_enrich.service.work import JsonLines

    try:
        raise ConnectionResetError("peer gone")
    except ConnectionResetError:
        record = logging.LogRecord("asyncio", logging.ERROR, __file__, 1, "Fatal read error", None, sys.exc_info())
    line = JsonLines().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["message"] == "Fatal read error" and entry["exception"] == "ConnectionResetError: peer gone"
    assert "Traceback" in entry["traceback"]


# --- the flags -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("flags", "words"),
    [
        (["--header-timeout", "0"], "--header-timeout must be a positive number of seconds"),
        (["--body-timeout", "nan"], "--body-timeout must be a positive number of seconds"),
        (["--max-connections", "0"], "--max-connections must be at least 1"),
        (["--max-body", "4", "--max-buffered", "2"], "--max-buffered must be at least --max-body (4 MB)"),
        (["--max-connections", "100000000"], "--max-connections 100000000 needs"),
    ],
)
def test_serve_refuses_bad_limits_in_plain_words(flags: list[str], words: str, tmp_path: Path):
    import subprocess

    done = subprocess.run(
        [sys.executable, "-m", "jats_enrich", "serve", "--port", "0", *flags],
        capture_output=True,
        text=True,
        timeout=60,
        start_new_session=True,
    )
    assert done.returncode == 64 and words in done.stderr, done.stderr
