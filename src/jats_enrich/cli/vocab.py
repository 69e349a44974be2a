"""``jats-enrich vocab ...``: list, validate, look up, convert and import dictionaries (and list profiles)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jats_enrich.cli.exit_codes import ExitCode, usage_handler
from jats_enrich.cli.flags import as_flags
from jats_enrich.cli.profiles import add_profiles_command

if TYPE_CHECKING:
    from jats_enrich.dictionaries.model import Vocabulary
    from jats_enrich.match.candidates import Candidate


#: Kinds of target (vocabulary.TARGET_KINDS; kept here so --help imports nothing heavy).
TARGET_KINDS = ("role", "keyword", "subject")


def add_vocab_commands(commands: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    vocab = commands.add_parser(
        "vocab",
        help="list, validate, look up, convert and import dictionaries",
        description="List, validate, look up, convert and import dictionaries.",
    )
    sub: Any = vocab.add_subparsers(dest="vocab_command", metavar="SUBCOMMAND", parser_class=parser_class)
    listing = sub.add_parser(
        "list",
        help="list the shipped dictionaries, or the terms of one",
        description="Without NAME, list the shipped dictionaries; with a NAME or FILE, list its terms.",
    )
    listing.add_argument("name", nargs="?", metavar="NAME|FILE", help="a shipped dictionary name or a dictionary file")
    listing.add_argument(
        "--lang",
        metavar="LANG",
        help="with NAME: each term's labels in this language (e.g. pt, zh-Hant) instead of its aliases",
    )
    listing.add_argument(
        "--languages",
        action="store_true",
        help="with NAME: the languages its terms are translated into, how many labels each, and whom to credit",
    )
    _scheme_option(listing)
    listing.set_defaults(handler=_list)
    validate = sub.add_parser(
        "validate",
        help="check a dictionary file and say exactly what is wrong",
        description="Load a dictionary file, check it against the dictionary model, and print a summary "
        "or the first problem (file, term, field).",
    )
    validate.add_argument("file", metavar="NAME|FILE", help="a shipped dictionary name or a dictionary file")
    _scheme_option(validate)
    validate.set_defaults(handler=_validate)
    for name, handler, what in (
        ("show", _show, "the term a label, alias, translation or identifier names, with all it holds"),
        ("search", _search, "what a text would match, by which rule, with near misses and their scores"),
    ):
        lookup = sub.add_parser(name, help=what, description=f"Print {what}.")
        lookup.add_argument("text", metavar="TEXT")
        lookup.add_argument(
            "--vocab",
            action="append",
            metavar="NAME|FILE",
            help="dictionaries to look in (default: every shipped one)",
        )
        lookup.add_argument("--lang", metavar="LANG", help="language of the text (e.g. pt), for translations")
        lookup.add_argument(
            "--target",
            choices=TARGET_KINDS,
            help="look only among the terms a run matches against this kind of element, as a run would "
            "(default: among every term)",
        )
        _scheme_option(lookup)
        lookup.set_defaults(handler=handler)
    compiling = sub.add_parser(
        "compile",
        help="compile a dictionary file into the cache folder now (for read-only deployments)",
        description="Read a dictionary file and write its compiled form into the folder of compiled dictionaries, "
        "from which later runs load it in a fraction of the time (a thesaurus of 40,000 concepts: seconds to "
        "under one). Runs compile a file on first use anyway; this is for a deployment whose cache folder is "
        "read-only at run time. Prints the compiled entry's path.",
    )
    compiling.add_argument("file", type=Path, metavar="FILE")
    compiling.add_argument(
        "--cache",
        metavar="DIR",
        help="the folder (default: $JATS_ENRICH_CACHE, else $XDG_CACHE_HOME/jats-enrich, else ~/.cache/jats-enrich)",
    )
    _scheme_option(compiling)
    compiling.set_defaults(handler=_compile)
    convert = sub.add_parser(
        "convert",
        help="convert a dictionary between JSON-LD, CSV and SKOS",
        description="Read a dictionary in any supported format and write it in the format OUT's suffix names "
        "(.jsonld, .csv, .ttl, .rdf). In a .csv, a cell that begins with =, +, -, @, a tab or a carriage return "
        "is written with an apostrophe before it (no spreadsheet runs it as a formula), and read back without it.",
    )
    convert.add_argument("source", metavar="NAME|IN", help="a shipped dictionary name or a dictionary file")
    convert.add_argument("target", type=Path, metavar="OUT")
    _scheme_option(convert)
    convert.set_defaults(handler=_convert)
    imports = sub.add_parser(
        "import",
        help="import a published dictionary release (casrai: the CASRAI dictionary's Markdown pages; "
        "credit-translations: the community translations of CRediT)",
        description="Read a dictionary as its publisher releases it and write it as a jats-enrich JSON-LD "
        "dictionary. casrai: prints how many terms of each kind were read, and every page that was not, with the "
        "reason. credit-translations: adds the translations (one JSON file per language, with its attribution) "
        "to the CRediT dictionary given as --base; prints the languages.",
    )
    imports.add_argument("source", choices=tuple(IMPORTERS), help="which release format")
    imports.add_argument("folder", type=Path, metavar="DIR", help="the release's folder")
    imports.add_argument(
        "--base",
        type=Path,
        metavar="FILE.jsonld",
        help="credit-translations: the CRediT dictionary the translations are added to (the shipped file uses "
        "vocab/sources/credit.jsonld)",
    )
    imports.add_argument("-o", "--out", type=Path, required=True, metavar="FILE.jsonld")
    imports.add_argument(
        "--no-definitions",
        action="store_true",
        help="leave the definitions out (the shipped vocab/casrai.jsonld is written so)",
    )
    imports.add_argument(
        "--with-seed",
        type=Path,
        metavar="FILE.jsonld",
        help="add the terms of this dictionary that the release lacks (the shipped file adds the term of the "
        "published term page)",
    )
    imports.add_argument(
        "--sense",
        type=Path,
        metavar="FILE.toml",
        help="the dictionary's sense gate: its domain, the phrases that show an article is about it, and the "
        "names that need no such evidence (the shipped file uses vocab/sources/casrai-sense.toml)",
    )
    imports.set_defaults(handler=_import)
    add_profiles_command(sub)
    vocab.set_defaults(handler=usage_handler(vocab))


def _import_credit_translations(args: argparse.Namespace) -> int:
    from jats_enrich.dictionaries import load_dictionary_file
    from jats_enrich.dictionaries.credit_translations import read_collection, with_translations
    from jats_enrich.dictionaries.jsonld import write_jsonld
    from jats_enrich.errors import UsageError

    if args.base is None:
        raise UsageError("vocab import credit-translations: --base FILE.jsonld (the CRediT dictionary) is required")
    files = read_collection(args.folder)
    vocabulary = with_translations(load_dictionary_file(args.base), files)
    write_jsonld(vocabulary, args.out)
    for f in files:
        print(f"{f.tag:8s} {len(f.names):3d} names  {f.name}  ({f.path.name})")
    print(f"{len(files):6d}  languages written to {args.out}")
    return ExitCode.OK


def _scheme_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--scheme",
        action="append",
        default=[],
        metavar="URI",
        help="of a thesaurus (SKOS): only the concepts of this scheme; repeatable (default: every concept)",
    )


def _load(name_or_path: str, schemes: list[str], cache: str | None = None) -> Vocabulary:
    """A dictionary by shipped name or file, its reader's notes said on stderr. ``cache``: as
    load_vocabulary's (None: the default folder of compiled dictionaries; 'off': the file itself)."""
    from jats_enrich.dictionaries import load_vocabulary

    vocabulary = load_vocabulary(name_or_path, tuple(schemes), cache)
    for note in vocabulary.notes:
        print(f"jats-enrich: note: {name_or_path}: {as_flags(note)}", file=sys.stderr)
    return vocabulary


