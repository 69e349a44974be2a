"""The executors by name (BatchOptions.executor): each runs the same tasks and yields their
results in order (executors.py, dask_executor.py)."""

from __future__ import annotations

from collections.abc import Generator
from typing import Protocol

from jats_enrich.batch.dask_executor import run_on_dask
from jats_enrich.batch.executors import Spread, Task, TaskResult, run_locally
from jats_enrich.config import EnrichOptions
from jats_enrich.pipeline import Enricher


class Executor(Protocol):
    def __call__(
        self,
        tasks: list[Task],
        options: EnrichOptions,
        spread: Spread,
        enricher: Enricher | None = None,
        /,
    ) -> Generator[TaskResult, None, None]: ...


#: Executor name (BatchOptions.executor) -> how it runs the tasks.
EXECUTORS: dict[str, Executor] = {"local": run_locally, "dask": run_on_dask}
