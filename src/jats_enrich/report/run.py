"""The run a report comes from: the tool and its version, when it ran, the engine, every
dictionary (name, version, where it was read, its number of terms and the SHA-256 of its file) and
the effective options. A reviewer reading "Editor: unmatched" can tell whether CASRAI was loaded."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from jats_enrich.dictionaries.model import Vocabulary


class DictionaryRecord(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str = Field(description="The vocab name written into articles")
    title: str | None = None
    version: str | None = None
    source: str = Field(description="A shipped dictionary's name (shipped:credit), or the file read")
    terms: int = Field(description="Number of terms")
    sha256: str | None = Field(default=None, description="SHA-256 of the file read (None: not a file)")


class RunRecord(BaseModel):
    model_config = ConfigDict(frozen=True)

    tool: str = Field(description="jats-enrich and its version")
    started: str = Field(description="When the run started (ISO 8601, UTC)")
    finished: str | None = Field(default=None, description="When it ended (ISO 8601, UTC)")
    engine: str = Field(description="lxml or xslt")
    dictionaries: list[DictionaryRecord] = Field(default_factory=list)
    options: dict[str, Any] = Field(
        default_factory=dict, description="The effective options, under the configuration file's keys"
    )

    def ended(self) -> RunRecord:
        return self.model_copy(update={"finished": now()})


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def dictionary_record(vocabulary: Vocabulary, source: str, path: Path | None) -> DictionaryRecord:
    return DictionaryRecord(
        name=vocabulary.name,
        title=vocabulary.title,
        version=vocabulary.version,
        source=source,
        terms=len(vocabulary.terms),
        sha256=_sha256(path) if path is not None else None,
    )


def run_record(tool: str, engine: str, options: dict[str, Any], dictionaries: Iterable[DictionaryRecord]) -> RunRecord:
    return RunRecord(tool=tool, started=now(), engine=engine, dictionaries=list(dictionaries), options=options)


def _sha256(path: Path) -> str | None:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        return None
    return digest.hexdigest()
