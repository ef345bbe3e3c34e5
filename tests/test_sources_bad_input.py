"""Bad input loses nothing: each problem is one recorded SourceError, every other event still comes."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import os
import tarfile
from pathlib import Path

import pytest

from fingerlog.records import SourceError
from fingerlog.sources import MAX_LINE_BYTES, open_job
from fingerlog.sources.job import RECORDS_PER_KIND

GOOD_LINES = 300


def _good() -> bytes:
    return b"".join(b"2013-10-18 17:39:43.%03d 2625 INFO nova.api [-] good line %d\n" % (i % 1000, i) for i in range(GOOD_LINES))


def _job_with(tmp_path: Path, bad_name: str, bad: bytes | None) -> Path:
    """A job holding ``screen-good.txt`` (GOOD_LINES events) and one bad file written as given."""
    job = tmp_path / "job"
    job.mkdir()
    (job / "screen-good.txt").write_bytes(_good())
    if bad is not None:
        (job / bad_name).write_bytes(bad)
    return job


def _good_events_complete(events: list) -> bool:  # type: ignore[type-arg]
    good = [e for e in events if e.source == "screen-good.txt"]
    return [e.first("message") for e in good] == [f"[-] good line {i}" for i in range(GOOD_LINES)]


def _scan(job: Path) -> tuple[list, list[SourceError]]:  # type: ignore[type-arg]
    opened = open_job(job)
    events = list(opened.events())
    return events, opened.errors


def _kinds(errors: list[SourceError]) -> list[tuple[str, str]]:
    return [(e.path, e.kind) for e in errors]


def test_invalid_utf8_is_replaced_and_recorded_once(tmp_path: Path) -> None:
    bad = b"2013-10-18 17:39:43.966 1 ERROR m [-] caf\xe9 \xff\xfe broken\n" * 3
    events, errors = _scan(_job_with(tmp_path, "screen-latin1.txt", bad))
    assert _kinds(errors) == [("screen-latin1.txt", "invalid-utf8")]
    latin = [e for e in events if e.source == "screen-latin1.txt"]
    assert [e.first("message") for e in latin] == ["[-] caf\ufffd \ufffd\ufffd broken"] * 3
    assert _good_events_complete(events)


def test_crlf_line_ends_are_not_part_of_the_message(tmp_path: Path) -> None:
    bad = _good().replace(b"\n", b"\r\n")
    events, errors = _scan(_job_with(tmp_path, "screen-crlf.txt", bad))
    crlf = [e.first("message") for e in events if e.source == "screen-crlf.txt"]
    assert crlf == [f"[-] good line {i}" for i in range(GOOD_LINES)]
    assert errors == [] and _good_events_complete(events)


@pytest.mark.slow
def test_a_50_mb_line_is_cut_recorded_and_the_file_goes_on(tmp_path: Path) -> None:
    huge = b"2013-10-18 17:39:43.966 | " + b"." * (50 << 20) + b"\n2013-10-18 17:39:44.000 | after\n"
    events, errors = _scan(_job_with(tmp_path, "console.html", huge))
    assert _kinds(errors) == [("console.html", "line-too-long")]
    assert "line 1 " in errors[0].message
    console = [e for e in events if e.source == "console.html"]
    assert [len(e.first("message") or "") for e in console] == [MAX_LINE_BYTES - len("2013-10-18 17:39:43.966 | "), 5]
    assert console[1].first_line == 2
    assert _good_events_complete(events)


def test_a_binary_file_is_recorded_and_skipped(tmp_path: Path) -> None:
    events, errors = _scan(_job_with(tmp_path, "screen-core.txt", b"\x7fELF\x02\x01\x01\x00\x00\x00" + b"x" * 100))
    assert _kinds(errors) == [("screen-core.txt", "binary")]
    assert {e.source for e in events} == {"screen-good.txt"} and _good_events_complete(events)


def _gzipped_lines(n: int) -> bytes:
    return gzip.compress(b"".join(b"2013-10-18 17:39:43.966 | line %d\n" % i for i in range(n)))


def test_a_corrupt_gzip_ends_its_file_with_a_record(tmp_path: Path) -> None:
    data = bytearray(_gzipped_lines(50000))
    data[len(data) // 2 : len(data) // 2 + 64] = b"\xff" * 64
    events, errors = _scan(_job_with(tmp_path, "console.html.gz", bytes(data)))
    assert ("console.html", "corrupt-gzip") in _kinds(errors)
    assert 0 < len([e for e in events if e.source == "console.html"]) < 50000
    assert _good_events_complete(events)


def test_a_truncated_gzip_keeps_what_it_has(tmp_path: Path) -> None:
    data = _gzipped_lines(50000)
    events, errors = _scan(_job_with(tmp_path, "console.html.gz", data[: len(data) // 2]))
    assert _kinds(errors) == [("console.html", "truncated-gzip")]
    console = [e for e in events if e.source == "console.html"]
    assert 0 < len(console) < 50000
    assert [e.first("message") for e in console[:3]] == ["line 0", "line 1", "line 2"]
    assert _good_events_complete(events)


def test_binary_bytes_under_a_gz_name_are_recorded_as_corrupt(tmp_path: Path) -> None:
    events, errors = _scan(_job_with(tmp_path, "console.html.gz", bytes(range(256)) * 4))
    assert _kinds(errors) == [("console.html", "corrupt-gzip")]
    assert _good_events_complete(events)


def test_plain_text_under_a_gz_name_is_read_as_text(tmp_path: Path) -> None:
    # what an HTTP client stores when a log server sends foo.gz with Content-Encoding: gzip
    events, errors = _scan(_job_with(tmp_path, "console.html.gz", b"2013-10-18 17:39:43.966 | plain text, not gzip\n"))
    assert errors == []
    assert [e.first("message") for e in events if e.source == "console.html"] == ["plain text, not gzip"]
    assert _good_events_complete(events)


def test_gzip_bytes_without_a_gz_name_are_decompressed(tmp_path: Path) -> None:
    events, errors = _scan(_job_with(tmp_path, "console.html", _gzipped_lines(3)))
    assert errors == []
    assert [e.first("message") for e in events if e.source == "console.html"] == ["line 0", "line 1", "line 2"]


def test_a_truncated_tar_keeps_the_members_before_the_cut(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, data in (("job/logs/screen-good.txt", _good()), ("job/logs/screen-lost.txt", os.urandom(1 << 20))):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    archive = tmp_path / "job.tar.gz"
    archive.write_bytes(buffer.getvalue()[: len(buffer.getvalue()) * 3 // 4])
    job = open_job(archive)
    events = list(job.events())
    assert "truncated-archive" in {e.kind for e in job.errors}
    good = [e.first("message") for e in events if e.source == "logs/screen-good.txt"]
    assert good == [f"[-] good line {i}" for i in range(GOOD_LINES)]


@pytest.mark.parametrize(
    "make, name",
    [
        (lambda job: os.symlink(job / "missing.txt", job / "screen-gone.txt"), "screen-gone.txt"),
        (lambda job: os.mkfifo(job / "screen-fifo.txt"), "screen-fifo.txt"),
        (lambda job: (job / "zuul-info/inventory.yaml").mkdir(parents=True), "zuul-info/inventory.yaml"),
    ],
    ids=["dangling-symlink", "fifo", "directory-where-metadata-file-expected"],
)
def test_an_unreadable_file_is_recorded(make, name: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    job = _job_with(tmp_path, "unused", None)
    make(job)
    events, errors = _scan(job)
    assert _kinds(errors) == [(name, "unreadable")]
    assert _good_events_complete(events)


def test_invalid_build_metadata_is_recorded_and_the_job_still_reads(tmp_path: Path) -> None:
    job = _job_with(tmp_path, "unused", None)
    (job / "zuul-info").mkdir()
    (job / "zuul-info/inventory.yaml").write_text("all: [unclosed\n")
    opened = open_job(job)
    events = list(opened.events())
    assert ("zuul-info/inventory.yaml", "invalid-metadata") in _kinds(opened.errors)
    assert _good_events_complete(events)


@pytest.mark.parametrize(
    "suffix, compress, kind",
    [(".bz2", bz2.compress, "bz2"), (".xz", lzma.compress, "xz")],
)
def test_corrupt_and_truncated_bz2_and_xz(suffix: str, compress, kind: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    data = compress(b"".join(b"2013-10-18 17:39:43.966 | line %d\n" % i for i in range(50000)))
    job = tmp_path / "job"
    job.mkdir()
    (job / "screen-good.txt").write_bytes(_good())
    (job / ("cut.txt" + suffix)).write_bytes(data[: len(data) // 2])
    (job / ("garbage.txt" + suffix)).write_bytes(bytes(range(256)) * 4)  # binary, and not compressed
    events, errors = _scan(job)
    assert sorted(_kinds(errors)) == [("cut.txt", f"truncated-{kind}"), ("garbage.txt", f"corrupt-{kind}")]
    assert _good_events_complete(events)


@pytest.mark.slow
def test_repeated_problems_in_one_file_are_recorded_a_bounded_number_of_times(tmp_path: Path) -> None:
    long_line = b"2013-10-18 17:39:43.966 | " + b"x" * (MAX_LINE_BYTES + 10) + b"\n"
    events, errors = _scan(_job_with(tmp_path, "console.html", long_line * 25))
    long_errors = [e for e in errors if e.kind == "line-too-long"]
    assert len(long_errors) == RECORDS_PER_KIND + 1
    assert long_errors[-1].message == "more of these in this file are not recorded"
    assert len([e for e in events if e.source == "console.html"]) == 25
    assert _good_events_complete(events)


def test_a_file_removed_between_listing_and_reading_is_recorded(tmp_path: Path) -> None:
    job = _job_with(tmp_path, "screen-gone.txt", _good())
    opened = open_job(job)
    files = list(opened.files())
    (job / "screen-gone.txt").unlink()
    events = [e for f in files for e in f.iter_events()]
    assert _kinds(opened.errors) == [("screen-gone.txt", "unreadable")]
    assert _good_events_complete(events)
