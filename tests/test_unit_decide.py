"""decide/rules.decide and the identity placement it uses (decide/identity), one role at a time.

Each test builds an Analysis the way the pipeline does (read_article -> find_targets ->
Analyser.analyse) and checks the outcome and the exact edit of the policy table: what is
written, where, and that nothing is written where nothing may be.
"""

from __future__ import annotations

from functools import cache

import pytest

from jats_enrich.article.reader import read_article
from jats_enrich.article.targets import Targets, find_targets
from jats_enrich.decide.identity import IdentityPlacer
from jats_enrich.decide.model import Decision, Outcome, Policy
from jats_enrich.decide.rules import decide
from jats_enrich.dictionaries import load_vocabulary
from jats_enrich.dictionaries.model import Term, Vocabulary
from jats_enrich.match.analyse import Analyser, Analysis

CREDIT = "https://credit.niso.org/"
ROLES = CREDIT + "contributor-roles/"
SOFTWARE = ROLES + "software/"
METHODOLOGY = ROLES + "methodology/"


def current(label: str, identifier: str) -> dict[str, str]:
    """The four vocab attributes of a CRediT role in their current form."""
    return {"vocab": "credit", "vocab-identifier": CREDIT, "vocab-term": label, "vocab-term-identifier": identifier}


def attributes(values: dict[str, str]) -> str:
    return "".join(f' {name}="{value}"' for name, value in values.items())


@cache
def credit_analyser() -> Analyser:
    # Built on first use, inside the test session: dictionaries compile into the session's cache.
    return Analyser([load_vocabulary("credit")])


@cache
def two_vocabulary_analyser() -> Analyser:
    """CRediT and a house list that also has a role "Software"."""
    house = Vocabulary(
        name="house",
        identifier="urn:house:",
        applies_to=("role",),
        terms=(Term(label="Software", identifier="urn:house:software"),),
    )
    return Analyser([load_vocabulary("credit"), house])


def analysed(role: str, version: str = "1.3", analyser: Analyser | None = None) -> Analysis:
    """The analysis of the one <role> of an article (``role`` is its markup)."""
    data = (
        f'<article dtd-version="{version}"><front><article-meta><contrib-group><contrib>{role}'
        "</contrib></contrib-group></article-meta></front></article>"
    ).encode()
    analyser = analyser or credit_analyser()
    article = read_article(data, "case.xml")
    (target,) = find_targets(article, Targets(), analyser.kinds)
    return analyser.analyse(target)


def decided(role: str, version: str = "1.3", analyser: Analyser | None = None, **policy: object) -> Decision:
    analysis = analysed(role, version, analyser)
    return decide(analysis, analysis.target.version, Policy.model_validate(policy))


def test_a_plain_role_in_jats_1_3_is_tagged_with_exactly_the_four_vocab_attributes():
    d = decided("<role>Software</role>")
    assert d.outcome is Outcome.TAGGED
    assert d.edit is not None
    assert d.edit.set_attributes == current("Software", SOFTWARE)
    assert d.edit.remove_attributes == ()
    assert d.edit.element is d.target.element and d.edit.name == "role"
    assert d.meaning is not None and (d.meaning.rule, d.meaning.score) == ("exact-label", None)
    assert (d.group_edit, d.found_identifier, d.note, d.degree) == (None, None, None, None)


def test_a_degree_is_written_as_degree_contribution_where_the_dtd_declares_it():
    curation = ROLES + "data-curation/"
    in_1_3 = decided("<role>Data curation (lead)</role>", "1.3")
    assert in_1_3.outcome is Outcome.TAGGED
    assert in_1_3.edit is not None
    assert in_1_3.edit.set_attributes == {**current("Data curation", curation), "degree-contribution": "lead"}
    assert in_1_3.degree is not None and in_1_3.degree.value == "lead"
    # JATS 1.2d1 has the four vocab attributes but no degree-contribution: the degree is only reported.
    in_1_2d1 = decided("<role>Data curation (lead)</role>", "1.2d1")
    assert in_1_2d1.outcome is Outcome.TAGGED
    assert in_1_2d1.edit is not None
    assert in_1_2d1.edit.set_attributes == current("Data curation", curation)
    assert in_1_2d1.note == "degree lead: JATS 1.2d1 has no degree-contribution"


