"""Which contributor a statement means by initials ("BAW", "SN-Z", "EvA") or by a name
("Guilherme N. Corte", "Tecchio, M. A.", "Barreto FK", "Corte").

Every form a contributor may be written in is derived from its ``<name>``: all given-name
initials or only the first, hyphenated given names as "J-P" and "JP", surname particles as "v"
or left out, hyphenated surnames as "N-Z" and "NZ". A key that fits no contributor, or fits several
(two authors "J. Smith" and "J. Silva" are both "JS"), resolves to none: it is reported, never
guessed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from jats_enrich.article.contributors import Contributor, PersonName
from jats_enrich.text import fold_case, without_accents

#: Lower-case words that open a surname ("van", "de", "dos"): written as a small letter or left out.
PARTICLES = frozenset(
    [
        "van",
        "von",
        "der",
        "den",
        "de",
        "del",
        "della",
        "di",
        "da",
        "das",
        "do",
        "dos",
        "du",
        "la",
        "le",
        "ter",
        "ten",
        "zu",
        "y",
        "bin",
        "ibn",
        "al",
        "el",
    ]
)
#: A key written as initials: capitals, a few lower-case particle letters, hyphens, dots.
_INITIALS = re.compile(r"^(?=.*[A-Z])[A-Z](?:[A-Za-z]?\.?-?\s?){0,6}$")


#: "1st author", "2nd author", "1ª autora", "3º autor", "first author", "segunda autora".
_ORDINAL = re.compile(
    r"^(?:(?P<number>\d{1,2})\s*(?:st|nd|rd|th|ª|º|°|a|o)?|(?P<word>[^\W\d]+))\s+(?:author|autor|autora)$",
    re.IGNORECASE,
)
_ORDINAL_WORDS = {
    word: n
    for n, words in enumerate(
        [
            ("first", "primeiro", "primeira", "primer", "primera"),
            ("second", "segundo", "segunda"),
            ("third", "terceiro", "terceira", "tercer", "tercera"),
            ("fourth", "quarto", "quarta", "cuarto", "cuarta"),
            ("fifth", "quinto", "quinta"),
        ],
        start=1,
    )
    for word in words
}


def ordinal_of(key: str) -> int | None:
    """The position a key such as "2nd author" gives, from 1; None for any other key."""
    m = _ORDINAL.match(key.strip())
    if m is None:
        return None
    if m.group("number"):
        return int(m.group("number"))
    return _ORDINAL_WORDS.get(m.group("word").casefold())


@dataclass(frozen=True)
class Resolution:
    """What a key resolved to: one contributor, or the reason there is none."""

    key: str
    contributor: Contributor | None
    how: str  # "initials", "name", "no contributor", "several contributors: ..."


def _plain(text: str) -> str:
    return without_accents(fold_case(text))


def _words(text: str) -> list[str]:
    return [w for w in re.split(r"[\s.,]+", text) if w]


def _initial_forms(word: str) -> set[str]:
    """A given name's initial: "Jean-Pierre" -> {"J-P", "JP"}, "A." -> {"A"}."""
    parts = [p for p in word.split("-") if p]
    if len(parts) > 1:
        letters = [p[0] for p in parts]
        return {"-".join(letters), "".join(letters)}
    return {word[0]} if word else set()


def _surname_forms(surname: str) -> set[str]:
    """A surname's initials: "Wandell" -> {"W"}, "van Aalten" -> {"vA", "VA", "A"},
    "Nik-Zainal" -> {"N-Z", "NZ", "N"}, "Domingues Neto" -> {"DN", "D"}."""
    words = surname.split()
    if not words:
        return set()
    particles = [w for w in words if w.casefold() in PARTICLES]
    main = [w for w in words if w.casefold() not in PARTICLES] or words
    forms: set[str] = set()
    for core in ({main[0][0]} | _initial_forms(main[0])) if main else set():
        forms.add(core)
        if len(main) > 1:
            forms.add(core + "".join(w[0] for w in main[1:]))
        if particles:
            prefix = "".join(p[0] for p in particles)
            rest = "".join(w[0] for w in main[1:])
            forms.update({prefix.lower() + core + rest, prefix.upper() + core + rest})
    return forms


