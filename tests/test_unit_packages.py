"""batch/packages: listing zip and tar packages, reading one member, writing the package back
member for member (list_members, read_member, uncompressed, write_package, unsafe_name)."""

from __future__ import annotations

import io
import os
import tarfile
import zipfile
from pathlib import Path
from typing import Literal

import pytest

from jats_enrich.batch.inputs import ARTICLE_PATTERNS
from jats_enrich.batch.packages import Member, list_members, read_member, uncompressed, unsafe_name, write_package
from jats_enrich.errors import ArticleError, OutputError

ONE = b'<article dtd-version="1.3"><front/></article>'
TWO = b"<article>two</article>\r\n"
FIGURE = bytes(range(256)) * 3
ENRICHED = b'<article dtd-version="1.3" x="y"><front/></article>'

#: name -> bytes, in package order (a folder entry, an image, two articles, a text file)
ZIP_MEMBERS: dict[str, bytes] = {
    "article/": b"",
    "article/one.xml": ONE,
    "article/fig1.tif": FIGURE,
    "article/TWO.NXML": TWO,
    "manifest.txt": b"a typesetter's manifest\r\n",
}


def make_zip(path: Path, members: dict[str, bytes] = ZIP_MEMBERS) -> Path:
    with zipfile.ZipFile(path, "w") as package:
        package.comment = b"delivered"
        for i, (name, data) in enumerate(members.items()):
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 2 + i, 3, 4, 6))
            info.compress_type = zipfile.ZIP_DEFLATED if i % 2 else zipfile.ZIP_STORED
            info.external_attr = 0o640 << 16
            package.writestr(info, data)
    return path


def make_tar(path: Path, mode: Literal["w", "w:gz"] = "w") -> Path:
    """a.xml, a figure, a symbolic link named like an article, a folder, b.nxml."""
    with tarfile.open(path, mode) as package:
        for name, data in (("x/a.xml", ONE), ("x/fig.png", FIGURE)):
            package.addfile(tar_info(name, len(data)), io.BytesIO(data))
        link = tar_info("x/link.xml", 0)
        link.type, link.linkname = tarfile.SYMTYPE, "a.xml"
        package.addfile(link)
        folder = tar_info("x/sub", 0)
        folder.type = tarfile.DIRTYPE
        package.addfile(folder)
        package.addfile(tar_info("x/b.nxml", len(TWO)), io.BytesIO(TWO))
    return path


def tar_info(name: str, size: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode, info.uname = size, 1_600_000_000, 0o640, "typesetter"
    return info


def listing(members: list[Member]) -> list[tuple[int, str, bool]]:
    return [(m.index, m.name, m.is_article) for m in members]


def test_a_zip_is_listed_in_order_with_its_articles_found_by_the_patterns(tmp_path):
    package = make_zip(tmp_path / "p.zip")
    members = list_members(package, "zip", ARTICLE_PATTERNS)
    assert listing(members) == [
        (0, "article/", False),  # a folder, whatever its name
        (1, "article/one.xml", True),
        (2, "article/fig1.tif", False),
        (3, "article/TWO.NXML", True),  # the patterns ignore letter case
        (4, "manifest.txt", False),
    ]
    assert [m.size for m in members] == [len(data) for data in ZIP_MEMBERS.values()]
    assert all(m.refusal is None and m.occurrence == 1 for m in members)
    assert [read_member(package, "zip", m) for m in members if m.is_article] == [ONE, TWO]
    # A pattern with a folder in it matches the whole name.
    assert [m.name for m in list_members(package, "zip", ("article/*.xml",)) if m.is_article] == ["article/one.xml"]
    assert [m.is_article for m in list_members(package, "zip", ("*.txt",))] == [False] * 4 + [True]


def test_two_zip_members_of_one_name_are_two_articles(tmp_path):
    package = tmp_path / "p.zip"
    with zipfile.ZipFile(package, "w") as z, pytest.warns(UserWarning, match="Duplicate name"):
        z.writestr("a.xml", ONE)
        z.writestr("a.xml", TWO)
    first, second = list_members(package, "zip", ARTICLE_PATTERNS)
    assert (first.occurrence, second.occurrence) == (1, 2)
    assert (first.label, second.label) == ("a.xml", "a.xml (member 2, the 2nd of that name)")
    assert (read_member(package, "zip", first), read_member(package, "zip", second)) == (ONE, TWO)


def test_a_tar_is_listed_in_order_and_only_its_regular_files_are_articles(tmp_path):
    package = make_tar(tmp_path / "p.tar")
    members = list_members(package, "tar", ARTICLE_PATTERNS)
    assert listing(members) == [
        (0, "x/a.xml", True),
        (1, "x/fig.png", False),
        (2, "x/link.xml", False),  # a link is copied, never read as an article
        (3, "x/sub", False),
        (4, "x/b.nxml", True),
    ]
    assert [m.offset for m in members] == [512, 1536, 3072, 3584, 4096]  # where each member's data starts
    assert [read_member(package, "tar", m) for m in members if m.is_article] == [ONE, TWO]


def test_a_compressed_tar_is_listed_and_read_through_its_uncompressed_copy(tmp_path):
    package = make_tar(tmp_path / "p.tar.gz", "w:gz")
    staging = tmp_path / "staging"
    staging.mkdir()
    plain = uncompressed(package, staging)
    assert plain == staging / "package.tar"
    assert plain.read_bytes() == make_tar(tmp_path / "same.tar").read_bytes()
    members = list_members(plain, "tar", ARTICLE_PATTERNS, package)
    assert listing(members) == listing(list_members(tmp_path / "same.tar", "tar", ARTICLE_PATTERNS))
    assert [read_member(plain, "tar", m) for m in members if m.is_article] == [ONE, TWO]
    # Packages that need no uncompressing are used as they are.
    assert uncompressed(tmp_path / "same.tar", staging) == tmp_path / "same.tar"
    assert uncompressed(make_zip(tmp_path / "p.zip"), staging) == tmp_path / "p.zip"


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("../x.xml", "path leading out of the package (..)"),
        ("a/../../x.xml", "path leading out of the package (..)"),
        ("a\\..\\..\\x.xml", "path leading out of the package (..)"),
        ("/abs.xml", "absolute path"),
        ("\\abs.xml", "absolute path"),
        ("C:abs.xml", "absolute path"),
        ("a/../x.xml", None),  # stays inside
        ("..x.xml", None),
        ("a/..b/x.xml", None),
        ("article/one.xml", None),
    ],
)
def test_unsafe_names(name, why):
    assert unsafe_name(name) == why


