"""export crossref on the project's fixtures: what each kind of contributor becomes, which roles
are carried and which are findings, the deposit and what it requires, the command line and the
service; the outputs valid against Crossref's schema where ../shared has it."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
from crossref_schema import DEPOSITOR, crossref_errors
from lxml import etree
from support import FIXTURES, needs_shared

from jats_enrich import export_crossref_bytes
from jats_enrich.config import EnrichOptions
from jats_enrich.write.crossref import NS, orcid_checksum_ok
from jats_enrich.write.crossref_deposit import Depositor

ARTICLE = FIXTURES / "crossref" / "contributors-1.3.xml"
LINKED = FIXTURES / "statements" / "elife-linked-1.3.xml"
X = {"x": NS}


def contributors(xml: bytes | None) -> list[etree._Element]:
    assert xml is not None
    return list(etree.fromstring(xml))


def roles(element: etree._Element) -> list[tuple[str, str]]:
    return [(r.get("vocab", ""), r.get("type", "")) for r in element.findall("x:role", X)]


def test_every_kind_of_contributor():
    result = export_crossref_bytes(ARTICLE.read_bytes())
    people = contributors(result.contributors)
    assert [etree.QName(p).localname for p in people] == [
        "person_name", "person_name", "organization", "anonymous", "person_name", "person_name",
    ]  # fmt: skip
    tanaka, okoro, consortium, anonymous, editor, translator = people
    assert [p.get("sequence") for p in people] == ["first"] + ["additional"] * 5
    assert [p.get("contributor_role") for p in people] == ["author"] * 4 + ["editor", "translator"]
    # Children in the schema's order; name-style kept; corresponding author; ORCID without its
    # check digit error normalised; the ROR id given as its full URI; department and place.
    assert [etree.QName(c).localname for c in tanaka] == [
        "given_name", "surname", "role", "role", "role", "role", "affiliations", "ORCID",
    ]  # fmt: skip
    assert tanaka.get("name-style") == "eastern"
    assert roles(tanaka) == [
        ("crossref", "author"), ("crossref", "corresponding-author"),
        ("credit", "conceptualization"), ("credit", "writing-original-draft"),
    ]  # fmt: skip
    orcid = tanaka.find("x:ORCID", X)
    assert orcid is not None and orcid.text == "https://orcid.org/0000-0002-1825-0097"
    assert orcid.get("authenticated") == "true"
    institution = tanaka.find("x:affiliations/x:institution", X)
    assert institution is not None
    assert [(etree.QName(c).localname, c.text) for c in institution] == [
        ("institution_name", "University of Fixtures"),
        ("institution_id", "https://ror.org/05dxps055"),
        ("institution_place", "Japan"),
        ("institution_department", "Department of Markup"),
    ]
    # A compound role and a near miss are findings, never roles; a bad ORCID is left out.
    assert roles(okoro) == [("crossref", "author"), ("credit", "software")]
    assert okoro.find("x:suffix", X) is not None and okoro.find("x:ORCID", X) is None
    plain = okoro.findall("x:affiliations/x:institution/x:institution_name", X)[1].text
    assert plain == "Institute of Plain Affiliation Text, Lagos, Nigeria"  # the label left out
    assert consortium.text == "The Enrichment Consortium" and len(consortium) == 0
    assert roles(anonymous) == [("crossref", "author"), ("credit", "investigation")]
    assert roles(editor) == [("crossref", "editor")] and roles(translator) == [("crossref", "translator")]
    # Not exported: a non-byline member, a name with no surname marked, the sub-article's reviewer,
    # a cited author.
    text = result.contributors.decode() if result.contributors else ""
    assert "Member" not in text and "Public" not in text and "Reviewer" not in text and "Cited" not in text


def test_what_is_not_carried_is_a_finding_per_contributor_or_role():
    report = export_crossref_bytes(ARTICLE.read_bytes()).report
    found = {(f.contributor, f.role, f.reason.split(":")[0]) for f in report.findings}
    assert found == {
        ("c2", "Conceptualization, Methodology", "not carried"),
        ("c2", "Methodolgy", "not carried"),
        ("c2", None, "ORCID 'https"),
        ("c3", "Software", "not carried"),
        ("c5", None, 'contrib-type="author non-byline" has no Crossref contributor role'),
        ("c6", None, "no surname marked"),
    }
    reasons = {f.role: f.reason for f in report.findings}
    assert reasons["Conceptualization, Methodology"] == "not carried: compound"
    assert reasons["Methodolgy"] == "not carried: suggestion"  # a suggestion is never carried
    assert (report.contributors, report.credit_roles, report.crossref_roles, report.not_carried) == (6, 4, 6, 6)


def test_roles_of_contribution_statements_are_carried_as_add_roles_writes_them():
    without = export_crossref_bytes(LINKED.read_bytes())
    with_roles = export_crossref_bytes(LINKED.read_bytes(), EnrichOptions(add_roles=True))
    stated = [f for f in without.report.findings if "contribution statement" in f.reason]
    assert len(stated) >= 5
    assert {f.reason for f in stated} == {"not carried: named by a contribution statement (`add_roles` carries it)"}
    first = contributors(with_roles.contributors)[0]
    assert ("credit", "conceptualization") in roles(first) and ("credit", "data-curation") in roles(first)
    assert with_roles.report.credit_roles == without.report.credit_roles + len(stated)
    assert not [f for f in with_roles.report.findings if "contribution statement" in f.reason]


def test_orcid_check_digit():
    assert orcid_checksum_ok("0000-0002-1825-0097") and orcid_checksum_ok("0000-0001-5109-3700")
    assert orcid_checksum_ok("0000-0002-1694-233X")
    assert not orcid_checksum_ok("0000-0002-1825-0098") and not orcid_checksum_ok("0000-0002-1694-2339")


def test_a_deposit_of_an_article_with_what_crossref_requires():
    options = EnrichOptions(crossref=DEPOSITOR)
    result = export_crossref_bytes(ARTICLE.read_bytes(), options, deposit=True)
    assert result.report.deposit_missing == [] and result.deposit is not None
    batch = etree.fromstring(result.deposit)
    assert batch.findtext("x:head/x:depositor/x:email_address", namespaces=X) == "production@journal.example"
    article = batch.find("x:body/x:journal/x:journal_article", X)
    assert article is not None
    assert [etree.QName(c).localname for c in article] == [
        "titles", "contributors", "publication_date", "pages", "doi_data",
    ]  # fmt: skip
    assert article.findtext("x:titles/x:title", namespaces=X) == "Contributors of every kind, for a Crossref export"
    assert (
        article.findtext("x:doi_data/x:resource", namespaces=X)
        == "https://journal.example/article/10.5555/jef.2026.030"
    )
    date = article.find("x:publication_date", X)
    assert date is not None and [c.text for c in date] == ["03", "05", "2026"] and date.get("media_type") == "online"
    issue = batch.find("x:body/x:journal/x:journal_issue", X)
    assert issue is not None and issue.findtext("x:journal_volume/x:volume", namespaces=X) == "12"
    assert batch.findtext("x:body/x:journal/x:journal_metadata/x:issn", namespaces=X) == "0000-0019"


def test_no_deposit_without_what_crossref_requires():
    data = ARTICLE.read_bytes()
    for old, why in (
        (b'<article-id pub-id-type="doi">10.5555/jef.2026.030</article-id>', "no DOI"),
        (b"<journal-title>Journal of Enrichment Fixtures</journal-title>", "no journal title"),
        (b"<year>2026</year>", "no publication year"),
    ):
        result = export_crossref_bytes(data.replace(old, b""), EnrichOptions(crossref=DEPOSITOR), deposit=True)
        assert result.deposit is None and result.contributors is not None
        assert [m for m in result.report.deposit_missing if m.startswith(why)], why


def test_a_deposit_needs_a_depositor_and_the_depositor_is_checked():
    with pytest.raises(Exception, match=r"a deposit needs the depositor: a \[crossref\] table"):
        export_crossref_bytes(ARTICLE.read_bytes(), deposit=True)
    with pytest.raises(ValueError, match=r"\{doi\}"):
        Depositor(depositor_name="a", email_address="a@b.cd", registrant="r", resource="https://journal.example/")


def test_the_command_line_writes_each_article_and_a_report(tmp_path):
    (tmp_path / "jats-enrich.toml").write_text(
        '[crossref]\ndepositor_name = "Fixture Production"\nemail_address = "production@journal.example"\n'
        'registrant = "jats-enrich fixtures"\nresource = "https://journal.example/article/{doi}"\n'
    )
    out, report = tmp_path / "out", tmp_path / "export.json"
    done = subprocess.run(
        [sys.executable, "-m", "jats_enrich", "export", "crossref", str(FIXTURES / "crossref"), str(LINKED),
         "--out", str(out), "--deposit", "--add-roles", "--report", str(report)],
        capture_output=True, text=True, cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in out.iterdir()) == [
        "contributors-1.3.crossref.xml", "contributors-1.3.deposit.xml", "elife-linked-1.3.crossref.xml",
    ]  # fmt: skip
    figures = json.loads(report.read_text(encoding="utf-8"))
    assert figures["articles_total"] == 2 and figures["deposits_written"] == 1 and figures["deposit"] is True
    assert "no DOI" in " ".join(figures["articles"][1]["deposit_missing"]) or figures["articles"][1]["deposit_missing"]
    assert "2 articles, 0 failed" in done.stderr and "1 deposits" in done.stderr


def test_the_command_line_refuses_what_it_cannot_do(tmp_path):
    def export(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "jats_enrich", "export", "crossref", *args]
        return subprocess.run(command, capture_output=True, text=True, cwd=tmp_path)

    no_depositor = export(str(ARTICLE), "--out", str(tmp_path / "o"), "--deposit")
    assert no_depositor.returncode == 64 and "[crossref] table" in no_depositor.stderr
    bad = tmp_path / "bad.xml"
    bad.write_bytes(b"<article><front>")
    failed = export(str(bad), str(ARTICLE), "--out", str(tmp_path / "o2"))
    assert failed.returncode == 2 and "bad.xml: malformed XML" in failed.stderr
    assert (tmp_path / "o2" / "contributors-1.3.crossref.xml").is_file()
    assert not list((tmp_path / "o2").glob("bad*"))


@needs_shared
def test_fixture_exports_are_valid_against_crossrefs_schema():
    checked = 0
    for path in [*sorted(FIXTURES.rglob("*.xml")), ARTICLE]:
        result = export_crossref_bytes(
            path.read_bytes(), EnrichOptions(crossref=DEPOSITOR, add_roles=True), path.name, True
        )
        for xml in (result.contributors, result.deposit):
            if xml is not None:
                assert crossref_errors(xml) == [], path.name
                checked += 1
    assert checked >= 60


def test_the_readmes_crossref_example_is_what_the_tool_writes():
    from support import ROOT

    section = (ROOT / "README.md").read_text(encoding="utf-8").split("### Crossref", 1)[1].split("\n### ", 1)[0]
    before, after = re.findall(r"```xml\n(.*?)\n```", section, re.DOTALL)[:2]

    def squeeze(text: str) -> str:  # the README indents the XML otherwise than the files
        return re.sub(r">\s+<", "><", text.strip())

    assert squeeze(before) in squeeze(ARTICLE.read_text(encoding="utf-8"))
    written = export_crossref_bytes(ARTICLE.read_bytes()).contributors
    assert written is not None and squeeze(after) in squeeze(written.decode("utf-8"))


def test_what_crossref_cannot_take_is_a_finding_never_an_invalid_output():
    data = ARTICLE.read_text(encoding="utf-8")
    long = "x" * 201
    hostile = (
        data.replace("<surname>Okoro</surname>", f"<surname>{long}</surname>")
        .replace("<collab>The Enrichment Consortium</collab>", f"<collab>{'y' * 600}</collab>")
        .replace(">05dxps055<", ">http://ror.org/05dxps055<")
        .replace("<suffix>Jr.</suffix>", "<suffix>the Younger of Lagos</suffix>")
    )
    result = export_crossref_bytes(hostile.encode("utf-8"))
    reasons = {f.contributor: f.reason for f in result.report.findings if f.role is None}
    assert reasons["c2"] == "a surname longer than Crossref's 200 characters: not exported"
    assert reasons["c3"] == "a group name empty or longer than Crossref's 511 characters: not exported"
    people = contributors(result.contributors)
    assert [p.get("contributor_role") for p in people] == ["author", "author", "editor", "translator"]
    ror = people[0].find("x:affiliations/x:institution/x:institution_id", X)
    assert ror is not None and ror.text == "https://ror.org/05dxps055"


def test_an_export_never_overwrites_an_input(tmp_path):
    import shutil

    from jats_enrich.api import export_crossref

    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(ARTICLE, folder / "a.xml")
    (folder / "a.crossref.xml").write_bytes(b"<not-an-article/>")
    with pytest.raises(Exception, match=r"a.crossref.xml: the export would overwrite an input"):
        export_crossref([folder], folder)
    assert (folder / "a.crossref.xml").read_bytes() == b"<not-an-article/>"


def _article(contribs: str, meta: str = "", group: str = "") -> bytes:
    """A small article: these contributors (and affiliations) in one contrib-group."""
    return (
        '<article dtd-version="1.3" xml:lang="en"><front><journal-meta><journal-title-group>'
        "<journal-title>J</journal-title></journal-title-group></journal-meta><article-meta>"
        '<article-id pub-id-type="doi">10.5555/x#1</article-id><title-group><article-title>T</article-title>'
        f"</title-group><contrib-group>{contribs}{group}</contrib-group>{meta}</article-meta></front></article>"
    ).encode()


def person(surname: str, inner: str = "", attributes: str = "") -> str:
    return f'<contrib contrib-type="author"{attributes}><name><surname>{surname}</surname></name>{inner}</contrib>'


def institutions(xml: bytes | None) -> list[list[tuple[str, str | None]]]:
    """Per contributor: (name or id, type) of each institution's children."""
    return [
        [(etree.QName(c).localname, c.text) for i in p.findall("x:affiliations/x:institution", X) for c in i]
        for p in contributors(xml)
    ]


