"""One article through the whole flow: read -> find targets -> match -> decide -> write -> findings.

``Enricher`` is built once (dictionaries loaded, matcher indexed) and then called per article; it
holds no per-article state, so one instance serves a whole batch.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from .decide import Decision, decide
from .dictionaries import load_vocabulary
from .errors import ArticleError
from .findings import ArticleReport, Finding
from .matcher import Matcher
from .patcher import AttributeChange, apply_changes, element_indices
from .reader import Article, read_article
from .targets import contributor_roles
from .vocabulary import Vocabulary


class EnrichOptions(BaseModel):
    """What to match against and what to write."""

    model_config = ConfigDict(frozen=True)

    vocabularies: tuple[str, ...] = ("credit",)


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
        self.matcher = Matcher(loaded)

    def decisions(self, article: Article) -> Iterator[Decision]:
        """The decision for every target of the article, in document order."""
        for target in contributor_roles(article):
            yield decide(target, self.matcher.match(target.text, target.lang), article.version)

    def enrich_bytes(self, data: bytes, source: str = "<bytes>") -> EnrichResult:
        """Enrich one article given as bytes; errors become the report's ``error``, never exceptions."""
        try:
            article = read_article(data, source)
            decisions = list(self.decisions(article))
            output = self._write(article, decisions)
        except ArticleError as exc:
            return EnrichResult(output=None, report=ArticleReport(path=source, error=str(exc)))
        report = ArticleReport(
            path=source,
            doi=article.doi,
            jats_version=str(article.version) if article.version else None,
            findings=[Finding.from_decision(d) for d in decisions],
        )
        return EnrichResult(output=output, report=report)

    def enrich_path(self, path: Path) -> EnrichResult:
        try:
            data = path.read_bytes()
        except OSError as exc:
            return EnrichResult(
                output=None, report=ArticleReport(path=str(path), error=f"{path}: cannot read: {exc.strerror or exc}")
            )
        return self.enrich_bytes(data, str(path))

    def _write(self, article: Article, decisions: list[Decision]) -> bytes:
        edits = [d.edit for d in decisions if d.edit is not None]
        if not edits:
            return article.data
        positions = element_indices(article.root, (e.target.element for e in edits))
        changes = [
            AttributeChange(index=positions[e.target.element], name=e.target.name, attributes=e.set_attributes)
            for e in edits
        ]
        return apply_changes(article.data, article.root, changes, article.source)
