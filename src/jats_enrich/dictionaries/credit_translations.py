"""Import the community translations of CRediT (contributorshipcollaboration/credit-translation).

The collection has one JSON file per language and script (``translations/pt_Latn.json``): its
``metadata`` (language code, script, name, translators) and, keyed by the NISO term URI, each
role's name and description in that language; ``md_files/<file>.md`` ends with the attribution
line its CC BY 4.0 licence asks for. NISO publishes CRediT in English only and endorses none of
them, so they are matching aids: a role written "Conceitualização" is recognised, and the
``vocab-term`` written stays NISO's English label.

The files' own language codes are not all BCP 47: ``cz`` is Czech (``cs``), ``dk`` Danish
(``da``), ``gr`` Greek (``el``), ``ita`` Italian (``it``), ``swa`` Swahili (``sw``), ``vie``
Vietnamese (``vi``), ``nob`` Norwegian Bokmål (``nb``), and ``no`` is, in this collection,
Nynorsk (``nn``; its file is ``nno_Latn``). A language written in two scripts (Serbian, Chinese)
gets its script subtag (``sr-Cyrl``, ``zh-Hant``). The English file's names are English labels:
where one differs from NISO's label beyond normalisation (the 2014 "Writing – Original Draft
Preparation") it is kept as an alias.

A name is kept as written, and also as the forms a role would be written in: each alternative of
"Konceptualizáció / Ötletelés" and "Software/programas de computador", and the name without its
bracketed part ("Logiciel(s)", "डेटा क्यूरेशन (डेटा परिशोधन)"). Latin letters typed inside a Cyrillic
word ("Kонцептуалізація" with a Latin K) are read as the Cyrillic letters they look like.

``with_translations`` adds them to the hand-made ``credit`` dictionary (vocab/sources/credit.jsonld,
whose own translations the team vouches for), with each language's attribution, giving the
shipped vocab/credit.jsonld.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jats_enrich.dictionaries.model import Term, TranslationSource, Vocabulary
from jats_enrich.errors import DictionaryError
from jats_enrich.text import normalize

#: The collection's codes that are not BCP 47 (checked against each file's metadata name).
BCP47: dict[str, str] = {
    "cz": "cs",
    "dk": "da",
    "gr": "el",
    "ita": "it",
    "swa": "sw",
    "vie": "vi",
    "nob": "nb",
    "no": "nn",
}
LICENSE = "https://creativecommons.org/licenses/by/4.0/"
SOURCE = "contributorshipcollaboration/credit-translation"
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_BRACKETED = re.compile(r"\s*\([^()]*\)\s*")
#: Latin letters that look like Cyrillic ones, as typed by mistake inside Cyrillic words.
_LATIN_TO_CYRILLIC = str.maketrans("AaBCcEeHKMOoPpTXxyi", "АаВСсЕеНКМОоРрТХхуі")
_CYRILLIC_WORD = re.compile(r"\w*[\u0400-\u04ff]\w*")


def name_forms(name: str) -> list[str]:
    """The name, and the forms a role may be written in: its alternatives ("A / B"), and without a
    bracketed part."""
    name = _CYRILLIC_WORD.sub(lambda m: m.group(0).translate(_LATIN_TO_CYRILLIC), name)
    forms = [name]
    if "/" in name:
        forms += [part.strip() for part in name.split("/") if part.strip()]
    for form in list(forms):
        bare = " ".join(_BRACKETED.sub(" ", form).split())
        if bare and bare != form:
            forms.append(bare)
    return list(dict.fromkeys(forms))


@dataclass(frozen=True)
class LanguageFile:
    """One translation file, read."""

    path: Path
    tag: str  # BCP 47
    name: str
    version: str | None
    names: dict[str, str]  # NISO term URI -> the role's name in this language
    attribution: str | None


def read_collection(folder: Path) -> list[LanguageFile]:
    """Every translation file of the collection, in file name order, with BCP 47 tags."""
    translations = folder / "translations"
    if not translations.is_dir():
        raise DictionaryError(f"{folder}: no translations/ folder (the credit-translation collection)")
    raw = [(path, _load(path)) for path in sorted(translations.glob("*.json"))]
    if not raw:
        raise DictionaryError(f"{translations}: no translation files")
    codes = Counter(_code(data, path) for path, data in raw)
    files = []
    for path, data in raw:
        code = _code(data, path)
        tag = BCP47.get(code, code)
        script = data["metadata"].get("scriptCode")
        if codes[code] > 1 and isinstance(script, str):  # Serbian, Chinese: two scripts
            tag = f"{tag}-{script}"
        names = {
            uri: entry["name"] for uri, entry in data["translations"].items() if isinstance(entry.get("name"), str)
        }
        files.append(
            LanguageFile(
                path=path,
                tag=tag,
                name=str(data["metadata"].get("languageName") or tag),
                version=str(data["version"]) if data.get("version") else None,
                names=names,
                attribution=_attribution(folder / "md_files" / f"{path.stem}.md"),
            )
        )
    return files


def _load(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DictionaryError(f"{path}: cannot read as JSON: {exc}") from None
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("metadata"), dict)
        or not isinstance(data.get("translations"), dict)
    ):
        raise DictionaryError(f"{path}: expected an object with 'metadata' and 'translations'")
    return data


def _code(data: dict[str, Any], path: Path) -> str:
    code = data["metadata"].get("languageCode")
    if not isinstance(code, str) or not code:
        raise DictionaryError(f"{path}: metadata has no languageCode")
    return code


def _attribution(md_file: Path) -> str | None:
    """The credit line under the page's '## License' heading, links reduced to their text."""
    try:
        text = md_file.read_text(encoding="utf-8")
    except OSError:
        return None
    m = re.search(r"^## License\s*\n+(.+)$", text, re.M)
    if not m:
        return None
    line = _LINK.sub(r"\1", m.group(1))
    return " ".join(line.split())


def with_translations(base: Vocabulary, files: list[LanguageFile]) -> Vocabulary:
    """``base`` (the hand-made credit dictionary) with every file's names as translations (after
    the vouched ones), English names that are older labels as aliases, and the attributions."""
    known = {t.identifier for t in base.terms}
    for f in files:
        unknown = sorted(set(f.names) - known)
        if unknown:
            raise DictionaryError(f"{f.path}: {unknown[0]} is no term of {base.name}")
    terms = []
    for term in base.terms:
        translations = {lang: list(labels) for lang, labels in term.translations.items()}
        aliases = list(term.aliases)
        for f in files:
            name = f.names.get(term.identifier)
            if name is None:
                continue
            if f.tag == "en":
                if normalize(name) != normalize(term.label) and name not in aliases:
                    aliases.append(name)
                continue
            labels = translations.setdefault(f.tag, [])
            labels += [form for form in name_forms(name) if form not in labels]
        terms.append(
            term.model_copy(
                update={"aliases": tuple(aliases), "translations": {k: tuple(v) for k, v in translations.items()}}
            )
        )
    sources = tuple(
        TranslationSource(
            language=f.tag,
            name=f.name,
            version=f.version,
            license=LICENSE,
            attribution=f.attribution or f"{SOURCE} ({f.name})",
            source=f"{SOURCE}, {f.path.parent.name}/{f.path.name}",
        )
        for f in files
        if f.tag != "en"
    )
    return Vocabulary.model_validate(
        {
            **{k: getattr(base, k) for k in Vocabulary.model_fields},
            "translation_sources": base.translation_sources + sources,
            "terms": tuple(Term.model_validate(t.model_dump()) for t in terms),
        }
    )
