"""Thesauri as they are published (issue 20): SKOS without a scheme resource or with several,
SKOS-XL, hidden labels, notations, deprecation as thesauri write it, gzipped files, N-Triples; and
the `vocab` commands taking shipped names. The project's own extract covers every case; the real
YSO extract of ../shared/thesauri is read in place."""

from __future__ import annotations

import gzip
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import etree
from support import FIXTURES, SHARED, needs_shared

from jats_enrich.config import EnrichOptions
from jats_enrich.dictionaries import load_dictionary_file, skos
from jats_enrich.dictionaries.compiled import DIGEST
from jats_enrich.dictionaries.model import TermStatus
from jats_enrich.errors import DictionaryError
from jats_enrich.pipeline import Enricher

EXTRACT = FIXTURES / "thesauri" / "heritage-extract.ttl"
H = "https://thesaurus.jats-enrich.test/heritage/"
M = "https://thesaurus.jats-enrich.test/materials/"
YSO = "http://www.yso.fi/onto/yso/"


def article(groups: dict[str, list[str]]) -> bytes:
    """An article with one keyword group per language."""
    body = "".join(
        f'<kwd-group xml:lang="{lang}">' + "".join(f"<kwd>{k}</kwd>" for k in keywords) + "</kwd-group>"
        for lang, keywords in groups.items()
    )
    meta = f"<article-meta><title-group><article-title>Finds</article-title></title-group>{body}</article-meta>"
    return f'<article dtd-version="1.3" xml:lang="en"><front>{meta}</front></article>'.encode()


def tags(
    path: Path, groups: dict[str, list[str]], schemes: tuple[str, ...] = ()
) -> dict[str | None, tuple[str | None, ...]]:
    """Keyword text -> (outcome, vocab-identifier, vocab-term, vocab-term-identifier) as written
    (vocab-identifier on the keyword, or on its group for all of them)."""
    enricher = Enricher(EnrichOptions(vocab=(str(path),), scheme=schemes))
    result = enricher.enrich_bytes(article(groups), "a.xml")
    assert result.report.error is None and result.output is not None, result.report.error
    outcomes = [f.outcome.value for f in result.report.findings]
    keywords = etree.fromstring(result.output).iter("kwd")
    found: dict[str | None, tuple[str | None, ...]] = {}
    for outcome, kwd in zip(outcomes, keywords, strict=True):
        group = kwd.getparent()
        assert group is not None
        scheme = kwd.get("vocab-identifier") or group.get("vocab-identifier")
        found[kwd.text] = (outcome, scheme, kwd.get("vocab-term"), kwd.get("vocab-term-identifier"))
    return found


def test_an_extract_without_a_scheme_resource_loads_with_a_note():
    vocabulary = load_dictionary_file(EXTRACT)
    assert vocabulary.identifier == H  # the scheme most concepts name by skos:inScheme
    assert any("no skos:ConceptScheme <" + H in note for note in vocabulary.notes)
    terms = {t.identifier.rsplit("/", 1)[-1]: t for t in vocabulary.terms}
    assert terms["c1"].translations == {"fi": ("kaivaukset", "arkeologiset kaivaukset"), "sv": ("utgrävningar",)}
    assert set(terms["c1"].aliases) == {"archaeological excavations", "excavatons"}  # the hidden label too
    assert terms["c1"].notations == ("H.1",)
    assert terms["c3"].label == "rock art" and terms["c3"].translations == {
        "fi": ("kalliotaide",),
        "sv": ("hällkonst",),
    }
    assert terms["c4"].scheme is None and terms["c5"].scheme == M  # bronze is in both: the larger scheme
    assert terms["c10"].aliases == ("hill forts",)  # an untagged label
    # deprecation as thesauri write it: a replacement in the file is kept, one outside or several are not
    assert (terms["c10"].status, terms["c10"].replaced_by) == (TermStatus.DEPRECATED, H + "c2")
    assert (terms["c6"].status, terms["c6"].replaced_by) == (TermStatus.DEPRECATED, None)
    assert (terms["c7"].status, terms["c7"].replaced_by) == (TermStatus.DEPRECATED, None)
    assert terms["c11"].status == TermStatus.DEPRECATED  # typed yso-meta:DeprecatedConcept
    assert sum("replaced by" in note for note in vocabulary.notes) == 2


