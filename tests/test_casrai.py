"""The CASRAI dictionary: importing its Markdown release, the shipped file generated from it, and
what a run matches with it (glossary keywords, output types as subjects, reviewer roles; CRediT
keeps its 14 roles)."""

from __future__ import annotations

import json
import subprocess
import sys
from html import escape
from pathlib import Path

import pytest
from support import FIXTURES, ROOT, SHARED, dtd_errors, needs_shared, only_attributes_added

from jats_enrich.config import EnrichOptions
from jats_enrich.dictionaries import load_dictionary_file, load_vocabulary
from jats_enrich.dictionaries.casrai import TERM_BASE, import_release, slug
from jats_enrich.errors import DictionaryError
from jats_enrich.pipeline import Enricher

RELEASE = SHARED / "casrai-dictionary"
SHIPPED = ROOT / "vocab" / "casrai.jsonld"
SEED_PAGES = ROOT / "vocab" / "sources" / "casrai-term-pages.jsonld"
SENSE = ROOT / "vocab" / "sources" / "casrai-sense.toml"
FIXTURE = FIXTURES / "casrai-dictionary-1.3.xml"
#: The command that generates the shipped file (also in the README).
GENERATE = ["vocab", "import", "casrai", "--no-definitions", "--with-seed", str(SEED_PAGES), "--sense", str(SENSE)]


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "jats_enrich", *args], capture_output=True, text=True)


# --- slugs -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Article-level metrics", "article-level-metrics"),  # the seed page's own identifier
        ("Reviewer Roles/Editor", "reviewer-roles-editor"),
        ("Contributor Roles/Writing – review & editing", "contributor-roles-writing-review-editing"),
        ("Licence Types/CC BY-NC-ND", "licence-types-cc-by-nc-nd"),
        ("CV - Abridged Academic", "cv-abridged-academic"),
        ("Catégorie d'accès", "categorie-d-acces"),
        ("  Post-print. ", "post-print"),
    ],
)
def test_slugs(name, expected):
    assert slug(name) == expected


def test_the_shipped_seed_term_keeps_its_published_identifier():
    casrai = load_vocabulary("casrai")
    term = casrai.term("https://casrai.org/dictionary/term/article-level-metrics")
    assert term is not None and term.label == "Article-level metrics"
    assert term.aliases == ("ALMs", "Article-level indicators")


# --- the importer on a small release written here ----------------------------------------------


def write_release(root: Path) -> Path:
    pages = {
        "Open access glossary/Glossary.md": "# Glossary\n\n* [Embargo](Glossary/Embargo.md)\n",
        "Open access glossary/Glossary/Embargo.md": (
            "# Embargo\n\nA period during which access is not allowed.\n\nLonger prose.\n\n"
            "Synonyms: Closed depository; n/a\n\nAcronym: n/a\n\n"
            "Related Terms: http://dictionary.casrai.org/Date_of_end_of_embargo\n"
        ),
        "Open access glossary/Glossary/Date of end of embargo.md": "# Date of end of embargo\n\nWhen it ends.\n",
        "Open access glossary/Glossary/Empty.md": "#\n",
        "Open access glossary/Glossary/Latin1.md": "# Caf\xe9\n\nNot UTF-8.\n",
        "Picklists/Reviewer Roles.md": (
            "# Reviewer Roles\n## Short definition\nThe role of a reviewer.\n## Type\nLists\n## Base page\n—\n"
            "## Meta title\ncsr:Reviewer Roles\n## UUID\n00000000-0000-4000-8000-000000000001\n"
        ),
        "Picklists/Reviewer Roles/Editor.md": (
            "# Reviewer Roles/Editor\n## Short definition\nCoordinates reviews.\n## Type\nValues\n"
            "## Meta title\ncsr:Reviewer Roles/Editor\n## Research Admin Domain\nTrue\n"
            "## Research Data Domain\nFalse\n## UUID\n00000000-0000-4000-8000-000000000002\n"
        ),
        "Picklists/Reviewer Roles/Chair.md": (
            "# Reviewer Roles/Chair\n## Short definition\nChairs a conference.\n## Type\nValues\n"
            "## Meta title\ncsr:Reviewer Roles/Chair\n"
        ),
        "Picklists/Contributor Roles/Software.md": (
            "# Contributor Roles/Software\n## Short definition\nProgramming.\n## Type\nValues\n"
            "## Meta title\ncsr:Contributor Roles/Software\n"
            "## Canonical URL\nhttps://credit.niso.org/contributor-roles/software/\n"
        ),
        "Objects/Award.md": "# Award\nno sections at all\n",
        "Drafts/Notes.md": "# Notes\n",
    }
    for name, text in pages.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("latin-1" if "Latin1" in name else "utf-8"))
    return root


