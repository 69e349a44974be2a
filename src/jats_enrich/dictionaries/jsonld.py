"""Read dictionaries in the JSON-LD form the CASRAI dictionary publishes (schema.org DefinedTerm).

Accepted shapes:

* a ``DefinedTermSet`` object whose ``hasDefinedTerm`` lists ``DefinedTerm`` objects;
* a list of ``DefinedTerm`` objects (as on a CASRAI term page), which must share one
  ``inDefinedTermSet`` (the vocabulary identifier);
* a single ``DefinedTerm`` object.

The file is read as compact JSON-LD keys, without fetching any ``@context`` (no network). Term keys:
``name`` (label; a string, or language-tagged values of which the English or untagged one is the
label and the others translations), ``identifier``, ``description``, ``alternateName`` and
``sameAs`` (aliases; language-tagged ones in a language other than English are translations;
URLs in ``sameAs`` are other identifiers of the term), ``inDefinedTermSet`` (domain),
``additionalType`` (what sort of entry), ``termCode`` (a UUID), and the jats-enrich extensions
``status`` (draft, stable, deprecated), ``replacedBy`` (identifier), ``deprecatedIdentifier``
(older identifiers), ``broader`` (identifier of the term it belongs to), ``canonical`` (the same
concept's identifier in the vocabulary that owns it), ``domains``, ``appliesTo`` and ``groupTypes``
(matched only in keyword or subject groups of these types). Set keys:
``identifier``, ``name`` (title),
``vocab`` (the short name written as ``@vocab``; else the file name), ``version``, ``license``,
``deprecatedIdentifier``, ``appliesTo`` (which targets the terms are matched against: ``role``,
``keyword``, ``subject``; default keywords and subjects), ``sense`` (``{"domain": ..., "evidence":
[...]}``: keyword and subject matches are written only when the article is about that domain, see
sense.py; a term's ``distinctive`` names need no such evidence), ``takesDegree`` (true: its terms
take a degree of contribution, as CRediT's do), ``translationSources`` (per language: ``language``,
``name``, ``version``, ``license``, ``attribution``, ``source``). The 0.9 key ``corroborate: true``
is read as a sense gate in which a term's names of several words (not acronyms) are distinctive.

``write_jsonld`` writes a vocabulary back in the same form.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from jats_enrich.dictionaries.model import TARGET_KINDS, SenseGate, Term, TermStatus, TranslationSource, Vocabulary
from jats_enrich.errors import DictionaryError
from jats_enrich.limits import MAX_DICTIONARY_BYTES
from jats_enrich.text import base_language, is_acronym, language_tag

ENGLISH = ("en",)


def _english(lang: str | None) -> bool:
    return base_language(lang) in ENGLISH


def read_jsonld(path: Path) -> Vocabulary:
    """Load a JSON-LD dictionary file; raise DictionaryError naming file, term and field."""
    data = _load_json(path)
    return vocabulary_from_jsonld(data, source=str(path), default_name=path.name.split(".")[0])


def vocabulary_from_jsonld(data: Any, *, source: str, default_name: str) -> Vocabulary:
    header: dict[str, Any]
    if isinstance(data, dict) and _has_type(data, "DefinedTermSet"):
        terms, identifier = _set_terms(data, source)
        header = data
    elif isinstance(data, list | dict):
        terms, identifier = _listed_terms(data if isinstance(data, list) else [data], source)
        header = {}  # a bare list of terms has no set keys: the defaults
    else:
        raise DictionaryError(f"{source}: expected a DefinedTermSet object or a list of DefinedTerm objects")

    name = _string(header, "vocab", source, "DefinedTermSet") or default_name
    applies_to = _strings(header, "appliesTo", source, "DefinedTermSet") or ["keyword", "subject"]
    unknown = [kind for kind in applies_to if kind not in TARGET_KINDS]
    if unknown:
        raise DictionaryError(
            f"{source}: DefinedTermSet: field 'appliesTo' has {unknown[0]!r}; expected {', '.join(TARGET_KINDS)}"
        )
    corroborate = _flag(header, "corroborate", source)
    takes_degree = _flag(header, "takesDegree", source)
    sense = _sense(header, source)
    if corroborate and sense is None:
        sense = SenseGate(domain=_string(header, "name", source, "DefinedTermSet") or name)
        terms = [t.model_copy(update={"distinctive": _several_words(t)}) for t in terms]
    try:
        return Vocabulary(
            name=name,
            sense=sense,
            takes_degree=takes_degree,
            translation_sources=_translation_sources(header, source),
            identifier=identifier,
            title=_string(header, "name", source, "DefinedTermSet"),
            version=_string(header, "version", source, "DefinedTermSet"),
            license=_string(header, "license", source, "DefinedTermSet"),
            deprecated_identifiers=tuple(_strings(header, "deprecatedIdentifier", source, "DefinedTermSet")),
            applies_to=tuple(applies_to),
            terms=tuple(terms),
        )
    except ValidationError as exc:
        raise DictionaryError(f"{source}: {_first_error(exc)}") from None


def _set_terms(data: dict[str, Any], source: str) -> tuple[list[Term], str]:
    """The terms of a DefinedTermSet, and its identifier (checked after its terms)."""
    items = data.get("hasDefinedTerm")
    if not isinstance(items, list) or not items:
        raise DictionaryError(f"{source}: DefinedTermSet: field 'hasDefinedTerm' must be a non-empty list")
    terms = [_term(item, i, source) for i, item in enumerate(items, 1)]
    identifier = _string(data, "identifier", source, "DefinedTermSet") or _string(data, "@id", source, "DefinedTermSet")
    if not identifier:
        raise DictionaryError(f"{source}: DefinedTermSet: field 'identifier' is missing")
    return terms, identifier


def _listed_terms(items: list[Any], source: str) -> tuple[list[Term], str]:
    """The terms of a list of DefinedTerm objects, and the one set they share (the identifier)."""
    if not items:
        raise DictionaryError(f"{source}: the list of DefinedTerm objects is empty")
    terms = [_term(item, i, source) for i, item in enumerate(items, 1)]
    sets = {t.domain for t in terms}
    if len(sets) != 1 or None in sets:
        raise DictionaryError(
            f"{source}: a list of DefinedTerm objects needs one shared 'inDefinedTermSet' "
            f"(found {sorted(s or '(none)' for s in sets)}); use a DefinedTermSet instead"
        )
    return terms, sets.pop() or ""


def _flag(header: dict[str, Any], key: str, source: str) -> bool:
    value = header.get(key, False)
    if not isinstance(value, bool):
        raise DictionaryError(f"{source}: DefinedTermSet: field '{key}' must be true or false")
    return value


def _sense(header: dict[str, Any], source: str) -> SenseGate | None:
    raw = header.get("sense")
    if raw is None:
        return None
    where = "DefinedTermSet: field 'sense'"
    if not isinstance(raw, dict) or not isinstance(raw.get("domain"), str):
        raise DictionaryError(f"{source}: {where} must be an object with a 'domain' string and an 'evidence' list")
    unknown = sorted(set(raw) - {"domain", "evidence"})
    if unknown:
        raise DictionaryError(f"{source}: {where} has an unknown key {unknown[0]!r}")
    try:
        return SenseGate(domain=raw["domain"], evidence=tuple(_strings(raw, "evidence", source, where)))
    except ValidationError as exc:
        raise DictionaryError(f"{source}: {where}: {_first_error(exc)}") from None


def _several_words(term: Term) -> tuple[str, ...]:
    """The 0.9 rule: names of several words that are not acronyms stand on their own."""
    return tuple(n for n in dict.fromkeys(term.names) if len(n.split()) > 1 and not is_acronym(n))


def _translation_sources(header: dict[str, Any], source: str) -> tuple[TranslationSource, ...]:
    raw = header.get("translationSources")
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(item, dict) for item in raw):
        raise DictionaryError(f"{source}: DefinedTermSet: field 'translationSources' must be a list of objects")
    try:
        return tuple(TranslationSource.model_validate(item) for item in raw)
    except ValidationError as exc:
        raise DictionaryError(f"{source}: DefinedTermSet: field 'translationSources': {_first_error(exc)}") from None


def _load_json(path: Path) -> Any:
    try:
        size = path.stat().st_size
        if size > MAX_DICTIONARY_BYTES:
            raise DictionaryError(f"{path}: file is {size} bytes, larger than the {MAX_DICTIONARY_BYTES}-byte limit")
        raw = path.read_bytes()
    except OSError as exc:
        raise DictionaryError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        return json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise DictionaryError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise DictionaryError(f"{path}: malformed JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None


def _has_type(obj: dict[str, Any], wanted: str) -> bool:
    kind = obj.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return any(isinstance(k, str) and k.rsplit("/", 1)[-1].rsplit(":", 1)[-1] == wanted for k in kinds)


def _term(item: Any, index: int, source: str) -> Term:
    label, names = _label(item, index, source)
    where = f"term #{index} ({label!r})"  # from here on, errors name the term
    if not _has_type(item, "DefinedTerm"):
        raise DictionaryError(f"{source}: {where}: field '@type' must be 'DefinedTerm'")
    aliases, translations, other_ids = _other_names(item, names, label, source, where)
    term_applies = _strings(item, "appliesTo", source, where) if "appliesTo" in item else None
    if term_applies is not None and any(kind not in TARGET_KINDS for kind in term_applies):
        raise DictionaryError(f"{source}: {where}: field 'appliesTo' must list {', '.join(TARGET_KINDS)}")
    status = _status(item, source, where)
    identifier = _string(item, "identifier", source, where) or _string(item, "@id", source, where)
    if not identifier:
        raise DictionaryError(f"{source}: {where}: field 'identifier' is missing")
    try:  # fields read in this order: a term with several wrong ones names the first
        return Term(
            label=label,
            identifier=identifier,
            status=status,
            replaced_by=_string(item, "replacedBy", source, where),
            aliases=tuple(dict.fromkeys(aliases)),
            translations={lang: tuple(dict.fromkeys(v)) for lang, v in translations.items()},
            deprecated_identifiers=tuple(
                dict.fromkeys(_strings(item, "deprecatedIdentifier", source, where) + other_ids)
            ),
            definition=_string(item, "description", source, where),
            domain=_string(item, "inDefinedTermSet", source, where),
            kind=_string(item, "additionalType", source, where),
            broader=_string(item, "broader", source, where),
            canonical=_string(item, "canonical", source, where),
            uuid=_string(item, "termCode", source, where),
            domains=tuple(_strings(item, "domains", source, where)),
            applies_to=tuple(term_applies) if term_applies is not None else None,
            group_types=tuple(_strings(item, "groupTypes", source, where)) if "groupTypes" in item else None,
            distinctive=tuple(_strings(item, "distinctive", source, where)),
        )
    except ValidationError as exc:
        raise DictionaryError(f"{source}: {where}: {_first_error(exc)}") from None


def _label(item: Any, index: int, source: str) -> tuple[str, list[tuple[str | None, str]]]:
    """A term's label (its English or untagged name) and all its names, as (language, text)."""
    where = f"term #{index}"
    if not isinstance(item, dict):
        raise DictionaryError(f"{source}: {where}: expected a DefinedTerm object, found {type(item).__name__}")
    names = _tagged_values(item, "name", source, where)
    if not names:
        raise DictionaryError(f"{source}: {where}: field 'name' is missing")
    label = next((v for lang, v in names if lang is None or _english(lang)), None)
    if label is None:
        raise DictionaryError(f"{source}: {where}: field 'name' has no English or untagged value")
    return label, names