def test_affiliations_as_articles_mark_them():
    wraps = (
        '<aff id="a1"><institution-wrap><institution>University One</institution><institution-id '
        'institution-id-type="ror">05dxps055</institution-id></institution-wrap>; <institution-wrap>'
        '<institution>Hospital Two</institution><institution-id institution-id-type="ror">'
        "https://ror.org/03vek6s52</institution-id></institution-wrap></aff>"
        '<aff id="a2"><institution-id institution-id-type="ror">https://ror.org/05dxps055</institution-id>'
        "Caltech, Pasadena. <email>x@caltech.edu</email></aff>"
        '<aff-alternatives id="a3"><aff xml:lang="en">Lab Three</aff><aff xml:lang="pt">Laboratório Três</aff>'
        "</aff-alternatives>"
    )
    links = '<xref ref-type="aff" rid="a1"/><xref ref-type="aff" rid="a2"/><xref ref-type="aff" rid="a3"/>'
    found = institutions(export_crossref_bytes(_article(person("A", links), group=wraps)).contributors)[0]
    assert found == [
        ("institution_name", "University One"),
        ("institution_id", "https://ror.org/05dxps055"),
        ("institution_name", "Hospital Two"),
        ("institution_id", "https://ror.org/03vek6s52"),
        ("institution_name", "Caltech, Pasadena"),  # neither the id's text nor the e-mail address
        ("institution_id", "https://ror.org/05dxps055"),
        ("institution_name", "Lab Three"),  # one language of the alternatives
    ]
    # Linked by the contributor's @rid (Copernicus); one unlinked aff for every author (MDPI).
    by_rid = _article(person("A", attributes=' rid="a9"'), group='<aff id="a9">Institute Nine</aff>')
    assert institutions(export_crossref_bytes(by_rid).contributors) == [[("institution_name", "Institute Nine")]]
    shared = _article(person("A") + person("B"), group="<aff>Shared Institute</aff>")
    assert institutions(export_crossref_bytes(shared).contributors) == [[("institution_name", "Shared Institute")]] * 2
    # An affiliation of article-meta that nothing links: every author's (not an editor's); its
    # contact details are no part of its name.
    editor = '<contrib contrib-type="editor"><name><surname>E</surname></name></contrib>'
    meta_level = _article(person("A") + editor, meta="<aff>Dept X, Uni Y; Email: <email>a@b.org</email> (A.)</aff>")
    assert institutions(export_crossref_bytes(meta_level).contributors) == [[("institution_name", "Dept X, Uni Y")], []]


