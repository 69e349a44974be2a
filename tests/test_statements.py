"""Contribution statements on the project's own fixtures and on small articles written here: what is
a statement, who a key means, how items are read, what is reported, and what --add-roles writes
(and, above all, what it must not)."""

from __future__ import annotations

import json
import subprocess
import sys
from functools import cache

import pytest
from support import FIXTURES

from jats_enrich.article.contributors import PersonName
from jats_enrich.config import EnrichOptions
from jats_enrich.match.names import initials_of, looks_like_initials
from jats_enrich.match.statement_text import MAX_ITEMS, colon_parts, linked_items, name_keys, split_items
from jats_enrich.pipeline import Enricher, EnrichResult
from jats_enrich.report.statements import StatementReport

STATEMENTS = FIXTURES / "statements"
ELIFE = STATEMENTS / "elife-linked-1.3.xml"
CREDIT = "https://credit.niso.org/contributor-roles/"


@cache
def _enricher(options: str) -> Enricher:
    return Enricher(EnrichOptions(**json.loads(options)))


def enricher(**options: object) -> Enricher:
    return _enricher(json.dumps(options, sort_keys=True))


def enrich(data: bytes, **options: object) -> EnrichResult:
    result = enricher(**options).enrich_bytes(data, "a.xml")
    assert result.report.error is None, result.report.error
    return result


def article(front: str, back: str = "", version: str = "1.3", lang: str = "en") -> bytes:
    return (
        f'<article dtd-version="{version}" xml:lang="{lang}"><front><article-meta>{front}</article-meta></front>'
        f"<back>{back}</back></article>"
    ).encode()


def person(surname: str, given: str, extra: str = "", id_: str = "") -> str:
    ident = f' id="{id_}"' if id_ else ""
    name = f"<name><surname>{surname}</surname><given-names>{given}</given-names></name>"
    return f'<contrib contrib-type="author"{ident}>{name}{extra}</contrib>'


#: One author linked to footnote c1.
LINKED_LIND = (
    '<contrib-group><contrib contrib-type="author"><name><surname>Lind</surname><given-names>Astrid</given-names>'
    '</name><xref ref-type="fn" rid="c1"/></contrib></contrib-group>'
)


def by_contributor(result: EnrichResult) -> dict[str | None, StatementReport]:
    return {s.contributor_id or s.key: s for s in result.report.statements}


def tagged(entry: StatementReport) -> list[str]:
    return [i.term.term for i in entry.items if i.outcome.value == "tagged" and i.term]


# --- who a key means -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "surname", "written"),
    [
        ("Brian A.", "Wandell", {"BAW", "BW"}),
        ("Serena", "Nik-Zainal", {"SN-Z", "SNZ"}),
        ("Min-Qi", "Dong", {"M-QD", "MQD"}),
        ("Eva", "van Aalten", {"EvA", "EA"}),
        ("Francisco José", "Domingues Neto", {"FJDN", "FDN", "FJD"}),
    ],
)
def test_initials_are_derived_in_every_form_statements_write_them(given, surname, written):
    assert written <= initials_of(PersonName(given=given, surname=surname))


@pytest.mark.parametrize(
    ("key", "initials"), [("BAW", True), ("EvA", True), ("SN-Z", True), ("Corte", False), ("Tecchio, M. A.", False)]
)
def test_what_looks_like_initials(key, initials):
    assert looks_like_initials(key) is initials


def test_initials_two_authors_share_resolve_to_no_one_and_are_reported():
    front = (
        "<contrib-group>"
        + person("Mori", "Jun")
        + person("Matsuda", "Jiro")
        + person("Kato", "Kenji")
        + '</contrib-group><author-notes><fn fn-type="con"><p>Investigation: JM KK ZZ.</p></fn></author-notes>'
    )
    result = enrich(article(front), add_roles=True)
    entries = by_contributor(result)
    assert tagged(entries["#3"]) == ["Investigation"]
    assert entries["JM"].contributor is None and entries["JM"].resolved_by.startswith("several contributors")
    assert entries["ZZ"].resolved_by == "no contributor"
    assert {i.outcome.value for i in entries["JM"].items} == {"unresolved-name"}
    assert result.output.count(b"<role ") == 1  # only Kato's


