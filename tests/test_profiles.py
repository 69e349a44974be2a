"""Output profiles on the project's fixtures: the exact form each shipped profile writes, every
profile's form recognised as the same identity under every other (never a conflict), conversion
between profiles and back byte for byte with both engines, a profile file of one's own, and bad
profile files refused with one line naming the file."""

from __future__ import annotations

import itertools
import re
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest
from support import FIXTURES, dtd_errors, needs_shared

from jats_enrich.config import EnrichOptions
from jats_enrich.decide.profiles import SHIPPED_PROFILES, load_profile
from jats_enrich.errors import UsageError
from jats_enrich.pipeline import Enricher

FORMS = FIXTURES / "profiles" / "profile-forms-1.3.xml"
OUP = FIXTURES / "profiles" / "oup.toml"
ARTICLES = [*sorted(FIXTURES.glob("*.xml")), FORMS]
CREDIT = "https://credit.niso.org/contributor-roles/"
ROLE = re.compile(r"<role\b[^>]*>")


@cache
def enricher(profile: str, upgrade: bool = False, engine: str = "lxml") -> Enricher:
    return Enricher(EnrichOptions(profile=profile, upgrade=upgrade, engine=engine))  # type: ignore[arg-type]


def enriched(path: Path, profile: str, upgrade: bool = False, data: bytes | None = None) -> bytes:
    result = enricher(profile, upgrade).enrich_bytes(data if data is not None else path.read_bytes(), path.name)
    assert result.output is not None, result.report.error
    return result.output


def roles(data: bytes) -> list[dict[str, str]]:
    """The attributes of every <role> start tag, in order."""
    return [dict(re.findall(r'([\w:-]+)="([^"]*)"', tag)) for tag in ROLE.findall(data.decode("utf-8"))]


def identified(data: bytes) -> list[dict[str, str]]:
    return [r for r in roles(data) if r.get("vocab-term-identifier", "").startswith(CREDIT)]


def test_each_shipped_profile_writes_its_own_form_on_a_modern_article():
    variants = FIXTURES / "credit-variants-1.3.xml"
    by_profile = {p: identified(enriched(variants, p, upgrade=True)) for p in SHIPPED_PROFILES}
    assert len(by_profile["niso"]) >= 10
    for profile, found in by_profile.items():
        assert len(found) == len(by_profile["niso"]), profile
    niso = by_profile["niso"]
    assert all(r["vocab"] == "credit" and r["vocab-identifier"] == "https://credit.niso.org/" for r in niso)
    assert not any(r.get("content-type", "").startswith(CREDIT) for r in niso)
    atypon = by_profile["atypon"]
    assert all(r["vocab"] == "CRediT" and r["vocab-identifier"] == "http://credit.niso.org/" for r in atypon)
    assert {r["vocab-term"] for r in atypon if r["vocab-term-identifier"].endswith("project-administration/")} == {
        "ProjectAdministration"
    }
    assert {r["vocab-term"] for r in by_profile["jats4r"] if "formal-analysis" in r["vocab-term-identifier"]} == {
        "Formal Analysis"
    }
    # SciELO: the term URI in content-type too, last, unless content-type holds something else
    # ("primary", left as it is); nothing else unlike niso.
    scielo = by_profile["scielo"]
    own = [r for r in scielo if r.get("content-type") != "primary"]
    assert len(own) == len(scielo) - 1
    assert all(r["content-type"] == r["vocab-term-identifier"] and list(r)[-1] == "content-type" for r in own)
    assert [
        {k: v for k, v in r.items() if r[k] != r["vocab-term-identifier"] or k != "content-type"} for r in scielo
    ] == niso


def test_on_a_jats_1_1_article_every_shipped_profile_writes_the_term_uri_into_content_type():
    legacy = FIXTURES / "legacy-1.1.xml"
    outputs = {p: enriched(legacy, p) for p in SHIPPED_PROFILES}
    assert len(set(outputs.values())) == 1  # before JATS 1.2 the four agree: content-type = NISO's term URI
    assert [r.get("content-type", "")[: len(CREDIT)] for r in roles(outputs["niso"])].count(CREDIT) >= 2


