"""The command line as users and pipelines call it: exit codes, stdout and stderr apart."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from support import FIXTURES


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "jats_enrich", *args], capture_output=True, text=True, cwd=cwd)


def test_help_explains_commands_and_exit_codes():
    done = run("--help")
    assert done.returncode == 0
    assert "enrich" in done.stdout and "vocab" in done.stdout and "Exit codes" in done.stdout
    enrich_help = run("enrich", "--help")
    assert enrich_help.returncode == 0
    assert "--out" in enrich_help.stdout and "--report" in enrich_help.stdout


def test_version_agrees_with_the_package_metadata():
    from importlib.metadata import version

    done = run("--version")
    assert done.returncode == 0
    assert done.stdout.strip() == f"jats-enrich {version('jats-enrich')}"


def test_enrich_fixtures_writes_mirror_and_report(tmp_path):
    out, report = tmp_path / "out", tmp_path / "r.json"
    done = run("enrich", str(FIXTURES), "--out", str(out), "--report", str(report))
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    assert done.stderr.startswith(f"jats-enrich: {len(list(FIXTURES.rglob('*.xml')))} articles, 0 failed; ")
    mirrored = sorted(str(p.relative_to(out)) for p in out.rglob("*.xml"))
    assert mirrored == sorted(str(p.relative_to(FIXTURES)) for p in FIXTURES.rglob("*.xml"))
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["summary"]["tagged"] == sum(
        1 for a in data["articles"] for f in a["findings"] if f["outcome"] == "tagged"
    )
    first = data["articles"][0]
    assert set(first) >= {"path", "doi", "jats_version", "error", "findings"}
    assert set(first["findings"][0]) >= {"element", "line", "xpath", "text", "outcome", "term", "identifier", "rule"}
    assert not list(out.rglob("*.tmp"))


def test_a_bad_article_is_reported_and_the_batch_goes_on(tmp_path):
    inputs = tmp_path / "in"
    (inputs / "sub").mkdir(parents=True)
    shutil.copy(FIXTURES / "credit-variants-1.3.xml", inputs / "sub" / "good.xml")
    (inputs / "broken.xml").write_bytes(b"<article><front></article>")
    (inputs / "notjats.nxml").write_bytes(b"<html/>")
    (inputs / "notes.txt").write_text("not an article")
    out, report = tmp_path / "out", tmp_path / "r.json"
    done = run("enrich", str(inputs), "--out", str(out), "--report", str(report))
    assert done.returncode == 2
    lines = done.stderr.splitlines()
    assert any(line.startswith("jats-enrich: ") and "broken.xml: malformed XML" in line for line in lines)
    assert any("notjats.nxml: not a JATS article (root element <html>)" in line for line in lines)
    assert "Traceback" not in done.stderr
    assert (out / "sub" / "good.xml").is_file()
    assert not (out / "broken.xml").exists() and not (out / "notes.txt").exists()
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["articles_failed"] == 2
    errors = {Path(a["path"]).name: a["error"] for a in data["articles"] if a["error"]}
    assert set(errors) == {"broken.xml", "notjats.nxml"}
    assert all(a["findings"] == [] for a in data["articles"] if a["error"])


def test_never_writes_over_an_input(tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    shutil.copy(FIXTURES / "credit-variants-1.3.xml", inputs / "a.xml")
    before = (inputs / "a.xml").read_bytes()
    done = run("enrich", str(inputs), "--out", str(inputs))
    assert done.returncode == 64
    assert "would overwrite the input" in done.stderr
    done = run("enrich", str(inputs / "a.xml"), "--out", str(tmp_path / "o"), "--report", str(inputs / "a.xml"))
    assert done.returncode == 64
    assert (inputs / "a.xml").read_bytes() == before


def test_output_folder_inside_the_input_is_not_read_back(tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    shutil.copy(FIXTURES / "legacy-1.1.xml", inputs / "a.xml")
    for _ in range(2):
        done = run("enrich", str(inputs), "--out", str(inputs / "out"))
        assert done.returncode == 0, done.stderr
        assert "1 article," in done.stderr
    assert not (inputs / "out" / "out").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("enrich", "nowhere.xml", "--out", "o"), "nowhere.xml: no such file or folder"),
        (("enrich", "x.xml"), "give --out DIR, or --in-place"),
        (("enrich", "x.xml", "--out", "o", "--bogus"), "unrecognized arguments: --bogus"),
        ((), "usage: jats-enrich"),
    ],
)
def test_usage_errors_exit_64(tmp_path, args, message):
    done = run(*args, cwd=tmp_path)
    assert done.returncode == 64
    assert message in done.stderr
    assert done.stdout == ""


def test_an_invalid_dictionary_exits_65_with_one_line(tmp_path):
    bad = tmp_path / "bad.jsonld"
    bad.write_text(
        '{"@type": "DefinedTermSet", "identifier": "urn:x", "hasDefinedTerm": [{"@type": "DefinedTerm", "name": "A"}]}'
    )
    done = run("vocab", "validate", str(bad))
    assert done.returncode == 65
    assert done.stderr.strip() == f"jats-enrich: error: {bad}: term #1 ('A'): field 'identifier' is missing"
    done = run("enrich", str(FIXTURES), "--out", str(tmp_path / "o"), "--vocab", str(bad))
    assert done.returncode == 65
    assert not (tmp_path / "o").exists()


def test_vocab_list_and_validate():
    listing = run("vocab", "list")
    assert listing.returncode == 0
    assert "credit" in listing.stdout and "https://credit.niso.org/" in listing.stdout and "casrai" in listing.stdout
    terms = run("vocab", "list", "credit")
    assert terms.returncode == 0
    assert "Writing – Original Draft Preparation" in terms.stdout
    assert len([line for line in terms.stdout.splitlines() if "credit.niso.org/contributor-roles/" in line]) == 14
    shipped = Path(__file__).parents[1] / "vocab" / "credit.jsonld"
    valid = run("vocab", "validate", str(shipped))
    assert valid.returncode == 0
    assert "valid; vocabulary 'credit'" in valid.stdout and "14 terms" in valid.stdout


def test_check_writes_no_article_and_reports_the_same_findings(tmp_path):
    out, enrich_report, check_report = tmp_path / "out", tmp_path / "e.json", tmp_path / "c.json"
    assert run("enrich", str(FIXTURES), "--out", str(out), "--report", str(enrich_report)).returncode == 0
    done = run("check", str(FIXTURES), "--report", str(check_report))
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    enriched = json.loads(enrich_report.read_text(encoding="utf-8"))
    checked = json.loads(check_report.read_text(encoding="utf-8"))
    assert checked["summary"] == enriched["summary"]
    for a, b in zip(checked["articles"], enriched["articles"], strict=True):
        assert [(f["outcome"], f["term"]) for f in a["findings"]] == [(f["outcome"], f["term"]) for f in b["findings"]]
        assert not any(f["changed"] for f in a["findings"])
        assert a["output"] is None


def test_fail_on_makes_the_exit_code_1_and_a_failed_article_still_wins(tmp_path):
    assert run("check", str(FIXTURES), "--fail-on", "conflict,compound").returncode == 1
    assert run("check", str(FIXTURES / "legacy-1.1.xml"), "--fail-on", "conflict").returncode == 0
    bad = tmp_path / "bad.xml"
    bad.write_bytes(b"<article>")
    assert run("check", str(FIXTURES), str(bad), "--fail-on", "conflict").returncode == 2
    done = run("check", str(FIXTURES), "--fail-on", "tagged,bogus")
    assert done.returncode == 64
    assert "unknown outcome bogus" in done.stderr


def test_upgrade_legacy_and_accept_fuzzy_reach_the_decisions(tmp_path):
    def report(*options: str) -> dict[str, Any]:
        path = tmp_path / "r.json"
        done = run("check", str(FIXTURES), "--report", str(path), *options)
        assert done.returncode == 0, done.stderr
        return json.loads(path.read_text(encoding="utf-8"))

    def outcomes(*options: str) -> dict[str, int]:
        return report(*options)["summary"]

    def by_element(data: dict[str, Any]) -> dict[tuple[str, str], str]:
        return {(a["path"], f["xpath"]): f["outcome"] for a in data["articles"] for f in a["findings"]}

    default = outcomes()
    assert "upgraded" not in default and default["deprecated-identifier"] >= 5
    # --upgrade converts every identity in an older form, and those the profile only accepts as
    # correct (another profile's form: JATS4R's "Formal Analysis", SciELO's content-type).
    before, after = by_element(report()), by_element(report("--upgrade"))
    assert {k for k, v in before.items() if v == "deprecated-identifier"} <= {
        k for k, v in after.items() if v == "upgraded"
    }
    accepted = [k for k, v in after.items() if v == "upgraded" and before[k] != "deprecated-identifier"]
    assert accepted and {before[k] for k in accepted} == {"already-correct"}
    skipped = outcomes("--legacy", "skip")
    assert skipped["skipped-version"] > default.get("skipped-version", 0)
    assert outcomes("--accept-fuzzy", "90").get("suggestion", 0) < default["suggestion"]
    assert run("check", str(FIXTURES), "--accept-fuzzy", "101").returncode == 64


def test_profile_jats4r_writes_formal_analysis_in_title_case(tmp_path):
    out = tmp_path / "out"
    assert (
        run("enrich", str(FIXTURES / "credit-variants-1.3.xml"), "--out", str(out), "--profile", "jats4r").returncode
        == 0
    )
    text = (out / "credit-variants-1.3.xml").read_text(encoding="utf-8")
    assert 'vocab-term="Formal Analysis"' in text
    assert 'vocab-term="Formal analysis"' not in text


def test_outcome_names_in_the_cli_are_the_decision_outcomes():
    from jats_enrich.cli.article_options import OUTCOMES
    from jats_enrich.decide.model import Outcome

    assert tuple(o.value for o in Outcome) == OUTCOMES


def test_the_readme_command_with_the_report_inside_the_output_folder(tmp_path):
    done = run("enrich", str(FIXTURES), "--out", "out", "--report", "out/report.json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))["articles_failed"] == 0
    assert not [p for p in (tmp_path / "out").iterdir() if p.name.endswith(".tmp")]


def test_options_the_library_names_by_field_the_command_line_names_by_flag(tmp_path):
    """A note says `upgrade` to a Python or HTTP caller, --upgrade on the command line (report
    and terminal alike); every flag the library's names map to is one the command line has."""
    from jats_enrich.api import enrich_path
    from jats_enrich.cli.flags import FLAGS

    article = FIXTURES / "credit-existing-markup-1.3.xml"
    notes = [f.note or "" for f in enrich_path(article).report.findings]
    assert any("`upgrade` rewrites it" in n for n in notes) and not any("--upgrade" in n for n in notes)
    done = run("check", str(article), "--report", str(tmp_path / "r.json"))
    written = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    cli_notes = [f["note"] or "" for a in written["articles"] for f in a["findings"]]
    assert any("--upgrade rewrites it" in n for n in cli_notes) and not any("`" in n for n in cli_notes)
    assert done.returncode == 0
    enrich_help = run("enrich", "--help").stdout
    known = {word.rstrip(",") for word in enrich_help.split() if word.startswith("--")}
    assert set(FLAGS.values()) <= known


