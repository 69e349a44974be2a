"""The XSLT 3.0 engine: the same bytes and findings as the lxml engine, a user's stylesheet
importing the shipped one, and Saxon reading articles offline."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from lxml import etree
from support import CORPUS, FIXTURES, needs_shared, only_attributes_added

from jats_enrich.config import EnrichOptions
from jats_enrich.pipeline import Enricher
from jats_enrich.write.xslt_engine import XsltWriter, saxon_path

VOCABULARIES = (
    "credit",
    "casrai",
    str(FIXTURES / "dictionaries" / "jef-topics.jsonld"),
    str(FIXTURES / "dictionaries" / "open-science-thesaurus.ttl"),
)
USER_STYLESHEET = FIXTURES / "xslt" / "credit-specific-use.xsl"


def engines(upgrade: bool, vocabularies: tuple[str, ...] = VOCABULARIES) -> tuple[Enricher, Enricher]:
    return (
        Enricher(EnrichOptions(vocab=vocabularies, upgrade=upgrade)),
        Enricher(EnrichOptions(vocab=vocabularies, upgrade=upgrade, engine="xslt")),
    )


def assert_same(paths: list[Path], upgrade: bool, vocabularies: tuple[str, ...] = VOCABULARIES) -> int:
    lxml_engine, xslt_engine = engines(upgrade, vocabularies)
    changed = 0
    for path in paths:
        data = path.read_bytes()
        by_lxml, by_xslt = lxml_engine.enrich_bytes(data, path.name), xslt_engine.enrich_bytes(data, path.name)
        assert by_xslt.report.error is None, by_xslt.report.error
        assert by_xslt.output == by_lxml.output, path.name
        assert by_xslt.report == by_lxml.report, path.name
        changed += by_xslt.output != data
    return changed


@pytest.mark.parametrize("upgrade", [False, True], ids=["default", "upgrade"])
def test_both_engines_write_the_same_bytes_and_findings_on_every_fixture(upgrade):
    assert assert_same(sorted(FIXTURES.glob("*.xml")), upgrade) >= 8


@needs_shared
@pytest.mark.parametrize("upgrade", [False, True], ids=["default", "upgrade"])
def test_both_engines_write_the_same_bytes_and_findings_on_every_real_article(upgrade):
    articles = sorted(CORPUS.glob("*.xml"))
    assert len(articles) == 180
    assert assert_same(articles, upgrade, ("credit", "casrai")) >= 2


def test_a_user_stylesheet_importing_the_shipped_one_adds_specific_use_to_tagged_roles():
    path = FIXTURES / "credit-variants-1.3.xml"
    original = path.read_bytes()
    enricher = Enricher(EnrichOptions(engine="xslt", xslt=str(USER_STYLESHEET)))
    result = enricher.enrich_bytes(original, path.name)
    out = result.output.decode()
    tagged = [f for f in result.report.findings if f.changed]
    assert out.count('specific-use="credit"') + out.count("specific-use='credit'") == len(tagged) == 24
    # An existing specific-use is replaced in place, quote character and all.
    assert "<role specific-use='credit' vocab=\"credit\"" in out
    assert "<role>Editor</role>" in out  # not tagged, so not touched
    # Apart from specific-use, the same bytes as the shipped stylesheet writes.
    plain = Enricher(EnrichOptions(engine="xslt")).enrich_bytes(original, path.name).output.decode()
    without = out.replace(' specific-use="credit"', "").replace("specific-use='credit'", "specific-use='author'")
    assert without == plain
    again = enricher.enrich_bytes(result.output, path.name)
    assert again.output == result.output


def test_saxon_paths_are_those_of_fn_path():
    from jats_enrich.article.reader import read_article

    article = read_article(
        b"<article><front><contrib-group><contrib><role/><role/></contrib></contrib-group></front></article>", "a"
    )
    second = article.root.findall(".//role")[1]
    assert saxon_path(second) == "/Q{}article[1]/Q{}front[1]/Q{}contrib-group[1]/Q{}contrib[1]/Q{}role[2]"


def test_one_saxon_processor_and_compiled_stylesheet_per_process():
    first, second = XsltWriter(), XsltWriter()
    assert first.processor is second.processor and first.executable is second.executable
    user = XsltWriter(USER_STYLESHEET)
    assert user.executable is not first.executable and user.executable is XsltWriter(USER_STYLESHEET).executable


class _Listener:
    """A loopback TCP port that counts connection attempts."""

    def __init__(self) -> None:
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(5)
        self.server.settimeout(0.2)
        self.port = self.server.getsockname()[1]
        self.connections = 0
        self.running = True
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while self.running:
            try:
                connection, _ = self.server.accept()
            except OSError:
                continue
            self.connections += 1
            connection.close()

    def close(self) -> None:
        self.running = False
        self.thread.join()
        self.server.close()


def test_saxon_never_fetches_the_dtd_nor_an_external_entity():
    listener = _Listener()
    try:
        url = f"http://127.0.0.1:{listener.port}"
        data = (
            f'<?xml version="1.0"?>\n<!DOCTYPE article PUBLIC "-//NLM//DTD JATS (Z39.96) Journal Publishing DTD v1.3 '
            f'20210610//EN" "{url}/JATS-journalpublishing1-3.dtd" [<!ENTITY remote SYSTEM "{url}/entity.txt">]>\n'
            '<article dtd-version="1.3"><front><article-meta><contrib-group><contrib>'
            "<role>Writing &ndash; original draft&nbsp;</role><role>&remote;Software</role>"
            "</contrib></contrib-group></article-meta></front></article>"
        ).encode()
        result = Enricher(EnrichOptions(engine="xslt")).enrich_bytes(data, "remote.xml")
    finally:
        listener.close()
    assert listener.connections == 0
    assert result.report.error is None
    assert only_attributes_added(result.output, data)
    assert b"Writing &ndash; original draft&nbsp;</role>" in result.output


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "jats_enrich", *args], capture_output=True, text=True)


def test_engine_and_stylesheet_options_on_enrich_and_check(tmp_path):
    fixture = str(FIXTURES / "credit-variants-1.3.xml")
    done = run("enrich", fixture, "--out", str(tmp_path / "a"), "--engine", "xslt", "--xslt", str(USER_STYLESHEET))
    assert done.returncode == 0, done.stderr
    assert 'specific-use="credit"' in (tmp_path / "a" / "credit-variants-1.3.xml").read_text(encoding="utf-8")
    assert run("check", fixture, "--engine", "xslt").returncode == 0
    wrong = run("enrich", fixture, "--out", str(tmp_path / "b"), "--xslt", str(USER_STYLESHEET))
    assert wrong.returncode == 64 and "needs --engine xslt" in wrong.stderr
    broken = tmp_path / "broken.xsl"
    broken.write_text("<xsl:stylesheet")
    bad = run("enrich", fixture, "--out", str(tmp_path / "c"), "--engine", "xslt", "--xslt", str(broken))
    assert bad.returncode == 64 and "cannot compile the stylesheet" in bad.stderr
    assert not (tmp_path / "c").exists()


ENTITIES_IN_ATTRIBUTES = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE article PUBLIC "-//NLM//DTD JATS (Z39.96) Journal Publishing DTD v1.3 20210610//EN"
  "JATS-journalpublishing1-3.dtd">
<article dtd-version="1.3" xml:lang="en" xmlns:xlink="http://www.w3.org/1999/xlink"><front><article-meta>
<contrib-group><contrib contrib-type="author"><name><surname>Roe</surname><given-names>A</given-names></name>
<role specific-use="a&ndash;b" xlink:title="a&ndash;b">Software</role>
<role specific-use='x&unknown;y "q"' xml:lang="en&unknown;">Writing &ndash; original draft</role>
<role vocab="credit" vocab-identifier="https://credit.niso.org/" vocab-term="Formal analysis"
  vocab-term-identifier="https://credit.niso.org/contributor-roles/formal-analysis/"
  content-type="&elsewhere;">Formal analysis</role>
</contrib></contrib-group>
<kwd-group kwd-group-type="author" specific-use="&unknown;">
<kwd content-type="&ndash;&unknown;">Open access</kwd></kwd-group>
</article-meta></front></article>
"""


