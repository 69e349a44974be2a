"""The sense gate: a string is not a sense.

A dictionary whose names are ordinary phrases in other fields (the CASRAI glossary of scholarly
publishing: "Open access" is also an open-access fishery and open surgical access, "Embargo" a
trade sanction, "APC" a gene) declares a sense gate (``Vocabulary.sense``). A keyword or subject
that matched such a dictionary by its text is then written only when

* the name that matched is *distinctive* (``Term.distinctive``: "Gold open access" means nothing
  else anywhere), or
* the article itself is about the dictionary's domain: its title (or the title of its
  translation) uses one of the dictionary's evidence phrases ("scholarly publishing",
  "bibliometrics") or distinctive names ("Article processing charges in ..."); another of its
  keywords or subjects is one of them, as a whole ("Scholarly communication"; not "Computer and
  information sciences"); or another keyword or subject matched the dictionary by a distinctive
  name, or
* the run switched the gate off for that dictionary, or for the article's journal (a journal whose
  whole scope is the domain).

Otherwise the match is ``withheld``: reported with its candidate term and the evidence that was
missing, never written. One weak match never vouches for another: a keyword that itself matched a
gated dictionary by an ordinary name is no evidence, and nothing in a flag or heading group (an
"Open Access" display channel says how the article is published, not what it is about) counts.
Contributor roles are never gated: a role is a role. Nor are terms matched only in heading groups
(``Term.group_types``: an output type "Book Review" as a heading names the article's own type, not
its subject; that restriction is their sense). Identities already in the article are its
publisher's markup and are not second-guessed here.

A journal's title is no evidence (a cue inside it rarely means the field: "Royal Society Open
Science", "Information Sciences", "Open Access Journal of Contraception" publish every field);
journals whose whole scope is the domain are named in the run's configuration instead. Nor are
the titles, keywords and subjects of sub-articles other than translations (a reviewer report on
"open science practices" says nothing of the article's subject).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

from lxml import etree
from pydantic import BaseModel, ConfigDict, Field

from jats_enrich.decide.article_words import ArticleContext, Phrases, in_flag_group, words_of
from jats_enrich.decide.model import Decision, Evidence, Outcome
from jats_enrich.dictionaries.model import Vocabulary
from jats_enrich.match.fuzzy import Suggestion

#: Outcomes whose term was found from the element's text and would be written (or reported as
#: writable): these pass through the gate.
GATED_OUTCOMES = frozenset({Outcome.TAGGED, Outcome.SKIPPED_VERSION, Outcome.DEPRECATED})
#: Shown evidence per finding (the first few are enough to explain it).
MAX_SHOWN = 3


class SenseOptions(BaseModel):
    """A run's say on one dictionary's sense gate."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    gate: bool = Field(default=True, description="False: its keyword and subject matches need no evidence")
    journals: tuple[str, ...] = Field(
        default=(), description="Journals (titles or ISSNs) whose whole scope is its domain: no evidence needed"
    )
    evidence: tuple[str, ...] = Field(default=(), description="More phrases that show an article is about its domain")


@dataclass(frozen=True)
class SenseSettings:
    """The run's choices: gating on or off, and per dictionary name what the configuration adds."""

    enabled: bool = True
    vocabularies: dict[str, SenseOptions] = dataclasses.field(default_factory=dict)

    def options(self, name: str) -> SenseOptions:
        return self.vocabularies.get(name) or SenseOptions()


def _said_short(decision: Decision, context: ArticleContext, longer: Phrases) -> str | None:
    """For a one-word match ("Embargo"), the article's keyword of two words that ends with it
    ("Press embargoes", "Trade embargo") or the longer name in its title ("news embargoes"):
    the word may be that said short."""
    meaning = decision.meaning
    if meaning is None:
        return None
    words = words_of(meaning.matched_label)
    if len(words) != 1:
        return None
    for source in context.sources:
        if source.element is decision.target.element:
            continue
        if source.element is not None:
            other = words_of(source.text)
            if len(other) == 2 and other[-1] == words[0]:
                return f"the article's {source.source} {source.text!r}"
        else:
            found = longer.find_in_title(source.text)
            if found is not None and words_of(found)[-1] == words[0]:
                return f"{found!r} in the article's title"
    return None


