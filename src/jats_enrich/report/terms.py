"""A term as reports show it."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class TermRef(BaseModel):
    model_config = ConfigDict(frozen=True)

    vocab: str
    term: str = Field(description="Preferred label")
    identifier: str
