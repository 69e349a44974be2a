"""``jats-enrich enrich`` and ``jats-enrich check``: settings from the configuration and the flags,
then one article from standard input or a batch of files, the report, the exit code.

The library is imported inside the functions, so that ``jats-enrich --help`` does not pay for lxml
and pydantic.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jats_enrich.cli.article_options import add_article_options, location
from jats_enrich.cli.exit_codes import ExitCode
from jats_enrich.cli.flags import as_flags, report_with_flags
from jats_enrich.cli.progress import Progress

if TYPE_CHECKING:
    from jats_enrich.api import Enricher, EnrichOptions, Report, Source


def add_enrich_commands(commands: Any) -> None:
    enrich = commands.add_parser(
        "enrich",
        help="enrich articles and write them under --out (or in place)",
        description=(
            "Match contributor roles, keywords and subjects against the dictionaries and write their identity: in "
            "JATS 1.2 or later the vocab attributes (vocab, vocab-identifier, vocab-term, vocab-term-identifier, "
            "and degree-contribution from 1.2d2); in JATS 1.0/1.1 and NLM 3.0 a role's term URI in content-type "
            "(see --legacy). Outputs mirror the inputs under --out (a package gives a package) and differ from "
            "them only inside the start tags of enriched elements. Inputs are never modified unless --in-place."
        ),
    )
    add_article_options(enrich, writes=True)
    enrich.add_argument(
        "--out",
        "-o",
        type=location,
        metavar="DIR",
        help="folder for the enriched articles (created if missing), or a URL (s3://bucket/out/: each worker "
        "writes there, each object whole); a report file goes with --report",
    )
    enrich.add_argument("--in-place", action="store_true", help="replace the inputs themselves (each atomically)")
    enrich.add_argument(
        "--backup", metavar="SUFFIX", help="with --in-place: keep each original that changes as FILE+SUFFIX"
    )
    enrich.add_argument(
        "--fsync",
        action="store_true",
        help="sync every output to disk before renaming it into place (survives a power failure; slower). "
        "Without it every output is still written in full before it appears",
    )
    enrich.set_defaults(handler=_enrich)

    check = commands.add_parser(
        "check",
        help="report what enrich would do, writing no article",
        description="The same matching, decisions and report as enrich, with every option of enrich; "
        "no article is written.",
    )
    add_article_options(check, writes=False)
    check.set_defaults(handler=_check, out=None, in_place=False, backup=None)


def _enrich(args: argparse.Namespace) -> int:
    return _run(args, write=True)


def _check(args: argparse.Namespace) -> int:
    return _run(args, write=False)


def _run(args: argparse.Namespace, write: bool) -> int:
    from jats_enrich import api

    settings = _settings(args)
    options = _options(settings, write=write, aliases=args.aliases)
    if args.inputs == [Path("-")]:
        return _run_stdin(args, options, settings.fail_on)
    _refuse_bad_usage(args, write)
    enricher = _ready_enricher(options, quiet=args.quiet)
    sources = _sources(args, write)
    reports: list[Path | str] = args.report or []
    api.check_report_paths(reports, sources, getattr(args, "out", None) if write else None)
    warnings: list[str] = []
    report = _run_batch(args, write, sources, options, enricher, reports, warnings)
    if not args.quiet:
        print(_summary_line(report, reports), file=sys.stderr)
    for warning in warnings:
        print(f"jats-enrich: warning: {as_flags(warning)}", file=sys.stderr)
    return _exit_code(report, settings.fail_on)


#: Suffixes of files, never of the output folder of enrich: articles, packages and reports.
FILE_SUFFIXES = frozenset({".xml", ".nxml", ".jats", ".zip", ".tar", ".gz", ".tgz", ".json", ".jsonl", ".csv", ".html"})


def _refuse_bad_usage(args: argparse.Namespace, write: bool) -> None:
    """Combinations of options that cannot work, refused before any dictionary is loaded."""
    from jats_enrich.errors import UsageError

    if not args.inputs and args.from_list is None:
        raise UsageError("no input: name article files, folders or packages, --from-list FILE, or - for standard input")
    if Path("-") in args.inputs:
        raise UsageError("'-' (standard input) must be the only input")
    if args.workers is not None and args.workers < 1:
        raise UsageError("--workers must be at least 1")
    if args.task_seconds is not None and not 0 < args.task_seconds < float("inf"):
        raise UsageError(f"--task-seconds {args.task_seconds}: the seconds of work of one Dask task, more than 0")
    out = getattr(args, "out", None)
    in_place = getattr(args, "in_place", False)
    if write and (out is None) == (not in_place):
        raise UsageError("give --out DIR, or --in-place (with --backup SUFFIX to keep the originals)")
    if write and isinstance(out, Path) and out.suffix.lower() in FILE_SUFFIXES and not out.is_dir():
        # -o names a file for `report` and `vocab`; here it is the folder of the enriched articles
        raise UsageError(
            f"--out {out}: names a file, but --out (-o) of enrich is the folder for the enriched articles; "
            "give a folder (a report file goes with --report)"
        )
    if args.backup is not None and not in_place:
        raise UsageError("--backup goes with --in-place")
    if args.backup is not None and (not args.backup or "/" in args.backup or args.backup in (".", "..")):
        raise UsageError(f"--backup {args.backup!r}: a suffix added to each file's name (e.g. .orig), not a path")
    if isinstance(args.journal, str):
        raise UsageError(f"--journal {args.journal}: the run journal is a local file (an object store cannot append)")
    if args.resume and not args.report and args.journal is None and out is None:
        raise UsageError("--resume needs the journal of the interrupted run: --report or --journal as before")
    if args.resume and _journal_path(args, out) is None:
        raise UsageError("--resume needs the journal of the interrupted run: a run whose report and outputs are "
                         "remote keeps one only with --journal FILE")  # fmt: skip


def _ready_enricher(options: EnrichOptions, quiet: bool) -> Enricher:
    """The enricher, its dictionaries and writer loaded, so that a bad engine option or stylesheet
    fails now, before any article; unless quiet, what a dictionary's reader had to assume (a
    thesaurus without a scheme) on stderr."""
    from jats_enrich import api

    enricher = api.open_enricher(options)
    if not quiet:
        for vocabulary in enricher.vocabularies:
            for note in vocabulary.notes:
                print(f"jats-enrich: note: {vocabulary.name}: {as_flags(note)}", file=sys.stderr)
    return enricher


def _patterns(args: argparse.Namespace) -> dict[str, tuple[str, ...]]:
    """--glob as a keyword argument, or none, so that the library's default stands."""
    return {"patterns": tuple(args.glob)} if args.glob else {}


