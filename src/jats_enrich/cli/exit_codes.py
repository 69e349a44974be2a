"""The command line's exit codes, in one place (the usage text of `jats-enrich --help` lists them)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    FINDINGS = 1  # enrich/check: an outcome named by --fail-on was found
    NOT_FOUND = 1  # vocab show: no such term
    ARTICLE_FAILED = 2  # enrich/check: an article could not be processed
    USAGE = 64  # bad option, missing input, output that would overwrite an input
    DICTIONARY = 65  # a dictionary file is invalid
    SOFTWARE = 70  # internal error (a bug)
    CANT_WRITE = 73  # an output or report file could not be written


def usage_handler(parser: argparse.ArgumentParser) -> Callable[[argparse.Namespace], int]:
    """What a command given without its subcommand does: print its help, exit with USAGE."""

    def show(args: argparse.Namespace) -> int:
        parser.print_help(sys.stderr)
        return ExitCode.USAGE

    return show
