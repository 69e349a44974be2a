"""Cases a review of the decisions caught, one test each, named after what went wrong."""

from __future__ import annotations

from support import FIXTURES, as_fields

from jats_enrich.config import EnrichOptions
from jats_enrich.dictionaries import load_dictionary_file
from jats_enrich.dictionaries.model import Term, Vocabulary
from jats_enrich.pipeline import Enricher

ALM = "https://casrai.org/dictionary/term/article-level-metrics"


def run(data: str | bytes, *vocab: str, vocabularies=None, **policy):
    options = EnrichOptions.model_validate({"vocab": vocab or ("credit", "casrai"), **as_fields(policy)})
    enricher = Enricher(options, vocabularies=vocabularies)
    return enricher.enrich_bytes(data.encode() if isinstance(data, str) else data, "case.xml")


def article(body: str, version: str = "1.3") -> str:
    return f'<article dtd-version="{version}"><front><article-meta>{body}</article-meta></front></article>'


def roles(*roles: str) -> str:
    return "<contrib-group><contrib>" + "".join(roles) + "</contrib></contrib-group>"


def outcomes(result) -> list[str]:
    return [f.outcome.value for f in result.report.findings]


def test_another_vocabularys_name_or_identifier_is_a_conflict_not_an_older_form():
    for markup in (
        '<kwd-group><kwd vocab="mesh" vocab-identifier="https://id.nlm.nih.gov/mesh/">ALMs</kwd></kwd-group>',
        roles('<role vocab="foo">Software</role>'),
        roles('<role vocab-identifier="https://example.org/roles/">Resources</role>'),
    ):
        data = article(markup)
        for upgrade in (False, True):
            result = run(data, upgrade=upgrade)
            assert outcomes(result) == ["conflict"], markup
            assert result.output == data.encode()


def test_a_group_vocab_is_written_only_when_every_term_of_the_group_has_that_identity():
    mixed = article("<kwd-group><kwd>Article-level metrics</kwd><kwd>Machine learning</kwd></kwd-group>")
    out = run(mixed).output.decode()
    assert "<kwd-group>" in out
    on_term = 'vocab="casrai" vocab-identifier="https://casrai.org/dictionary/" vocab-term="Article-level metrics"'
    assert f'<kwd {on_term} vocab-term-identifier="{ALM}">Article-level metrics' in out
    foreign = article(
        '<kwd-group><kwd>Article-level metrics</kwd><kwd vocab-term="Bibliometrics" '
        'vocab-term-identifier="http://id.nlm.nih.gov/mesh/D015706">Bibliometrics</kwd></kwd-group>'
    )
    assert "<kwd-group>" in run(foreign).output.decode()


def test_jats_1_2d1_never_gets_vocab_on_a_kwd():
    in_foreign_group = article(
        '<kwd-group vocab="mesh" vocab-identifier="https://id.nlm.nih.gov/mesh/"><kwd>ALMs</kwd></kwd-group>', "1.2d1"
    )
    result = run(in_foreign_group)
    assert outcomes(result) == ["conflict"] and result.output == in_foreign_group.encode()
    mixed = article("<kwd-group><kwd>Article-level metrics</kwd><kwd>Machine learning</kwd></kwd-group>", "1.2d1")
    out = run(mixed).output.decode()
    assert f'<kwd vocab-term="Article-level metrics" vocab-term-identifier="{ALM}">Article-level metrics' in out
    assert " vocab=" not in out


def test_an_older_vocab_identifier_on_the_group_is_reported_and_upgraded_on_the_group():
    data = article(
        '<kwd-group vocab="casrai" vocab-identifier="https://casrai.org/dictionary"><kwd>ALMs</kwd></kwd-group>'
    )
    vocabulary = load_dictionary_file(FIXTURES.parent / "vocab" / "casrai.jsonld")
    older = vocabulary.model_copy(update={"deprecated_identifiers": ("https://casrai.org/dictionary",)})
    result = run(data, vocabularies=[older])
    assert outcomes(result) == ["deprecated-identifier"]
    assert "on its <kwd-group>" in result.report.findings[0].found_identifier
    out = result.output.decode()
    assert '<kwd-group vocab="casrai" vocab-identifier="https://casrai.org/dictionary">' in out  # reported only
    assert " vocab=" not in out.split("<kwd ", 1)[1].split(">", 1)[0]
    upgraded = run(data, vocabularies=[older], upgrade=True)
    assert outcomes(upgraded) == ["upgraded"]
    assert '<kwd-group vocab="casrai" vocab-identifier="https://casrai.org/dictionary/">' in upgraded.output.decode()
    again = run(upgraded.output, vocabularies=[older], upgrade=True)
    assert outcomes(again) == ["already-correct"] and again.output == upgraded.output


