"""``jats-enrich report ...``: the report's schema, merging shards, rendering, the aliases table."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from jats_enrich.cli.exit_codes import ExitCode, usage_handler


def add_report_commands(commands: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    report = commands.add_parser(
        "report",
        help="the report's JSON Schema; merge shard reports; render a report as HTML or CSV; the aliases table",
        description="Work with report files.",
    )
    sub: Any = report.add_subparsers(dest="report_command", metavar="SUBCOMMAND", parser_class=parser_class)
    schema = sub.add_parser(
        "schema",
        help="print the JSON Schema of the JSON report",
        description="Print the JSON Schema of the JSON report.",
    )
    schema.set_defaults(handler=_schema)
    merge = sub.add_parser(
        "merge",
        help="combine reports of separate runs (shards) into one",
        description="Combine reports of separate runs (.json or .jsonl: cluster jobs, Dask shards) into one report, "
        "articles in the order of the files given; totals recounted.",
    )
    merge.add_argument("inputs", nargs="+", type=Path, metavar="REPORT")
    merge.add_argument(
        "-o",
        "--out",
        type=Path,
        action="append",
        required=True,
        metavar="FILE",
        help="by extension: .json, .jsonl, .csv, .html; repeatable",
    )
    merge.set_defaults(handler=_merge)
    render = sub.add_parser(
        "render",
        help="write a report in another format",
        description="Write a report (.json or .jsonl) as .html, .csv, .json or .jsonl.",
    )
    render.add_argument("input", type=Path, metavar="REPORT")
    render.add_argument("-o", "--out", type=Path, action="append", required=True, metavar="FILE")
    render.set_defaults(handler=_render)
    aliases = sub.add_parser(
        "aliases",
        help="the unmatched strings of a report, as a table for reviewers to fill in",
        description="Write the unmatched strings of a report (grouped by normalised text, most frequent first) as "
        "CSV with an empty 'term' column. Fill in the term a string means (its label, an alias or its identifier; "
        "'vocab' when two dictionaries share it) and give the file to the next run with --aliases. A cell that "
        "begins with =, +, -, @, a tab or a carriage return is written with an apostrophe before it, so that no "
        "spreadsheet runs it as a formula; the apostrophe is taken off when the file is read back.",
    )
    aliases.add_argument("input", type=Path, metavar="REPORT")
    aliases.add_argument("-o", "--out", type=Path, required=True, metavar="FILE.csv")
    aliases.set_defaults(handler=_aliases)
    report.set_defaults(handler=usage_handler(report))


def report_schema() -> dict[str, object]:
    from jats_enrich.report.model import Report

    return Report.model_json_schema()


def _schema(args: argparse.Namespace) -> int:
    print(json.dumps(report_schema(), indent=2))
    return ExitCode.OK


def _merge(args: argparse.Namespace) -> int:
    from jats_enrich.report.sinks import read_report, report_format, report_of, write_report

    for path in args.out:
        report_format(path)
    articles = [article for path in args.inputs for article in read_report(path).articles]
    merged = report_of(articles)
    write_report(merged, args.out)
    print(
        f"jats-enrich: {len(args.inputs)} reports, {merged.articles_total} articles -> {', '.join(map(str, args.out))}",
        file=sys.stderr,
    )
    return ExitCode.OK


def _render(args: argparse.Namespace) -> int:
    from jats_enrich.report.sinks import read_report, report_format, write_report

    for path in args.out:
        report_format(path)
    write_report(read_report(args.input), args.out)
    return ExitCode.OK


def _aliases(args: argparse.Namespace) -> int:
    from jats_enrich.files import atomic_write
    from jats_enrich.report.aliases import aliases_table
    from jats_enrich.report.sinks import read_report

    table = aliases_table(read_report(args.input))
    atomic_write(args.out, table.encode("utf-8"))
    rows = table.count("\n") - 1
    print(
        f"jats-enrich: {rows} unmatched strings -> {args.out}; fill in the term column, then use --aliases",
        file=sys.stderr,
    )
    return ExitCode.OK
