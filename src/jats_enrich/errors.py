"""The exceptions jats-enrich raises.

One base class; each subclass also inherits the builtin that fits, so callers can catch either.
Every message names the file (or input) it is about. Only the CLI turns them into exit codes.

Messages (errors, report notes) name an option by its field name in EnrichOptions or BatchOptions,
between backquotes (`upgrade`, `cache` off): that is what a Python or HTTP caller sets. The
command line, whose users set flags, shows each as its flag (cli/flags.py).
"""

from __future__ import annotations


class JatsEnrichError(Exception):
    """Base class of every error jats-enrich raises on purpose."""


class DictionaryError(JatsEnrichError, ValueError):
    """A dictionary file is unreadable or breaks the dictionary model."""


class ArticleError(JatsEnrichError, ValueError):
    """One article cannot be processed: not well-formed, not JATS, unreadable. The batch goes on."""


class UsageError(JatsEnrichError, ValueError):
    """The caller asked for something impossible (bad option, output over an input...)."""


class UnknownDictionary(UsageError, DictionaryError):
    """A dictionary named that is neither shipped nor a file: a slip of the caller's (usage), about
    a dictionary (caught as either)."""


class OutputError(JatsEnrichError, OSError):
    """An output file could not be written."""
