"""The command line: argparse -> the library -> exit codes."""

from jats_enrich.cli.program import main

__all__ = ["main"]
