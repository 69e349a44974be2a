"""Helpers shared by the tests: where ../shared is, DTD validation through its catalog, and an
independent check that an output differs from its input only by added attributes."""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"
SHARED = Path(os.environ.get("JATS_ENRICH_SHARED", ROOT.parent / "shared")).resolve()
CORPUS = SHARED / "corpus" / "real"
GOLD_ROLES = SHARED / "gold" / "roles-dev.tsv"
DTD_ROOT = SHARED / "jats-dtds"
CATALOG = DTD_ROOT / "catalog.xml"

#: Tests that read ../shared carry this marker; they are skipped only when ../shared is absent
#: (a user's clone). CI always has it beside the clone, so there they always run.
needs_shared = pytest.mark.shared
shared_missing = not (CORPUS.is_dir() and CATALOG.is_file())


class _CatalogResolver(etree.Resolver):
    """Resolve DTD public identifiers through the OASIS catalog of ../shared/jats-dtds."""

    def __init__(self, catalog: Path) -> None:
        super().__init__()
        ns = {"c": "urn:oasis:names:tc:entity:xmlns:xml:catalog"}
        entries = etree.parse(str(catalog)).getroot().findall("c:public", ns)
        self.public = {e.get("publicId"): (catalog.parent / e.get("uri", "")).resolve() for e in entries}

    def resolve(self, url, pubid, context):  # type: ignore[no-untyped-def]
        path = self.public.get(pubid) if pubid else None
        if path is not None:
            return self.resolve_filename(str(path), context)
        return None


@cache
def _resolver() -> _CatalogResolver:
    return _CatalogResolver(CATALOG)


def dtd_errors(data: bytes) -> list[str]:
    """Validation errors of ``data`` against the DTD its DOCTYPE names (resolved via the catalog)."""
    parser = etree.XMLParser(dtd_validation=True, load_dtd=True, no_network=True, resolve_entities=True)
    parser.resolvers.add(_resolver())
    with contextlib.suppress(etree.XMLSyntaxError):
        etree.fromstring(data, parser)
    return [f"line {e.line}: {e.message}" for e in parser.error_log if e.level_name in ("ERROR", "FATAL")]


def as_fields(policy: dict[str, Any]) -> dict[str, Any]:
    """Decision policy keywords (Policy's names) as the fields of EnrichOptions that carry them."""
    fields = dict(policy)
    thresholds = {"accept_fuzzy": fields.pop("accept_fuzzy")} if "accept_fuzzy" in fields else {}
    if "close_call" in fields:
        thresholds["suggestion"] = fields.pop("close_call")
    return {**fields, "thresholds": thresholds} if thresholds else fields


def declares_dtd_in_catalog(data: bytes) -> bool:
    m = re.search(rb'<!DOCTYPE\s+\S+\s+PUBLIC\s+"([^"]+)"', data[:4000])
    return m is not None and m.group(1).decode() in _resolver().public


#: Attributes the tool may add: the vocab attributes, and (JATS <= 1.1) a CRediT term URI in content-type.
VOCAB_ATTRIBUTE = re.compile(
    rb'\s(?:(?:vocab|vocab-identifier|vocab-term|vocab-term-identifier|degree-contribution)="[^"]*"'
    rb'|content-type="(?:https://credit\.niso\.org/contributor-roles|https://casrai\.org/dictionary/term)/[a-z0-9-]+/?")'
)


def only_attributes_added(output: bytes, original: bytes) -> bool:
    """True when ``output`` is ``original`` with identity attributes inserted and nothing else changed.

    Independent of the tool's own patcher: walks the vocab attributes found in the output and
    checks that everything between them is the original's bytes, in order.
    """
    return _only_added(output, original, VOCAB_ATTRIBUTE)


#: A <role> the tool inserts (--add-roles), with the white space before it: CRediT vocab attributes
#: (JATS >= 1.2) or a CRediT term URI in content-type (older versions).
INSERTED_ROLE = re.compile(
    rb'\s*<role (?:vocab="credit" vocab-identifier="https://credit\.niso\.org/"[^>]*'
    rb'|content-type="https://credit\.niso\.org/contributor-roles/[a-z-]+/")>[^<]*</role>'
)


def only_roles_and_attributes_added(output: bytes, original: bytes) -> bool:
    """True when ``output`` is ``original`` with identity attributes and CRediT roles inserted and
    nothing else changed (the same walk as ``only_attributes_added``)."""
    return _only_added(output, original, re.compile(INSERTED_ROLE.pattern + rb"|" + VOCAB_ATTRIBUTE.pattern))


def _only_added(output: bytes, original: bytes, added: re.Pattern[bytes]) -> bool:
    """Walk what ``added`` finds in the output: everything between two finds must be the
    original's next bytes; a find the original has there too was already there."""
    i = j = 0
    for m in added.finditer(output):
        gap = output[j : m.start()]
        if original[i : i + len(gap)] != gap:
            return False
        i += len(gap)
        bare = VOCAB_ATTRIBUTE.sub(b"", m.group(0))  # an existing role given attributes, if it is one
        if original.startswith(m.group(0), i):
            i += len(m.group(0))
        elif m.group(0) != bare and bare.strip() and original.startswith(bare, i):
            i += len(bare)
        j = m.end()
    return original[i:] == output[j:]


def comparable_report(path: Path, out: Path | None = None) -> str:
    """A JSON report's text as two runs of the same work give it: the output folder written OUT
    and the run's times taken out (the run record must be there)."""
    text = path.read_text(encoding="utf-8")
    if out is not None:
        text = text.replace(str(out), "OUT")
    data = json.loads(text)
    data["run"] = {k: v for k, v in data["run"].items() if k not in ("started", "finished")}
    return json.dumps(data, sort_keys=True)


def stop_process(process: subprocess.Popen[bytes]) -> None:
    """A server or worker the tests started, stopped: asked first, killed if it will not go."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)
