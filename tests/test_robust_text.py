"""Text handling in linear time (issue 15, point 5): role and keyword texts come from anywhere,
and a pattern that tries every split of a long text is quadratic. Each hostile shape is checked
by the work it causes, not by the clock: the same text twice as long must not cost four times
the calls, and a text longer than any name is given up on at once."""

from __future__ import annotations

import cProfile
import pstats

import pytest

from jats_enrich.config import EnrichOptions
from jats_enrich.decide.found_forms import is_placeholder
from jats_enrich.match.qualifiers import split_qualifier
from jats_enrich.pipeline import Enricher
from jats_enrich.text import normalize, without_trailing_punctuation

HOSTILE = {
    "full stops between two letters": lambda n: "x" + "." * n + "x",
    "a colon, then dashes": lambda n: "Software:" + " -" * n + " x",
    "open brackets": lambda n: "Data (" * n + "lead",
    "commas": lambda n: "a," * n,
    "and": lambda n: "review and " * n,
    "colons": lambda n: "x:" * n,
    "spaces and full stops": lambda n: " ." * n + "x",
    "hashes": lambda n: "#" * n,
    "a list of one role": lambda n: "Data curation; " * n,
    "qualifiers": lambda n: "(lead)" * n,
}


def calls(function, *args) -> int:
    profile = cProfile.Profile()
    profile.runcall(function, *args)
    return sum(stat[1] for stat in pstats.Stats(profile).stats.values())  # type: ignore[attr-defined]


def article(text: str, where: str) -> bytes:
    text = text.replace("&", "&amp;").replace("<", "&lt;")
    if where == "role":
        body = f"<contrib-group><contrib><role>{text}</role></contrib></contrib-group>"
    else:
        body = f"<kwd-group><kwd>{text}</kwd></kwd-group>"
    return f'<article dtd-version="1.3"><front><article-meta>{body}</article-meta></front></article>'.encode()


@pytest.mark.parametrize("shape", sorted(HOSTILE))
def test_normalising_and_splitting_are_linear(shape):
    make = HOSTILE[shape]
    for function in (normalize.__wrapped__, split_qualifier, without_trailing_punctuation):  # type: ignore[attr-defined]
        small, large = calls(function, make(2_000)), calls(function, make(4_000))
        assert large <= 2.5 * small + 50, (function.__name__, small, large)


