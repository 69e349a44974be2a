"""Consistency checks across an article's roles: each check on an article written here, and the
articles where none may fire."""

from __future__ import annotations

from jats_enrich.pipeline import Enricher
from jats_enrich.report.model import ConsistencyFinding

ENRICHER = Enricher()


def author(surname: str, *roles: str, kind: str = "author") -> str:
    own = "".join(f"<role>{r}</role>" for r in roles)
    name = f"<name><surname>{surname}</surname><given-names>A</given-names></name>"
    return f'<contrib contrib-type="{kind}">{name}{own}</contrib>'


def article(*contribs: str, sub: str = "") -> bytes:
    group = f"<contrib-group>{''.join(contribs)}</contrib-group>"
    return f'<article dtd-version="1.3"><front><article-meta>{group}</article-meta></front>{sub}</article>'.encode()


def inconsistencies(data: bytes) -> list[tuple[str, str | None, str | None]]:
    report = ENRICHER.enrich_bytes(data, "a.xml").report
    assert report.error is None
    found: list[ConsistencyFinding] = report.consistency
    assert all(f.tier.value == "review" and f.element == "contrib" and f.outcome == "inconsistent" for f in found)
    return [(f.text, f.check, f.note) for f in found]


def test_some_authors_without_roles():
    found = inconsistencies(article(author("Lind", "Software"), author("Berg"), author("Ek", "Editor", kind="editor")))
    assert found == [
        ("A Berg", "some-authors-without-roles", "1 of the 2 authors have identified roles; this one has none")
    ]


def test_identified_and_free_text_roles_of_one_contributor():
    found = inconsistencies(article(author("Lind", "Software", "Senior author")))
    assert found == [("A Lind", "identified-and-free-roles", "identified roles and free-text roles: 'Senior author'")]


def test_two_degrees_for_one_term():
    found = inconsistencies(article(author("Lind", "Software (lead)", "Software (supporting)")))
    assert found == [("A Lind", "two-degrees", "Software with 2 degrees: lead, supporting")]


def test_a_translation_whose_roles_disagree_with_the_translated_article():
    sub = (
        '<sub-article article-type="translation" xml:lang="pt"><front-stub><contrib-group>'
        + author("Lind", "Software", "Metodologia")
        + "</contrib-group></front-stub></sub-article>"
    )
    found = inconsistencies(article(author("Lind", "Software", "Investigation"), sub=sub))
    assert found == [
        (
            "A Lind",
            "translation-disagrees",
            "the translated article gives author 1 other roles (missing here: Investigation; only here: Methodology)",
        )
    ]
    agreeing = sub.replace("Metodologia", "Investigação")
    assert inconsistencies(article(author("Lind", "Software", "Investigation"), sub=agreeing)) == []


def test_nothing_fires_where_all_is_consistent():
    assert inconsistencies(article(author("Lind", "Software"), author("Berg", "Methodology (lead)"))) == []
    assert inconsistencies(article(author("Lind"), author("Berg"))) == []  # no roles at all
    assert inconsistencies(article(author("Lind", "Editor"), author("Berg"))) == []  # no identified role
    assert inconsistencies(article(author("Lind", "Software (lead)", "Software (lead)"))) == []
    # editors and reviewers are not authors: their free-text roles are theirs
    assert inconsistencies(article(author("Lind", "Software"), author("Ek", "Reviewing Editor", kind="editor"))) == []
