"""One article through the whole flow: read -> find targets -> match -> decide -> write -> findings.

``Enricher`` is built once (dictionaries loaded, matcher indexed) and then called per article; it
holds no per-article state, so one instance serves a whole batch.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from .analyse import Analyser
from .decide import Decision, Policy, decide
from .dictionaries import load_vocabulary
from .errors import ArticleError
from .findings import ArticleReport, Finding
from .patcher import AttributeChange, apply_changes, element_indices
from .reader import Article, read_article
from .targets import contributor_roles
from .vocabulary import Vocabulary


class EnrichOptions(BaseModel):
    """What to match against, what to write, and whether to write at all."""

    model_config = ConfigDict(frozen=True)

    vocabularies: tuple[str, ...] = ("credit",)
    policy: Policy = Field(default_factory=Policy)
    write: bool = Field(default=True, description="False: check only; findings as if written, bytes unchanged")


@dataclass(frozen=True)
class EnrichResult:
    """The enriched bytes (None when the article could not be processed) and the article's report."""

    output: bytes | None
    report: ArticleReport


class Enricher:
    def __init__(self, options: EnrichOptions | None = None, vocabularies: Iterable[Vocabulary] | None = None):
        self.options = options or EnrichOptions()
        loaded = (
            list(vocabularies) if vocabularies is not None else [load_vocabulary(v) for v in self.options.vocabularies]
        )
        self.analyser = Analyser(loaded)

    def decisions(self, article: Article) -> Iterator[Decision]:
        """The decision for every target of the article, in document order."""
        policy = self.options.policy
        for target in contributor_roles(article):
            yield decide(self.analyser.analyse(target), article.version, policy)

    def enrich_bytes(self, data: bytes, source: str = "<bytes>") -> EnrichResult:
        """Enrich one article given as bytes; errors become the report's ``error``, never exceptions."""
        try:
            article = read_article(data, source)
            decisions = list(self.decisions(article))
            output = self._write(article, decisions) if self.options.write else article.data
        except ArticleError as exc:
            return EnrichResult(output=None, report=ArticleReport(path=source, error=str(exc)))
        report = ArticleReport(
            path=source,
            doi=article.doi,
            jats_version=str(article.version) if article.version else None,
            findings=[Finding.from_decision(d, written=self.options.write) for d in decisions],
        )
        return EnrichResult(output=output, report=report)

    def enrich_path(self, path: Path) -> EnrichResult:
        try:
            data = path.read_bytes()
        except OSError as exc:
            error = f"{path}: cannot read: {exc.strerror or exc}"
            return EnrichResult(output=None, report=ArticleReport(path=str(path), error=error))
        return self.enrich_bytes(data, str(path))

    def _write(self, article: Article, decisions: list[Decision]) -> bytes:
        edits = [d.edit for d in decisions if d.edit is not None]
        if not edits:
            return article.data
        positions = element_indices(article.root, (e.target.element for e in edits))
        changes = [
            AttributeChange(
                index=positions[e.target.element],
                name=e.target.name,
                attributes=e.set_attributes,
                remove=e.remove_attributes,
            )
            for e in edits
        ]
        return apply_changes(article.data, article.root, changes, article.source)