def test_command_line_slips_a_new_user_makes_get_a_usage_error_that_says_what_to_do(tmp_path):
    article = str(FIXTURES / "legacy-1.1.xml")
    nowhere = str(tmp_path / "no" / "r.json")
    cases = [
        (["enrich", "--out", str(tmp_path / "o")], "no input: name article files"),
        (["enrich", article, "--out", str(tmp_path / "o"), "--vocab", "crdit"], "crdit: no shipped dictionary"),
        (["enrich", article, "--out", str(tmp_path / "o"), "--workers", "0"], "--workers must be at least 1"),
        (
            ["enrich", article, "--out", str(tmp_path / "o"), "--report", str(tmp_path / "no" / "r.json")],
            "no such folder",
        ),
        (["check", article, "--report", nowhere], "no such folder"),
    ]
    for args, message in cases:
        done = run(*args)
        assert (done.returncode, done.stderr.count("\n")) == (64, 1), (args, done.stderr)
        assert message in done.stderr, (args, done.stderr)
    assert not (tmp_path / "no").exists() and not (tmp_path / "o").exists()


def test_a_report_may_go_into_the_output_folder_the_run_creates(tmp_path):
    out = tmp_path / "out"
    done = run("enrich", str(FIXTURES / "legacy-1.1.xml"), "--out", str(out), "--report", str(out / "r" / "r.json"))
    assert done.returncode == 0, done.stderr
    assert (out / "r" / "r.json").is_file()
    assert done.stderr.startswith("jats-enrich: 1 article, 0 failed;")


