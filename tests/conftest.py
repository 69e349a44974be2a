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
