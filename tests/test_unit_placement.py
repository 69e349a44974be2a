"""decide/placement.place_group_attributes: whether a keyword group gets vocab and
vocab-identifier once, and what then happens to each keyword's own edit.

The rule (placement.py): the group gets them when it has none yet and every term in it (nested
and compound ones too) gets or has an identity from that one vocabulary; the terms then keep only
vocab-term and vocab-term-identifier. Otherwise each term keeps all four, where its DTD allows.
Decisions are built as the pipeline builds them (read -> targets -> analyse -> decide).
"""

from __future__ import annotations

from functools import cache

import pytest
from support import FIXTURES

from jats_enrich.article.reader import read_article
from jats_enrich.article.targets import Targets, find_targets
from jats_enrich.decide.model import Decision, Edit, Outcome, Policy
from jats_enrich.decide.placement import place_group_attributes
from jats_enrich.decide.rules import decide
from jats_enrich.dictionaries import load_dictionary_file, load_vocabulary
from jats_enrich.dictionaries.model import Term, Vocabulary
from jats_enrich.match.analyse import Analyser

CASRAI = "https://casrai.org/dictionary/"
ALM = CASRAI + "term/article-level-metrics"
OPEN_ACCESS = CASRAI + "term/open-access"
HOUSE = "urn:house:"
GROUP = {"vocab": "casrai", "vocab-identifier": CASRAI}


def term_attributes(label: str, identifier: str) -> dict[str, str]:
    return {"vocab-term": label, "vocab-term-identifier": identifier}


def all_four(vocab: str, scheme: str, label: str, identifier: str) -> dict[str, str]:
    return {"vocab": vocab, "vocab-identifier": scheme, **term_attributes(label, identifier)}


@cache
def analyser() -> Analyser:
    """CASRAI's keywords, a house list with one keyword, and CRediT for roles."""
    house = Vocabulary(name="house", identifier=HOUSE, terms=(Term(label="Machine learning", identifier=HOUSE + "ml"),))
    return Analyser([load_vocabulary("casrai"), house, load_vocabulary("credit")])


def decisions(meta: str, version: str = "1.3", using: Analyser | None = None, **policy: object) -> list[Decision]:
    """The decision of every target of an article whose article-meta is ``meta``, in order."""
    data = f'<article dtd-version="{version}"><front><article-meta>{meta}</article-meta></front></article>'
    article = read_article(data.encode(), "case.xml")
    a = using or analyser()
    return [
        decide(a.analyse(t), t.version, Policy.model_validate(policy))
        for t in find_targets(article, Targets(), a.kinds)
    ]


def set_attributes(decision: Decision) -> dict[str, str] | None:
    return None if decision.edit is None else decision.edit.set_attributes


def group_values(edits: list[Edit]) -> list[tuple[str, dict[str, str]]]:
    return [(e.name, e.set_attributes) for e in edits]


def test_a_group_of_one_vocabulary_gets_vocab_once_and_its_terms_only_the_term_attributes():
    before = decisions("<kwd-group><kwd>Article-level metrics</kwd><kwd>Open access</kwd></kwd-group>")
    assert [set_attributes(d) for d in before] == [
        all_four("casrai", CASRAI, "Article-level metrics", ALM),
        all_four("casrai", CASRAI, "Open access", OPEN_ACCESS),
    ]
    placed, groups = place_group_attributes(before)
    assert group_values(groups) == [("kwd-group", GROUP)]
    assert groups[0].element is before[0].target.group and groups[0].remove_attributes == ()
    assert [set_attributes(d) for d in placed] == [
        term_attributes("Article-level metrics", ALM),
        term_attributes("Open access", OPEN_ACCESS),
    ]
    assert all(p.edit is not None and p.edit.element is d.edit.element for p, d in zip(placed, before, strict=True))
    assert [d.note for d in placed] == ["vocab and vocab-identifier written on its <kwd-group>"] * 2
    assert [d.outcome for d in placed] == [Outcome.TAGGED] * 2
    assert set_attributes(before[0]) == all_four("casrai", CASRAI, "Article-level metrics", ALM)  # not mutated


