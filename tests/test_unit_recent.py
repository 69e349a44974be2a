"""Recent: what the library keeps between calls is bounded, least recently used out first."""

from __future__ import annotations

from jats_enrich.recent import Recent


def test_at_most_size_values_are_kept_and_the_least_recently_used_goes_first_closed():
    closed: list[str] = []
    kept: Recent[str, str] = Recent(2, close=closed.append)
    made: list[str] = []

    def make(value: str) -> str:
        made.append(value)
        return value

    assert kept.get("a", lambda: make("A")) == "A"
    assert kept.get("b", lambda: make("B")) == "B"
    assert kept.get("a", lambda: make("A2")) == "A"  # kept: not made again, and now the most recent
    assert kept.get("c", lambda: make("C")) == "C"  # b is the least recently used
    assert (made, closed, len(kept)) == (["A", "B", "C"], ["B"], 2)
    kept.drop(lambda key: key == "a")
    assert closed == ["B", "A"] and len(kept) == 1