# profile-forms-1.3.xml: one role per form (line -> the form it is in).
FORM_LINES = {18: "niso", 20: "atypon", 22: "scielo", 24: "oup", 29: "ojs", 31: "untagged", 33: "other-content-type"}
EXPECTED = {  # profile -> (line -> outcome without upgrade)
    "niso": {18: "already-correct", 20: "deprecated-identifier", 22: "already-correct", 24: "deprecated-identifier"},
    "jats4r": {18: "already-correct", 20: "deprecated-identifier", 22: "already-correct", 24: "deprecated-identifier"},
    "scielo": {18: "tagged", 20: "deprecated-identifier", 22: "already-correct", 24: "deprecated-identifier"},
    "atypon": {18: "deprecated-identifier", 20: "already-correct", 22: "deprecated-identifier"},
    str(OUP): {18: "already-correct", 20: "deprecated-identifier", 22: "already-correct", 24: "already-correct"},
}


@pytest.mark.parametrize("profile", list(EXPECTED), ids=lambda p: Path(p).stem)
def test_every_form_is_read_as_the_same_term_under_every_profile(profile):
    report = enricher(profile).enrich_bytes(FORMS.read_bytes(), FORMS.name).report
    outcomes = {f.line: f.outcome.value for f in report.findings}
    assert set(outcomes) == set(FORM_LINES)
    assert "conflict" not in outcomes.values()  # another consumer's form is never another vocabulary
    for line, outcome in EXPECTED[profile].items():
        assert outcomes[line] == outcome, (line, FORM_LINES[line])
    assert outcomes[29] == "deprecated-identifier"  # OJS's translated vocab-term, under every profile
    assert outcomes[31] == outcomes[33] == "tagged"
    notes = {f.line: f.note or "" for f in report.findings}
    if profile != "atypon":
        assert "the form the atypon profile writes" in notes[20]


def test_a_content_type_that_is_no_identity_is_never_overwritten():
    output = enriched(FORMS, "scielo", upgrade=True)
    validation = [r for r in roles(output) if r.get("vocab-term-identifier", "").endswith("validation/")]
    assert len(validation) == 1 and validation[0]["content-type"] == "primary"


@pytest.mark.parametrize(("a", "b"), list(itertools.permutations([*SHIPPED_PROFILES, str(OUP)], 2)))
def test_upgrade_converts_between_profiles_and_back_byte_for_byte(a, b):
    for path in ARTICLES:
        first = enriched(path, a, upgrade=True)
        assert enriched(path, a, upgrade=True, data=first) == first, path.name  # idempotent
        back = enriched(path, a, upgrade=True, data=enriched(path, b, upgrade=True, data=first))
        assert back == first, (path.name, a, b)


@pytest.mark.parametrize("profile", SHIPPED_PROFILES)
def test_both_engines_write_the_same_bytes_under_every_profile(profile):
    for path in ARTICLES:
        for upgrade in (False, True):
            lxml = enricher(profile, upgrade).enrich_bytes(path.read_bytes(), path.name)
            xslt = enricher(profile, upgrade, "xslt").enrich_bytes(path.read_bytes(), path.name)
            assert xslt.output == lxml.output, (path.name, upgrade)


def test_converting_from_scielo_moves_no_attribute_but_content_type():
    """A role with its identity in content-type before other attributes: scielo keeps the value and
    moves it after them, so that niso can remove it and scielo put it back in the same place."""
    markup = FORMS.read_bytes().replace(
        b'<role content-type="primary">Validation</role>',
        b'<role content-type="https://credit.niso.org/contributor-roles/validation/" specific-use="x">'
        b"Validation</role>",
    )
    first = enriched(FORMS, "scielo", upgrade=True, data=markup)
    assert (
        b'<role specific-use="x" vocab="credit" vocab-identifier="https://credit.niso.org/" vocab-term="Validation" '
        b'vocab-term-identifier="https://credit.niso.org/contributor-roles/validation/" '
        b'content-type="https://credit.niso.org/contributor-roles/validation/">Validation</role>' in first
    )
    niso = enriched(FORMS, "niso", upgrade=True, data=first)
    assert b"content-type=" not in niso.split(b'specific-use="x"')[1].split(b">")[0]
    assert enriched(FORMS, "scielo", upgrade=True, data=niso) == first


@needs_shared
def test_profile_outputs_of_the_fixtures_stay_dtd_valid():
    for profile in SHIPPED_PROFILES:
        output = enriched(FORMS, profile, upgrade=True)
        assert dtd_errors(output) == [], profile


# -- a profile of one's own ----------------------------------------------------------------------


