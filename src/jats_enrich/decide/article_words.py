"""What an article says about itself, read for the sense gate (sense.py): its titles, its keywords
and subjects outside flag groups (and its translations'), its journal's names; and phrases found
in such texts as whole words, with English plurals read as their singular."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from lxml import etree

from jats_enrich.article.targets import group_type, in_citation, string_value
from jats_enrich.text import normalize

#: Group types that flag or file the article (how it is published, where it is shown) rather than
#: say what it is about: their keywords and subjects are no evidence ("Gold Open Access" as a
#: display channel). Not "heading" nor "sub-display-channel": eLife files its subject areas and
#: topics there ("Scientific Publishing", "Meta-Research").
FLAG_GROUP_TYPES = frozenset({"article-type", "display-channel", "toc-heading", "badge", "flag"})
TITLE_ELEMENTS = ("article-title", "subtitle", "trans-title", "trans-subtitle", "alt-title")
JOURNAL_TITLE_ELEMENTS = ("journal-title", "abbrev-journal-title")
KEYWORD_ELEMENTS = ("kwd", "compound-kwd", "subject", "compound-subject")


def words_of(text: str) -> tuple[str, ...]:
    """Normalised words, each without a plural -s, for comparing phrases."""
    return tuple(_singular(w) for w in normalize(text).split())


def _singular(word: str) -> str:
    """An English plural's singular, roughly: "repositories", "embargoes", "charges", "journals"."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("oes", "xes", "ches", "shes", "sses")):
        return word[:-2]
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


class Phrases:
    """A set of phrases, found as whole-word sequences in a text, in time linear in the text."""

    def __init__(self, phrases: Iterable[str]) -> None:
        self.by_first: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        for phrase in phrases:
            words = words_of(phrase)
            if words:
                self.by_first.setdefault(words[0], []).append((words, phrase))

    def find(self, text: str, whole: bool = False) -> str | None:
        """The first phrase the text uses (``whole``: the phrase the text is), if any."""
        words = words_of(text)
        for i, word in enumerate(words):
            for phrase_words, phrase in self.by_first.get(word, ()):
                if words[i : i + len(phrase_words)] == phrase_words and (not whole or len(phrase_words) == len(words)):
                    return phrase
            if whole:
                break
        return None

    def find_in_title(self, title: str) -> str | None:
        """The first phrase a title uses, within one of its clauses ("Fishing in the open: science
        and ..." says no "open science") and not as the start of a name ("the Open Science Grid")."""
        for clause in _CLAUSE_BREAK.split(title):
            tokens = clause.split()
            words: list[tuple[str, int]] = [(w, i) for i, token in enumerate(tokens) for w in words_of(token)]
            plain = [w for w, _ in words]
            for k, (word, _) in enumerate(words):
                for phrase_words, phrase in self.by_first.get(word, ()):
                    if tuple(plain[k : k + len(phrase_words)]) != phrase_words:
                        continue
                    first, last = words[k][1], words[k + len(phrase_words) - 1][1]
                    if not _starts_a_name(tokens, first, last):
                        return phrase
        return None


#: What ends a clause of a title: a phrase is not read across it.
_CLAUSE_BREAK = re.compile(r"[:;.?!()\[\]{}\"“”«»|/]|\s[-\u2013\u2014]\s")


def _starts_a_name(tokens: list[str], first: int, last: int) -> bool:
    """Are the phrase's words capitalised and followed by a capitalised word, as in a name
    ("Open Science Grid", "Academic Library of Alexandria")?"""
    capitalised = all(t[:1].isupper() for t in tokens[first : last + 1])
    following = tokens[last + 1] if last + 1 < len(tokens) else ""
    return capitalised and following[:1].isupper()


@dataclass
class Source:
    source: str
    text: str
    element: etree._Element | None = None  # a keyword or subject, so that it is never its own evidence


class ArticleContext:
    """What one article says about itself: its titles, keywords and subjects outside flag groups
    (and its translations'), and its journal's names for the run's list of journals; read once,
    when some match of the article needs it."""

    def __init__(self, article: etree._Element) -> None:
        self.sources: list[Source] = []
        self.journal_names: set[str] = set()
        for element in article.iter(*TITLE_ELEMENTS, *JOURNAL_TITLE_ELEMENTS, "issn", *KEYWORD_ELEMENTS):
            name = str(element.tag)
            if in_citation(element) or not _of_the_article(element, article):
                continue
            in_journal_meta = any(a.tag == "journal-meta" for a in element.iterancestors())
            if in_journal_meta:
                if name == "issn" or name in JOURNAL_TITLE_ELEMENTS:
                    self.journal_names.add(_journal_key(string_value(element)))
            elif name in TITLE_ELEMENTS:
                if any(a.tag == "title-group" for a in element.iterancestors()):
                    self.sources.append(Source("title", string_value(element)))
            elif name in KEYWORD_ELEMENTS and not in_flag_group(element):
                kind = "keyword" if "kwd" in name else "subject"
                self.sources.append(Source(kind, string_value(element), element))

    def in_journal(self, journals: Iterable[str]) -> str | None:
        """The first of ``journals`` (titles or ISSNs) this article's journal is, if any."""
        return next((j for j in journals if _journal_key(j) in self.journal_names), None)


def _of_the_article(element: etree._Element, article: etree._Element) -> bool:
    """Is the element the article's own, or its translation's (not a reviewer report's, a reply's)?"""
    for ancestor in element.iterancestors("sub-article", "response", "article"):
        if ancestor is article:
            return True
        if ancestor.tag != "sub-article" or ancestor.get("article-type") != "translation":
            return False
    return True


def _journal_key(text: str) -> str:
    return re.sub(r"[\W_]+", "", normalize(text))


def in_flag_group(element: etree._Element) -> bool:
    for group_name, kind in (("kwd-group", "keyword"), ("subj-group", "subject")):
        for group in element.iterancestors(group_name):
            found = group_type(group, kind)  # type: ignore[arg-type]
            return found is not None and found.casefold() in FLAG_GROUP_TYPES
    return False
