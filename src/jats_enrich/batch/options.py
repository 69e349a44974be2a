"""How a batch runs: where its outputs go and how its work is spread (the batch's half of the
options; the enrich options are config.py's)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from jats_enrich.batch.executors import TASK_SECONDS, default_workers
from jats_enrich.batch.inputs import ARTICLE_PATTERNS
from jats_enrich.storage import is_remote, local


class BatchOptions(BaseModel):
    """Where outputs go and how the work is spread."""

    model_config = ConfigDict(frozen=True)

    out: Path | str | None = Field(
        default=None, description="Output folder (a path, or a URL: storage.py); None with in_place, or to check only"
    )
    in_place: bool = False
    backup: str | None = Field(default=None, description="In place: keep each changed original at path+SUFFIX")
    patterns: tuple[str, ...] = ARTICLE_PATTERNS
    workers: int = Field(default_factory=default_workers, ge=1)
    executor: Literal["local", "dask"] = "local"
    scheduler: str | None = Field(default=None, description="Dask scheduler address; None: a local cluster")
    task_seconds: float = Field(
        default=TASK_SECONDS,
        gt=0,
        description="Dask: the estimated work of one task, in seconds (consecutive articles are grouped to it)",
    )
    journal: Path | None = Field(default=None, description="Run journal; None: no journal, no resume")

    @field_validator("backup")
    @classmethod
    def _a_suffix(cls, value: str | None) -> str | None:
        if value is not None and (not value or "/" in value or os.sep in value or value in (".", "..")):
            raise ValueError(f"backup must be a suffix added to the file's name, not a path: {value!r}")
        return value

    @field_validator("out", mode="before")
    @classmethod
    def _a_path_or_a_url(cls, value: object) -> object:
        if isinstance(value, str | Path) and not is_remote(value):
            return local(value)  # a path, or a file:// URL
        return value

    resume: bool = False
    fsync: bool = Field(default=False, description="Sync each output to disk before renaming it into place")
