"""Reading articles: version detection, safe parsing, which roles are targets, text for matching."""

import pytest

from jats_enrich.article.jats_version import declares, detect_version, parse_number
from jats_enrich.article.reader import read_article
from jats_enrich.article.targets import contributor_roles
from jats_enrich.errors import ArticleError
from jats_enrich.pipeline import Enricher

DOCTYPE_12 = (
    '<!DOCTYPE article PUBLIC "-//NLM//DTD JATS (Z39.96) Journal Publishing DTD v1.2 20190208//EN" '
    '"JATS-journalpublishing1.dtd">'
)


@pytest.mark.parametrize(
    ("dtd_version", "public_id", "expected"),
    [
        ("1.3", None, "1.3"),
        ("1.2d1", None, "1.2d1"),
        ("1.0", "-//NLM//DTD JATS (Z39.96) Journal Publishing DTD v1.1 20151215//EN", "1.0"),  # attribute wins
        (None, "-//NLM//DTD JATS (Z39.96) Journal Archiving and Interchange DTD v1.2 20190208//EN", "1.2"),
        (None, "-//NLM//DTD JATS (Z39.96) Journal Publishing DTD with MathML3 v1.3d2 20201130//EN", "1.3d2"),
        ("3.0", None, "NLM 3.0"),
        (None, "-//NLM//DTD Journal Publishing DTD v2.3 20070202//EN", "NLM 2.3"),
        ("nonsense", "-//NLM//DTD JATS (Z39.96) Journal Publishing DTD v1.4 20241031//EN", "1.4"),
        (None, "-//TaxonX//DTD Taxonomic Treatment Publishing DTD v0 20100105//EN", None),
        (None, None, None),
    ],
)
def test_version_from_attribute_else_doctype(dtd_version, public_id, expected):
    version = detect_version(dtd_version, public_id)
    assert (str(version) if version else None) == expected


def test_version_order_and_what_each_declares():
    v12d1, v12d2, v12, v11, nlm = (parse_number(v) for v in ("1.2d1", "1.2d2", "1.2", "1.1", "3.0"))
    assert v12d1.order < v12d2.order < v12.order
    assert declares(v12d1, "role", "vocab-term") and not declares(v12d1, "role", "degree-contribution")
    assert declares(v12d2, "role", "degree-contribution")
    assert not declares(v11, "role", "vocab")
    assert not declares(nlm, "role", "vocab")  # NLM 3.0 is not 'newer' than JATS 1.2
    assert not declares(None, "role", "vocab")


def article(body: str, doctype: str = DOCTYPE_12, version: str = "1.2") -> bytes:
    return f'<?xml version="1.0"?>\n{doctype}\n<article dtd-version="{version}">{body}</article>'.encode()


def test_contributor_roles_only_and_in_sub_articles():
    data = article(
        "<front><article-meta><contrib-group><contrib><role>A</role></contrib><role>B</role></contrib-group>"
        "<contrib-group><contrib><collab>X<role>C</role></collab></contrib></contrib-group></article-meta></front>"
        "<back><ref-list><ref><mixed-citation><person-group><role>Eds</role></person-group></mixed-citation>"
        "<element-citation><role>Org</role></element-citation></ref></ref-list></back>"
        "<sub-article><front-stub><contrib-group><contrib><role>D</role></contrib></contrib-group></front-stub></sub-article>"
    )
    roles = contributor_roles(read_article(data, "a.xml"))
    assert [r.text for r in roles] == ["A", "B", "C", "D"]
    assert roles[0].xpath == "/article/front/article-meta/contrib-group[1]/contrib/role"
    assert roles[0].line == 3


def test_text_for_matching_decodes_entities_keeps_markup_text_and_collapses_space():
    data = article(
        '<front><article-meta><contrib-group><contrib xml:lang="pt">'
        "<role>Writing &ndash;\n   <italic>original</italic><!-- c --> draft&#x2E;</role>"
        "<role>&unknownentity; x</role>"
        "</contrib></contrib-group></article-meta></front>"
    )
    first, second = contributor_roles(read_article(data, "a.xml"))
    assert first.text == "Writing – original draft."
    assert first.lang == "pt"
    assert second.text == "&unknownentity; x"


