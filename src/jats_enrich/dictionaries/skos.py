"""Read and write SKOS thesauri (Turtle, RDF/XML, N-Triples; gzipped too) through rdflib.

Thesauri are read as they are published, extracts and merged files included:

- Schemes: a concept's scheme is its ``skos:inScheme`` (or ``skos:topConceptOf``, or a scheme's
  ``skos:hasTopConcept``), declared as a ``skos:ConceptScheme`` or not. Every concept of every scheme
  is a term, each keeping its own scheme as its ``vocab-identifier`` (a concept in several: the
  scheme most of the file's concepts are in); ``schemes`` (``--scheme URI``) keeps only the concepts
  of the given ones. The vocabulary's identifier is the scheme most concepts are in. A file with no
  scheme at all takes its identifier from ``schemes``, else from the base address the concepts share,
  and says so in a note.
- Labels: ``skos:prefLabel`` in English or without a language tag is the label (failing both, the
  first language's, by code); others are translations. ``skos:altLabel`` and ``skos:hiddenLabel``
  (misspellings, matched but never written: only the label is written) are aliases or translations
  by language. SKOS-XL labels (``skosxl:prefLabel`` … ``skosxl:literalForm``) count the same.
- ``skos:notation`` is kept and shown, never matched (codes such as "D012345" are not keywords).
- Deprecation: ``owl:deprecated true``, or a type ending ``/DeprecatedConcept`` (YSO's), with
  ``dct:isReplacedBy`` naming the replacement; one outside the file (an extract) or several (a
  split concept) leave the concept deprecated without a replacement, and a note says so.
- ``skos:definition`` is the definition, ``skos:broader`` the term it belongs to.
- What a concept is matched against is ``je:appliesTo`` (``urn:jats-enrich:dictionary:appliesTo``:
  ``role``, ``keyword``, ``subject``, or ``none``); a concept that does not say is matched against
  keywords and subjects, or what the configuration's ``[applies_to]`` gives the thesaurus.

rdflib is imported only when a SKOS file is read. An RDF/XML file is first read by lxml, with no
DTD, no network and no entity expansion: a DOCTYPE that declares entities is refused (rdflib's
parser would expand them: an entity bomb takes minutes), as is a file that is not well-formed XML,
each with one line naming the file. Nothing is ever fetched; a gzipped file is read up to the
size limit of a dictionary, never further.
"""

from __future__ import annotations

import gzip
import os
import re
import zlib
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from jats_enrich.dictionaries.csv_format import one_line
from jats_enrich.dictionaries.model import TARGET_KINDS, TargetKind, Term, TermStatus, Vocabulary
from jats_enrich.errors import DictionaryError
from jats_enrich.files import atomic_write, read_at_most
from jats_enrich.limits import MAX_DICTIONARY_BYTES

FORMATS = {".ttl": "turtle", ".rdf": "xml", ".owl": "xml", ".skos": "xml", ".nt": "nt"}
FORMAT_NAMES = {"turtle": "Turtle", "xml": "RDF/XML", "nt": "N-Triples"}
JE = "urn:jats-enrich:dictionary:"
SKOSXL = "http://www.w3.org/2008/05/skos-xl#"
DEFAULT_APPLIES_TO: tuple[TargetKind, ...] = ("keyword", "subject")
NOTHING = "none"
ENGLISH = (None, "en")
#: How YSO and other Finto thesauri type their deprecated concepts (yso-meta:DeprecatedConcept).
DEPRECATED_TYPE = "/DeprecatedConcept"


def skos_format(path: Path) -> str:
    """rdflib's name of the file's format, by its suffix (the one before .gz for a gzipped file)."""
    suffixes = [s.lower() for s in path.suffixes]
    inner = suffixes[-2] if len(suffixes) > 1 and suffixes[-1] == ".gz" else path.suffix.lower()
    return FORMATS.get(inner, "turtle")


def vocabulary_name(path: Path) -> str:
    """The file's name without its format's suffixes: 'yso.ttl.gz' -> 'yso'."""
    name = path.name
    if name.lower().endswith(".gz"):
        name = name[:-3]
    return Path(name).stem


def read_skos(path: Path, schemes: tuple[str, ...] = ()) -> Vocabulary:
    """The thesaurus in the file at ``path``; with ``schemes``, only the concepts of those schemes."""
    graph = _parse(path, _read_bytes(path), skos_format(path))
    return _vocabulary(path, _Graph(graph), schemes)


