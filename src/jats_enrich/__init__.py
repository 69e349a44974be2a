"""jats-enrich: tag contributor roles and keywords in JATS articles with controlled vocabularies.

Public names are imported on first use, so ``jats-enrich --help`` stays fast::

    from jats_enrich import enrich_bytes
    result = enrich_bytes(data)
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

#: The one place of the version (pyproject.toml reads it): importlib.metadata would cost every
#: run a thirtieth of a second to start.
__version__ = "0.10.0"

_PUBLIC: dict[str, str] = {
    "enrich_bytes": "api",
    "enrich_text": "api",
    "enrich_path": "api",
    "iter_findings": "api",
    "run_batch": "api",
    "export_crossref": "api",
    "export_crossref_bytes": "api",
    "CrossrefResult": "pipeline",
    "TextResult": "api",
    "BatchOptions": "batch.runner",
    "Policy": "decide.model",
    "Enricher": "pipeline",
    "EnrichOptions": "config",
    "EnrichResult": "pipeline",
    "ArticleReport": "report.model",
    "Finding": "report.model",
    "Report": "report.model",
    "Outcome": "decide.model",
    "Matcher": "match.matcher",
    "Vocabulary": "dictionaries.model",
    "Term": "dictionaries.model",
    "load_vocabulary": "dictionaries",
    "JatsEnrichError": "errors",
    "ArticleError": "errors",
    "DictionaryError": "errors",
}

__all__ = ["__version__", *_PUBLIC]


def __getattr__(name: str) -> Any:
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'jats_enrich' has no attribute {name!r}")
    return getattr(import_module(f"jats_enrich.{module}"), name)
