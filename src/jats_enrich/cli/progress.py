"""Progress of a run, on stderr: a tqdm bar on a terminal (articles/s, ETA, counts so far), plain
log lines every few seconds otherwise (a pipeline's log), nothing with --quiet. Article errors
are always printed, one line each."""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jats_enrich.report.model import ArticleReport

#: Seconds between two log lines when stderr is not a terminal.
LOG_EVERY = 10.0


class Progress:
    def __init__(self, quiet: bool = False) -> None:
        self.quiet = quiet
        self.bar: Any = None
        self.total: int | None = None
        self.done = 0
        self.failed = 0
        self.counts: dict[str, int] = {}
        self.started = time.monotonic()
        self.logged = self.started

    def start(self, total: int) -> None:
        self.total = total
        if not self.quiet and sys.stderr.isatty():
            from tqdm import tqdm  # type: ignore[import-untyped]

            tqdm.monitor_interval = 0  # no monitor thread: worker processes may be forked
            self.bar = tqdm(total=total, unit="article", file=sys.stderr, dynamic_ncols=True)

    def update(self, article: ArticleReport) -> None:
        self.done += 1
        if article.error:
            self.failed += 1
            self._print(f"jats-enrich: {article.error}")
        for finding in article.findings:
            self.counts[finding.outcome] = self.counts.get(finding.outcome, 0) + 1  # a StrEnum: its value
        if self.bar is not None:
            self.bar.set_postfix(
                tagged=self.counts.get("tagged", 0),
                unmatched=self.counts.get("unmatched", 0),
                failed=self.failed,
                refresh=False,
            )
            self.bar.update(1)
        elif not self.quiet and time.monotonic() - self.logged >= LOG_EVERY:
            self.logged = time.monotonic()
            self._print(self.line())

    def line(self) -> str:
        elapsed = max(time.monotonic() - self.started, 1e-9)
        of = f"/{self.total}" if self.total is not None else ""
        return (
            f"jats-enrich: {self.done}{of} articles, {self.done / elapsed:.1f} articles/s, {self.failed} failed, "
            f"{self.counts.get('tagged', 0)} tagged, {self.counts.get('unmatched', 0)} unmatched"
        )

    def _print(self, line: str) -> None:
        if self.bar is not None:
            self.bar.write(line, file=sys.stderr)
        else:
            print(line, file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