def test_a_role_already_carrying_its_current_identity_is_left_without_an_edit():
    for upgrade in (False, True):
        d = decided(f"<role{attributes(current('Software', SOFTWARE))}>Software</role>", upgrade=upgrade)
        assert d.outcome is Outcome.ALREADY_CORRECT
        assert (d.edit, d.group_edit, d.found_identifier) == (None, None, None)
        assert d.meaning is not None and d.meaning.term.identifier == SOFTWARE


def test_a_missing_degree_is_the_only_attribute_added_to_an_otherwise_current_role():
    curation = ROLES + "data-curation/"
    d = decided(f"<role{attributes(current('Data curation', curation))}>Data curation (lead)</role>")
    assert d.outcome is Outcome.TAGGED
    assert d.edit is not None and d.edit.set_attributes == {"degree-contribution": "lead"}


OLDER_FORMS = [
    pytest.param("vocab-term-identifier", "http://credit.niso.org/contributor-roles/software/", SOFTWARE, id="http"),
    pytest.param(
        "vocab-term-identifier", "https://credit.niso.org/contributor-roles/software", SOFTWARE, id="no-slash"
    ),
    pytest.param("vocab", "CRediT", "credit", id="vocab-CRediT"),
    pytest.param("vocab-identifier", "http://credit.niso.org/", CREDIT, id="vocab-identifier-http"),
]


@pytest.mark.parametrize(("name", "older", "now"), OLDER_FORMS)
def test_an_older_form_is_reported_and_rewritten_only_under_upgrade(name, older, now):
    markup = f"<role{attributes({**current('Software', SOFTWARE), name: older})}>Software</role>"
    reported = decided(markup)
    assert reported.outcome is Outcome.DEPRECATED_IDENTIFIER
    assert reported.found_identifier == f'{name}="{older}"'
    assert reported.edit is None
    assert reported.note is not None and reported.note.endswith("`upgrade` rewrites it")
    upgraded = decided(markup, upgrade=True)
    assert upgraded.outcome is Outcome.UPGRADED
    assert upgraded.found_identifier == f'{name}="{older}"'
    assert upgraded.edit is not None
    assert upgraded.edit.set_attributes == {name: now}  # only the outdated attribute
    assert upgraded.edit.remove_attributes == ()


def test_an_older_identifier_alone_is_not_completed_unless_upgraded():
    # Adding the other three next to an outdated one would mix two forms on one element.
    markup = '<role vocab-term-identifier="http://credit.niso.org/contributor-roles/methodology">Methodology</role>'
    reported = decided(markup)
    assert reported.outcome is Outcome.DEPRECATED_IDENTIFIER and reported.edit is None
    upgraded = decided(markup, upgrade=True)
    assert upgraded.outcome is Outcome.UPGRADED
    assert upgraded.edit is not None
    assert upgraded.edit.set_attributes == current("Methodology", METHODOLOGY)


def test_an_older_content_type_in_jats_1_3_is_kept_until_upgrade_removes_it():
    markup = '<role content-type="http://credit.niso.org/contributor-roles/software/">Software</role>'
    reported = decided(markup)
    assert reported.outcome is Outcome.DEPRECATED_IDENTIFIER
    assert reported.found_identifier == 'content-type="http://credit.niso.org/contributor-roles/software/"'
    # The missing vocab attributes are added; the older content-type is not rewritten.
    assert reported.edit is not None
    assert reported.edit.set_attributes == current("Software", SOFTWARE)
    assert reported.edit.remove_attributes == ()
    upgraded = decided(markup, upgrade=True)
    assert upgraded.outcome is Outcome.UPGRADED
    assert upgraded.edit is not None
    assert upgraded.edit.set_attributes == current("Software", SOFTWARE)
    assert upgraded.edit.remove_attributes == ("content-type",)


@pytest.mark.parametrize("upgrade", [False, True])
def test_attributes_naming_another_term_than_the_text_are_a_conflict_and_nothing_is_edited(upgrade):
    d = decided(f"<role{attributes(current('Methodology', METHODOLOGY))}>Software</role>", upgrade=upgrade)
    assert d.outcome is Outcome.CONFLICT
    assert (d.edit, d.group_edit) == (None, None)
    assert d.meaning is not None and d.meaning.term.identifier == METHODOLOGY  # what the markup says
    assert d.note == 'the text means Software but vocab-term="Methodology" says Methodology; left unchanged'