def test_a_group_mixing_two_vocabularies_gets_nothing_and_its_terms_keep_all_four():
    before = decisions("<kwd-group><kwd>Article-level metrics</kwd><kwd>Machine learning</kwd></kwd-group>")
    placed, groups = place_group_attributes(before)
    assert groups == []
    assert all(p is d for p, d in zip(placed, before, strict=True))
    assert [set_attributes(d) for d in placed] == [
        all_four("casrai", CASRAI, "Article-level metrics", ALM),
        all_four("house", HOUSE, "Machine learning", HOUSE + "ml"),
    ]


def test_a_group_with_an_untagged_keyword_gets_nothing():
    # The group's vocab would claim an identity for "Quantum gravity" too.
    before = decisions("<kwd-group><kwd>Article-level metrics</kwd><kwd>Quantum gravity</kwd></kwd-group>")
    assert [d.outcome for d in before] == [Outcome.TAGGED, Outcome.UNMATCHED]
    placed, groups = place_group_attributes(before)
    assert groups == []
    assert [set_attributes(d) for d in placed] == [all_four("casrai", CASRAI, "Article-level metrics", ALM), None]


def test_a_conflicting_keyword_keeps_the_group_from_claiming_a_vocabulary():
    foreign = '<kwd vocab="mesh" vocab-identifier="https://id.nlm.nih.gov/mesh/">ALMs</kwd>'
    before = decisions(f"<kwd-group>{foreign}<kwd>Open access</kwd></kwd-group>")
    assert [d.outcome for d in before] == [Outcome.CONFLICT, Outcome.TAGGED]
    placed, groups = place_group_attributes(before)
    assert groups == []
    assert [set_attributes(d) for d in placed] == [None, all_four("casrai", CASRAI, "Open access", OPEN_ACCESS)]


def test_nested_and_compound_keywords_are_members_of_the_group():
    compound = (
        "<compound-kwd><compound-kwd-part>Open</compound-kwd-part>"
        "<compound-kwd-part>access</compound-kwd-part></compound-kwd>"
    )
    for member in ("<nested-kwd><kwd>Open access</kwd></nested-kwd>", compound):
        before = decisions(f"<kwd-group><kwd>Article-level metrics</kwd>{member}</kwd-group>")
        placed, groups = place_group_attributes(before)
        assert group_values(groups) == [("kwd-group", GROUP)], member
        assert [set_attributes(d) for d in placed] == [
            term_attributes("Article-level metrics", ALM),
            term_attributes("Open access", OPEN_ACCESS),
        ]
    # A nested keyword of another vocabulary makes the group mixed.
    mixed = decisions(
        "<kwd-group><kwd>Open access</kwd><nested-kwd><kwd>Machine learning</kwd></nested-kwd></kwd-group>"
    )
    assert place_group_attributes(mixed)[1] == []


def test_a_keyword_already_carrying_the_same_vocabulary_counts_for_the_group():
    own = "".join(f' {k}="{v}"' for k, v in all_four("casrai", CASRAI, "Open access", OPEN_ACCESS).items())
    before = decisions(f"<kwd-group><kwd{own}>Open access</kwd><kwd>Article-level metrics</kwd></kwd-group>")
    assert [d.outcome for d in before] == [Outcome.ALREADY_CORRECT, Outcome.TAGGED]
    placed, groups = place_group_attributes(before)
    assert group_values(groups) == [("kwd-group", GROUP)]
    assert placed[0] is before[0]  # its own attributes stay; nothing is removed from it
    assert set_attributes(placed[1]) == term_attributes("Article-level metrics", ALM)


def test_a_group_that_already_has_vocab_is_never_given_another():
    group = f'<kwd-group vocab="casrai" vocab-identifier="{CASRAI}">'
    before = decisions(f"{group}<kwd>Article-level metrics</kwd><kwd>Open access</kwd></kwd-group>")
    # identity.py already left the group attributes off the terms: placement changes nothing.
    assert [set_attributes(d) for d in before] == [
        term_attributes("Article-level metrics", ALM),
        term_attributes("Open access", OPEN_ACCESS),
    ]
    placed, groups = place_group_attributes(before)
    assert groups == []
    assert all(p is d for p, d in zip(placed, before, strict=True))


