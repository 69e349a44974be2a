"""write/: both engines (writer_for "lxml" and "xslt") given the same Article and edits write the
same bytes, change only the edited start tags, and insert attributes in ATTRIBUTE_ORDER; the
patcher's escape_attribute."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from lxml import etree
from support import only_attributes_added

from jats_enrich.article.reader import Article, read_article
from jats_enrich.config import EnrichOptions
from jats_enrich.decide.model import Edit, Policy
from jats_enrich.errors import UsageError
from jats_enrich.pipeline import Enricher
from jats_enrich.write import writer_for
from jats_enrich.write.patcher import ATTRIBUTE_ORDER, escape_attribute, in_attribute_order

ENGINES = ("lxml", "xslt")
SOFTWARE = "https://credit.niso.org/contributor-roles/software/"

#: Declaration, DOCTYPE, a comment and CDATA with markup in them, entity and character references,
#: single-quoted attributes, white space inside start tags, CRLF line ends.
ARTICLE = (
    b'<?xml version="1.0" encoding="UTF-8"?>\r\n'
    b'<!DOCTYPE article PUBLIC "-//NLM//DTD JATS (Z39.96) Journal Archiving and Interchange DTD v1.3 20210610//EN"'
    b' "JATS-archivearticle1-3.dtd">\r\n'
    b'<article dtd-version="1.3" xmlns:xlink="http://www.w3.org/1999/xlink">\r\n'
    b"<!-- <role>not a role</role> -->\r\n"
    b"<front><article-meta><contrib-group>\r\n"
    b"  <contrib contrib-type='author'><name><surname>Smith</surname></name>\r\n"
    b"    <role   specific-use='x'  >Software &amp; tools&#x20;</role>\r\n"
    b'    <role content-type="http://credit.niso.org/contributor-roles/software"'
    b' degree-contribution="Lead">Software</role>\r\n'
    b'    <role vocab="cre&#100;it" vocab-term=\'old "term"\'>Methodology</role>\r\n'
    b"  </contrib></contrib-group>\r\n"
    b'  <kwd-group kwd-group-type="author"><kwd>Open access</kwd><kwd><![CDATA[<kwd>]]></kwd></kwd-group>\r\n'
    b"</article-meta></front></article>\r\n"
)


def article(data: bytes = ARTICLE) -> Article:
    return read_article(data, "case.xml")


def elements(a: Article, name: str) -> list[etree._Element]:
    return list(a.root.iter(name))


def written(engine: str, a: Article, edits: list[Edit]) -> bytes:
    return writer_for(engine).write(a, edits)


def start_tags(data: bytes) -> list[str]:
    """Every start tag, as written (comments and CDATA sections set aside first)."""
    text = re.sub(r"<!--.*?-->|<!\[CDATA\[.*?\]\]>", "", data.decode("utf-8"), flags=re.DOTALL)
    return re.findall(r"<[A-Za-z][^>]*>", text)


def attribute_names(tag: str) -> list[str]:
    return re.findall(r"""\s([\w:-]+)\s*=\s*["']""", tag)


def edit_sets(a: Article) -> dict[str, list[Edit]]:
    first, second, third = elements(a, "role")
    (group,) = elements(a, "kwd-group")
    kwd = elements(a, "kwd")[0]
    return {
        "insert": [Edit(first, "role", {"vocab-term-identifier": SOFTWARE, "vocab": "credit"})],
        "replace-and-remove": [
            Edit(second, "role", {"content-type": SOFTWARE}, ("degree-contribution",)),
        ],
        "same-value-other-spelling": [Edit(third, "role", {"vocab": "credit", "vocab-term": "Methodology"})],
        "group-and-term": [
            Edit(group, "kwd-group", {"vocab-identifier": "urn:v:", "vocab": "v"}),
            Edit(kwd, "kwd", {"vocab-term": "Open access", "vocab-term-identifier": "urn:v:1"}),
        ],
    }


@pytest.mark.parametrize("case", ["insert", "replace-and-remove", "same-value-other-spelling", "group-and-term"])
def test_both_engines_write_the_same_bytes_for_the_same_edits(case):
    a = article()
    edits = edit_sets(a)[case]
    by_lxml, by_xslt = written("lxml", a, edits), written("xslt", a, edits)
    assert by_lxml == by_xslt
    assert by_lxml != ARTICLE


def test_only_the_edited_start_tags_change():
    a = article()
    edits = [e for group in edit_sets(a).values() for e in group]
    for engine in ENGINES:
        out = written(engine, a, edits)
        before, after = start_tags(ARTICLE), start_tags(out)
        changed = [i for i, (old, new) in enumerate(zip(before, after, strict=True)) if old != new]
        assert [before[i].split()[0] for i in changed] == ["<role", "<role", "<role", "<kwd-group", "<kwd>"]
        # Outside the start tags, not a byte differs (the comment, CDATA, references, CRLFs).
        assert re.split(rb"<[A-Za-z][^>]*>", out) == re.split(rb"<[A-Za-z][^>]*>", ARTICLE)
        assert b"<!-- <role>not a role</role> -->" in out and b"<![CDATA[<kwd>]]>" in out


def test_the_edited_start_tags_read_as_expected():
    a = article()
    edits = [e for group in edit_sets(a).values() for e in group]
    roles = [t for t in start_tags(written("lxml", a, edits)) if t.startswith("<role")]
    assert roles == [
        f'<role   specific-use=\'x\' vocab="credit" vocab-term-identifier="{SOFTWARE}"  >',  # before the spaces
        f'<role content-type="{SOFTWARE}">',  # replaced in place; the removed one with its space
        "<role vocab=\"cre&#100;it\" vocab-term='Methodology'>",  # the same value is not rewritten; quotes kept
    ]