def _other_names(
    item: dict[str, Any], names: list[tuple[str | None, str]], label: str, source: str, where: str
) -> tuple[list[str], dict[str, list[str]], list[str]]:
    """Aliases, translations by language, and the other identifiers (URLs in ``sameAs``)."""
    aliases: list[str] = []
    translations: dict[str, list[str]] = {}
    other_ids: list[str] = []
    for lang, value in names:
        if value != label:
            _file_name(value, lang, aliases, translations)
    for lang, value in _tagged_values(item, "alternateName", source, where):
        _file_name(value, lang, aliases, translations)
    for lang, value in _tagged_values(item, "sameAs", source, where):
        if value.startswith(("http://", "https://", "urn:")):
            other_ids.append(value)
        else:
            _file_name(value, lang, aliases, translations)
    return aliases, translations, other_ids


def _status(item: dict[str, Any], source: str, where: str) -> TermStatus:
    status_text = _string(item, "status", source, where) or TermStatus.STABLE.value
    try:
        return TermStatus(status_text.lower())
    except ValueError:
        allowed = ", ".join(s.value for s in TermStatus)
        raise DictionaryError(
            f"{source}: {where}: field 'status' is {status_text!r}, expected one of {allowed}"
        ) from None


def _file_name(value: str, lang: str | None, aliases: list[str], translations: dict[str, list[str]]) -> None:
    if lang is None or _english(lang):
        aliases.append(value)
    else:
        translations.setdefault(lang, []).append(value)