@pytest.mark.parametrize(
    "tail",
    [
        "Tecchio, M. A. and Teixeira, L. A. J.",
        "Tecchio M. A and Teixeira LAJ",
        "Marco A. Tecchio, Luiz A. J. Teixeira",
        "Tecchio and Teixeira",
        "MAT, LAJT",
    ],
)
def test_names_are_resolved_in_the_forms_publishers_write(tail):
    front = (
        "<contrib-group>"
        + person("Tecchio", "Marco Antonio")
        + person("Teixeira", "Luiz Antonio Junqueira")
        + f'</contrib-group><author-notes><fn fn-type="con"><p>Conceptualization: {tail}.</p></fn></author-notes>'
    )
    entries = by_contributor(enrich(article(front)))
    assert tagged(entries["#1"]) == tagged(entries["#2"]) == ["Conceptualization"]


def test_name_keys_keep_a_surname_with_its_initials():
    assert name_keys("Callili, D., Sanchez, C. A. P. C. and Domingues Neto, F. J") == [
        "Callili, D",
        "Sanchez, C. A. P. C",
        "Domingues Neto, F. J",
    ]
    assert name_keys("HT BAW FP") == ["HT", "BAW", "FP"]
    assert name_keys("Barreto FK, Santos LA e Alcântara LCJ") == ["Barreto FK", "Santos LA", "Alcântara LCJ"]


# --- what an item is ---------------------------------------------------------------------------------


def test_items_split_at_commas_but_not_inside_a_role_or_its_degree():
    assert split_items("Conceptualization (lead, equal), Writing – review & editing; and Software.") == [
        "Conceptualization (lead, equal)",
        "Writing – review & editing",
        "Software",
    ]
    assert len(split_items(", ".join(["Software"] * 10_000))) == MAX_ITEMS + 2  # not cut into 10,000 pieces


def test_a_linked_statement_loses_its_initials_prefix():
    assert linked_items("SKB, Conception and design, Acquisition of data", lambda k: False) == (
        "SKB",
        ["Conception and design", "Acquisition of data"],
    )
    assert linked_items("Analysis, Drafting or revising the article", lambda k: False)[0] is None


def test_colon_parts_end_at_semicolons_when_there_are_any():
    assert colon_parts("Conceptualization: Tecchio, M. A.; Methodology: Callili, D.") == [
        ("Conceptualization", "Tecchio, M. A."),
        ("Methodology", "Callili, D."),
    ]
    assert colon_parts("Data: see https://example.org/x")[0][1] == "see https://example.org/x"


# --- confusables: where nothing may be tagged or written ---------------------------------------------

CONFUSABLE_ITEMS = [
    "Analysis",  # eLife's short item: not Formal analysis
    "Analysis and interpretation of data",
    "Designed the software used in analysis",
    "Acquisition of data",
    "Drafting or revising the article",
    "Data",
    "Writing",
    "Review",
    "Performed the RT-PCR assays",
    "Conceived and designed the experiments",
    "Contributed reagents/materials/analysis tools",
    "Supervisor",
    "Editor",
]


@pytest.mark.parametrize("item", CONFUSABLE_ITEMS)
def test_items_that_are_no_role_are_never_tagged_nor_written(item):
    front = LINKED_LIND
    back = f'<fn-group><fn fn-type="con" id="c1"><p>{item}</p></fn></fn-group>'
    data = article(front, back)
    result = enrich(data, add_roles=True, thresholds={"accept_fuzzy": 0})
    assert result.output == data
    [entry] = result.report.statements
    assert [i.outcome.value for i in entry.items] in (["suggestion"], ["unmatched"])


