"""--add-roles on the real articles: the gold evaluation of linked statements, DTD validity,
JATS4R's CRediT rules on every inserted role, a second run that changes nothing, both engines the
same bytes, and nothing changed but inserted roles and identity attributes."""

from __future__ import annotations

import json
import subprocess
import sys
from functools import cache

import pytest
from jats4r import credit_errors
from lxml import etree
from support import (
    CORPUS,
    ROOT,
    declares_dtd_in_catalog,
    dtd_errors,
    needs_shared,
    only_attributes_added,
    only_roles_and_attributes_added,
)

from jats_enrich.config import EnrichOptions
from jats_enrich.limits import ARTICLE_PARSER_OPTIONS
from jats_enrich.pipeline import Enricher, EnrichResult

pytestmark = needs_shared


@cache
def corpus() -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(CORPUS.glob("*.xml"))}


@cache
def run(engine: str = "lxml", profile: str = "niso", again: bool = False) -> dict[str, EnrichResult]:
    enricher = Enricher(EnrichOptions(add_roles=True, engine=engine, profile=profile))  # type: ignore[arg-type]
    inputs = run(engine, profile) if again else None
    results = {}
    for name, data in corpus().items():
        source = inputs[name].output if inputs is not None else data
        assert source is not None, name
        results[name] = enricher.enrich_bytes(source, name)
    return results


def inserted_roles(output: bytes, original: bytes) -> list[etree._Element]:
    """The roles of ``output`` that ``original`` does not have: each contributor's roles past its
    original count (the tool inserts after a contributor's last role)."""
    parse = etree.XMLParser(**ARTICLE_PARSER_OPTIONS)
    before = list(etree.fromstring(original, parse).iter("contrib"))
    after = list(etree.fromstring(output, parse).iter("contrib"))
    assert len(before) == len(after)
    new = []
    for old, now in zip(before, after, strict=True):
        count = len([c for c in old if c.tag == "role"])
        new += [c for c in now if c.tag == "role"][count:]
    return new


def test_the_statement_evaluation_script_meets_its_targets():
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "evaluate_statements.py"), "--json"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
    figures = json.loads(done.stdout)
    linked, shared = figures["linked"], figures["shared"]
    assert linked["precision"] == shared["precision"] == 1.0 and linked["wrong"] == shared["wrong"] == []
    assert linked["recall"] >= 0.98 and linked["gold_pairs"] >= 300
    assert shared["recall"] >= 0.9 and shared["gold_pairs"] >= 150


def test_roles_are_inserted_and_nothing_else_changes():
    articles_with_new_roles = 0
    for name, original in corpus().items():
        result = run()[name]
        assert result.output is not None, result.report.error
        assert only_roles_and_attributes_added(result.output, original), name
        if not only_attributes_added(result.output, original):
            articles_with_new_roles += 1
            written = sum(i.written for s in result.report.statements for i in s.items)
            assert written == len(inserted_roles(result.output, original)), name
    assert articles_with_new_roles >= 8


def test_no_article_valid_against_its_dtd_becomes_invalid():
    checked = 0
    for name, original in corpus().items():
        output = run()[name].output
        assert output is not None
        if only_attributes_added(output, original) or not declares_dtd_in_catalog(original) or dtd_errors(original):
            continue
        assert dtd_errors(output) == [], name
        checked += 1
    assert checked >= 5


def test_every_inserted_role_passes_jats4r_credit_rules():
    inserted = 0
    for name, original in corpus().items():
        output = run(profile="jats4r")[name].output
        assert output is not None
        new = inserted_roles(output, original)
        if not new:
            continue
        tree = new[0].getroottree()
        where = {tree.getpath(role) for role in new}
        assert [e for e in credit_errors(output) if e[0] in where] == [], name
        inserted += len(new)
    assert inserted >= 300


def test_a_second_run_changes_nothing():
    for name in corpus():
        first, second = run()[name], run(again=True)[name]
        assert second.output == first.output, name
        assert not any(i.written for s in second.report.statements for i in s.items), name


def test_both_engines_write_the_same_bytes():
    for name, original in corpus().items():
        lxml_output = run()[name].output
        if lxml_output is None or only_attributes_added(lxml_output, original):
            continue  # the engines' agreement on attributes alone is tested elsewhere
        assert run("xslt")[name].output == lxml_output, name


def test_the_readmes_before_and_after_are_the_tools_own():
    import re

    blocks = re.findall(r"```xml\n(.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"), re.DOTALL)
    before, after = [b for b in blocks if "Breuer" in b]
    [modern] = [b for b in blocks if "Lindqvist" in b]
    name = "libero__elife-36842.xml"
    assert before.encode() in corpus()[name]
    assert after.encode() in run()[name].output  # type: ignore[operator]
    fixture = (ROOT / "fixtures" / "statements" / "elife-linked-1.3.xml").read_bytes()
    assert modern.encode() in Enricher(EnrichOptions(add_roles=True)).enrich_bytes(fixture, "f").output  # type: ignore[operator]


STATEMENT_FIXTURES = sorted((ROOT / "fixtures" / "statements").glob("*.xml"))


@pytest.mark.parametrize("path", STATEMENT_FIXTURES, ids=lambda p: p.name)
def test_the_statement_fixtures_stay_valid_and_their_new_roles_pass_jats4r(path):
    """The corpus's statements are all in JATS <= 1.1 articles (content-type form): the fixtures
    carry the JATS 1.3 form of inserted roles."""
    original = path.read_bytes()
    output = Enricher(EnrichOptions(add_roles=True, profile="jats4r")).enrich_bytes(original, path.name).output
    assert output is not None
    assert dtd_errors(original) == [] and dtd_errors(output) == []
    new = inserted_roles(output, original)
    if new:
        tree = new[0].getroottree()
        where = {tree.getpath(role) for role in new}
        assert [e for e in credit_errors(output) if e[0] in where] == []
        assert all(role.get("vocab") == "credit" for role in new)