@pytest.mark.parametrize("upgrade", [False, True], ids=["default", "upgrade"])
def test_an_attribute_with_an_entity_the_article_does_not_declare_is_kept_as_written_by_both_engines(upgrade):
    """Saxon reads an entity no declaration names as U+FFFD (nothing is fetched); an attribute
    holding one, on an element the stylesheet edits, is written back as it was (reference and
    quote kept), never with U+FFFD, and both engines write the same bytes."""
    data = ENTITIES_IN_ATTRIBUTES.encode()
    lxml_engine, xslt_engine = engines(upgrade, ("credit", "casrai"))
    by_lxml, by_xslt = lxml_engine.enrich_bytes(data, "e.xml"), xslt_engine.enrich_bytes(data, "e.xml")
    assert by_xslt.report.error is None and by_lxml.report.error is None
    assert by_xslt.output == by_lxml.output
    assert by_xslt.output is not None and by_xslt.output != data and "\ufffd" not in by_xslt.output.decode()
    assert only_attributes_added(by_xslt.output, data)
    for written in ('"a&ndash;b"', 'x&unknown;y "q"', '"en&unknown;"', '"&elsewhere;"', '"&ndash;&unknown;"'):
        assert written in by_xslt.output.decode()
    assert "{" not in by_xslt.output.decode()  # no attribute written under its expanded name