def test_doi_from_article_meta():
    data = article('<front><article-meta><article-id pub-id-type="doi"> 10.1/x </article-id></article-meta></front>')
    assert read_article(data, "a.xml").doi == "10.1/x"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "a.xml: empty file"),
        (b"  \n", "a.xml: empty file"),
        (b"<article><front></article>", "a.xml: malformed XML: "),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "a.xml: malformed XML: "),
        (b"<html><body/></html>", "a.xml: not a JATS article (root element <html>)"),
        (b'<article xmlns="http://example.org/ns"/>', "a.xml: not a JATS article"),
        (b"<article>&ndash;</article>", "a.xml: malformed XML: Entity 'ndash' not defined"),
    ],
)
def test_unreadable_articles_get_one_line_errors_naming_the_file(data, message):
    with pytest.raises(ArticleError) as error:
        read_article(data, "a.xml")
    assert str(error.value).startswith(message)
    assert "\n" not in str(error.value)


def test_entities_are_never_expanded_nor_fetched(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    data = (
        f'<!DOCTYPE article [<!ENTITY x SYSTEM "file://{secret}"><!ENTITY y "expanded">]>'
        '<article dtd-version="1.3"><front><article-meta><contrib-group><contrib>'
        "<role>&x;&y;</role></contrib></contrib-group></article-meta></front></article>"
    ).encode()
    (role,) = contributor_roles(read_article(data, "a.xml"))
    assert "TOP-SECRET" not in role.text
    # An internal text entity is read as the text the document declares (one level: a parser's
    # reading, no file, no network), for matching only; the output keeps the reference.
    assert role.text == "&x;expanded"
    output = Enricher().enrich_bytes(data, "a.xml").output
    assert output is not None and b"<role>&x;&y;</role>" in output and b"TOP-SECRET" not in output


def test_internal_entities_are_read_one_level_deep():
    """An entity whose text holds other references is read as its declared text: never expanded
    further (an entity bomb is refused by the reader; a small nesting stays small)."""
    data = (
        b'<!DOCTYPE article [<!ENTITY e0 "lol"><!ENTITY e1 "&e0;&e0;">]>'
        b'<article dtd-version="1.3"><front><article-meta><contrib-group><contrib>'
        b"<role>&e1;</role></contrib></contrib-group></article-meta></front></article>"
    )
    (role,) = contributor_roles(read_article(data, "a.xml"))
    assert role.text == "&e0;&e0;"


def test_the_dtd_named_by_the_doctype_is_never_loaded(tmp_path):
    dtd = tmp_path / "local.dtd"
    dtd.write_text('<!ENTITY secret "LEAKED"><!ATTLIST role vocab CDATA "defaulted">')
    data = (
        f'<!DOCTYPE article SYSTEM "{dtd.as_uri()}">'
        '<article dtd-version="1.3"><front><article-meta><contrib-group><contrib>'
        "<role>&secret;</role></contrib></contrib-group></article-meta></front></article>"
    ).encode()
    (role,) = contributor_roles(read_article(data, "a.xml"))
    assert role.text == "&secret;"
    assert "vocab" not in role.attributes


ELEMENT_NAME_SETS = [
    ("role",),
    ("contrib",),
    ("kwd", "compound-kwd", "subject", "compound-subject"),
    ("fn", "sec", "notes", "fn-group", "ack"),
    ("article", "role"),  # a name the shared pass does not keep: asked of the tree itself
]


@pytest.mark.parametrize("names", ELEMENT_NAME_SETS, ids="/".join)
def test_elements_found_in_one_pass_are_those_each_pass_would_find(names, monkeypatch):
    """The shared pass (article/elements.py) gives what ``root.iter(*names)`` gives, in document
    order, root included, namespaced elements left out; and past its limit, the same again."""
    from jats_enrich.article import elements

    data = (
        b'<article xmlns:x="urn:x"><front><article-meta><contrib-group><contrib><role>A</role>'
        b"<x:role>B</x:role><xref/></contrib><role>C</role></contrib-group><kwd-group><kwd>k</kwd>"
        b"<compound-kwd><compound-kwd-part>p</compound-kwd-part></compound-kwd></kwd-group>"
        b"<subj-group><subject>s</subject></subj-group></article-meta></front><body><sec><fn-group>"
        b'<fn fn-type="con"><p>x</p></fn></fn-group><sec><role>D</role></sec></sec></body>'
        b"<back><ack/><notes/></back></article>"
    )

    def tags(found):
        return [(e.tag, e.text) for e in found]

    article = read_article(data, "a.xml")
    expected = tags(article.root.iter(*names))
    assert expected
    assert tags(elements.elements_named(article, names)) == expected
    assert tags(elements.elements_named(article, names)) == expected  # asked again: from what was kept
    monkeypatch.setattr(elements, "MAX_KEPT", 3)
    crowded = read_article(data, "a.xml")
    assert tags(elements.elements_named(crowded, names)) == expected
    if set(names) <= set(elements.WATCHED):
        assert crowded.memo[elements._MEMO] is None  # too many to keep