@pytest.mark.parametrize("shape", sorted(HOSTILE))
@pytest.mark.parametrize("where", ["role", "kwd"])
def test_a_600_kb_hostile_text_costs_little_more_than_a_short_one(shape, where):
    def cost(size: int) -> int:
        enricher = Enricher(EnrichOptions(vocab=("credit", "casrai")))  # nothing cached
        return calls(enricher.enrich_bytes, article(HOSTILE[shape](size // len(HOSTILE[shape](1))), where))

    short, long = cost(500), cost(600_000)
    assert long <= 3 * short + 2_000, (short, long)  # the Python-level work does not grow with the text


def test_the_linear_splitter_reads_qualifiers_as_before():
    cases = {
        "Data curation (lead)": ("Data curation", "(lead)"),
        "Recursos (igual)": ("Recursos", "(igual)"),
        "Software [supporting]": ("Software", "[supporting]"),
        "Supervision: lead": ("Supervision", ": lead"),
        "Data curation (lead": ("Data curation", "(lead"),
        "Writing – review & editing (equal).": ("Writing – review & editing", "(equal)."),
        "Software – lead": ("Software", "– lead"),
        "A (b) (lead)": ("A (b)", "(lead)"),
        "Conceptualization, lead": ("Conceptualization", ", lead"),
    }
    for text, (base, written) in cases.items():
        found, qualifier = split_qualifier(text)
        assert (found, qualifier.written if qualifier else None) == (base, written), text
    for text in ("(lead)", "Writing - original draft", "Software, Supervision", "Lead"):
        assert split_qualifier(text) == (text, None)


def test_placeholders_are_found_by_their_ends():
    assert all(is_placeholder(v) for v in ("##degree##", "{{degree}}", "${degree}", "%degree%", "[degree]"))
    assert not any(is_placeholder(v) for v in ("lead", "#", "##", "[]", "{{}}", "50%"))
    assert not is_placeholder("#" * 100_000 + "x")


def test_the_reported_hostile_roles_do_not_stall_a_batch(tmp_path):
    """The issue's two roles (a minute, and more than 40 minutes, before): a run over them and a
    normal article must end; the timeout only detects a hang, far above what the run takes."""
    import subprocess
    import sys

    from support import FIXTURES

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "dots.xml").write_bytes(article("x" + "." * 40_000 + "x", "role"))
    (folder / "dashes.xml").write_bytes(article("Software:" + " -" * 300_000 + " x", "role"))
    (folder / "keyword.xml").write_bytes(article("Software:" + " -" * 300_000 + " x", "kwd"))
    (folder / "normal.xml").write_bytes((FIXTURES / "credit-variants-1.3.xml").read_bytes())
    command = [sys.executable, "-m", "jats_enrich", "enrich", str(folder), "--out", str(tmp_path / "out")]
    done = subprocess.run(
        [*command, "--vocab", "credit", "--vocab", "casrai", "--workers", "1", "--quiet"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out" / "normal.xml").is_file()


@pytest.mark.parametrize(
    "element",
    ["<kwd-group>{}</kwd-group>", "<contrib-group>{}</contrib-group>"],
    ids=["keywords", "roles"],
)
def test_an_article_of_more_targets_than_the_limit_fails_at_once(tmp_path, element):
    """Volume, the other pathology: a 600 kB article of 100,000 empty keywords (or 23,000 roles)
    fails at once with one line; the limit is an option, and 0 lifts it."""
    import subprocess
    import sys

    from jats_enrich.limits import MAX_TARGETS

    one = "<kwd/>" if "kwd" in element else "<contrib><role/></contrib>"
    data = article_with(element.format(one * (600_000 // len(one))))
    enricher = Enricher(EnrichOptions(vocab=("credit", "casrai")))
    result = enricher.enrich_bytes(data, "big.xml")
    assert (
        result.report.error
        == f"big.xml: more than {MAX_TARGETS} roles, keywords and subjects in one article (max_targets)"
    )
    # the work stops at the limit: a few calls per element (numbering them), where enriching each
    # would take more than a hundred
    elements = 600_000 // len(one)
    assert calls(enricher.enrich_bytes, data, "big.xml") < 10 * elements
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "big.xml").write_bytes(data)
    (folder / "small.xml").write_bytes(article_with(element.format(one * 10)))
    command = [sys.executable, "-m", "jats_enrich", "enrich", str(folder), "--quiet", "--vocab", "casrai"]
    done = subprocess.run([*command, "--out", str(tmp_path / "a")], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "(max_targets)" in done.stderr
    assert (tmp_path / "a" / "small.xml").is_file()
    done = subprocess.run(
        [*command, "--out", str(tmp_path / "b"), "--max-targets", "0"], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "b" / "big.xml").is_file()


def article_with(body: str) -> bytes:
    return f'<article dtd-version="1.3"><front><article-meta>{body}</article-meta></front></article>'.encode()


def test_the_pieces_of_statements_count_too():
    """Compound statements cost per piece: 2,000 roles of many random pieces each fail with one
    line (a limit on targets alone let such an article take over a second); real statements of a
    few pieces, even in hundreds, are enriched."""
    from jats_enrich.limits import MAX_TARGETS
    from jats_enrich.match.analyse import PIECES_PER_TARGET

    enricher = Enricher(EnrichOptions(vocab=("credit", "casrai")))
    hostile = "".join(
        f"<contrib><role>Concept {i} and writing, method {i}, data {i} e review {i}</role></contrib>"
        for i in range(2_000)
    )
    result = enricher.enrich_bytes(article_with(f"<contrib-group>{hostile}</contrib-group>"), "many.xml")
    limit = PIECES_PER_TARGET * MAX_TARGETS
    expected = f"many.xml: more than {limit} pieces of roles, keywords and subjects in one article (max_targets)"
    assert result.report.error == expected
    real = "<contrib><role>Conceptualization, Writing – original draft and Software</role></contrib>" * 400
    result = enricher.enrich_bytes(article_with(f"<contrib-group>{real}</contrib-group>"), "real.xml")
    assert result.report.error is None
    assert {f.outcome.value for f in result.report.findings} == {"compound"}
    unlimited = Enricher(EnrichOptions(vocab=("credit", "casrai"), max_targets=0))
    assert unlimited.enrich_bytes(article_with(f"<contrib-group>{hostile}</contrib-group>"), "m").report.error is None