def test_attributes_that_name_two_terms_are_a_conflict_whatever_the_text():
    markup = f'<role vocab-term-identifier="{SOFTWARE}" content-type="{METHODOLOGY}">Methodology</role>'
    d = decided(markup, upgrade=True)
    assert d.outcome is Outcome.CONFLICT
    assert d.edit is None and d.meaning is None
    assert d.note is not None and d.note.startswith("the element's attributes disagree")


def test_an_identifier_no_dictionary_knows_is_a_conflict_not_overwritten():
    d = decided('<role vocab-term-identifier="https://example.org/roles/x">Software</role>', upgrade=True)
    assert d.outcome is Outcome.CONFLICT and d.edit is None
    assert d.note is not None and "which no loaded dictionary knows" in d.note


def test_a_text_that_names_terms_of_two_vocabularies_is_ambiguous():
    d = decided("<role>Software</role>", analyser=two_vocabulary_analyser(), accept_fuzzy=0)
    assert d.outcome is Outcome.AMBIGUOUS
    assert (d.edit, d.meaning) == (None, None)
    assert d.note == "could mean credit:Software, house:Software"


def test_a_compound_statement_is_reported_with_its_parts_and_never_tagged():
    d = decided("<role>Conceptualization and methodology</role>", accept_fuzzy=0)
    assert d.outcome is Outcome.COMPOUND
    assert (d.edit, d.meaning) == (None, None)
    found = [(p.text, [c.term.identifier for c in p.match.candidates]) for p in d.parts]
    assert found == [("Conceptualization", [ROLES + "conceptualization/"]), ("methodology", [METHODOLOGY])]


# "Vizualization" is a near miss of Visualization, scoring 92.3.
NEAR_MISS = "<role>Vizualization</role>"
NEAR_SCORE = 92.3


@pytest.mark.parametrize(
    ("close_call", "outcome"),
    [(80.0, Outcome.SUGGESTION), (NEAR_SCORE, Outcome.SUGGESTION), (92.4, Outcome.UNMATCHED)],
)
def test_a_near_miss_is_a_suggestion_from_close_call_on_and_unmatched_below(close_call, outcome):
    d = decided(NEAR_MISS, close_call=close_call)
    assert d.outcome is outcome
    assert (d.edit, d.meaning) == (None, None)
    # Either way the near miss itself is kept for the reviewer.
    assert [(s.term.label, s.score) for s in d.suggestions] == [("Visualization", NEAR_SCORE)]


def test_a_near_miss_is_applied_only_at_or_above_accept_fuzzy():
    at = decided(NEAR_MISS, accept_fuzzy=NEAR_SCORE)
    assert at.outcome is Outcome.TAGGED
    assert at.edit is not None
    assert at.edit.set_attributes == current("Visualization", ROLES + "visualization/")
    assert at.meaning is not None and (at.meaning.rule, at.meaning.score) == ("fuzzy", NEAR_SCORE)
    assert at.note == "near miss 'Visualization' accepted: score 92.3 >= 92.3"
    for accept_fuzzy in (92.4, None):
        above = decided(NEAR_MISS, accept_fuzzy=accept_fuzzy)
        assert above.outcome is Outcome.SUGGESTION
        assert (above.edit, above.meaning) == (None, None)


def test_jats_1_1_gets_the_term_uri_in_content_type_unless_legacy_is_skip():
    written = decided("<role>Software</role>", "1.1", legacy="content-type")
    assert written.outcome is Outcome.TAGGED
    assert written.edit is not None
    assert written.edit.set_attributes == {"content-type": SOFTWARE}
    assert written.note == "JATS 1.1: term URI written into content-type (the JATS4R form)"
    skipped = decided("<role>Software</role>", "1.1", legacy="skip")
    assert skipped.outcome is Outcome.SKIPPED_VERSION
    assert skipped.edit is None
    assert skipped.meaning is not None and skipped.meaning.term.identifier == SOFTWARE  # found, not written
    assert skipped.note == "JATS 1.1: nothing written under `legacy` skip"