def _read_bytes(path: Path) -> bytes:
    try:
        if path.stat().st_size > MAX_DICTIONARY_BYTES:
            raise DictionaryError(f"{path}: larger than the {MAX_DICTIONARY_BYTES}-byte limit")
        if not path.name.lower().endswith(".gz"):
            return path.read_bytes()
        with gzip.open(path, "rb") as stream:
            data = read_at_most(stream, MAX_DICTIONARY_BYTES)
        if len(data) > MAX_DICTIONARY_BYTES:
            raise DictionaryError(f"{path}: larger than the {MAX_DICTIONARY_BYTES}-byte limit once decompressed")
        return data
    except DictionaryError:
        raise
    except OSError as exc:
        if isinstance(exc, gzip.BadGzipFile) or not exc.strerror:
            raise DictionaryError(f"{path}: not a gzip file: {one_line(exc)}") from None
        raise DictionaryError(f"{path}: cannot read: {exc.strerror}") from None
    except (EOFError, zlib.error) as exc:
        raise DictionaryError(f"{path}: damaged gzip file: {one_line(exc) or 'cut short'}") from None


def _parse(path: Path, data: bytes, fmt: str) -> Any:
    from rdflib import Graph

    graph = Graph()
    try:
        if fmt == "xml":
            refuse_entities(path, data)
        # Parsed from bytes, never from a location: rdflib must not follow anything over the network.
        graph.parse(data=data, format=fmt, publicID=path.resolve().as_uri())
    except DictionaryError:
        raise
    except Exception as exc:  # rdflib's parsers raise many kinds; each is a malformed file
        message = one_line(exc, limit=10_000)
        turtle = re.search(r"at line (\d+).*?Bad syntax \((.*?)\) at \^", message)
        if turtle:
            message = f"at line {turtle.group(1)}: {turtle.group(2)}"
        raise DictionaryError(f"{path}: malformed {FORMAT_NAMES[fmt]}: {one_line(message)}") from None
    return graph


class _Graph:
    """The parsed file, with the few questions the reader asks of it."""

    def __init__(self, graph: Any) -> None:
        from rdflib.namespace import SKOS

        self.graph = graph
        self.skos = SKOS

    def texts(self, subject: Any, predicate: Any) -> list[tuple[str | None, str]]:
        """Literal values as (language, text), language as its primary subtag; SKOS-XL labels too."""
        from rdflib import Literal, URIRef

        objects = list(self.graph.objects(subject, predicate))
        name = str(predicate).rsplit("#", 1)[-1]
        if str(predicate).startswith(str(self.skos)) and name in ("prefLabel", "altLabel", "hiddenLabel"):
            for label in self.graph.objects(subject, URIRef(SKOSXL + name)):
                objects += list(self.graph.objects(label, URIRef(SKOSXL + "literalForm")))
        values = [
            (o.language.lower().split("-")[0] if o.language else None, str(o))
            for o in objects
            if isinstance(o, Literal)
        ]
        return sorted(set(values), key=lambda v: (v[0] or "", v[1]))

    def schemes_of(self, concept: Any) -> set[str]:
        skos = self.skos
        found = {str(o) for o in self.graph.objects(concept, skos.inScheme)}
        found |= {str(o) for o in self.graph.objects(concept, skos.topConceptOf)}
        found |= {str(s) for s in self.graph.subjects(skos.hasTopConcept, concept)}
        return found


def _vocabulary(path: Path, g: _Graph, wanted: tuple[str, ...]) -> Vocabulary:
    from rdflib import URIRef
    from rdflib.namespace import RDF, SKOS

    concepts = sorted(set(g.graph.subjects(RDF.type, SKOS.Concept)), key=str)
    if not concepts:
        raise DictionaryError(f"{path}: no skos:Concept in the file")
    for concept in concepts:
        if not isinstance(concept, URIRef):
            raise DictionaryError(f"{path}: a skos:Concept without a URI (blank node) cannot be an identifier")
    schemes_of = {concept: g.schemes_of(concept) for concept in concepts}
    sizes = Counter(scheme for found in schemes_of.values() for scheme in found)
    declared = {str(s) for s in g.graph.subjects(RDF.type, SKOS.ConceptScheme)}
    notes: list[str] = []
    if wanted and sizes:
        missing = [w for w in wanted if w not in sizes]
        if missing:
            known = ", ".join(sorted(sizes)) or "none"
            raise DictionaryError(f"{path}: no concept is in the scheme <{missing[0]}>; its schemes: {known}")
        concepts = [c for c in concepts if schemes_of[c] & set(wanted)]
    ranked = sorted(sizes, key=lambda s: (s not in wanted, -sizes[s], s))  # wanted first, then the largest
    if ranked:
        identifier = ranked[0]
        if identifier not in declared:
            notes.append(f"no skos:ConceptScheme <{identifier}> in the file; its concepts' skos:inScheme names it")
    elif wanted:
        identifier = wanted[0]
        notes.append(f"no scheme in the file: every concept is given the scheme <{identifier}> (`scheme`)")
    else:
        identifier = _shared_base(path, [str(c) for c in concepts])
        notes.append(
            f"no scheme in the file: vocab-identifier <{identifier}> is the base address its concepts share "
            "(give the right one with `scheme` URI)"
        )
    terms = [_term(path, g, concept, _own_scheme(schemes_of[concept], ranked, identifier)) for concept in concepts]
    terms = _settle_replacements(path, terms, notes)
    title = _title(g, URIRef(identifier))
    try:
        vocabulary = Vocabulary(
            name=vocabulary_name(path), identifier=identifier, title=title, terms=tuple(terms), notes=tuple(notes)
        )
    except ValidationError as exc:
        message = str(exc.errors()[0]["msg"]).removeprefix("Value error, ")
        raise DictionaryError(f"{path}: {message}") from None
    return vocabulary


