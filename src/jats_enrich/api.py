"""The Python interface, for pipelines that call jats-enrich in process.

    from jats_enrich import EnrichOptions, enrich_bytes, enrich_path, enrich_text, run_batch

Options are an ``EnrichOptions`` (what to match, what to write); an Enricher for each distinct
options is built once per process and reused, so calling these per article is cheap.
Results are typed: ``EnrichResult`` (the bytes and an ``ArticleReport``) and ``Report``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from jats_enrich.article.reader import read_article
from jats_enrich.batch.inputs import discover
from jats_enrich.batch.runner import Batch, BatchOptions
from jats_enrich.config import EnrichOptions
from jats_enrich.pipeline import Enricher, EnrichResult
from jats_enrich.report.model import ArticleReport, Finding, Report

_ENRICHERS: dict[str, Enricher] = {}


def enricher_for(options: EnrichOptions | None = None) -> Enricher:
    """The Enricher for these options, built on first use and kept."""
    options = options or EnrichOptions()
    key = options.model_dump_json()
    if key not in _ENRICHERS:
        _ENRICHERS[key] = Enricher(options)
    return _ENRICHERS[key]


def enrich_bytes(data: bytes, options: EnrichOptions | None = None, name: str = "<bytes>") -> EnrichResult:
    """Enrich one article given as bytes. Never raises for a bad article: see ``report.error``."""
    return enricher_for(options).enrich_bytes(data, name)


def enrich_path(path: str | Path, options: EnrichOptions | None = None) -> EnrichResult:
    """Enrich one article file (the file is not modified; write ``result.output`` yourself)."""
    return enricher_for(options).enrich_path(Path(path))


@dataclass(frozen=True)
class TextResult:
    """The enriched article as text (None when it could not be processed) and its report."""

    output: str | None
    report: ArticleReport


_DECLARED = re.compile(r"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")


def enrich_text(text: str, options: EnrichOptions | None = None, name: str = "<text>") -> TextResult:
    """Enrich one article given as text; the result is text too. The text is encoded as its XML
    declaration says (UTF-8 when it says nothing), so the declaration stays true."""
    m = _DECLARED.match(text)
    codec = m.group(1) if m else "utf-8"
    try:
        data = text.encode(codec)
    except (LookupError, UnicodeEncodeError) as exc:
        report = ArticleReport(path=name, error=f"{name}: cannot be encoded as its declaration says ({codec}): {exc}")
        return TextResult(None, report)
    result = enricher_for(options).enrich_bytes(data, name)
    output = result.output.decode(codec) if result.output is not None else None
    return TextResult(output, result.report)


def iter_findings(data: bytes, options: EnrichOptions | None = None, name: str = "<bytes>") -> Iterator[Finding]:
    """The findings of one article, one by one, writing nothing (a check)."""
    enricher = enricher_for((options or EnrichOptions()).model_copy(update={"write": False}))
    article = read_article(data, name)
    decisions, _ = enricher.decide_article(article)
    for decision in decisions:
        yield Finding.from_decision(decision, written=False)


def run_batch(
    inputs: Iterable[str | Path],
    out: str | Path | None = None,
    options: EnrichOptions | None = None,
    *,
    in_place: bool = False,
    workers: int = 1,
    on_article: Callable[[ArticleReport], None] | None = None,
    **batch: object,
) -> Report:
    """Enrich files, folders and packages into ``out`` (or in place), calling ``on_article`` with
    each article's report as it is done; returns the run's report. ``batch`` takes the other
    fields of ``BatchOptions`` (backup, patterns, executor, scheduler, journal, resume)."""
    options = options or EnrichOptions()
    target = Path(out) if out is not None else None
    sources = discover([Path(i) for i in inputs], exclude=target)
    batch_options = BatchOptions.model_validate({"out": target, "in_place": in_place, "workers": workers, **batch})
    runner = Batch(sources, options, batch_options)
    return runner.run(on_article=on_article, enricher=enricher_for(options) if workers == 1 else None)


__all__ = [
    "EnrichOptions",
    "EnrichResult",
    "TextResult",
    "enrich_bytes",
    "enrich_path",
    "enrich_text",
    "enricher_for",
    "iter_findings",
    "run_batch",
]
