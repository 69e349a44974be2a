"""Role strings real articles use beyond the published labels: translations in 39 languages,
another language's 'and', a label's words in another order, closed compounds, and roles read
beside their parallel in a translation of the article. Each rule comes with the texts where it
must not fire."""

from __future__ import annotations

import json
import subprocess
import sys
from xml.sax.saxutils import escape

import pytest
from support import ROOT, SHARED, needs_shared

from jats_enrich.config import EnrichOptions, Thresholds
from jats_enrich.dictionaries import load_vocabulary
from jats_enrich.dictionaries.credit_translations import BCP47, name_forms, read_collection
from jats_enrich.pipeline import Enricher

TRANSLATIONS = SHARED / "credit-translation"
SHIPPED = ROOT / "vocab" / "credit.jsonld"
BASE = ROOT / "vocab" / "sources" / "credit.jsonld"


def roles_article(*roles: str, lang: str = "en") -> bytes:
    contribs = "".join(f"<contrib><role>{escape(r)}</role></contrib>" for r in roles)
    meta = f"<article-meta><contrib-group>{contribs}</contrib-group></article-meta>"
    return f'<article dtd-version="1.3" xml:lang="{lang}"><front>{meta}</front></article>'.encode()


def read(*roles: str, lang: str = "en", vocabularies: tuple[str, ...] = ("credit",)) -> list[tuple[str, str | None]]:
    result = Enricher(EnrichOptions(vocab=vocabularies)).enrich_bytes(roles_article(*roles, lang=lang))
    assert result.report.error is None
    return [(f.outcome.value, f.term) for f in result.report.findings]


# --- 39 languages --------------------------------------------------------------------------------


def test_the_shipped_dictionary_has_the_community_translations_with_their_credit():
    credit = load_vocabulary("credit")
    languages = {s.language for s in credit.translation_sources}
    assert len(languages) == 38  # 39 files, English among them
    assert {"cs", "da", "el", "it", "sw", "vi", "nb", "nn", "sr-Cyrl", "sr-Latn", "zh-Hans", "zh-Hant"} <= languages
    assert not {"cz", "dk", "gr", "ita", "swa", "vie", "no", "nob"} & languages  # no code of the files' own
    pt = next(s for s in credit.translation_sources if s.language == "pt")
    assert "Pietro" in pt.attribution and "Brand, Allen, Altman, Hlava, & Scott" in pt.attribution
    assert pt.license == "https://creativecommons.org/licenses/by/4.0/"
    software = next(t for t in credit.terms if t.label == "Software")
    assert "programas de computador" in software.translations["pt"]  # "Software/programas de computador"


@needs_shared
def test_regenerating_the_shipped_credit_dictionary_gives_it_byte_for_byte(tmp_path):
    out = tmp_path / "credit.jsonld"
    command = ["vocab", "import", "credit-translations", str(TRANSLATIONS), "--base", str(BASE), "-o", str(out)]
    done = subprocess.run([sys.executable, "-m", "jats_enrich", *command], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "39  languages written" in done.stdout
    assert out.read_bytes() == SHIPPED.read_bytes()


@needs_shared
def test_every_non_bcp47_code_is_mapped_as_its_file_says():
    files = {f.path.name: f for f in read_collection(TRANSLATIONS)}
    for file_name, tag in [
        ("cz_Latn.json", "cs"),
        ("dk_Latn.json", "da"),
        ("gr_Grek.json", "el"),
        ("it_Latn.json", "it"),
        ("sw_Latn.json", "sw"),
        ("vi_Latn.json", "vi"),
        ("nob_Latn.json", "nb"),
        ("nno_Latn.json", "nn"),
    ]:
        assert files[file_name].tag == tag
        meta = json.loads(files[file_name].path.read_text(encoding="utf-8"))["metadata"]
        assert BCP47.get(meta["languageCode"], meta["languageCode"]) == tag
    assert "Nynorsk" in files["nno_Latn.json"].name and "Bokmål" in files["nob_Latn.json"].name


def test_name_forms_split_alternatives_drop_brackets_and_fix_latin_letters_in_cyrillic():
    assert name_forms("Konceptualizáció / Ötletelés") == [
        "Konceptualizáció / Ötletelés",
        "Konceptualizáció",
        "Ötletelés",
    ]
    assert name_forms("Logiciel(s)") == ["Logiciel(s)", "Logiciel"]
    assert name_forms("Kонцептуалізація") == ["Концептуалізація"]  # a Latin K typed in a Cyrillic word


@pytest.mark.parametrize(
    ("text", "lang", "term"),
    [
        ("Konceptualizace", "cs", "Conceptualization"),
        ("Formalna analiza", "pl", "Formal analysis"),
        ("Programvare", "no", "Software"),  # Norwegian as 'no': Bokmål and Nynorsk labels
        ("Visualisering", "nb", "Visualization"),
        ("Konceptualisering", "sv", "Conceptualization"),  # the file's label has soft hyphens
        ("Писање – провера и редиговање", "sr", "Writing – review & editing"),
        ("撰寫 - 評論和編輯", "zh-Hant", "Writing – review & editing"),
        ("Conceitualização", "en", "Conceptualization"),  # a Portuguese label in an English-tagged article
        ("Recursos (igual)", "en", "Resources"),
    ],
)
def test_a_translation_is_read_in_its_language_and_in_any_when_it_names_one_term(text, lang, term):
    assert read(text, lang=lang) == [("tagged", term)]


def test_a_keyword_of_a_stated_language_is_still_read_only_in_it(tmp_path):
    # "Gift" is German for poison and English for a present: a keyword's language decides.
    thesaurus = tmp_path / "t.csv"
    rows = "Poison,https://t.example/1,en\nGift,https://t.example/1,de\n"
    thesaurus.write_text(f"label,identifier,lang\n{rows}", encoding="utf-8")
    kwd = '<kwd-group xml:lang="en"><kwd>Gift</kwd></kwd-group>'
    article = f'<article dtd-version="1.3"><front><article-meta>{kwd}</article-meta></front></article>'
    result = Enricher(EnrichOptions(vocab=(str(thesaurus),))).enrich_bytes(article.encode())
    assert result.report.findings[0].outcome.value != "tagged"


# --- variants ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "lang", "term"),
    [
        ("rascunho original – escrita", "pt", "Writing – original draft"),  # word order
        ("Rascunho original - escrita (líder)", "pt", "Writing – original draft"),
        ("Original draft writing", "en", "Writing – original draft"),
        ("Writing – review e editing", "en", "Writing – review & editing"),  # a Portuguese 'e' in English text
        ("writing – review y editing", None, "Writing – review & editing"),
        ("Writing - review og editing", "en", "Writing – review & editing"),
        ("Curadoria dos dados", "pt", "Data curation"),  # another article or preposition
        ("Conceptualização", "pt", "Conceptualization"),  # another noun of the same action
        ("Supervisionamento", "pt", "Supervision"),
        ("Obtenção de financiamentos (líder)", "pt", "Funding acquisition"),
    ],
)
def test_a_role_label_in_another_order_or_with_another_languages_and(text, lang, term):
    assert read(text, lang=lang or "") == [("tagged", term)]


@pytest.mark.parametrize(
    "text",
    [
        "Writing group",  # a sub-group of a group author
        "Editing group",
        "Review writing",  # not "Writing – review & editing": no editing
        "Editing review writing",  # the '&' is missing: not the same words
        "Analysis data",
        "Draft",
        "Writing – review e translation",
        "Supervisor",  # a position, not the activity
        "Investigator",
        "Investing",  # shares a beginning with Investigation, not its action
        "Investimento",  # investment
        "Investigador",
        "Análise dos dados",  # data analysis: free wording, not a label
        "Administração da pesquisa",
        "Reviewing Editor",
        "Original Article",
    ],
)
def test_variants_do_not_fire_on_what_is_no_crediT_role(text):
    assert read(text)[0][0] != "tagged"


def test_a_closed_compound_matches_its_hyphenated_label_but_only_that():
    article = (
        '<article dtd-version="1.3"><front><article-meta><title-group><article-title>Preprint servers in '
        "scholarly communication</article-title></title-group><kwd-group><kwd>Preprint</kwd><kwd>Postprint</kwd>"
        "<kwd>Pre print</kwd><kwd>Reprint</kwd></kwd-group></article-meta></front></article>"
    )
    result = Enricher(EnrichOptions(vocab=("casrai",))).enrich_bytes(article.encode())
    assert [(f.outcome.value, f.term, f.rule) for f in result.report.findings] == [
        ("tagged", "Pre-print", "normalised-label"),
        ("tagged", "Post-print", "normalised-label"),
        ("tagged", "Pre-print", "normalised-label"),
        ("unmatched", None, None),
    ]


# --- near misses ---------------------------------------------------------------------------------


def test_near_misses_say_every_word_of_their_label_and_a_hundred_says_why():
    result = Enricher(EnrichOptions(vocab=("credit",))).enrich_bytes(
        roles_article("Reviewing Editor", "Methodolgy", "Data analysis", lang="en")
    )
    reviewing, typo, analysis = result.report.findings
    assert reviewing.suggestions == []  # not "Writing – review & editing": it says no writing
    assert [(s.term, s.score) for s in typo.suggestions][:1] == [("Methodology", 95.2)]
    assert analysis.suggestions == []  # not "Formal analysis"
    heading = '<subj-group subj-group-type="heading"><subject>Research Article</subject></subj-group>'
    discipline = '<subj-group subj-group-type="Discipline-v3"><subject>Patients</subject></subj-group>'
    keywords = "<kwd-group><kwd>Apc</kwd></kwd-group>"
    meta = f"<article-meta><article-categories>{heading}{discipline}</article-categories>{keywords}</article-meta>"
    article = f'<article dtd-version="1.3"><front>{meta}</front></article>'.encode()
    found = Enricher(EnrichOptions(vocab=("casrai",), sense_gate=False)).enrich_bytes(article).report.findings
    research, patients, apc = found
    assert research.suggestions == []  # not the output type "Newspaper Article"
    assert patients.suggestions == []  # not the output type "Patent", which no discipline group can hold
    assert apc.suggestions[0].score == 100 and "acronym" in (apc.suggestions[0].why or "")


# --- roles beside their parallel in a translation ------------------------------------------------


def bilingual(main: list[list[str]], translated: list[list[str]], names: bool = True) -> bytes:
    def contribs(lists: list[list[str]]) -> str:
        out = []
        for i, roles in enumerate(lists):
            name = f"<name><surname>Silva{i}</surname><given-names>Ana</given-names></name>" if names else ""
            out.append(f"<contrib>{name}{''.join(f'<role>{escape(r)}</role>' for r in roles)}</contrib>")
        return f"<contrib-group>{''.join(out)}</contrib-group>"

    sub = (
        f'<sub-article article-type="translation" xml:lang="en"><front-stub>{contribs(translated)}</front-stub>'
        "</sub-article>"
    )
    return (
        f'<article dtd-version="1.3" xml:lang="pt"><front><article-meta>{contribs(main)}</article-meta></front>'
        f"{sub}</article>"
    ).encode()


def outcomes_of(data: bytes) -> list[tuple[str, str, str | None, str | None]]:
    result = Enricher().enrich_bytes(data)
    assert result.report.error is None
    return [(f.text, f.outcome.value, f.term, f.rule) for f in result.report.findings]


def test_an_unread_role_is_tagged_from_its_parallel_when_the_lists_agree():
    main = [["Conceitualização", "Obtenção de recursos financeiros (igual)"], ["Investigação", "Análise formal"]]
    translated = [["Conceptualization", "Funding acquisition"], ["Research", "Formal analysis"]]
    found = outcomes_of(bilingual(main, translated))
    assert ("Obtenção de recursos financeiros (igual)", "tagged", "Funding acquisition", "aligned") in found
    assert ("Research", "tagged", "Investigation", "aligned") in found
    result = Enricher().enrich_bytes(bilingual(main, translated))
    funding = next(f for f in result.report.findings if f.text.startswith("Obtenção"))
    assert funding.degree == "equal" and "parallel 'Funding acquisition'" in (funding.note or "")


def test_no_alignment_when_the_lists_disagree_or_do_not_pair_up():
    translated = [["Conceptualization", "Funding acquisition"], ["Research", "Formal analysis"]]
    # one pair disagrees (Visualização beside Conceptualization): the order is not the same
    disagreeing = [["Visualização", "Obtenção de recursos financeiros"], ["Investigação", "Análise formal"]]
    assert all(rule != "aligned" for *_, rule in outcomes_of(bilingual(disagreeing, translated)))
    # a contributor with another number of roles: its roles are not paired, and too few others agree
    uneven = [["Conceitualização", "Obtenção de recursos financeiros", "Supervisão"], ["Investigação"]]
    assert all(rule != "aligned" for *_, rule in outcomes_of(bilingual(uneven, translated)))
    # different numbers of unnamed contributors: no pairing at all
    short = [["Conceitualização", "Obtenção de recursos financeiros"]]
    assert all(rule != "aligned" for *_, rule in outcomes_of(bilingual(short, translated, names=False)))
    # a parallel that itself was not read teaches nothing
    both_unread = [["Conceitualização", "Captação de verbas"], ["Investigação", "Análise formal"]]
    unread = [["Conceptualization", "Money raising"], ["Research", "Formal analysis"]]
    found = {text: (outcome, rule) for text, outcome, _term, rule in outcomes_of(bilingual(both_unread, unread))}
    assert found["Captação de verbas"] == found["Money raising"] == ("unmatched", None)
    assert found["Research"] == ("tagged", "aligned")  # beside Investigação, with two agreeing pairs


def test_only_a_translation_sub_article_is_a_parallel():
    data = bilingual(
        [["Conceitualização", "Redação"], ["Investigação", "Análise formal"]],
        [
            ["Conceptualization", "Writing – original draft"],
            ["Investigation", "Formal analysis"],
        ],
    ).replace(b'article-type="translation"', b'article-type="reviewer-report"')
    assert all(rule != "aligned" for *_, rule in outcomes_of(data))


def test_no_alignment_from_a_contributor_whose_roles_are_in_another_order():
    # Ana: Pesquisa beside Methodology, Metodologia beside Research: her own pairs prove nothing
    main = [["Pesquisa", "Metodologia"], ["Conceitualização", "Supervisão", "Software"]]
    translated = [["Methodology", "Research"], ["Conceptualization", "Supervision", "Software"]]
    found = {text: (outcome, rule) for text, outcome, _, rule in outcomes_of(bilingual(main, translated))}
    assert found["Pesquisa"] == ("unmatched", None) and found["Research"] == ("unmatched", None)


def test_one_unnamed_contributor_does_not_pair_named_ones_by_position():
    def contrib(name: str | None, *roles: str) -> str:
        named = (
            f"<name><surname>{name}</surname><given-names>A</given-names></name>" if name else "<collab>Group</collab>"
        )
        return f"<contrib>{named}{''.join(f'<role>{r}</role>' for r in roles)}</contrib>"

    main = contrib(None, "Software") + contrib("Lima", "Pesquisa", "Supervisão") + contrib("Reis", "Metodologia")
    translated = contrib(None, "Software") + contrib("Reis", "Methodology") + contrib("Lima", "Research", "Supervision")
    data = (
        f'<article dtd-version="1.3" xml:lang="pt"><front><article-meta><contrib-group>{main}</contrib-group>'
        f'</article-meta></front><sub-article article-type="translation" xml:lang="en"><front-stub><contrib-group>'
        f"{translated}</contrib-group></front-stub></sub-article></article>"
    ).encode()
    assert all(rule != "aligned" or term == "Investigation" for _, _, term, rule in outcomes_of(data))


def test_translations_that_disagree_align_nothing():
    main = [["Pesquisa", "Análise formal"], ["Conceitualização", "Supervisão"]]
    data = bilingual(main, [["Research", "Formal analysis"], ["Conceptualization", "Supervision"]])
    spanish = (
        '<sub-article article-type="translation" xml:lang="es"><front-stub><contrib-group>'
        "<contrib><name><surname>Silva0</surname><given-names>Ana</given-names></name><role>Metodología</role>"
        "<role>Análisis formal</role></contrib><contrib><name><surname>Silva1</surname><given-names>Ana</given-names>"
        "</name><role>Conceptualización</role><role>Supervisión</role></contrib></contrib-group></front-stub>"
        "</sub-article>"
    )
    data = data.replace(b"</article>", spanish.encode() + b"</article>")
    found = {text: outcome for text, outcome, _, _ in outcomes_of(data)}
    assert found["Pesquisa"] == "unmatched"  # the English says nothing, the Spanish says Methodology


