"""Keywords and subjects: several dictionaries at once, group placement, translations by the
group's language, deprecated terms, and what the DTD allows by version."""

from __future__ import annotations

import pytest
from support import FIXTURES, as_fields, dtd_errors, needs_shared, only_attributes_added

from jats_enrich.article.targets import Targets
from jats_enrich.config import EnrichOptions
from jats_enrich.dictionaries import load_dictionary_file, load_vocabulary
from jats_enrich.dictionaries.model import Term, Vocabulary
from jats_enrich.pipeline import Enricher

TOPICS = FIXTURES / "dictionaries" / "jef-topics.jsonld"
THESAURUS = FIXTURES / "dictionaries" / "open-science-thesaurus.ttl"
CASRAI_FIXTURE = FIXTURES / "keywords-casrai-1.3.xml"
SKOS_FIXTURE = FIXTURES / "keywords-bilingual-skos-1.3.xml"
ALM = "https://casrai.org/dictionary/term/article-level-metrics"
OS = "https://vocab.jats-enrich.test/open-science/"


def enricher(*vocab: str, **policy: object) -> Enricher:
    return Enricher(EnrichOptions.model_validate({"vocab": vocab, **as_fields(policy)}))


def rows(result) -> list[tuple[int, str, str, str | None, str | None]]:
    return [(f.line, f.element, f.outcome.value, f.vocab, f.identifier) for f in result.report.findings]


def test_keywords_against_casrai_and_a_journal_topic_list():
    result = enricher("credit", "casrai", str(TOPICS)).enrich_bytes(CASRAI_FIXTURE.read_bytes(), "k")
    topics = "https://vocab.jats-enrich.test/topics/"
    assert rows(result) == [
        (13, "subject", "tagged", "jef-topics", topics + "research-assessment"),
        (22, "role", "tagged", "credit", "https://credit.niso.org/contributor-roles/methodology/"),
        (28, "kwd", "tagged", "casrai", ALM),  # ALMs: an alias ("also known as")
        (29, "kwd", "tagged", "casrai", ALM),
        (30, "kwd", "tagged", "casrai", ALM),  # article level metrics: normalised
        (31, "kwd", "tagged", "casrai", ALM),  # with <italic> inside
        (34, "kwd", "deprecated", "jef-topics", topics + "altmetrics"),
        (35, "kwd", "deprecated", "jef-topics", topics + "bibliometrics"),
        (36, "kwd", "tagged", "jef-topics", topics + "peer-review"),
        (37, "kwd", "unmatched", None, None),  # "Software" is a CRediT role, not a keyword
        (38, "compound-kwd", "unmatched", None, None),  # "A1 Peer review" says more than a near miss may
        (44, "kwd", "unmatched", None, None),
    ]
    notes = {f.line: f.note for f in result.report.findings}
    assert "replaced by Alternative metrics" in notes[34] and "`replace_deprecated`" in notes[34]
    assert "no replacement" in notes[35]
    out = result.output.decode()
    assert (
        '<kwd-group kwd-group-type="author-keywords" vocab="casrai" vocab-identifier="https://casrai.org/dictionary/">'
        in out
    )
    assert f'<kwd vocab-term="Article-level metrics" vocab-term-identifier="{ALM}">ALMs</kwd>' in out
    tagged = f'<kwd vocab-term="Article-level metrics" vocab-term-identifier="{ALM}">'
    assert tagged + "<italic>Article-level</italic> metrics</kwd>" in out
    assert "<kwd>Altmetrics</kwd>" in out  # a deprecated term is reported, not written
    assert only_attributes_added(result.output, CASRAI_FIXTURE.read_bytes())


def test_replace_deprecated_tags_the_replacement():
    result = enricher("casrai", str(TOPICS), replace_deprecated=True).enrich_bytes(CASRAI_FIXTURE.read_bytes(), "k")
    by_line = {f.line: f for f in result.report.findings}
    assert by_line[34].outcome.value == "tagged"
    assert by_line[34].term == "Alternative metrics"
    assert "deprecated; tagged with its replacement" in by_line[34].note
    assert by_line[35].outcome.value == "deprecated"  # no replacement to tag
    assert b'vocab-term="Alternative metrics"' in result.output


def test_a_skos_thesaurus_end_to_end_on_a_bilingual_article():
    original = SKOS_FIXTURE.read_bytes()
    result = enricher("credit", str(THESAURUS)).enrich_bytes(original, "k")
    found = [(f.line, f.outcome.value, f.term, f.rule) for f in result.report.findings]
    assert found == [
        (16, "tagged", "Open access", "exact-label"),
        (17, "tagged", "Open access", "alias"),
        (18, "tagged", "Open data", "normalised-label"),
        (19, "deprecated", "Data availability", "exact-label"),
        (20, "unmatched", None, None),
        (23, "tagged", "Open access", "translation"),  # kwd-group xml:lang="pt"
        (24, "tagged", "Open data", "translation"),
        (25, "deprecated", "Data availability", "translation"),
        (26, "unmatched", None, None),
        (29, "conflict", "Reproducibility", "exact-label"),  # its group names another vocabulary
        (36, "tagged", "Reproducibility", "translation"),  # a translated sub-article
        (37, "tagged", "Data sharing", "translation"),
    ]
    out = result.output.decode()
    # vocab on the group only where every term of the group is tagged from this vocabulary (the
    # sub-article's); elsewhere on each tagged term, so that no untagged keyword inherits it.
    assert out.count(f'vocab="open-science-thesaurus" vocab-identifier="{OS}"') == 6
    assert f'<kwd-group vocab="open-science-thesaurus" vocab-identifier="{OS}">' in out
    assert f'<kwd vocab="open-science-thesaurus" vocab-identifier="{OS}" vocab-term="Open access"' in out
    assert "<kwd>Citizen science</kwd>" in out and "<kwd>Reproducibility</kwd>" in out
    assert only_attributes_added(result.output, original)
    replaced = enricher("credit", str(THESAURUS), replace_deprecated=True).enrich_bytes(original, "k")
    assert {f.line: f.term for f in replaced.report.findings if f.outcome.value == "tagged"}[19] == "Data sharing"


