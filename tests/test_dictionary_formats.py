"""CSV and SKOS dictionaries, conversion between formats, and one clear error per bad file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from support import FIXTURES

from jats_enrich.dictionaries import load_dictionary_file, writer_for
from jats_enrich.errors import DictionaryError
from jats_enrich.vocabulary import TermStatus

THESAURUS = FIXTURES / "dictionaries" / "open-science-thesaurus.ttl"
TOPICS = FIXTURES / "dictionaries" / "jef-topics.jsonld"
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
        "replaced.ttl",
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> . @prefix dct: <http://purl.org/dc/terms/> .\n"
        '<urn:s> a skos:ConceptScheme . <urn:s:1> a skos:Concept ; skos:inScheme <urn:s> ; skos:prefLabel "A"@en ;'
        " dct:isReplacedBy <urn:s:9> .",
        r"term 'A': replaced_by 'urn:s:9' is not a term",
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
        "noscheme.ttl",
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n<urn:s:1> a skos:Concept .",
        r"one skos:ConceptScheme",
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