def test_keywords_in_three_languages_get_their_concepts_each_with_its_own_scheme():
    found = tags(
        EXTRACT,
        {"en": ["Excavations", "rock art", "amber", "bronze"], "fi": ["arkeologiset kaivaukset", "hylyt"]}
        | {"sv": ["hällkonst", "bärnsten"]},
    )
    assert found["Excavations"] == ("tagged", H, "excavations", H + "c1")
    assert found["rock art"] == ("tagged", H, "rock art", H + "c3")
    assert found["amber"] == ("tagged", M, "amber", M + "c5")
    assert found["bronze"] == ("tagged", H, "bronze", H + "c4")
    assert found["arkeologiset kaivaukset"] == ("tagged", H, "excavations", H + "c1")
    assert found["hylyt"] == ("tagged", H, "shipwrecks", H + "c2")
    assert found["hällkonst"] == ("tagged", H, "rock art", H + "c3")
    assert found["bärnsten"] == ("tagged", M, "amber", M + "c5")


def test_confusables_hidden_labels_notations_and_other_languages():
    found = tags(EXTRACT, {"en": ["excavatons", "H.1", "hylyt", "Amber Alert"], "fi": ["utgrävningar"]})
    # a hidden label (a misspelling) is matched, and the preferred label is what is written
    assert found["excavatons"] == ("tagged", H, "excavations", H + "c1")
    assert found["H.1"][0] == "unmatched"  # a notation is a code, never a keyword's name
    assert found["hylyt"][0] == "unmatched"  # Finnish in an English group: not in its language
    assert found["utgrävningar"][0] == "unmatched"  # Swedish in a Finnish group: a neighbour's word
    assert found["Amber Alert"][0] == "unmatched"


def test_scheme_picks_the_concepts_of_one_scheme():
    found = tags(EXTRACT, {"en": ["amber", "bronze", "excavations"]}, schemes=(M,))
    assert found["amber"] == ("tagged", M, "amber", M + "c5")
    assert found["bronze"] == ("tagged", M, "bronze", H + "c4")  # in both: here the chosen scheme's
    assert found["excavations"][0] == "unmatched"
    with pytest.raises(DictionaryError, match=r"heritage-extract\.ttl: no concept is in the scheme <urn:x>"):
        load_dictionary_file(EXTRACT, ("urn:x",))


def test_a_file_with_no_scheme_at_all_takes_the_concepts_base_or_the_option(tmp_path):
    path = tmp_path / "bare.ttl"
    path.write_text(
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
        '<https://t.test/v/1> a skos:Concept ; skos:prefLabel "one"@en .\n'
        '<https://t.test/v/2> a skos:Concept ; skos:prefLabel "two"@en .\n'
    )
    guessed = load_dictionary_file(path)
    assert guessed.identifier == "https://t.test/v/" and "base address" in guessed.notes[0]
    assert load_dictionary_file(path, ("https://t.test/scheme",)).identifier == "https://t.test/scheme"
    path.write_text(
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
        '<https://a.test/1> a skos:Concept ; skos:prefLabel "one"@en .\n'
        '<urn:b:2> a skos:Concept ; skos:prefLabel "two"@en .\n'
    )
    with pytest.raises(DictionaryError, match=r"bare\.ttl: no scheme in the file and its concepts share no base"):
        load_dictionary_file(path)