@pytest.mark.parametrize(
    ("fn", "why"),
    [
        ('<fn fn-type="con"><p>These authors contributed equally to this work</p></fn>', "equal contribution"),
        ('<fn fn-type="conflict"><p>Conceptualization: AL.</p></fn>', "a conflict of interest note"),
        ('<fn fn-type="other"><p>Conceptualization: AL.</p></fn>', "an untyped, untitled note"),
    ],
)
def test_footnotes_that_are_no_statement_of_roles_are_not_read(fn, why):
    front = f"<contrib-group>{person('Lind', 'Astrid')}</contrib-group><author-notes>{fn}</author-notes>"
    result = enrich(article(front), add_roles=True)
    assert result.report.statements == [], why


def test_a_statement_inside_a_citation_is_not_this_articles():
    back = (
        '<ref-list><ref id="r1"><element-citation><person-group><name><surname>Lind</surname></name></person-group>'
        '<comment><fn fn-type="con"><p>Conceptualization: AL.</p></fn></comment></element-citation></ref></ref-list>'
    )
    data = article(f"<contrib-group>{person('Lind', 'Astrid')}</contrib-group>", back)
    assert enrich(data, add_roles=True).report.statements == []


def test_pre_credit_statements_yield_suggestions_only_whatever_the_options():
    data = (STATEMENTS / "plos-pre-credit-1.3.xml").read_bytes()
    for options in ({}, {"add_roles": True}, {"add_roles": True, "thresholds": {"accept_fuzzy": 0}, "upgrade": True}):
        result = enrich(data, **options)
        assert result.output == data, options
        items = [i for s in result.report.statements for i in s.items]
        assert len(items) == 12 and {i.outcome.value for i in items} == {"suggestion"}
        assert all(i.suggestions and "pre-CRediT category" in (i.note or "") for i in items)
        assert not any(i.written for i in items)


# --- finding statements --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("statement", "lang"),
    [
        ('<sec sec-type="author-contributions"><title>Roles</title><p>AL: Conceptualization.</p></sec>', "en"),
        ("<sec><title>Author Contributions</title><p>AL: Conceptualization.</p></sec>", "en"),
        ("<sec><title>Contribuição dos autores</title><p>AL: Conceitualização.</p></sec>", "pt"),
        ("<sec><title>Contribución de los autores</title><p>AL: Conceptualización.</p></sec>", "es"),
        ('<notes notes-type="author-contribution"><p>AL: Conceptualization.</p></notes>', "en"),
        ('<fn-group content-type="author-contributions"><fn><p>AL: Conceptualization.</p></fn></fn-group>', "en"),
        ("<fn-group><title>Authors' contributions</title><fn><p>AL: Conceptualization.</p></fn></fn-group>", "en"),
    ],
)
def test_statements_are_found_by_type_or_title_in_several_languages(statement, lang):
    front = f"<contrib-group>{person('Lind', 'Astrid')}</contrib-group>"
    result = enrich(article(front, statement, lang=lang), add_roles=True)
    [entry] = result.report.statements
    assert entry.layout == "name-keyed" and tagged(entry) == ["Conceptualization"]
    assert b'vocab-term-identifier="' + CREDIT.encode() + b'conceptualization/"' in result.output


def test_statements_of_a_sub_article_are_read_with_its_contributors():
    sub = (
        '<sub-article article-type="reply" id="s1"><front-stub><contrib-group>'
        + person("Berg", "Nils", extra='<xref ref-type="fn" rid="sc1"/>')
        + '</contrib-group><author-notes><fn fn-type="con" id="sc1"><p>Software</p></fn></author-notes>'
        "</front-stub></sub-article>"
    )
    data = article(f"<contrib-group>{person('Lind', 'Astrid')}</contrib-group>").replace(
        b"</article>", sub.encode() + b"</article>"
    )
    result = enrich(data, add_roles=True)
    [entry] = result.report.statements
    assert entry.contributor == "Nils Berg" and entry.resolved_by == "xref"
    assert b"<role " in result.output.split(b"<sub-article")[1]


