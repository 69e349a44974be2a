"""export crossref on the real articles: every <contributors> and every deposit valid against
Crossref's schema 5.5; a PLOS article's CRediT roles and an eLife article's reviewing editor in
it; every role the run identified either carried or a finding."""

from __future__ import annotations

from functools import cache

from crossref_schema import DEPOSITOR, crossref_errors
from lxml import etree
from support import CORPUS, needs_shared

from jats_enrich.config import EnrichOptions
from jats_enrich.pipeline import CrossrefResult, Enricher
from jats_enrich.write.crossref import NS

pytestmark = needs_shared

X = {"x": NS}


@cache
def exported() -> dict[str, CrossrefResult]:
    enricher = Enricher(EnrichOptions(add_roles=True))
    return {
        p.name: enricher.export_crossref(p.read_bytes(), p.name, DEPOSITOR, 20261129000000)
        for p in sorted(CORPUS.glob("*.xml"))
    }


def test_every_export_of_the_corpus_is_valid_against_crossref_5_5():
    results = exported()
    assert len(results) == 180
    deposits = 0
    for name, result in results.items():
        assert result.report.error is None, name
        assert result.contributors is not None or result.report.findings, name
        for xml in (result.contributors, result.deposit):
            if xml is not None:
                assert crossref_errors(xml) == [], name
        deposits += result.deposit is not None
    assert deposits >= 170  # the rest lack a journal title or a publication year: said in deposit_missing
    assert all(r.report.deposit_missing for r in results.values() if r.deposit is None)


def test_a_plos_articles_credit_roles_are_in_its_export():
    name = "allofplos__journal.pone.0185809.xml"
    article = etree.parse(str(CORPUS / name)).getroot()
    first = next(c for c in article.iter("contrib") if c.get("contrib-type") == "author")
    written = [" ".join("".join(r.itertext()).split()) for r in first.findall("role")]
    assert len(written) >= 3
    people = etree.fromstring(exported()[name].contributors or b"<none/>")
    person = people.find("x:person_name", X)
    assert person is not None
    assert person.findtext("x:surname", namespaces=X) == first.findtext("name/surname")
    credit = [r.get("type") for r in person.findall("x:role[@vocab='credit']", X)]
    assert len(credit) == len(written)  # each of its roles, as its CRediT type
    assert "writing-original-draft" in credit or "conceptualization" in credit


def test_an_elife_articles_reviewing_editor_is_in_its_export():
    people = etree.fromstring(exported()["elifetools__elife-14093-v1.xml"].contributors or b"<none/>")
    editors = people.findall("x:person_name[@contributor_role='editor']", X)
    assert [(e.findtext("x:surname", namespaces=X), e.findtext("x:given_name", namespaces=X)) for e in editors] == [
        ("Hardtke", "Christian S")
    ]
    assert [(r.get("vocab"), r.get("type")) for r in editors[0].findall("x:role", X)] == [("crossref", "editor")]
    assert editors[0].findtext("x:affiliations/x:institution/x:institution_name", namespaces=X) == (
        "University of Lausanne"
    )


def test_the_figures_add_up():
    results = exported().values()
    contributors = sum(r.report.contributors for r in results)
    credit = sum(r.report.credit_roles for r in results)
    assert contributors >= 1500 and credit >= 1000
    for r in results:
        xml = etree.fromstring(r.contributors) if r.contributors is not None else None
        counted = len(xml.findall("x:*/x:role[@vocab='credit']", X)) if xml is not None else 0
        assert counted == r.report.credit_roles, r.report.path
        assert r.report.not_carried == len([f for f in r.report.findings if f.contributor]), r.report.path