def _list(args: argparse.Namespace) -> int:
    from jats_enrich.dictionaries import SHIPPED, load_vocabulary

    if args.name is None:
        rows = [("NAME", "IDENTIFIER", "TERMS", "TITLE")]
        for name in SHIPPED:
            v = load_vocabulary(name)
            rows.append((name, v.identifier, str(len(v.terms)), v.title or ""))
        _print_table(rows)
        return ExitCode.OK
    vocabulary = _load(args.name, args.scheme)
    print(f"{vocabulary.name}: {vocabulary.identifier} ({len(vocabulary.terms)} terms)")
    if args.languages:
        return _list_languages(vocabulary)
    if args.lang:
        from jats_enrich.match.lookup import labels_in

        by_lang = [("LABEL", "IDENTIFIER", args.lang.upper())]
        for term in vocabulary.terms:
            by_lang.append((term.label, term.identifier, "; ".join(labels_in(term, args.lang))))
        _print_table(by_lang)
        return ExitCode.OK
    rows = [("LABEL", "IDENTIFIER", "STATUS", "ALIASES")]
    for term in vocabulary.terms:
        rows.append((term.label, term.identifier, term.status.value, "; ".join(term.aliases)))
    _print_table(rows)
    return ExitCode.OK


def _list_languages(vocabulary: Vocabulary) -> int:
    counts: dict[str, int] = {}
    for term in vocabulary.terms:
        for lang, labels in term.translations.items():
            counts[lang] = counts.get(lang, 0) + len(labels)
    sources = {s.language: s for s in vocabulary.translation_sources}
    rows = [("LANG", "LABELS", "LANGUAGE", "CREDIT")]
    for lang in sorted(counts):
        source = sources.get(lang)
        name = source.name or "" if source else ""
        credit = f"{source.attribution} ({source.license or 'licence not given'})" if source else "jats-enrich"
        rows.append((lang, str(counts[lang]), name, credit))
    _print_table(rows)
    return ExitCode.OK