def _own_scheme(found: set[str], ranked: list[str], identifier: str) -> str | None:
    """A concept's vocab-identifier, when not the vocabulary's: its scheme, the first of ``ranked``
    when it is in several."""
    own = next((s for s in ranked if s in found), identifier)
    return None if own == identifier else own


def _shared_base(path: Path, identifiers: list[str]) -> str:
    prefix = os.path.commonprefix(identifiers)  # noqa: RUF071 -- character-wise on purpose: URIs, not paths
    cut = max(prefix.rfind("/"), prefix.rfind("#"), prefix.rfind(":") if prefix.startswith("urn:") else -1)
    if cut < len("urn:x"):
        raise DictionaryError(
            f"{path}: no scheme in the file and its concepts share no base address; give one with `scheme` URI"
        )
    return prefix[: cut + 1]


def _title(g: _Graph, scheme: Any) -> str | None:
    from rdflib.namespace import DCTERMS

    texts = g.texts(scheme, DCTERMS.title) + g.texts(scheme, g.skos.prefLabel)
    return next((v for lang, v in texts if lang in ENGLISH), None)


def _term(path: Path, g: _Graph, concept: Any, scheme: str | None) -> Term:
    from rdflib import URIRef
    from rdflib.namespace import DCTERMS, OWL, RDF

    skos = g.skos
    where = f"{path}: concept <{concept}>"
    preferred = g.texts(concept, skos.prefLabel)
    if not preferred:
        raise DictionaryError(f"{where}: missing label (no skos:prefLabel)")
    label = next((v for lang, v in preferred if lang in ENGLISH), None) or preferred[0][1]
    aliases: list[str] = []
    translations: dict[str, list[str]] = defaultdict(list)
    for lang, value in preferred + g.texts(concept, skos.altLabel) + g.texts(concept, skos.hiddenLabel):
        if value == label and lang in ENGLISH:
            continue
        (aliases if lang in ENGLISH else translations[lang or ""]).append(value)
    deprecated = any(str(o).lower() in ("true", "1") for o in g.graph.objects(concept, OWL.deprecated))
    deprecated |= any(str(t).endswith(DEPRECATED_TYPE) for t in g.graph.objects(concept, RDF.type))
    replaced = sorted(str(o) for o in g.graph.objects(concept, DCTERMS.isReplacedBy))
    definition = next((v for lang, v in g.texts(concept, skos.definition) if lang in ENGLISH), None)
    broader = sorted(str(o) for o in g.graph.objects(concept, skos.broader) if isinstance(o, URIRef))
    kinds = [value.strip().lower() for _, value in g.texts(concept, URIRef(JE + "appliesTo"))]
    wrong = [k for k in kinds if k not in (*TARGET_KINDS, NOTHING)]
    if wrong:
        raise DictionaryError(f"{where}: je:appliesTo {wrong[0]!r} is not one of {', '.join(TARGET_KINDS)}")
    try:
        return Term(
            label=label,
            identifier=str(concept),
            status=TermStatus.DEPRECATED if deprecated or replaced else TermStatus.STABLE,
            replaced_by="\n".join(replaced) or None,  # settled once every concept is known
            aliases=tuple(dict.fromkeys(aliases)),
            translations={lang: tuple(dict.fromkeys(v)) for lang, v in translations.items()},
            definition=definition,
            broader=broader[0] if broader else None,
            applies_to=tuple(k for k in TARGET_KINDS if k in kinds) if kinds else None,
            scheme=scheme,
            notations=tuple(v for _, v in g.texts(concept, skos.notation)),
        )
    except ValidationError as exc:
        raise DictionaryError(f"{where}: {exc.errors()[0]['msg']}") from None


