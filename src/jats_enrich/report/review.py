"""What the HTML report's review queue needs beyond the findings: the text a reviewer's answer
is an alias of, and the terms a reviewer may choose, by element kind, from the run's dictionaries.

The page writes the aliases file that ``--aliases`` reads (report/aliases.py's columns): a role's
text without its degree, the term's label, and its vocabulary.
"""

from __future__ import annotations

from jats_enrich.article.targets import KIND_OF
from jats_enrich.dictionaries import load_vocabulary
from jats_enrich.errors import DictionaryError
from jats_enrich.match.qualifiers import split_qualifier
from jats_enrich.report.model import Report

#: Most terms offered in the page for one kind (a thesaurus of 300,000 would make a page of tens of MB).
MAX_TERMS = 60_000


def alias_text(element: str, text: str) -> str:
    """The text an alias is given for: a role without its degree ("Recursos (igual)": "Recursos")."""
    return split_qualifier(text)[0] if element == "role" else text


def terms_for_review(report: Report) -> dict[str, list[list[str]]]:
    """kind -> [label, vocab] of every term that applies to it in the run's dictionaries, read
    again from where the run read them ({} for a report without its run, or a dictionary gone)."""
    if report.run is None:
        return {}
    offered: dict[str, list[list[str]]] = {kind: [] for kind in dict.fromkeys(KIND_OF.values())}
    for record in report.run.dictionaries:
        source = record.source.removeprefix("shipped:")
        try:
            vocabulary = load_vocabulary(source)
        except (DictionaryError, OSError, ValueError):
            continue
        for term in vocabulary.terms:
            for kind, terms in offered.items():
                if len(terms) < MAX_TERMS and vocabulary.applies(term, kind):  # type: ignore[arg-type]
                    terms.append([term.label, vocabulary.name])
    return {kind: terms for kind, terms in offered.items() if terms}
