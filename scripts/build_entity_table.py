"""Build src/jats_enrich/data/entities.json: named character entities of the JATS DTD suites.

Articles use named references such as ``&ndash;`` that only the JATS DTD declares. jats-enrich never
loads a DTD, so it carries the names and their characters as a table (facts, read from the public
DTD suites). Run from the repository root:

    python scripts/build_entity_table.py ../shared/jats-dtds [-o src/jats_enrich/data/entities.json]

Declarations are read from every suite, newest first, in the order each suite's DTD declares its
sets (JATS-chars first, then the ISO sets, then the MathML aliases); as in XML, the first
declaration of a name wins.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ENTITY_DECL = re.compile(r'<!ENTITY\s+([A-Za-z][A-Za-z0-9._-]*)\s+"([^"]*)"\s*>')
CHAR_REF = re.compile(r"&#(?:x([0-9A-Fa-f]+)|([0-9]+));")
SET_ORDER = ("JATS-chars", "iso8879", "iso9573-13", "xmlchars", "mathml")
DEFAULT_OUT = Path("src/jats_enrich/data/entities.json")


def decode_replacement(text: str) -> str | None:
    """The characters a replacement text stands for, or None when it is not made of char refs."""
    # The ISO files escape '&' twice ("&#38;#38;") for amp and lt; those names are XML's own.
    if not text or CHAR_REF.sub("", text):
        return None
    return "".join(chr(int(h, 16)) if h else chr(int(d)) for h, d in CHAR_REF.findall(text))


def suite_files(suite: Path) -> list[Path]:
    files = sorted(suite.rglob("*.ent"))

    def rank(path: Path) -> tuple[int, str]:
        for i, key in enumerate(SET_ORDER):
            if key in str(path.relative_to(suite)):
                return (i, str(path))
        return (len(SET_ORDER), str(path))

    return sorted(files, key=rank)


def version_key(name: str) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", name))


def build(dtd_root: Path) -> tuple[dict[str, str], list[str]]:
    table: dict[str, str] = {"lt": "<", "gt": ">", "amp": "&", "apos": "'", "quot": '"'}
    conflicts: list[str] = []
    suites = sorted((p for p in dtd_root.iterdir() if p.is_dir()), key=lambda p: version_key(p.name), reverse=True)
    for suite in suites:
        for path in suite_files(suite):
            for name, replacement in ENTITY_DECL.findall(path.read_text(encoding="utf-8", errors="replace")):
                chars = decode_replacement(replacement)
                if chars is None:
                    continue
                if name in table:
                    if table[name] != chars and name not in ("lt", "amp"):
                        conflicts.append(f"{name}: kept {table[name]!r}, {path} says {chars!r}")
                    continue
                table[name] = chars
    return dict(sorted(table.items())), conflicts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dtd_root", type=Path, help="folder holding the JATS DTD suites (1.0 ... 1.4)")
    parser.add_argument("-o", "--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    table, conflicts = build(args.dtd_root)
    for line in conflicts:
        print("conflict:", line, file=sys.stderr)
    text = json.dumps(table, ensure_ascii=False, indent=0, sort_keys=True) + "\n"
    args.out.write_text(text, encoding="utf-8")
    print(f"{len(table)} entity names -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
