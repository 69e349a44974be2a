"""The HTTP service under load: the real corpus posted by 8 concurrent clients over loopback.

    .venv/bin/python benchmarks/bench_service.py [--requests 1800] [--clients 8] [--workers 2] [--rounds 3]

Starts `jats-enrich serve` (credit and casrai loaded) on a free loopback port, then posts the
articles of ../shared/corpus/real to /v1/enrich, round-robin, a fixed number of requests, from
CLIENTS concurrent connections; stops issuing at 60 s whatever is left; ROUNDS such loads, one
after the other. Meanwhile another process asks /healthz every 50 ms and times each answer.
Printed: the median requests/s of the rounds, p50 and p99 latency over all requests, failed
requests, /healthz's median and worst answer time, and, measured in the same run, the baseline:
the same articles enriched in this process by the library (one core, no HTTP), as articles/s
(median of the rounds); the ratio is the service's requests/s over it. Exit status 1 when a
request failed or /healthz took longer than 100 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "real"
VOCABULARIES = ("credit", "casrai")
TIME_LIMIT = 60.0
HEALTH_EVERY = 0.05


def start(log: Path, workers: int) -> tuple[subprocess.Popen[bytes], str]:
    vocab = [arg for name in VOCABULARIES for arg in ("--vocab", name)]
    command = [sys.executable, "-m", "jats_enrich", "serve", "--port", "0", "--workers", str(workers), *vocab]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=log.open("wb"))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        found = re.search(r"serving (http://\S+) ", log.read_text())
        if found:
            try:
                httpx.get(found.group(1) + "/healthz", timeout=5).raise_for_status()
                return process, found.group(1)
            except httpx.TransportError:
                pass
        if process.poll() is not None:
            break
        time.sleep(0.2)
    process.kill()
    raise SystemExit(f"the service did not start: {log.read_text()}")


def probe_health(url: str, stop: multiprocessing.synchronize.Event, times: multiprocessing.Queue[float]) -> None:
    """In its own process, so that the load's client does not slow the timing down."""
    with httpx.Client(timeout=10) as client:
        while not stop.is_set():
            begin = time.perf_counter()
            client.get(url + "/healthz").raise_for_status()
            times.put(time.perf_counter() - begin)
            time.sleep(HEALTH_EVERY)


async def load(url: str, articles: list[bytes], requests: int, clients: int) -> tuple[list[float], int, float]:
    """Latencies of the successful requests, failures, wall time."""
    latencies: list[float] = []
    failed = 0
    next_index = 0
    deadline = time.monotonic() + TIME_LIMIT

    async def client_loop(client: httpx.AsyncClient) -> None:
        nonlocal next_index, failed
        while next_index < requests and time.monotonic() < deadline:
            data = articles[next_index % len(articles)]
            next_index += 1
            begin = time.perf_counter()
            try:
                answer = await client.post("/v1/enrich", content=data)
                ok = answer.status_code == 200 and len(answer.content) >= len(data)
            except httpx.HTTPError:
                ok = False
            if ok:
                latencies.append(time.perf_counter() - begin)
            else:
                failed += 1

    limits = httpx.Limits(max_connections=clients)
    start = time.perf_counter()
    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as client:
        await asyncio.gather(*(client_loop(client) for _ in range(clients)))
    return latencies, failed, time.perf_counter() - start


def baseline(articles: list[bytes]) -> float:
    """Articles/s of the library in this process, one core, no HTTP."""
    from jats_enrich.config import EnrichOptions
    from jats_enrich.pipeline import Enricher

    enricher = Enricher(EnrichOptions(vocabularies=VOCABULARIES))
    for data in articles[:10]:  # warm: caches, lazy imports
        enricher.enrich_bytes(data)
    begin = time.perf_counter()
    for data in articles:
        enricher.enrich_bytes(data)
    return len(articles) / (time.perf_counter() - begin)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1800)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    args = parser.parse_args(argv)
    articles = [p.read_bytes() for p in sorted(args.corpus.glob("*.xml"))]
    if not articles:
        raise SystemExit(f"{args.corpus}: no articles")

    library = statistics.median(baseline(articles) for _ in range(args.rounds))
    with tempfile.TemporaryDirectory() as folder:
        process, url = start(Path(folder) / "service.log", args.workers)
        try:
            context = multiprocessing.get_context("spawn")
            stop = context.Event()
            times: multiprocessing.Queue[float] = context.Queue()
            prober = context.Process(target=probe_health, args=(url, stop, times))
            prober.start()
            time.sleep(0.5)
            latencies: list[float] = []
            failed, rates, done = 0, [], 0
            for _ in range(args.rounds):
                round_latencies, round_failed, wall = asyncio.run(load(url, articles, args.requests, args.clients))
                latencies += round_latencies
                failed += round_failed
                done += len(round_latencies) + round_failed
                rates.append(len(round_latencies) / wall)
            stop.set()
            prober.join(timeout=10)
            health = []
            while not times.empty():
                health.append(times.get())
        finally:
            process.terminate()
            process.wait(timeout=30)

    rate = statistics.median(rates)
    print(
        f"service: {args.rounds} rounds of {args.requests} requests ({len(articles)} corpus articles, "
        f"{args.clients} clients, {args.workers} workers): {rate:.1f} requests/s (median; rounds "
        f"{', '.join(f'{r:.0f}' for r in rates)}); latency p50 {percentile(latencies, 0.5) * 1000:.0f} ms, "
        f"p99 {percentile(latencies, 0.99) * 1000:.0f} ms; failed {failed}"
        + ("" if done == args.requests * args.rounds else f" (stopped at the {TIME_LIMIT:.0f} s limit)")
    )
    print(
        f"/healthz during the load: {len(health)} answers, median {statistics.median(health) * 1000:.1f} ms, "
        f"worst {max(health) * 1000:.1f} ms"
    )
    print(f"baseline, the library in one process: {library:.1f} articles/s; service/baseline {rate / library:.2f}")
    return 1 if failed or max(health) > 0.1 else 0


if __name__ == "__main__":
    raise SystemExit(main())