def test_a_profile_file_writes_its_form_and_accepts_what_it_says():
    variants = FIXTURES / "credit-variants-1.3.xml"
    found = identified(enriched(variants, str(OUP), upgrade=True))
    assert found and all(r["vocab-identifier"] == "https://credit.niso.org" for r in found)
    # Without upgrade, the one role already in the niso form stays: the profile accepts it.
    kept = [r for r in identified(enriched(variants, str(OUP))) if r["vocab-identifier"] != "https://credit.niso.org"]
    assert [r["vocab-identifier"] for r in kept] == ["https://credit.niso.org/"]
    drafts = {r["vocab-term"] for r in found if r["vocab-term-identifier"].endswith("writing-original-draft/")}
    assert drafts == {"Writing - original draft"}
    profile = load_profile(str(OUP))
    assert profile.name == "oup" and profile.accepts == ("niso",) and profile.source == str(OUP)


def test_the_cli_lists_and_shows_profiles():
    def vocab(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "jats_enrich", "vocab", "profiles", *args], capture_output=True, text=True
        )

    listed = vocab()
    assert listed.returncode == 0, listed.stderr
    assert [line.split()[0] for line in listed.stdout.splitlines()[1:]] == list(SHIPPED_PROFILES)
    shown = vocab("atypon")
    assert 'vocab="CRediT" vocab-identifier="http://credit.niso.org/"' in shown.stdout
    assert "'ProjectAdministration' for 'Project administration'" in shown.stdout
    assert 'vocab-identifier="https://credit.niso.org"' in vocab(str(OUP)).stdout
    missing = vocab("nope")
    assert missing.returncode == 64 and "no profile 'nope'" in missing.stderr


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name = 'x'\ncontent_type = 'sometimes'\n", "content_type: Input should be 'before-1.2' or 'always'"),
        ("name = 'x'\nvocabs = {}\n", "vocabs: Extra inputs are not permitted"),
        ("name = 'x'\n[vocabularies.credit]\nvocab = ''\n", "vocabularies.credit.vocab: String should have at least"),
        ("name = 'x'\naccepts = ['oup']\n", "accepts 'oup', which is no shipped profile"),
        ("name = 'niso'\n", "name 'niso' is a shipped profile's"),
        ("name = \n", "malformed TOML"),
        ("description = 'no name'\n", "name: Field required"),
    ],
)
def test_a_bad_profile_file_is_one_line_naming_the_file(tmp_path, text, message):
    path = tmp_path / "mine.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(UsageError) as error:
        load_profile(str(path))
    assert str(error.value).startswith(str(path)) and message in str(error.value)
    assert "\n" not in str(error.value)


def test_a_profile_whose_vocabulary_address_is_not_the_vocabularys_is_refused(tmp_path):
    """What it would write could not be read back as CRediT: a second run would see a conflict."""
    path = tmp_path / "wrong.toml"
    path.write_text("name = 'wrong'\n[vocabularies.credit]\nvocab_identifier = 'https://example.org/credit/'\n")
    with pytest.raises(
        UsageError, match=r"wrong.toml: vocabularies.credit.vocab_identifier .* is no address of credit"
    ):
        Enricher(EnrichOptions(profile=str(path)))


def test_the_readmes_profile_example_is_what_the_tool_writes():
    from support import ROOT

    section = (ROOT / "README.md").read_text(encoding="utf-8").split("### Profiles", 1)[1].split("\n### ", 1)[0]
    before, after = re.findall(r"```xml\n(.*?)\n```", section, re.DOTALL)[:2]
    assert before.encode() in FORMS.read_bytes()
    scielo = enriched(FORMS, "scielo", upgrade=True)
    assert after.encode() in scielo
    assert before.encode() in enriched(FORMS, "atypon", upgrade=True, data=scielo)


HERITAGE = FIXTURES / "thesauri" / "heritage-extract.ttl"
KEYWORDS = b"""<article dtd-version="1.3" xml:lang="en"><front><article-meta><kwd-group>
<kwd>amber</kwd><kwd>excavations</kwd></kwd-group></article-meta></front></article>"""


