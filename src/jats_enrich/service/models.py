"""What the HTTP service takes and gives: the request options and the response bodies.

These models are the service's contract: its OpenAPI document is generated from them.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from jats_enrich.article.targets import TargetElement
from jats_enrich.decide.profiles import ShippedProfile
from jats_enrich.dictionaries.model import TargetKind
from jats_enrich.report.model import ArticleReport
from jats_enrich.write.crossref import ArticleExport


class RequestOptions(BaseModel):
    """The options of ``enrich`` and ``check`` a request may give (query parameters); what it does
    not give, the service's configuration decides."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(
        default="request", max_length=500, description="the article's file name, for the report and the log"
    )
    vocab: list[str] | None = Field(
        default=None, description="names of dictionaries loaded by the service (default: all it loaded)"
    )
    precedence: list[str] | None = Field(default=None, description="which dictionary wins when several match")
    targets: list[TargetElement] | None = Field(default=None, description="elements to enrich")
    upgrade: bool | None = Field(default=None, description="rewrite older identifier forms into the current one")
    replace_deprecated: bool | None = Field(default=None, description="tag a deprecated term's replacement")
    add_roles: bool | None = Field(default=None, description="insert the roles contribution statements name exactly")
    legacy: Literal["content-type", "skip"] | None = Field(default=None, description="JATS 1.0/1.1, NLM 3.0 roles")
    accept_fuzzy: float | None = Field(default=None, ge=0, le=100, description="apply near misses scoring this")
    profile: ShippedProfile | None = Field(
        default=None, description="the form identities are written in: niso, jats4r, scielo or atypon"
    )
    engine: Literal["lxml", "xslt"] | None = Field(default=None, description="how the attributes are written")

    @field_validator("vocab", "precedence", "targets", mode="before")
    @classmethod
    def _comma_lists(cls, value: Any) -> Any:
        """?vocab=credit&vocab=casrai and ?vocab=credit,casrai are the same."""
        if isinstance(value, list):
            return [part.strip() for item in value for part in str(item).split(",") if part.strip()]
        return value

    def overrides(self) -> dict[str, Any]:
        """As configuration keys, only what was given."""
        flags: dict[str, Any] = {
            "vocab": self.vocab,
            "precedence": self.precedence,
            "upgrade": self.upgrade,
            "replace_deprecated": self.replace_deprecated,
            "add_roles": self.add_roles,
            "legacy": self.legacy,
            "profile": self.profile,
            "engine": self.engine,
            "thresholds": {"accept_fuzzy": self.accept_fuzzy} if self.accept_fuzzy is not None else None,
            "targets": {"elements": self.targets} if self.targets else None,
        }
        return {k: v for k, v in flags.items() if v is not None}


class ExportOptions(RequestOptions):
    """The query of /v1/export/crossref: the options of enrich, and whether to deposit."""

    deposit: bool = Field(default=False, description="a complete doi_batch instead of <contributors>")


class EnrichResponse(ArticleReport):
    """The article's report with the enriched article in it (``Accept: application/json``)."""

    article: str = Field(description="The enriched article; article.encode(encoding) gives its exact bytes")
    encoding: str = Field(description="Codec of the article's bytes (utf-8, utf-16-le, iso-8859-1...), or 'base64'")


class ErrorResponse(BaseModel):
    error: str = Field(description="What is wrong, in one line")


class VocabularySummary(BaseModel):
    name: str
    identifier: str
    title: str | None
    terms: int
    applies_to: list[TargetKind]


class TermSummary(BaseModel):
    label: str
    identifier: str
    status: str
    aliases: list[str]
    matched_to: list[TargetKind] = Field(description="What a run matches this term against")


class TermMatch(BaseModel):
    term: TermSummary
    rule: str = Field(description="exact-label, normalised-label, alias, translation")
    matched_label: str


class NearMiss(BaseModel):
    term: TermSummary
    score: float
    via: str = Field(description="The label or alias that came close")


class TermSearch(BaseModel):
    """What ``vocab search`` prints: the terms a text matches and, when none, its near misses."""

    vocabulary: str
    q: str | None
    key: str | None = Field(description="The normalised matching key of q")
    identifier_of: TermSummary | None = Field(description="The term q is an identifier (or older identifier) of")
    matches: list[TermMatch]
    near_misses: list[NearMiss]
    terms: list[TermSummary] = Field(description="Without q: the dictionary's terms (limit, offset)")
    total: int = Field(description="Without q: how many terms the dictionary has")


class Health(BaseModel):
    status: Literal["ok"]
    version: str
    vocabularies: list[str]
    workers: int


class CrossrefResponse(ArticleExport):
    """The export's report with the Crossref XML in it (``Accept: application/json``)."""

    xml: str = Field(description="The <contributors> element, or with deposit=true the doi_batch, as UTF-8 XML")
