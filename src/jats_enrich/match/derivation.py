"""Derived nouns of one action: "Conceituação" beside the label "Conceitualização",
"Supervisionamento" beside "Supervisão", "Conceptualización" beside "Conceptuación".

Authors name a CRediT activity with another noun of the same verb. Such a word shares its stem
with the label's word and both end as nouns of an action do (-ção, -ción, -tion, -mento, -ing, -ung,
...). Nouns of the agent (-or, -dor, -er, -ista: "Supervisor", "Investigador") are positions, not
activities, and never match; nor does a word that shares only a short beginning with the label's
("Investimento", investment, is no "Investigação"): the shared beginning must be at least
``MIN_STEM`` letters and ``MIN_SHARE`` of the shorter word, and a compound that begins with the
label's word ("Untersuchungsleitung") is another word.
"""

from __future__ import annotations

#: Endings of nouns of action, as they are in a matching key (accents folded).
#: English "-ing" is left out: it attaches to shorter roots of other meaning ("Investing" is no
#: "Investigation"), and English labels are matched in their own words anyway.
ACTION_ENDINGS = (
    "cao", "coes", "sao", "soes", "mento", "mentos", "agem",  # Portuguese
    "cion", "ciones", "sion", "siones", "miento", "mientos", "aje",  # Spanish
    "tion", "tions", "sion", "sions", "ement", "ements",  # French (and English -tion)
    "zione", "zioni", "sione",  # Italian
    "ung", "ungen",  # German
)  # fmt: skip
MIN_STEM = 6
MIN_SHARE = 0.75


def shared_beginning(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


#: What may follow a whole word to make another form of it: a plural, or an action ending.
INFLECTIONS = ("s", "es", *ACTION_ENDINGS)


def same_action(a: str, b: str) -> bool:
    """Are two different words nouns of the same action? When one word is the whole beginning of
    the other, the rest must be an ending, not another word: "Untersuchungsplanung" (planning the
    study) is no "Untersuchung"."""
    if a == b or not a.endswith(ACTION_ENDINGS) or not b.endswith(ACTION_ENDINGS):
        return False
    shared = shared_beginning(a, b)
    if shared == min(len(a), len(b)):
        rest = max(a, b, key=len)[shared:]
        return rest in INFLECTIONS or any(rest == link + e for link in ("s", "") for e in ("s", "es"))
    return shared >= MIN_STEM and shared >= MIN_SHARE * min(len(a), len(b))


def derived_from(text_words: tuple[str, ...], label_words: tuple[str, ...]) -> bool:
    """Is the text the label with exactly one word replaced by another noun of its action?"""
    if len(text_words) != len(label_words):
        return False
    differing = [(t, w) for t, w in zip(text_words, label_words, strict=True) if t != w]
    return len(differing) == 1 and same_action(*differing[0])