def _sources(args: argparse.Namespace, write: bool) -> list[Source]:
    from jats_enrich import api

    exclude = getattr(args, "out", None) if write else None  # never read back what this run writes
    return api.find_sources(args.inputs, from_list=args.from_list, exclude=exclude, **_patterns(args))


def _batch_options(args: argparse.Namespace, write: bool) -> dict[str, Any]:
    """The flags that say where outputs go and how the work is spread, as run_batch's keywords."""
    from jats_enrich import api

    out = getattr(args, "out", None)
    return {
        "out": out if write else None,
        "in_place": getattr(args, "in_place", False),
        "backup": args.backup,
        "workers": args.workers or api.default_workers(),
        "executor": args.executor,
        "scheduler": args.scheduler,
        **({"task_seconds": args.task_seconds} if args.task_seconds is not None else {}),
        "journal": _journal_path(args, out) if write else None,
        "resume": args.resume,
        "fsync": getattr(args, "fsync", False),
        **_patterns(args),
    }


def _run_batch(
    args: argparse.Namespace,
    write: bool,
    sources: list[Source],
    options: EnrichOptions,
    enricher: Enricher,
    reports: list[Path | str],
    warnings: list[str],
) -> Report:
    """The batch, each article shown in the progress and streamed to the reports as it ends."""
    from jats_enrich import api

    progress = Progress(quiet=args.quiet)
    try:
        report = api.run_batch(
            options=options,
            sources=sources,
            enricher=enricher,
            reports=reports,
            on_article=progress.update,
            on_start=progress.start,
            on_warning=warnings.append,
            rewrite=report_with_flags,
            keep=False,
            **_batch_options(args, write),
        )
    finally:
        progress.close()
    chosen = _journal_path(args, getattr(args, "out", None))
    if write and args.journal is None and chosen is not None:
        # The run finished: the journal it kept where it chose has nothing left to resume. (One
        # named with --journal stays: resuming a finished run from it gives that run's report.)
        chosen.unlink(missing_ok=True)
    return report