def test_members_with_unsafe_names_are_flagged_and_never_processed(tmp_path):
    package = make_zip(tmp_path / "p.zip", {"ok.xml": ONE, "../x.xml": TWO, "/abs.xml": TWO, "../notes.txt": b""})
    members = list_members(package, "zip", ARTICLE_PATTERNS)
    assert listing(members) == [
        (0, "ok.xml", True),
        (1, "../x.xml", False),
        (2, "/abs.xml", False),
        (3, "../notes.txt", False),
    ]
    assert [m.refusal for m in members] == [
        None,
        "member '../x.xml': path leading out of the package (..); copied, not processed",
        "member '/abs.xml': absolute path; copied, not processed",
        None,  # not an article: copied without a word
    ]


def test_writing_a_zip_replaces_only_the_given_members_and_keeps_every_other_byte(tmp_path):
    source = make_zip(tmp_path / "p.zip")
    (tmp_path / "staged.xml").write_bytes(TWO.upper())
    target = tmp_path / "out" / "p.zip"
    write_package(source, "zip", target, {1: ENRICHED, 3: tmp_path / "staged.xml"})
    expected = dict(ZIP_MEMBERS, **{"article/one.xml": ENRICHED, "article/TWO.NXML": TWO.upper()})
    with zipfile.ZipFile(source) as before, zipfile.ZipFile(target) as after:
        assert [i.filename for i in after.infolist()] == list(ZIP_MEMBERS)
        assert {i.filename: after.read(i) for i in after.infolist()} == expected
        assert after.comment == before.comment
        kept = [(i.date_time, i.compress_type, i.external_attr) for i in before.infolist()]
        assert [(i.date_time, i.compress_type, i.external_attr) for i in after.infolist()] == kept
    assert os.listdir(tmp_path / "out") == ["p.zip"]  # no temporary file left beside it


def test_writing_a_tar_gz_replaces_only_the_given_members_and_keeps_order_and_metadata(tmp_path):
    source = make_tar(tmp_path / "p.tar.gz", "w:gz")
    target = tmp_path / "out" / "p.tar.gz"
    write_package(source, "tar", target, {0: ENRICHED})
    assert target.read_bytes()[:2] == b"\x1f\x8b"  # still gzip
    with tarfile.open(source) as before, tarfile.open(target) as after:
        old, new = before.getmembers(), after.getmembers()
        assert [m.name for m in new] == [m.name for m in old]
        meta = [(m.type, m.linkname, m.mtime, m.mode, m.uname) for m in old]
        assert [(m.type, m.linkname, m.mtime, m.mode, m.uname) for m in new] == meta
        assert [m.size for m in new] == [len(ENRICHED)] + [m.size for m in old[1:]]
        contents = [f.read() if (f := after.extractfile(m)) else None for m in new if m.isfile()]
        assert contents == [ENRICHED, FIGURE, TWO]


