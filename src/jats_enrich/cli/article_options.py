"""The options of ``enrich`` and ``check``, and the parsers of their values.

A module of its own because both commands share the table, and because ``--help`` needs it: it
imports nothing but the standard library.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

#: Elements enrich can target (article.targets.TARGET_ELEMENTS; kept here so --help imports nothing heavy).
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


def location(text: str) -> Path | str:
    """A command line's path, or a remote URL kept as it is (s3://, gs://, ...: storage.py)."""
    from jats_enrich.storage import is_remote, local

    return text if is_remote(text) else local(text)


def add_article_options(parser: argparse.ArgumentParser, writes: bool) -> None:
    """Options of enrich and check (``writes``: enrich's). Defaults are None so that the
    configuration file's values stand unless a flag is given (see config.py)."""
    stdin = "the result goes to standard output" if writes else "nothing is written but the report"
    parser.add_argument(
        "inputs",
        nargs="*",
        type=location,
        metavar="INPUT",
        help="article files; folders (searched recursively for *.xml and *.nxml); zip, tar and tar.gz packages; "
        "remote folders and articles as URLs (s3://bucket/articles/, with the extra of their store: "
        f"pip install 'jats-enrich[s3]'); or - for one article on standard input ({stdin})",
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
        "--task-seconds",
        type=float,
        metavar="S",
        help="with --executor dask: the estimated work of one Dask task (default: 2; consecutive articles "
        "are grouped to it, as the scheduler's cost per task is about one article's)",
    )
    parser.add_argument(
        "--resume",
        action="store_true",
        help="finish an interrupted run: skip the articles its journal lists as done (and unchanged since)",
    )
    parser.add_argument(
        "--journal",
        type=location,
        metavar="FILE",
        help="the run journal, a local file (default: REPORT.journal beside the report, else "
        "DIR/.jats-enrich-journal; none when the report and the outputs are remote)",
    )
    parser.add_argument(
        "--report",
        "-r",
        type=location,
        action="append",
        metavar="FILE",
        help="write the report here, in the format its extension names: .json, .jsonl (streamed, one article "
        "per line), .csv (one row per finding), .html (for reviewers); a URL is uploaded when the run ends; "
        "repeatable",
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
        "--statements",
        action=argparse.BooleanOptionalAction,
        help="read author-contribution statements and report them per contributor (default: yes; "
        "--no-statements saves their time on a large batch)",
    )
    parser.add_argument(
        "--add-roles",
        action=argparse.BooleanOptionalAction,
        help="insert a <role> for each CRediT role an author-contribution statement names exactly (label, "
        "alias or translation; never a near miss or an older category), for contributors with no identified "
        "role yet; default: report statements only",
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
        metavar="NAME|FILE",
        help="the form identities are written in, for whoever reads the article next: niso (default), jats4r "
        "(its term list's \"Formal Analysis\"), scielo (the term URI in a role's content-type in every JATS "
        'version), atypon (vocab="CRediT", as its editor imports roles), or a profile file (TOML); '
        "`jats-enrich vocab profiles` shows each. With --upgrade, identities already in another profile's form "
        "are converted",
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