#: Longer keys are no one's name (prose cut at the wrong place): not compared with every name.
MAX_KEY_LENGTH = 120
#: More words than this make no person's name (a group's, or a list of members): no initials.
MAX_NAME_WORDS = 8


def initials_of(name: PersonName) -> set[str]:
    """Every way the name may be written as initials, compared without dots or spaces."""
    if not name.surname:
        words = _words(name.whole)
        if not 2 <= len(words) <= 4:
            return set()
        name = PersonName(given=" ".join(words[:-1]), surname=words[-1])
    givens = [w for w in re.split(r"[\s.]+", name.given) if w]
    if len(givens) + len(name.surname.split()) > MAX_NAME_WORDS:
        return set()
    combos = _given_combinations(givens)
    # "Gustavo Silveira da Luz" is GSL as well as GSdL: a particle at the end of the given names
    # belongs to the surname, and is often left out.
    plain = [g for g in givens if g.casefold() not in PARTICLES]
    if plain != givens:
        combos |= _given_combinations(plain)
    firsts = _initial_forms(givens[0]) if givens else {""}
    surnames = _surname_forms(name.surname)
    if name.suffix:  # "Domingues Neto": a Brazilian suffix is written as part of the surname
        surnames |= _surname_forms(f"{name.surname} {name.suffix}")
    return {g + s for g in combos | firsts for s in surnames}


def _given_combinations(givens: list[str]) -> set[str]:
    combos = {""}
    for forms in (_initial_forms(g) for g in givens):
        combos = {c + f for c in combos for f in forms}
    return combos


def _key_form(key: str) -> str:
    return re.sub(r"[.\s]", "", key)


def looks_like_initials(key: str) -> bool:
    """ "BAW", "SN-Z", "EvA", "M.A.": capitals at least as many as small letters, six at most."""
    form = _key_form(key)
    upper = sum(1 for ch in form if ch.isupper())
    lower = sum(1 for ch in form if ch.islower())
    return _INITIALS.match(key.strip()) is not None and len(form) <= 6 and upper >= lower


@dataclass(frozen=True)
class _Written:
    """A contributor's name as keys are compared with it: folded, accents dropped."""

    whole: str  # a name without parts (a <string-name>, a group's name)
    surnames: tuple[tuple[str, ...], ...]  # the surname's words, and with its suffix
    given: tuple[str, ...]

    @classmethod
    def of(cls, name: PersonName) -> _Written:
        if not name.surname:
            return cls(_plain(" ".join(_words(name.whole))), (), ())
        surnames = [tuple(_plain(name.surname).split())]
        if name.suffix:
            surnames.append(tuple(_plain(f"{name.surname} {name.suffix}").split()))
        return cls("", tuple(surnames), tuple(_plain(w) for w in re.split(r"[\s.]+", name.given) if w))


@dataclass(frozen=True)
class _Key:
    """A written name, split once for all the contributors it is compared with."""

    words: tuple[str, ...]  # as written
    plain: tuple[str, ...]  # folded, accents dropped
    before_comma: tuple[str, ...] | None  # "Tecchio, M. A.": the surname's words, folded
    after_comma: tuple[str, ...]  # ...and the given names or initials, as written

    @classmethod
    def of(cls, key: str) -> _Key:
        words = tuple(_words(key))
        if "," in key:
            before, after = key.split(",", 1)
            return cls(words, (), tuple(_plain(before).split()), tuple(_words(after)))
        return cls(words, tuple(_plain(w) for w in words), None, ())


def _name_matches(key: _Key, name: _Written) -> bool:
    """Whether a written name ("Guilherme N. Corte", "Tecchio, M. A.", "Barreto FK", "Corte")
    fits the contributor's name."""
    if not name.surnames:
        return bool(name.whole) and _plain(" ".join(key.words)) == name.whole
    return any(_written_as(key, surname, name.given) for surname in name.surnames)


