"""Contribution categories older than CRediT (PLOS's "Conceived and designed the experiments",
eLife's four categories, ICMJE-style items) and the CRediT roles they suggest.

The table is data (``vocab/pre-credit.tsv``): each row has its scheme and its rationale. A match
here is only ever a suggestion: the categories are coarser than CRediT, and several span two
roles ("Drafting or revising the article").
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

from jats_enrich.dictionaries.model import Term, Vocabulary
from jats_enrich.text import label_key

CREDIT_ROLES = "https://credit.niso.org/contributor-roles/"


@dataclass(frozen=True)
class Category:
    phrase: str
    slugs: tuple[str, ...]
    scheme: str
    rationale: str


@cache
def categories() -> dict[str, Category]:
    """The shipped table, by matching key (a phrase of two schemes is kept once: the first)."""
    text = files("jats_enrich.shipped_vocab").joinpath("pre-credit.tsv").read_text(encoding="utf-8")
    rows = csv.DictReader((line for line in text.splitlines() if not line.startswith("#")), delimiter="\t")
    table: dict[str, Category] = {}
    for row in rows:
        category = Category(row["phrase"], tuple(row["credit"].split()), row["scheme"], row["rationale"])
        table.setdefault(label_key(category.phrase, "en"), category)
    return table


def suggested_terms(text: str, vocabulary: Vocabulary) -> tuple[Category, tuple[Term, ...]] | None:
    """The category the text names and its CRediT terms in ``vocabulary``; None when it names
    none, or when the vocabulary is not CRediT."""
    category = categories().get(label_key(text, "en"))
    if category is None:
        return None
    by_identifier = {t.identifier: t for t in vocabulary.terms}
    terms = tuple(
        by_identifier[f"{CREDIT_ROLES}{slug}/"] for slug in category.slugs if f"{CREDIT_ROLES}{slug}/" in by_identifier
    )
    return (category, terms) if terms else None
