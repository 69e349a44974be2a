"""Invariants on generated JATS-like articles (hypothesis): whatever the markup around the roles
and keywords, the output parses, differs from the input only by added attributes, and a second
run changes nothing."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from support import only_attributes_added

from jats_enrich.config import EnrichOptions
from jats_enrich.limits import ARTICLE_PARSER_OPTIONS
from jats_enrich.pipeline import Enricher
from jats_enrich.text import normalize

ENRICHER = Enricher(EnrichOptions(vocab=("credit", "casrai")))

LABELS = [
    "Conceptualization", "Data curation", "Formal analysis", "Software", "Writing – review &amp; editing",
    "Writing &ndash; original draft", "writing - review and editing", "Methodology (lead)", "Recursos (igual)",
    "Conceitualização", "Editor", "ND", "Conceptualization, Methodology", "Supervisão",
]  # fmt: skip
KEYWORDS = ["ALMs", "Article-level metrics", "article level metrics", "open science", "<italic>in vitro</italic>"]
WORDS = st.text(alphabet=st.sampled_from("abcdefgh XYZ-–éç"), min_size=1, max_size=20)
SPACE = st.sampled_from([" ", "\n  ", "\t", "\r\n "])
NOISE = st.sampled_from(
    [
        "",
        "<!-- a comment with <role>Software</role> inside -->",
        "<?jats-enrich-test keep me?>",
        "&nbsp;",
        "&#x2013;",
        "&amp;",
        "\n\t  ",
    ]
)


@st.composite
def attributes(draw) -> str:
    pairs = draw(
        st.lists(
            st.sampled_from([("content-type", "x"), ("specific-use", "author"), ("id", "r1"), ("xml:lang", "pt")]),
            unique=True,
            max_size=2,
        )
    )
    out = ""
    for name, value in pairs:
        quote = draw(st.sampled_from(['"', "'"]))
        out += f"{draw(SPACE)}{name}={quote}{value}{quote}"
    return out + draw(st.sampled_from(["", " ", "\n"]))


@st.composite
def role(draw) -> str:
    text = draw(st.one_of(st.sampled_from(LABELS), WORDS))
    return f"<role{draw(attributes())}>{draw(NOISE)}{text}{draw(NOISE)}</role>{draw(NOISE)}"


@st.composite
def kwd(draw) -> str:
    text = draw(st.one_of(st.sampled_from(KEYWORDS), WORDS))
    return f"<kwd{draw(attributes())}>{text}</kwd>"


@st.composite
def articles(draw) -> bytes:
    declaration = draw(st.sampled_from(['<?xml version="1.0" encoding="UTF-8"?>\n', "", '<?xml version="1.0"?>\r\n']))
    doctype = draw(
        st.sampled_from(
            [
                "",
                '<!DOCTYPE article PUBLIC "-//NLM//DTD JATS (Z39.96) Journal Publishing DTD v1.3 20210610//EN" '
                '"JATS-journalpublishing1-3.dtd">\n',
            ]
        )
    )
    contribs = "".join(
        f"<contrib{draw(attributes())}>{''.join(draw(st.lists(role(), min_size=1, max_size=4)))}</contrib>"
        for _ in range(draw(st.integers(1, 3)))
    )
    keywords = "".join(draw(st.lists(kwd(), max_size=5)))
    group_attributes = draw(st.sampled_from(["", ' kwd-group-type="author-keywords"', " xml:lang='pt'"]))
    body = draw(st.sampled_from(["", "<body><p>Text <![CDATA[<role>Software</role>]]> more</p></body>"]))
    version = draw(st.sampled_from(["1.3", "1.2", "1.1", "1.2d1"]))
    text = (
        f'{declaration}{doctype}<article dtd-version="{version}"{draw(SPACE)}article-type="research-article">'
        f"{draw(NOISE)}<front><article-meta><contrib-group>{contribs}</contrib-group>"
        f"<kwd-group{group_attributes}>{keywords}</kwd-group></article-meta></front>{body}</article>\n"
    )
    if not doctype:  # without a DOCTYPE, only XML's own entities and character references may appear
        text = text.replace("&nbsp;", "&#160;").replace("&ndash;", "&#x2013;")
    return text.encode("utf-8")


def parse(data: bytes) -> etree._Element:
    return etree.fromstring(data, etree.XMLParser(**ARTICLE_PARSER_OPTIONS))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(articles())
def test_output_parses_only_gains_attributes_and_is_stable(data):
    first = ENRICHER.enrich_bytes(data, "generated.xml")
    assert first.report.error is None, first.report.error
    before, after = parse(data), parse(first.output)
    assert [e.tag for e in before.iter()] == [e.tag for e in after.iter()]
    assert only_attributes_added(first.output, data)
    second = ENRICHER.enrich_bytes(first.output, "generated.xml")
    assert second.output == first.output
    assert not any(f.changed for f in second.report.findings)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_normalising_is_idempotent(text):
    once = normalize(text)
    assert normalize(once) == once
