"""The gzip reader: every decodable byte of a broken stream comes out before its failure does."""

from __future__ import annotations

import gzip
import io
import random
import struct
import tarfile
import zlib
from pathlib import Path

import pytest

from fingerlog.records import SourceError
from fingerlog.sources import open_job
from fingerlog.sources.gzipstream import STEP, GzipReader
from fingerlog.sources.streams import guarded

#: the longest output of one deflate symbol (a match): what a cut may hold back at most.
LONGEST_MATCH = 258
#: caller buffer sizes: tiny, not a power of two, the reader's step and beyond it, a whole file.
READ_SIZES = [1000, 65_537, STEP, STEP + 1, 8 << 20]


def _log(lines: int, seed: int) -> bytes:
    """Oslo-style lines with enough variety for several deflate blocks and a realistic ratio."""
    rng = random.Random(seed)
    levels = [b"INFO", b"DEBUG", b"WARNING", b"ERROR"]
    return b"".join(
        b"2013-10-18 17:39:%02d.%03d %d %s nova.compute.manager [req-%08x] instance %08x: step %d\n"
        % (i % 60, i % 1000, rng.randrange(1000, 9999), rng.choice(levels), rng.getrandbits(32), rng.getrandbits(32), i)
        for i in range(lines)
    )


@pytest.fixture(scope="module")
def log() -> bytes:
    return _log(60_000, seed=1)  # ~6 MB: several of the reader's steps and of its input refills


@pytest.fixture(scope="module")
def packed(log: bytes) -> bytes:
    return gzip.compress(log, compresslevel=6, mtime=0)


def _drain(blob: bytes, size: int) -> tuple[bytes, BaseException | None]:
    """What a caller reading ``size`` bytes at a time gets: the bytes, then the failure if any."""
    reader = GzipReader(io.BytesIO(blob))
    buffer, out = bytearray(size), bytearray()
    try:
        while count := reader.readinto(buffer):
            out += buffer[:count]
    except (EOFError, OSError) as exc:
        return bytes(out), exc
    return bytes(out), None


@pytest.mark.parametrize("size", READ_SIZES)
def test_a_good_stream_reads_whole_at_any_read_size(log: bytes, packed: bytes, size: int) -> None:
    assert _drain(packed, size) == (log, None)


@pytest.mark.parametrize(
    "layout, expected",
    [
        ("two members", b"one\ntwo\n"),
        ("an empty member between", b"one\ntwo\n"),
        ("NUL padding between and after", b"one\ntwo\n"),
        ("no bytes at all", b""),
    ],
)
def test_concatenated_members_read_as_one_stream(layout: str, expected: bytes) -> None:
    one, two = gzip.compress(b"one\n"), gzip.compress(b"two\n")
    blob = {
        "two members": one + two,
        "an empty member between": one + gzip.compress(b"") + two,
        "NUL padding between and after": one + b"\0" * 512 + two + b"\0" * 3,
        "no bytes at all": b"",
    }[layout]
    assert _drain(blob, 4096) == (expected, None)


def _cuts(packed: bytes) -> list[int]:
    """Cut points: in the header, right after it, all through the deflate data, in the trailer."""
    rng = random.Random(7)
    deflate = (rng.randrange(12, len(packed) - 8) for _ in range(12))
    return sorted({1, 9, 10, 11, 40, *deflate, *range(len(packed) - 8, len(packed))})


@pytest.mark.parametrize("size", [65_537, 8 << 20])
def test_a_cut_stream_gives_what_its_bytes_hold_then_eoferror(log: bytes, packed: bytes, size: int) -> None:
    for cut in _cuts(packed):
        decodable = zlib.decompressobj(wbits=31).decompress(packed[:cut])  # zlib as the referee
        out, failure = _drain(packed[:cut], size)
        assert isinstance(failure, EOFError), cut
        assert decodable.startswith(out) and len(decodable) - len(out) <= LONGEST_MATCH, (cut, len(decodable), len(out))


