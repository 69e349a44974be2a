"""Synthetic SKOS thesauri at the size of real ones, for the thesaurus benchmark.

    yso_sized(path):  40,000 concepts, prefLabels in English, Finnish and Swedish, one altLabel each
                      (the size of YSO, about 6.5 MB of Turtle)
    mesh_sized(path): 30,000 concepts with 300,000 labels in English (the size of MeSH's
                      descriptors with their entry terms)

Labels are made of pronounceable syllables, distinct per concept, so that every label is its own
matching key as in a real thesaurus.
"""

from __future__ import annotations

import random
from pathlib import Path

SYLLABLES = [c + v for c in "bdfghklmnprstvz" for v in "aeiouy"]


def _word(rng: random.Random, syllables: int) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(syllables))


def _label(rng: random.Random, seen: set[str]) -> str:
    while True:
        label = " ".join(_word(rng, rng.randint(2, 4)) for _ in range(rng.randint(1, 3)))
        if label not in seen:
            seen.add(label)
            return label


def _write(path: Path, concepts: int, labels: dict[str, int], alt_per_concept: int, seed: int) -> None:
    rng = random.Random(seed)
    seen: set[str] = set()
    lines = [
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .",
        "@prefix ex: <http://example.org/thesaurus/> .",
        "",
        "ex: a skos:ConceptScheme .",
    ]
    for number in range(concepts):
        pref = " , ".join(f'"{_label(rng, seen)}"@{lang}' for lang in labels)
        alts = " , ".join(f'"{_label(rng, seen)}"@{rng.choice(list(labels))}' for _ in range(alt_per_concept))
        body = f"ex:c{number} a skos:Concept ;\n    skos:inScheme ex: ;\n    skos:prefLabel {pref}"
        lines.append(body + (f" ;\n    skos:altLabel {alts} ." if alts else " ."))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def yso_sized(path: Path) -> Path:
    _write(path, 40_000, {"en": 1, "fi": 1, "sv": 1}, 1, seed=40)
    return path


def mesh_sized(path: Path) -> Path:
    _write(path, 30_000, {"en": 1}, 9, seed=30)
    return path


if __name__ == "__main__":
    import sys

    yso_sized(Path(sys.argv[1]))
    if len(sys.argv) > 2:
        mesh_sized(Path(sys.argv[2]))