NAMESPACED_STYLESHEET = """<xsl:stylesheet version="3.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:je="urn:jats-enrich:xslt" xmlns:xlink="http://www.w3.org/1999/xlink" exclude-result-prefixes="#all">
  <xsl:import href="urn:jats-enrich:xslt:enrich.xsl"/>
  <xsl:template name="je:extra-attributes">
    <xsl:param name="set" as="map(*)"/>
    <xsl:if test="self::role and exists($set?vocab-term-identifier)">
      <xsl:attribute name="xlink:title" select="$set?vocab-term"/>
      <xsl:attribute name="xml:lang" select="'en'"/>
    </xsl:if>
  </xsl:template>
</xsl:stylesheet>"""


def test_a_stylesheet_writing_namespaced_attributes_writes_them_with_their_prefixes(tmp_path):
    """A user's stylesheet may set attributes in a namespace: each is written with the prefix the
    element has in scope for it (xml for XML's own), replacing the value in place; with none in
    scope the article is refused in one line, never written with an attribute no parser can read."""
    stylesheet = tmp_path / "namespaced.xsl"
    stylesheet.write_text(NAMESPACED_STYLESHEET, encoding="utf-8")
    enricher = Enricher(EnrichOptions(engine="xslt", xslt=str(stylesheet)))
    data = ENTITIES_IN_ATTRIBUTES.encode()
    result = enricher.enrich_bytes(data, "e.xml")
    assert result.report.error is None and result.output is not None
    out = result.output.decode()
    assert 'xlink:title="Software"' in out and 'xml:lang="en"' in out and "{" not in out
    assert 'xml:lang="en&unknown;"' not in out  # replaced in place: one xml:lang on the role
    etree.fromstring(result.output, etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True))
    bare = data.replace(b' xmlns:xlink="http://www.w3.org/1999/xlink"', b"")
    refused = enricher.enrich_bytes(bare.replace(b' xlink:title="a&ndash;b"', b""), "bare.xml")
    assert refused.output is None and refused.report.error is not None
    assert "no prefix is declared for http://www.w3.org/1999/xlink (title); not written" in refused.report.error
    # Two prefixes for one namespace: which one the tag writes is not known, so nothing is guessed.
    twice = data.replace(b'xmlns:xlink="', b'xmlns:xl="http://www.w3.org/1999/xlink" xmlns:xlink="')
    ambiguous = enricher.enrich_bytes(twice, "twice.xml")
    assert ambiguous.output is None and ambiguous.report.error is not None
    assert "several prefixes (xl, xlink) are declared for http://www.w3.org/1999/xlink" in ambiguous.report.error


NAMED_REFERENCES_IN_IDENTITIES = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE article PUBLIC "-//NLM//DTD JATS (Z39.96) Journal Publishing DTD v1.3 20210610//EN"
  "JATS-journalpublishing1-3.dtd">
<article dtd-version="1.3" xml:lang="en"><front><article-meta>
<contrib-group><contrib contrib-type="author"><name><surname>Roe</surname></name>
<role vocab="credit" vocab-identifier="https://credit.niso.org/" vocab-term="Writing &ndash; original draft"
  vocab-term-identifier="https://credit.niso.org/contributor-roles/writing-original-draft/">Writing &ndash;
  original draft</role>
<role vocab="credit" vocab-identifier="https://credit.niso.org/" vocab-term="Software"
  vocab-term-identifier="https://credit.niso.org/contributor-roles/software&unknown;/">Software</role>
