"""The matcher: each rule, the order of rules, and what it says about why it matched."""

import pytest

from jats_enrich.dictionaries import load_vocabulary
from jats_enrich.dictionaries.model import Term, Vocabulary
from jats_enrich.match.candidates import MatchRule
from jats_enrich.match.matcher import Matcher

CREDIT = "https://credit.niso.org/contributor-roles/"


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher([load_vocabulary("credit")])


def test_exact_label(matcher):
    result = matcher.match("Writing – review & editing")
    assert result.rule is MatchRule.EXACT_LABEL
    (candidate,) = result.candidates
    assert candidate.term.identifier == CREDIT + "writing-review-editing/"
    assert candidate.matched_label == "Writing – review & editing"
    assert candidate.vocabulary.name == "credit"
    assert candidate.vocabulary.identifier == "https://credit.niso.org/"


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("conceptualisation", "conceptualization"),
        ("DATA CURATION", "data-curation"),
        ("Formal Analysis", "formal-analysis"),
        ("Funding acquisition.", "funding-acquisition"),
        ("Project  administration", "project-administration"),
        ("Writing - Review and Editing", "writing-review-editing"),
        ("Writing — original draft", "writing-original-draft"),
        ("Visualisation", "visualization"),
    ],
)
def test_normalised_label(matcher, text, slug):
    result = matcher.match(text)
    assert result.rule is MatchRule.NORMALISED_LABEL
    assert [c.term.identifier for c in result.candidates] == [f"{CREDIT}{slug}/"]


def test_alias_names_the_alias_it_matched(matcher):
    result = matcher.match("Writing - original draft preparation")
    assert result.rule is MatchRule.ALIAS
    (candidate,) = result.candidates
    assert candidate.term.label == "Writing – original draft"
    assert candidate.matched_label == "Writing – Original Draft Preparation"


@pytest.mark.parametrize("text", ["Editor", "Study concept and design", "ND", "", "Writing", "Data"])
def test_unmatched(matcher, text):
    result = matcher.match(text)
    assert result.candidates == ()
    assert result.rule is None


def test_a_label_wins_over_an_alias_of_another_term():
    vocabulary = Vocabulary(
        name="v",
        identifier="urn:v",
        terms=(
            Term(label="Editing", identifier="urn:v:editing"),
            Term(label="Review", identifier="urn:v:review", aliases=("editing",)),
        ),
    )
    result = Matcher([vocabulary]).match("EDITING")
    assert result.rule is MatchRule.NORMALISED_LABEL
    assert [c.term.identifier for c in result.candidates] == ["urn:v:editing"]


def test_two_vocabularies_defining_a_label_give_two_candidates():
    one = Vocabulary(name="one", identifier="urn:one", terms=(Term(label="Software", identifier="urn:one:sw"),))
    two = Vocabulary(name="two", identifier="urn:two", terms=(Term(label="software", identifier="urn:two:sw"),))
    result = Matcher([one, two]).match("Software")
    assert {(c.vocabulary.name, c.term.identifier) for c in result.distinct_terms} == {
        ("one", "urn:one:sw"),
        ("two", "urn:two:sw"),
    }
