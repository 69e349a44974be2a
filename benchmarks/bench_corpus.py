"""Throughput of both engines on the real corpus, each against its bare baseline.

    .venv/bin/python benchmarks/bench_corpus.py [--corpus ../shared/corpus/real] [--rounds 7]

Both are measured in the same run, in alternating rounds, on the same bytes held in memory (no
disk I/O in either). The baseline parses each article with lxml's default parser
(entities left unresolved, which real articles need, and no network) and serialises the tree back
to bytes; the engine does everything the tool does per article (read,
find targets, match, decide, patch the bytes, build findings). Printed: median seconds per round
and the ratio of articles/s (engine / baseline); above 1.0 the engine is faster. The xslt engine
is measured against a bare saxonche identity transform of the same articles.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from lxml import etree

from jats_enrich.config import EnrichOptions
from jats_enrich.pipeline import Enricher

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "real"


def baseline(articles: list[bytes]) -> None:
    parser = etree.XMLParser(resolve_entities=False, no_network=True)  # else lxml defaults
    for data in articles:
        etree.tostring(etree.fromstring(data, parser).getroottree())


def saxon_identity() -> Callable[[list[bytes]], None]:
    """Bare saxonche: parse + identity transform + serialise, one processor and stylesheet for all.

    Saxon cannot read a real article as it is (its DOCTYPE names a DTD on the network, its named
    entities need that DTD), so it reads the same text the xslt engine gives it; that preparation
    is done once, outside the timing.
    """
    from saxonche import PySaxonProcessor

    from jats_enrich.article.reader import read_article
    from jats_enrich.write.xslt_engine import saxon_input

    processor = PySaxonProcessor(license=False)
    identity = processor.new_xslt30_processor().compile_stylesheet(
        stylesheet_text='<xsl:stylesheet version="3.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">'
        '<xsl:mode on-no-match="shallow-copy"/></xsl:stylesheet>'
    )
    prepared: dict[int, str] = {}

    def run(articles: list[bytes]) -> None:
        for data in articles:
            text = prepared.get(id(data))
            if text is None:
                text = prepared[id(data)] = saxon_input(read_article(data, "bench"))
            identity.transform_to_string(xdm_node=processor.parse_xml(xml_text=text))

    return run


def engine(enricher: Enricher) -> Callable[[list[bytes]], None]:
    def run(articles: list[bytes]) -> None:
        for data in articles:
            enricher.enrich_bytes(data)

    return run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args(argv)
    files = sorted(args.corpus.glob("*.xml"))
    if not files:
        print(f"no articles in {args.corpus}", file=sys.stderr)
        return 1
    articles = [p.read_bytes() for p in files]
    runners: dict[str, Callable[[list[bytes]], None]] = {
        "lxml parse+serialise (baseline)": baseline,
        "lxml engine": engine(Enricher()),
        "saxonche identity (baseline)": saxon_identity(),
        "xslt engine": engine(Enricher(EnrichOptions(engine="xslt"))),
    }
    for run in runners.values():  # warm up: caches, compiled stylesheets, the prepared texts
        run(articles[:20])
    timings: dict[str, list[float]] = {name: [] for name in runners}
    for _ in range(args.rounds):
        for name, run in runners.items():
            start = time.perf_counter()
            run(articles)
            timings[name].append(time.perf_counter() - start)

    size = sum(map(len, articles)) / 1e6
    print(f"{len(articles)} articles, {size:.1f} MB, {args.rounds} rounds (median)")
    baselines = {
        "lxml parse+serialise (baseline)": "lxml parse+serialise (baseline)",
        "lxml engine": "lxml parse+serialise (baseline)",
        "saxonche identity (baseline)": "saxonche identity (baseline)",
        "xslt engine": "saxonche identity (baseline)",
    }
    for name, values in timings.items():
        median = statistics.median(values)
        base = statistics.median(timings[baselines[name]])
        print(
            f"  {name:34s} {median:7.3f} s  {len(articles) / median:8.1f} articles/s  "
            f"ratio {base / median:5.2f} (of {baselines[name]})"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