def test_markup_naming_the_replacement_of_a_deprecated_term_is_agreement():
    thesaurus = str(FIXTURES / "dictionaries" / "open-science-thesaurus.ttl")
    data = article("<kwd-group><kwd>Data availability</kwd></kwd-group>")
    first = run(data, thesaurus, replace_deprecated=True)
    assert outcomes(first) == ["tagged"]
    for replace in (True, False):
        again = run(first.output, thesaurus, replace_deprecated=replace)
        assert outcomes(again) == ["already-correct"] and again.output == first.output


def two(label_one: str, alias_two: str) -> list[Vocabulary]:
    return [
        Vocabulary(name="one", identifier="urn:one:", terms=(Term(label=label_one, identifier="urn:one:1"),)),
        Vocabulary(
            name="two",
            identifier="urn:two:",
            terms=(Term(label="Other", identifier="urn:two:1", aliases=(alias_two,)),),
        ),
    ]


def test_precedence_decides_between_vocabularies_whatever_the_rule_in_each():
    data = article("<kwd-group><kwd>Alm list</kwd></kwd-group>")
    assert outcomes(run(data, vocabularies=two("Alm list", "alm list"))) == ["ambiguous"]
    options = EnrichOptions(precedence=("two",))
    result = Enricher(options, vocabularies=two("Alm list", "alm list")).enrich_bytes(data.encode(), "a")
    assert [f.vocab for f in result.report.findings] == ["two"]


def test_a_translation_is_not_matched_in_a_text_of_another_stated_language():
    poison = Vocabulary(
        name="v",
        identifier="urn:v:",
        terms=(Term(label="Poison", identifier="urn:v:1", translations={"de": ("Gift",)}),),
    )
    english = article('<kwd-group xml:lang="en"><kwd>Gift</kwd></kwd-group>')
    assert outcomes(run(english, vocabularies=[poison])) == ["unmatched"]  # an error would not pass
    german = article('<kwd-group xml:lang="de"><kwd>Gift</kwd></kwd-group>')
    assert outcomes(run(german, vocabularies=[poison])) == ["tagged"]
    unknown = article("<kwd-group><kwd>Gift</kwd></kwd-group>")
    assert outcomes(run(unknown, vocabularies=[poison])) == ["tagged"]  # no language said: any


def test_an_acronym_keeps_its_case():
    context = "<kwd>Gold open access</kwd>"  # another CASRAI keyword, so that an acronym may be tagged
    for text in ("Alms", "alms.", "ALMS"):
        found = outcomes(run(article(f"<kwd-group><kwd>{text}</kwd>{context}</kwd-group>")))
        assert found == ["suggestion", "tagged"], text  # a near miss at most, never the acronym's term
    assert outcomes(run(article(f"<kwd-group><kwd>ALMs.</kwd>{context}</kwd-group>"))) == ["tagged", "tagged"]


def test_each_article_of_an_article_set_has_its_own_version():
    data = (
        "<pmc-articleset>"
        + article(roles("<role>Software</role>"), "1.3")
        + article(roles("<role>Software</role>"), "1.1")
        + "</pmc-articleset>"
    )
    out = run(data, "credit").output.decode()
    modern, legacy = out.split("</article>")[:2]
    assert 'vocab-term="Software"' in modern and "content-type" not in modern
    assert 'content-type="https://credit.niso.org/contributor-roles/software/"' in legacy and " vocab=" not in legacy


def test_a_question_is_not_a_label():
    assert outcomes(run(article(roles("<role>Software?</role>")), "credit")) == ["suggestion"]


def test_utf16_without_a_byte_order_mark_is_read_in_its_byte_order():
    text = '<?xml version="1.0" encoding="UTF-16"?>' + article(roles("<role>Software</role>"))
    result = run(text.encode("utf-16-le"), "credit")
    assert result.report.error is None
    assert 'vocab-term="Software"' in result.output.decode("utf-16-le")


def test_degree_case_does_not_make_a_mismatch():
    data = article(roles('<role degree-contribution="Lead">Software (lead)</role>'))
    (finding,) = run(data, "credit").report.findings
    assert finding.note is None or "but degree-contribution" not in finding.note
