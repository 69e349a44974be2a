"""``jats-enrich export crossref``: articles' contributors, with their roles, as Crossref 5.5 has them."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from jats_enrich.cli.exit_codes import ExitCode, usage_handler


def add_export_command(commands: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    export = commands.add_parser(
        "export",
        help="export articles' metadata in another schema (crossref)",
        description="Export what the articles say of their contributors in another schema.",
    )
    sub: Any = export.add_subparsers(dest="export_format", metavar="FORMAT", parser_class=parser_class)
    crossref = sub.add_parser(
        "crossref",
        help="contributors and their CRediT roles as Crossref's deposit schema 5.5 has them",
        description="For each article, write its contributors as Crossref 5.5 <contributors> (NAME.crossref.xml "
        'under --out): names, ORCID, affiliations, sequence, contributor_role; a <role vocab="credit"> for each '
        'CRediT role the article carries or the run matches (never a suggestion); vocab="crossref" roles from '
        "contrib-type and corresp. With --deposit, also a complete doi_batch (NAME.deposit.xml) when the article "
        "has what Crossref requires, the depositor coming from the [crossref] table of the configuration file. "
        "What cannot be carried is listed per contributor in the report.",
    )
    crossref.add_argument("inputs", nargs="*", type=Path, metavar="INPUT", help="article files and folders")
    crossref.add_argument("--out", "-o", type=Path, metavar="DIR", required=True, help="folder for the exports")
    crossref.add_argument(
        "--deposit", action="store_true", help="also a doi_batch per article (needs [crossref] in the configuration)"
    )
    crossref.add_argument("--report", type=Path, metavar="FILE.json", help="the export's report, as JSON")
    crossref.add_argument("--glob", action="append", metavar="PATTERN", help="article names in folders; repeatable")
    crossref.add_argument("--from-list", type=Path, metavar="FILE", help="also the inputs listed in FILE")
    crossref.add_argument("--config", type=Path, metavar="FILE", help="configuration file (see enrich --help)")
    crossref.add_argument("--vocab", action="append", metavar="NAME|FILE", help="dictionaries (default: credit)")
    crossref.add_argument(
        "--add-roles",
        action="store_true",
        default=None,
        help="carry the roles contribution statements name exactly, as enrich --add-roles writes them",
    )
    crossref.add_argument(
        "--quiet", "-q", action="store_true", help="no summary line; an article that fails is still named"
    )
    crossref.set_defaults(handler=_crossref)
    export.set_defaults(handler=usage_handler(export))


def _crossref(args: argparse.Namespace) -> int:
    from jats_enrich import api
    from jats_enrich.errors import UsageError
    from jats_enrich.files import atomic_write

    if not args.inputs and args.from_list is None:
        raise UsageError("no INPUT given")
    if args.report is not None and args.report.suffix != ".json":
        raise UsageError(f"{args.report}: the export's report is JSON (FILE.json)")
    flags = {"vocab": tuple(args.vocab) if args.vocab else None, "add_roles": args.add_roles}
    options = api.load_options(args.config, {k: v for k, v in flags.items() if v is not None})

    def failed(article: Any) -> None:
        if article.error:
            print(f"jats-enrich: {article.error}", file=sys.stderr)

    report = api.export_crossref(
        args.inputs, args.out, options, args.deposit, args.glob, args.from_list, on_article=failed
    )
    if args.report is not None:
        atomic_write(args.report, report.model_dump_json(indent=2).encode("utf-8"), durable=False)
    if not args.quiet:
        deposits = f", {report.deposits_written} deposits" if report.deposit else ""
        print(
            f"jats-enrich: {report.articles_total} articles, {report.articles_failed} failed; "
            f"{report.contributors} contributors, {report.credit_roles} CRediT roles, {report.crossref_roles} "
            f"Crossref roles carried, {report.not_carried} not carried{deposits}"
            + (f"; report: {args.report}" if args.report else ""),
            file=sys.stderr,
        )
    return ExitCode.ARTICLE_FAILED if report.articles_failed else ExitCode.OK