def _tagged_values(obj: dict[str, Any], key: str, source: str, where: str) -> list[tuple[str | None, str]]:
    """Values of ``key`` as (language, text): strings, {"@value", "@language"} objects, or lists of them."""
    raw = obj.get(key)
    if raw is None:
        return []
    values = raw if isinstance(raw, list) else [raw]
    out: list[tuple[str | None, str]] = []
    for value in values:
        if isinstance(value, str):
            out.append((None, value))
        elif isinstance(value, dict) and isinstance(value.get("@value"), str):
            lang = value.get("@language")
            if lang is not None and not isinstance(lang, str):
                raise DictionaryError(f"{source}: {where}: field '{key}': '@language' must be a string")
            out.append((language_tag(lang) if lang else None, value["@value"]))
        else:
            raise DictionaryError(
                f"{source}: {where}: field '{key}' must hold strings or {{'@value', '@language'}} objects"
            )
    return out


def _string(obj: dict[str, Any], key: str, source: str, where: str) -> str | None:
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, dict) and isinstance(value.get("@id"), str):
        return str(value["@id"])
    if not isinstance(value, str):
        raise DictionaryError(f"{source}: {where}: field '{key}' must be a string, found {type(value).__name__}")
    return value


def _strings(obj: dict[str, Any], key: str, source: str, where: str) -> list[str]:
    value = obj.get(key)
    if value is None:
        return []
    values = value if isinstance(value, list) else [value]
    if not all(isinstance(v, str) for v in values):
        raise DictionaryError(f"{source}: {where}: field '{key}' must be a string or a list of strings")
    return list(values)


