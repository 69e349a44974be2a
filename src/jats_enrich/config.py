"""Configuration: a TOML file for what would otherwise be a long command line.

Found as ``--config FILE``, else ``jats-enrich.toml`` in the working folder, else the
``[tool.jats-enrich]`` table of ``pyproject.toml`` there. Command-line flags override it. Unknown
keys are an error, named with the file. Dictionary paths are relative to the configuration file.

    vocab = ["credit", "casrai", "thesaurus.ttl"]
    scheme = ["http://www.yso.fi/onto/yso/"]  # of a thesaurus: only these schemes' concepts
    cache = "compiled"                   # compiled dictionaries' folder; "off": none
    precedence = ["credit", "casrai"]    # which vocabulary wins when two define a label
    profile = "niso"                     # or "jats4r"
    upgrade = false
    legacy = "content-type"              # or "skip"
    replace_deprecated = false
    fail_on = ["conflict"]
    engine = "lxml"                      # or "xslt"; xslt = "my.xsl" for a stylesheet of your own

    [thresholds]
    accept_fuzzy = 95                    # leave out: never apply near misses
    suggestion = 80

    [targets]
    elements = ["role", "kwd", "compound-kwd", "subject", "compound-subject"]
    kwd_group_types = ["author-keywords"]   # leave out: every group
    subj_group_types = []                   # empty: no subject group

    [applies_to]                         # which targets a dictionary's terms are matched against
    thesaurus = ["keyword", "subject"]

    sense_gate = true                    # false: no dictionary's keyword matches wait for evidence
    [sense.casrai]                       # the sense gate of one dictionary (see decide/sense.py)
    gate = true                          # false: a batch of a journal about scholarly publishing
    journals = ["Learned Publishing", "0953-1513"]   # journals (titles, ISSNs) whose scope is its domain
    evidence = ["research integrity"]    # more phrases that show an article is about its domain

    time_limit = 120                     # seconds one article may take (leave out: 120)
    max_targets = 3000                   # roles, keywords and subjects in one article (leave out: 3,000)
    memory_limit = 2048                  # megabytes a worker process may hold (leave out: no limit)
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from jats_enrich.article.targets import Targets
from jats_enrich.decide.profiles import Profile
from jats_enrich.decide.sense import SenseOptions
from jats_enrich.dictionaries.model import TargetKind
from jats_enrich.errors import UsageError
from jats_enrich.limits import ARTICLE_SECONDS, MAX_TARGETS

CONFIG_FILE = "jats-enrich.toml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Thresholds(_Strict):
    accept_fuzzy: float | None = Field(default=None, ge=0, le=100)
    suggestion: float = Field(default=80.0, ge=0, le=100)


class Settings(_Strict):
    """Everything a run can be told, from the configuration file and the command line."""

    vocab: tuple[str, ...] = ("credit",)
    scheme: tuple[str, ...] = ()  # of the thesauri (SKOS) among vocab: only the concepts of these schemes
    cache: str | None = None  # folder of compiled dictionaries; "off": none; unset: the default folder
    precedence: tuple[str, ...] = ()
    profile: Profile = "niso"
    upgrade: bool = False
    legacy: Literal["content-type", "skip"] = "content-type"
    replace_deprecated: bool = False
    fail_on: tuple[str, ...] = ()
    engine: Literal["lxml", "xslt"] = "lxml"
    xslt: str | None = None
    thresholds: Thresholds = Field(default_factory=Thresholds)
    targets: Targets = Field(default_factory=Targets)
    applies_to: dict[str, tuple[TargetKind, ...]] = Field(default_factory=dict)
    sense_gate: bool = True
    sense: dict[str, SenseOptions] = Field(default_factory=dict)
    time_limit: float | None = Field(default=ARTICLE_SECONDS, ge=0)  # 0 or None: no limit
    max_targets: int | None = Field(default=MAX_TARGETS, ge=0)  # 0 or None: no limit
    memory_limit: int | None = Field(default=None, gt=0)


def find_config(explicit: Path | None, cwd: Path | None = None) -> tuple[Path, dict[str, Any]] | None:
    """The configuration file and its table, if any."""
    if explicit is not None:
        return explicit, _read_toml(explicit)
    here = cwd or Path.cwd()
    own = here / CONFIG_FILE
    if own.is_file():
        return own, _read_toml(own)
    pyproject = here / "pyproject.toml"
    if pyproject.is_file():
        table = _read_toml(pyproject).get("tool", {}).get("jats-enrich")
        if isinstance(table, dict):
            return pyproject, table
    return None


def load_settings(
    explicit: Path | None = None, overrides: dict[str, Any] | None = None, cwd: Path | None = None
) -> Settings:
    """Settings from the configuration file (if any), with ``overrides`` (the flags given) on top."""
    data: dict[str, Any] = {}
    source = "command line"
    found = find_config(explicit, cwd)
    if found is not None:
        path, data = found
        source = str(path)
        data = _resolve_paths(data, path.parent)
    merged = _merge(data, overrides or {})
    try:
        return Settings.model_validate(merged)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(p) for p in error["loc"])
        if error["type"] == "extra_forbidden":
            raise UsageError(f"{source}: unknown key {where!r}") from None
        raise UsageError(f"{source}: {where}: {error['msg']}") from None


def with_overrides(settings: Settings, overrides: dict[str, Any]) -> Settings:
    """``settings`` with some keys given anew (nested tables merged): a service request's options."""
    return Settings.model_validate(_merge(settings.model_dump(), overrides))


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: malformed TOML: {exc}") from None


def _resolve_paths(data: dict[str, Any], base: Path) -> dict[str, Any]:
    """Dictionary and stylesheet paths in the file are relative to it; shipped names stay names."""
    if isinstance(data.get("xslt"), str):
        data = {**data, "xslt": str(base / data["xslt"])}
    if isinstance(data.get("cache"), str) and data["cache"] != "off":
        data = {**data, "cache": str(base / data["cache"])}
    vocab = data.get("vocab")
    if isinstance(vocab, list):
        from jats_enrich.dictionaries import SHIPPED

        data = {**data, "vocab": [v if not isinstance(v, str) or v in SHIPPED else str(base / v) for v in vocab]}
    return data


def _merge(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in top.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged
