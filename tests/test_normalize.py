"""Each normalisation rule on its own, then the whole key."""

from jats_enrich.text import (
    american_spelling,
    base_language,
    compatibility_form,
    conjunctions_as_ampersand,
    dashes_as_spaces,
    fold_case,
    normalize,
    punctuation_as_spaces,
    single_spaces,
    without_accents,
    without_trailing_punctuation,
)


def test_compatibility_form_turns_ligatures_and_no_break_spaces_plain():
    assert compatibility_form("\ufb01le") == "file"
    assert compatibility_form("Data\u00a0curation") == "Data curation"
    assert compatibility_form("\uff33oftware") == "Software"  # full-width S


def test_fold_case():
    assert fold_case("DATA Curation") == "data curation"
    assert fold_case("STRASSE") == fold_case("straße")


def test_every_dash_separates_words_like_a_space():
    for dash in "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212":
        assert dashes_as_spaces(f"Writing {dash} review") == "Writing   review"
    assert dashes_as_spaces("Article-level") == "Article level"


def test_and_and_ampersand_read_the_same_in_the_texts_language():
    assert single_spaces(conjunctions_as_ampersand("review and editing")) == "review & editing"
    assert single_spaces(conjunctions_as_ampersand("review&editing")) == "review & editing"
    assert single_spaces(conjunctions_as_ampersand("revisão e edição", "pt")) == "revisão & edição"
    assert single_spaces(conjunctions_as_ampersand("revisión y edición", "es")) == "revisión & edición"
    # Without a language, only English 'and' is a conjunction: 'e' stays a letter.
    assert single_spaces(conjunctions_as_ampersand("vitamin e and k")) == "vitamin e & k"
    assert conjunctions_as_ampersand("android band") == "android band"


def test_british_isation_becomes_ization_in_english_only():
    assert american_spelling("conceptualisation") == "conceptualization"
    assert american_spelling("visualisations") == "visualizations"
    assert american_spelling("organisation", "en") == "organization"
    assert american_spelling("visualisation", "fr") == "visualisation"
    assert american_spelling("isation") == "isation"  # not a word ending


def test_trailing_punctuation_goes():
    assert without_trailing_punctuation("Supervision.") == "Supervision"
    assert without_trailing_punctuation("Supervision;  ") == "Supervision"
    assert without_trailing_punctuation("Software, ...") == "Software"
    assert without_trailing_punctuation("U.S.A") == "U.S.A"


def test_spacing_collapses_and_trims():
    assert single_spaces("  Data \t\n curation ") == "Data curation"


def test_normalize_makes_variants_equal_and_keeps_different_terms_apart():
    label = normalize("Writing – review & editing")
    for variant in (
        "Writing - Review and Editing",
        "writing–review&editing",
        "WRITING — REVIEW & EDITING.",
        "Writing\u00a0\u2013 review &  editing",
    ):
        assert normalize(variant) == label
    assert normalize("Writing – original draft") != label
    assert normalize("Escrita - revisão & edição") == normalize("Escrita – revisão e edição", "pt")
    assert normalize("Conceptualisation") == normalize("Conceptualization")


def test_normalize_is_idempotent():
    for text in ("Writing – review & editing", "Conceptualisation.", " A\u00a0B – c & d "):
        once = normalize(text)
        assert normalize(once) == once


def test_base_language():
    assert base_language("pt-BR") == "pt"
    assert base_language("EN") == "en"
    assert base_language("") is None
    assert base_language(None) is None


def test_accents_are_dropped():
    assert without_accents("Investigação") == "Investigacao"
    assert without_accents("Análisis – Überprüfung") == "Analisis – Uberprufung"
    assert normalize("Administracao do projeto") == normalize("Administração do projeto")


def test_punctuation_inside_a_label_separates_words_but_list_separators_stay():
    assert single_spaces(punctuation_as_spaces('Writing: "review" (editing)')) == "Writing review editing"
    assert normalize("Writing: original draft") == normalize("Writing – original draft")
    assert normalize("Conceptualization, Methodology") != normalize("Conceptualization Methodology")
