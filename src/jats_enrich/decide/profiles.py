"""Output profiles: the exact form in which an identity is written, for whoever reads the article next.

Consumers disagree on the form of one identity: JATS4R and NISO write ``vocab="credit"
vocab-identifier="https://credit.niso.org/"``; Atypon's editor reads a role only as
``vocab="CRediT" vocab-identifier="http://credit.niso.org/"``; SciELO reads the term URI from
``content-type`` in every JATS version. A profile is data (``vocab/profiles/*.toml``, or the user's
own file): per vocabulary, the values of ``vocab`` and ``vocab-identifier``, the labels written as
``vocab-term`` where they differ from the dictionary's, the spelling of term URIs; whether a role's
term URI also goes into ``content-type`` from JATS 1.2 on; and which other profiles' forms its
consumer reads as well (left alone, as already correct, unless ``upgrade`` converts them).

Reading stays liberal whatever the profile: identifiers are recognised up to scheme, case and
trailing slash (match/), and every known profile's ``vocab`` spelling is an older form of its
vocabulary's name, never another vocabulary's.
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from jats_enrich.dictionaries.model import Term, Vocabulary
from jats_enrich.errors import UsageError
from jats_enrich.match.analyse import Analyser
from jats_enrich.text import canonical_identifier

#: The shipped profiles, in the order they are listed; the first is the default.
ShippedProfile = Literal["niso", "jats4r", "scielo", "atypon"]
SHIPPED_PROFILES: tuple[ShippedProfile, ...] = ("niso", "jats4r", "scielo", "atypon")
DEFAULT_PROFILE = "niso"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TermIdentifierForm(_Strict):
    """How a term URI is spelt: as the dictionary has it, or with another scheme or trailing slash.
    (Only spellings that name the same term on input: match/ reads URIs up to these.)"""

    scheme: Literal["http", "https"] | None = Field(default=None, description="None: as the dictionary has it")
    trailing_slash: bool | None = Field(default=None, description="None: as the dictionary has it")

    def spell(self, identifier: str) -> str:
        text = identifier
        if self.scheme is not None and "://" in text and text.split("://", 1)[0] in ("http", "https"):
            text = f"{self.scheme}://{text.split('://', 1)[1]}"
        if self.trailing_slash is True and not text.endswith("/"):
            text += "/"
        elif self.trailing_slash is False:
            text = text.rstrip("/")
        return text


class VocabularyForm(_Strict):
    """One vocabulary's identity as a profile writes it; every field left out is the dictionary's own."""

    vocab: str | None = Field(default=None, min_length=1, description="the value of vocab")
    vocab_identifier: str | None = Field(default=None, min_length=1, description="the value of vocab-identifier")
    vocab_term: dict[str, str] = Field(
        default_factory=dict, description="term URI (as in the dictionary) -> the label written as vocab-term"
    )
    vocab_term_identifier: TermIdentifierForm = Field(default_factory=TermIdentifierForm)

    @field_validator("vocab", "vocab_identifier")
    @classmethod
    def _no_outer_space(cls, value: str | None) -> str | None:
        if value is not None and value != value.strip():
            raise ValueError(f"{value!r} has white space around it")
        return value

    @field_validator("vocab_term")
    @classmethod
    def _labels_not_blank(cls, value: dict[str, str]) -> dict[str, str]:
        bad = [k for k, v in value.items() if not v.strip() or not k.strip() or v != v.strip()]
        if bad:
            raise ValueError(f"a blank label, or one with white space around it, for {bad[0]!r}")
        return value


class OutputProfile(_Strict):
    """Where and in which exact form a profile writes identities (see the module's docstring)."""

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    description: str = Field(default="", description="whom the profile serves, for `vocab profiles`")
    content_type: Literal["before-1.2", "always"] = Field(
        default="before-1.2",
        description="where a role's term URI goes into content-type: only where JATS has no vocab attributes "
        "(before 1.2), or in every version, beside the vocab attributes",
    )
    accepts: tuple[str, ...] = Field(
        default=(), description="profiles whose forms this profile's consumer reads too: already correct"
    )
    vocabularies: dict[str, VocabularyForm] = Field(default_factory=dict, description="by dictionary name")
    source: str = Field(default="", description="the file it was read from")
    #: The forms of the accepted profiles, by profile name (filled when loaded).
    accepted: dict[str, dict[str, VocabularyForm]] = Field(default_factory=dict)

    def form(self, vocabulary: Vocabulary) -> VocabularyForm:
        return self.vocabularies.get(vocabulary.name) or _NO_FORM

    def vocab(self, vocabulary: Vocabulary) -> str:
        return self.form(vocabulary).vocab or vocabulary.name

    def vocab_term(self, vocabulary: Vocabulary, term: Term) -> str:
        return self.form(vocabulary).vocab_term.get(term.identifier, term.label)

    def term_identifier(self, vocabulary: Vocabulary, term: Term) -> str:
        return self.form(vocabulary).vocab_term_identifier.spell(term.identifier)

    def identity(self, vocabulary: Vocabulary, term: Term) -> dict[str, str]:
        """The four vocab attributes of a term, in this profile's form."""
        return written_identity(self.form(vocabulary), vocabulary, term)

    def correct_values(self, vocabulary: Vocabulary, term: Term, *, exact: bool) -> dict[str, set[str]]:
        """Per attribute, the values that are correct: this profile's own (``exact``, as ``upgrade``
        wants), or also those of the profiles it accepts."""
        forms = [self.form(vocabulary)]
        if not exact:
            forms += [accepted.get(vocabulary.name) or _NO_FORM for accepted in self.accepted.values()]
        values: dict[str, set[str]] = {}
        for form in forms:
            written = written_identity(form, vocabulary, term)
            for name, value in written.items():
                values.setdefault(name, set()).add(value)
        values["content-type"] = values["vocab-term-identifier"]
        return values


_NO_FORM = VocabularyForm()


def written_identity(form: VocabularyForm, vocabulary: Vocabulary, term: Term) -> dict[str, str]:
    """The four vocab attributes of a term in ``form``."""
    scheme = vocabulary.scheme_of(term)
    # The profile spells the vocabulary's own address; a term of another scheme of a thesaurus keeps its scheme.
    own = form.vocab_identifier if form.vocab_identifier and scheme == vocabulary.identifier else None
    return {
        "vocab": form.vocab or vocabulary.name,
        "vocab-identifier": own or scheme,
        "vocab-term": form.vocab_term.get(term.identifier, term.label),
        "vocab-term-identifier": form.vocab_term_identifier.spell(term.identifier),
    }


def known_vocab_names(vocabulary: Vocabulary, active: OutputProfile) -> set[str]:
    """Every spelling of ``vocab`` a known profile (shipped, or the run's own) writes for ``vocabulary``."""
    profiles = [shipped(name) for name in SHIPPED_PROFILES] + [active]
    return {p.vocab(vocabulary) for p in profiles}


def profiles_writing(
    vocabulary: Vocabulary, term: Term, attribute: str, value: str, active: OutputProfile
) -> list[str]:
    """The shipped profiles other than ``active`` that write ``value`` as ``attribute`` of ``term``."""
    others = [shipped(name) for name in SHIPPED_PROFILES if name != active.name]
    return [p.name for p in others if p.identity(vocabulary, term).get(attribute) == value]


# -- loading -------------------------------------------------------------------------------------


@cache
def shipped(name: str) -> OutputProfile:
    """A shipped profile by name (UsageError naming the shipped ones otherwise)."""
    if name not in SHIPPED_PROFILES:
        raise UsageError(f"no profile {name!r}; the shipped ones are {', '.join(SHIPPED_PROFILES)}, or give a file")
    return _resolve(_parse(_shipped_text(name), f"profile {name}"), f"(shipped) {name}")


def _shipped_text(name: str) -> str:
    return resources.files("jats_enrich.shipped_vocab").joinpath("profiles", f"{name}.toml").read_text("utf-8")


def load_profile(name_or_path: str) -> OutputProfile:
    """A shipped profile's name, or a profile file (TOML): the profile, its ``accepts`` resolved."""
    if name_or_path in SHIPPED_PROFILES:
        return shipped(name_or_path)
    path = Path(name_or_path)
    if not path.suffix and not path.exists():
        shipped(name_or_path)  # raises: neither a shipped name nor a file
    try:
        stat = path.stat()
        key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
        if key not in _FILES:  # read once per process while the file stays as it is
            _FILES[key] = _read_file(path)
    except OSError as exc:
        raise UsageError(f"{path}: cannot read the profile: {exc.strerror or exc}") from None
    return _FILES[key]


_FILES: dict[tuple[str, int, int], OutputProfile] = {}


def _read_file(path: Path) -> OutputProfile:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"{path}: cannot read the profile: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise UsageError(f"{path}: a profile must be UTF-8 TOML: {exc.reason}") from None
    profile = _parse(text, str(path))
    if profile.name in SHIPPED_PROFILES:
        raise UsageError(f"{path}: name {profile.name!r} is a shipped profile's; give yours another")
    return _resolve(profile, str(path))


def _parse(text: str, source: str) -> OutputProfile:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{source}: malformed TOML: {exc}") from None
    try:
        return OutputProfile.model_validate({k: v for k, v in data.items() if k not in ("source", "accepted")})
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(p) for p in error["loc"])
        raise UsageError(f"{source}: {where}: {error['msg']}") from None


