"""Draft fixtures/statements/linked-statements-gold.tsv from the shared corpus (one-off helper).

Finds every <contrib> (outside citations) with an <xref> to an <fn fn-type="con">, and writes one
draft row per (file, contrib, linked fn) to standard output. The draft only guesses `kind`,
`expected` and `other_items`; every row of the gold file was then checked by hand.

    .venv/bin/python scripts/draft_statement_gold.py [CORPUS_DIR] > /tmp/draft.tsv
"""

import copy
import re
import sys
from pathlib import Path

from lxml import etree

CORPUS = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/corpus/real")
FILES = r"(elifetools__|encoda__elife|libero__|pubchunks__elife)"
CITATION = ("ref", "mixed-citation", "element-citation")
CREDIT = [  # the 14 CRediT role names, in the form credit_slug() compares them
    "conceptualization",
    "data curation",
    "formal analysis",
    "funding acquisition",
    "investigation",
    "methodology",
    "project administration",
    "resources",
    "software",
    "supervision",
    "validation",
    "visualization",
    "writing original draft",
    "writing review and editing",
]
INITIALS = re.compile(r"^[A-Z][A-Za-z]{0,3}(?:-[A-Z]{1,3})?[,:]\s+")  # "SKB, " "AJ-M, " "EvA: "
DEGREE = re.compile(r"\s*\((lead|equal|supporting)\)$", re.I)
PARSER = etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True)


def text(el, skip=()):
    """The element's text with white space collapsed, leaving out the subtrees named in skip."""
    el = copy.deepcopy(el)
    etree.strip_elements(el, *skip, with_tail=False)
    return re.sub(r"\s+", " ", "".join(el.itertext())).strip()


def surname(contrib):
    for path in ("name/surname", "name-alternatives/name/surname", "string-name/surname"):
        found = contrib.find(path)
        if found is not None:
            return text(found)
    collab = contrib.find("collab")
    return text(collab, skip=("contrib-group", "xref")) if collab is not None else ""


def credit_slug(item):
    """The CRediT slug (with :degree) when the item is exactly a CRediT role name, else None."""
    degree = DEGREE.search(item)
    name = DEGREE.sub("", item).lower().replace("&", " and ")
    name = re.sub(r"[\u2010-\u2015\u2212-]", " ", name).rstrip(". ").replace("isation", "ization")
    name = re.sub(r"\s+", " ", name).strip()
    if name not in CREDIT:
        return None
    return name.replace(" and ", " ").replace(" ", "-") + (f":{degree[1].lower()}" if degree else "")


def draft_row(statement):
    if re.search(r"contributed equally", statement, re.I):
        return "other", [], 1
    items = [re.sub(r"^and\s+", "", i.strip()) for i in INITIALS.sub("", statement).split(",")]
    items = [i for i in items if i]
    slugs = [s for s in map(credit_slug, items) if s]
    others = len(items) - len(slugs)
    kind = "mixed" if slugs and others else "credit" if slugs else "pre-credit"
    return kind, slugs, others


def main():
    out = sys.stdout
    out.write("file\tcontrib\tfn\tsurname\tkind\texpected\tother_items\tstatement\n")
    for path in sorted(CORPUS.glob("*.xml")):
        if not re.match(FILES, path.name):
            continue
        tree = etree.parse(str(path), PARSER)
        fns = {fn.get("id"): fn for fn in tree.iter("fn") if fn.get("fn-type") == "con"}
        for n, contrib in enumerate(tree.iter("contrib"), 1):
            if any(a.tag in CITATION for a in contrib.iterancestors()):
                continue
            seen = []
            for xref in contrib.iter("xref"):  # only the contrib's own xrefs, not nested contribs'
                rid = xref.get("rid")
                if rid in fns and rid not in seen and next(xref.iterancestors("contrib")) is contrib:
                    seen.append(rid)
            for rid in seen:
                statement = text(fns[rid], skip=("label",))
                kind, slugs, others = draft_row(statement)
                row = [
                    path.name,
                    contrib.get("id") or f"#{n}",
                    rid,
                    surname(contrib),
                    kind,
                    " ".join(slugs),
                    str(others),
                    statement[:160],
                ]
                out.write("\t".join(row) + "\n")


if __name__ == "__main__":
    main()