# --- the eLife fixture: report and --add-roles -----------------------------------------------------------


def test_linked_statements_are_reported_per_contributor():
    entries = by_contributor(enrich(ELIFE.read_bytes()))
    assert tagged(entries["author-1"]) == [
        "Conceptualization",
        "Data curation",
        "Formal analysis",
        "Visualization",
        "Writing – original draft",
    ]
    assert entries["author-1"].items[0].degree == "lead"
    assert entries["author-2"].key == "CO"
    assert [i.outcome.value for i in entries["author-2"].items][-1] == "unmatched"
    assert {i.outcome.value for i in entries["author-3"].items} == {"suggestion"}
    assert entries["author-3"].has_roles and not entries["author-3"].has_identified_roles
    assert [(m.side, m.term.term) for m in entries["author-4"].mismatches] == [
        ("statement-only", "Funding acquisition")
    ]
    assert not any(i.written for s in entries.values() for i in s.items)  # reported, not written, by default


def test_add_roles_inserts_after_the_name_or_last_role_with_the_siblings_indentation():
    original = ELIFE.read_bytes()
    output = enrich(original, add_roles=True).output
    expected_author_1 = (
        b"<name><surname>Lindqvist</surname><given-names>Astrid</given-names></name>\n"
        b'          <role vocab="credit" vocab-identifier="https://credit.niso.org/" vocab-term="Conceptualization" '
        b'vocab-term-identifier="https://credit.niso.org/contributor-roles/conceptualization/" '
        b'degree-contribution="lead">Conceptualization (lead)</role>\n'
        b'          <role vocab="credit" vocab-identifier="https://credit.niso.org/" vocab-term="Data curation" '
    )
    assert expected_author_1 in output
    # after van Dijk's own role nothing: his statement is pre-CRediT; Moreau already has an identified role
    assert output.split(b'id="author-3"')[1].split(b"</contrib>")[0].count(b"<role") == 1
    assert output.split(b'id="author-4"')[1].split(b"</contrib>")[0].count(b"<role") == 1
    assert output.count(b"<role ") - original.count(b"<role ") == 5 + 3
    assert b'<fn fn-type="con" id="con1">' in output  # the statement stays


def test_add_roles_is_idempotent_and_both_engines_write_the_same_bytes():
    first = enrich(ELIFE.read_bytes(), add_roles=True)
    second = enrich(first.output, add_roles=True)
    assert second.output == first.output
    assert not any(i.written for s in second.report.statements for i in s.items)
    assert enrich(ELIFE.read_bytes(), add_roles=True, engine="xslt").output == first.output


def test_a_check_run_writes_nothing_and_marks_nothing_written():
    result = enricher(add_roles=True, write=False).enrich_bytes(ELIFE.read_bytes(), "a.xml")
    assert result.output == ELIFE.read_bytes()
    assert not any(i.written for s in result.report.statements for i in s.items)


@pytest.mark.parametrize(
    ("version", "options", "written"),
    [
        ("1.1", {}, b'<role content-type="https://credit.niso.org/contributor-roles/software/">Software (lead)</role>'),
        ("1.1", {"legacy": "skip"}, None),
        (
            "1.2d1",
            {},
            b'vocab-term-identifier="https://credit.niso.org/contributor-roles/software/">Software (lead)</role>',
        ),
    ],
)
def test_inserted_roles_take_the_form_the_version_declares(version, options, written):
    front = LINKED_LIND
    data = article(front, '<fn-group><fn fn-type="con" id="c1"><p>Software (lead)</p></fn></fn-group>', version)
    output = enrich(data, add_roles=True, **options).output
    if written is None:
        assert output == data
    else:
        assert written in output and b"degree-contribution" not in output