def test_gzipped_and_n_triples_thesauri_read_as_the_turtle_one(tmp_path):
    expected = load_dictionary_file(EXTRACT).model_dump(exclude={"name", "notes"})
    gz = tmp_path / "heritage.ttl.gz"
    gz.write_bytes(gzip.compress(EXTRACT.read_bytes()))
    assert load_dictionary_file(gz).model_dump(exclude={"name", "notes"}) == expected
    assert load_dictionary_file(gz).name == "heritage"
    nt = tmp_path / "heritage.nt"
    skos.write_skos(load_dictionary_file(EXTRACT), nt)
    (tmp_path / "heritage.nt.gz").write_bytes(gzip.compress(nt.read_bytes()))
    for path in (nt, tmp_path / "heritage.nt.gz"):
        again = load_dictionary_file(path).model_dump(exclude={"name", "notes"})
        assert again == expected


def test_a_broken_or_oversized_gzip_is_one_line(tmp_path, monkeypatch):
    broken = tmp_path / "cut.ttl.gz"
    broken.write_bytes(gzip.compress(EXTRACT.read_bytes())[:200])
    with pytest.raises(DictionaryError, match=r"cut\.ttl\.gz: damaged gzip file") as error:
        load_dictionary_file(broken)
    assert "\n" not in str(error.value)
    fake = tmp_path / "fake.ttl.gz"
    fake.write_bytes(EXTRACT.read_bytes())
    with pytest.raises(DictionaryError, match=r"fake\.ttl\.gz: not a gzip file"):
        load_dictionary_file(fake)
    bomb = tmp_path / "bomb.ttl.gz"
    bomb.write_bytes(gzip.compress(b"#" * 5_000_000))  # 5 kB that decompress past the (lowered) limit
    monkeypatch.setattr(skos, "MAX_DICTIONARY_BYTES", 1_000_000)
    with pytest.raises(DictionaryError, match=r"bomb\.ttl\.gz: larger than the 1000000-byte limit once decompressed"):
        load_dictionary_file(bomb)


def test_vocab_commands_take_shipped_names(tmp_path):
    def vocab(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "jats_enrich", "vocab", *args], capture_output=True, text=True)

    done = vocab("convert", "casrai", str(tmp_path / "casrai.ttl"))
    assert done.returncode == 0, done.stderr
    assert load_dictionary_file(tmp_path / "casrai.ttl").identifier == "https://casrai.org/dictionary/"
    done = vocab("validate", "credit")
    assert done.returncode == 0 and "valid; vocabulary 'credit'" in done.stdout, done.stderr
    done = vocab("validate", str(EXTRACT))
    assert done.returncode == 0
    assert f"note: {EXTRACT}: no skos:ConceptScheme <{H}>" in done.stderr


YSO_KEYWORDS = {
    "en": {"excavations": "p14173", "Embalming": "p12179", "trade routes": "p1209", "Runology": "p29406"},
    "fi": {"kaivaukset": "p14173", "balsamointi": "p12179", "riimututkimus": "p29406"},
    "sv": {"handelsvägar": "p1209", "skeppsfynd": "p8869", "runforskning": "p29406"},
}


@needs_shared
@pytest.mark.parametrize("name", ["yso-archaeology.ttl", "yso-archaeology.rdf"])
def test_the_real_yso_extract_tags_english_finnish_and_swedish_keywords(tmp_path, name):
    path = tmp_path / name
    shutil.copy(SHARED / "thesauri" / name, path)  # the copy only gives both files one vocabulary name
    groups = {lang: [*keywords, "Python"] for lang, keywords in YSO_KEYWORDS.items()}
    found = tags(path, groups)
    for keywords in YSO_KEYWORDS.values():
        for text, concept in keywords.items():
            assert found[text][0] == "tagged" and found[text][1] == YSO and found[text][3] == YSO + concept, text
    assert found["Python"][0] == "unmatched"


# -- compiled dictionaries ---------------------------------------------------------------------


