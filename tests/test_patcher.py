"""The byte-level writer: finding start tags in the source and editing only inside them."""

import pytest
from lxml import etree

from jats_enrich.errors import ArticleError
from jats_enrich.limits import ARTICLE_PARSER_OPTIONS
from jats_enrich.write.patcher import AttributeChange, apply_changes, element_indices, start_tags

TRICKY = """<?xml version="1.0"?>
<!DOCTYPE a PUBLIC "-//x//EN" "a.dtd" [
  <!-- a comment with <b> and ] inside -->
  <!ENTITY e "<b>not an element</b> ]">
  <!ATTLIST a x CDATA "]>">
  <?pi ]> ?>
]>
<a x='1>2' y="q'q">
  <!-- <b>commented</b> -->
  <?target <b>in a PI</b> ?>
  <![CDATA[ <b>in CDATA</b> ]]>
  <b/><b
     z="3"
  /><c:d xmlns:c="urn:c">&e;</c:d>
  <b>text &amp; more &gt; <b>nested</b></b>
</a>
"""


def parse(text: str | bytes) -> etree._Element:
    data = text.encode() if isinstance(text, str) else text
    return etree.fromstring(data, etree.XMLParser(**ARTICLE_PARSER_OPTIONS))


def test_start_tags_skip_comments_pis_cdata_and_the_internal_subset():
    tags = start_tags(TRICKY)
    assert [t.name for t in tags] == ["a", "b", "b", "c:d", "b", "b"]
    assert len(tags) == sum(1 for _ in parse(TRICKY).iter(tag=etree.Element))
    assert TRICKY[tags[0].start : tags[0].attrs_end(TRICKY)] == "<a x='1>2' y=\"q'q\""
    assert TRICKY[tags[2].start : tags[2].attrs_end(TRICKY)] == '<b\n     z="3"'


def change(root, element, **attributes):
    index = element_indices(root, [element])[element]
    return AttributeChange(index=index, name=element.tag, attributes=attributes)


def test_inserts_after_the_last_attribute_and_keeps_everything_else():
    root = parse(TRICKY)
    bs = root.findall(".//b")
    data = TRICKY.encode()
    out = apply_changes(data, root, [change(root, bs[0], vocab="v"), change(root, bs[1], vocab='w & "q"')], "t")
    expected = TRICKY.replace("<b/>", '<b vocab="v"/>').replace(
        'z="3"\n  />', 'z="3" vocab="w &amp; &quot;q&quot;"\n  />'
    )
    assert out.decode() == expected


def test_replaces_a_value_in_place_keeping_its_quote_character():
    text = "<a><b k='old' j=\"x\">t</b></a>"
    root = parse(text)
    out = apply_changes(text.encode(), root, [change(root, root[0], k="new's", j="x")], "t")
    assert out == b"<a><b k='new&apos;s' j=\"x\">t</b></a>"


def test_no_changes_returns_the_same_bytes():
    data = TRICKY.encode()
    assert apply_changes(data, parse(data), [], "t") is data


@pytest.mark.parametrize(
    ("encoding", "bom"),
    [
        ("utf-8", b""),
        ("utf-8", b"\xef\xbb\xbf"),
        ("utf-16-le", b"\xff\xfe"),
        ("utf-16-be", b"\xfe\xff"),
        ("iso-8859-1", b""),
    ],
)
def test_encodings_round_trip_and_unencodable_characters_become_references(encoding, bom):
    declared = "ISO-8859-1" if encoding == "iso-8859-1" else "UTF-16" if "16" in encoding else "UTF-8"
    text = f'<?xml version="1.0" encoding="{declared}"?>\r\n<a>\r\n<b>caf\u00e9</b>\r\n</a>\r\n'
    data = bom + text.encode(encoding)
    root = parse(data)
    out = apply_changes(data, root, [change(root, root[0], term="Writing \u2013 draft")], "t")
    if encoding == "iso-8859-1":
        expected = text.replace("<b>", '<b term="Writing &#8211; draft">')
    else:
        expected = text.replace("<b>", '<b term="Writing \u2013 draft">')
    assert out == bom + expected.encode(encoding)


def test_a_name_mismatch_is_an_error_not_a_guess():
    text = "<a><b/></a>"
    root = parse(text)
    with pytest.raises(ArticleError, match="expected <c>"):
        apply_changes(text.encode(), root, [AttributeChange(index=1, name="c", attributes={"x": "1"})], "t")


def test_an_attribute_moved_to_the_end_keeps_an_entity_the_article_does_not_declare():
    """Moved to the end of its tag, an attribute is written again from its value; one that holds
    an entity no declaration names has no value to write: it moves as written (reference, quote)."""
    text = '<!DOCTYPE a SYSTEM "a.dtd"><a><b c=\'x&zz;"y\' k="v"/><b c="&amp;&#233;" k="v"/></a>'
    root = parse(text)
    bs = root.findall("b")
    changes = [AttributeChange(index=element_indices(root, [b])[b], name="b", attributes={}, to_end=("c",)) for b in bs]
    out = apply_changes(text.encode(), root, changes, "t").decode()
    assert out == '<!DOCTYPE a SYSTEM "a.dtd"><a><b k="v" c=\'x&zz;"y\'/><b k="v" c="&amp;é"/></a>'


def test_an_attribute_named_by_its_namespace_is_refused_never_written():
    root = parse("<a><b/></a>")
    change = AttributeChange(index=1, name="b", attributes={"{http://www.w3.org/1999/xlink}title": "t"})
    with pytest.raises(ArticleError, match=r"an attribute named \{http://www.w3.org/1999/xlink\}title"):
        apply_changes(b"<a><b/></a>", root, [change], "t")