def _print_table(rows: Sequence[tuple[str, ...]]) -> None:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())


def _validate(args: argparse.Namespace) -> int:
    vocabulary = _load(args.file, args.scheme, "off")  # the file itself is checked, never a compiled form
    deprecated = sum(1 for t in vocabulary.terms if t.status.value == "deprecated")
    print(
        f"{args.file}: valid; vocabulary {vocabulary.name!r} ({vocabulary.identifier}), "
        f"{len(vocabulary.terms)} terms, {deprecated} deprecated"
    )
    return ExitCode.OK


def _vocabularies(names: list[str] | None, schemes: list[str]) -> list[Vocabulary]:
    from jats_enrich.dictionaries import SHIPPED

    return [_load(name, schemes) for name in (names or list(SHIPPED))]


def _show(args: argparse.Namespace) -> int:
    from jats_enrich.match.lookup import RULE_EXPLANATIONS, describe_term, explain

    found = explain(args.text, _vocabularies(args.vocab, args.scheme), args.lang, args.target)
    if found.by_identifier is not None:
        vocabulary, term, current = found.by_identifier
        form = "its current identifier" if current else "an older form of its identifier"
        print(f"{args.text!r} is {form}:")
        print("\n".join(describe_term(vocabulary, term)))
        return ExitCode.OK
    if not found.candidates:
        print(f"{args.text!r} (key {found.key!r}) names no term", file=sys.stderr)
        return ExitCode.NOT_FOUND
    for candidate in found.candidates:
        how = RULE_EXPLANATIONS[candidate.rule]
        lang = f" ({candidate.lang})" if candidate.lang else ""
        print(f"{args.text!r} {how} {candidate.matched_label!r}{lang} [{candidate.rule.value}]:")
        print("\n".join(describe_term(candidate.vocabulary, candidate.term)))
    return ExitCode.OK


def _search(args: argparse.Namespace) -> int:
    from jats_enrich.match.lookup import RULE_EXPLANATIONS, explain

    found = explain(args.text, _vocabularies(args.vocab, args.scheme), args.lang, args.target)
    print(f"text: {args.text!r}  key: {found.key!r}")
    if found.by_identifier is not None:
        vocabulary, term, current = found.by_identifier
        print(f"identifier of {vocabulary.name}:{term.label} ({'current' if current else 'older form'})")
    for c in found.candidates:
        lang = f" ({c.lang})" if c.lang else ""
        print(
            f"match  {c.rule.value:17s} {c.vocabulary.name}:{c.term.label}  <{c.term.identifier}>  "
            f"({RULE_EXPLANATIONS[c.rule]} {c.matched_label!r}{lang})"
        )
    if len(found.candidates) > 1:
        print(_several(found.candidates, args.target))
    for s in found.suggestions:
        named = f"{s.vocabulary.name}:{s.term.label}  <{s.term.identifier}>"
        why = f"; not a match: {s.why}" if s.why else ""
        print(f"near   {s.score:5.1f}             {named}  (via {s.label!r}{why})")
    if not found.candidates and not found.suggestions and found.by_identifier is None:
        print("nothing matches, and nothing comes close")
    return ExitCode.OK


