"""The service's state and its lifecycle: the dictionaries loaded at start-up and their lookups, the
pool of worker processes (started, warmed up, restarted, stopped), and the admission of articles
to it."""

from __future__ import annotations

import asyncio
import json
import os
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from jats_enrich.api import Vocabulary, load_vocabulary
from jats_enrich.batch.workers import worker_context, worker_pool
from jats_enrich.dictionaries.model import TargetKind
from jats_enrich.errors import DictionaryError
from jats_enrich.match.lookup import Lookup
from jats_enrich.service.body import BodyMemory
from jats_enrich.service.config import ServiceConfig
from jats_enrich.service.errors import ServiceError
from jats_enrich.service.logs import log
from jats_enrich.service.work import Job, JobResult, ready, run_job, start_worker

GRACE_SECONDS = 5.0  # beyond the timeout, before a worker that has not stopped its job is killed
MAX_WAITING_PER_WORKER = 64  # requests waiting for a worker, beyond which the service answers 503
START_WAIT = 300.0  # how long a worker waits at start-up for the others to load the dictionaries


class _State:
    """What the endpoints share: the loaded dictionaries, the lookups, the worker pool, the memory
    for request bodies."""

    def __init__(self, config: ServiceConfig) -> None:
        self.config = config
        self.vocabularies: dict[str, Vocabulary] = {}
        for name_or_path in config.settings.vocab:
            vocabulary = load_vocabulary(name_or_path)
            if vocabulary.name in self.vocabularies:
                raise DictionaryError(f"{name_or_path}: a second dictionary named {vocabulary.name!r}")
            self.vocabularies[vocabulary.name] = vocabulary
        # Requests name dictionaries by name; the workers get them loaded, not their paths.
        self.settings = config.settings.model_copy(update={"vocab": tuple(self.vocabularies)})
        self.lookups: dict[tuple[str, str | None], Lookup] = {}
        self.pool: ProcessPoolExecutor | None = None
        self.running = asyncio.Semaphore(1)
        self.waiting = 0
        self.bodies = BodyMemory(config.buffered_limit)

    def start_pool(self) -> None:
        # From the fork server: workers do not inherit the event loop's threads and sockets.
        context = worker_context()
        initargs = (
            self.settings,
            self.vocabularies,
            os.getpid(),
            self.config.timeout,
            context.Barrier(self.config.workers),
        )
        self.pool = worker_pool(self.config.workers, context, start_worker, initargs)
        # Two jobs per worker are handed to the pool (one running, one ready, so that no worker
        # idles between jobs); the others wait here, up to a bound.
        self.running = asyncio.Semaphore(self.config.workers * 2)
        self.waiting = 0

    async def warm_up(self) -> list[int]:
        """Start every worker now (each loads the dictionaries) rather than on the first requests,
        and return once all have: one start-up job per worker, each held at the pool's barrier
        until every worker has one (a worker that started first cannot take two while another
        is still loading). The workers' process ids."""
        assert self.pool is not None
        loop = asyncio.get_running_loop()
        jobs = (loop.run_in_executor(self.pool, ready, START_WAIT) for _ in range(self.config.workers))
        pids = list(await asyncio.gather(*jobs))
        if len(set(pids)) < self.config.workers:
            log.error(json.dumps({"event": "not every worker started", "started": len(set(pids))}))
        return pids

    def stop_pool(self, kill: bool = False) -> None:
        pool, self.pool = self.pool, None
        if pool is None:
            return
        if kill:  # a worker is stuck: the executor has no way to stop one, so end them all
            for process in list(getattr(pool, "_processes", {}).values()):
                process.kill()
        pool.shutdown(wait=not kill, cancel_futures=True)

    async def restart_pool(self, broken: ProcessPoolExecutor, kill: bool) -> None:
        if self.pool is broken:  # several requests see the same broken pool: restart it once
            self.stop_pool(kill=kill)
            self.start_pool()
            await self.warm_up()

    def vocabulary(self, name: str) -> Vocabulary:
        if name not in self.vocabularies:
            raise ServiceError(404, f"no dictionary {name!r}; loaded: {', '.join(self.vocabularies)}")
        return self.vocabularies[name]

    def lookup(self, name: str, target: TargetKind | None) -> Lookup:
        if (name, target) not in self.lookups:
            self.lookups[(name, target)] = Lookup([self.vocabulary(name)], target)
        return self.lookups[(name, target)]

    async def run(self, job: Job) -> JobResult:
        if self.pool is None:
            raise ServiceError(503, "the service is starting or stopping")
        if self.waiting >= self.config.workers * MAX_WAITING_PER_WORKER:
            raise ServiceError(503, "busy: too many articles waiting; retry shortly")
        self.waiting += 1
        try:
            async with self.running:
                pool = self.pool
                if pool is None:
                    raise ServiceError(503, "the service is stopping")
                future = asyncio.get_running_loop().run_in_executor(pool, run_job, job)
                try:
                    # The worker stops a job at the timeout; this is for a worker that cannot
                    # (a job may first wait for the one ahead of it).
                    return await asyncio.wait_for(future, 2 * self.config.timeout + GRACE_SECONDS)
                except TimeoutError:
                    log.error(json.dumps({"event": "worker stuck; pool restarted", "article": job.name}))
                    await self.restart_pool(pool, kill=True)
                    raise ServiceError(504, f"{job.name}: not done within {self.config.timeout:g} s") from None
                except BrokenProcessPool:
                    log.error(json.dumps({"event": "worker died; pool restarted", "article": job.name}))
                    await self.restart_pool(pool, kill=False)
                    raise ServiceError(503, "a worker process died; the request may be retried") from None
        finally:
            self.waiting -= 1