def _written_as(key: _Key, surname: tuple[str, ...], given: tuple[str, ...]) -> bool:
    if key.before_comma is not None:  # "Tecchio, M. A." / "Domingues Neto, F. J"
        return key.before_comma == surname and _given_fit(key.after_comma, list(given))
    n = len(surname)
    if len(key.plain) > n and key.plain[-n:] == surname:  # "Guilherme N. Corte"
        return _given_fit(key.words[:-n], list(given))
    if key.plain[:n] == surname:  # "Barreto FK", "Melo CFCA", "Corte"
        rest = list(key.words[n:])
        if not rest:
            return True
        if all(len(r) == 1 and r.isupper() for r in rest):  # "Tecchio M. A"
            rest = ["".join(rest)]
        return len(rest) == 1 and rest[0].isupper() and _given_fit(list(rest[0]), list(given))
    return False


def _given_fit(written: Sequence[str], given: list[str]) -> bool:
    """Whether the given names as written (full words or initials) fit the contributor's, with or
    without the particles among them ("Bruno Marcos de Paula" is "B. M. P.")."""
    written = [_plain(w) for w in written if w.strip("-")]
    if not written:
        return True
    without_particles = [g for g in given if g not in PARTICLES]
    return _fits(written, given) or (without_particles != given and _fits(written, without_particles))


def _fits(written: list[str], given: list[str]) -> bool:
    letters = [g[0] for g in given]
    if len(written) > len(given):
        joined = "".join(w for w in written)
        return joined == "".join(letters)
    return all(w == g or (len(w) == 1 and g.startswith(w)) for w, g in zip(written, given, strict=False))


class NameResolver:
    """Resolves keys to an article's contributors."""

    def __init__(self, contributors: Iterable[Contributor]) -> None:
        self.contributors = list(contributors)
        self._resolved: dict[str, Resolution] = {}
        # Built on first need (many articles never need one, or either):
        self._initials: dict[str, list[Contributor]] | None = None
        self._by_word: dict[str, list[tuple[Contributor, _Written]]] | None = None

    def initials(self) -> dict[str, list[Contributor]]:
        """Each contributor under each form of its initials."""
        if self._initials is None:
            self._initials = {}
            for c in self.contributors:
                for form in initials_of(c.name):
                    self._initials.setdefault(_plain(form), []).append(c)
        return self._initials

    def by_word(self) -> dict[str, list[tuple[Contributor, _Written]]]:
        """Each contributor under the word its name is looked up by (its surname's first word, or a
        whole name's): a key is compared only with those whose word it contains."""
        if self._by_word is None:
            self._by_word = {}
            for c in self.contributors:
                if c.name.display:
                    written = _Written.of(c.name)
                    words = {surname[0] for surname in written.surnames if surname} or set(written.whole.split()[:1])
                    for word in words:
                        self._by_word.setdefault(word, []).append((c, written))
        return self._by_word

    def resolve(self, key: str) -> Resolution:
        """One contributor for the key, or why there is none (remembered: a statement names the
        same people again and again)."""
        found = self._resolved.get(key)
        if found is None:
            found = self._resolved[key] = self._resolve(key)
        return found

    def _resolve(self, key: str) -> Resolution:
        ordinal = ordinal_of(key)
        if ordinal is not None:  # "2nd author": the second author, in the order the article lists them
            authors = [c for c in self.contributors if c.is_author]
            if 0 < ordinal <= len(authors):
                return Resolution(key, authors[ordinal - 1], "position")
            return Resolution(key, None, "no contributor")
        fits: dict[int, tuple[Contributor, str]] = {}
        if looks_like_initials(key):
            for c in self.initials().get(_plain(_key_form(key)), []):
                fits.setdefault(c.position, (c, "initials"))
        if len(key) <= MAX_KEY_LENGTH:
            written_key = _Key.of(key)
            for word in dict.fromkeys(written_key.plain or written_key.before_comma or ()):
                for c, written in self.by_word().get(word, ()):
                    if c.position not in fits and _name_matches(written_key, written):
                        fits[c.position] = (c, "name")
        if len(fits) == 1:
            contributor, how = next(iter(fits.values()))
            return Resolution(key, contributor, how)
        if not fits:
            return Resolution(key, None, "no contributor")
        names = ", ".join(c.name.display or c.key for c, _ in fits.values())
        return Resolution(key, None, f"several contributors: {names}")
