"""One article through the whole flow: read -> find targets -> match -> decide -> place -> write
-> findings.

``Enricher`` is built once (dictionaries loaded, matchers indexed) and then called per article; it
holds no per-article state, so one instance serves a whole batch.
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from jats_enrich.article.metadata import read_metadata
from jats_enrich.article.people import byline
from jats_enrich.article.reader import Article, read_article
from jats_enrich.article.targets import TooManyTargets, find_targets
from jats_enrich.budget import OverBudget, check_time, time_budget
from jats_enrich.config import EnrichOptions
from jats_enrich.decide.align import align_translations
from jats_enrich.decide.consistency import check_roles
from jats_enrich.decide.model import Decision, Edit
from jats_enrich.decide.placement import place_group_attributes
from jats_enrich.decide.profiles import check_profile
from jats_enrich.decide.rules import decide
from jats_enrich.decide.sense import Gate, SenseSettings
from jats_enrich.decide.statements import StatementResult, read_statements
from jats_enrich.dictionaries import load_vocabulary
from jats_enrich.dictionaries.model import Vocabulary
from jats_enrich.errors import ArticleError
from jats_enrich.match.analyse import Analyser
from jats_enrich.match.reviewed_aliases import apply_aliases
from jats_enrich.report.model import ArticleReport, ConsistencyFinding, Finding
from jats_enrich.report.statements import StatementReport
from jats_enrich.write import Writer, writer_for
from jats_enrich.write.crossref import ArticleExport, contributors_element, crossref_bytes, roles_of_contributors
from jats_enrich.write.crossref_deposit import Depositor, deposit, missing_for_deposit

NO_STATEMENTS = StatementResult((), ())


@dataclass(frozen=True)
class CrossrefResult:
    """An article's <contributors> (None: nobody could be exported, or the article failed), its
    deposit when asked for and possible, and the report of both."""

    contributors: bytes | None
    deposit: bytes | None
    report: ArticleExport
    internal_error: bool = False


@dataclass(frozen=True)
class EnrichResult:
    """The enriched bytes (None when the article could not be processed) and the article's report."""

    output: bytes | None
    report: ArticleReport
    internal_error: bool = False  # the failure is a bug of the tool, not a fault of the article