def _settle_replacements(path: Path, terms: list[Term], notes: list[str]) -> list[Term]:
    """A replacement the file holds is kept; one outside it (an extract) or several (a concept split
    in two) leave the term deprecated with no replacement, and a note counts them."""
    held = {t.identifier for t in terms}
    outside = several = 0
    settled = []
    for term in terms:
        if term.replaced_by is None:
            settled.append(term)
            continue
        replacements = term.replaced_by.split("\n")
        keep = replacements[0] if len(replacements) == 1 and replacements[0] in held else None
        outside += len(replacements) == 1 and keep is None
        several += len(replacements) > 1
        settled.append(term.model_copy(update={"replaced_by": keep}))
    if outside:
        notes.append(f"{outside} deprecated concept(s) replaced by a concept not in the file: kept with no replacement")
    if several:
        notes.append(f"{several} deprecated concept(s) replaced by several concepts: kept with no replacement")
    return settled


_NEVER = "; a dictionary's entities are never expanded"


def refuse_entities(path: Path, data: bytes) -> None:
    """Check RDF/XML before rdflib reads it: well-formed, and no entity declared in its DOCTYPE
    (read by lxml without DTD, network or entity expansion). A DictionaryError otherwise."""
    from lxml import etree

    parser = etree.XMLParser(
        resolve_entities=False, load_dtd=False, no_network=True, dtd_validation=False, huge_tree=False
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        message = one_line(exc.msg or exc)
        if "amplification" in message or "entity reference loop" in message:
            raise DictionaryError(f"{path}: refused: its DOCTYPE declares entities ({message}){_NEVER}") from None
        raise DictionaryError(f"{path}: malformed RDF/XML: {message}") from None
    except ValueError as exc:  # an unknown encoding, say
        raise DictionaryError(f"{path}: malformed RDF/XML: {one_line(exc)}") from None
    dtd: Any = root.getroottree().docinfo.internalDTD  # lxml-stubs lack DTD.iterentities()
    declared = [str(entity.name) for entity in dtd.iterentities()] if dtd is not None else []
    if declared:
        raise DictionaryError(
            f"{path}: refused: its DOCTYPE declares entities ({one_line(', '.join(declared), 60)}){_NEVER}"
        )


def write_skos(vocabulary: Vocabulary, path: Path) -> None:
    from rdflib import Graph, Literal, URIRef
    from rdflib.namespace import DCTERMS, OWL, RDF, SKOS

    graph = Graph()
    graph.bind("skos", SKOS)
    graph.bind("dct", DCTERMS)
    graph.bind("owl", OWL)
    graph.bind("je", JE)
    scheme = URIRef(vocabulary.identifier)
    for other in vocabulary.schemes:
        graph.add((URIRef(other), RDF.type, SKOS.ConceptScheme))
    if vocabulary.title:
        graph.add((scheme, DCTERMS.title, Literal(vocabulary.title, lang="en")))
    for term in vocabulary.terms:
        for triple in _concept(vocabulary, term):
            graph.add(triple)
    atomic_write(path, graph.serialize(format=skos_format(path)).encode("utf-8"))


def _concept(vocabulary: Vocabulary, term: Term) -> Iterator[tuple[Any, Any, Any]]:
    """The triples that describe one term as a SKOS concept."""
    from rdflib import Literal, URIRef
    from rdflib.namespace import DCTERMS, OWL, RDF, SKOS

    concept = URIRef(term.identifier)
    yield concept, RDF.type, SKOS.Concept
    yield concept, SKOS.inScheme, URIRef(vocabulary.scheme_of(term))
    for notation in term.notations:
        yield concept, SKOS.notation, Literal(notation)
    for predicate, label in _labels(term):
        yield concept, predicate, label
    if term.definition:
        yield concept, SKOS.definition, Literal(term.definition, lang="en")
    if term.status is TermStatus.DEPRECATED:
        yield concept, OWL.deprecated, Literal(True)
    if term.replaced_by:
        yield concept, DCTERMS.isReplacedBy, URIRef(term.replaced_by)
    if term.broader:
        yield concept, SKOS.broader, URIRef(term.broader)
    # written only where it differs from what a reader assumes of a concept that does not say
    if term.applies_to is not None or vocabulary.applies_to != DEFAULT_APPLIES_TO:
        kinds: list[str] = [kind for kind in TARGET_KINDS if vocabulary.applies(term, kind)]
        for kind in kinds or [NOTHING]:
            yield concept, URIRef(JE + "appliesTo"), Literal(kind)


def _labels(term: Term) -> Iterator[tuple[Any, Any]]:
    """(predicate, label): the English label and aliases, then each language's label and aliases."""
    from rdflib import Literal
    from rdflib.namespace import SKOS

    yield SKOS.prefLabel, Literal(term.label, lang="en")
    for alias in term.aliases:
        yield SKOS.altLabel, Literal(alias, lang="en")
    for lang, labels in term.translations.items():
        yield SKOS.prefLabel, Literal(labels[0], lang=lang)
        for other in labels[1:]:
            yield SKOS.altLabel, Literal(other, lang=lang)
