"""Roles as real articles write them: the corpus under default options and --upgrade, against the
gold labels, the articles' own DTDs and the rules of JATS4R's credit-errors.sch."""

from __future__ import annotations

import json
import subprocess
import sys
from functools import cache

import pytest
from jats4r import credit_errors
from lxml import etree
from support import CORPUS, GOLD_ROLES, ROOT, SHARED, declares_dtd_in_catalog, dtd_errors, needs_shared

from jats_enrich.config import EnrichOptions
from jats_enrich.pipeline import Enricher, EnrichResult

pytestmark = needs_shared

FORMAL_ANALYSIS = "https://credit.niso.org/contributor-roles/formal-analysis/"


@cache
def corpus() -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(CORPUS.glob("*.xml"))}


@cache
def run(upgrade: bool = False, profile: str = "niso", on_output: bool = False) -> dict[str, EnrichResult]:
    enricher = Enricher(EnrichOptions(upgrade=upgrade, profile=profile))
    inputs = run(upgrade, profile) if on_output else None
    results = {}
    for name, data in corpus().items():
        source = inputs[name].output if inputs is not None else data
        assert source is not None, name
        results[name] = enricher.enrich_bytes(source, name)
    return results


def test_the_gold_evaluation_script_meets_its_targets():
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "evaluate_gold.py"), str(GOLD_ROLES), "--json"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    evaluation = json.loads(done.stdout)
    for view in evaluation["figures"].values():
        assert view["precision"] == 1.0
        assert view["recall"] >= 0.97
        assert view["degree"] is None or view["degree"] >= 0.95
    assert evaluation["wrong_tags"] == []


def expected_jats4r_errors(data: bytes) -> set[str]:
    """The roles that JATS4R's own test files mark with an 'Expect error' comment."""
    root = etree.fromstring(data)
    tree = root.getroottree()
    marked = set()
    for comment in root.iter(etree.Comment):
        if "Expect error" in (comment.text or ""):
            following = comment.getnext()
            while following is not None and following.tag != "role":
                following = following.getnext()
            assert following is not None, "an 'Expect error' comment with no role after it"
            marked.add(tree.getpath(following))
    return marked


@pytest.mark.parametrize("name", ["credit-test1.xml", "credit-test2.xml"])
def test_the_python_rules_agree_with_jats4rs_own_test_files(name):
    data = (SHARED / "jats4r" / name).read_bytes()
    assert {where for where, _ in credit_errors(data)} == expected_jats4r_errors(data)


def changed_roles(result: EnrichResult) -> set[str]:
    return {f.xpath for f in result.report.findings if f.changed}


@pytest.mark.parametrize(("upgrade", "at_least"), [(False, 3), (True, 15)], ids=["default", "upgrade"])
def test_no_article_valid_against_its_dtd_becomes_invalid(upgrade, at_least):
    checked = 0
    for name, original in corpus().items():
        output = run(upgrade)[name].output
        if output == original or not declares_dtd_in_catalog(original) or dtd_errors(original):
            continue
        assert dtd_errors(output) == [], name
        checked += 1
    # Changed and checkable: valid JATS articles whose DTD is in the catalog (NLM 3.0 ones are not).
    assert checked >= at_least


@pytest.mark.parametrize("upgrade", [False, True], ids=["default", "upgrade"])
def test_no_role_written_breaks_a_jats4r_error_rule_under_the_jats4r_profile(upgrade):
    written = 0
    for name in corpus():
        result = run(upgrade, "jats4r")[name]
        changed = changed_roles(result)
        broken = [e for e in credit_errors(result.output) if e[0] in changed]
        assert broken == [], name
        written += len(changed)
    assert written > 50


def test_under_the_niso_profile_the_only_jats4r_error_is_its_formal_analysis_spelling():
    """JATS4R's term list says "Formal Analysis" where NISO says "Formal analysis" (DESIGN §3)."""
    for name in corpus():
        result = run(True, "niso")[name]
        formal = {f.xpath for f in result.report.findings if f.changed and f.identifier == FORMAL_ANALYSIS}
        broken = [e for e in credit_errors(result.output) if e[0] in changed_roles(result)]
        assert all(where in formal and rule == "vocab-term must be the CRediT term" for where, rule in broken), name


PLOS_AND_F1000 = (
    [name for name, data in corpus().items() if b'content-type="http://credit.casrai.org/"' in data]
    if CORPUS.is_dir()
    else []
)


def test_plos_and_f1000_old_identifiers_are_reported_by_default():
    assert len(PLOS_AND_F1000) >= 15
    for name in PLOS_AND_F1000:
        generic = [
            f for f in run()[name].report.findings if f.found_identifier == 'content-type="http://credit.casrai.org/"'
        ]
        assert generic, name
        assert {f.outcome.value for f in generic} <= {"deprecated-identifier", "unmatched", "compound", "suggestion"}


def test_plos_and_f1000_upgrade_twice_changes_nothing_the_second_time():
    for name in PLOS_AND_F1000:
        first = run(True, "jats4r")[name]
        assert any(f.outcome.value == "upgraded" for f in first.report.findings), name
        assert b'content-type="http://credit.casrai.org/"' not in first.output or any(
            f.outcome.value == "unmatched" and f.found_identifier for f in first.report.findings
        )
        second = run(True, "jats4r", on_output=True)[name]
        assert second.output == first.output, name
        assert not any(f.changed for f in second.report.findings), name


def test_scielo_http_uris_are_reported_and_upgraded():
    scielo = [n for n, d in corpus().items() if b'content-type="http://credit.niso.org/' in d]
    assert scielo
    for name in scielo:
        default = [
            f
            for f in run()[name].report.findings
            if (f.found_identifier or "").startswith('content-type="http://credit.niso')
        ]
        assert default and all(f.outcome.value == "deprecated-identifier" for f in default)
        upgraded = run(True)[name]
        assert b'content-type="http://credit.niso.org/' not in upgraded.output
