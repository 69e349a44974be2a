"""Run many articles: find the inputs, mirror them under the output folder, write atomically.

An article that cannot be read or processed becomes an ``error`` entry in the report and the batch
goes on; it is not written to the output folder (so nothing downstream mistakes it for processed).
Every output goes to a temporary file beside its final path and is renamed into place, so a
killed run never leaves a half-written article.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from . import __version__
from .errors import OutputError, UsageError
from .findings import ArticleReport, Report, summarise
from .pipeline import Enricher

ARTICLE_SUFFIXES = (".xml", ".nxml")


@dataclass(frozen=True)
class Job:
    """One input article and where its output goes, relative to the output folder."""

    source: Path
    relative: Path
    refusal: str | None = None  # set when the input must not be read (e.g. a symlink leading out)


def discover(inputs: Iterable[Path], exclude: Path | None = None) -> list[Job]:
    """Articles named on the command line: files as given, folders searched recursively.

    ``exclude`` (the output folder) is never searched, so re-running into a folder inside the
    input does not pick up earlier outputs.
    """
    jobs: list[Job] = []
    skip = exclude.resolve() if exclude is not None else None
    for given in inputs:
        if given.is_dir():
            jobs.extend(_folder_jobs(given, skip))
        elif given.is_file():
            jobs.append(Job(source=given, relative=Path(given.name)))
        else:
            raise UsageError(f"{given}: no such file or folder")
    seen: dict[Path, Path] = {}
    for job in jobs:
        if job.relative in seen:
            raise UsageError(
                f"{job.source} and {seen[job.relative]} would both be written to {job.relative}; run them separately"
            )
        seen[job.relative] = job.source
    return jobs


def _folder_jobs(folder: Path, skip: Path | None) -> list[Job]:
    root = folder.resolve()
    jobs = []
    for dirpath, dirnames, filenames in os.walk(folder):
        here = Path(dirpath)
        dirnames[:] = sorted(d for d in dirnames if skip is None or (here / d).resolve() != skip)
        for name in sorted(filenames):
            path = here / name
            if path.suffix.lower() not in ARTICLE_SUFFIXES:
                continue
            relative = path.relative_to(folder)
            refusal = None
            if not path.resolve().is_relative_to(root):
                refusal = f"{path}: symbolic link leading outside the input folder; not read"
            jobs.append(Job(source=path, relative=relative, refusal=refusal))
    return jobs


def check_outputs(jobs: Iterable[Job], out_dir: Path) -> None:
    """Refuse a run that would write over one of its inputs."""
    inputs = {job.source.resolve() for job in jobs}
    for job in jobs:
        target = (out_dir / job.relative).resolve()
        if target in inputs:
            raise UsageError(f"{out_dir}: writing {job.relative} there would overwrite the input {job.source}")


def atomic_write(path: Path, data: bytes, mode: int | None = None) -> None:
    """Write ``data`` to a temporary file beside ``path``, then rename it into place."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise OutputError(f"{path}: cannot write: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(temp_name, mode)
        os.replace(temp_name, path)
    except OSError as exc:
        Path(temp_name).unlink(missing_ok=True)
        raise OutputError(f"{path}: cannot write: {exc.strerror or exc}") from None
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise


ProgressCallback = Callable[[ArticleReport], None]


def run_batch(
    jobs: list[Job], out_dir: Path | None, enricher: Enricher, on_article: ProgressCallback | None = None
) -> Report:
    """Enrich every job, write the outputs (none when ``out_dir`` is None: check only), report."""
    articles: list[ArticleReport] = []
    for job in jobs:
        article = _run_one(job, out_dir, enricher)
        articles.append(article)
        if on_article is not None:
            on_article(article)
    return Report(
        tool=f"jats-enrich {__version__}",
        articles_total=len(articles),
        articles_failed=sum(1 for a in articles if a.error),
        summary=summarise(articles),
        articles=articles,
    )


def _run_one(job: Job, out_dir: Path | None, enricher: Enricher) -> ArticleReport:
    if job.refusal is not None:
        return ArticleReport(path=str(job.source), error=job.refusal)
    result = enricher.enrich_path(job.source)
    if result.output is None or out_dir is None:
        return result.report
    target = out_dir / job.relative
    try:
        atomic_write(target, result.output, mode=job.source.stat().st_mode & 0o777)
    except OutputError as exc:
        return result.report.model_copy(update={"error": str(exc), "findings": []})
    return result.report.model_copy(update={"output": str(target)})
