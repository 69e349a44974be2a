"""Text-level pieces of matching: degree qualifiers, compound statements, near misses, identifiers."""

import pytest

from jats_enrich.dictionaries import load_vocabulary
from jats_enrich.match.analyse import Analyser
from jats_enrich.match.compounds import conjoined_items, list_items
from jats_enrich.match.fuzzy import Suggester
from jats_enrich.match.matcher import Matcher
from jats_enrich.match.qualifiers import Degree, split_qualifier
from jats_enrich.text import canonical_identifier

CREDIT = "https://credit.niso.org/contributor-roles/"


@pytest.mark.parametrize(
    ("text", "base", "degrees"),
    [
        ("Data curation (lead)", "Data curation", ["lead"]),
        ("Recursos (igual)", "Recursos", ["equal"]),
        ("Análisis formal (apoyo)", "Análisis formal", ["supporting"]),
        ("Investigação (apoio)", "Investigação", ["supporting"]),
        ("Validation (líder)", "Validation", ["lead"]),
        ("Software [Supporting]", "Software", ["supporting"]),
        ("Formal analysis (lead", "Formal analysis", ["lead"]),  # a stray character still counts
        ("Methodology (lead).", "Methodology", ["lead"]),
        ("Supervision: lead", "Supervision", ["lead"]),
        ("Writing – review & editing – supporting", "Writing – review & editing", ["supporting"]),
        ("Conceptualization (equal/lead)", "Conceptualization", ["equal", "lead"]),
        ("Software (equal contribution)", "Software", ["equal"]),
    ],
)
def test_degree_qualifiers_are_split_off(text, base, degrees):
    found_base, qualifier = split_qualifier(text)
    assert found_base == base
    assert qualifier is not None
    assert [d.value for d in qualifier.degrees] == degrees
    assert qualifier.degree == (Degree(degrees[0]) if len(degrees) == 1 else None)


@pytest.mark.parametrize(
    "text", ["Software (R package)", "Writing – review & editing", "(lead)", "Lead author", "Writing - original draft"]
)
def test_other_text_is_no_qualifier(text):
    assert split_qualifier(text) == (text, None)


def test_list_and_conjunction_splitting():
    assert list_items("Conceptualization, Methodology; Software / Validation") == [
        "Conceptualization",
        "Methodology",
        "Software",
        "Validation",
    ]
    assert conjoined_items("Formal analysis and visualization") == ["Formal analysis", "visualization"]
    assert conjoined_items("review & editing") == ["review", "editing"]


@pytest.fixture(scope="module")
def analyser() -> Analyser:
    return Analyser([load_vocabulary("credit")])


def analyse(analyser, text, lang=None):
    from jats_enrich.article.targets import Target

    target = Target(element=None, name="role", text=text, lang=lang, line=1, xpath="/r", attributes={})  # type: ignore[arg-type]
    return analyser.analyse(target)


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("Conceptualization, Methodology", ["conceptualization", "methodology"]),
        ("writing – review and editing; supervision", ["writing-review-editing", "supervision"]),
        ("Formal analysis and visualization", ["formal-analysis", "visualization"]),
        ("Data curation (lead), Software (supporting)", ["data-curation", "software"]),
        ("supervision, final writing review", ["supervision", None]),
    ],
)
def test_compounds_are_reported_with_their_parts(analyser, text, parts):
    a = analyse(analyser, text)
    assert a.match.candidates == ()
    found = [
        p.match.distinct_terms[0].term.identifier[len(CREDIT) : -1] if p.match.candidates else None for p in a.parts
    ]
    assert found == parts


@pytest.mark.parametrize(
    "text",
    [
        "Study concept and design",
        "analysis and interpretation",
        "planejamento e execução",
        "Writing – review & editing",
    ],
)
def test_not_compounds(analyser, text):
    assert analyse(analyser, text).parts == ()


def test_near_misses_are_scored_and_ranked():
    suggester = Suggester([load_vocabulary("credit")])
    best = suggester.suggest("Methodolgy")[0]
    assert best.term.label == "Methodology" and 90 <= best.score <= 100
    assert suggester.suggest("Editor") == ()
    assert suggester.suggest("ND") == ()
    scores = [s.score for s in suggester.suggest("Conceptualizaton")]
    assert scores == sorted(scores, reverse=True) and len(scores) <= 3


def test_identifiers_in_older_forms_name_the_same_term():
    matcher = Matcher([load_vocabulary("credit")])
    assert canonical_identifier("HTTP://www.Credit.niso.org/contributor-roles/software") == canonical_identifier(
        CREDIT + "software/"
    )
    current = matcher.identify(CREDIT + "software/")
    assert current is not None and current.current and current.term.label == "Software"
    for old in (
        "http://credit.niso.org/contributor-roles/software/",
        CREDIT + "software",
        "https://dictionary.casrai.org/Contributor_Roles/Software",
    ):
        found = matcher.identify(old)
        assert found is not None and not found.current and found.term.label == "Software", old
    generic = matcher.identify("http://credit.casrai.org/")
    assert generic is not None and generic.term is None and not generic.current
    assert matcher.identify("https://example.org/roles/software/") is None