def _resolve(profile: OutputProfile, source: str) -> OutputProfile:
    accepted = {}
    for name in profile.accepts:
        if name == profile.name:
            continue
        if name not in SHIPPED_PROFILES:
            raise UsageError(f"{source}: accepts {name!r}, which is no shipped profile ({', '.join(SHIPPED_PROFILES)})")
        other = _parse(_shipped_text(name), f"profile {name}")
        accepted[name] = dict(other.vocabularies)
    return profile.model_copy(update={"source": source, "accepted": accepted})


def check_profile(profile: OutputProfile, vocabularies: list[Vocabulary], analyser: Analyser) -> None:
    """What a profile writes for a loaded vocabulary must be read back as the same identity by
    every profile (else a second run, or another profile, would see a conflict): ``vocab`` is the
    dictionary's name up to letter case, ``vocab_identifier`` its address up to scheme, case and
    trailing slash, each ``vocab_term`` a term of it whose label the matcher reads as no other term."""
    loaded = {v.name: v for v in vocabularies}
    where = profile.source or profile.name
    for name, form in profile.vocabularies.items():
        vocabulary = loaded.get(name)
        if vocabulary is None:
            near = [v for v in loaded if v.casefold() == name.casefold()]
            if near:
                raise UsageError(f"{where}: vocabularies.{name}: no dictionary of that name; did you mean {near[0]!r}?")
            continue
        _check_form(form, vocabulary, f"{where}: vocabularies.{name}", analyser)


