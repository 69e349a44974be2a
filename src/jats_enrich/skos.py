"""Read and write SKOS thesauri (Turtle, RDF/XML) through rdflib.

A ``skos:ConceptScheme`` is a vocabulary (its URI the vocabulary identifier); each ``skos:Concept``
in it (``skos:inScheme``, or every concept when the file holds one scheme) is a term:
``skos:prefLabel`` untagged or in English is the label, in other languages a translation;
``skos:altLabel`` and ``skos:hiddenLabel`` are aliases (or translations, by language);
``owl:deprecated true`` makes it deprecated and ``dct:isReplacedBy`` names its replacement;
``skos:definition`` is its definition; ``skos:broader`` the term it belongs to. What a concept is
matched against is ``je:appliesTo`` (``urn:jats-enrich:dictionary:appliesTo``: ``role``,
``keyword``, ``subject``, or ``none``); a concept that does not say is matched against keywords
and subjects, or what the configuration's ``[applies_to]`` gives the thesaurus, which no concept
goes beyond. rdflib is
imported only when a SKOS file is read.

An RDF/XML file is first read by lxml, with no DTD, no network and no entity expansion: a DOCTYPE
that declares entities is refused (rdflib's parser would expand them: an entity bomb takes
minutes), as is a file that is not well-formed XML, each with one line naming the file. Nothing is
ever fetched.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .csv_dictionary import one_line
from .errors import DictionaryError
from .limits import MAX_DICTIONARY_BYTES
from .vocabulary import TARGET_KINDS, TargetKind, Term, TermStatus, Vocabulary

FORMATS = {".ttl": "turtle", ".rdf": "xml", ".owl": "xml", ".skos": "xml"}
JE = "urn:jats-enrich:dictionary:"
DEFAULT_APPLIES_TO: tuple[TargetKind, ...] = ("keyword", "subject")
NOTHING = "none"
ENGLISH = (None, "en")


def read_skos(path: Path) -> Vocabulary:
    from rdflib import Graph, Literal, URIRef
    from rdflib.namespace import DCTERMS, OWL, RDF, SKOS

    graph = Graph()
    fmt = FORMATS.get(path.suffix.lower(), "turtle")
    try:
        if path.stat().st_size > MAX_DICTIONARY_BYTES:
            raise DictionaryError(f"{path}: larger than the {MAX_DICTIONARY_BYTES}-byte limit")
        data = path.read_bytes()
        if fmt == "xml":
            refuse_entities(path, data)
        # Parsed from bytes, never from a location: rdflib must not follow anything over the network.
        graph.parse(data=data, format=fmt, publicID=path.resolve().as_uri())
    except DictionaryError:
        raise
    except OSError as exc:
        raise DictionaryError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except Exception as exc:  # rdflib's parsers raise many kinds; each is a malformed file
        what = "Turtle" if fmt == "turtle" else "RDF/XML"
        message = one_line(exc, limit=10_000)
        turtle = re.search(r"at line (\d+).*?Bad syntax \((.*?)\) at \^", message)
        if turtle:
            message = f"at line {turtle.group(1)}: {turtle.group(2)}"
        raise DictionaryError(f"{path}: malformed {what}: {one_line(message)}") from None

    schemes = sorted(set(graph.subjects(RDF.type, SKOS.ConceptScheme)), key=str)
    if len(schemes) != 1:
        found = "no skos:ConceptScheme" if not schemes else f"{len(schemes)} ConceptSchemes"
        raise DictionaryError(f"{path}: expected one skos:ConceptScheme, found {found}")
    scheme = schemes[0]
    concepts = sorted(set(graph.subjects(RDF.type, SKOS.Concept)), key=str)
    in_scheme = [c for c in concepts if (c, SKOS.inScheme, scheme) in graph or (scheme, SKOS.hasTopConcept, c) in graph]
    concepts = in_scheme or concepts
    if not concepts:
        raise DictionaryError(f"{path}: the scheme <{scheme}> has no skos:Concept")

    def texts(subject: Any, predicate: Any) -> list[tuple[str | None, str]]:
        values = [
            (o.language.lower().split("-")[0] if o.language else None, str(o))
            for o in graph.objects(subject, predicate)
            if isinstance(o, Literal)
        ]
        return sorted(values, key=lambda v: (v[0] or "", v[1]))

    terms = []
    for concept in concepts:
        if not isinstance(concept, URIRef):
            raise DictionaryError(f"{path}: a skos:Concept without a URI (blank node) cannot be an identifier")
        where = f"{path}: concept <{concept}>"
        preferred = texts(concept, SKOS.prefLabel)
        if not preferred:
            raise DictionaryError(f"{where}: missing label (no skos:prefLabel)")
        label = next((v for lang, v in preferred if lang in ENGLISH), None)
        if label is None:
            raise DictionaryError(f"{where}: no skos:prefLabel in English or without a language tag")
        aliases: list[str] = []
        translations: dict[str, list[str]] = defaultdict(list)
        for lang, value in preferred + texts(concept, SKOS.altLabel) + texts(concept, SKOS.hiddenLabel):
            if value == label:
                continue
            (aliases if lang in ENGLISH else translations[lang or ""]).append(value)
        deprecated = any(str(o).lower() == "true" for o in graph.objects(concept, OWL.deprecated))
        replaced = sorted(str(o) for o in graph.objects(concept, DCTERMS.isReplacedBy))
        if len(replaced) > 1:
            raise DictionaryError(f"{where}: several dct:isReplacedBy ({', '.join(replaced)})")
        definition = next((v for lang, v in texts(concept, SKOS.definition) if lang in ENGLISH), None)
        broader = sorted(str(o) for o in graph.objects(concept, SKOS.broader) if isinstance(o, URIRef))
        kinds = [value.strip().lower() for _, value in texts(concept, URIRef(JE + "appliesTo"))]
        wrong = [k for k in kinds if k not in (*TARGET_KINDS, NOTHING)]
        if wrong:
            raise DictionaryError(f"{where}: je:appliesTo {wrong[0]!r} is not one of {', '.join(TARGET_KINDS)}")
        applies = tuple(k for k in TARGET_KINDS if k in kinds) if kinds else None
        try:
            terms.append(
                Term(
                    label=label,
                    identifier=str(concept),
                    status=TermStatus.DEPRECATED if deprecated else TermStatus.STABLE,
                    replaced_by=replaced[0] if replaced else None,
                    aliases=tuple(dict.fromkeys(aliases)),
                    translations={lang: tuple(dict.fromkeys(v)) for lang, v in translations.items()},
                    definition=definition,
                    broader=broader[0] if broader else None,
                    applies_to=applies,
                )
            )
        except ValidationError as exc:
            raise DictionaryError(f"{where}: {exc.errors()[0]['msg']}") from None

    title = next(
        (v for lang, v in texts(scheme, DCTERMS.title) + texts(scheme, SKOS.prefLabel) if lang in ENGLISH), None
    )
    try:
        return Vocabulary(name=path.stem, identifier=str(scheme), title=title, terms=tuple(terms))
    except ValidationError as exc:
        message = str(exc.errors()[0]["msg"]).removeprefix("Value error, ")
        raise DictionaryError(f"{path}: {message}") from None


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

    from .batch import atomic_write

    graph = Graph()
    graph.bind("skos", SKOS)
    graph.bind("dct", DCTERMS)
    graph.bind("owl", OWL)
    graph.bind("je", JE)
    scheme = URIRef(vocabulary.identifier)
    graph.add((scheme, RDF.type, SKOS.ConceptScheme))
    if vocabulary.title:
        graph.add((scheme, DCTERMS.title, Literal(vocabulary.title, lang="en")))
    for term in vocabulary.terms:
        concept = URIRef(term.identifier)
        graph.add((concept, RDF.type, SKOS.Concept))
        graph.add((concept, SKOS.inScheme, scheme))
        graph.add((concept, SKOS.prefLabel, Literal(term.label, lang="en")))
        for alias in term.aliases:
            graph.add((concept, SKOS.altLabel, Literal(alias, lang="en")))
        for lang, labels in term.translations.items():
            graph.add((concept, SKOS.prefLabel, Literal(labels[0], lang=lang)))
            for other in labels[1:]:
                graph.add((concept, SKOS.altLabel, Literal(other, lang=lang)))
        if term.definition:
            graph.add((concept, SKOS.definition, Literal(term.definition, lang="en")))
        if term.status is TermStatus.DEPRECATED:
            graph.add((concept, OWL.deprecated, Literal(True)))
        if term.replaced_by:
            graph.add((concept, DCTERMS.isReplacedBy, URIRef(term.replaced_by)))
        if term.broader:
            graph.add((concept, SKOS.broader, URIRef(term.broader)))
        if term.applies_to is not None or vocabulary.applies_to != DEFAULT_APPLIES_TO:
            kinds: list[str] = [kind for kind in TARGET_KINDS if vocabulary.applies(term, kind)]
            for kind in kinds or [NOTHING]:
                graph.add((concept, URIRef(JE + "appliesTo"), Literal(kind)))
    fmt = FORMATS.get(path.suffix.lower(), "turtle")
    atomic_write(path, graph.serialize(format=fmt).encode("utf-8"))