def test_a_profiles_vocabulary_address_never_replaces_another_schemes(tmp_path):
    """In a thesaurus of two schemes, the profile spells the vocabulary's own address; a concept of
    the other scheme keeps its scheme (else its identity would name the wrong scheme)."""
    profile = tmp_path / "heritage.toml"
    profile.write_text(
        "name = 'heritage'\n[vocabularies.heritage-extract]\n"
        "vocab_identifier = 'http://thesaurus.jats-enrich.test/heritage'\n",
        encoding="utf-8",
    )
    options = EnrichOptions(vocab=(str(HERITAGE),), profile=str(profile), cache="off")
    output = Enricher(options).enrich_bytes(KEYWORDS, "k.xml").output
    assert output is not None
    from lxml import etree

    schemes = {
        k.text: k.get("vocab-identifier") or k.getparent().get("vocab-identifier")
        for k in etree.fromstring(output).iter("kwd")
    }
    assert schemes == {
        "amber": "https://thesaurus.jats-enrich.test/materials/",
        "excavations": "http://thesaurus.jats-enrich.test/heritage",
    }
    for again in ("niso", str(profile)):
        report = Enricher(EnrichOptions(vocab=(str(HERITAGE),), profile=again, cache="off")).enrich_bytes(output, "k")
        assert "conflict" not in {f.outcome.value for f in report.report.findings}, again


CONCEPTUALIZATION = "https://credit.niso.org/contributor-roles/conceptualization/"


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ("[vocabularies.credit]\nvocab = 'casrai'\n", "may spell the dictionary's name 'credit' otherwise only in"),
        ("[vocabularies.credit]\nvocab = ' credit '\n", "has white space around it"),
        (f"[vocabularies.credit.vocab_term]\n'{CONCEPTUALIZATION}' = 'Software'\n", "reads as another term, Software"),
        (f"[vocabularies.credit.vocab_term]\n'{CONCEPTUALIZATION}' = 'Curation of data'\n", "as another term, Data"),
        (
            "[vocabularies.credit.vocab_term]\n'http://credit.niso.org/contributor-roles/software/' = 'Code'\n",
            "no term 'http://credit.niso.org/contributor-roles/software/' in credit",
        ),
        ("[vocabularies.CRediT]\nvocab = 'CRediT'\n", "no dictionary of that name; did you mean 'credit'?"),
    ],
)
def test_a_profile_that_would_write_what_no_profile_reads_back_is_refused(tmp_path, table, message):
    from jats_enrich.config import load_settings

    path = tmp_path / "mine.toml"
    path.write_text(f"name = 'mine'\n{table}", encoding="utf-8")
    with pytest.raises(UsageError) as error:
        Enricher(load_settings(overrides={"profile": str(path)}, cwd=tmp_path))
    assert str(path) in str(error.value) and message in str(error.value)


SOFTWARE_URI = b"https://credit.niso.org/contributor-roles/software/"
NAMESPACED = (
    b'<article dtd-version="1.3"><front><article-meta><contrib-group><contrib>\n'
    b'<role vocab="credit" vocab-identifier="https://credit.niso.org/" vocab-term="Software" '
    b'vocab-term-identifier="' + SOFTWARE_URI + b'" content-type="' + SOFTWARE_URI + b'" xmlns:foo="urn:foo">'
    b"Software</role>\n"
    b'<role xmlns:bar="urn:bar">Methodology</role>\n'
    b"</contrib></contrib-group></article-meta></front></article>"
)


@pytest.mark.parametrize("engine", ["lxml", "xslt"])
def test_namespace_declarations_closing_a_tag_stay_last(engine):
    """New attributes go before namespace declarations that end a start tag (where lxml, which
    does not list them, sees the last attribute), so that a profile puts back what another took."""

    def run(profile: str, data: bytes) -> bytes:
        options = EnrichOptions(profile=profile, upgrade=True, engine=engine)  # type: ignore[arg-type]
        output = Enricher(options).enrich_bytes(data, "n.xml").output
        assert output is not None
        return output

    first = run("scielo", NAMESPACED)
    assert b'/methodology/" content-type="https://credit.niso.org/contributor-roles/methodology/" xmlns:bar=' in first
    assert run("scielo", run("niso", first)) == first and run("scielo", first) == first


def test_a_label_that_names_its_own_term_among_others_is_accepted(tmp_path):
    """CASRAI's "Book" is the label of two of its terms: written for its own, it reads as no other."""
    path = tmp_path / "books.toml"
    path.write_text(
        "name = 'books'\n[vocabularies.casrai.vocab_term]\n'https://casrai.org/dictionary/term/book' = 'Book'\n",
        encoding="utf-8",
    )
    Enricher(EnrichOptions(vocab=("credit", "casrai"), profile=str(path)))  # no error