def _check_form(form: VocabularyForm, vocabulary: Vocabulary, where: str, analyser: Analyser) -> None:
    if form.vocab is not None and form.vocab.casefold() != vocabulary.name.casefold():
        raise UsageError(
            f"{where}.vocab {form.vocab!r}: a profile may spell the dictionary's name {vocabulary.name!r} "
            "otherwise only in letter case (another name is another vocabulary)"
        )
    if form.vocab_identifier is not None and canonical_identifier(form.vocab_identifier) != canonical_identifier(
        vocabulary.identifier
    ):
        raise UsageError(
            f"{where}.vocab_identifier {form.vocab_identifier!r} is no address of {vocabulary.name} "
            f"({vocabulary.identifier})"
        )
    for identifier, label in form.vocab_term.items():
        if vocabulary.term(identifier) is None:
            raise UsageError(f"{where}.vocab_term: no term {identifier!r} in {vocabulary.name}")
        # A reader takes vocab-term as a claim when the label names exactly one term (rules.py):
        # it must then be this one, or the element would read as a conflict.
        for matcher in {id(m): m for m in analyser.matchers.values()}.values():
            named = matcher.match(label).distinct_terms
            if len(named) == 1 and named[0].term.identifier != identifier:
                other = named[0].term
                raise UsageError(
                    f"{where}.vocab_term: {label!r} for {identifier} reads as another term, {other.label} "
                    f"({other.identifier})"
                )
