"""What is wrong with an identity attribute another tool wrote, in words a reviewer can act on.

Other tools and older workflows write the same identity in other forms: ``vocab="CRediT"``,
identifiers with white space around them or without their trailing slash, ``http`` for ``https``,
a translated ``vocab-term`` (OJS writes the role's label in the article's language; JATS4R wants
the vocabulary's English label), a ``degree-contribution`` in capitals or an unexpanded template
placeholder (``##degree##``). decide/ reports each as an older form of the current identity and
rewrites it under ``upgrade``; this module names the difference and says what a degree value
should become.
"""

from __future__ import annotations

from dataclasses import dataclass

from jats_enrich.decide.model import Meaning
from jats_enrich.dictionaries.model import Term, Vocabulary
from jats_enrich.match.qualifiers import Degree
from jats_enrich.text import normalize

#: Template placeholders a production system left unexpanded: ##degree##, {{degree}}, ${degree},
#: %degree%, [degree] (by their ends, not a pattern that could backtrack on a hostile value).
PLACEHOLDER_ENDS = (("##", "##"), ("{{", "}}"), ("${", "}"), ("%", "%"), ("[", "]"))


def is_placeholder(value: str) -> bool:
    text = value.strip()
    return any(
        len(text) > len(start) + len(end) and text.startswith(start) and text.endswith(end)
        for start, end in PLACEHOLDER_ENDS
    )


DEGREES = tuple(d.value for d in Degree)


def what_is_wrong(name: str, value: str, current: str, vocabulary: Vocabulary, term: Term) -> str:
    """How ``value`` of attribute ``name`` differs from the ``current`` value."""
    if value.strip() == current:
        return "white space around the value"
    if value.casefold() == current.casefold():
        return f'"{current}" in other letter case'
    if name == "vocab-term":
        for lang, labels in term.translations.items():
            if value in labels:
                return f"a translation ({lang}); JATS4R wants the vocabulary's own label, {current!r}"
        if normalize(value) == normalize(current):
            return f"the label written otherwise ({current!r})"
        return f"an older or other label of the term ({current!r})"
    if name == "vocab":
        return f"another spelling of the vocabulary's name ({current!r})"
    found, wanted = value.strip(), current
    if found.rstrip("/") == wanted.rstrip("/"):
        return f"without the trailing slash of {wanted}" if wanted.endswith("/") else f"not {wanted}"
    if found.replace("http://", "https://", 1) == wanted:
        return f"http for https ({wanted})"
    return f"an older address; the current one is {wanted}"


@dataclass(frozen=True, slots=True)
class DegreeForm:
    """A ``degree-contribution`` value that is not one of the three, and what it should become
    (None: the attribute is removed, as there is nothing to put in its place)."""

    found: str
    problem: str
    replacement: str | None


def degree_form(value: str | None, from_text: Degree | None) -> DegreeForm | None:
    """What is wrong with a present ``degree-contribution``, if it can be put right: a known
    degree in other case or with white space, or a placeholder (replaced by the degree the text
    gives, else removed). None when the value is fine, absent, or unknown (left to a reviewer)."""
    if value is None or value in DEGREES:
        return None
    found = f'degree-contribution="{value}"'
    if value.strip().casefold() in DEGREES:
        wanted = value.strip().casefold()
        if from_text is not None and from_text.value != wanted:
            return None  # the text says another degree: a contradiction for a reviewer, not a form to put right
        return DegreeForm(found, f'"{wanted}" in other letter case or spacing', wanted)
    if is_placeholder(value):
        if from_text is not None:
            return DegreeForm(
                found, f"an unexpanded template placeholder; the text says {from_text.value}", from_text.value
            )
        return DegreeForm(found, "an unexpanded template placeholder, and the text gives no degree", None)
    return None


def describe_found(stale: dict[str, str], content_type: str | None) -> str | None:
    found = [f'{name}="{value}"' for name, value in stale.items()]
    if content_type is not None:
        found.append(f'content-type="{content_type}"')
    return ", ".join(found) or None


def older_form(generic: bool, meaning: Meaning) -> str:
    if generic:
        return f"a deprecated address of the whole vocabulary; the term is {meaning.term.identifier}"
    return f"older form of {meaning.term.identifier}"
