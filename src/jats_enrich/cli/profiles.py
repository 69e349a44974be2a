"""``jats-enrich vocab profiles``: the output profiles, and the exact form each writes."""

from __future__ import annotations

import argparse
from typing import Any

from jats_enrich.cli.exit_codes import ExitCode


def add_profiles_command(sub: Any) -> None:
    profiles = sub.add_parser(
        "profiles",
        help="list the output profiles, or show the form one writes",
        description="Without NAME, list the shipped output profiles (--profile); with a NAME or FILE, show the "
        "exact attributes it writes on a CRediT role in each JATS version and the forms it accepts as correct.",
    )
    profiles.add_argument("name", nargs="?", metavar="NAME|FILE", help="a shipped profile name or a profile file")
    profiles.set_defaults(handler=_profiles)


def _profiles(args: argparse.Namespace) -> int:
    from jats_enrich.decide.profiles import SHIPPED_PROFILES, load_profile, shipped

    if args.name is None:
        rows = [("NAME", "CONTENT-TYPE", "ACCEPTS", "FOR")]
        for name in SHIPPED_PROFILES:
            p = shipped(name)
            rows.append((name, p.content_type, ", ".join(p.accepts) or "-", p.description))
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        for row in rows:
            print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
        return ExitCode.OK
    profile = load_profile(args.name)
    for line in _describe(profile):
        print(line)
    return ExitCode.OK


def _describe(profile: Any) -> list[str]:
    from jats_enrich.dictionaries import SHIPPED, load_vocabulary

    lines = [f"{profile.name}: {profile.description}", f"  from: {profile.source}"]
    lines.append(f"  accepts as already correct: {', '.join(profile.accepts) or 'only its own form'}")
    for name in ("credit", *sorted(set(profile.vocabularies) - {"credit"})):
        if name not in SHIPPED:
            lines.append(f"  {name}: {profile.vocabularies[name].model_dump(exclude_defaults=True)}")
            continue
        vocabulary = load_vocabulary(name)
        term = vocabulary.terms[0]
        modern = profile.identity(vocabulary, term)
        if profile.content_type == "always":
            modern["content-type"] = profile.term_identifier(vocabulary, term)
        shown = " ".join(f'{k}="{v}"' for k, v in modern.items())
        lines.append(f"  {name}, JATS 1.2 and later: <role {shown}>")
        lines.append(
            f'  {name}, JATS 1.0, 1.1, NLM 3.0: <role content-type="{profile.term_identifier(vocabulary, term)}">'
        )
        for term in vocabulary.terms:
            written = profile.vocab_term(vocabulary, term)
            if written != term.label:
                lines.append(f"  {name}: vocab-term {written!r} for {term.label!r} ({term.identifier})")
    return lines