def test_the_importer_reads_a_release_into_the_dictionary_model(tmp_path):
    result = import_release(write_release(tmp_path))
    casrai = result.vocabulary
    by_slug = {t.identifier.removeprefix(TERM_BASE): t for t in casrai.terms}
    assert set(by_slug) == {
        "embargo",
        "date-of-end-of-embargo",
        "reviewer-roles",
        "reviewer-roles-editor",
        "reviewer-roles-chair",
        "contributor-roles-software",
    }
    embargo = by_slug["embargo"]
    assert embargo.kind == "glossary term"
    assert embargo.aliases == ("Closed depository",)  # "n/a" is no synonym
    assert embargo.definition == "A period during which access is not allowed."
    assert embargo.applies_to == ("keyword", "subject")
    # the old address in a Related Terms line is the older identifier of the page it names
    assert by_slug["date-of-end-of-embargo"].deprecated_identifiers == (
        "http://dictionary.casrai.org/Date_of_end_of_embargo",
    )
    editor = by_slug["reviewer-roles-editor"]
    assert (editor.label, editor.kind, editor.applies_to) == ("Editor", "picklist value", ("role",))
    assert editor.broader == TERM_BASE + "reviewer-roles"
    assert editor.uuid == "00000000-0000-4000-8000-000000000002"
    assert editor.domains == ("research-admin",)
    assert by_slug["reviewer-roles-chair"].applies_to == ()  # a conference's chair, not an article's
    software = by_slug["contributor-roles-software"]
    assert software.canonical == "https://credit.niso.org/contributor-roles/software/"
    assert software.applies_to == ()  # CRediT owns it
    assert by_slug["reviewer-roles"].applies_to == ()  # a list is not a subject
    assert result.counts == {"glossary term": 2, "picklist": 1, "picklist value": 3}

    skipped = {path.relative_to(tmp_path).as_posix(): reason for path, reason in result.skipped}
    assert set(skipped) == {
        "Open access glossary/Glossary.md",
        "Open access glossary/Glossary/Empty.md",
        "Open access glossary/Glossary/Latin1.md",
        "Objects/Award.md",
        "Object-Fields",
        "Templates",
        "Drafts/Notes.md",
    }
    assert "index page" in skipped["Open access glossary/Glossary.md"]
    assert "holds nothing else" in skipped["Open access glossary/Glossary/Empty.md"]
    assert "utf-8" in skipped["Open access glossary/Glossary/Latin1.md"]
    assert "no sections" in skipped["Objects/Award.md"]
    assert "missing" in skipped["Templates"]
    assert "outside the sections" in skipped["Drafts/Notes.md"]