def test_new_attributes_go_in_attribute_order_whatever_the_order_of_the_edit():
    shuffled = {name: f"v-{name}" for name in reversed(ATTRIBUTE_ORDER)} | {"zeta": "z", "alpha": "a"}
    assert list(in_attribute_order(shuffled)) == [*ATTRIBUTE_ORDER, "alpha", "zeta"]
    a = article(
        b"<article><front><article-meta><contrib-group><contrib><role>R</role></contrib></contrib-group>"
        b"</article-meta></front></article>"
    )
    (role,) = elements(a, "role")
    for engine in ENGINES:
        (tag,) = [t for t in start_tags(written(engine, a, [Edit(role, "role", shuffled)])) if t.startswith("<role")]
        assert attribute_names(tag) == [*ATTRIBUTE_ORDER, "alpha", "zeta"], engine


def test_no_edits_give_back_the_article_bytes():
    a = article()
    assert writer_for("lxml").write(a, []) is a.data
    assert writer_for("xslt").write(a, []) == a.data


@pytest.mark.parametrize("upgrade", [False, True])
def test_what_the_pipeline_decides_is_written_the_same_by_both_engines(upgrade):
    enricher = Enricher(EnrichOptions(vocabularies=("credit",), policy=Policy(upgrade=upgrade)))
    a = article()
    decisions, group_edits = enricher.decide_article(a)
    outcome = "upgraded" if upgrade else "deprecated-identifier"
    assert [d.outcome.value for d in decisions] == ["unmatched", outcome, "conflict"]
    edits = [d.edit for d in decisions if d.edit is not None] + group_edits
    assert [e.remove_attributes for e in edits] == [("content-type",) if upgrade else ()]
    by_lxml, by_xslt = written("lxml", a, edits), written("xslt", a, edits)
    assert by_lxml == by_xslt == enricher.enrich_bytes(ARTICLE, "case.xml").output
    assert (b'content-type="http://credit.niso.org/' in by_lxml) is not upgrade
    assert only_attributes_added(by_lxml, ARTICLE) is not upgrade  # an upgrade also removes and rewrites


def test_a_value_the_encoding_cannot_hold_is_written_as_a_character_reference():
    data = (
        '<?xml version="1.0" encoding="ISO-8859-1"?><article><front><article-meta><contrib-group><contrib>'
        "<role>Caf\u00e9</role></contrib></contrib-group></article-meta></front></article>"
    ).encode("iso-8859-1")
    a = article(data)
    (role,) = elements(a, "role")
    edits = [Edit(role, "role", {"vocab-term": "\u03a9 caf\u00e9"})]
    for engine in ENGINES:
        out = written(engine, a, edits)
        assert '<role vocab-term="&#937; caf\u00e9">Caf\u00e9</role>'.encode("iso-8859-1") in out, engine


@pytest.mark.parametrize(
    ("engine", "stylesheet", "message"),
    [
        ("saxon", None, "unknown engine 'saxon'; known: lxml, xslt"),
        ("LXML", None, "unknown engine 'LXML'; known: lxml, xslt"),
        ("", None, "unknown engine ''; known: lxml, xslt"),
        ("lxml", Path("mine.xsl"), r"a stylesheet \(`xslt`\) needs `engine` xslt"),
    ],
)
def test_an_unknown_engine_or_a_stylesheet_without_the_xslt_engine_is_a_usage_error(engine, stylesheet, message):
    with pytest.raises(UsageError, match=f"^{message}$") as raised:
        writer_for(engine, stylesheet)
    assert isinstance(raised.value, ValueError)


@pytest.mark.parametrize(
    ("quote", "escaped"),
    [
        ('"', "a&quot;b'c&lt;d>e&amp;f&#9;g&#10;h&#13;i"),
        ("'", 'a"b&apos;c&lt;d>e&amp;f&#9;g&#10;h&#13;i'),
    ],
)
def test_escape_attribute(quote, escaped):
    value = "a\"b'c<d>e&f\tg\nh\ri"
    assert escape_attribute(value, quote) == escaped
    # What a parser reads back is the value itself: tabs and line ends survive as references.
    parsed = etree.fromstring(f"<x a={quote}{escaped}{quote}/>".encode())
    assert parsed.get("a") == value
    assert escape_attribute("https://credit.niso.org/", quote) == "https://credit.niso.org/"


@pytest.mark.parametrize("codec", ["utf-8-sig", "utf-16", "utf-32", "utf-16-be", "iso-8859-1"])
def test_the_service_answers_an_article_in_any_codec_as_text_that_gives_its_bytes_back(codec):
    """UTF-32's byte order mark begins with UTF-16's: read as UTF-16 it would give other text."""
    from jats_enrich.service.work import as_text

    declaration = '<?xml version="1.0" encoding="iso-8859-1"?>' if codec == "iso-8859-1" else ""
    data = (declaration + "<article><p>Ação</p></article>").encode(codec)
    if codec == "utf-16-be":
        data = "\ufeff<article><p>Ação</p></article>".encode(codec)
    text, used = as_text(data)
    assert used != "base64" and text.encode(used) == data
    assert "<article><p>Ação</p></article>" in text
