"""The options of a run, one model for every door (EnrichOptions), and the configuration file that
sets them: a TOML file for what would otherwise be a long command line.

Found as ``--config FILE``, else ``jats-enrich.toml`` in the working folder, else the
``[tool.jats-enrich]`` table of ``pyproject.toml`` there. Command-line flags override it. Unknown
keys are an error, named with the file. Dictionary paths are relative to the configuration file.

    vocab = ["credit", "casrai", "thesaurus.ttl"]
    scheme = ["http://www.yso.fi/onto/yso/"]  # of a thesaurus: only these schemes' concepts
    cache = "compiled"                   # compiled dictionaries' folder; "off": none
    precedence = ["credit", "casrai"]    # which vocabulary wins when two define a label
    profile = "niso"                     # or jats4r, scielo, atypon, or a profile file
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

    [crossref]                           # export crossref --deposit: who deposits, each landing page
    depositor_name = "Journal Production"
    email_address = "production@journal.example"
    registrant = "Journal Publisher"
    resource = "https://journal.example/article/{doi}"
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from jats_enrich.article.targets import Targets
from jats_enrich.decide.model import Policy
from jats_enrich.decide.profiles import DEFAULT_PROFILE, SHIPPED_PROFILES, load_profile
from jats_enrich.decide.sense import SenseOptions
from jats_enrich.dictionaries.model import TargetKind
from jats_enrich.errors import UsageError
from jats_enrich.limits import ARTICLE_SECONDS, MAX_TARGETS
from jats_enrich.write.crossref_deposit import Depositor

CONFIG_FILE = "jats-enrich.toml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Thresholds(_Strict):
    accept_fuzzy: float | None = Field(default=None, ge=0, le=100)
    suggestion: float = Field(default=80.0, ge=0, le=100)


class EnrichOptions(_Strict):
    """Everything a run can be told: the one options model of the configuration file, the command
    line (whose flags map onto these fields), the service (its query parameters likewise) and the
    Python API. Field names are the configuration file's keys."""

    vocab: tuple[str, ...] = Field(
        default=("credit",), description="Dictionaries to match against: shipped names (credit, casrai) or files"
    )
    scheme: tuple[str, ...] = Field(
        default=(), description="Of the thesauri (SKOS) among vocab: only the concepts of these schemes"
    )
    cache: str | None = Field(
        default=None,
        description="Folder of compiled dictionaries ('off': none; None: $JATS_ENRICH_CACHE, else "
        "$XDG_CACHE_HOME/jats-enrich)",
    )
    precedence: tuple[str, ...] = Field(default=(), description="Which vocabulary wins when several define a text")
    profile: str = Field(
        default=DEFAULT_PROFILE,
        description="The form identities are written in, for whoever reads the article next: a shipped profile "
        f"({', '.join(SHIPPED_PROFILES)}) or a profile file",
    )
    upgrade: bool = Field(default=False, description="Rewrite older identifier forms into the current one")
    legacy: Literal["content-type", "skip"] = Field(
        default="content-type",
        description="JATS <= 1.1 and NLM 3.0: write a role's term URI into content-type, or write nothing",
    )
    replace_deprecated: bool = Field(
        default=False, description="Tag a deprecated term's replacement instead of reporting it"
    )
    fail_on: tuple[str, ...] = Field(default=(), description="Outcomes that make the command line exit 1")
    engine: Literal["lxml", "xslt"] = Field(default="lxml", description="How the edits are applied")
    xslt: str | None = Field(default=None, description="xslt engine: a stylesheet importing the shipped one")
    thresholds: Thresholds = Field(default_factory=Thresholds)
    targets: Targets = Field(default_factory=Targets)
    applies_to: dict[str, tuple[TargetKind, ...]] = Field(
        default_factory=dict, description="Per vocabulary name: the targets its terms are matched against"
    )
    sense_gate: bool = Field(default=True, description="False: sense-gated dictionaries need no evidence")
    sense: dict[str, SenseOptions] = Field(
        default_factory=dict, description="Per dictionary name: its sense gate's switch, journals and evidence"
    )
    time_limit: float | None = Field(
        default=ARTICLE_SECONDS,
        ge=0,
        description="Seconds one article may take; past it, it fails alone (0 or None: no limit)",
    )
    max_targets: int | None = Field(
        default=MAX_TARGETS,
        ge=0,
        description="Most roles, keywords and subjects enriched in one article; past it, the article fails alone "
        "(0 or None: no limit)",
    )
    memory_limit: int | None = Field(
        default=None,
        gt=0,
        description="Megabytes of data a worker process may hold while it enriches articles (None: no limit); "
        "an article past it fails alone. Applied in worker processes, never in the caller's",
    )
    aliases: tuple[Path, ...] = Field(default=(), description="Reviewers' aliases CSV files (report aliases)")
    statements: bool = Field(
        default=True, description="Read author-contribution statements and report them per contributor"
    )
    add_roles: bool = Field(
        default=False,
        description="Insert a <role> for each role a contribution statement names exactly, for contributors "
        "with no identified role yet",
    )
    write: bool = Field(default=True, description="False: check only; findings as if written, bytes unchanged")
    crossref: Depositor | None = Field(
        default=None, description="Crossref deposits: depositor_name, email_address, registrant, resource ({doi})"
    )

    @field_validator("profile")
    @classmethod
    def _known_profile(cls, value: str) -> str:
        try:
            load_profile(value)
        except UsageError as exc:
            raise ValueError(str(exc)) from None
        return value

    @model_validator(mode="before")
    @classmethod
    def _older_spellings(cls, data: Any) -> Any:
        """The Python API's spellings before there was one model (0.10): still read, never written."""
        if not isinstance(data, dict) or (not _OLDER_SPELLINGS.keys() & data.keys() and "policy" not in data):
            return data
        data = dict(data)
        for old, new in _OLDER_SPELLINGS.items():
            if old in data:
                data.setdefault(new, data.pop(old))
        policy = data.pop("policy", None)
        if policy is not None:
            given = policy.model_dump(exclude_unset=True) if isinstance(policy, BaseModel) else dict(policy)
            if isinstance(given.get("profile"), dict):  # a Policy's profile: by its name, or its file
                named = given["profile"]
                given["profile"] = named["name"] if named["name"] in SHIPPED_PROFILES else named["source"]
            thresholds = dict(data.get("thresholds") or {})
            for key in ("accept_fuzzy", "close_call"):
                if key in given:
                    thresholds["suggestion" if key == "close_call" else key] = given.pop(key)
            data = {**given, **data, "thresholds": thresholds}
        return data

    @property
    def policy(self) -> Policy:
        """What deciding is told: the fields of these options that it reads."""
        return Policy(
            upgrade=self.upgrade,
            legacy=self.legacy,
            accept_fuzzy=self.thresholds.accept_fuzzy,
            close_call=self.thresholds.suggestion,
            profile=load_profile(self.profile),
            replace_deprecated=self.replace_deprecated,
        )

    @property
    def stylesheet(self) -> Path | None:
        return Path(self.xslt) if self.xslt else None


