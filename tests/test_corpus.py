"""The real articles of ../shared/corpus/real, read in place, and the gold role labels."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from support import CORPUS, GOLD_ROLES, declares_dtd_in_catalog, dtd_errors, needs_shared, only_attributes_added

from jats_enrich.dictionaries import load_vocabulary
from jats_enrich.match.matcher import Matcher

pytestmark = needs_shared


@pytest.fixture(scope="module")
def corpus_run(tmp_path_factory) -> tuple[Path, dict]:
    """One CLI run over the whole corpus, as a user would start it."""
    work = tmp_path_factory.mktemp("corpus")
    out, report = work / "out", work / "report.json"
    done = subprocess.run(
        [sys.executable, "-m", "jats_enrich", "enrich", str(CORPUS), "--out", str(out), "--report", str(report)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    return out, json.loads(report.read_text(encoding="utf-8"))


def test_every_article_is_processed_without_error(corpus_run):
    out, report = corpus_run
    articles = sorted(CORPUS.glob("*.xml"))
    assert len(articles) == 180
    assert report["articles_total"] == 180 and report["articles_failed"] == 0
    assert all(a["error"] is None for a in report["articles"])
    assert sorted(p.name for p in out.iterdir()) == [p.name for p in articles]


def test_removing_the_added_attributes_gives_back_every_input(corpus_run):
    out, _ = corpus_run
    changed = 0
    for source in sorted(CORPUS.glob("*.xml")):
        original, written = source.read_bytes(), (out / source.name).read_bytes()
        assert only_attributes_added(written, original), source.name
        changed += written != original
    assert changed >= 2  # the JATS 1.2 articles with CRediT roles


def test_a_second_run_on_the_output_changes_no_byte(corpus_run, tmp_path):
    out, _ = corpus_run
    again = tmp_path / "again"
    done = subprocess.run(
        [sys.executable, "-m", "jats_enrich", "enrich", str(out), "--out", str(again), "--quiet"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    for written in sorted(out.iterdir()):
        assert (again / written.name).read_bytes() == written.read_bytes(), written.name


def test_every_role_is_a_finding_and_the_counts_add_up(corpus_run):
    _, report = corpus_run
    findings = [f for a in report["articles"] for f in a["findings"]]
    gold_occurrences = sum(int(row["count"]) for row in gold_rows())
    assert len(findings) == gold_occurrences == 1110
    assert sum(report["summary"].values()) == len(findings)


def test_changed_articles_stay_valid_against_their_dtd(corpus_run):
    out, _ = corpus_run
    for source in sorted(CORPUS.glob("*.xml")):
        original, written = source.read_bytes(), (out / source.name).read_bytes()
        if written == original or not declares_dtd_in_catalog(original):
            continue
        if dtd_errors(original):
            continue  # not valid to begin with: nothing to keep
        assert dtd_errors(written) == [], source.name


def gold_rows() -> list[dict[str, str]]:
    with GOLD_ROLES.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def test_no_gold_string_is_matched_to_a_term_it_does_not_mean():
    matcher = Matcher([load_vocabulary("credit")])
    slug = {t.identifier: t.identifier.rstrip("/").rsplit("/", 1)[-1] for t in load_vocabulary("credit").terms}
    wrong, matched = [], 0
    for row in gold_rows():
        result = matcher.match(row["text"], row["lang"] or None)
        for candidate in result.distinct_terms:
            matched += 1
            if row["slug"] != slug[candidate.term.identifier]:
                wrong.append((row["text"], slug[candidate.term.identifier], row["slug"]))
    assert wrong == []
    exact_or_variant = [r for r in gold_rows() if r["kind"] in ("exact", "variant")]
    assert matched >= len(exact_or_variant)


def test_with_credit_and_casrai_every_output_guarantee_still_holds():
    from jats_enrich.config import EnrichOptions
    from jats_enrich.pipeline import Enricher

    enricher = Enricher(EnrichOptions(vocab=("credit", "casrai")))
    keywords = 0
    casrai_roles: Counter[str] = Counter()
    casrai_keywords: Counter[str] = Counter()
    apc_seen = False
    for source in sorted(CORPUS.glob("*.xml")):
        original = source.read_bytes()
        first = enricher.enrich_bytes(original, source.name)
        assert first.report.error is None, source.name
        assert only_attributes_added(first.output, original), source.name
        second = enricher.enrich_bytes(first.output, source.name)
        assert second.output == first.output, source.name
        keywords += sum(1 for f in first.report.findings if f.element in ("kwd", "subject"))
        for f in first.report.findings:
            if f.vocab == "casrai" and f.outcome.value in ("tagged", "skipped-version"):
                (casrai_roles if f.element == "role" else casrai_keywords)[f.text] += 1
            if f.text == "APC":  # eLife: the APC gene, among cancer keywords; the article is not about publishing
                assert f.outcome.value == "withheld" and "casrai:Article processing charge" in (f.note or "")
                apc_seen = True
        if first.output != original and declares_dtd_in_catalog(original) and not dtd_errors(original):
            assert dtd_errors(first.output) == [], source.name
    assert keywords > 1000  # keywords and subjects were targets, not just roles
    # CASRAI tags exactly the non-CRediT roles the gold labels "Editor" and "Reviewer", every time
    gold = {row["text"]: int(row["count"]) for row in gold_rows() if row["text"] in ("Editor", "Reviewer")}
    assert all(row["kind"] == "noncredit" for row in gold_rows() if row["text"] in gold)
    assert dict(casrai_roles) == gold
    # the corpus's CASRAI keywords are all in articles older than JATS 1.2d2 (reported, not written)
    assert set(casrai_keywords) == {"Open Access", "open access", "Book review"}
    assert apc_seen