def _first_error(exc: ValidationError) -> str:
    error = exc.errors()[0]
    field = ".".join(str(p) for p in error["loc"])
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"field {field!r}: {message}" if field else message


CONTEXT: dict[str, Any] = {
    "@vocab": "https://schema.org/",
    "je": "urn:jats-enrich:dictionary:",
    "vocab": "je:vocab",
    "appliesTo": "je:appliesTo",
    "status": "je:status",
    "replacedBy": {"@id": "je:replacedBy", "@type": "@id"},
    "deprecatedIdentifier": "je:deprecatedIdentifier",
    "sense": "je:sense",
    "distinctive": "je:distinctive",
    "takesDegree": "je:takesDegree",
    "translationSources": "je:translationSources",
    "groupTypes": "je:groupTypes",
    "broader": {"@id": "je:broader", "@type": "@id"},
    "canonical": {"@id": "je:canonical", "@type": "@id"},
    "domains": "je:domains",
}


def vocabulary_to_jsonld(vocabulary: Vocabulary, *, definitions: bool = True) -> dict[str, Any]:
    """The JSON-LD ``DefinedTermSet`` of a vocabulary, as ``read_jsonld`` reads it back."""
    doc: dict[str, Any] = {"@context": CONTEXT, "@type": "DefinedTermSet", "vocab": vocabulary.name}
    doc["identifier"] = vocabulary.identifier
    for key, value in (("name", vocabulary.title), ("version", vocabulary.version), ("license", vocabulary.license)):
        if value:
            doc[key] = value
    doc["appliesTo"] = list(vocabulary.applies_to)
    if vocabulary.takes_degree:
        doc["takesDegree"] = True
    if vocabulary.sense is not None:
        doc["sense"] = {"domain": vocabulary.sense.domain, "evidence": list(vocabulary.sense.evidence)}
    if vocabulary.deprecated_identifiers:
        doc["deprecatedIdentifier"] = list(vocabulary.deprecated_identifiers)
    if vocabulary.translation_sources:
        doc["translationSources"] = [s.model_dump(exclude_none=True) for s in vocabulary.translation_sources]
    doc["hasDefinedTerm"] = [_term_to_jsonld(t, definitions) for t in vocabulary.terms]
    return doc


def _term_to_jsonld(term: Term, definitions: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"@type": "DefinedTerm", "name": term.label, "identifier": term.identifier}
    names: list[Any] = list(term.aliases)
    names += [{"@value": v, "@language": lang} for lang, values in term.translations.items() for v in values]
    # The keys in the order written; None leaves one out. An empty value is left out too, except
    # appliesTo's and groupTypes', where an empty list (appliesTo: matched to nothing) differs from none.
    keys: tuple[tuple[str, Any], ...] = (
        ("additionalType", term.kind or None),
        ("termCode", term.uuid or None),
        ("description", term.definition if definitions and term.definition else None),
        ("inDefinedTermSet", term.domain or None),
        ("broader", term.broader or None),
        ("canonical", term.canonical or None),
        ("domains", list(term.domains) or None),
        ("appliesTo", None if term.applies_to is None else list(term.applies_to)),
        ("groupTypes", None if term.group_types is None else list(term.group_types)),
        ("status", term.status.value),
        ("replacedBy", term.replaced_by or None),
        ("alternateName", names or None),
        ("deprecatedIdentifier", list(term.deprecated_identifiers) or None),
        ("distinctive", list(term.distinctive) or None),
    )
    out.update((key, value) for key, value in keys if value is not None)
    return out


def write_jsonld(vocabulary: Vocabulary, path: Path) -> None:
    from jats_enrich.files import atomic_write

    text = json.dumps(vocabulary_to_jsonld(vocabulary), ensure_ascii=False, indent=2) + "\n"
    atomic_write(path, text.encode("utf-8"))