def test_a_degree_in_other_case_that_the_text_contradicts_is_not_rewritten():

    attributes = (
        'vocab="credit" vocab-identifier="https://credit.niso.org/" vocab-term="Investigation" '
        'vocab-term-identifier="https://credit.niso.org/contributor-roles/investigation/"'
    )
    role = f'<contrib><role {attributes} degree-contribution="LEAD">Investigation (supporting)</role></contrib>'
    meta = f"<article-meta><contrib-group>{role}</contrib-group></article-meta>"
    article = f'<article dtd-version="1.3"><front>{meta}</front></article>'
    result = Enricher(EnrichOptions(upgrade=True)).enrich_bytes(article.encode())
    assert b'degree-contribution="LEAD"' in result.output
    assert "the text says supporting" in (result.report.findings[0].note or "")


def test_accept_fuzzy_never_applies_a_near_miss_a_rule_set_aside():

    data = (
        b'<article dtd-version="1.3"><front><article-meta><kwd-group><kwd>Apc</kwd><kwd>Alms</kwd>'
        b"<kwd>Gold open access</kwd></kwd-group></article-meta></front></article>"
    )
    options = EnrichOptions(vocab=("casrai",), thresholds=Thresholds(accept_fuzzy=90))
    apc, alms, _ = Enricher(options).enrich_bytes(data).report.findings
    assert apc.outcome.value != "tagged" and alms.outcome.value != "tagged"


@pytest.mark.parametrize(
    "text", ["Review", "Supervisor", "Investigator", "Validator", "Methodologist", "Programmer", "Validation cohort"]
)
def test_a_person_or_a_wider_phrase_is_no_near_miss_of_an_activity(text):
    result = Enricher(EnrichOptions(vocab=("credit", "casrai"))).enrich_bytes(roles_article(text))
    assert result.report.findings[0].suggestions == []


def test_a_role_stated_in_a_language_with_its_own_labels_is_not_read_in_a_neighbours():
    assert read("Databehandling", lang="sv") == [("unmatched", None)]  # data processing, not Danish Data curation
    assert read("Databehandling", lang="da") == [("tagged", "Data curation")]
    assert read("Conceitualização", lang="en") == [("tagged", "Conceptualization")]  # JATS's default language


def test_a_group_author_is_never_paired_with_a_named_one_by_position():
    def contrib(name: str, *roles: str, group: bool = False) -> str:
        who = (
            f"<collab>{name}</collab>"
            if group
            else f"<name><surname>{name}</surname><given-names>A</given-names></name>"
        )
        return f"<contrib>{who}{''.join(f'<role>{r}</role>' for r in roles)}</contrib>"

    main = contrib("Silva", "Investigação", "Trabalho de campo") + contrib(
        "Rede Amazônia", "Investigação", "Recursos", group=True
    )
    translated = contrib("Amazon Network", "Investigation", "Resources", group=True) + contrib(
        "Silva", "Investigation", "Fieldwork"
    )
    data = (
        f'<article dtd-version="1.3" xml:lang="pt"><front><article-meta><contrib-group>{main}</contrib-group>'
        f'</article-meta></front><sub-article article-type="translation" xml:lang="en"><front-stub><contrib-group>'
        f"{translated}</contrib-group></front-stub></sub-article></article>"
    ).encode()
    found = {text: (outcome, term) for text, outcome, term, _ in outcomes_of(data)}
    assert found["Trabalho de campo"][1] != "Resources" and found["Fieldwork"][1] != "Resources"


def test_near_misses_need_the_first_letter_and_translations_of_the_stated_language():

    options = EnrichOptions(vocab=("credit",), thresholds=Thresholds(accept_fuzzy=90))
    article = (
        b'<article dtd-version="1.3"><front><article-meta><contrib-group><contrib><role>Supervisor</role></contrib>'
    )
    article += b"<contrib><role>Program</role></contrib></contrib-group></article-meta></front></article>"
    assert [f.outcome.value for f in Enricher(options).enrich_bytes(article).report.findings] == ["unmatched"] * 2