def _several(candidates: Sequence[Candidate], target: str | None) -> str:
    if target is None:
        return "several terms have this name; --target role|keyword|subject shows which of them a run matches"
    if len({c.vocabulary.name for c in candidates}) > 1:
        return "ambiguous: several terms match; a run tags none of them unless --precedence picks a vocabulary"
    return "ambiguous: several terms of one vocabulary match; a run tags none of them and reports it for review"


def _compile(args: argparse.Namespace) -> int:
    from jats_enrich.dictionaries import compile_dictionary_file

    print(compile_dictionary_file(args.file, tuple(args.scheme), args.cache))
    return ExitCode.OK


def _convert(args: argparse.Namespace) -> int:
    from jats_enrich.dictionaries import not_held, shipped_path, writer_for

    source = shipped_path(args.source) or Path(args.source)
    if source.resolve() == args.target.resolve():
        from jats_enrich.errors import UsageError

        raise UsageError(f"{args.target}: would overwrite the input")
    writer = writer_for(args.target)
    vocabulary = _load(args.source, args.scheme, "off")
    writer(vocabulary, args.target)
    print(f"{args.source} -> {args.target}: {len(vocabulary.terms)} terms", file=sys.stderr)
    lost = not_held(vocabulary, args.target)
    if lost:
        fields = ", ".join(
            name if name.startswith("vocabulary ") else f"{name} ({count} terms)" for name, count in lost.items()
        )
        print(f"jats-enrich: note: {args.target.suffix} cannot hold, so {args.target} lacks: {fields}", file=sys.stderr)
    return ExitCode.OK


def _import(args: argparse.Namespace) -> int:
    from jats_enrich.errors import UsageError

    if args.out.suffix != ".jsonld":
        raise UsageError(f"{args.out}: the import is written as JSON-LD; name the file *.jsonld")
    return IMPORTERS[args.source](args)


def _import_casrai(args: argparse.Namespace) -> int:
    from jats_enrich.dictionaries import load_dictionary_file
    from jats_enrich.dictionaries.casrai import import_release, with_seed_term, with_sense, without_definitions
    from jats_enrich.dictionaries.jsonld import write_jsonld

    result = import_release(args.folder)
    vocabulary = result.vocabulary
    if args.with_seed is not None:
        vocabulary = with_seed_term(vocabulary, load_dictionary_file(args.with_seed))
    if args.sense is not None:
        vocabulary = with_sense(vocabulary, args.sense)
    if args.no_definitions:
        vocabulary = without_definitions(vocabulary)
    write_jsonld(vocabulary, args.out)
    for kind, count in sorted(result.counts.items()):
        print(f"{count:6d}  {kind}")
    added = len(vocabulary.terms) - len(result.vocabulary.terms)
    if added:
        print(f"{added:6d}  from {args.with_seed}")
    print(f"{len(vocabulary.terms):6d}  terms written to {args.out}")
    for path, reason in result.skipped:
        print(f"jats-enrich: skipped {path}: {reason}", file=sys.stderr)
    for address in result.unresolved:
        print(f"jats-enrich: note: the old address {address} names no page of the release", file=sys.stderr)
    if result.skipped:
        print(f"jats-enrich: {len(result.skipped)} pages or folders not read (listed above)", file=sys.stderr)
    return ExitCode.OK


#: Release format (vocab import SOURCE) -> its importer.
IMPORTERS: dict[str, Callable[[argparse.Namespace], int]] = {
    "casrai": _import_casrai,
    "credit-translations": _import_credit_translations,
}
