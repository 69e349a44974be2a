"""The ``jats-enrich`` command line: the top-level parser, each command's handler (enrich.py,
report.py, vocab.py, serve.py), the library's errors mapped to exit codes.

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
from typing import NoReturn

from jats_enrich.cli.enrich import add_enrich_commands
from jats_enrich.cli.exit_codes import ExitCode
from jats_enrich.cli.export import add_export_command
from jats_enrich.cli.flags import as_flags
from jats_enrich.cli.report import add_report_commands
from jats_enrich.cli.serve import add_serve_command
from jats_enrich.cli.vocab import add_vocab_commands

__all__ = ["main"]

DEBUG_VARIABLE = "JATS_ENRICH_DEBUG"


class _Parser(argparse.ArgumentParser):
    """argparse exits with 2 on a usage error; 2 means 'an article failed' here, so use 64."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(ExitCode.USAGE, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    from jats_enrich import __version__

    parser = _Parser(
        prog="jats-enrich",
        description=(
            "Tag the contributor roles, keywords and subjects of JATS XML articles with their controlled-vocabulary "
            "identities (CRediT for roles by default; the CASRAI dictionary and your own thesauri for keywords and "
            "subjects) and report what could not be tagged: unmatched, compound, ambiguous and near-miss texts, "
            "older identifier forms, conflicts between text and markup."
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

    add_enrich_commands(commands)  # enrich, then check
    add_report_commands(commands, _Parser)
    add_vocab_commands(commands, _Parser)
    add_export_command(commands, _Parser)
    add_serve_command(commands, _Parser)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.debug:
        os.environ[DEBUG_VARIABLE] = "1"  # worker processes inherit it
    if args.command is None:
        parser.print_help(sys.stderr)
        return ExitCode.USAGE
    from jats_enrich.errors import DictionaryError, OutputError, UsageError

    try:
        code: int = args.handler(args)
        return code
    except UsageError as exc:
        _error(str(exc))
        return ExitCode.USAGE
    except DictionaryError as exc:
        _error(str(exc))
        return ExitCode.DICTIONARY
    except OutputError as exc:
        _error(str(exc))
        return ExitCode.CANT_WRITE
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
        return ExitCode.SOFTWARE


def _error(message: str) -> None:
    print(f"jats-enrich: error: {as_flags(message)}", file=sys.stderr)
