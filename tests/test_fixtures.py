"""The hand-written fixtures, driven by fixtures/expected-findings.tsv, and the output guarantees."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import pytest
from support import FIXTURES, declares_dtd_in_catalog, dtd_errors, needs_shared, only_attributes_added

from jats_enrich.config import EnrichOptions
from jats_enrich.pipeline import Enricher

FIXTURE_FILES = sorted(FIXTURES.glob("*.xml"))


Row = tuple[int, str, str, str]  # line, outcome, term, degree


def expected_findings(upgrade: bool = False) -> dict[str, list[Row]]:
    table: dict[str, list[Row]] = defaultdict(list)
    with (FIXTURES / "expected-findings.tsv").open(encoding="utf-8") as handle:
        rows = csv.reader((line for line in handle if not line.startswith("#")), delimiter="\t")
        for file, line, outcome, term, degree, upgraded, _why in rows:
            table[file].append((int(line), (upgraded or outcome) if upgrade else outcome, term, degree))
    return table


EXPECTED = expected_findings()
EXPECTED_UPGRADE = expected_findings(upgrade=True)


@pytest.fixture(scope="module")
def enricher() -> Enricher:
    return Enricher()


@pytest.fixture(scope="module")
def upgrader() -> Enricher:
    return Enricher(EnrichOptions(upgrade=True))


def text_of(data: bytes) -> str:
    """Decode by BOM so that UTF-16 fixtures compare as text."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    return data.decode("utf-8-sig") if data.startswith(b"\xef\xbb\xbf") else data.decode("latin-1")


def test_every_fixture_is_in_the_table_or_has_no_default_finding(enricher):
    assert set(EXPECTED) <= {p.name for p in FIXTURE_FILES}
    for path in FIXTURE_FILES:
        if path.name not in EXPECTED:
            assert enricher.enrich_bytes(path.read_bytes(), path.name).report.findings == [], path.name
    assert len(DTD_FIXTURES) == len(FIXTURE_FILES) - 1


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=lambda p: p.name)
def test_findings_match_the_table(enricher, path: Path):
    result = enricher.enrich_bytes(path.read_bytes(), path.name)
    assert result.report.error is None
    found = [(f.line, f.outcome.value, f.term or "", f.degree or "") for f in result.report.findings]
    assert found == EXPECTED.get(path.name, [])


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=lambda p: p.name)
def test_findings_under_upgrade_match_the_table(upgrader, path: Path):
    result = upgrader.enrich_bytes(path.read_bytes(), path.name)
    found = [(f.line, f.outcome.value, f.term or "", f.degree or "") for f in result.report.findings]
    assert found == EXPECTED_UPGRADE.get(path.name, [])


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=lambda p: p.name)
def test_output_is_input_plus_attributes_and_a_second_run_changes_nothing(enricher, path: Path):
    original = path.read_bytes()
    first = enricher.enrich_bytes(original, path.name).output
    assert first is not None
    if original.startswith((b"\xff\xfe", b"\xfe\xff")):
        assert only_attributes_added(text_of(first).encode(), text_of(original).encode())
        assert first[:2] == original[:2]
    else:
        assert only_attributes_added(first, original)
    tagged = sum(1 for f in enricher.enrich_bytes(original, path.name).report.findings if f.outcome == "tagged")
    assert (first != original) == (tagged > 0)
    second = enricher.enrich_bytes(first, path.name)
    assert second.output == first
    assert not any(f.outcome == "tagged" for f in second.report.findings)


def test_entity_references_stay_and_non_targets_are_untouched(enricher):
    original = (FIXTURES / "credit-variants-1.3.xml").read_bytes()
    out = enricher.enrich_bytes(original, "f").output.decode()
    assert 'writing-original-draft/">Writing &ndash; original draft</role>' in out
    assert "<role>Methodology</role></person-group>" in out  # a citation's role
    assert "<![CDATA[a CDATA section <role>Methodology</role>]]>" in out
    assert "<!-- <role>Software</role> -->" in out
    assert "<name><surname>Bergstr&ouml;m</surname>" in out
    assert "<role>Editor</role>" in out


def test_latin1_output_writes_the_en_dash_as_a_character_reference(enricher):
    original = (FIXTURES / "credit-1.2-latin1-crlf.xml").read_bytes()
    out = enricher.enrich_bytes(original, "f").output
    assert b'vocab-term="Writing &#8211; original draft"' in out
    assert out.count(b"\r\n") == original.count(b"\r\n") and b"\n" not in out.replace(b"\r\n", b"")


def test_below_jats_1_2_only_content_type_is_written_and_legacy_skip_writes_nothing(enricher):
    original = (FIXTURES / "legacy-1.1.xml").read_bytes()
    out = enricher.enrich_bytes(original, "f").output
    assert b'<role content-type="https://credit.niso.org/contributor-roles/conceptualization/">Conceptualization' in out
    assert b" vocab=" not in out
    skip = Enricher(EnrichOptions(legacy="skip"))
    result = skip.enrich_bytes(original, "f")
    assert result.output == original
    assert [f.outcome.value for f in result.report.findings] == ["skipped-version", "skipped-version", "unmatched"]


#: Fixtures with a DOCTYPE (one fixture has none on purpose: its version comes from @dtd-version).
DTD_FIXTURES = [p for p in FIXTURE_FILES if "<!DOCTYPE" in text_of(p.read_bytes())]


@needs_shared
@pytest.mark.parametrize("path", DTD_FIXTURES, ids=lambda p: p.name)
def test_fixtures_are_valid_against_their_dtd_before_and_after(enricher, path: Path):
    original = path.read_bytes()
    assert declares_dtd_in_catalog(text_of(original).encode())
    output = enricher.enrich_bytes(original, path.name).output
    assert dtd_errors(original) == []
    assert dtd_errors(output) == []


@needs_shared
def test_the_dtd_check_does_catch_an_undeclared_attribute():
    original = (FIXTURES / "legacy-1.1.xml").read_bytes()
    broken = original.replace(b"<role>Conceptualization", b'<role vocab="credit">Conceptualization')
    assert any("vocab" in e for e in dtd_errors(broken))


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=lambda p: p.name)
def test_a_second_upgrade_changes_nothing(upgrader, path: Path):
    first = upgrader.enrich_bytes(path.read_bytes(), path.name).output
    second = upgrader.enrich_bytes(first, path.name)
    assert second.output == first
    assert not any(f.changed for f in second.report.findings)


def test_upgrade_removes_the_generic_content_type_only_in_jats_1_2_and_later(upgrader):
    modern = upgrader.enrich_bytes((FIXTURES / "credit-existing-markup-1.3.xml").read_bytes(), "f").output.decode()
    assert '<role vocab="credit" vocab-identifier="https://credit.niso.org/" vocab-term="Methodology"' in modern
    assert "credit.casrai.org" not in modern
    legacy = upgrader.enrich_bytes((FIXTURES / "credit-content-type-1.1.xml").read_bytes(), "f").output.decode()
    assert '<role content-type="https://credit.niso.org/contributor-roles/methodology/">Methodology' in legacy
    assert '<role content-type="https://credit.niso.org/contributor-roles/supervision/">Supervisão' in legacy
    assert '<role content-type="http://credit.casrai.org/">Academic Editor' in legacy  # nothing to upgrade it to
