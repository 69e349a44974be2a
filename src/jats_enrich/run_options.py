"""Settings (configuration file and flags, or a service request) -> the options of a run."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from .config import Settings
from .decide import Policy
from .pipeline import EnrichOptions


def enrich_options(settings: Settings, *, write: bool, aliases: Iterable[Path] = ()) -> EnrichOptions:
    policy = Policy(
        upgrade=settings.upgrade,
        legacy=settings.legacy,
        accept_fuzzy=settings.thresholds.accept_fuzzy,
        close_call=settings.thresholds.suggestion,
        profile=settings.profile,
        replace_deprecated=settings.replace_deprecated,
    )
    return EnrichOptions(
        aliases=tuple(aliases),
        vocabularies=settings.vocab,
        schemes=settings.scheme,
        dictionary_cache=settings.cache,
        precedence=settings.precedence,
        applies_to=settings.applies_to,
        sense_gate=settings.sense_gate,
        sense=settings.sense,
        time_limit=settings.time_limit,
        max_targets=settings.max_targets,
        memory_limit=settings.memory_limit,
        targets=settings.targets,
        policy=policy,
        write=write,
        engine=settings.engine,
        stylesheet=Path(settings.xslt) if settings.xslt else None,
    )
