"""Configuration files: where they are found, what they may say, and flags overriding them."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from support import FIXTURES

from jats_enrich.config import EnrichOptions, load_settings
from jats_enrich.decide.model import Policy
from jats_enrich.errors import UsageError


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "jats_enrich", *args], capture_output=True, text=True, cwd=cwd)


CONFIG = """
vocab = ["casrai", "dictionaries/jef-topics.jsonld"]
precedence = ["casrai"]
replace_deprecated = true
fail_on = ["unmatched"]

[thresholds]
suggestion = 90

[targets]
elements = ["kwd", "subject"]
kwd_group_types = ["author-keywords", "topics"]
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copytree(FIXTURES / "dictionaries", tmp_path / "dictionaries")
    shutil.copy(FIXTURES / "keywords-casrai-1.3.xml", tmp_path / "article.xml")
    return tmp_path


def test_jats_enrich_toml_is_found_and_its_paths_are_relative_to_it(project):
    (project / "jats-enrich.toml").write_text(CONFIG)
    settings = load_settings(cwd=project)
    assert settings.vocab == ("casrai", str(project / "dictionaries" / "jef-topics.jsonld"))
    assert settings.replace_deprecated and settings.thresholds.suggestion == 90
    assert settings.targets.kwd_group_types == ("author-keywords", "topics")


def test_pyproject_table_and_explicit_file(project):
    (project / "pyproject.toml").write_text('[project]\nname = "x"\n\n[tool.jats-enrich]\nprofile = "jats4r"\n')
    assert load_settings(cwd=project).profile == "jats4r"
    other = project / "other.toml"
    other.write_text('legacy = "skip"\n')
    settings = load_settings(other, cwd=project)
    assert settings.legacy == "skip" and settings.profile == "niso"  # --config replaces discovery


def test_flags_override_the_file(project):
    (project / "jats-enrich.toml").write_text(CONFIG)
    settings = load_settings(cwd=project, overrides={"replace_deprecated": False, "thresholds": {"accept_fuzzy": 95}})
    assert not settings.replace_deprecated
    assert settings.thresholds.accept_fuzzy == 95 and settings.thresholds.suggestion == 90


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("vocabs = ['credit']\n", "unknown key 'vocabs'"),
        ("[targets]\nelement = ['kwd']\n", "unknown key 'targets.element'"),
        ("[targets]\nelements = ['kwds']\n", "targets.elements.0: Input should be"),
        ("profile = 'crossref'\n", "profile: no profile 'crossref'; the shipped ones are niso, jats4r, scielo, atypon"),
        ("profile = 'mine.toml'\n", "mine.toml: cannot read the profile"),
        ("upgrade = \n", "malformed TOML"),
    ],
)
def test_bad_configuration_is_one_clear_error(project, text, message):
    path = project / "jats-enrich.toml"
    path.write_text(text)
    with pytest.raises(UsageError) as error:
        load_settings(cwd=project)
    assert str(error.value).startswith(str(path))
    assert message in str(error.value)


def test_the_cli_reads_the_configuration_and_flags_win(project):
    (project / "jats-enrich.toml").write_text(CONFIG)
    done = run("enrich", "article.xml", "--out", "out", "--report", "r.json", cwd=project)
    assert done.returncode == 1, done.stderr  # fail_on = ["unmatched"]: "Software" matches no topic
    report = json.loads((project / "r.json").read_text())
    elements = {f["element"] for a in report["articles"] for f in a["findings"]}
    assert elements == {"kwd", "subject"}  # no role, no compound-kwd: the targets say so
    lines = {f["line"]: f for a in report["articles"] for f in a["findings"]}
    assert lines[34]["term"] == "Alternative metrics"  # replace_deprecated = true
    assert 44 not in lines  # research-organism is not among kwd_group_types
    flagged = run(
        "check", "article.xml", "--no-replace-deprecated", "--fail-on", "conflict", "--report", "r2.json", cwd=project
    )
    assert flagged.returncode == 0, flagged.stderr
    report = json.loads((project / "r2.json").read_text())
    assert {f["line"]: f["outcome"] for a in report["articles"] for f in a["findings"]}[34] == "deprecated"
    bad = run("check", "article.xml", "--config", "missing.toml", cwd=project)
    assert bad.returncode == 64 and "missing.toml: cannot read" in bad.stderr


def test_one_options_model_for_the_file_the_flags_and_python(tmp_path):
    """The configuration file's keys are EnrichOptions' fields: what a file says, Python says alike."""
    (tmp_path / "jats-enrich.toml").write_text(
        'vocab = ["credit", "casrai"]\nupgrade = true\naliases = ["answers.csv"]\n[thresholds]\nsuggestion = 70\n'
    )
    from_file = load_settings(cwd=tmp_path)
    from_python = EnrichOptions(
        vocab=("credit", "casrai"), upgrade=True, aliases=(tmp_path / "answers.csv",), thresholds={"suggestion": 70}
    )
    assert from_file == from_python
    assert from_file.policy.upgrade and from_file.policy.close_call == 70


def test_a_file_cannot_say_whether_a_run_writes(tmp_path):
    (tmp_path / "jats-enrich.toml").write_text("write = false\n")
    with pytest.raises(UsageError, match="unknown key 'write'"):
        load_settings(cwd=tmp_path)


def test_the_python_api_still_reads_its_older_spellings():
    older = EnrichOptions(  # type: ignore[call-arg]
        vocabularies=("casrai",),
        schemes=("s",),
        dictionary_cache="off",
        stylesheet="my.xsl",
        policy=Policy(upgrade=True, accept_fuzzy=90, close_call=70, profile="jats4r"),
    )
    assert older == EnrichOptions(
        vocab=("casrai",),
        scheme=("s",),
        cache="off",
        xslt="my.xsl",
        upgrade=True,
        profile="jats4r",
        thresholds={"accept_fuzzy": 90, "suggestion": 70},
    )
    with pytest.raises(ValueError, match="vocabulary"):
        EnrichOptions(vocabulary=("credit",))  # type: ignore[call-arg]