class Enricher:
    def __init__(self, options: EnrichOptions | None = None, vocabularies: Iterable[Vocabulary] | None = None):
        self.options = options or EnrichOptions()
        o = self.options
        if vocabularies is None:
            vocabularies = [load_vocabulary(v, o.scheme, o.cache) for v in o.vocab]
        loaded = list(vocabularies)
        overrides = self.options.applies_to
        loaded = [
            v.model_copy(update={"applies_to": overrides[v.name], "only": overrides[v.name]})
            if v.name in overrides
            else v
            for v in loaded
        ]
        for table in self.options.aliases:
            loaded = apply_aliases(loaded, table)
        self.vocabularies = loaded
        self.analyser = Analyser(loaded, self.options.precedence)
        self.policy = self.options.policy
        check_profile(self.policy.profile, loaded, self.analyser)
        self.gate = Gate(SenseSettings(self.options.sense_gate, dict(self.options.sense)))
        self._writer: Writer | None = None

    @property
    def writer(self) -> Writer:
        """The engine's writer, created on first use (the xslt one compiles its stylesheet)."""
        if self._writer is None:
            self._writer = writer_for(self.options.engine, self.options.stylesheet)
        return self._writer

    def decide_article(self, article: Article) -> tuple[list[Decision], list[Edit]]:
        """The decision for every target of the article, in document order, and the group edits."""
        policy = self.policy
        targets = find_targets(article, self.options.targets, self.analyser.kinds, self.options.max_targets)
        self.analyser.begin_article(self.options.max_targets)
        decisions = []
        for target in targets:
            check_time()  # a thread's budget is checked here (the main thread's by its alarm too)
            decisions.append(decide(self.analyser.analyse(target), target.version, policy))
        decisions = align_translations(decisions, policy)
        return place_group_attributes(self.gate.apply(decisions))

    def enrich_bytes(self, data: bytes, source: str = "<bytes>") -> EnrichResult:
        """Enrich one article given as bytes; errors become the report's ``error``, never exceptions."""
        try:
            with time_budget(self.options.time_limit):
                article, decisions, group_edits, statements = self._decided(data, source)
                edits = [d.edit for d in decisions if d.edit is not None] + group_edits
                if self.options.write:
                    output = self.writer.write(article, edits, statements.insertions)
                else:
                    output = article.data
        except (Exception, OverBudget) as exc:  # OverBudget is no Exception: no handler of the work catches it
            error, internal = self._failure(exc, source)
            return EnrichResult(output=None, report=ArticleReport(path=source, error=error), internal_error=internal)
        report = ArticleReport(
            path=source,
            doi=article.doi,
            jats_version=str(article.version) if article.version else None,
            findings=[Finding.from_decision(d, written=self.options.write) for d in decisions],
            consistency=[ConsistencyFinding.of(i) for i in check_roles(article, decisions)],
            statements=[StatementReport.from_entry(e, written=self.options.write) for e in statements.statements],
        )
        return EnrichResult(output=output, report=report)

    def export_crossref(
        self, data: bytes, source: str = "<bytes>", depositor: Depositor | None = None, timestamp: int = 0
    ) -> CrossrefResult:
        """One article's contributors as Crossref 5.5 has them (and, given a depositor, its deposit
        when the article has what Crossref requires); errors become the report's ``error``."""
        try:
            with time_budget(self.options.time_limit):
                article, decisions, _, statements = self._decided(data, source)
                roles = roles_of_contributors(decisions, statements.statements, self.options.add_roles)
                contributors, export = contributors_element(byline(article.root), roles)
                report = ArticleExport(path=source, doi=article.doi, **export.model_dump())
                deposit_xml = None
                if depositor is not None:
                    meta = read_metadata(article.root)
                    report.deposit_missing = missing_for_deposit(meta)
                    if not report.deposit_missing:
                        deposit_xml = crossref_bytes(deposit(meta, contributors, depositor, timestamp))
                contributors_xml = crossref_bytes(contributors) if contributors is not None else None
        except (Exception, OverBudget) as exc:  # OverBudget is no Exception: no handler of the work catches it
            error, internal = self._failure(exc, source)
            return CrossrefResult(None, None, ArticleExport(path=source, error=error), internal)
        return CrossrefResult(contributors_xml, deposit_xml, report)

    def _decided(self, data: bytes, source: str) -> tuple[Article, list[Decision], list[Edit], StatementResult]:
        article = read_article(data, source)
        decisions, group_edits = self.decide_article(article)
        statements = (
            read_statements(article, decisions, self.analyser, self.policy, self.options.add_roles)
            if self.options.statements or self.options.add_roles
            else NO_STATEMENTS
        )
        return article, decisions, group_edits, statements

    def _failure(self, exc: Exception | OverBudget, source: str) -> tuple[str, bool]:
        """The one-line error of an article that failed, and whether the failure is the tool's."""
        if isinstance(exc, TooManyTargets):  # found past reading: the message does not name the article yet
            return f"{source}: {exc}", False
        if isinstance(exc, ArticleError):
            return str(exc), False
        if isinstance(exc, OverBudget):
            return f"{source}: over the time limit of {self.options.time_limit:g} s for one article (time_limit)", False
        if isinstance(exc, MemoryError):  # the worker gives the memory back once the article's frames are gone
            return (
                f"{source}: over the memory limit of {self.options.memory_limit} MB for one article (memory_limit)",
                False,
            )
        # A bug or a resource limit (RecursionError): this article fails, the batch goes on.
        if os.environ.get("JATS_ENRICH_DEBUG") == "1":
            traceback.print_exc(file=sys.stderr)
        return " ".join(f"{source}: internal error: {type(exc).__name__}: {exc}".split()), True

    def enrich_path(self, path: Path) -> EnrichResult:
        try:
            data = path.read_bytes()
        except OSError as exc:
            error = f"{path}: cannot read: {exc.strerror or exc}"
            return EnrichResult(output=None, report=ArticleReport(path=str(path), error=error))
        return self.enrich_bytes(data, str(path))
