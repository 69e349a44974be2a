"""Reports and dictionaries on hostile text (issues 15, 16, 20 and the dictionary half of 21):
CSV cells a spreadsheet would run, data that would end the HTML report's script, entity bombs in
RDF/XML dictionaries, and errors of more than one line. Every hostile input is built here."""

from __future__ import annotations

import csv
import json
import re
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from jats_enrich.dictionaries import load_dictionary_file
from jats_enrich.dictionaries.csv_format import FORMULA_STARTS, read_cell, read_csv, spreadsheet_cell, write_csv
from jats_enrich.report.html import script_json


def cli(*args: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "jats_enrich", *args], capture_output=True, text=True, cwd=cwd, timeout=timeout
    )


def article(*roles: str, keywords: tuple[str, ...] = ()) -> bytes:
    def escaped(text: str) -> str:
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    contribs = "".join(f"<contrib><role>{escaped(r)}</role></contrib>" for r in roles)
    kwds = "".join(f"<kwd>{escaped(k)}</kwd>" for k in keywords)
    return (
        '<article dtd-version="1.3"><front><article-meta><contrib-group>'
        f"{contribs}</contrib-group><kwd-group>{kwds}<kwd>Open data</kwd></kwd-group></article-meta></front></article>"
    ).encode()


def cells(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def runnable(cell: str) -> bool:
    """Whether a spreadsheet would take the cell for a formula (OWASP: CSV injection)."""
    return bool(cell) and cell[0] in FORMULA_STARTS


# --- 15. CSV cells a spreadsheet would run -------------------------------------------------------

HOSTILE = ['=HYPERLINK("http://x.test","y")', "+1+1", "-2+3", "@SUM(1+1)*cmd|' /C calc'!A0", "=1+2 Data curation"]


def test_no_csv_the_tool_writes_has_a_cell_a_spreadsheet_would_run(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "=cmd.xml").write_bytes(article(*HOSTILE, "Methodology", keywords=("-Negative results",)))
    (tmp_path / "in" / "@SUM(1).xml").write_bytes(b"<article><front>")  # fails: its error is a row too
    done = cli("check", "in", "--report", "r.csv", "--report", "r.json", "--quiet", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert cli("report", "aliases", "r.json", "-o", "aliases.csv", cwd=tmp_path).returncode == 0
    assert cli("report", "render", "r.json", "-o", "again.csv", cwd=tmp_path).returncode == 0
    for name in ("r.csv", "aliases.csv", "again.csv"):
        rows = cells(tmp_path / name)
        assert rows[1:] and not [c for row in rows for c in row if runnable(c)], name
    texts = {row[0] for row in cells(tmp_path / "aliases.csv")[1:]}
    assert {"'" + t for t in HOSTILE} <= texts
    report_rows = cells(tmp_path / "r.csv")
    assert {"'" + t for t in HOSTILE} <= {row[5] for row in report_rows}
    error = next(row for row in report_rows if row[6] == "error")
    assert error[0] == "in/@SUM(1).xml" and error[14].startswith("in/@SUM(1).xml: malformed XML")


def test_the_aliases_table_reads_back_what_it_wrote(tmp_path):
    (tmp_path / "a.xml").write_bytes(article("-Wrangling of data", "'+Wrangling", "Methodology"))
    assert cli("check", "a.xml", "--report", "r.json", "--quiet", cwd=tmp_path).returncode == 0
    assert cli("report", "aliases", "r.json", "-o", "aliases.csv", cwd=tmp_path).returncode == 0
    rows = cells(tmp_path / "aliases.csv")
    header, body = rows[0], rows[1:]
    by_text = {row[0]: row for row in body}
    assert set(by_text) >= {"'-Wrangling of data", "''+Wrangling"}
    by_text["'-Wrangling of data"][header.index("term")] = "Data curation"
    by_text["''+Wrangling"][header.index("term")] = "Software"
    with (tmp_path / "aliases.csv").open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([header, *body])
    done = cli("check", "a.xml", "--aliases", "aliases.csv", "--report", "again.json", "--quiet", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    findings = json.loads((tmp_path / "again.json").read_text())["articles"][0]["findings"]
    outcomes = {f["text"]: (f["outcome"], f["term"]) for f in findings if f["element"] == "role"}
    assert outcomes["-Wrangling of data"] == ("tagged", "Data curation")
    assert outcomes["'+Wrangling"] == ("tagged", "Software")


DICTIONARY = """@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix h: <https://vocab.jats-enrich.test/hostile/> .
h: a skos:ConceptScheme .
h:negative a skos:Concept ; skos:inScheme h: ; skos:prefLabel "-Negative results"@en , "-Resultados negativos"@pt ;
    skos:altLabel "+Positive"@en , "=Null"@en .
h:formula a skos:Concept ; skos:inScheme h: ; skos:prefLabel "=SUM(A1:A9)"@en ; skos:altLabel "'-quoted"@en .
h:handle a skos:Concept ; skos:inScheme h: ; skos:prefLabel "@handle"@en ; skos:altLabel "'s Gravenhage"@en .
h:plain a skos:Concept ; skos:inScheme h: ; skos:prefLabel "Plain"@en ; skos:altLabel "'=quoted twice"@en .
"""


def test_vocab_convert_to_csv_neutralises_cells_and_reads_them_back(tmp_path):
    (tmp_path / "hostile.ttl").write_text(DICTIONARY, encoding="utf-8")
    done = cli("vocab", "convert", "hostile.ttl", "hostile.csv", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    rows = cells(tmp_path / "hostile.csv")
    assert not [c for row in rows for c in row if runnable(c)]
    by_identifier = {row[1]: dict(zip(rows[0], row, strict=True)) for row in rows[1:] if not row[5]}
    negative = by_identifier["https://vocab.jats-enrich.test/hostile/negative"]
    assert (negative["label"], negative["aliases"]) == ("'-Negative results", "'+Positive|=Null")
    original = load_dictionary_file(tmp_path / "hostile.ttl")
    again = read_csv(tmp_path / "hostile.csv")
    key = {t.identifier: (t.label, t.aliases, t.translations) for t in original.terms}
    assert {t.identifier: (t.label, t.aliases, t.translations) for t in again.terms} == key
    assert cli("vocab", "convert", "hostile.csv", "back.ttl", cwd=tmp_path).returncode == 0
    back = load_dictionary_file(tmp_path / "back.ttl")
    assert {t.identifier: (t.label, t.aliases, t.translations) for t in back.terms} == key


@pytest.mark.parametrize(
    "value",
    ["-x", "+x", "=x", "@x", "\tx", "\rx", "'-x", "''=x", "'x", "x-y", "", "'", "-", "it's", "'s-Hertogenbosch"],
)
def test_a_cell_is_read_back_as_it_was_written(value, tmp_path):
    written = spreadsheet_cell(value)
    assert not runnable(written)
    assert read_cell(written) == value
    if value.strip() and value[0] not in "\t\r":
        from jats_enrich.dictionaries.model import Term, Vocabulary

        vocabulary = Vocabulary(
            name="v",
            identifier="https://v.test/",
            terms=(Term(label=value + " term", identifier="https://v.test/a", aliases=(value + "a",)),),
        )
        write_csv(vocabulary, tmp_path / "v.csv")
        term = read_csv(tmp_path / "v.csv").terms[0]
        assert (term.label, term.aliases) == (value + " term", (value + "a",))


# --- 16. data that would end the HTML report's script --------------------------------------------

#: What ends the data's <script> block, or puts the HTML parser in its escaped script state so
#: that the block swallows the rest of the page (no "-->" after them: that would undo it).
BREAKERS = ["<!--<script>", "<script>", "</script><script>alert(1)</script>"]
#: A file name: texts of roles have their white space (U+2028 and U+2029 too) collapsed.
SEPARATORS = "<!--<script>\u2028\u2029.xml"


def data_block(page: str) -> str:
    start = page.index('<script type="application/json" id="data">') + len('<script type="application/json" id="data">')
    return page[start : page.index("</script>", start)]


@pytest.fixture(scope="module")
def hostile_html(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("html")
    (folder / "in").mkdir()
    (folder / "in" / SEPARATORS).write_bytes(article(*BREAKERS, keywords=("<!--<script>", "</script")))
    (folder / "in" / "<!--<script> failed.xml").write_bytes(b"<article><front>")  # an error naming it
    done = cli("check", "in", "--report", "r.html", "--report", "r.json", "--quiet", cwd=folder)
    assert done.returncode == 2, done.stderr
    return folder


def test_the_data_in_the_html_report_cannot_end_its_script(hostile_html):
    page = (hostile_html / "r.html").read_text(encoding="utf-8")
    block = data_block(page)
    assert "<" not in block and ">" not in block and "\u2028" not in block and "\u2029" not in block
    data = json.loads(block)
    texts = {f[3] for f in data["findings"]}
    assert set(BREAKERS) <= texts
    assert {a[0] for a in data["articles"]} == {f"in/{SEPARATORS}", "in/<!--<script> failed.xml"}
    # The block is the page's last JSON: nothing of it leaked elsewhere.
    assert page.count("<script") == 2


def test_a_placeholder_in_a_report_value_is_text_not_a_place(tmp_path, hostile_html):
    report = json.loads((hostile_html / "r.json").read_text())
    report["tool"] = "{{DATA}} {{TOTALS}} <b>"
    (tmp_path / "r.json").write_text(json.dumps(report))
    assert cli("report", "render", "r.json", "-o", "r.html", cwd=tmp_path).returncode == 0
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert '<div class="meta">{{DATA}} {{TOTALS}} &lt;b&gt; &middot;' in page
    assert page.count('id="data"') == 1


def test_script_json_escapes_every_character_that_matters():
    value = {"k<": "</script><!--<script>-->&\u2028\u2029"}
    text = script_json(value)
    assert json.loads(text) == value
    assert not re.search("[<>&\u2028\u2029]", text)


def test_the_hostile_html_report_runs_in_headless_chromium(hostile_html):
    from playwright.sync_api import sync_playwright
    from test_reports import chromium

    page_file = hostile_html / "r.html"
    errors: list[str] = []
    dialogs: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium(),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
        )
        page = browser.new_page()
        page.set_default_timeout(10_000)  # a page whose script never ran fails in seconds, not minutes
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(page_file.as_uri())
        assert page.inner_text("#articles-total") == "2"
        assert page.inner_text("#articles-failed") == "1"
        page.click("button[data-tab=findings]")
        page.fill("#findings input", "<!--<script>")
        assert "<!--<script>" in page.inner_text("#findings tbody")
        page.click("button[data-tab=errors]")
        assert "<!--<script> failed.xml" in page.inner_text("#errors tbody")
        browser.close()
    assert errors == [] and dialogs == []


# --- 20. entity bombs and other entities in RDF/XML dictionaries ---------------------------------

RDF_BODY = (
    '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
    'xmlns:skos="http://www.w3.org/2004/02/skos/core#">'
    '<skos:ConceptScheme rdf:about="https://vocab.jats-enrich.test/r/"/>'
    '<skos:Concept rdf:about="https://vocab.jats-enrich.test/r/a"><skos:prefLabel>LABEL</skos:prefLabel>'
    '<skos:inScheme rdf:resource="https://vocab.jats-enrich.test/r/"/></skos:Concept></rdf:RDF>'
)


def rdf(doctype: str, label: str) -> str:
    return f'<?xml version="1.0"?>\n{doctype}\n' + RDF_BODY.replace("LABEL", label)


def laughs(levels: int) -> str:
    entities = '<!ENTITY l0 "lol">' + "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, levels + 1))
    return f"<!DOCTYPE rdf:RDF [{entities}]>"


class Listener:
    """A loopback port that counts connection attempts."""

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


@pytest.mark.parametrize(
    ("name", "doctype", "label"),
    [
        ("billion-laughs.rdf", laughs(10), "&l10;"),
        ("small-bomb.owl", laughs(3), "&l3;"),
        ("one-entity.rdf", '<!DOCTYPE rdf:RDF [<!ENTITY a "Open data">]>', "&a;"),
        ("loop.rdf", '<!DOCTYPE rdf:RDF [<!ENTITY a "&b;"><!ENTITY b "&a;">]>', "&a;"),
        ("parameter.rdf", '<!DOCTYPE rdf:RDF [<!ENTITY % p "x">]>', "Open data"),
    ],
)
def test_an_rdf_xml_dictionary_declaring_entities_is_refused_in_one_line(tmp_path, name, doctype, label):
    (tmp_path / name).write_text(rdf(doctype, label))
    for args in (("vocab", "validate", name), ("vocab", "convert", name, "out.csv")):
        done = cli(*args, cwd=tmp_path, timeout=60)
        assert done.returncode == 65, done.stderr
        assert done.stderr.count("\n") == 1
        assert done.stderr.startswith(f"jats-enrich: error: {name}: refused: its DOCTYPE declares entities")
    assert not (tmp_path / "out.csv").exists()


def test_an_external_entity_in_an_rdf_xml_dictionary_is_never_fetched(tmp_path):
    listener = Listener()
    try:
        url = f"http://127.0.0.1:{listener.port}"
        (tmp_path / "ext.rdf").write_text(
            rdf(f'<!DOCTYPE rdf:RDF [<!ENTITY % ext SYSTEM "{url}/x.dtd"> %ext; <!ENTITY e SYSTEM "{url}/e">]>', "&e;")
        )
        (tmp_path / "dtd.rdf").write_text(rdf(f'<!DOCTYPE rdf:RDF SYSTEM "{url}/rdf.dtd">', "Open data"))
        refused = cli("vocab", "validate", "ext.rdf", cwd=tmp_path)
        plain = cli("vocab", "validate", "dtd.rdf", cwd=tmp_path)
    finally:
        listener.close()
    assert listener.connections == 0
    assert refused.returncode == 65 and "refused: its DOCTYPE declares entities" in refused.stderr
    assert plain.returncode == 0, plain.stderr  # a DOCTYPE without entities is read (and not followed)


# --- 21. one line for every dictionary error --------------------------------------------------------


def test_a_csv_the_csv_module_cannot_read_is_one_line_naming_file_and_line(tmp_path):
    big = '"' + "x" * 200_000 + '"'
    (tmp_path / "d.csv").write_text(f"label,identifier\nA,https://v.test/a\n{big},https://v.test/b\n")
    (tmp_path / "aliases.csv").write_text(f"text,term\n{big},Software\n")
    (tmp_path / "a.xml").write_bytes(article("Software"))
    for args in (("vocab", "validate", "d.csv"), ("check", "a.xml", "--aliases", "aliases.csv")):
        done = cli(*args, cwd=tmp_path)
        assert done.returncode == 65, done.stderr
        assert done.stderr.count("\n") == 1
        assert re.match(
            r"jats-enrich: error: (d|aliases)\.csv: line [23]: not readable as CSV: field larger", done.stderr
        )


def test_a_malformed_rdf_xml_dictionary_is_one_line(tmp_path):
    (tmp_path / "bad.rdf").write_bytes(rdf("", "Open data").encode().replace(b"Open data", b"\xff\xfe<x>\n\n"))
    done = cli("vocab", "validate", "bad.rdf", cwd=tmp_path)
    assert done.returncode == 65 and done.stderr.count("\n") == 1
    assert done.stderr.startswith("jats-enrich: error: bad.rdf: malformed RDF/XML: ")