def compiled_entries(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.compiled"))


def test_the_first_load_compiles_and_the_next_reads_the_compiled_form(tmp_path):
    from jats_enrich.dictionaries import load_vocabulary

    cache = tmp_path / "cache"
    first = load_vocabulary(str(EXTRACT), cache=str(cache))
    [entry] = compiled_entries(cache)
    assert oct(cache.stat().st_mode & 0o777) == oct(0o700) and oct(entry.stat().st_mode & 0o777) == oct(0o600)
    again = load_vocabulary(str(EXTRACT), cache=str(cache))
    assert again == first and again.notes == first.notes
    assert compiled_entries(cache) == [entry]
    # other schemes, or another file's content, never find this entry
    load_vocabulary(str(EXTRACT), (M,), cache=str(cache))
    changed = tmp_path / EXTRACT.name
    changed.write_text(EXTRACT.read_text().replace('"amber"@en', '"Baltic amber"@en'))
    assert load_vocabulary(str(changed), cache=str(cache)).term(M + "c5").label == "Baltic amber"  # type: ignore[union-attr]
    assert len(compiled_entries(cache)) == 3


def _named_by_content(folder: Path, prefix: str, data: bytes) -> Path:
    """An entry holding ``data`` under the name the tool would give it (its digest right)."""
    import hashlib

    entry = folder / f"{prefix}.{hashlib.sha256(data).hexdigest()[:DIGEST]}.compiled"
    entry.write_bytes(data)
    return entry


def _changed_database(data: bytes, sql: str, tmp_path: Path) -> bytes:
    import sqlite3

    copy = tmp_path / "copy.sqlite"
    copy.write_bytes(data)
    connection = sqlite3.connect(copy)
    connection.executescript(sql)
    assert connection.total_changes == (1 if sql.startswith("UPDATE") else 0)  # the change was made
    connection.commit()
    connection.close()
    return copy.read_bytes()


@pytest.mark.parametrize(
    "damage",
    [
        "a byte flipped",
        "cut short",
        "empty",
        "another format",
        "another tool's database",
        "not a database",
        "a forged digest over an invalid term",
        "a forged digest over a term that is not JSON",
        "a forged digest over terms that contradict each other",
    ],
)
def test_a_damaged_or_foreign_entry_is_rebuilt_never_used(tmp_path, damage):
    from jats_enrich.dictionaries import load_vocabulary

    cache = tmp_path / "cache"
    expected = load_vocabulary(str(EXTRACT), cache=str(cache))
    [entry] = compiled_entries(cache)
    good = entry.read_bytes()
    prefix = entry.name.removesuffix(".compiled").rpartition(".")[0]
    c1 = H + "c1"
    if damage in ("a byte flipped", "cut short", "empty"):  # the content no longer what the name says
        middle = len(good) // 2
        flipped = good[:middle] + bytes([good[middle] ^ 0x20]) + good[middle + 1 :]
        entry.write_bytes({"a byte flipped": flipped, "cut short": good[: len(good) // 3], "empty": b""}[damage])
        bad = entry
    else:  # a content whose digest is right, so that only what is inside can refuse it
        entry.unlink()
        where = f"WHERE identifier = '{c1}'"
        changes = {
            "another format": "PRAGMA user_version = 99;",
            "another tool's database": "PRAGMA application_id = 7;",
            "a forged digest over an invalid term": f"UPDATE terms SET body = replace(body, '{c1}', '') {where};",
            "a forged digest over a term that is not JSON": f"UPDATE terms SET body = '{{' {where};",
            "a forged digest over terms that contradict each other": (
                f'UPDATE terms SET body = replace(body, \'"label"\', \'"replaced_by":"{H}x","label"\') {where};'
            ),
        }
        data = (
            b"not a database at all"
            if damage == "not a database"
            else _changed_database(good, changes[damage], tmp_path)
        )
        bad = _named_by_content(cache, prefix, data)
    again = load_vocabulary(str(EXTRACT), cache=str(cache))
    assert again == expected and tuple(again.terms) == tuple(expected.terms)
    assert compiled_entries(cache) == [entry] and entry.read_bytes() == good  # rebuilt as it was
    assert bad == entry or not bad.exists()  # the bad one removed, never read again


def test_a_compiled_vocabulary_makes_only_the_terms_it_is_asked_for(tmp_path):
    """A later load reads the stored form: its terms are made when a look-up finds them, and it
    matches, identifies and suggests as the vocabulary read from the file does."""
    from jats_enrich.dictionaries import load_vocabulary
    from jats_enrich.dictionaries.model import TermStore
    from jats_enrich.match.fuzzy import Suggester
    from jats_enrich.match.matcher import Matcher

    cache = tmp_path / "cache"
    read = load_vocabulary(str(EXTRACT), cache=str(cache))
    stored = load_vocabulary(str(EXTRACT), cache=str(cache))
    assert not isinstance(read.terms, TermStore) and isinstance(stored.terms, TermStore)
    assert len(stored.terms._made) <= 1  # type: ignore[attr-defined]  # (the first, to validate the vocabulary's fields)
    assert len(stored.terms) == len(read.terms) and stored.terms[-1] == read.terms[-1]
    assert stored.schemes == read.schemes and stored.term(H + "c1") == read.term(H + "c1")
    assert stored.matched_against("keyword") and not stored.matched_against("role")
    assert all(stored.term(t.identifier) == t for t in stored.terms)  # looked up while iterating: no deadlock
    texts = (
        [t.label for t in read.terms] + [n for t in read.terms for n in t.names] + ["Excavation", "amber", "kaivaus"]
    )
    for kind in ("keyword", "subject", None):
        from_file, from_store = Matcher([read], kind=kind), Matcher([stored], kind=kind)
        for text in texts:
            for lang in (None, "en", "fi", "sv", "de"):
                assert from_store.match(text, lang) == from_file.match(text, lang), (text, lang)
        for term in read.terms:
            for identifier in (
                term.identifier,
                term.identifier.replace("https:", "http:"),
                *term.deprecated_identifiers,
            ):
                assert from_store.identify(identifier) == from_file.identify(identifier)
        near_file, near_store = Suggester([read], kind), Suggester([stored], kind)
        for text in [t[:-1] + "x" for t in texts] + ["excavatons", "ambers", "arkeologia"]:
            for lang in (None, "en", "fi"):
                assert near_store.suggest(text, lang) == near_file.suggest(text, lang), (text, lang)
    assert 0 < len(stored.terms._made) < len(read.terms) or len(read.terms) < 50  # type: ignore[attr-defined]


def test_a_compiled_vocabulary_answers_threads_and_other_processes_alike(tmp_path):
    """The service looks terms up from several threads at once; a pickled vocabulary opens its
    store again in the process that unpickles it."""
    import pickle
    from concurrent.futures import ThreadPoolExecutor

    from jats_enrich.dictionaries import load_vocabulary
    from jats_enrich.match.matcher import Matcher

    cache = tmp_path / "cache"
    read = load_vocabulary(str(EXTRACT), cache=str(cache))
    stored = load_vocabulary(str(EXTRACT), cache=str(cache))
    texts = [n for t in read.terms for n in t.names] * 20
    expected = [Matcher([read], kind="keyword").match(t).distinct_terms for t in texts]
    matcher = Matcher([stored], kind="keyword")
    with ThreadPoolExecutor(8) as pool:
        assert list(pool.map(lambda t: matcher.match(t).distinct_terms, texts)) == expected
    again = pickle.loads(pickle.dumps(stored))
    assert again == read and again.term(H + "c1") == read.term(H + "c1")


def test_a_cache_folder_others_may_write_to_is_not_used(tmp_path):
    from jats_enrich.dictionaries import load_vocabulary

    shared = tmp_path / "shared-cache"
    shared.mkdir()
    shared.chmod(0o777)
    assert load_vocabulary(str(EXTRACT), cache=str(shared)).identifier == H
    assert compiled_entries(shared) == []


def test_the_command_line_compiles_ahead_and_runs_with_and_without_the_cache(tmp_path):
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "jats_enrich", *args]
        return subprocess.run(command, capture_output=True, text=True, timeout=120)

    cache = tmp_path / "cache"
    done = run("vocab", "compile", str(EXTRACT), "--cache", str(cache))
    assert done.returncode == 0, done.stderr
    [entry] = compiled_entries(cache)
    assert done.stdout.strip() == str(entry)
    source = tmp_path / "a.xml"
    source.write_bytes(article({"en": ["excavations"]}))
    before = entry.stat().st_mtime_ns
    outputs = []
    for flags in (["--cache", str(cache)], ["--no-cache"]):
        out = tmp_path / f"out{len(outputs)}"
        done = run("enrich", str(source), "--out", str(out), "--vocab", str(EXTRACT), "--quiet", *flags)
        assert done.returncode == 0, done.stderr
        outputs.append((out / "a.xml").read_bytes())
    assert outputs[0] == outputs[1] and b'vocab-term-identifier="' + H.encode() + b'c1"' in outputs[0]
    assert entry.stat().st_mtime_ns == before and compiled_entries(cache) == [entry]  # read, not rewritten
    done = run("enrich", str(source), "--out", str(tmp_path / "said"), "--vocab", str(EXTRACT), "--cache", str(cache))
    assert f"jats-enrich: note: heritage-extract: no skos:ConceptScheme <{H}>" in done.stderr  # said, from cache too
    done = run("vocab", "compile", str(tmp_path / "nothing.ttl"), "--cache", str(cache))
    assert (
        done.returncode != 0 and done.stderr.count("\n") == 1 and "nothing.ttl: no such dictionary file" in done.stderr
    )


DICTIONARY_TESTS = ("test_thesauri.py", "test_dictionary_formats.py", "test_dictionaries.py", "test_keywords.py")


def test_every_dictionary_test_passes_without_the_cache_too():
    """This run compiles dictionaries into a cache of its own (conftest); the same dictionary
    tests, run again with JATS_ENRICH_CACHE=off, read every file afresh."""
    import os

    tests = Path(__file__).parent
    env = {**os.environ, "JATS_ENRICH_CACHE": "off"}
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-k", "not without_the_cache"]
    done = subprocess.run(
        [*command, *(str(tests / name) for name in DICTIONARY_TESTS)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        cwd=tests.parent,
    )
    assert done.returncode == 0, done.stdout[-3000:]
    assert " passed" in done.stdout and " failed" not in done.stdout


def test_near_misses_in_a_large_thesaurus_are_those_of_a_full_scan(monkeypatch):
    """A thesaurus of thousands of names scores only the names that could say what the text says;
    the near misses found are the same as scoring every name."""
    import random

    from jats_enrich.dictionaries.model import Term, Vocabulary
    from jats_enrich.match import fuzzy

    rng = random.Random(7)
    syllables = [c + v for c in "bdfgklmnprstv" for v in "aeiou"]
    words = sorted({"".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))) for _ in range(3_000)})
    labels = sorted({" ".join(rng.sample(words, rng.randint(1, 3))) for _ in range(7_000)})
    labels += ["pre print", "book shelf", "data curation", "rock art", "ship finds"]
    terms = tuple(Term(label=label, identifier=f"urn:t:{i}") for i, label in enumerate(labels))
    vocabulary = Vocabulary(name="large", identifier="urn:t:", terms=terms)
    probes = ["preprints", "bookshelf", "Data curaton", "curation data", "art rock", "ship find", "rock"]
    probes += [label[:-1] + "x" for label in rng.sample(labels, 60)] + [w + "s" for w in rng.sample(words, 20)]
    narrowed = fuzzy.Suggester([vocabulary])
    assert len(narrowed._keys) >= fuzzy.NARROW_FROM
    monkeypatch.setattr(fuzzy, "NARROW_FROM", 10**9)
    full = fuzzy.Suggester([vocabulary])
    found = 0
    for probe in probes:
        expected = [(s.term.identifier, s.score) for s in full.suggest(probe)]
        monkeypatch.setattr(fuzzy, "NARROW_FROM", 5_000)
        assert [(s.term.identifier, s.score) for s in narrowed.suggest(probe)] == expected, probe
        monkeypatch.setattr(fuzzy, "NARROW_FROM", 10**9)
        found += bool(expected)
    assert found >= 60  # most probes have near misses: the comparison is not of empty lists


def test_the_lengths_a_stored_near_miss_is_looked_for_in_lose_none():
    """A stored vocabulary's near misses are looked for among keys of comparable length only: any
    key scoring MIN_SCORE or more against a text is within the lengths asked for."""
    from hypothesis import given, settings
    from hypothesis import strategies as st
    from rapidfuzz import fuzz

    from jats_enrich.match import fuzzy

    words = st.lists(st.text("abcdeé", min_size=1, max_size=9), min_size=1, max_size=4).map(" ".join)

    @settings(max_examples=2000, deadline=None)
    @given(words, words)
    def check(text: str, key: str) -> None:
        if fuzz.token_sort_ratio(text, key) >= fuzzy.MIN_SCORE:
            low, high = fuzzy._comparable_lengths(len(text))
            assert low <= len(key) <= high

    check()


def test_a_large_stored_vocabulary_among_others_gives_the_near_misses_of_its_file(tmp_path):
    """Past NARROW_FROM names, a compiled vocabulary's near misses are narrowed in its store and
    scored together with those of the vocabularies in memory around it: the same suggestions,
    scores and order as the same files read with no cache."""
    import csv
    import random

    from jats_enrich.dictionaries import load_vocabulary
    from jats_enrich.dictionaries.model import TermStore
    from jats_enrich.match.fuzzy import NARROW_FROM, Suggester

    rng = random.Random(11)
    syllables = [c + v for c in "bdfgklmnprstv" for v in "aeiou"]
    words = sorted({"".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))) for _ in range(3_000)})
    labels = sorted({" ".join(rng.sample(words, rng.randint(1, 3))) for _ in range(6_000)})
    large = tmp_path / "large.csv"
    with large.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["label", "identifier", "aliases"])
        for i, label in enumerate(labels):
            writer.writerow([label, f"https://large.test/t{i}", label[::-1] if i % 3 == 0 else ""])
    small = tmp_path / "small.csv"
    small.write_text(
        "label,identifier\n" + "".join(f"{w},https://small.test/{i}\n" for i, w in enumerate(words[:300])),
        encoding="utf-8",
    )
    cache = tmp_path / "cache"
    files = [load_vocabulary(str(p), cache="off") for p in (small, large, small)]
    files[2] = files[2].model_copy(update={"name": "small2"})
    load_vocabulary(str(large), cache=str(cache))  # compiled now
    stored = [files[0], load_vocabulary(str(large), cache=str(cache)), files[2]]
    assert isinstance(stored[1].terms, TermStore) and len(labels) >= NARROW_FROM
    probes = [label[:-1] + "x" for label in rng.sample(labels, 80)] + [w + "s" for w in rng.sample(words, 40)]
    from_files, from_store = Suggester(files, "keyword"), Suggester(stored, "keyword")
    found = 0
    for probe in probes:
        expected = [(s.vocabulary.name, s.term.identifier, s.label, s.score) for s in from_files.suggest(probe)]
        assert [(s.vocabulary.name, s.term.identifier, s.label, s.score) for s in from_store.suggest(probe)] == expected
        found += bool(expected)
    assert found >= 60
