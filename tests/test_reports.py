"""Reports for QA reviewers: formats, the published schema, shards, the HTML page in a real
browser, and the aliases feedback loop."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from support import CORPUS, FIXTURES, ROOT, needs_shared

from jats_enrich.batch.inputs import discover
from jats_enrich.batch.options import BatchOptions
from jats_enrich.batch.runner import Batch
from jats_enrich.cli.report import report_schema
from jats_enrich.config import EnrichOptions
from jats_enrich.report.model import ArticleReport, Report
from jats_enrich.report.run import RunRecord

SHIPPED_SCHEMA = ROOT / "src" / "jats_enrich" / "data" / "report.schema.json"


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "jats_enrich", *args], capture_output=True, text=True, cwd=cwd)


def test_the_schema_command_prints_the_shipped_schema():
    done = cli("report", "schema")
    assert done.returncode == 0
    printed = json.loads(done.stdout)
    assert printed == report_schema() == json.loads(SHIPPED_SCHEMA.read_text(encoding="utf-8"))
    assert "schema_version" in printed["properties"]


@pytest.fixture(scope="module")
def fixture_reports(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("reports")
    done = cli(
        "check", str(FIXTURES), *(f"--report={folder / name}" for name in ("r.json", "r.jsonl", "r.csv", "r.html"))
    )
    assert done.returncode == 0, done.stderr
    return folder


def test_json_jsonl_and_csv_say_the_same(fixture_reports):
    report = Report.model_validate_json((fixture_reports / "r.json").read_text())
    lines = (fixture_reports / "r.jsonl").read_text().splitlines()
    articles = [ArticleReport.model_validate_json(line) for line in lines[:-1]]
    assert articles == report.articles
    assert report.run is not None and report.run.dictionaries[0].name == "credit"
    assert json.loads(lines[-1]) == {
        "kind": "summary",
        "articles_total": report.articles_total,
        "articles_failed": report.articles_failed,
        "summary": report.summary,
        "by_kind": report.by_kind,
        "tiers": report.tiers,
        "consistency": report.consistency,
        "run": report.run.model_dump(mode="json"),
    }
    assert RunRecord.model_validate_json((fixture_reports / "r.csv.run.json").read_text()) == report.run
    with (fixture_reports / "r.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    findings = [f for a in report.articles for f in a.findings]
    assert len(rows) == len(findings) == sum(report.summary.values())
    first = rows[0]
    assert set(first) >= {
        "path",
        "doi",
        "element",
        "line",
        "xpath",
        "text",
        "outcome",
        "term",
        "identifier",
        "best_suggestion",
        "score",
    }
    assert {"degree", "parts", "tier", "evidence"} <= set(first)
    with_degree = next(r for r in rows if r["degree"])
    assert with_degree["degree"] in ("lead", "equal", "supporting")
    compound = next(r for r in rows if r["parts"])
    assert " => " in compound["parts"] and compound["tier"] == "review"
    near = next(r for r in rows if r["outcome"] == "suggestion")
    assert near["best_suggestion"] and float(near["score"]) >= 80


def test_merging_shards_gives_the_totals_of_one_run_over_both(tmp_path):
    files = sorted(FIXTURES.glob("*.xml"))
    halves = [tmp_path / "a", tmp_path / "b"]
    for half, chosen in zip(halves, (files[::2], files[1::2]), strict=True):
        half.mkdir()
        for path in chosen:
            shutil.copy(path, half / path.name)
    for half in halves:
        assert cli("check", str(half), "--report", str(half.with_suffix(".jsonl"))).returncode == 0
    assert cli("check", *map(str, halves), "--report", str(tmp_path / "one.json")).returncode == 0
    done = cli(
        "report", "merge", str(tmp_path / "a.jsonl"), str(tmp_path / "b.jsonl"), "-o", str(tmp_path / "all.json")
    )
    assert done.returncode == 0, done.stderr
    merged, one = (json.loads((tmp_path / name).read_text()) for name in ("all.json", "one.json"))
    for key in ("articles_total", "articles_failed", "summary"):
        assert merged[key] == one[key]
    render = cli(
        "report",
        "render",
        str(tmp_path / "all.json"),
        "-o",
        str(tmp_path / "all.html"),
        "-o",
        str(tmp_path / "all.csv"),
    )
    assert render.returncode == 0, render.stderr
    assert (tmp_path / "all.html").read_text().startswith("<!DOCTYPE html>")
    assert cli("report", "render", str(tmp_path / "all.json"), "-o", str(tmp_path / "all.pdf")).returncode == 64


def test_a_run_can_stream_without_keeping_articles(tmp_path):
    seen = []
    batch = Batch(discover([FIXTURES]), EnrichOptions(write=False), BatchOptions(workers=1))
    report = batch.run(on_article=seen.append, keep=False)
    assert report.articles == [] and report.articles_total == len(seen) > 0
    assert sum(report.summary.values()) == sum(len(a.findings) for a in seen)


def test_the_aliases_loop_on_the_fixtures(tmp_path):
    report = tmp_path / "r.json"
    assert cli("check", str(FIXTURES), "--report", str(report)).returncode == 0
    table = tmp_path / "aliases.csv"
    done = cli("report", "aliases", str(report), "-o", str(table))
    assert done.returncode == 0, done.stderr
    with table.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert rows and all(r["term"] == "" for r in rows)
    chosen = {
        "Data analysis": "Formal analysis",
        "Study concept and design": "https://credit.niso.org/contributor-roles/methodology/",
    }
    for row in rows:
        row["term"] = chosen.get(row["text"], "")
    with table.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    again = tmp_path / "again.json"
    assert cli("check", str(FIXTURES), "--aliases", str(table), "--report", str(again)).returncode == 0
    before = [f for a in json.loads(report.read_text())["articles"] for f in a["findings"]]
    after = [f for a in json.loads(again.read_text())["articles"] for f in a["findings"]]
    changed = [
        (b["text"], a["outcome"], a["term"])
        for b, a in zip(before, after, strict=True)
        if (b["outcome"], b["term"]) != (a["outcome"], a["term"])
    ]
    assert sorted(changed) == [
        ("Data analysis", "tagged", "Formal analysis"),
        ("Study concept and design", "tagged", "Methodology"),
    ]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ("text,term\nEditor,Editing\n", "line 2: term 'Editing' is no label, alias or identifier"),
        ("text,term\n,Software\n", "line 2: term 'Software' given for an empty text"),
        ("text,term,vocab\nEditor,Software,mesh\n", "line 2: vocab 'mesh' is not loaded"),
        ("text,count\nEditor,3\n", "header has no 'term' column"),
    ],
)
def test_bad_alias_rows_are_one_clear_error(tmp_path, rows, message):
    table = tmp_path / "aliases.csv"
    table.write_text(rows)
    done = cli("check", str(FIXTURES / "legacy-1.1.xml"), "--aliases", str(table))
    assert done.returncode == 65
    assert done.stderr.strip() == f"jats-enrich: error: {table}: {message}" or message in done.stderr
    assert str(table) in done.stderr


@needs_shared
def test_the_aliases_loop_on_the_real_corpus(tmp_path):
    report = tmp_path / "r.json"
    assert cli("check", str(CORPUS), "--report", str(report)).returncode == 0
    table = tmp_path / "aliases.csv"
    assert cli("report", "aliases", str(report), "-o", str(table)).returncode == 0
    with table.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    chosen = {"Obtaining data": "Investigation", "Drafting the manuscript": "Writing – original draft"}
    assert set(chosen) <= {r["text"] for r in rows}
    for row in rows:
        row["term"] = chosen.get(row["text"], "")
    with table.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    again = tmp_path / "again.json"
    assert cli("check", str(CORPUS), "--aliases", str(table), "--report", str(again)).returncode == 0
    before = [f for a in json.loads(report.read_text())["articles"] for f in a["findings"]]
    after = [f for a in json.loads(again.read_text())["articles"] for f in a["findings"]]
    changed = {
        (b["text"], a["outcome"], a["term"])
        for b, a in zip(before, after, strict=True)
        if (b["outcome"], b["term"]) != (a["outcome"], a["term"])
    }
    assert changed == {
        ("Obtaining data", "tagged", "Investigation"),
        ("Drafting the manuscript", "tagged", "Writing – original draft"),
    }


def chromium() -> str:
    """Debian's Chromium, which the tests' set-up installs (scripts/install_test_browser.sh)."""
    found = shutil.which("chromium")
    if found is None:
        pytest.fail("the HTML report tests need Chromium: run scripts/install_test_browser.sh (as in the README)")
    return found


@needs_shared
def test_the_html_report_of_the_corpus_in_headless_chromium(tmp_path):
    from playwright.sync_api import sync_playwright

    html, data = tmp_path / "corpus.html", tmp_path / "corpus.json"
    done = cli(
        "check", str(CORPUS), "--vocab", "credit", "--vocab", "casrai", "--report", str(html), "--report", str(data)
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(data.read_text())
    errors: list[str] = []
    requests: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium(),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        page = browser.new_page(viewport={"width": 1300, "height": 1000})
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("request", lambda r: requests.append(r.url))
        page.goto(html.as_uri())
        shown = {o: int(page.inner_text(f"#total-{o}")) for o in report["summary"]}
        assert shown == report["summary"]
        assert int(page.inner_text("#articles-total")) == report["articles_total"]
        assert int(page.inner_text("#findings-total")) == sum(report["summary"].values())
        # Filtering and sorting work without a server.
        page.click("button[data-tab=findings]")
        page.select_option("#findings select", "tagged")
        counted = page.inner_text("#findings .tools span")
        assert counted.startswith(f"{report['summary']['tagged']} of ")
        page.click("#findings th:text('text')")
        assert page.get_attribute("#findings th:text('text')", "class") == "sorted-asc"
        page.click("button[data-tab=unmatched]")
        page.fill("#unmatched input", "Editor")
        assert "Editor" in page.inner_text("#unmatched tbody tr:first-child")
        # The review queue holds roles and what a dictionary could have tagged; PLOS's subject
        # headings, which no loaded dictionary covers, are out of scope.
        page.fill("#unmatched input", "Biology and life sciences")
        assert page.inner_text("#unmatched .tools span").startswith("0 of ")
        page.click("button[data-tab=outofscope]")
        page.fill("#outofscope input", "Biology and life sciences")
        assert "Biology and life sciences" in page.inner_text("#outofscope tbody tr:first-child")
        assert int(page.inner_text("#tier-out-of-scope")) == report["tiers"]["out-of-scope"]
        page.click("button[data-tab=suggestions]")
        page.select_option("#suggestions select", "suggestion")
        near = {
            f["text"]
            for a in report["articles"]
            for f in a["findings"]
            if f["outcome"] == "suggestion" and f["suggestions"]
        }
        assert page.inner_text("#suggestions .tools span").startswith(f"{len(near)} of ")
        assert "why not a match" in page.inner_text("#suggestions thead")
        page.click("button[data-tab=consistency]")
        checks = sum(len(a["consistency"]) for a in report["articles"])
        assert checks > 0 and page.inner_text("#consistency .tools span").startswith(f"{checks} of ")
        # Statements per contributor: every one in the report is a row; one is found by its name.
        page.click("button[data-tab=statements]")
        entries = [s for a in report["articles"] for s in a["statements"]]
        assert page.inner_text("#statements .tools span").startswith(f"{len(entries)} of {len(entries)} rows")
        page.fill("#statements input", "Takemura")
        first = page.inner_text("#statements tbody tr:first-child")
        assert "Hiromasa Takemura" in first and "Conceived and designed the experiments [suggestion" in first
        page.screenshot(path=str(tmp_path / "report.png"))
        browser.close()
    assert errors == []
    assert requests == [html.as_uri()]


def test_the_report_records_its_run(tmp_path):
    import hashlib

    from jats_enrich.dictionaries import shipped_path

    json_path, html_path = tmp_path / "r.json", tmp_path / "r.html"
    done = cli(
        "check", str(FIXTURES / "casrai-dictionary-1.3.xml"), "--vocab", "credit", "--vocab", "casrai",
        "--upgrade", "--engine", "xslt", "--report", str(json_path), "--report", str(html_path),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    run = Report.model_validate_json(json_path.read_text()).run
    assert run is not None and run.tool.startswith("jats-enrich ")
    assert run.started <= (run.finished or "") and run.engine == "xslt"
    assert [(d.name, d.source) for d in run.dictionaries] == [
        ("credit", "shipped:credit"),
        ("casrai", "shipped:casrai"),
    ]
    credit = shipped_path("credit")
    assert credit is not None and run.dictionaries[0].sha256 == hashlib.sha256(credit.read_bytes()).hexdigest()
    assert run.dictionaries[0].terms == 14 and run.dictionaries[1].terms > 1000
    assert run.options["upgrade"] is True and run.options["write"] is False
    page = html_path.read_text()
    assert run.started in page and "casrai (" in page and "&quot;upgrade&quot;: true" in page


def test_findings_are_counted_by_element_kind_and_tier(tmp_path):
    path = tmp_path / "r.json"
    done = cli("check", str(FIXTURES), "--vocab", "credit", "--vocab", "casrai", "--report", str(path))
    assert done.returncode == 0, done.stderr
    report = Report.model_validate_json(path.read_text())
    findings = [f for a in report.articles for f in a.findings]
    for kind, counts in report.by_kind.items():
        for outcome, n in counts.items():
            elements = {
                "role": ("role",),
                "keyword": ("kwd", "compound-kwd"),
                "subject": ("subject", "compound-subject"),
            }
            assert n == sum(1 for f in findings if f.element in elements[kind] and f.outcome.value == outcome)
    assert sum(report.tiers.values()) == len(findings)
    # an unmatched role is for review; an unmatched keyword is out of scope; a near miss is for review
    tiers = {(f.element, f.outcome.value): f.tier.value for f in findings}
    assert tiers[("role", "unmatched")] == "review" and tiers[("kwd", "unmatched")] == "out-of-scope"
    assert tiers[("role", "tagged")] == "done" and tiers[("role", "suggestion")] == "review"
    line = done.stderr.splitlines()[-1]
    assert "(role: " in line and f"to review: {report.tiers['review']}" in line


def test_the_aliases_table_lists_roles_without_their_degree_and_knows_which_dictionary_a_role_means(tmp_path):
    roles = "".join(
        f'<contrib contrib-type="author"><name><surname>S{i}</surname></name><role>{r}</role></contrib>'
        for i, r in enumerate(["Data analysis (lead)", "Data analysis (supporting)", "Data analysis"])
    )
    article = tmp_path / "a.xml"
    article.write_text(f'<article dtd-version="1.3"><front><article-meta><contrib-group>{roles}'
                       "</contrib-group></article-meta></front></article>")  # fmt: skip
    vocab = ["--vocab", "credit", "--vocab", "casrai"]
    report, table = tmp_path / "r.json", tmp_path / "aliases.csv"
    assert cli("check", str(article), *vocab, "--report", str(report)).returncode == 0
    assert cli("report", "aliases", str(report), "-o", str(table)).returncode == 0
    with table.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["text"], r["count"], r["elements"]) for r in rows] == [("Data analysis", "3", "role")]
    rows[0]["term"] = "Methodology"  # CASRAI names it too, but only CRediT applies to roles: no vocab needed
    with table.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    again = tmp_path / "again.json"
    done = cli("check", str(article), *vocab, "--aliases", str(table), "--report", str(again))
    assert done.returncode == 0, done.stderr
    found = [(f["outcome"], f["vocab"], f["term"], f["degree"]) for a in json.loads(again.read_text())["articles"]
             for f in a["findings"]]  # fmt: skip
    assert found == [
        ("tagged", "credit", "Methodology", "lead"),
        ("tagged", "credit", "Methodology", "supporting"),
        ("tagged", "credit", "Methodology", None),
    ]


def test_the_review_page_answers_five_texts_and_its_aliases_file_tags_them(tmp_path):
    """Point 3 of the QA issue, as a reviewer does it: open the page, answer five texts (three
    terms chosen, one suggestion accepted, one 'not a term'), download the aliases, run again."""
    from playwright.sync_api import sync_playwright

    roles = [
        "Data analysis (lead)",
        "Study concept and design",
        "Obtaining data",
        "Methodolgy",
        "Editor",
        "Data analysis",
    ]
    contribs = "".join(
        f'<contrib contrib-type="author"><name><surname>S{i}</surname></name><role>{r}</role></contrib>'
        for i, r in enumerate(roles)
    )
    article = tmp_path / "in" / "a.xml"
    article.parent.mkdir()
    article.write_text(f'<article dtd-version="1.3"><front><article-meta><contrib-group>{contribs}'
                       "</contrib-group></article-meta></front></article>")  # fmt: skip
    page_path, aliases = tmp_path / "r.html", tmp_path / "aliases.csv"
    assert cli("check", str(article), "--report", str(page_path)).returncode == 0
    errors: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium(), args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page(accept_downloads=True)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(page_path.as_uri())

            def row(text: str) -> Any:
                return page.locator("#unmatched tbody tr", has_text=text).first

            for text, term in [
                ("Data analysis", "Formal analysis — credit"),
                ("Study concept and design", "Methodology — credit"),
                ("Obtaining data", "Investigation — credit"),
            ]:
                row(text).locator("input.choose").fill(term)
                row(text).locator("input.choose").dispatch_event("change")
            assert "role of S2" in row("Obtaining data").inner_text()  # the context: whose role it is
            row("Methodolgy").locator("button.accept").click()
            row("Editor").locator("button.not-a-term").click()
            assert page.inner_text("#review-progress").startswith("5 of ")
            # Answers are kept in the browser. The browser stores them a moment after the page
            # does: a reload right away may come first, so reload until they are there (10 s at most).
            deadline = time.monotonic() + 10
            page.reload()
            while not page.inner_text("#review-progress").startswith("5 of "):
                assert time.monotonic() < deadline, "the answers were not kept"
                page.wait_for_timeout(200)
                page.reload()
            with page.expect_download() as download:
                page.click("#download-aliases")
            download.value.save_as(str(aliases))
        finally:
            browser.close()
    assert errors == []
    again = tmp_path / "again.json"
    done = cli("check", str(article), "--aliases", str(aliases), "--report", str(again))
    assert done.returncode == 0, done.stderr
    found = {
        (f["text"], f["outcome"], f["term"]) for a in json.loads(again.read_text())["articles"] for f in a["findings"]
    }
    assert found == {
        ("Data analysis (lead)", "tagged", "Formal analysis"),
        ("Data analysis", "tagged", "Formal analysis"),
        ("Study concept and design", "tagged", "Methodology"),
        ("Obtaining data", "tagged", "Investigation"),
        ("Methodolgy", "tagged", "Methodology"),
        ("Editor", "unmatched", None),
    }