def test_group_names_and_name_spellings():
    collab = (
        '<contrib contrib-type="author"><collab>Big Group<role>Resources</role><email>g@x.org</email></collab>'
        "</contrib>"
    )
    alternatives = (
        '<contrib contrib-type="author"><collab-alternatives><collab xml:lang="en">Group En</collab>'
        '<collab xml:lang="pt">Grupo Pt</collab></collab-alternatives></contrib>'
        '<contrib contrib-type="author"><name-alternatives><string-name>Li Wei</string-name>'
        "<name><surname>Li</surname><given-names>Wei</given-names></name></name-alternatives></contrib>"
    )
    people = contributors(export_crossref_bytes(_article(collab + alternatives)).contributors)
    assert [p.text for p in people[:2]] == ["Big Group", "Group En"]
    assert people[2].findtext("x:surname", namespaces=X) == "Li"


def test_sequence_first_is_the_bylines_first_author_or_nobody():
    first_unexportable = '<contrib contrib-type="author"><string-name>Jane Q. Public</string-name></contrib>'
    people = contributors(export_crossref_bytes(_article(first_unexportable + person("B") + person("C"))).contributors)
    assert [p.get("sequence") for p in people] == ["additional", "additional"]


def test_roles_a_crossref_role_does_not_carry_are_findings():
    roles = "<role>Co-author</role><role>Author of the analysis code</role>"
    report = export_crossref_bytes(_article(person("A", roles))).report
    assert {f.role for f in report.findings} == {"Co-author", "Author of the analysis code"}


