"""CSV and SKOS dictionaries, conversion between formats, and one clear error per bad file."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from support import FIXTURES

from jats_enrich.dictionaries import load_dictionary_file, load_vocabulary, writer_for
from jats_enrich.dictionaries.model import TARGET_KINDS, TermStatus
from jats_enrich.errors import DictionaryError

THESAURUS = FIXTURES / "dictionaries" / "open-science-thesaurus.ttl"
TOPICS = FIXTURES / "dictionaries" / "jef-topics.jsonld"
CASRAI = FIXTURES.parent / "vocab" / "casrai.jsonld"
OS = "https://vocab.jats-enrich.test/open-science/"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_skos_labels_languages_deprecation_and_replacement():
    vocabulary = load_dictionary_file(THESAURUS)
    assert vocabulary.identifier == OS
    assert vocabulary.title == "Open science thesaurus (test)"
    oa = vocabulary.term(OS + "open-access")
    assert oa.label == "Open access" and oa.aliases == ("OA",)
    assert oa.translations == {"pt": ("Acesso aberto", "Acesso livre")}
    assert vocabulary.term(OS + "open-data").aliases == ("Open-data",)  # hiddenLabel
    old = vocabulary.term(OS + "data-availability")
    assert old.status is TermStatus.DEPRECATED and old.replaced_by == OS + "data-sharing"


CSV_GOOD = """label,identifier,aliases,status,replaced_by,lang
Open access,https://v.test/oa,OA|Free access,,,
Acesso aberto,https://v.test/oa,Acesso livre,,,pt
Green OA,https://v.test/green,,deprecated,https://v.test/oa,en
"""


def test_csv_rows_aliases_translations_and_status(tmp_path):
    vocabulary = load_dictionary_file(write(tmp_path, "access.csv", CSV_GOOD))
    assert (vocabulary.name, vocabulary.identifier) == ("access", "https://v.test/")
    oa, green = vocabulary.terms
    assert oa.aliases == ("OA", "Free access")
    assert oa.translations == {"pt": ("Acesso aberto", "Acesso livre")}
    assert green.status is TermStatus.DEPRECATED and green.replaced_by == "https://v.test/oa"


@pytest.mark.parametrize("suffix", [".jsonld", ".csv", ".ttl", ".rdf"])
def test_convert_round_trips_every_format(tmp_path, suffix):
    original = load_dictionary_file(THESAURUS)
    path = tmp_path / f"converted{suffix}"
    writer_for(path)(original, path)
    again = load_dictionary_file(path)
    assert again.identifier == original.identifier
    assert [t.model_dump() for t in again.terms] == [t.model_dump() for t in original.terms]


@pytest.mark.parametrize("suffix", [".csv", ".ttl"])
def test_conversion_keeps_what_each_term_is_matched_against_and_says_what_it_cannot_hold(tmp_path, suffix):
    casrai = load_vocabulary("casrai")
    path = tmp_path / f"casrai{suffix}"
    done = subprocess.run(
        [sys.executable, "-m", "jats_enrich", "vocab", "convert", str(CASRAI), str(path)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert f"{path} lacks: " in done.stderr and "uuid (" in done.stderr and "kind (1328 terms)" in done.stderr
    again = load_dictionary_file(path)

    def matched(vocabulary):
        return {t.identifier: [k for k in TARGET_KINDS if vocabulary.applies(t, k)] for t in vocabulary.terms}

    assert matched(again) == matched(casrai)
    assert matched(again)["https://casrai.org/dictionary/term/reviewer-roles-editor"] == ["role"]
    assert matched(again)["https://casrai.org/dictionary/term/book"] == []
    assert {t.identifier: t.broader for t in again.terms} == {t.identifier: t.broader for t in casrai.terms}


def test_a_dictionary_saying_what_some_terms_are_matched_against_still_follows_the_configuration(tmp_path):
    from jats_enrich.config import EnrichOptions
    from jats_enrich.pipeline import Enricher

    roles = write(
        tmp_path,
        "roles.csv",
        "label,identifier,applies_to\nChair,https://v.test/chair,none\nEditor,https://v.test/editor,\n",
    )
    article = (
        b'<article dtd-version="1.3"><front><article-meta><contrib-group><contrib><role>Editor</role>'
        b"<role>Chair</role></contrib></contrib-group></article-meta></front></article>"
    )
    options = EnrichOptions(vocab=(str(roles),), applies_to={"roles": ("role",)})
    found = Enricher(options).enrich_bytes(article).report.findings
    assert [(f.text, f.outcome.value) for f in found] == [("Editor", "tagged"), ("Chair", "unmatched")]


def test_conversion_names_the_vocabulary_fields_a_format_cannot_hold(tmp_path):
    path = tmp_path / "credit.csv"
    done = subprocess.run(
        [sys.executable, "-m", "jats_enrich", "vocab", "convert", str(CASRAI.with_name("credit.jsonld")), str(path)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert "vocabulary deprecated_identifiers" in done.stderr and "vocabulary title" in done.stderr


def test_a_dictionary_without_applies_to_still_follows_the_configuration(tmp_path):
    vocabulary = load_dictionary_file(write(tmp_path, "access.csv", CSV_GOOD))
    assert vocabulary.applies_to == ("keyword", "subject")
    assert all(t.applies_to is None for t in vocabulary.terms)  # an [applies_to] override reaches every term
    roles = vocabulary.model_copy(update={"applies_to": ("role",)})
    assert all(roles.applies(t, "role") for t in roles.terms)


BAD_FILES = [
    # (file name, content, the problem the message must name)
    ("broken.jsonld", '{"@type": "DefinedTermSet", "hasDefinedTerm": [', r"malformed JSON at line 1"),
    (
        "broken.ttl",
        '@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n<urn:a> skos:prefLabel "x" <urn:b> .',
        r"malformed Turtle: at line 2",
    ),
    (
        "dup.jsonld",
        '{"@type": "DefinedTermSet", "identifier": "urn:x", "hasDefinedTerm": ['
        '{"@type": "DefinedTerm", "name": "A", "identifier": "urn:x:1"},'
        '{"@type": "DefinedTerm", "name": "B", "identifier": "urn:x:1"}]}',
        r"duplicate term identifier 'urn:x:1'",
    ),
    (
        "dup.csv",
        "label,identifier\nA,https://v.test/1\nB,https://v.test/1\n",
        r"line 3: duplicate identifier 'https://v\.test/1'",
    ),
    (
        "replaced.jsonld",
        '{"@type": "DefinedTermSet", "identifier": "urn:x", "hasDefinedTerm": ['
        '{"@type": "DefinedTerm", "name": "A", "identifier": "urn:x:1", "replacedBy": "urn:x:9"}]}',
        r"term 'A': replaced_by 'urn:x:9' is not a term of this vocabulary",
    ),
    (
        "replaced.csv",
        "label,identifier,replaced_by\nA,https://v.test/1,https://v.test/9\n",
        r"term 'A': replaced_by 'https://v\.test/9' is not a term",
    ),
    (
        "nolabel.jsonld",
        '{"@type": "DefinedTermSet", "identifier": "urn:x", '
        '"hasDefinedTerm": [{"@type": "DefinedTerm", "identifier": "urn:x:1"}]}',
        r"term #1: field 'name' is missing",
    ),
    ("nolabel.csv", "label,identifier\n,https://v.test/1\n", r"line 2: term 'https://v\.test/1': missing label"),
    (
        "nolabel.ttl",
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n<urn:s> a skos:ConceptScheme . "
        "<urn:s:1> a skos:Concept ; skos:inScheme <urn:s> .",
        r"concept <urn:s:1>: missing label \(no skos:prefLabel\)",
    ),
    ("columns.csv", "name,uri\nA,https://v.test/1\n", r"header has no 'label' column"),
    ("status.csv", "label,identifier,status\nA,https://v.test/1,retired\n", r"term 'A': status 'retired'"),
    (
        "applies.csv",
        "label,identifier,applies_to\nA,https://v.test/1,keyword|roles\n",
        r"line 2: applies_to 'roles' is not one of role, keyword, subject",
    ),
    (
        "applies.ttl",
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n<urn:s> a skos:ConceptScheme . "
        '<urn:s:1> a skos:Concept ; skos:inScheme <urn:s> ; skos:prefLabel "A" ; '
        '<urn:jats-enrich:dictionary:appliesTo> "kwd" .',
        r"concept <urn:s:1>: je:appliesTo 'kwd' is not one of",
    ),
    (
        "noconcept.ttl",
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n<urn:s> a skos:ConceptScheme .",
        r"no skos:Concept in the file",
    ),
]


@pytest.mark.parametrize(("name", "content", "problem"), BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_a_bad_dictionary_gets_one_error_naming_file_term_and_problem(tmp_path, name, content, problem):
    path = write(tmp_path, name, content)
    with pytest.raises(DictionaryError) as error:
        load_dictionary_file(path)
    message = str(error.value)
    assert message.startswith(f"{path}: "), message
    assert re.search(problem, message), message
    assert "\n" not in message