def test_the_import_command_prints_counts_and_every_page_it_did_not_read(tmp_path):
    out = tmp_path / "casrai.jsonld"
    done = cli("vocab", "import", "casrai", str(write_release(tmp_path / "release")), "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert "     2  glossary term" in done.stdout and "     3  picklist value" in done.stdout
    assert "6  terms written to" in done.stdout
    assert "skipped " + str(tmp_path / "release" / "Objects" / "Award.md") + ": no sections" in done.stderr
    assert "7 pages or folders not read" in done.stderr
    imported = load_dictionary_file(out)  # what it writes loads back, definitions included
    embargo = imported.term(TERM_BASE + "embargo")
    assert embargo is not None and embargo.definition == "A period during which access is not allowed."


def test_the_import_command_refuses_a_missing_folder_and_a_wrong_suffix(tmp_path):
    done = cli("vocab", "import", "casrai", str(tmp_path / "nowhere"), "-o", str(tmp_path / "c.jsonld"))
    assert done.returncode == 65 and "no such folder" in done.stderr
    done = cli("vocab", "import", "casrai", str(tmp_path), "-o", str(tmp_path / "c.csv"))
    assert done.returncode == 64 and "*.jsonld" in done.stderr
    assert not (tmp_path / "c.jsonld").exists() and not (tmp_path / "c.csv").exists()


def test_an_empty_release_is_a_dictionary_error(tmp_path):
    (tmp_path / "Objects").mkdir()
    with pytest.raises(DictionaryError, match="no pages"):
        import_release(tmp_path)


# --- the real release --------------------------------------------------------------------------


@needs_shared
def test_every_page_of_the_release_is_read_or_listed_with_a_reason():
    result = import_release(RELEASE)
    # the figures the release's README gives: 123 objects, 1,035 fields, 10 picklists
    assert result.counts["object"] == 123
    assert result.counts["object field"] == 1035
    assert result.counts["picklist"] == 10
    assert result.counts["glossary term"] == 48
    pages = list(RELEASE.rglob("*.md"))
    assert sum(result.counts.values()) + len(result.skipped) == len(pages)
    reasons = {p.relative_to(RELEASE).as_posix(): r for p, r in result.skipped}
    assert reasons == {
        "Open access glossary/Glossary.md": "the glossary's index page: its entries are read from their own pages",
        "Open access glossary/Glossary/Page not found.md": (
            "no title (the page should start with '# Title'); the page holds nothing else"
        ),
        "README.md": reasons["README.md"],
    }
    assert reasons["README.md"].startswith("the release's description, not a term page")


@needs_shared
def test_regenerating_the_shipped_file_gives_it_byte_for_byte(tmp_path):
    out = tmp_path / "casrai.jsonld"
    done = cli(*GENERATE, str(RELEASE), "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert "1035  object field" in done.stdout
    assert out.read_bytes() == SHIPPED.read_bytes()


@needs_shared
def test_the_full_import_keeps_definitions(tmp_path):
    out = tmp_path / "casrai-full.jsonld"
    assert cli("vocab", "import", "casrai", str(RELEASE), "-o", str(out)).returncode == 0
    gold = load_dictionary_file(out).term(TERM_BASE + "gold-open-access")
    assert gold is not None and gold.definition is not None and gold.definition.startswith("The publisher version")


def test_the_shipped_file_has_names_identifiers_and_membership_but_no_definitions():
    data = json.loads(SHIPPED.read_text(encoding="utf-8"))
    assert all("description" not in term for term in data["hasDefinedTerm"])
    casrai = load_vocabulary("casrai")
    assert all(t.identifier.startswith(TERM_BASE) for t in casrai.terms)
    assert all(casrai.term(t.broader) is not None for t in casrai.terms if t.broader)
    uuids = [t.uuid for t in casrai.terms if t.uuid]
    assert len(uuids) == len(set(uuids)) > 1000
    credit = load_vocabulary("credit")
    canonical = [t.canonical for t in casrai.terms if t.canonical]
    # the Contributor Roles list names CRediT itself, its values the 14 CRediT roles, each once
    assert sorted(canonical) == sorted([credit.identifier, *(t.identifier for t in credit.terms)])


# --- using it ----------------------------------------------------------------------------------


def findings(*vocabularies: str, data: bytes | None = None, settings: dict[str, object] | None = None):
    options = EnrichOptions(vocab=vocabularies, **(settings or {}))  # type: ignore[arg-type]
    return Enricher(options).enrich_bytes(data or FIXTURE.read_bytes(), FIXTURE.name)


def test_glossary_keywords_output_types_and_reviewer_roles_are_tagged():
    result = findings("credit", "casrai")
    found = [(f.line, f.element, f.outcome.value, f.vocab, f.term, f.rule) for f in result.report.findings]
    assert found == [
        (13, "subject", "tagged", "casrai", "Book Review", "exact-label"),
        (16, "subject", "unmatched", None, None, None),  # a review article, not the review type "Review"
        (25, "role", "tagged", "credit", "Methodology", "exact-label"),
        (26, "role", "unmatched", None, None, None),  # "Chair": a conference's, not an article's
        (32, "role", "tagged", "casrai", "Editor", "exact-label"),
        (36, "role", "tagged", "casrai", "Reviewer", "exact-label"),
        (42, "kwd", "tagged", "casrai", "Article processing charge", "alias"),  # APC: the acronym
        (43, "kwd", "tagged", "casrai", "Article processing charge", "alias"),  # a synonym
        (44, "kwd", "tagged", "casrai", "Gold open access", "exact-label"),
        (45, "kwd", "tagged", "casrai", "Pre-print", "normalised-label"),
        (46, "kwd", "tagged", "casrai", "Article-level metrics", "exact-label"),
        (47, "kwd", "tagged", "casrai", "Gold open access", "normalised-label"),  # not Pure gold journal's synonym
        (48, "kwd", "ambiguous", None, None, None),  # self-archiving: Deposit or Green open access
        (49, "kwd", "unmatched", None, None, None),  # MR: not Mathematical Reviews
    ]
    by_line = {f.line: f for f in result.report.findings}
    assert by_line[42].identifier == TERM_BASE + "article-processing-charge"
    assert by_line[45].identifier == TERM_BASE + "pre-print"
    assert by_line[32].identifier == TERM_BASE + "reviewer-roles-editor"
    assert "casrai:Deposit" in (by_line[48].note or "") and "casrai:Green open access" in (by_line[48].note or "")
    out = result.output.decode()
    assert (
        '<kwd vocab="casrai" vocab-identifier="https://casrai.org/dictionary/" vocab-term="Pre-print" '
        f'vocab-term-identifier="{TERM_BASE}pre-print">pre-print</kwd>' in out
    )
    assert '<role vocab="casrai" vocab-identifier="https://casrai.org/dictionary/" vocab-term="Editor"' in out
    assert only_attributes_added(result.output, FIXTURE.read_bytes())


@needs_shared
def test_the_enriched_fixture_is_valid_against_its_dtd():
    result = findings("credit", "casrai")
    assert dtd_errors(FIXTURE.read_bytes()) == []
    assert dtd_errors(result.output) == []


@pytest.mark.parametrize(
    ("keyword", "rule", "label"),
    [
        ("APC", "[alias]", "Article processing charge"),
        ("Article Processing Fee", "[alias]", "Article processing charge"),
        ("Gold open access", "[exact-label]", "Gold open access"),
        ("pre-print", "[normalised-label]", "Pre-print"),
        ("Article-level metrics", "[exact-label]", "Article-level metrics"),
    ],
)
def test_vocab_show_explains_each_keyword_match(keyword, rule, label):
    done = cli("vocab", "show", keyword, "--vocab", "casrai", "--target", "keyword")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith(repr(keyword)) and lines[0].endswith(f"{rule}:")
    assert lines[1] == label
    assert f"  identifier:  {TERM_BASE}{slug(label)}" in lines
    assert "  matched to:  keyword, subject" in lines


def test_credit_keeps_its_fourteen_roles():
    credit = load_vocabulary("credit")
    roles = "".join(f"<contrib><role>{escape(t.label)}</role></contrib>" for t in credit.terms)
    meta = f"<article-meta><contrib-group>{roles}</contrib-group></article-meta>"
    article = f'<article dtd-version="1.3"><front>{meta}</front></article>'
    with_both = findings("casrai", "credit", data=article.encode())
    assert with_both.report.error is None
    assert [(f.outcome.value, f.vocab) for f in with_both.report.findings] == [("tagged", "credit")] * 14
    alone = findings("casrai", data=article.encode())  # CASRAI's entries defer to CRediT: never tagged casrai
    assert {f.outcome.value for f in alone.report.findings} == {"unmatched"}


def test_a_run_can_keep_casrai_off_roles():
    result = findings("credit", "casrai", settings={"applies_to": {"casrai": ("keyword", "subject")}})
    by_line = {f.line: f for f in result.report.findings}
    assert by_line[32].outcome.value == "unmatched"  # Editor
    assert by_line[44].outcome.value == "tagged"  # Gold open access


def test_an_old_casrai_address_is_recognised_as_an_older_identifier():
    done = cli("vocab", "show", "http://dictionary.casrai.org/Journal_Article", "--vocab", "casrai")
    assert done.returncode == 0, done.stderr
    assert "is an older form of its identifier" in done.stdout
    assert f"identifier:  {TERM_BASE}journal-article" in done.stdout


# --- what a review of the import found -----------------------------------------------------------


def keywords_article(*keywords: str, subjects: str = "") -> bytes:
    kwds = "".join(f"<kwd>{k}</kwd>" for k in keywords)
    meta = f"<article-categories>{subjects}</article-categories>" if subjects else ""
    body = f"<article-meta>{meta}<kwd-group>{kwds}</kwd-group></article-meta>"
    return f'<article dtd-version="1.3"><front>{body}</front></article>'.encode()


def test_an_ordinary_name_is_withheld_unless_the_article_is_about_scholarly_publishing():
    # The eLife case: "APC" among cancer keywords is the gene, not an article processing charge.
    alone = findings("casrai", data=keywords_article("APC", "Colorectal cancer", "Embargo"))
    apc, _, embargo = alone.report.findings
    assert (apc.outcome.value, apc.vocab, apc.term) == ("withheld", "casrai", "Article processing charge")
    assert apc.evidence == [] and "'APC' also means other things outside scholarly publishing" in (apc.note or "")
    assert embargo.outcome.value == "withheld"
    assert b"vocab" not in alone.output
    # A distinctive name ("Green open access") stands alone, and shows the article is about open access.
    context = findings("casrai", data=keywords_article("APC", "Embargo", "Green open access"))
    assert [f.outcome.value for f in context.report.findings] == ["tagged"] * 3
    apc, embargo, green = context.report.findings
    assert [(e.source, e.text) for e in green.evidence] == [("name", "Green open access")]
    assert [(e.source, e.text) for e in apc.evidence] == [("keyword", "Green open access")]


def test_one_ordinary_match_never_vouches_for_another():
    # "Free access" (to screening) is an ordinary phrase of the glossary: before, any match of
    # several words corroborated "APC".
    result = findings("casrai", data=keywords_article("APC", "Free access", "Colorectal cancer"))
    assert [f.outcome.value for f in result.report.findings] == ["withheld", "withheld", "unmatched"]


def test_a_dictionary_without_a_sense_gate_tags_single_words_alone(tmp_path):
    topics = FIXTURES / "dictionaries" / "jef-topics.jsonld"
    result = findings(str(topics), data=keywords_article("Altmetrics", "Peer review"))
    assert load_dictionary_file(topics).sense is None
    assert result.report.findings[1].outcome.value == "tagged"


def test_output_types_match_only_in_groups_that_say_what_sort_of_article_it_is():
    heading = '<subj-group subj-group-type="heading"><subject>Translation</subject></subj-group>'
    discipline = '<subj-group subj-group-type="Discipline-v3"><subject>Translation</subject></subj-group>'
    nested = (
        '<subj-group subj-group-type="display-channel"><subject>Research</subject>'
        "<subj-group><subject>Book Review</subject></subj-group></subj-group>"
    )
    result = findings("casrai", data=keywords_article("Gold open access", subjects=heading + discipline + nested))
    by_text = [(f.text, f.outcome.value, f.identifier) for f in result.report.findings if f.element == "subject"]
    assert by_text == [
        ("Translation", "tagged", TERM_BASE + "output-types-translation"),
        ("Translation", "unmatched", None),  # molecular biology, among a discipline's subjects
        ("Research", "unmatched", None),
        ("Book Review", "tagged", TERM_BASE + "output-types-book-review"),  # its nearest typed group counts
    ]
    keyword = findings("casrai", data=keywords_article("Translation", "Gold open access"))
    assert keyword.report.findings[0].outcome.value == "unmatched"


def test_synonyms_are_split_as_written_and_a_synonym_that_is_another_label_is_left_to_it(tmp_path):
    from jats_enrich.dictionaries.casrai import _names

    assert _names("Bar (A, B); e.g. Baz; —; Dr. Qux") == ["Bar", "e.g. Baz", "Dr. Qux"]
    assert _names("Author's Accepted Manuscript. Author Final Version") == [
        "Author's Accepted Manuscript",
        "Author Final Version",
    ]
    assert _names("FO (Foo Org), -, n/a") == ["FO"]
    casrai = load_vocabulary("casrai")
    post_print = casrai.term(TERM_BASE + "post-print")
    pure_gold = casrai.term(TERM_BASE + "pure-gold-journal")
    assert post_print is not None and "Author's Accepted Manuscript" not in post_print.aliases  # a term's own label
    assert pure_gold is not None and pure_gold.aliases == ("born OA",)  # not "gold open access"


def test_nothing_matches_an_empty_key(tmp_path):
    dictionary = tmp_path / "dashes.csv"
    dictionary.write_text("label,identifier,aliases\nDash,https://v.test/dash,-|—\n")
    result = findings(str(dictionary), data=keywords_article("-", "—", ""))
    assert {f.outcome.value for f in result.report.findings} == {"unmatched"}


def test_pages_without_a_usable_or_with_a_shared_identifier_are_listed_not_numbered_first_come(tmp_path):
    glossary = tmp_path / "Open access glossary" / "Glossary"
    glossary.mkdir(parents=True)
    (glossary / "Kanji.md").write_text("# 日本\n\nA page whose name has no Latin letter.\n", encoding="utf-8")
    (glossary / "Résumé.md").write_text("# Résumé\n\nOne.\n", encoding="utf-8")
    (glossary / "Resume.md").write_text("# Resume\n\nOther.\n\nRelated Terms: <http://dictionary.casrai.org/Nowhere>\n")
    (glossary / "Embargo.md").write_text("# Embargo\n\nKept.\n")
    result = import_release(tmp_path)
    assert [t.label for t in result.vocabulary.terms] == ["Embargo"]
    reasons = {p.name: r for p, r in result.skipped}
    assert "no letter or digit" in reasons["Kanji.md"]
    assert "given to neither" in reasons["Resume.md"] and "given to neither" in reasons["Résumé.md"]
    assert result.unresolved == ["http://dictionary.casrai.org/Nowhere"]  # the '>' is not part of it


def test_a_vocabulary_copied_with_other_terms_finds_them():
    casrai = load_vocabulary("casrai")
    first = casrai.terms[0]
    assert casrai.term(first.identifier) is first  # the index is built
    extra = first.model_copy(update={"identifier": TERM_BASE + "extra", "label": "Extra"})
    assert casrai.with_terms((*casrai.terms, extra)).term(TERM_BASE + "extra") == extra


def test_a_degree_is_written_only_for_a_vocabulary_that_has_degrees():
    roles = "".join(
        f"<contrib><role>{r}</role></contrib>" for r in ("Reviewer (lead)", "Editor (supporting)", "Software (lead)")
    )
    meta = f"<article-meta><contrib-group>{roles}</contrib-group></article-meta>"
    article = f'<article dtd-version="1.3"><front>{meta}</front></article>'
    result = findings("credit", "casrai", data=article.encode())
    reviewer, editor, software = result.report.findings
    assert (reviewer.outcome.value, reviewer.term, reviewer.degree) == ("tagged", "Reviewer", None)
    assert "'(lead)' gives a degree, but casrai:Reviewer takes none" in (reviewer.note or "")
    assert (editor.term, editor.degree) == ("Editor", None)
    assert (software.vocab, software.degree) == ("credit", "lead")  # CRediT's terms take a degree
    assert result.output.count(b"degree-contribution") == 1
    assert load_vocabulary("credit").takes_degree and not load_vocabulary("casrai").takes_degree
