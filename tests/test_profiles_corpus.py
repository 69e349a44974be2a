"""Output profiles on the real articles: each shipped profile's outputs are DTD-valid where the
input was, a second run changes nothing, and ``upgrade`` converts between any two profiles and back
to the first output byte for byte."""

from __future__ import annotations

import itertools
from functools import cache

import pytest
from support import CORPUS, declares_dtd_in_catalog, dtd_errors, needs_shared

from jats_enrich.config import EnrichOptions
from jats_enrich.decide.profiles import SHIPPED_PROFILES
from jats_enrich.pipeline import Enricher

pytestmark = needs_shared


@cache
def corpus() -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(CORPUS.glob("*.xml"))}


@cache
def enricher(profile: str) -> Enricher:
    # add_roles: the roles inserted from contribution statements are converted too.
    return Enricher(EnrichOptions(profile=profile, upgrade=True, add_roles=True))


def enrich_all(profile: str, inputs: dict[str, bytes]) -> dict[str, bytes]:
    outputs = {}
    for name, data in inputs.items():
        result = enricher(profile).enrich_bytes(data, name)
        assert result.output is not None, result.report.error
        outputs[name] = result.output
    return outputs


@cache
def first(profile: str) -> dict[str, bytes]:
    return enrich_all(profile, corpus())


@pytest.mark.parametrize("profile", SHIPPED_PROFILES)
def test_outputs_are_dtd_valid_where_the_input_was(profile):
    checked = 0
    for name, original in corpus().items():
        output = first(profile)[name]
        if output == original or not declares_dtd_in_catalog(original) or dtd_errors(original):
            continue
        assert dtd_errors(output) == [], name
        checked += 1
    assert checked >= 15


@pytest.mark.parametrize("profile", SHIPPED_PROFILES)
def test_a_second_run_changes_nothing(profile):
    outputs = first(profile)
    assert sum(outputs[n] != d for n, d in corpus().items()) >= 30  # the profile wrote something
    again = enrich_all(profile, outputs)
    assert [n for n in outputs if again[n] != outputs[n]] == []


@pytest.mark.parametrize(("a", "b"), list(itertools.permutations(SHIPPED_PROFILES, 2)))
def test_upgrade_converts_to_another_profile_and_back_byte_for_byte(a, b):
    there = enrich_all(b, first(a))
    assert there != first(a)  # every pair of shipped profiles differs somewhere on the corpus
    back = enrich_all(a, there)
    assert [n for n in back if back[n] != first(a)[n]] == []
