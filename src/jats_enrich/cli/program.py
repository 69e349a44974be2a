"""The ``jats-enrich`` command: parse options, call the library, map errors to exit codes.

Nothing here does pipeline work. Library modules are imported inside the command functions so
that ``jats-enrich --help`` does not pay for lxml and pydantic.

Exit codes:
  0  every article was processed
  1  every article was processed, and some finding has an outcome named by --fail-on
  2  at least one article could not be processed (each is named on stderr and in the report);
     this wins over 1
  64 usage error: bad option, missing input, output that would overwrite an input
  65 a dictionary file is invalid
  70 internal error (a bug; --debug shows its traceback)
  73 an output or report file could not be written
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

from jats_enrich.cli.progress import Progress
from jats_enrich.cli.report import add_report_commands
from jats_enrich.cli.serve import add_serve_command
from jats_enrich.cli.vocab import add_vocab_commands

if TYPE_CHECKING:
    from jats_enrich.config import Settings
    from jats_enrich.pipeline import EnrichOptions
    from jats_enrich.report.model import ArticleReport, Report

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_ARTICLE_FAILED = 2
EXIT_USAGE = 64
EXIT_DICTIONARY = 65
EXIT_SOFTWARE = 70
EXIT_CANT_WRITE = 73
DEBUG_VARIABLE = "JATS_ENRICH_DEBUG"


class _Parser(argparse.ArgumentParser):
    """argparse exits with 2 on a usage error; 2 means 'an article failed' here, so use 64."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    from jats_enrich import __version__

    parser = _Parser(
        prog="jats-enrich",
        description=(
            "Tag contributor roles in JATS XML articles with controlled-vocabulary identities "
            "(CRediT by default) and report what could not be tagged: unmatched, compound, ambiguous and "
            "near-miss roles, older identifier forms, conflicts between text and markup."
        ),
        epilog="Exit codes: 0 all articles processed; 1 a finding matched --fail-on; 2 some article failed; "
        "64 usage error; 65 invalid dictionary; 70 internal error; 73 cannot write output. "
        "Run 'jats-enrich COMMAND --help' for a command's options.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--debug", action="store_true", help="show the traceback of an internal error (a bug) instead of one line"
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

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
    _article_options(enrich)
    enrich.add_argument("--out", "-o", type=Path, metavar="DIR", help="folder for the outputs (created if missing)")
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
    _article_options(check)
    check.set_defaults(handler=_check, out=None, in_place=False, backup=None)

    add_report_commands(commands, _Parser)

    add_vocab_commands(commands, _Parser)
    add_serve_command(commands, _Parser)
    return parser


#: Elements enrich can target (config.TARGET_ELEMENTS; kept here so --help imports nothing heavy).
TARGET_ELEMENTS = ("role", "kwd", "compound-kwd", "subject", "compound-subject")

#: The outcomes --fail-on accepts (decide.Outcome's values; kept here so --help imports nothing heavy).
OUTCOMES = (
    "tagged",
    "upgraded",
    "already-correct",
    "deprecated-identifier",
    "deprecated",
    "conflict",
    "compound",
    "ambiguous",
    "withheld",
    "suggestion",
    "unmatched",
    "skipped-version",
)


def _article_options(parser: argparse.ArgumentParser) -> None:
    """Options of enrich and check. Defaults are None so that the configuration file's values
    stand unless a flag is given (see config.py)."""
    parser.add_argument(
        "inputs",
        nargs="*",
        type=Path,
        metavar="INPUT",
        help="article files; folders (searched recursively for *.xml and *.nxml); zip, tar and tar.gz packages; "
        "or - for one article on standard input (the result goes to standard output)",
    )
    parser.add_argument(
        "--glob",
        action="append",
        metavar="PATTERN",
        help="in folders and packages, the names of articles (default: *.xml and *.nxml); repeatable",
    )
    parser.add_argument(
        "--from-list", type=Path, metavar="FILE", help="also the inputs listed in FILE, one per line, relative to it"
    )
    parser.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="worker processes (default: the machine's cores); the report is the same whatever N",
    )
    parser.add_argument(
        "--executor",
        choices=("local", "dask"),
        default="local",
        help="local processes (default), or a Dask cluster (pip install 'jats-enrich[dask]')",
    )
    parser.add_argument(
        "--scheduler", metavar="ADDRESS", help="with --executor dask: the scheduler (default: a local cluster)"
    )
    parser.add_argument(
        "--resume",
        action="store_true",
        help="finish an interrupted run: skip the articles its journal lists as done (and unchanged since)",
    )
    parser.add_argument(
        "--journal",
        type=Path,
        metavar="FILE",
        help="the run journal (default: REPORT.journal beside the report, else DIR/.jats-enrich-journal)",
    )
    parser.add_argument(
        "--report",
        "-r",
        type=Path,
        action="append",
        metavar="FILE",
        help="write the report here, in the format its extension names: .json, .jsonl (streamed, one article "
        "per line), .csv (one row per finding), .html (for reviewers); repeatable",
    )
    parser.add_argument(
        "--aliases",
        type=Path,
        action="append",
        metavar="FILE.csv",
        help="reviewers' answers: an aliases table from 'jats-enrich report aliases' with its term column filled "
        "in; those strings become aliases of those terms; repeatable",
    )
    parser.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        help="TOML configuration (default: ./jats-enrich.toml, else [tool.jats-enrich] in ./pyproject.toml); "
        "flags override it",
    )
    parser.add_argument(
        "--vocab",
        action="append",
        metavar="NAME|FILE",
        help="dictionary to match against: a shipped one by name (credit, casrai) or a file (.jsonld, .csv, "
        ".ttl, .rdf, .nt; a thesaurus gzipped too: .ttl.gz, .rdf.gz, .nt.gz); repeatable (default: credit)",
    )
    parser.add_argument(
        "--scheme",
        action="append",
        metavar="URI",
        help="of a thesaurus (SKOS) among the dictionaries: match only the concepts of this scheme; repeatable "
        "(default: every concept, each written with its own scheme as vocab-identifier). For a file with no "
        "scheme at all, the vocab-identifier its concepts are written with",
    )
    parser.add_argument(
        "--cache",
        type=Path,
        metavar="DIR",
        help="folder of compiled dictionaries: a dictionary file is read once, then loaded from there "
        "(default: $JATS_ENRICH_CACHE, else $XDG_CACHE_HOME/jats-enrich, else ~/.cache/jats-enrich)",
    )
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="read every dictionary file afresh, and compile none",
    )
    parser.add_argument(
        "--precedence",
        type=_names,
        metavar="NAME,...",
        help="when several dictionaries define a text, the first of these wins (default: the text is ambiguous)",
    )
    parser.add_argument(
        "--targets",
        type=_elements,
        metavar="ELEMENT,...",
        help=f"elements to enrich, of {', '.join(TARGET_ELEMENTS)} (default: all; each is matched only "
        "against dictionaries that apply to it)",
    )
    parser.add_argument(
        "--upgrade",
        action=argparse.BooleanOptionalAction,
        help='rewrite older identifier forms (http:// NISO URIs, casrai addresses, vocab="CRediT", the generic '
        'content-type="http://credit.casrai.org/") into the current form; default: report them only',
    )
    parser.add_argument(
        "--replace-deprecated",
        action=argparse.BooleanOptionalAction,
        help="tag a term the dictionary marks deprecated with its replacement; default: report it",
    )
    parser.add_argument(
        "--legacy",
        choices=("content-type", "skip"),
        help="JATS 1.0/1.1 and NLM 3.0 articles, whose DTD has no vocab attributes: write a role's term URI into "
        "content-type where it is free (JATS4R), or write nothing (default: content-type)",
    )
    parser.add_argument(
        "--sense-gate",
        action=argparse.BooleanOptionalAction,
        help='write a keyword or subject matched by a dictionary of ordinary phrases (casrai\'s "Open access", '
        '"Embargo") only when the article is about that dictionary\'s domain, else report it as withheld '
        "(default); --no-sense-gate for a batch of a journal about that domain ([sense.NAME] in the "
        "configuration sets it per dictionary or journal)",
    )
    parser.add_argument(
        "--time-limit",
        type=_seconds,
        metavar="SECONDS",
        help="seconds one article may take; past it, it fails alone with a one-line error and the batch goes on "
        "(default: 120; 0: no limit)",
    )
    parser.add_argument(
        "--max-targets",
        type=_count,
        metavar="N",
        help="most roles, keywords and subjects enriched in one article; past it, the article fails alone with a "
        "one-line error (default: 3000; real articles have a few hundred at most; 0: no limit)",
    )
    parser.add_argument(
        "--memory-limit",
        type=_megabytes,
        metavar="MB",
        help="megabytes of data each worker process may hold; an article past it fails alone (default: no limit; "
        "the work then runs in worker processes, even with --workers 1)",
    )
    parser.add_argument(
        "--accept-fuzzy",
        type=_score,
        metavar="SCORE",
        help="tag an unmatched text with its best near miss when that scores at least SCORE (0-100); default: never",
    )
    parser.add_argument(
        "--profile",
        choices=("niso", "jats4r"),
        help="label written as vocab-term: NISO's (default) or JATS4R's list (\"Formal Analysis\")",
    )
    parser.add_argument(
        "--engine",
        choices=("lxml", "xslt"),
        help="how the attributes are written: lxml (default) or the XSLT 3.0 stylesheet run by Saxon; both give "
        "the same bytes",
    )
    parser.add_argument(
        "--xslt",
        type=Path,
        metavar="FILE",
        help="with --engine xslt: your stylesheet, importing urn:jats-enrich:xslt:enrich.xsl (see the README)",
    )
    parser.add_argument(
        "--fail-on",
        type=_outcomes,
        metavar="OUTCOME,...",
        help=f"exit with 1 when any finding has one of these outcomes ({', '.join(OUTCOMES)})",
    )
    parser.add_argument(
        "--quiet", "-q", action="store_true", help="no progress bar and no summary line; errors are still printed"
    )