def test_a_file_that_is_no_zip_is_a_broken_package(tmp_path):
    package = tmp_path / "p.zip"
    package.write_bytes(b"PK\x03\x04 and then nothing a zip has")
    with pytest.raises(ArticleError, match=r"p\.zip: broken package: File is not a zip file") as raised:
        list_members(package, "zip", ARTICLE_PATTERNS)
    assert isinstance(raised.value, ValueError)
    with pytest.raises(OutputError, match=r"cannot write the package: File is not a zip file"):
        write_package(package, "zip", tmp_path / "out" / "p.zip", {})
    assert not (tmp_path / "out" / "p.zip").exists()


def test_a_zip_member_that_does_not_decompress_fails_when_it_is_read_or_copied(tmp_path):
    package = make_zip(tmp_path / "p.zip", {"notes.txt": b"N" * 64, "a.xml": ONE})
    data = bytearray(package.read_bytes())
    at = data.index(b"N" * 64)
    data[at : at + 4] = b"XXXX"  # a stored member whose bytes no longer match its CRC
    package.write_bytes(bytes(data))
    members = list_members(package, "zip", ("*",))  # headers only: listed fine
    assert [m.name for m in members] == ["notes.txt", "a.xml"]
    assert read_member(package, "zip", members[1]) == ONE
    with pytest.raises(ArticleError, match=r"cannot read the member: Bad CRC-32 for file 'notes\.txt'"):
        read_member(package, "zip", members[0])
    out = tmp_path / "out"
    with pytest.raises(OutputError, match=r"cannot write the package: Bad CRC-32 for file 'notes\.txt'"):
        write_package(package, "zip", out / "p.zip", {1: ENRICHED})
    assert os.listdir(out) == []  # neither the package nor its temporary file


def test_a_tar_with_a_damaged_header_is_refused_whole(tmp_path):
    package = make_tar(tmp_path / "p.tar")
    data = bytearray(package.read_bytes())
    data[1024 + 148 : 1024 + 156] = b"9999999\x00"  # the second member's header checksum
    package.write_bytes(bytes(data))
    with pytest.raises(ArticleError, match=r"p\.tar: damaged tar header at offset 0x400 \(.*members after it"):
        list_members(package, "tar", ARTICLE_PATTERNS)


def test_a_broken_gzip_stream_or_a_member_cut_short_is_an_article_error(tmp_path):
    gz = tmp_path / "p.tar.gz"
    gz.write_bytes(make_tar(tmp_path / "whole.tar.gz", "w:gz").read_bytes()[:200])
    staging = tmp_path / "staging"
    staging.mkdir()
    with pytest.raises(ArticleError, match=r"p\.tar\.gz: broken package: "):
        uncompressed(gz, staging)
    tar = make_tar(tmp_path / "p.tar")
    members = list_members(tar, "tar", ARTICLE_PATTERNS)
    tar.write_bytes(tar.read_bytes()[: 4096 + 5])  # the package shrank after it was listed
    assert read_member(tar, "tar", members[0]) == ONE
    with pytest.raises(ArticleError, match="member cut short: the package ends inside it"):
        read_member(tar, "tar", members[4])


def test_a_tar_whose_first_header_is_damaged_is_a_broken_package_not_a_crash(tmp_path):
    package = make_tar(tmp_path / "p.tar")
    data = bytearray(package.read_bytes())
    data[148:156] = b"9999999\x00"  # the first header's checksum
    package.write_bytes(bytes(data))
    with pytest.raises(ArticleError):
        list_members(package, "tar", ARTICLE_PATTERNS)


def test_a_file_named_tar_that_is_none_is_a_broken_package(tmp_path):
    package = tmp_path / "p.tar"
    package.write_bytes(b"<article/>" * 100)
    with pytest.raises(ArticleError):
        list_members(package, "tar", ARTICLE_PATTERNS)


def test_a_zip_replaced_at_the_same_path_is_read_anew(tmp_path):
    package = make_zip(tmp_path / "p.zip", {"a.xml": ONE})
    (member,) = list_members(package, "zip", ARTICLE_PATTERNS)
    assert read_member(package, "zip", member) == ONE
    write_package(package, "zip", package, {0: TWO})  # in place: the same path, another file
    (member,) = list_members(package, "zip", ARTICLE_PATTERNS)
    assert read_member(package, "zip", member) == TWO


@pytest.mark.parametrize("cut", [700, 1300])
def test_a_tar_cut_short_inside_a_header_is_refused_not_taken_for_its_first_members(tmp_path, cut):
    """tarfile stops without a word at a header cut short: a package rewritten from that listing
    would lose every member after the cut."""
    package = make_tar(tmp_path / "p.tar")
    data = package.read_bytes()
    offsets = [m.offset for m in list_members(package, "tar", ARTICLE_PATTERNS) if m.offset is not None]
    header = next(o for o in offsets if o > cut) - 512  # a header after the cut's block
    package.write_bytes(data[: header + (cut % 512 or 1)])
    with pytest.raises(ArticleError, match="cut short"):
        list_members(package, "tar", ARTICLE_PATTERNS)