#: Field names of the Python API before the one options model -> the model's.
_OLDER_SPELLINGS = {"vocabularies": "vocab", "schemes": "scheme", "dictionary_cache": "cache", "stylesheet": "xslt"}
#: Fields a configuration file cannot set: whether a run writes is its command's choice.
_NOT_IN_FILES = ("write",)


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
) -> EnrichOptions:
    """EnrichOptions from the configuration file (if any), with ``overrides`` (the flags given) on top."""
    data: dict[str, Any] = {}
    source = "command line"
    found = find_config(explicit, cwd)
    if found is not None:
        path, data = found
        source = str(path)
        for key in data:
            if key not in EnrichOptions.model_fields or key in _NOT_IN_FILES:
                raise UsageError(f"{source}: unknown key {key!r}")
        data = _resolve_paths(data, path.parent)
    merged = _merge(data, overrides or {})
    try:
        return EnrichOptions.model_validate(merged)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(p) for p in error["loc"])
        if error["type"] == "extra_forbidden":
            raise UsageError(f"{source}: unknown key {where!r}") from None
        raise UsageError(f"{source}: {where}: {error['msg'].removeprefix('Value error, ')}") from None


def with_overrides(settings: EnrichOptions, overrides: dict[str, Any]) -> EnrichOptions:
    """``settings`` with some keys given anew (nested tables merged): a service request's options."""
    return EnrichOptions.model_validate(_merge(settings.model_dump(), overrides))


#: What an export reads whatever the options say: every contributor role (the targets may name
#: keywords only), and no near miss taken for a match (an export never carries a suggestion).
EXPORT_OVERRIDES: dict[str, Any] = {"targets": {"elements": ["role"]}, "thresholds": {"accept_fuzzy": None}}


def for_export(settings: EnrichOptions) -> EnrichOptions:
    """The options of an export (export crossref): ``settings`` with EXPORT_OVERRIDES."""
    return with_overrides(settings, EXPORT_OVERRIDES)


def export_overrides(overrides: dict[str, Any]) -> dict[str, Any]:
    """A request's options as configuration keys, with EXPORT_OVERRIDES (nested tables merged)."""
    return _merge(overrides, EXPORT_OVERRIDES)


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
    profile = data.get("profile")
    if isinstance(profile, str) and profile not in SHIPPED_PROFILES and (Path(profile).suffix or "/" in profile):
        data = {**data, "profile": str(base / profile)}
    if isinstance(data.get("cache"), str) and data["cache"] != "off":
        data = {**data, "cache": str(base / data["cache"])}
    if isinstance(data.get("aliases"), list):
        data = {**data, "aliases": [str(base / a) if isinstance(a, str) else a for a in data["aliases"]]}
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