def needs_gate_of(decision: Decision) -> bool:
    """Was the decision's term found, from a keyword's text, in a gated dictionary (whether the
    gate then admitted it or not)?"""
    meaning = decision.meaning
    return (
        meaning is not None
        and meaning.vocabulary.sense is not None
        and decision.target.kind != "role"
        and meaning.rule != "identifier"
        and meaning.term.group_types is None
    )


def _top_article(element: etree._Element) -> etree._Element:
    """The article the element belongs to: the outermost ``article`` above it (a sub-article
    shares its parent's subject), else the document's root."""
    found = None
    for ancestor in element.iterancestors("article"):
        found = ancestor
    return found if found is not None else element.getroottree().getroot()


def needs_gate(decision: Decision) -> bool:
    """Did the decision find a term of a gated dictionary from a keyword's or subject's text, with
    an outcome the gate decides on?"""
    return needs_gate_of(decision) and decision.outcome in GATED_OUTCOMES


def _gated_suggestions(decision: Decision) -> bool:
    return decision.target.kind != "role" and any(
        s.vocabulary.sense is not None and s.term.group_types is None for s in decision.suggestions
    )


def is_distinctive(vocabulary: Vocabulary, label: str, identifier: str) -> bool:
    term = vocabulary.term(identifier)
    return term is not None and label in term.distinctive


@dataclass(frozen=True, slots=True)
class _Clue:
    """Evidence, and the keyword or subject it was read from (never evidence for itself)."""

    evidence: Evidence
    element: etree._Element | None = None


Finder = Callable[[Vocabulary], list[_Clue]]


