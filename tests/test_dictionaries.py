"""Dictionary model and JSON-LD loader: shipped dictionaries, the seed page's form, bad files."""

import json
import re

import pytest
from support import SHARED, needs_shared

from jats_enrich.dictionaries import load_dictionary_file, load_vocabulary
from jats_enrich.dictionaries.model import TermStatus
from jats_enrich.errors import DictionaryError

NISO_LABELS = [
    "Conceptualization",
    "Data curation",
    "Formal analysis",
    "Funding acquisition",
    "Investigation",
    "Methodology",
    "Project administration",
    "Resources",
    "Software",
    "Supervision",
    "Validation",
    "Visualization",
    "Writing – original draft",
    "Writing – review & editing",
]


def test_shipped_credit_has_the_14_niso_roles_with_slash_terminated_uris():
    credit = load_vocabulary("credit")
    assert credit.name == "credit"
    assert credit.identifier == "https://credit.niso.org/"
    assert [t.label for t in credit.terms] == NISO_LABELS
    for term in credit.terms:
        assert re.fullmatch(r"https://credit\.niso\.org/contributor-roles/[a-z-]+/", term.identifier)
        assert term.status is TermStatus.STABLE
        assert any(old.startswith("http://credit.niso.org/") for old in term.deprecated_identifiers)
    assert "http://credit.casrai.org/" in credit.deprecated_identifiers


def test_shipped_casrai_holds_the_seed_term():
    casrai = load_vocabulary("casrai")
    term = casrai.term("https://casrai.org/dictionary/term/article-level-metrics")
    assert term is not None
    assert term.label == "Article-level metrics"
    assert set(term.aliases) == {"ALMs", "Article-level indicators"}


def write(tmp_path, data, name="dict.jsonld"):
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


def term(label="Alpha", identifier="urn:x:alpha", **extra):
    return {"@type": "DefinedTerm", "name": label, "identifier": identifier, **extra}


def term_set(*terms, **extra):
    return {"@type": "DefinedTermSet", "identifier": "urn:x", "vocab": "x", "hasDefinedTerm": list(terms), **extra}


def test_defined_term_set_with_translations_aliases_and_deprecation(tmp_path):
    path = write(
        tmp_path,
        term_set(
            term(
                name=[{"@value": "Alpha", "@language": "en"}, {"@value": "Alfa", "@language": "pt-BR"}],
                alternateName=["A", {"@value": "Alpha-Begriff", "@language": "de"}],
                status="deprecated",
                replacedBy="urn:x:beta",
                deprecatedIdentifier="http://old.example/alpha",
            ),
            term("Beta", "urn:x:beta", sameAs=["B", "https://elsewhere.example/beta"]),
        ),
    )
    vocabulary = load_dictionary_file(path)
    alpha, beta = vocabulary.terms
    assert alpha.label == "Alpha"
    assert alpha.translations == {"pt-BR": ("Alfa",), "de": ("Alpha-Begriff",)}  # BCP 47 tags kept as tagged
    assert alpha.aliases == ("A",)
    assert alpha.status is TermStatus.DEPRECATED and alpha.replaced_by == "urn:x:beta"
    assert alpha.deprecated_identifiers == ("http://old.example/alpha",)
    assert beta.aliases == ("B",)
    assert beta.deprecated_identifiers == ("https://elsewhere.example/beta",)


def test_a_list_of_terms_sharing_a_set_is_a_vocabulary(tmp_path):
    shared = {"inDefinedTermSet": "https://example.org/set/"}
    vocabulary = load_dictionary_file(
        write(tmp_path, [term(**shared), term("Beta", "urn:x:beta", **shared)], "mine.jsonld")
    )
    assert vocabulary.name == "mine"
    assert vocabulary.identifier == "https://example.org/set/"


@needs_shared
def test_the_seed_page_json_ld_loads_as_published(tmp_path):
    page = (SHARED / "seed" / "casrai-dictionary-term-page.txt").read_text(encoding="utf-8")
    block = page[page.index('{\n  "@context"') : page.index("}\n", page.index('"license"')) + 1]
    vocabulary = load_dictionary_file(write(tmp_path, block, "seed.jsonld"))
    (seed,) = vocabulary.terms
    assert seed.label == "Article-level metrics"
    assert seed.identifier == "https://casrai.org/dictionary/term/article-level-metrics"
    assert seed.aliases == ("ALMs", "Article-level indicators")
    assert seed.domain == "https://casrai.org/dictionary/domain/responsible-research-assessment/"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('{"@type": "DefinedTermSet", ', r"malformed JSON at line 1, column \d+"),
        (term_set(term(), term("Beta", "urn:x:alpha")), r"duplicate term identifier 'urn:x:alpha'"),
        (term_set(term(replacedBy="urn:x:nowhere")), r"term 'Alpha': replaced_by 'urn:x:nowhere' is not a term"),
        (term_set({"@type": "DefinedTerm", "identifier": "urn:x:a"}), r"term #1: field 'name' is missing"),
        (term_set(term(identifier=None)), r"term #1 \('Alpha'\): field 'identifier' is missing"),
        (term_set(term(label="  ")), r"term #1 \('  '\): field 'label': must not be empty"),
        (term_set(term(status="retired")), r"term #1 \('Alpha'\): field 'status' is 'retired', expected one of"),
        (
            term_set(term(), {"@type": "Thing", "name": "Beta", "identifier": "urn:b"}),
            r"term #2 \('Beta'\): field '@type'",
        ),
        (term_set(term(alternateName=[3])), r"term #1 \('Alpha'\): field 'alternateName' must hold strings"),
        (term_set(), r"field 'hasDefinedTerm' must be a non-empty list"),
        ({"@type": "DefinedTermSet", "hasDefinedTerm": [term()]}, r"DefinedTermSet: field 'identifier' is missing"),
        ([term(), term("Beta", "urn:x:beta")], r"needs one shared 'inDefinedTermSet'"),
        ("42", r"expected a DefinedTermSet object or a list"),
    ],
)
def test_bad_files_get_one_clear_error_naming_file_term_and_field(tmp_path, content, expected):
    path = write(tmp_path, content)
    with pytest.raises(DictionaryError) as error:
        load_dictionary_file(path)
    message = str(error.value)
    assert message.startswith(f"{path}: ")
    assert re.search(expected, message), message
    assert "\n" not in message


def test_not_utf8_unknown_format_and_missing_file(tmp_path):
    latin = tmp_path / "latin.jsonld"
    latin.write_bytes('{"name": "Caf\u00e9"}'.encode("latin-1"))
    with pytest.raises(DictionaryError, match=r"latin\.jsonld: not UTF-8"):
        load_dictionary_file(latin)
    with pytest.raises(DictionaryError, match=r"unknown dictionary format '\.txt'"):
        load_dictionary_file(write(tmp_path, "x", "terms.txt"))
    with pytest.raises(DictionaryError, match=r"no such dictionary file"):
        load_dictionary_file(tmp_path / "missing.jsonld")
    with pytest.raises(DictionaryError, match=r"no shipped dictionary"):
        load_vocabulary("nonesuch")