def test_jats_1_1_content_type_another_value_or_an_older_uri():
    taken = decided('<role content-type="author">Software</role>', "1.1")
    assert taken.outcome is Outcome.SKIPPED_VERSION and taken.edit is None  # never overwritten
    older = '<role content-type="http://credit.niso.org/contributor-roles/software/">Software</role>'
    assert decided(older, "1.1").outcome is Outcome.DEPRECATED_IDENTIFIER
    assert decided(older, "1.1").edit is None
    upgraded = decided(older, "1.1", upgrade=True)
    assert upgraded.outcome is Outcome.UPGRADED
    assert upgraded.edit is not None and upgraded.edit.set_attributes == {"content-type": SOFTWARE}
    under_skip = decided(older, "1.1", upgrade=True, legacy="skip")
    assert under_skip.outcome is Outcome.DEPRECATED_IDENTIFIER and under_skip.edit is None
    already = decided(f'<role content-type="{SOFTWARE}">Software</role>', "1.1")
    assert already.outcome is Outcome.ALREADY_CORRECT and already.edit is None


@pytest.mark.parametrize("legacy", ["content-type", "skip"])
def test_nlm_2_3_is_skipped_whatever_the_legacy_policy(legacy):
    d = decided("<role>Software</role>", "2.3", legacy=legacy, upgrade=True)
    assert d.outcome is Outcome.SKIPPED_VERSION
    assert d.edit is None
    assert d.note == "JATS version NLM 2.3 declares no vocab attributes on <role>"


def test_identity_placer_knows_where_each_version_puts_a_role_identity():
    def placer(version: str, legacy: str = "content-type") -> tuple[bool, bool]:
        analysis = analysed("<role>Software</role>", version)
        p = IdentityPlacer(analysis, analysis.target.version, Policy.model_validate({"legacy": legacy}))
        return p.modern, p.legacy_writable

    assert placer("1.3") == (True, False)
    assert placer("1.2d1") == (True, False)
    assert placer("1.1") == (False, True)
    assert placer("1.1", "skip") == (False, False)
    assert placer("3.0") == (False, True)  # NLM 3.0 declares role/@content-type
    assert placer("2.3") == (False, False)


def test_the_profile_changes_only_vocab_term():
    niso = decided("<role>Formal analysis</role>", profile="niso")
    jats4r = decided("<role>Formal analysis</role>", profile="jats4r")
    assert niso.edit is not None and jats4r.edit is not None
    assert niso.edit.set_attributes["vocab-term"] == "Formal analysis"
    assert jats4r.edit.set_attributes["vocab-term"] == "Formal Analysis"
    assert {k: v for k, v in niso.edit.set_attributes.items() if k != "vocab-term"} == {
        k: v for k, v in jats4r.edit.set_attributes.items() if k != "vocab-term"
    }
    assert (niso.outcome, jats4r.outcome) == (Outcome.TAGGED, Outcome.TAGGED)

    # niso accepts JATS4R's spelling as correct; jats4r does not accept NISO's, which its
    # Schematron rejects, and says which profile writes it. Under upgrade each converts the other.
    def formal(written: str, profile: str, upgrade: bool = False) -> Decision:
        markup = f"<role{attributes(current(written, ROLES + 'formal-analysis/'))}>Formal analysis</role>"
        return decided(markup, profile=profile, upgrade=upgrade)

    assert formal("Formal Analysis", "niso").outcome is Outcome.ALREADY_CORRECT
    d = formal("Formal analysis", "jats4r")
    assert d.outcome is Outcome.DEPRECATED_IDENTIFIER and d.edit is None
    assert "the form the niso, scielo and atypon profiles write" in (d.note or "")
    for written, profile, wanted in (
        ("Formal Analysis", "niso", "Formal analysis"),
        ("Formal analysis", "jats4r", "Formal Analysis"),
    ):
        d = formal(written, profile, upgrade=True)
        assert d.outcome is Outcome.UPGRADED and d.edit is not None
        assert d.edit.set_attributes == {"vocab-term": wanted} and d.edit.remove_attributes == ()
    # Other terms are written the same under both profiles.
    software = [decided("<role>Software</role>", profile=profile).edit for profile in ("niso", "jats4r")]
    assert [e.set_attributes if e else None for e in software] == [current("Software", SOFTWARE)] * 2
