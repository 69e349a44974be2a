"""A reviewers' filled aliases table (see report/aliases.py), read back: its strings become aliases of the terms
the reviewers named, for the next run.

A row's ``term`` is a term's label, alias or identifier (``vocab`` says which dictionary when two
share it, unless only one of them applies to the row's elements); rows left empty are ignored; a
row naming no term, or an ambiguous one, is an error naming file, line and problem.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from jats_enrich.article.targets import KIND_OF
from jats_enrich.dictionaries.csv_format import read_rows
from jats_enrich.dictionaries.model import TargetKind, Vocabulary
from jats_enrich.errors import DictionaryError
from jats_enrich.match.matcher import Matcher


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
        kinds = _kinds(row.get("elements", ""))
        name, identifier = _term(matcher, wanted, vocab, f"{path}: line {number}", kinds)
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


def _kinds(elements: str) -> frozenset[TargetKind]:
    return frozenset(KIND_OF[e] for e in elements.split() if e in KIND_OF)


def _term(
    matcher: Matcher, wanted: str, vocab: str | None, where: str, kinds: frozenset[TargetKind] = frozenset()
) -> tuple[str, str]:
    """(vocabulary name, term identifier) of what a reviewer wrote: an identifier or a label. When
    the row says which elements its text was found as, only terms that apply to them are meant (a
    role's "Methodology" is CRediT's, whatever else another dictionary calls so)."""
    if vocab is not None and matcher.vocabulary(vocab) is None:
        raise DictionaryError(
            f"{where}: vocab {vocab!r} is not loaded (loaded: {', '.join(v.name for v in matcher.vocabularies)})"
        )
    named = matcher.identify(wanted)
    if named is not None and named.term is not None and (vocab is None or named.vocabulary.name == vocab):
        return named.vocabulary.name, named.term.identifier
    found = [c for c in matcher.match(wanted).distinct_terms if vocab is None or c.vocabulary.name == vocab]
    if kinds and len(found) > 1:
        found = [c for c in found if any(c.vocabulary.applies(c.term, k) for k in kinds)] or found
    if not found:
        raise DictionaryError(f"{where}: term {wanted!r} is no label, alias or identifier of a loaded dictionary")
    if len(found) > 1:
        names = ", ".join(f"{c.vocabulary.name}:{c.term.label}" for c in found)
        raise DictionaryError(f"{where}: term {wanted!r} could be {names}; say which in the vocab column")
    return found[0].vocabulary.name, found[0].term.identifier
