"""Crossref's deposit schema 5.5 (XSD 1.1) from ../shared/crossref-schema-5.5, loaded once, with
every import resolved to a local file: validation never reaches the network; the tests' depositor."""

from __future__ import annotations

import warnings
from functools import cache

from support import SHARED

from jats_enrich.write.crossref_deposit import Depositor

SCHEMA_FOLDER = SHARED / "crossref-schema-5.5"
#: The depositor of the tests' deposits.
DEPOSITOR = Depositor(
    depositor_name="Fixture Production",
    email_address="production@journal.example",
    registrant="jats-enrich fixtures",
    resource="https://journal.example/article/{doi}",
)


@cache
def crossref_schema():  # type: ignore[no-untyped-def]
    import xmlschema

    folder = SCHEMA_FOLDER
    local = {
        "http://www.w3.org/Math/XMLSchema/mathml3/mathml3.xsd": str(folder / "standard-modules/mathml3/mathml3.xsd"),
        "http://www.w3.org/2009/01/xml.xsd": str(folder / "standard-modules/xml.xsd"),
    }
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an import that fails would otherwise pass in silence
        return xmlschema.XMLSchema11(
            str(folder / "crossref5.5.0.xsd"), allow="sandbox", defuse="always", uri_mapper=local
        )


def crossref_errors(xml: bytes) -> list[str]:
    """The schema's complaints about a document ([]: valid)."""
    import xmlschema

    resource = xmlschema.XMLResource(xml, allow="none", defuse="always")
    return [f"{e.path}: {e.reason}" for e in crossref_schema().iter_errors(resource)]
