"""The run journal: what a batch has finished, so that ``--resume`` finishes the rest.

One JSON object per line: a header (tool, the options' fingerprint), then one entry per article
done (its key, the SHA-256 of the input it read, where its output went, its report). A line is
written only once its article's output is in place, and lines are flushed to the operating system
as articles are recorded, at most every quarter second, and at the end. So after ``kill -9`` the
journal lists only articles whose outputs are complete (a line cut short is ignored); those done
since the last flush are done again on ``--resume``.
It is synced to disk when the run ends; per line that would cost more than the work.
On resume an article is skipped when its entry is there, its input has the same hash and its
output still exists.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
from pathlib import Path
from typing import IO, Any

from pydantic import BaseModel, ValidationError

from jats_enrich import storage
from jats_enrich.errors import OutputError, UsageError
from jats_enrich.report.model import ArticleReport
from jats_enrich.storage import is_remote

JOURNAL_FORMAT = 1

#: Seconds between two flushes of the journal while a run goes on.
FLUSH_EVERY = 0.25


class JournalEntry(BaseModel):
    key: str
    sha256: str
    output: str | None
    report: ArticleReport
    written: str | None = None  # in place: the SHA-256 of the bytes that replaced the input


def fingerprint(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def options_fingerprint(options: Any) -> str:
    """What must not change between a run and its resumption (the enrich options)."""
    text = options.model_dump_json() if hasattr(options, "model_dump_json") else json.dumps(options, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


class Journal:
    def __init__(self, path: Path, options: str, resume: bool) -> None:
        self.path = path
        self.options = options
        self.done: dict[str, JournalEntry] = self._load() if resume else {}
        self._handle: IO[str] | None = None
        self._flushed = 0.0
        self.error: str | None = None  # why the journal could no longer be written (a full disk)

    def _load(self) -> dict[str, JournalEntry]:
        if not self.path.is_file():
            return {}
        entries: dict[str, JournalEntry] = {}
        # Bytes, line by line: a kill can cut the last line inside a character, as well as inside JSON.
        lines = self.path.read_bytes().splitlines()
        if not lines:
            return {}
        try:
            header = json.loads(lines[0])
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise UsageError(f"{self.path}: not a jats-enrich journal") from None
        if not isinstance(header, dict) or header.get("journal") != JOURNAL_FORMAT:
            raise UsageError(f"{self.path}: not a jats-enrich journal")
        if header.get("options") != self.options:
            raise UsageError(
                f"{self.path}: the interrupted run used other options; run again without `resume`, or with its options"
            )
        for line in lines[1:]:
            try:
                entry = JournalEntry.model_validate_json(line)
            except ValidationError:
                break  # a line cut short by a kill: everything before it is complete
            entries[entry.key] = entry
        return entries

    def skip(self, key: str, data_hash: str | None, output: str | None) -> JournalEntry | None:
        """The finished entry for this article, if its input and output are as they were."""
        entry = self.done.get(key)
        # In place, a finished article's input is its output: recognised by the hash written.
        if entry is None or data_hash is None or data_hash not in (entry.sha256, entry.written):
            return None
        if entry.output is not None and not (
            storage.exists(entry.output) if is_remote(entry.output) else Path(entry.output).is_file()
        ):
            return None
        return entry

    def open(self) -> None:
        """Start writing: a fresh journal, or (resuming) the old one rewritten with the entries kept."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._handle = self.path.open("w", encoding="utf-8")
        except OSError as exc:
            raise OutputError(f"{self.path}: cannot write the run journal: {exc.strerror or exc}") from None
        header = {"journal": JOURNAL_FORMAT, "options": self.options}
        self._write(json.dumps(header) + "\n")
        for entry in self.done.values():
            self._write(entry.model_dump_json(exclude_none=True) + "\n")
        self._flush()

    def record(
        self,
        key: str,
        sha256: str,
        output: str | None,
        report: ArticleReport,
        report_json: str | None = None,
        written: str | None = None,
    ) -> None:
        """One article done (its output, if any, already in place). ``report_json``: the report
        as JSON, when the caller has it already; ``written``: in place, the hash of the output."""
        if self._handle is None:
            return
        # Written by hand around the report's own JSON: cheaper than validating a JournalEntry.
        fields: dict[str, str | None] = {"key": key, "sha256": sha256, "output": output}
        if written is not None:
            fields["written"] = written
        head = json.dumps(fields)[:-1]
        self._write(f'{head}, "report": {report_json or report.model_dump_json()}}}\n')
        if time.monotonic() - self._flushed >= FLUSH_EVERY:
            self._flush()

    def _write(self, text: str) -> None:
        if self._handle is None:
            return
        try:
            self._handle.write(text)
        except OSError as exc:
            self._fail(exc)

    def _fail(self, exc: OSError) -> None:
        """The journal cannot be written (the disk is full): the run goes on without it."""
        self.error = (
            f"{self.path}: cannot write the run journal: {exc.strerror or exc}; `resume` would redo the articles"
        )
        handle, self._handle = self._handle, None
        if handle is not None:
            with contextlib.suppress(OSError):  # its buffer cannot reach the disk either
                handle.close()

    def _flush(self) -> None:
        if self._handle is not None:
            try:
                self._handle.flush()
            except OSError as exc:
                self._fail(exc)
            self._flushed = time.monotonic()

    def close(self) -> None:
        if self._handle is not None:
            try:
                self._handle.flush()
                os.fsync(self._handle.fileno())
                self._handle.close()
            except OSError as exc:
                self._fail(exc)
            self._handle = None
