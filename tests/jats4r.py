"""The rules of JATS4R's credit-errors.sch, in Python, for the tests.

Each rule is the Schematron's, read from ../shared/jats4r/credit-errors.sch: the contexts (article
version from @dtd-version as the XPath `number(replace(@dtd-version,'[^\\d\\.]',''))`, roles whose
parent is contrib, collab or contrib-group) and the assertions, against JATS4R's own term list
(credit-roles.xml). ``credit_errors`` returns (xpath of the role, rule) pairs.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cache

from lxml import etree
from support import SHARED

from jats_enrich.limits import ARTICLE_PARSER_OPTIONS

PARENTS = ("contrib", "collab", "contrib-group")


@dataclass(frozen=True)
class Item:
    term: str
    uri: str


@cache
def credit_items() -> tuple[Item, ...]:
    root = etree.parse(str(SHARED / "jats4r" / "credit-roles.xml")).getroot()
    return tuple(Item(term=i.get("term", ""), uri=i.get("uri", "")) for i in root.iter("{*}item"))


def _version(value: str | None) -> float:
    digits = re.sub(r"[^\d.]", "", value or "")
    try:
        return float(digits)
    except ValueError:
        return math.nan


def credit_errors(data: bytes) -> list[tuple[str, str]]:
    root = etree.fromstring(data, etree.XMLParser(**ARTICLE_PARSER_OPTIONS))
    tree = root.getroottree()
    items = credit_items()
    errors: list[tuple[str, str]] = []
    articles = [root] if root.tag == "article" else list(root.iter("article"))
    for article in articles:
        version = _version(article.get("dtd-version"))
        for role in article.iter("role"):
            parent = role.getparent()
            if parent is None or parent.tag not in PARENTS:
                continue
            where = tree.getpath(role)
            term, term_id = role.get("vocab-term"), role.get("vocab-term-identifier")
            term_id_lower = term_id.lower() if term_id is not None else None
            if version >= 1.2 and role.get("vocab") == "credit":
                found = [i for i in items if i.term == term or i.uri == term_id_lower]
                if role.get("vocab-identifier") != "https://credit.niso.org/":
                    errors.append((where, "vocab-identifier must be https://credit.niso.org/"))
                if term_id is None or (len(found) == 1 and term_id_lower != found[0].uri):
                    errors.append((where, "vocab-term-identifier must be the term's URL"))
                if term is None or (len(found) == 1 and term != found[0].term):
                    errors.append((where, "vocab-term must be the CRediT term"))
                if len(found) > 1:
                    errors.append((where, "vocab-term and vocab-term-identifier name different terms"))
            in_rule_2 = version >= 1.2 and role.get("vocab") != "credit" and (term is not None or term_id is not None)
            if in_rule_2 and any(i.uri == term_id_lower or i.term == term for i in items):
                errors.append((where, "a CRediT role must have vocab='credit'"))
            content_type = role.get("content-type") or ""
            in_rule_3 = (article.get("dtd-version") is None or version <= 1.1) and "credit.niso.org" in content_type
            if in_rule_3 and not any(i.uri == content_type.lower() for i in items):
                errors.append((where, "content-type must be one of the CRediT term URLs"))
    return errors