def test_an_export_reads_every_role_and_no_near_miss_whatever_the_configuration():
    options = EnrichOptions(targets={"elements": ["kwd"]}, thresholds={"accept_fuzzy": 80})  # type: ignore[arg-type]
    result = export_crossref_bytes(_article(person("A", "<role>Softwre</role><role>Methodology</role>")), options)
    person_roles = roles(contributors(result.contributors)[0])
    assert ("credit", "methodology") in person_roles and ("credit", "software") not in person_roles
    assert [f.role for f in result.report.findings] == ["Softwre"]


def test_deposit_values_crossref_would_refuse_or_misread():
    sandbox = '<contrib-id contrib-id-type="orcid">https://sandbox.orcid.org/0000-0002-1825-0097</contrib-id>'
    dates = {
        "<year>2024\u00b2</year>": "no publication year",  # a superscript two: a digit to str.isdigit
        "<year>\uff12\uff10\uff12\uff14</year>": "no publication year",  # full-width digits
    }
    for year, why in dates.items():
        meta = f'<pub-date publication-format="electronic" date-type="pub">{year}</pub-date>'
        result = export_crossref_bytes(_article(person("A"), meta), EnrichOptions(crossref=DEPOSITOR), deposit=True)
        assert result.report.error is None and result.deposit is None
        assert [m for m in result.report.deposit_missing if m.startswith(why)]
    meta = (
        '<pub-date publication-format="electronic" date-type="pub"><day>31</day><month>2</month><year>2024</year>'
        "</pub-date>"
    )
    result = export_crossref_bytes(
        _article(person("A", sandbox), meta), EnrichOptions(crossref=DEPOSITOR), deposit=True
    )
    assert result.deposit is not None
    batch = etree.fromstring(result.deposit)
    date = batch.find(".//x:journal_article/x:publication_date", X)
    assert date is not None and [c.text for c in date] == ["02", "2024"]  # no 31 February
    assert batch.findtext(".//x:doi_data/x:resource", namespaces=X) == "https://journal.example/article/10.5555/x%231"
    assert batch.find(".//x:ORCID", X) is None
    assert [f.reason for f in result.report.findings] == [
        "ORCID 'https://sandbox.orcid.org/0000-0002-1825-0097' is no ORCID iD (16 characters, orcid.org): not carried"
    ]