def test_check_help_does_not_promise_an_article_on_standard_output():
    assert "standard output" in run("enrich", "--help").stdout
    assert "standard output" not in run("check", "--help").stdout
    assert "keywords and subjects" in run("--help").stdout


def test_out_naming_a_file_is_refused_in_plain_words(tmp_path):
    for name in ("out.xml", "report.json", "r.html"):
        done = run("enrich", str(FIXTURES / "legacy-1.1.xml"), "-o", str(tmp_path / name))
        assert done.returncode == 64, done.stderr
        assert "is the folder for the enriched articles" in done.stderr and "--report" in done.stderr
        assert not (tmp_path / name).exists()
    (tmp_path / "articles.xml").mkdir()  # a folder that happens to be named so is a folder
    assert run("enrich", str(FIXTURES / "legacy-1.1.xml"), "-o", str(tmp_path / "articles.xml")).returncode == 0


def test_a_finished_run_leaves_no_journal_of_its_own_but_keeps_one_it_was_given(tmp_path):
    args = ["enrich", str(FIXTURES / "legacy-1.1.xml"), "--out", str(tmp_path / "out")]
    assert run(*args, "--report", str(tmp_path / "r.json")).returncode == 0
    assert not (tmp_path / "r.json.journal").exists() and not (tmp_path / "out" / ".jats-enrich-journal").exists()
    assert run(*args, "--journal", str(tmp_path / "mine.journal")).returncode == 0
    assert (tmp_path / "mine.journal").is_file()