def test_each_group_is_judged_on_its_own_terms():
    before = decisions(
        "<kwd-group><kwd>Article-level metrics</kwd></kwd-group>"
        "<kwd-group><kwd>Open access</kwd><kwd>Machine learning</kwd></kwd-group>"
    )
    placed, groups = place_group_attributes(before)
    assert group_values(groups) == [("kwd-group", GROUP)]
    assert groups[0].element is before[0].target.group
    assert [set_attributes(d) for d in placed] == [
        term_attributes("Article-level metrics", ALM),
        all_four("casrai", CASRAI, "Open access", OPEN_ACCESS),
        all_four("house", HOUSE, "Machine learning", HOUSE + "ml"),
    ]


def test_jats_1_2d1_has_no_vocab_on_a_kwd_so_a_mixed_groups_terms_get_only_the_term_attributes():
    mixed = decisions("<kwd-group><kwd>Article-level metrics</kwd><kwd>Machine learning</kwd></kwd-group>", "1.2d1")
    placed, groups = place_group_attributes(mixed)
    assert groups == []
    assert [set_attributes(d) for d in placed] == [
        term_attributes("Article-level metrics", ALM),
        term_attributes("Machine learning", HOUSE + "ml"),
    ]
    assert [d.note for d in placed] == ["JATS 1.2d1 has no vocab on <kwd> and its group mixes vocabularies"] * 2
    # One vocabulary: kwd-group declares vocab in 1.2d1, so it goes there.
    one = decisions("<kwd-group><kwd>Article-level metrics</kwd><kwd>Open access</kwd></kwd-group>", "1.2d1")
    placed, groups = place_group_attributes(one)
    assert group_values(groups) == [("kwd-group", GROUP)]
    assert [set_attributes(d) for d in placed] == [
        term_attributes("Article-level metrics", ALM),
        term_attributes("Open access", OPEN_ACCESS),
    ]


def test_roles_and_keywords_skipped_by_version_pass_through_untouched():
    meta = (
        "<contrib-group><contrib><role>Software</role></contrib></contrib-group>"
        "<kwd-group><kwd>Article-level metrics</kwd></kwd-group>"
    )
    before = decisions(meta, "1.1")
    assert [d.outcome for d in before] == [Outcome.TAGGED, Outcome.SKIPPED_VERSION]
    placed, groups = place_group_attributes(before)
    assert groups == []
    assert all(p is d for p, d in zip(placed, before, strict=True))
    assert set_attributes(placed[0]) == {"content-type": "https://credit.niso.org/contributor-roles/software/"}


def test_an_upgrade_of_an_older_group_vocab_identifier_is_one_group_edit_for_all_its_terms():
    casrai = load_dictionary_file(FIXTURES.parent / "vocab" / "casrai.jsonld")
    older = Analyser([casrai.model_copy(update={"deprecated_identifiers": ("https://casrai.org/dictionary",)})])
    meta = (
        '<kwd-group vocab="casrai" vocab-identifier="https://casrai.org/dictionary">'
        "<kwd>ALMs</kwd><kwd>Article level metrics</kwd></kwd-group>"
    )
    reported = decisions(meta, using=older)
    assert [d.outcome for d in reported] == [Outcome.DEPRECATED_IDENTIFIER] * 2
    assert all(d.group_edit is None for d in reported)
    assert place_group_attributes(reported)[1] == []
    upgraded = decisions(meta, using=older, upgrade=True)
    assert [d.outcome for d in upgraded] == [Outcome.UPGRADED] * 2
    placed, groups = place_group_attributes(upgraded)
    assert group_values(groups) == [("kwd-group", GROUP)]  # once, though both terms ask for it
    assert groups[0].element is upgraded[0].target.group
    assert [set_attributes(d) for d in placed] == [term_attributes("Article-level metrics", ALM)] * 2


@pytest.mark.parametrize(
    ("group_says", "term_gets"),
    [('vocab="casrai"', {"vocab-identifier": CASRAI}), (f'vocab-identifier="{CASRAI}"', {"vocab": "casrai"})],
)
def test_a_group_that_says_half_of_the_vocabulary_leaves_the_other_half_to_its_terms(group_says, term_gets):
    """A group with only vocab (or only vocab-identifier): the identity is complete only if each
    term carries what the group does not say."""
    (decision,) = decisions(f"<kwd-group {group_says}><kwd>Article-level metrics</kwd></kwd-group>")
    assert decision.outcome is Outcome.TAGGED
    assert set_attributes(decision) == {**term_gets, **term_attributes("Article-level metrics", ALM)}
    placed, groups = place_group_attributes([decision])
    assert groups == [] and set_attributes(placed[0]) == set_attributes(decision)
