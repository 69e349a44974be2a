"""Test configuration: skip tests marked `shared` only where ../shared is absent.

.ci/run sets JATS_ENRICH_REQUIRE_SHARED=1: there a missing ../shared is an error, never a skip,
so CI cannot turn green by skipping the tests that read the real corpus.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from support import SHARED, shared_missing


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not shared_missing:
        return
    if os.environ.get("JATS_ENRICH_REQUIRE_SHARED") == "1":
        raise pytest.UsageError(f"JATS_ENRICH_REQUIRE_SHARED=1 but {SHARED} has no corpus and DTD catalog")
    skip = pytest.mark.skip(reason=f"needs {SHARED} (the real corpus and JATS DTDs), which is absent")
    for item in items:
        if "shared" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session", autouse=True)
def a_private_dictionary_cache(tmp_path_factory: pytest.TempPathFactory):
    """Compiled dictionaries go to a folder of this run (the user's own cache is never touched);
    JATS_ENRICH_CACHE=off given to pytest runs every test without a cache instead."""
    if "JATS_ENRICH_CACHE" in os.environ:
        yield
        return
    os.environ["JATS_ENRICH_CACHE"] = str(tmp_path_factory.mktemp("dictionary-cache"))
    try:
        yield
    finally:
        del os.environ["JATS_ENRICH_CACHE"]


SCHEMA = Path(__file__).resolve().parents[1] / "src" / "jats_enrich" / "data" / "report.schema.json"


@pytest.fixture(scope="session", autouse=True)
def every_json_report_validates(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest):
    """After the whole run: every JSON report any test wrote validates against the published schema."""
    yield
    import json

    import jsonschema

    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    checked = 0
    for path in tmp_path_factory.getbasetemp().rglob("*.json"):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            continue
        if isinstance(data, dict) and "schema_version" in data and "articles" in data:
            errors = sorted(validator.iter_errors(data), key=str)
            assert not errors, f"{path}: {errors[0].message}"
            checked += 1
    # Many tests write JSON reports; none found means this check looked in the wrong place. (A run
    # of a few tests that write none, with -k, is not this check's business.)
    if request.session.testscollected > 200:
        assert checked > 0, f"no JSON report found under {tmp_path_factory.getbasetemp()}"