def _exit_code(report: Report, fail_on: tuple[str, ...]) -> int:
    if report.articles_failed:
        return ExitCode.ARTICLE_FAILED
    if any(report.summary.get(outcome) for outcome in fail_on):
        return ExitCode.FINDINGS
    return ExitCode.OK


def _journal_path(args: argparse.Namespace, out: Path | str | None) -> Path | None:
    """The run journal: --journal, else where the library keeps it (beside the report, ...;
    None when the report and the outputs are all remote)."""
    from jats_enrich import api

    if args.journal is not None:
        return Path(args.journal)  # (a path already: a URL is refused, a file:// URL made a path)
    return api.default_journal(args.report or [], out, args.inputs)


def _run_stdin(args: argparse.Namespace, options: EnrichOptions, fail_on: tuple[str, ...]) -> int:
    """One article on standard input; the enriched article on standard output."""
    from jats_enrich import api
    from jats_enrich.files import read_at_most
    from jats_enrich.limits import MAX_ARTICLE_BYTES

    api.check_report_paths(args.report or [], [])
    # Never more than one byte over the limit (the reader then refuses it): `cat /dev/zero |` ends.
    data = read_at_most(sys.stdin.buffer, MAX_ARTICLE_BYTES)
    result, report = api.run_one(data, options, "-")
    report = report.model_copy(update={"articles": [report_with_flags(a) for a in report.articles]})
    if options.write and result.output is not None:
        sys.stdout.buffer.write(result.output)
        sys.stdout.buffer.flush()
    if report.articles[0].error:
        print(f"jats-enrich: {report.articles[0].error}", file=sys.stderr)
    api.write_reports(report, args.report or [])
    if not args.quiet:
        print(_summary_line(report, args.report or []), file=sys.stderr)
    return _exit_code(report, fail_on)


def _settings(args: argparse.Namespace) -> EnrichOptions:
    """The configuration file's settings with the flags given on top."""
    from jats_enrich import api

    flags: dict[str, Any] = {
        "vocab": tuple(args.vocab) if args.vocab else None,
        "scheme": tuple(args.scheme) if args.scheme else None,
        "cache": "off" if args.no_cache else str(args.cache) if args.cache else None,
        "precedence": args.precedence,
        "profile": args.profile,
        "upgrade": args.upgrade,
        "add_roles": args.add_roles,
        "statements": args.statements,
        "legacy": args.legacy,
        "replace_deprecated": args.replace_deprecated,
        "sense_gate": args.sense_gate,
        "time_limit": args.time_limit,
        "max_targets": args.max_targets,
        "memory_limit": args.memory_limit,
        "fail_on": args.fail_on,
        "thresholds": {"accept_fuzzy": args.accept_fuzzy} if args.accept_fuzzy is not None else None,
        "targets": {"elements": args.targets} if args.targets else None,
        "engine": args.engine,
        "xslt": str(args.xslt) if args.xslt else None,
    }
    return api.load_options(args.config, {k: v for k, v in flags.items() if v is not None})


def _options(settings: EnrichOptions, write: bool, aliases: list[Path] | None = None) -> EnrichOptions:
    return settings.model_copy(update={"write": write, "aliases": tuple(aliases or ())})


def _summary_line(report: Report, report_paths: Sequence[Path | str]) -> str:
    findings = ", ".join(f"{n} {outcome}" for outcome, n in report.summary.items()) or "no findings"
    kinds = "; ".join(
        f"{kind}: " + ", ".join(f"{n} {outcome}" for outcome, n in counts.items())
        for kind, counts in report.by_kind.items()
    )
    if len(report.by_kind) > 1:
        findings += f" ({kinds})"
    if report.tiers:
        findings += f"; to review: {report.tiers.get('review', 0)}, out of scope: {report.tiers.get('out-of-scope', 0)}"
    if report.consistency:
        findings += f"; inconsistent: {sum(report.consistency.values())}"
    where = f"; report: {', '.join(map(str, report_paths))}" if report_paths else ""
    articles = f"{report.articles_total} article{'' if report.articles_total == 1 else 's'}"
    return f"jats-enrich: {articles}, {report.articles_failed} failed; {findings}{where}"
