"""The sense gate on the confusables set (fixtures/confusables/): articles of other fields whose
keywords and subjects are homonyms of the CASRAI glossary ("Open access" fisheries, the APC gene,
a trade embargo), and articles about scholarly publishing. The expected outcome of every keyword
and subject was written from its meaning in its article before the tool ran (expected.tsv)."""

from __future__ import annotations

import csv
from collections import defaultdict

import pytest
from support import FIXTURES

from jats_enrich.config import EnrichOptions
from jats_enrich.pipeline import Enricher
from jats_enrich.report.model import Finding

CONFUSABLES = FIXTURES / "confusables"
PREFIX = "https://casrai.org/dictionary/term/"


def expected_rows() -> dict[str, list[dict[str, str]]]:
    by_file: dict[str, list[dict[str, str]]] = defaultdict(list)
    with (CONFUSABLES / "expected.tsv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
            by_file[row["file"]].append(row)
    return by_file


@pytest.fixture(scope="module")
def results() -> dict[str, list[tuple[dict[str, str], Finding]]]:
    enricher = Enricher(EnrichOptions(vocab=("credit", "casrai")))
    paired = {}
    for name, rows in expected_rows().items():
        report = enricher.enrich_path(CONFUSABLES / name).report
        assert report.error is None, name
        findings = [f for f in report.findings if f.element in ("kwd", "subject")]
        assert [" ".join(f.text.split()) for f in findings] == [r["text"] for r in rows], name
        paired[name] = list(zip(rows, findings, strict=True))
    return paired


def test_the_set_is_as_large_as_promised():
    rows = [r for rows in expected_rows().values() for r in rows]
    files = sorted(p.name for p in CONFUSABLES.glob("*.xml"))
    assert sorted(expected_rows()) == files  # every article has its rows
    assert len(files) >= 30 and len(rows) >= 100
    other_fields = [f for f in files if int(f[:2]) < 50]  # 01-49; 50 on are about scholarly publishing
    assert len(other_fields) >= 30
    assert all(r["expected"] == "-" for f in other_fields for r in expected_rows()[f] if r["element"] == "kwd")
    assert sum(1 for r in rows if r["expected"] != "-") >= 20  # articles about publishing, with real tags


def test_no_wrong_identifier_on_the_confusables(results):
    wrong = []
    for name, pairs in results.items():
        for row, finding in pairs:
            if finding.outcome.value != "tagged":
                continue
            slug = (finding.identifier or "").removeprefix(PREFIX)
            if finding.vocab != "casrai" or slug != row["expected"]:
                wrong.append((name, row["text"], row["expected"], finding.vocab, slug))
    assert wrong == []


def test_most_of_what_articles_about_publishing_say_is_tagged(results):
    expected = [(row, f) for pairs in results.values() for row, f in pairs if row["expected"] != "-"]
    tagged = [row["text"] for row, f in expected if f.outcome.value == "tagged"]
    # Precision is the bar; recall here only guards against a gate that lets nothing through.
    # (The misses are plurals, which stay near misses, and articles with little said of the field.)
    assert len(tagged) / len(expected) >= 0.8, [row["text"] for row, f in expected if row["text"] not in tagged]


def test_every_gated_finding_explains_itself(results):
    for pairs in results.values():
        for _row, f in pairs:
            if f.vocab != "casrai":
                continue
            if f.outcome.value == "tagged" and f.term not in ("Book Review",):
                assert f.evidence, f.text  # what admitted it
            if f.outcome.value == "withheld":
                assert f.evidence == [] and f.term and "scholarly publishing" in (f.note or ""), f.text


def test_a_display_channel_flag_is_never_tagged_nor_evidence(results):
    flags = [f for pairs in results.values() for row, f in pairs if row["text"].casefold() == "open access"]
    assert flags and all(f.outcome.value != "tagged" for f in flags if f.element == "subject")
    for pairs in results.values():
        for _row, f in pairs:
            assert all(e.text.casefold() != "open access" for e in f.evidence)


def test_switching_the_gate_off_tags_what_it_withheld():
    path = CONFUSABLES / "01-fisheries-open-access.xml"
    gated = Enricher(EnrichOptions(vocab=("casrai",))).enrich_path(path).report
    ungated = Enricher(EnrichOptions(vocab=("casrai",), sense_gate=False)).enrich_path(path).report
    withheld = [f.text for f in gated.findings if f.outcome.value == "withheld"]
    after = {f.text: f for f in ungated.findings}
    assert withheld and all(
        after[t].outcome.value == "tagged" or "said short" in (after[t].note or "") for t in withheld
    )
    assert after["Open access"].outcome.value == "tagged"  # the gate, not the dictionary, held it back
    assert all(e.source == "configuration" for f in ungated.findings for e in f.evidence)


def test_the_gate_is_switched_off_for_a_listed_journal_by_title_or_issn():
    from lxml import etree

    from jats_enrich.decide.sense import SenseOptions

    path = CONFUSABLES / "01-fisheries-open-access.xml"
    root = etree.parse(str(path)).getroot()
    title, issn = root.findtext(".//journal-title"), root.findtext(".//issn")
    assert title and issn

    def outcomes(*journals: str) -> list[str]:
        options = EnrichOptions(vocab=("casrai",), sense={"casrai": SenseOptions(journals=journals)})
        return [f.outcome.value for f in Enricher(options).enrich_path(path).report.findings if f.vocab == "casrai"]

    assert "withheld" in outcomes("Learned Publishing")
    for listed in (title.upper(), issn.replace("-", "")):  # case and the ISSN's hyphen do not matter
        assert "withheld" not in outcomes(listed) and "tagged" in outcomes(listed)


# --- what a review found leaking through the gate ---------------------------------------------------


def keyword_article(title: str, keywords: list[str], journal: str = "", subjects: str = "", sub: str = "") -> bytes:
    kwds = "".join(f"<kwd>{k}</kwd>" for k in keywords)
    jm = f"<journal-meta><journal-title-group><journal-title>{journal}</journal-title></journal-title-group>"
    jm += "</journal-meta>"
    cats = f"<article-categories>{subjects}</article-categories>" if subjects else ""
    meta = f"<article-meta>{cats}<title-group><article-title>{title}</article-title></title-group>"
    meta += f"<kwd-group>{kwds}</kwd-group></article-meta>"
    return f'<article dtd-version="1.3"><front>{jm if journal else ""}{meta}</front>{sub}</article>'.encode()


@pytest.mark.parametrize(
    ("title", "keywords", "journal", "subjects", "sub"),
    [
        # a journal's title is no evidence: these journals publish every field
        ("Germline APC mutations in polyposis", ["APC"], "Wellcome Open Research", "", ""),
        ("Rent dissipation in an open-access reef fishery", ["Open access"], "Royal Society Open Science", "", ""),
        ("Barriers to contraception", ["Access"], "Open Access Journal of Contraception", "", ""),
        ("Watermarking images", ["Copyright"], "Information Sciences", "", ""),
        # a subject that holds a phrase of the field inside a wider name
        (
            "Variant calling",
            ["APC"],
            "",
            '<subj-group subj-group-type="Discipline-v3"><subject>Computer and information sciences</subject>'
            "</subj-group>",
            "",
        ),
        # phrases of the field that mean something else in these titles
        ("Federated learning: challenges and open research directions", ["Sharing", "Repository"], "", "", ""),
        ("Open access policy and fibre broadband investment", ["Open access"], "", "", ""),
        ("Royalties in the music publishing industry after streaming", ["Copyright", "Licence"], "", "", ""),
        ("Dynamic impact factor of highway bridges", ["Embargo"], "", "", ""),
        ("Inhibition of cholangiocarcinoma (CC) by metformin", ["APC"], "", "", ""),
        # a bibliometric study of another field is about that field
        ("Research trends on APC in colorectal cancer: a bibliometric analysis", ["APC"], "", "", ""),
        ("Comunicação científica sobre vacinas no Instagram", ["Sharing"], "", "", ""),  # science communication
        ("Opportunistic GPU sharing on the Open Science Grid", ["Sharing", "Access"], "", "", ""),  # a name
        ("Screening an academic library of kinase inhibitors", ["APC"], "", "", ""),  # a compound library
        ("Fishing in the open: science and management of fisheries", ["Open access"], "", "", ""),  # a colon
        # a reviewer report's title says nothing of the article's subject
        (
            "Open-access fisheries",
            ["Open access"],
            "",
            "",
            '<sub-article article-type="reviewer-report"><front-stub><title-group><article-title>Reviewer report: '
            "open science practices</article-title></title-group></front-stub></sub-article>",
        ),
    ],
)
def test_nothing_of_another_field_opens_the_gate(title, keywords, journal, subjects, sub):
    data = keyword_article(title, keywords, journal, subjects, sub)
    findings = Enricher(EnrichOptions(vocab=("casrai",))).enrich_bytes(data).report.findings
    assert [f.outcome.value for f in findings if f.element == "kwd"] == ["withheld"] * len(keywords)


@pytest.mark.parametrize(
    ("title", "keywords"),
    [
        ("How medical journals shape the news", ["Press embargoes", "Embargo", "Ingelfinger rule"]),
        ("The Ingelfinger rule and news embargoes at medical journals", ["Embargo", "Medical journals"]),
        ("Trade embargo and the open access publishing of economics", ["Trade embargo", "Embargo"]),
    ],
)
def test_a_bare_name_beside_a_longer_one_ending_with_it_is_not_written(title, keywords):
    findings = Enricher(EnrichOptions(vocab=("casrai",))).enrich_bytes(keyword_article(title, keywords))
    embargo = next(f for f in findings.report.findings if f.text == "Embargo")
    assert embargo.outcome.value == "ambiguous" and "said short" in (embargo.note or "")


def test_a_bare_name_beside_its_longer_keyword_is_that_keyword_said_short():
    data = keyword_article("How press embargoes shape news coverage", ["Press embargo", "Embargo", "Ingelfinger rule"])
    press, embargo, _ = Enricher(EnrichOptions(vocab=("casrai",))).enrich_bytes(data).report.findings
    assert press.outcome.value == "tagged"
    assert embargo.outcome.value == "ambiguous" and "'Press embargo'" in (embargo.note or "")