class Gate:
    """The sense gate; ``apply`` runs over one article's decisions."""

    def __init__(self, settings: SenseSettings) -> None:
        self.settings = settings
        self._phrases: dict[str, Phrases] = {}
        self._longer: dict[str, Phrases] = {}  # per vocabulary: its names of two words

    def phrases(self, vocabulary: Vocabulary) -> Phrases:
        found = self._phrases.get(vocabulary.name)
        if found is None:
            declared = vocabulary.sense.evidence if vocabulary.sense is not None else ()
            extra = self.settings.options(vocabulary.name).evidence
            # a code ("CC BY") is no phrase: in "(CC) by metformin" it would be found in any title
            distinctive = (
                name
                for term in vocabulary.terms
                for name in term.distinctive
                if not any(w.isupper() for w in name.split())
            )
            found = self._phrases[vocabulary.name] = Phrases((*declared, *extra, *distinctive))
        return found

    def apply(self, decisions: list[Decision]) -> list[Decision]:
        """The decisions, each gated match admitted (with its evidence) or withheld."""
        if not any(needs_gate(d) or _gated_suggestions(d) for d in decisions):
            return decisions  # the common case: nothing to gate, nothing read
        contexts: dict[etree._Element, ArticleContext] = {}
        clues: dict[tuple[etree._Element, str], list[_Clue]] = {}
        out = []
        for decision in decisions:
            if not (needs_gate(decision) or _gated_suggestions(decision)):
                out.append(decision)
                continue
            article = _top_article(decision.target.element)

            def found(vocabulary: Vocabulary, article: etree._Element = article) -> list[_Clue]:
                key = (article, vocabulary.name)
                if key not in clues:
                    if article not in contexts:
                        contexts[article] = ArticleContext(article)
                    clues[key] = self._article_clues(vocabulary, contexts[article], decisions, article)
                return clues[key]

            out.append(self._gate(decision, found))
        return [self._short_form(d, contexts) for d in out]

    def _short_form(self, decision: Decision, contexts: dict[etree._Element, ArticleContext]) -> Decision:
        """A one-word name beside a longer one ending with it, in the same article, is ambiguous
        ("Embargo" beside "Press embargo" or "Trade embargo"): reported, not written."""
        m = decision.meaning
        if m is None or decision.outcome not in GATED_OUTCOMES or not needs_gate_of(decision):
            return decision
        article = _top_article(decision.target.element)
        if article not in contexts:
            contexts[article] = ArticleContext(article)
        vocabulary = m.vocabulary
        if vocabulary.name not in self._longer:
            names = (n for t in vocabulary.terms for n in t.names if len(words_of(n)) == 2 and t.group_types is None)
            self._longer[vocabulary.name] = Phrases(names)
        beside = _said_short(decision, contexts[article], self._longer[vocabulary.name])
        if beside is None:
            return decision
        note = f"could mean {vocabulary.name}:{m.term.label} or, said short, {beside}; not written"
        return dataclasses.replace(
            decision, outcome=Outcome.AMBIGUOUS, meaning=None, edit=None, group_edit=None, note=note, evidence=()
        )

    def _gate(self, decision: Decision, found: Finder) -> Decision:
        own = decision.target.element
        suggestions = tuple(s for s in decision.suggestions if self._admits_suggestion(s, found, own))
        if len(suggestions) != len(decision.suggestions):
            decision = dataclasses.replace(decision, suggestions=suggestions)
            if decision.outcome is Outcome.SUGGESTION and not suggestions:
                decision = dataclasses.replace(decision, outcome=Outcome.UNMATCHED)
        if not needs_gate(decision):
            return decision
        meaning = decision.meaning
        assert meaning is not None
        vocabulary = meaning.vocabulary
        sense = vocabulary.sense
        assert sense is not None
        if is_distinctive(vocabulary, meaning.matched_label, meaning.term.identifier):
            return dataclasses.replace(decision, evidence=(Evidence("name", meaning.matched_label),))
        shown = [c.evidence for c in found(vocabulary) if c.element is not own][:MAX_SHOWN]
        if shown:
            return dataclasses.replace(decision, evidence=tuple(shown))
        domain = sense.domain
        note = (
            f"could mean {vocabulary.name}:{meaning.term.label}, but {meaning.matched_label!r} also means other "
            f"things outside {domain}, and nothing in the article's title, journal, keywords or subjects shows "
            f"it is about {domain}; not written"
        )
        return dataclasses.replace(decision, outcome=Outcome.WITHHELD, edit=None, group_edit=None, note=note)

    @staticmethod
    def _admits_suggestion(suggestion: Suggestion, found: Finder, own: etree._Element) -> bool:
        vocabulary = suggestion.vocabulary
        if (
            vocabulary.sense is None
            or suggestion.term.group_types is not None
            or is_distinctive(vocabulary, suggestion.label, suggestion.term.identifier)
        ):
            return True
        return any(c.element is not own for c in found(vocabulary))

    def _article_clues(
        self, vocabulary: Vocabulary, context: ArticleContext, decisions: list[Decision], article: etree._Element
    ) -> list[_Clue]:
        """Everything that shows this article is about the vocabulary's domain: the run's
        configuration first, then the article's own words, then its distinctive matches."""
        options = self.settings.options(vocabulary.name)
        if not self.settings.enabled:
            return [_Clue(Evidence("configuration", "the run's sense gate is off"))]
        if not options.gate:
            return [_Clue(Evidence("configuration", f"the sense gate of {vocabulary.name} is off"))]
        journal = context.in_journal(options.journals)
        if journal is not None:
            why = f"the journal {journal!r} is one whose scope is {vocabulary.name}'s domain"
            return [_Clue(Evidence("configuration", why))]
        gated = {d.target.element for d in decisions if needs_gate(d)}
        phrases = self.phrases(vocabulary)
        clues = []
        for source in context.sources:
            if source.element is not None and source.element in gated:
                continue  # a gated match of its own: no evidence for another (a distinctive one is, below)
            cue = (
                phrases.find(source.text, whole=True)
                if source.element is not None
                else phrases.find_in_title(source.text)
            )
            if cue is not None:
                clues.append(_Clue(Evidence(source.source, source.text, cue), source.element))
        for d in decisions:
            m = d.meaning
            if (
                m is not None
                and needs_gate(d)
                and m.vocabulary.name == vocabulary.name
                and _top_article(d.target.element) is article
                and not in_flag_group(d.target.element)
                and is_distinctive(vocabulary, m.matched_label, m.term.identifier)
            ):
                clues.append(_Clue(Evidence(d.target.kind, d.target.text), d.target.element))
        return clues