def test_a_contributor_with_no_name_gets_its_roles_at_the_start():
    front = '<contrib-group><contrib contrib-type="author"><xref ref-type="fn" rid="c1"/></contrib></contrib-group>'
    data = article(front, '<fn-group><fn fn-type="con" id="c1"><p>Software</p></fn></fn-group>')
    output = enrich(data, add_roles=True).output
    assert b'<contrib contrib-type="author"><role vocab="credit"' in output
    assert enrich(output, add_roles=True, engine="xslt").output == output


def test_text_that_needs_escaping_is_escaped_and_characters_the_encoding_lacks_are_references():
    front = LINKED_LIND
    back = '<fn-group><fn fn-type="con" id="c1"><p>Writing &#x2013; review &amp; editing</p></fn></fn-group>'
    data = b'<?xml version="1.0" encoding="ISO-8859-1"?>' + article(front, back)
    output = enrich(data, add_roles=True).output
    assert b">Writing &#8211; review &amp; editing</role>" in output
    assert enrich(data, add_roles=True, engine="xslt").output == output


# --- PLOS: roles and a statement keyed by initials ------------------------------------------------------


def test_a_statement_that_agrees_with_the_roles_gives_no_mismatch_and_adds_nothing():
    data = (STATEMENTS / "plos-initials-agree-1.3.xml").read_bytes()
    result = enrich(data, add_roles=True)
    assert len(result.report.statements) == 4
    assert all(s.resolved_by == "initials" and s.has_identified_roles for s in result.report.statements)
    assert [m for s in result.report.statements for m in s.mismatches] == []
    assert result.output.count(b"<role") == data.count(b"<role")  # tagged in place, none inserted


def test_a_statement_that_disagrees_gives_exactly_the_expected_findings():
    result = enrich((STATEMENTS / "plos-initials-disagree-1.3.xml").read_bytes(), add_roles=True)
    found = sorted((s.contributor, m.side, m.term.term) for s in result.report.statements for m in s.mismatches)
    assert found == [
        ("Kenji Kato", "roles-only", "Methodology"),
        ("Kenji Kato", "statement-only", "Writing – original draft"),
    ]
    unresolved = sorted((s.key, s.resolved_by) for s in result.report.statements if s.contributor is None)
    assert unresolved == [("JM", "several contributors: Jun Mori, Jiro Matsuda"), ("ZZ", "no contributor")]


# --- hostile statements --------------------------------------------------------------------------------


def test_a_statement_of_many_parts_and_people_is_read_within_bounds():
    people = "".join(person(f"S{i}", f"G{i}") for i in range(300))
    parts = " ".join(f"Software: {' '.join(f'X{i}Y' for i in range(400))}." for _ in range(300))
    data = article(
        f'<contrib-group>{people}</contrib-group><author-notes><fn fn-type="con"><p>{parts}</p></fn></author-notes>'
    )
    result = enrich(data, add_roles=True, time_limit=20)
    assert result.output == data  # no key fits anyone


def test_the_cli_flag_and_its_help():
    done = subprocess.run(
        [sys.executable, "-m", "jats_enrich", "enrich", "--help"], capture_output=True, text=True, check=True
    )
    assert "--add-roles" in done.stdout


# --- forms met in real statements, each by its mechanism ------------------------------------------------


def shared(statement: str, *people: str, lang: str = "en") -> dict[str | None, StatementReport]:
    front = f"<contrib-group>{''.join(people)}</contrib-group><author-notes>{statement}</author-notes>"
    return by_contributor(enrich(article(front, lang=lang), add_roles=True))