</contrib></contrib-group>
</article-meta></front></article>
"""


@pytest.mark.parametrize("upgrade", [False, True], ids=["default", "upgrade"])
def test_identities_written_with_named_references_are_read_as_a_dtd_reading_parser_reads_them(upgrade):
    """lxml reads no DTD and drops a named reference from an attribute's value: the targets'
    attributes are read again with every reference as its character. A vocab-term written with
    &ndash; is the label, already correct; an identifier holding an entity nobody declares is
    no identifier of the dictionary (never "already correct"), and under upgrade is rewritten;
    both engines agree."""
    data = NAMED_REFERENCES_IN_IDENTITIES.encode()
    lxml_engine, xslt_engine = engines(upgrade, ("credit",))
    by_lxml, by_xslt = lxml_engine.enrich_bytes(data, "n.xml"), xslt_engine.enrich_bytes(data, "n.xml")
    assert by_lxml.output == by_xslt.output and by_lxml.report == by_xslt.report
    written, unknown = by_lxml.report.findings
    assert written.outcome.value == "already-correct", written
    assert unknown.outcome.value != "already-correct", unknown
    assert by_lxml.output is not None
    out = by_lxml.output.decode()
    assert 'vocab-term="Writing &ndash; original draft"' in out  # kept as written
    fixed = 'vocab-term-identifier="https://credit.niso.org/contributor-roles/software/"'
    assert (fixed in out) == upgrade and ("software&unknown;/" in out) != upgrade


def test_an_own_entity_written_out_too_often_is_refused_as_a_bomb_never_expanded():
    """The XSLT engine (and the second reading of attributes) write an article's own entities out
    as characters: a long one referred to thousands of times would take gigabytes, so past
    MAX_GROWTH times the text it is refused in one line (the lxml engine, which writes nothing
    out, enriches it)."""
    value = "x" * 1_000  # 500,000 characters in all: below libxml2's own limit, which counts characters
    body = "<p>" + "&big;" * 500 + "</p>"
    data = (
        f'<!DOCTYPE article SYSTEM "a.dtd" [<!ENTITY big "{value}">]>'
        '<article dtd-version="1.3"><front><article-meta><contrib-group><contrib><name><surname>R</surname>'
        f'</name><role specific-use="&nbsp;">Software</role></contrib></contrib-group></article-meta></front>'
        f"<body>{body}</body></article>"
    ).encode()
    by_lxml, by_xslt = engines(False, ("credit",))
    lxml_result = by_lxml.enrich_bytes(data, "bomb.xml")
    assert lxml_result.report.error is None and lxml_result.report.findings[0].outcome.value == "tagged"
    refused = by_xslt.enrich_bytes(data, "bomb.xml")
    assert refused.output is None and refused.report.error is not None
    assert refused.report.error.startswith("bomb.xml: XSLT engine: refused: entity expansion beyond the safety limit")


def test_with_nothing_to_change_the_shipped_stylesheet_is_not_run_and_a_user_one_is(tmp_path):
    """The shipped stylesheet changes only the elements it is given edits for: an article with
    none is written as it is without Saxon reading it (here one Saxon's parser could not read, a
    name with a character of XML 1.0's fifth edition); with an edit, Saxon reads it and refuses it
    in one line. A user's stylesheet may change more: it runs on every article."""
    name = "x\u0700"  # a name character libxml2 accepts and Saxon's parser refuses
    article = (
        '<article dtd-version="1.3"><front><article-meta><contrib-group><contrib><name><surname>R</surname>'
        "</name><role>{role}</role></contrib></contrib-group><kwd-group><kwd>Soil</kwd></kwd-group>"
        f"</article-meta></front><body><{name}/></body></article>"
    )
    untouched = article.format(role="Head of the lab").encode()
    shipped = Enricher(EnrichOptions(vocab=("credit",), engine="xslt"))
    result = shipped.enrich_bytes(untouched, "a.xml")
    assert result.report.error is None and result.output == untouched
    edited = article.format(role="Software").encode()
    refused = shipped.enrich_bytes(edited, "a.xml")
    assert refused.output is None and refused.report.error.startswith("a.xml: XSLT engine: ")

    user = tmp_path / "group-type.xsl"
    user.write_text(
        '<xsl:stylesheet version="3.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">'
        '<xsl:import href="urn:jats-enrich:xslt:enrich.xsl"/>'
        '<xsl:template match="kwd-group"><xsl:copy><xsl:attribute name="kwd-group-type">author</xsl:attribute>'
        '<xsl:apply-templates select="@* | node()"/></xsl:copy></xsl:template></xsl:stylesheet>'
    )
    plain = untouched.replace(name.encode(), b"x")
    by_user = Enricher(EnrichOptions(vocab=("credit",), engine="xslt", xslt=str(user))).enrich_bytes(plain, "a.xml")
    assert by_user.report.error is None
    assert by_user.output == plain.replace(b"<kwd-group>", b'<kwd-group kwd-group-type="author">')