def test_the_good_part_does_not_depend_on_the_read_size(packed: bytes) -> None:
    cut = packed[: len(packed) * 2 // 3]
    assert len({_drain(cut, size)[0] for size in READ_SIZES}) == 1


def _with_bad_crc(packed: bytes) -> bytes:
    crc, size = struct.unpack("<II", packed[-8:])
    return packed[:-8] + struct.pack("<II", crc ^ 1, size)


def _with_bad_length(packed: bytes) -> bytes:
    crc, size = struct.unpack("<II", packed[-8:])
    return packed[:-8] + struct.pack("<II", crc, size + 1)


def _with_reserved_block(packed: bytes) -> bytes:
    """A second member whose first deflate block has the reserved type 3: ISA-L rejects it at once."""
    header = packed[:10]
    return packed + header + bytes([0b111]) + b"\0" * 64


@pytest.mark.parametrize(
    "damage, good_bytes",
    [
        (_with_bad_crc, "all"),  # the data decoded fine; only the check at its end fails
        (_with_bad_length, "all"),
        (lambda packed: packed + b"not gzip at all, a text tail", "all"),
        (_with_reserved_block, "all"),
        (lambda packed: b"\x1f\x8b\x09" + packed[3:], "none"),  # unknown compression method
        (lambda packed: bytes(range(256)) * 4, "none"),
    ],
    ids=["crc", "length", "text tail", "bad block", "method", "binary"],
)
def test_a_corrupt_stream_gives_its_good_part_then_oserror(log: bytes, packed: bytes, damage, good_bytes: str) -> None:  # type: ignore[no-untyped-def]
    for size in (65_537, 8 << 20):
        out, failure = _drain(damage(packed), size)
        assert isinstance(failure, OSError) and not isinstance(failure, EOFError)
        assert out == (log if good_bytes == "all" else b"")


def test_damage_inside_the_data_keeps_what_came_before_it(log: bytes, packed: bytes) -> None:
    broken = bytearray(packed)
    middle = len(packed) // 2
    broken[middle : middle + 64] = b"\xff" * 64
    out, failure = _drain(bytes(broken), 8 << 20)
    assert isinstance(failure, OSError)
    # the bytes before the damage are right; those decoded after it may be garbage (a CRC catches it)
    good = zlib.decompressobj(wbits=31).decompress(packed[:middle])
    assert out[: len(good) - LONGEST_MATCH] == log[: len(good) - LONGEST_MATCH]


def test_a_failure_is_raised_again_by_every_later_read(packed: bytes) -> None:
    reader = GzipReader(io.BytesIO(packed[: len(packed) // 2]))
    buffer = bytearray(STEP)
    with pytest.raises(EOFError) as first:
        _read_to_end(reader, buffer)
    for _ in range(2):
        with pytest.raises(EOFError) as again:
            reader.readinto(buffer)
        assert again.value is first.value


def _read_to_end(reader: GzipReader, buffer: bytearray) -> None:
    while reader.readinto(buffer):
        pass


def _guarded_read(blob: bytes, name: str) -> tuple[bytes, list[SourceError]]:
    errors: list[SourceError] = []
    with guarded(io.BytesIO(blob), name, errors, stored_name=name) as stream:
        out = bytearray()
        while block := stream.read(8 << 20):
            out += block
    return bytes(out), errors


@pytest.mark.parametrize(
    "damage, kind",
    [
        (lambda packed: packed[: len(packed) // 2], "truncated-gzip"),
        (lambda packed: packed[:-3], "truncated-gzip"),
        (lambda packed: packed + b"\x1f\x8b", "truncated-gzip"),  # a next member cut inside its header
        (_with_bad_crc, "corrupt-gzip"),
        (_with_reserved_block, "corrupt-gzip"),
        (lambda packed: packed + b"garbage after the last member", "corrupt-gzip"),
    ],
    ids=["half", "in trailer", "second header cut", "crc", "bad block", "trailing garbage"],
)
def test_a_broken_stream_is_recorded_once_and_read_to_its_failure(log: bytes, packed: bytes, damage, kind: str) -> None:  # type: ignore[no-untyped-def]
    out, errors = _guarded_read(damage(packed), "screen-n-cpu.txt.gz")
    assert [(e.path, e.kind) for e in errors] == [("screen-n-cpu.txt.gz", kind)]
    assert log.startswith(out) and out


def test_a_cut_gzip_inside_a_tar_keeps_its_good_part_and_the_members_after_it(tmp_path: Path) -> None:
    lines = b"".join(b"2013-10-18 17:39:43.%03d | line %d\n" % (i % 1000, i) for i in range(40_000))
    packed = gzip.compress(lines)
    archive = tmp_path / "job.tar"
    with tarfile.open(archive, "w") as tar:
        for name, data in [("job/console.html.gz", packed[: len(packed) // 2]), ("job/devstacklog.txt", lines[:200])]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    job = open_job(archive)
    events = list(job.events())
    console = [e.first("message") for e in events if e.source == "console.html"]
    assert 0 < len(console) < 40_000 and console[:-1] == [f"line {i}" for i in range(len(console) - 1)]
    assert f"line {len(console) - 1}".startswith(console[-1])  # the last line is cut where the data ends
    assert [e.first("message") for e in events if e.source == "devstacklog.txt"][:2] == ["line 0", "line 1"]
    assert [(e.path, e.kind) for e in job.errors] == [("console.html", "truncated-gzip")]