def test_authors_named_by_their_order():
    people = [person("Ames", "Maria"), person("Serafim", "Mauricio"), person("Martins", "Felipe")]
    editor = (
        '<contrib contrib-type="editor"><name><surname>Edit</surname><given-names>Ed</given-names></name></contrib>'
    )
    statement = (
        '<fn fn-type="con"><p>1<sup>st</sup> author: conceptualization (lead); software (equal).</p>'
        "<p>2<sup>nd</sup> author: methodology (supporting).</p><p>Third author: validation.</p>"
        "<p>9th author: investigation.</p></fn>"
    )
    entries = shared(statement, editor, *people)
    assert tagged(entries["#2"]) == ["Conceptualization", "Software"]
    assert [i.degree for i in entries["#2"].items] == ["lead", "equal"]
    assert tagged(entries["#3"]) == ["Methodology"] and tagged(entries["#4"]) == ["Validation"]
    assert entries["9th author"].resolved_by == "no contributor"


def test_a_translations_statement_names_the_translations_contributors():
    sub = (
        '<sub-article article-type="translation" xml:lang="pt" id="s1"><front-stub><contrib-group>'
        + person("Ames", "Maria")
        + '</contrib-group><author-notes><fn fn-type="con"><p>1ª autora: conceituação.</p></fn></author-notes>'
        "</front-stub></sub-article>"
    )
    data = article(f"<contrib-group>{person('Ames', 'Maria')}</contrib-group>").replace(
        b"</article>", sub.encode() + b"</article>"
    )
    [entry] = enrich(data, add_roles=True).report.statements
    assert entry.contributor_id == "#2" and tagged(entry) == ["Conceptualization"]


def test_a_suffix_and_a_particle_among_the_given_names_are_part_of_the_written_name():
    people = [
        '<contrib contrib-type="author"><name><surname>Domingues</surname><given-names>Francisco José</given-names>'
        "<suffix>Neto</suffix></name></contrib>",
        person("Luz", "Gustavo Silveira da"),
    ]
    entries = shared('<fn fn-type="con"><p>Investigation: Domingues Neto, F. J; GSL.</p></fn>', *people)
    assert tagged(entries["#1"]) == tagged(entries["#2"]) == ["Investigation"]


def test_list_items_and_a_heading_paragraph_are_read_as_sentences():
    statement = (
        '<fn fn-type="con"><p><bold>Author Contributions</bold></p><p><list list-type="simple">'
        "<list-item><p><bold>Conceptualization:</bold> AL.</p></list-item>"
        "<list-item><p><bold>Data curation:</bold> AL</p></list-item></list></p></fn>"
    )
    entries = shared(statement, person("Lind", "Astrid"))
    assert tagged(entries["#1"]) == ["Conceptualization", "Data curation"]
    assert entries["#1"].items[0].text == "Conceptualization"


def test_sentences_that_open_with_people_are_read_and_give_suggestions_only():
    people = [person("Dutt", "Amit"), person("Hajnal", "Alex"), person("Corte", "Guilherme N.")]
    statement = (
        '<fn fn-type="con"><p>AD and AH conceived and designed the experiments. AD performed the experiments. '
        "Guilherme N. Corte prepared figures and/or tables, reviewed drafts of the paper. "
        "All authors read and approved the final manuscript.</p></fn>"
    )
    front = f"<contrib-group>{''.join(people)}</contrib-group><author-notes>{statement}</author-notes>"
    data = article(front)
    result = enrich(data, add_roles=True)
    entries = by_contributor(result)
    assert set(entries) == {"#1", "#2", "#3"} and {e.layout for e in entries.values()} == {"name-prose"}
    assert [i.text for i in entries["#1"].items] == [
        "conceived and designed the experiments",
        "performed the experiments",
    ]
    assert [[t.term for t in i.suggestions] for i in entries["#3"].items] == [
        ["Visualization"],
        ["Writing – review & editing"],
    ]
    assert {i.outcome.value for e in entries.values() for i in e.items} == {"suggestion"}
    assert result.output == data


def test_statements_can_be_left_unread_but_not_when_roles_are_to_be_added():
    data = ELIFE.read_bytes()
    assert enrich(data, statements=False).report.statements == []
    assert enrich(data, statements=False).output == data
    added = enrich(data, statements=False, add_roles=True)
    assert added.report.statements and added.output == enrich(data, add_roles=True).output
