"""The reviewers' feedback loop: unmatched strings out to a spreadsheet, their answers back in.

``aliases_table`` lists a report's unmatched strings (grouped by normalised text, most frequent
first) with an empty ``term`` column. A reviewer writes, for the strings that deserve it, the term
they mean (its label, an alias or its identifier; ``vocab`` when two dictionaries share it).
``apply_aliases`` adds those strings as aliases of those terms for the next run. Rows left empty
are ignored; a row naming no term, or an ambiguous one, is an error naming file, line and problem.

The table is written spreadsheet-safe and read back as written (see csv_dictionary.py): a cell
beginning with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets one apostrophe before
it (``'-x``), which the reader takes off again, as it does where a reviewer typed one.
"""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from .csv_dictionary import read_rows, spreadsheet_row
from .errors import DictionaryError
from .findings import Report
from .matcher import Matcher
from .normalize import normalize
from .vocabulary import Vocabulary

COLUMNS = ("text", "count", "elements", "lang", "closest_term", "score", "term", "vocab")
UNMATCHED = ("unmatched", "suggestion", "compound", "ambiguous")


@dataclass
class _Group:
    texts: Counter[str] = field(default_factory=Counter)
    elements: set[str] = field(default_factory=set)
    langs: set[str] = field(default_factory=set)
    closest: str = ""
    score: float = -1.0


def aliases_table(report: Report) -> str:
    """The CSV a reviewer fills in: one row per unmatched string, by normalised text."""
    groups: dict[str, _Group] = defaultdict(_Group)
    for article in report.articles:
        for f in article.findings:
            if f.outcome.value not in UNMATCHED:
                continue
            group = groups[normalize(f.text, f.lang) or f.text]
            group.texts[f.text] += 1
            group.elements.add(f.element)
            if f.lang:
                group.langs.add(f.lang)
            if f.suggestions and f.suggestions[0].score > group.score:
                group.closest, group.score = f.suggestions[0].term, f.suggestions[0].score
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for _key, group in sorted(groups.items(), key=lambda item: (-item[1].texts.total(), item[0])):
        writer.writerow(
            spreadsheet_row(
                [
                    group.texts.most_common(1)[0][0],
                    group.texts.total(),
                    " ".join(sorted(group.elements)),
                    " ".join(sorted(group.langs)),
                    group.closest,
                    f"{group.score:g}" if group.score >= 0 else "",
                    "",
                    "",
                ]
            )
        )
    return out.getvalue()


def apply_aliases(vocabularies: list[Vocabulary], path: Path) -> list[Vocabulary]:
    """The vocabularies with the filled-in rows of an aliases CSV added as aliases."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise DictionaryError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise DictionaryError(f"{path}: not UTF-8 text") from None
    header, rows = read_rows(path, text)
    missing = [c for c in ("text", "term") if c not in header]
    if missing:
        raise DictionaryError(
            f"{path}: header has no {missing[0]!r} column (write it with 'jats-enrich report aliases')"
        )
    matcher = Matcher(vocabularies)
    added: dict[tuple[str, str], list[str]] = defaultdict(list)  # (vocab, term identifier) -> aliases
    for number, row in enumerate(rows, start=2):
        wanted = row.get("term", "")
        if not wanted:
            continue
        alias = row.get("text", "")
        if not alias:
            raise DictionaryError(f"{path}: line {number}: term {wanted!r} given for an empty text")
        vocab = row.get("vocab") or None
        name, identifier = _term(matcher, wanted, vocab, f"{path}: line {number}")
        added[(name, identifier)].append(alias)
    if not added:
        return vocabularies
    updated = []
    for vocabulary in vocabularies:
        terms = tuple(
            term.model_copy(
                update={"aliases": tuple(dict.fromkeys((*term.aliases, *added[(vocabulary.name, term.identifier)])))}
            )
            if (vocabulary.name, term.identifier) in added
            else term
            for term in vocabulary.terms
        )
        updated.append(vocabulary.with_terms(terms) if terms != vocabulary.terms else vocabulary)
    return updated


def _term(matcher: Matcher, wanted: str, vocab: str | None, where: str) -> tuple[str, str]:
    """(vocabulary name, term identifier) of what a reviewer wrote: an identifier or a label."""
    if vocab is not None and matcher.vocabulary(vocab) is None:
        raise DictionaryError(
            f"{where}: vocab {vocab!r} is not loaded (loaded: {', '.join(v.name for v in matcher.vocabularies)})"
        )
    named = matcher.identify(wanted)
    if named is not None and named.term is not None and (vocab is None or named.vocabulary.name == vocab):
        return named.vocabulary.name, named.term.identifier
    found = [c for c in matcher.match(wanted).distinct_terms if vocab is None or c.vocabulary.name == vocab]
    if not found:
        raise DictionaryError(f"{where}: term {wanted!r} is no label, alias or identifier of a loaded dictionary")
    if len(found) > 1:
        names = ", ".join(f"{c.vocabulary.name}:{c.term.label}" for c in found)
        raise DictionaryError(f"{where}: term {wanted!r} could be {names}; say which in the vocab column")
    return found[0].vocabulary.name, found[0].term.identifier