@pytest.mark.parametrize("path", [CASRAI_FIXTURE, SKOS_FIXTURE], ids=lambda p: p.name)
def test_a_second_run_changes_nothing(path):
    e = enricher("credit", "casrai", str(TOPICS), str(THESAURUS))
    first = e.enrich_bytes(path.read_bytes(), "k")
    second = e.enrich_bytes(first.output, "k")
    assert second.output == first.output
    assert not any(f.changed for f in second.report.findings)
    expected = [o if o != "tagged" else "already-correct" for o in (f.outcome.value for f in first.report.findings)]
    assert [f.outcome.value for f in second.report.findings] == expected


@needs_shared
@pytest.mark.parametrize("path", [CASRAI_FIXTURE, SKOS_FIXTURE], ids=lambda p: p.name)
def test_keyword_outputs_are_valid_against_the_dtd(path):
    out = enricher("credit", "casrai", str(TOPICS), str(THESAURUS)).enrich_bytes(path.read_bytes(), "k").output
    assert dtd_errors(path.read_bytes()) == []
    assert dtd_errors(out) == []


def one_term(name: str, label: str) -> Vocabulary:
    return Vocabulary(name=name, identifier=f"urn:{name}:", terms=(Term(label=label, identifier=f"urn:{name}:1"),))


def article(version: str, body: str) -> bytes:
    return f'<article dtd-version="{version}"><front><article-meta>{body}</article-meta></front></article>'.encode()


def test_a_label_in_two_vocabularies_is_ambiguous_unless_one_has_precedence():
    data = article("1.3", "<kwd-group><kwd>Open science</kwd></kwd-group>")
    vocabularies = [one_term("one", "Open science"), one_term("two", "open science")]
    plain = Enricher(EnrichOptions(), vocabularies=vocabularies).enrich_bytes(data, "a")
    (finding,) = plain.report.findings
    assert finding.outcome.value == "ambiguous" and "one:Open science" in finding.note
    assert plain.output == data
    ranked = Enricher(EnrichOptions(precedence=("two", "one")), vocabularies=vocabularies).enrich_bytes(data, "a")
    (finding,) = ranked.report.findings
    assert (finding.outcome.value, finding.vocab) == ("tagged", "two")


def test_versions_decide_what_a_keyword_can_carry():
    vocabularies = [one_term("v", "Open science")]
    body = "<kwd-group><kwd>Open science</kwd></kwd-group>"
    e = Enricher(EnrichOptions(), vocabularies=vocabularies)
    old = e.enrich_bytes(article("1.1", body), "a")
    assert old.report.findings[0].outcome.value == "skipped-version" and old.output == article("1.1", body)
    # 1.2d1: vocab-term and vocab-term-identifier on kwd, vocab and vocab-identifier on the group only.
    draft = e.enrich_bytes(article("1.2d1", body), "a").output.decode()
    assert (
        '<kwd-group vocab="v" vocab-identifier="urn:v:"><kwd vocab-term="Open science" vocab-term-identifier="urn:v:1">'
        in draft
    )


def test_group_types_and_elements_are_configurable():
    vocabularies = [one_term("v", "Open science")]
    body = (
        '<kwd-group kwd-group-type="author-keywords"><kwd>Open science</kwd></kwd-group>'
        '<kwd-group kwd-group-type="research-organism"><kwd>Open science</kwd></kwd-group>'
    )
    only_authors = EnrichOptions(targets=Targets(kwd_group_types=("author-keywords",)))
    result = Enricher(only_authors, vocabularies=vocabularies).enrich_bytes(article("1.3", body), "a")
    assert [f.xpath for f in result.report.findings] == ["/article/front/article-meta/kwd-group[1]/kwd"]
    roles_only = EnrichOptions(targets=Targets(elements=("role",)))
    assert Enricher(roles_only, vocabularies=vocabularies).enrich_bytes(article("1.3", body), "a").report.findings == []


def test_applies_to_decides_which_targets_a_dictionary_is_matched_against():
    credit = load_vocabulary("credit")
    assert credit.applies_to == ("role",)
    topics = load_dictionary_file(TOPICS)
    options = EnrichOptions(vocab=("credit",), applies_to={"credit": ("role", "keyword")})
    data = article("1.3", "<kwd-group><kwd>Software</kwd></kwd-group>")
    (finding,) = Enricher(options).enrich_bytes(data, "a").report.findings
    assert finding.vocab == "credit"
    assert topics.applies_to == ("keyword", "subject")
