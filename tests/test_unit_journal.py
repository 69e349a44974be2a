"""batch/journal: the run journal that --resume reads (Journal, fingerprint, options_fingerprint)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from jats_enrich.batch.journal import Journal, fingerprint, options_fingerprint
from jats_enrich.config import EnrichOptions
from jats_enrich.decide.model import Policy
from jats_enrich.errors import OutputError, UsageError
from jats_enrich.report.model import ArticleReport

OPTIONS = "0123456789abcdef"
A, B, C = b"<article>a</article>", b"<article>b</article>", b"<article>c</article>"


def write_journal(path: Path, outputs: Path, options: str = OPTIONS) -> Journal:
    """A finished run of three articles: a.xml and b.xml written to ``outputs``, c.xml failed."""
    journal = Journal(path, options, resume=False)
    journal.open()
    for name, data in (("a.xml", A), ("b.xml", B)):
        output = outputs / name
        output.write_bytes(data)
        journal.record(name, fingerprint(data), str(output), ArticleReport(path=name, output=str(output)))
    journal.record("c.xml", fingerprint(C), None, ArticleReport(path="c.xml", error="c.xml: malformed XML"))
    journal.close()
    return journal


def test_fingerprints():
    assert fingerprint(A) == hashlib.sha256(A).hexdigest()
    assert fingerprint(A) != fingerprint(B)
    plain, upgrade = EnrichOptions(), EnrichOptions(policy=Policy(upgrade=True))
    assert len(options_fingerprint(plain)) == 16
    assert options_fingerprint(plain) == options_fingerprint(EnrichOptions())
    assert options_fingerprint(plain) != options_fingerprint(upgrade)
    # Plain data is fingerprinted with its keys sorted: their order does not matter.
    assert options_fingerprint({"a": 1, "b": [2]}) == options_fingerprint({"b": [2], "a": 1})
    assert options_fingerprint({"a": 1}) != options_fingerprint({"a": 2})


def test_a_journal_written_and_read_back_lists_what_was_done(tmp_path):
    written = write_journal(tmp_path / "run.journal", tmp_path)
    assert written.error is None
    lines = (tmp_path / "run.journal").read_text(encoding="utf-8").splitlines()
    assert json.loads(lines[0]) == {"journal": 1, "options": OPTIONS}
    assert [json.loads(line)["key"] for line in lines[1:]] == ["a.xml", "b.xml", "c.xml"]
    done = Journal(tmp_path / "run.journal", OPTIONS, resume=True).done
    assert list(done) == ["a.xml", "b.xml", "c.xml"]
    assert (done["a.xml"].sha256, done["a.xml"].output) == (fingerprint(A), str(tmp_path / "a.xml"))
    assert done["a.xml"].report == ArticleReport(path="a.xml", output=str(tmp_path / "a.xml"))
    assert (done["c.xml"].output, done["c.xml"].report.error) == (None, "c.xml: malformed XML")


def test_without_resume_an_old_journal_is_not_read_and_is_started_afresh(tmp_path):
    write_journal(tmp_path / "run.journal", tmp_path)
    fresh = Journal(tmp_path / "run.journal", "another-run", resume=False)
    assert fresh.done == {}  # neither read nor checked against its options
    fresh.open()
    fresh.close()
    assert (tmp_path / "run.journal").read_text(encoding="utf-8") == '{"journal": 1, "options": "another-run"}\n'


def test_an_article_is_skipped_only_with_the_same_input_and_its_output_in_place(tmp_path):
    write_journal(tmp_path / "run.journal", tmp_path)
    journal = Journal(tmp_path / "run.journal", OPTIONS, resume=True)
    entry = journal.skip("a.xml", fingerprint(A), str(tmp_path / "a.xml"))
    assert entry is not None and entry.key == "a.xml"
    assert journal.skip("a.xml", fingerprint(A + b" "), None) is None  # the input changed
    assert journal.skip("a.xml", None, None) is None  # the input could not be hashed
    assert journal.skip("d.xml", fingerprint(A), None) is None  # never done
    assert journal.skip("b.xml", fingerprint(A), None) is None  # another article's bytes
    (tmp_path / "b.xml").unlink()
    assert journal.skip("b.xml", fingerprint(B), None) is None  # its output is gone
    failed = journal.skip("c.xml", fingerprint(C), None)  # no output to look for
    assert failed is not None and failed.report.error == "c.xml: malformed XML"


def test_in_place_a_finished_article_is_recognised_by_the_hash_of_what_was_written(tmp_path):
    journal = Journal(tmp_path / "run.journal", OPTIONS, resume=False)
    journal.open()
    enriched = b'<article vocab="x">a</article>'
    article = tmp_path / "a.xml"
    article.write_bytes(enriched)
    journal.record("a.xml", fingerprint(A), str(article), ArticleReport(path="a.xml"), written=fingerprint(enriched))
    journal.close()
    resumed = Journal(tmp_path / "run.journal", OPTIONS, resume=True)
    assert resumed.done["a.xml"].written == fingerprint(enriched)
    assert resumed.skip("a.xml", fingerprint(enriched), str(article)) is not None  # the input is now the output
    assert resumed.skip("a.xml", fingerprint(A), str(article)) is not None
    assert resumed.skip("a.xml", fingerprint(B), str(article)) is None


def test_a_journal_of_a_run_with_other_options_does_not_apply(tmp_path):
    write_journal(tmp_path / "run.journal", tmp_path, options=options_fingerprint(EnrichOptions()))
    other = options_fingerprint(EnrichOptions(policy=Policy(upgrade=True)))
    with pytest.raises(UsageError, match="the interrupted run used other options"):
        Journal(tmp_path / "run.journal", other, resume=True)
    same = Journal(tmp_path / "run.journal", options_fingerprint(EnrichOptions()), resume=True)
    assert list(same.done) == ["a.xml", "b.xml", "c.xml"]


@pytest.mark.parametrize(
    "first_line",
    [
        '{"journal": 2, "options": "0123456789abcdef"}',
        '{"options": "0123456789abcdef"}',
        "not json",
        "[1]",
        "42",
        "null",
    ],
)
def test_a_file_that_is_not_a_journal_is_refused_on_resume(tmp_path, first_line):
    path = tmp_path / "run.journal"
    path.write_text(first_line + "\n", encoding="utf-8")
    with pytest.raises(UsageError, match="not a jats-enrich journal"):
        Journal(path, OPTIONS, resume=True)


def test_resuming_without_a_journal_or_from_an_empty_one_has_nothing_done(tmp_path):
    assert Journal(tmp_path / "absent.journal", OPTIONS, resume=True).done == {}
    (tmp_path / "empty.journal").write_bytes(b"")
    assert Journal(tmp_path / "empty.journal", OPTIONS, resume=True).done == {}


def test_a_last_line_cut_short_by_a_kill_is_ignored_and_dropped_when_the_run_resumes(tmp_path):
    path = tmp_path / "run.journal"
    write_journal(path, tmp_path)
    whole = path.read_bytes()
    path.write_bytes(whole[: whole.rindex(b'"report"')])  # killed while c.xml's line was written
    resumed = Journal(path, OPTIONS, resume=True)
    assert list(resumed.done) == ["a.xml", "b.xml"]
    resumed.open()  # the journal is rewritten with the complete entries only
    resumed.close()
    lines = path.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line).get("key") for line in lines] == [None, "a.xml", "b.xml"]


def test_a_damaged_line_ends_the_journal_where_it_is(tmp_path):
    path = tmp_path / "run.journal"
    write_journal(path, tmp_path)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[2] = lines[2][:40] + "\n"  # b.xml's line; c.xml's after it is whole
    path.write_text("".join(lines), encoding="utf-8")
    # Only what precedes the first damaged line counts: c.xml will be done again.
    assert list(Journal(path, OPTIONS, resume=True).done) == ["a.xml"]


def test_a_journal_that_cannot_be_created_is_an_output_error(tmp_path):
    (tmp_path / "a-file").write_bytes(b"")
    journal = Journal(tmp_path / "a-file" / "run.journal", OPTIONS, resume=False)
    with pytest.raises(OutputError, match=r"a-file/run\.journal: cannot write the run journal") as raised:
        journal.open()
    assert isinstance(raised.value, OSError)


def test_a_journal_that_can_no_longer_be_written_is_given_up_and_the_run_goes_on():
    # /dev/full opens, and refuses every byte when they are flushed: a full disk.
    journal = Journal(Path("/dev/full"), OPTIONS, resume=False)
    journal.open()  # no exception: the header's flush fails, and the journal is given up
    assert journal.error == (
        "/dev/full: cannot write the run journal: No space left on device; `resume` would redo the articles"
    )
    journal.record("a.xml", fingerprint(A), None, ArticleReport(path="a.xml"))  # nothing to write to: ignored
    journal.close()
    assert journal.error is not None and journal.error.startswith("/dev/full: cannot write the run journal")


def test_a_last_line_cut_inside_a_character_is_ignored_like_any_cut_line(tmp_path):
    path = tmp_path / "run.journal"
    journal = Journal(path, OPTIONS, resume=False)
    journal.open()
    journal.record("a.xml", fingerprint(A), None, ArticleReport(path="a.xml"))
    journal.record("b.xml", fingerprint(B), None, ArticleReport(path="ação.xml"))
    journal.close()
    whole = path.read_bytes()
    path.write_bytes(whole[: whole.rindex("ç".encode()) + 1])  # the first byte of ç's two
    assert list(Journal(path, OPTIONS, resume=True).done) == ["a.xml"]
