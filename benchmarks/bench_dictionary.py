"""Does matching cost grow with the dictionary? A generated 20,000-term dictionary against CRediT.

    .venv/bin/python benchmarks/bench_dictionary.py [--terms 20000] [--rounds 5]

Generates a JSON-LD dictionary of N terms (each with an alias and a Portuguese translation), then,
in the same run: the time to load and validate it, and to build the matcher; and the time per
keyword to match the real keywords and subjects of ../shared/corpus/real (plus every tenth
generated label, so that hits are measured too) against it and against the 14-term CRediT
dictionary. Match caches are emptied before each round, so every lookup does the full work.
Printed: medians, and the ratio of per-keyword match time (large / CRediT); near 1.0 means the
cost does not grow with the dictionary.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from jats_enrich.article.reader import read_article
from jats_enrich.article.targets import find_targets
from jats_enrich.config import EnrichOptions
from jats_enrich.dictionaries import load_dictionary_file, load_vocabulary
from jats_enrich.dictionaries.jsonld import CONTEXT
from jats_enrich.match.matcher import Matcher
from jats_enrich.text import normalize

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "real"
WORDS = ("data", "open", "access", "metric", "peer", "review", "science")
WORDS += ("model", "cell", "gene", "protein", "network", "analysis", "clinical")


def generated_label(i: int) -> str:
    a, b, c = WORDS[i % len(WORDS)], WORDS[(i // len(WORDS)) % len(WORDS)], i
    return f"{a.title()} {b} {c}"


def write_dictionary(path: Path, terms: int) -> None:
    doc = {
        "@context": CONTEXT,
        "@type": "DefinedTermSet",
        "vocab": "generated",
        "identifier": "https://vocab.jats-enrich.test/generated/",
        "hasDefinedTerm": [
            {
                "@type": "DefinedTerm",
                "name": generated_label(i),
                "identifier": f"https://vocab.jats-enrich.test/generated/{i}",
                "alternateName": [f"G{i}", {"@value": f"Termo {i}", "@language": "pt"}],
            }
            for i in range(terms)
        ],
    }
    path.write_text(json.dumps(doc), encoding="utf-8")


def corpus_keywords(corpus: Path) -> list[tuple[str, str | None]]:
    options = EnrichOptions()
    found = []
    for path in sorted(corpus.glob("*.xml")):
        article = read_article(path.read_bytes(), str(path))
        for target in find_targets(article, options.targets, {"keyword", "subject"}):
            found.append((target.text, target.lang))
    return found


def time_matching(matcher: Matcher, keywords: list[tuple[str, str | None]]) -> float:
    """Seconds per keyword, every lookup uncached."""
    normalize.cache_clear()
    matcher._cache.clear()
    start = time.perf_counter()
    for text, lang in keywords:
        matcher.match(text, lang)
    return (time.perf_counter() - start) / len(keywords)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--terms", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    args = parser.parse_args(argv)

    keywords = corpus_keywords(args.corpus) if args.corpus.is_dir() else []
    keywords += [(generated_label(i), None) for i in range(0, args.terms, 10)]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "generated.jsonld"
        write_dictionary(path, args.terms)
        loads, builds = [], []
        for _ in range(args.rounds):
            start = time.perf_counter()
            large = load_dictionary_file(path)
            loads.append(time.perf_counter() - start)
            start = time.perf_counter()
            large_matcher = Matcher([large])
            builds.append(time.perf_counter() - start)
    credit = load_vocabulary("credit")
    credit_matcher = Matcher([credit])
    large_times, credit_times = [], []
    for _ in range(args.rounds):
        large_times.append(time_matching(large_matcher, keywords))
        credit_times.append(time_matching(credit_matcher, keywords))

    hits = sum(1 for text, lang in keywords if large_matcher.match(text, lang).candidates)
    large_us, credit_us = statistics.median(large_times) * 1e6, statistics.median(credit_times) * 1e6
    print(f"{len(keywords)} keywords ({hits} found in the generated dictionary), {args.rounds} rounds (median)")
    print(f"  load {args.terms}-term dictionary     {statistics.median(loads):7.3f} s")
    print(f"  build its matcher index          {statistics.median(builds):7.3f} s")
    print(f"  match per keyword, {args.terms} terms   {large_us:7.2f} µs")
    print(f"  match per keyword, CRediT (14)   {credit_us:7.2f} µs")
    print(f"  ratio large / CRediT             {large_us / credit_us:7.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