def _names(value: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in value.split(",") if v.strip())


def _elements(value: str) -> tuple[str, ...]:
    names = _names(value)
    unknown = [n for n in names if n not in TARGET_ELEMENTS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown element {', '.join(unknown) or value!r}; known: {', '.join(TARGET_ELEMENTS)}"
        )
    return names


def _score(value: str) -> float:
    try:
        score = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
    if not 0 <= score <= 100:
        raise argparse.ArgumentTypeError(f"must be between 0 and 100: {value}")
    return score


_Number = TypeVar("_Number", int, float)


def _limit(convert: Callable[[str], _Number], what: str) -> Callable[[str], _Number]:
    """A parser of a limit given as ``what`` (0: no limit)."""

    def parse(value: str) -> _Number:
        try:
            number = convert(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not {what}: {value!r}") from None
        if number < 0:
            raise argparse.ArgumentTypeError(f"must be 0 (no limit) or more: {value}")
        return number

    return parse


_seconds = _limit(float, "a number of seconds")
_count = _limit(int, "a whole number")


def _megabytes(value: str) -> int:
    try:
        megabytes = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number of megabytes: {value!r}") from None
    if megabytes < 64:
        raise argparse.ArgumentTypeError(f"at least 64 megabytes (the tool itself needs that): {value}")
    return megabytes


def _outcomes(value: str) -> tuple[str, ...]:
    names = tuple(v.strip() for v in value.split(",") if v.strip())
    unknown = [n for n in names if n not in OUTCOMES]
    if not names:
        raise argparse.ArgumentTypeError(f"no outcome given; known: {', '.join(OUTCOMES)}")
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown outcome {', '.join(unknown)}; known: {', '.join(OUTCOMES)}")
    return names


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.debug:
        os.environ[DEBUG_VARIABLE] = "1"  # worker processes inherit it
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    from jats_enrich.errors import DictionaryError, OutputError, UsageError

    try:
        code: int = args.handler(args)
        return code
    except UsageError as exc:
        _error(str(exc))
        return EXIT_USAGE
    except DictionaryError as exc:
        _error(str(exc))
        return EXIT_DICTIONARY
    except OutputError as exc:
        _error(str(exc))
        return EXIT_CANT_WRITE
    except KeyboardInterrupt:
        _error("interrupted; files already written are complete, nothing is half-written")
        return 130
    except BrokenPipeError:
        # The reader of standard output went away (`jats-enrich vocab list credit | head`): stop
        # quietly, as other command-line tools do; Python would complain again at exit otherwise.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except Exception as exc:  # a bug: one line, unless the user asked for the traceback
        if args.debug:
            raise
        _error(f"internal error: {type(exc).__name__}: {exc} (run with --debug for the traceback)")
        return EXIT_SOFTWARE


def _error(message: str) -> None:
    print(f"jats-enrich: error: {message}", file=sys.stderr)


def _enrich(args: argparse.Namespace) -> int:
    return _run(args, write=True)


def _check(args: argparse.Namespace) -> int:
    return _run(args, write=False)


def _run(args: argparse.Namespace, write: bool) -> int:
    from jats_enrich.batch.inputs import discover, is_input
    from jats_enrich.batch.runner import Batch, BatchOptions
    from jats_enrich.errors import UsageError
    from jats_enrich.pipeline import Enricher
    from jats_enrich.report.sinks import open_sinks, report_format

    settings = _settings(args)
    options = _options(settings, write=write, aliases=args.aliases)
    if args.inputs == [Path("-")]:
        return _run_stdin(args, options, settings.fail_on)
    if Path("-") in args.inputs:
        raise UsageError("'-' (standard input) must be the only input")
    out = getattr(args, "out", None)
    in_place = getattr(args, "in_place", False)
    if write and (out is None) == (not in_place):
        raise UsageError("give --out DIR, or --in-place (with --backup SUFFIX to keep the originals)")
    if args.backup is not None and not in_place:
        raise UsageError("--backup goes with --in-place")
    if args.backup is not None and (not args.backup or "/" in args.backup or args.backup in (".", "..")):
        raise UsageError(f"--backup {args.backup!r}: a suffix added to each file's name (e.g. .orig), not a path")
    if args.resume and not args.report and args.journal is None and out is None:
        raise UsageError("--resume needs the journal of the interrupted run: --report or --journal as before")
    enricher = Enricher(options)
    enricher.writer  # noqa: B018 -- a bad engine option or stylesheet fails now, before any article
    if not args.quiet:  # what a dictionary's reader had to assume (a thesaurus without a scheme)
        for vocabulary in enricher.vocabularies:
            for note in vocabulary.notes:
                print(f"jats-enrich: note: {vocabulary.name}: {note}", file=sys.stderr)
    patterns = tuple(args.glob) if args.glob else None
    sources = discover(
        args.inputs,
        from_list=args.from_list,
        exclude=out if write else None,
        **({"patterns": patterns} if patterns else {}),
    )
    if not sources:
        raise UsageError(f"no articles found in {', '.join(map(str, args.inputs)) or args.from_list}")
    reports: list[Path] = args.report or []
    for report_path in reports:
        report_format(report_path)
        if is_input(report_path, sources):
            raise UsageError(f"{report_path}: the report would overwrite an input article")
    batch_options = BatchOptions(
        out=out if write else None,
        in_place=in_place,
        backup=args.backup,
        workers=args.workers or _default_workers(),
        executor=args.executor,
        scheduler=args.scheduler,
        journal=_journal_path(args, out) if write else None,
        resume=args.resume,
        fsync=getattr(args, "fsync", False),
        **({"patterns": patterns} if patterns else {}),
    )
    batch = Batch(sources, options, batch_options)

    progress = Progress(quiet=args.quiet)
    sinks = open_sinks(reports)

    def on_article(article: ArticleReport) -> None:
        progress.update(article)
        for sink in sinks:
            sink.add(article)

    try:
        report = batch.run(on_article=on_article, enricher=enricher, on_start=progress.start, keep=False)
        for sink in sinks:
            sink.close(report)
    except BaseException:
        for sink in sinks:
            sink.abort()
        raise
    finally:
        progress.close()
    if not args.quiet:
        print(_summary_line(report, reports), file=sys.stderr)
    for warning in batch.warnings:
        print(f"jats-enrich: warning: {warning}", file=sys.stderr)
    return _exit_code(report, settings.fail_on)


def _exit_code(report: Report, fail_on: tuple[str, ...]) -> int:
    if report.articles_failed:
        return EXIT_ARTICLE_FAILED
    if any(report.summary.get(outcome) for outcome in fail_on):
        return EXIT_FINDINGS
    return EXIT_OK


def _default_workers() -> int:
    from jats_enrich.batch.executors import default_workers

    return default_workers()


def _journal_path(args: argparse.Namespace, out: Path | None) -> Path:
    """The run journal: --journal, else beside the report, else hidden in the output folder, or
    for --in-place in the (first) input's folder: nothing is written outside what the user named."""
    if args.journal is not None:
        return Path(args.journal)
    if args.report:
        report: Path = args.report[0]
        return report.with_name(report.name + ".journal")
    if out is not None:
        return out / ".jats-enrich-journal"
    first: Path = args.inputs[0] if args.inputs else Path(".")
    return (first if first.is_dir() else first.parent) / ".jats-enrich-journal"


def _run_stdin(args: argparse.Namespace, options: EnrichOptions, fail_on: tuple[str, ...]) -> int:
    """One article on standard input; the enriched article on standard output."""
    from jats_enrich import __version__
    from jats_enrich.files import read_at_most
    from jats_enrich.limits import MAX_ARTICLE_BYTES
    from jats_enrich.pipeline import Enricher
    from jats_enrich.report.model import Report, summarise
    from jats_enrich.report.sinks import write_report

    # Never more than one byte over the limit (the reader then refuses it): `cat /dev/zero |` ends.
    data = read_at_most(sys.stdin.buffer, MAX_ARTICLE_BYTES)
    result = Enricher(options).enrich_bytes(data, "-")
    if options.write and result.output is not None:
        sys.stdout.buffer.write(result.output)
        sys.stdout.buffer.flush()
    articles = [result.report]
    report = Report(
        tool=f"jats-enrich {__version__}",
        articles_total=1,
        articles_failed=1 if result.report.error else 0,
        summary=summarise(articles),
        articles=articles,
    )
    if result.report.error:
        print(f"jats-enrich: {result.report.error}", file=sys.stderr)
    write_report(report, args.report or [])
    if not args.quiet:
        print(_summary_line(report, args.report or []), file=sys.stderr)
    return _exit_code(report, fail_on)


def _settings(args: argparse.Namespace) -> Settings:
    """The configuration file's settings with the flags given on top."""
    from jats_enrich.config import load_settings

    flags: dict[str, Any] = {
        "vocab": tuple(args.vocab) if args.vocab else None,
        "scheme": tuple(args.scheme) if args.scheme else None,
        "cache": "off" if args.no_cache else str(args.cache) if args.cache else None,
        "precedence": args.precedence,
        "profile": args.profile,
        "upgrade": args.upgrade,
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
    return load_settings(args.config, {k: v for k, v in flags.items() if v is not None})


def _options(settings: Settings, write: bool, aliases: list[Path] | None = None) -> EnrichOptions:
    from jats_enrich.pipeline import enrich_options

    return enrich_options(settings, write=write, aliases=aliases or ())


def _summary_line(report: Report, report_paths: list[Path]) -> str:
    findings = ", ".join(f"{n} {outcome}" for outcome, n in report.summary.items()) or "no findings"
    where = f"; report: {', '.join(map(str, report_paths))}" if report_paths else ""
    return f"jats-enrich: {report.articles_total} articles, {report.articles_failed} failed; {findings}{where}"