def test_two_inputs_never_share_an_export(tmp_path):
    from jats_enrich.api import export_crossref

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.xml").write_bytes(ARTICLE.read_bytes())
    (folder / "a.nxml").write_bytes(ARTICLE.read_bytes())
    with pytest.raises(Exception, match=r"would both be exported to .*a\.crossref\.xml"):
        export_crossref([folder], tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_names_with_entities_and_links_without_ref_type():
    entity = "<collab>Smith &amp; Jones Group</collab>"
    group = '<contrib contrib-type="author">' + entity + "</contrib>"
    linked = person("Alpha", '<xref rid="a1"/>') + person("Beta", '<xref rid="a2"/>')
    affs = '<aff id="a1">Univ One</aff><aff id="a2">Univ Two</aff>.'
    scielo = (
        '<aff id="a3"><institution content-type="original">Instituto Três. Recife - Brasil. e-mail: x@y.br'
        '</institution><institution content-type="orgname">Instituto Três</institution>'
        '<institution content-type="orgdiv1">Física</institution></aff>'
    )
    result = export_crossref_bytes(_article(group + linked + person("Gamma", '<xref rid="a3"/>'), group=affs + scielo))
    assert result.report.error is None
    people = contributors(result.contributors)
    assert people[0].text == "Smith & Jones Group"
    assert institutions(result.contributors)[1:] == [
        [("institution_name", "Univ One")],
        [("institution_name", "Univ Two")],
        [("institution_name", "Instituto Três"), ("institution_department", "Física")],
    ]
