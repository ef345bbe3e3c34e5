"""Inputs nobody planned for: each is read, or refused with a recorded kind, and the rest of the job goes on.

Every case is a job holding ``screen-good.txt`` (GOOD events, all of which must
come out) and one odd thing, built from real bytes (real gzip/bz2/xz/tar/zip
writers, real FIFOs, sockets and symlinks).  A row says which sources give how
many events and which (path, kind) records the job carries.  What was already
covered by test_sources_bad_input.py (corrupt/truncated .gz/.bz2/.xz, a 50 MB
line, invalid UTF-8, a dangling link, a FIFO) is not repeated here.
"""

from __future__ import annotations

import bz2
import codecs
import gzip
import io
import json
import lzma
import os
import socket
import tarfile
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from fingerlog.cli import main
from fingerlog.sources import open_job

GOOD = 20


def _oslo(i: int, word: str = "good") -> bytes:
    return b"2013-10-18 17:39:43.%03d 2625 ERROR nova.api [-] %s line %d\n" % (i, word.encode(), i)


def _lines(word: str, n: int = GOOD) -> bytes:
    return b"".join(_oslo(i, word) for i in range(n))


def _tar(members: list[tuple[str, bytes]], mode: str = "w") -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode=mode) as tar:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def _zip(members: list[tuple[str, bytes]], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, data in members:
            archive.writestr(name, data)
    return buffer.getvalue()


def _zip_with_method(method: int) -> bytes:
    """A stored zip whose headers claim another compression method (97: WavPack, which zipfile lacks)."""
    data = bytearray(_zip([("screen-x.txt", _lines("x"))], zipfile.ZIP_STORED))
    for signature, offset in ((b"PK\x03\x04", 8), (b"PK\x01\x02", 10)):
        at = data.find(signature) + offset
        data[at : at + 2] = method.to_bytes(2, "little")
    return bytes(data)


def _zip_with_bad_crc() -> bytes:
    data = bytearray(_zip([("screen-x.txt", _lines("x"))], zipfile.ZIP_STORED))
    at = data.find(b"x line 5")
    data[at] = ord("y")
    return bytes(data)


class _Unseekable(io.RawIOBase):
    """An output zipfile cannot seek back in: it writes each size in a data descriptor after the data."""

    def __init__(self) -> None:
        super().__init__()
        self.data = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, b: bytes) -> int:  # type: ignore[override]
        self.data += b
        return len(b)


def _streamed_zip(members: list[tuple[str, bytes]]) -> bytes:
    out = _Unseekable()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            with archive.open(name, "w") as member:
                member.write(data)
    return bytes(out.data)


def _cut(data: bytes, at: bytes, extra: int = 0) -> bytes:
    """``data`` cut ``extra`` bytes after the first ``at``."""
    return data[: data.index(at) + extra]


def _tar_with_links() -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, kind, target in (("logs/latest", tarfile.SYMTYPE, "/var/log"),
                                   ("logs/again.txt", tarfile.LNKTYPE, "logs/x.txt"),
                                   ("logs/fifo", tarfile.FIFOTYPE, ""), ("logs/sub", tarfile.DIRTYPE, "")):
            info = tarfile.TarInfo(name)
            info.type, info.linkname = kind, target
            tar.addfile(info)
        info = tarfile.TarInfo("logs/x.txt")
        data = _lines("x")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def _write(name: str, data: bytes) -> Callable[[Path], None]:
    return lambda job: (job / name).write_bytes(data)


def _socket(job: Path) -> None:
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(job / "screen-sock.txt"))


def _deep(job: Path) -> None:
    where = job.joinpath(*["d"] * 100)
    where.mkdir(parents=True)
    (where / "screen-deep.txt").write_bytes(_lines("deep"))


def _odd_names(job: Path) -> None:
    (job / "with space.txt").write_bytes(_lines("space"))
    (job / "new\nline.txt").write_bytes(_lines("newline"))
    (job / os.fsdecode(b"latin\xe9.txt")).write_bytes(_lines("latin"))


def _links(job: Path) -> None:
    (job / "sub").mkdir()
    os.symlink("..", job / "sub" / "up")  # a loop through a directory link
    os.symlink("self.txt", job / "self.txt")  # a link to itself
    os.symlink("/etc/hostname", job / "outside.txt")
    os.symlink("/etc", job / "etc")
    os.symlink("screen-good.txt", job / "inside.txt")  # inside the job: read


DEEP = "/".join(["d"] * 100) + "/screen-deep.txt"

#: (id, what the job gets besides screen-good.txt, events per other source, (path, kind) records)
CASES: list[tuple[str, Callable[[Path], None], dict[str, int], list[tuple[str, str]]]] = [
    ("concatenated-gzip-members", _write("screen-x.txt.gz", gzip.compress(_lines("x")) * 2), {"screen-x.txt": 2 * GOOD}, []),
    ("bz2-file", _write("screen-x.txt.bz2", bz2.compress(_lines("x"))), {"screen-x.txt": GOOD}, []),
    ("xz-file", _write("screen-x.txt.xz", lzma.compress(_lines("x"))), {"screen-x.txt": GOOD}, []),
    ("empty-file", _write("screen-empty.txt", b""), {}, []),
    ("empty-gz-file", _write("screen-empty.txt.gz", b""), {}, []),
    ("gzip-bytes-cut-under-a-plain-name", _write("screen-cut.log", gzip.compress(_lines("x"))[:12]), {},
     [("screen-cut.log", "truncated-gzip")]),
    ("bare-cr-line-ends", _write("screen-cr.txt", _lines("cr").replace(b"\n", b"\r")), {"screen-cr.txt": GOOD}, []),
    ("utf16-le-with-bom", _write("screen-u16.txt", codecs.BOM_UTF16_LE + _lines("u16").decode().encode("utf-16-le")),
     {"screen-u16.txt": GOOD}, []),
    ("utf16-be-crlf-with-bom", _write("screen-u16.txt", codecs.BOM_UTF16_BE
                                      + _lines("u16").replace(b"\n", b"\r\n").decode().encode("utf-16-be")),
     {"screen-u16.txt": GOOD}, []),
    ("utf32-le-with-bom", _write("screen-u32.txt", _lines("u32").decode().encode("utf-32")), {"screen-u32.txt": GOOD}, []),
    ("utf8-bom", _write("screen-bom.txt", codecs.BOM_UTF8 + _lines("bom")), {"screen-bom.txt": GOOD}, []),
    ("a-hole-of-nul-bytes-in-a-log", _write("screen-hole.txt", _lines("a", 5) + b"\0" * 4096 + b"\n" + _lines("b", 5)),
     {"screen-hole.txt": 10}, []),  # the NUL line continues the event before it
    ("utf16-without-bom-is-binary", _write("screen-u16.txt", _lines("u16").decode().encode("utf-16-le")), {},
     [("screen-u16.txt", "binary")]),
    ("only-nul-bytes-are-binary", _write("screen-zeros.txt", b"\0" * 10_000), {}, [("screen-zeros.txt", "binary")]),
    ("nul-bytes-between-lines-are-binary", _write("screen-nul.txt", _lines("a", 5) + b"\0\0\n" + _lines("b", 5)), {},
     [("screen-nul.txt", "binary")]),
    ("tar-inside-the-job", _write("logs.tar", _tar([("screen-x.txt", _lines("x"))])), {},
     [("logs.tar", "nested-archive")]),
    ("tar-gz-inside-the-job", _write("logs.tar.gz", _tar([("screen-x.txt", _lines("x"))], "w:gz")), {},
     [("logs.tar", "nested-archive")]),
    ("zip-inside-the-job", _write("logs.zip", _zip([("screen-x.txt", _lines("x"))])), {},
     [("logs.zip", "nested-archive")]),
    ("fifo", lambda job: os.mkfifo(job / "screen-fifo.txt"), {}, [("screen-fifo.txt", "unreadable")]),
    ("unix-socket", _socket, {}, [("screen-sock.txt", "unreadable")]),
    ("symlinks", _links, {"inside.txt": GOOD},
     [("etc", "symlink"), ("outside.txt", "symlink"), ("self.txt", "unreadable"), ("sub/up", "symlink")]),
    ("100-directories-deep", _deep, {DEEP: GOOD}, []),
    ("odd-file-names", _odd_names, {"with space.txt": GOOD, "new\nline.txt": GOOD, "latin\\xe9.txt": GOOD}, []),
]


def _events_and_errors(location: Path) -> tuple[Counter[str], list[tuple[str, str]]]:
    job = open_job(location)
    events = Counter(event.source for event in job.events())
    return events, sorted((error.path, error.kind) for error in job.errors)


@pytest.mark.parametrize("make, events, errors", [pytest.param(*case[1:], id=case[0]) for case in CASES])
def test_an_odd_file_in_a_job_is_read_or_recorded_and_the_rest_is_read(
    make: Callable[[Path], None], events: dict[str, int], errors: list[tuple[str, str]], tmp_path: Path
) -> None:
    job = tmp_path / "job"
    job.mkdir()
    (job / "screen-good.txt").write_bytes(_lines("good"))
    make(job)
    found, recorded = _events_and_errors(job)
    assert found == Counter({"screen-good.txt": GOOD, **events})
    assert recorded == sorted(errors)


def test_recoded_text_keeps_its_messages_and_line_numbers(tmp_path: Path) -> None:
    job = tmp_path / "job"
    job.mkdir()
    (job / "screen-u16.txt").write_bytes(codecs.BOM_UTF16_LE + "2013-10-18 17:39:43.000 2625 ERROR m [-] caf\u00e9 \u2603\n"
                                         "2013-10-18 17:39:44.000 2625 ERROR m [-] second\n".encode("utf-16-le"))
    (job / "screen-cr.txt").write_bytes(b"2013-10-18 17:39:43.000 2625 ERROR m [-] one\r"
                                        b"2013-10-18 17:39:44.000 2625 ERROR m [-] two\r")
    events = [(e.source, e.first_line, e.first("message")) for e in open_job(job).events()]
    assert events == [
        ("screen-cr.txt", 1, "[-] one"), ("screen-cr.txt", 2, "[-] two"),
        ("screen-u16.txt", 1, "[-] caf\u00e9 \u2603"), ("screen-u16.txt", 2, "[-] second"),
    ]  # fmt: skip


#: (id, the archive's name, its bytes, events per source, (path, kind) records)
ARCHIVES: list[tuple[str, str, bytes, dict[str, int], list[tuple[str, str]]]] = [
    ("tar-bz2", "job.tar.bz2", _tar([("screen-x.txt", _lines("x"))], "w:bz2"), {"screen-x.txt": GOOD}, []),
    ("tar-xz", "job.tar.xz", _tar([("screen-x.txt", _lines("x"))], "w:xz"), {"screen-x.txt": GOOD}, []),
    ("gz-member-in-a-tar", "job.tar", _tar([("job/logs/screen-x.txt.gz", gzip.compress(_lines("x")))]),
     {"logs/screen-x.txt": GOOD}, []),
    ("tar-gz-inside-a-zip", "job.zip", _zip([("inner.tar.gz", _tar([("a.txt", b"x\n")], "w:gz")), ("screen-x.txt", _lines("x"))]),
     {"screen-x.txt": GOOD}, [("inner.tar", "nested-archive")]),
    ("zip-inside-a-tar", "job.tar", _tar([("inner.zip", _zip([("a.txt", b"x\n")])), ("screen-x.txt", _lines("x"))]),
     {"screen-x.txt": GOOD}, [("inner.zip", "nested-archive")]),
    ("zip-member-with-a-bad-crc", "job.zip", _zip_with_bad_crc(), {"screen-x.txt": GOOD},
     [("screen-x.txt", "corrupt-archive")]),
    ("zip-member-with-an-unsupported-method", "job.zip", _zip_with_method(97), {}, [("screen-x.txt", "unsupported")]),
    ("tar-cut-inside-a-member", "job.tar", _tar([("screen-x.txt", _lines("x", 200))])[: 512 + 5 * len(_oslo(0, "x"))],
     {"screen-x.txt": 5}, [("job.tar", "truncated-archive"), ("screen-x.txt", "truncated-archive")]),
    ("zip-cut-before-its-central-directory", "job.zip",
     _cut(_zip([("job/a.txt", _lines("a")), ("job/b.txt", _lines("b"))]), b"PK\x01\x02"),
     {"a.txt": GOOD, "b.txt": GOOD}, [("job.zip", "truncated-archive")]),
    ("links-and-a-fifo-stored-in-a-tar", "job.tar", _tar_with_links(), {"x.txt": GOOD},
     [("again.txt", "symlink"), ("fifo", "unreadable"), ("latest", "symlink")]),
    ("member-names-escaping-the-archive", "job.tar",
     _tar([("../../escaped.txt", _lines("a")), ("/etc/absolute.txt", _lines("b")), ("ok/screen-x.txt", _lines("x"))]),
     {"../../escaped.txt": GOOD, "etc/absolute.txt": GOOD, "ok/screen-x.txt": GOOD}, []),
    ("zip-member-names-escaping-the-archive", "job.zip",
     _zip([("../escaped.txt", _lines("a")), ("ok/screen-x.txt", _lines("x"))]),
     {"../escaped.txt": GOOD, "ok/screen-x.txt": GOOD}, []),
]


@pytest.mark.parametrize("name, data, events, errors", [pytest.param(*case[1:], id=case[0]) for case in ARCHIVES])
def test_an_odd_archive_is_read_or_recorded_and_nothing_is_written(
    name: str, data: bytes, events: dict[str, int], errors: list[tuple[str, str]], tmp_path: Path
) -> None:
    where = tmp_path / "in" / "deeper"
    where.mkdir(parents=True)
    (where / name).write_bytes(data)
    found, recorded = _events_and_errors(where / name)
    assert found == Counter(events)
    assert recorded == sorted(errors)
    assert sorted(p.name for p in tmp_path.rglob("*")) == sorted(["in", "deeper", name])  # nothing extracted


def test_a_streamed_zip_cut_inside_a_member_gives_every_line_before_the_cut(tmp_path: Path) -> None:
    """Sizes after the data (a streamed writer): each member's end is found by inflating it."""
    data = _streamed_zip([("a.txt", _lines("a", 2000)), ("b.txt", _lines("b", 2000))])
    cut = data.index(b"b.txt") + 5 + 2000
    (tmp_path / "job.zip").write_bytes(data[:cut])
    job = open_job(tmp_path / "job.zip")
    events = [(e.source, e.first("message")) for e in job.events()]
    decoded = zlib.decompressobj(-zlib.MAX_WBITS).decompress(data[data.index(b"b.txt") + 5 : cut])
    whole_lines = decoded.count(b"\n")
    assert events[:2000] == [("a.txt", f"[-] a line {i}") for i in range(2000)]
    assert events[2000 : 2000 + whole_lines] == [("b.txt", f"[-] b line {i}") for i in range(whole_lines)]
    assert 0 < whole_lines <= len(events) - 2000 <= whole_lines + 1  # and the cut line's start
    assert sorted((e.path, e.kind) for e in job.errors) == [("b.txt", "truncated-archive"), ("job.zip", "truncated-archive")]


@pytest.mark.slow
def test_a_decompression_bomb_is_streamed_in_bounded_memory(tmp_path: Path) -> None:
    """200 MB of NULs (200 KB gzipped) is refused from its first block; 200 MB of log lines are read
    as any big log, a block at a time (no ratio cap: memory does not grow with the file)."""
    import resource

    job = tmp_path / "job"
    job.mkdir()
    (job / "screen-zeros.txt.gz").write_bytes(gzip.compress(b"\0" * (200 << 20), 1))
    (job / "screen-text.txt.gz").write_bytes(gzip.compress(_oslo(1, "bomb") * (4 << 20), 1))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result = CliRunner().invoke(main, ["scan", str(job), "--format", "json"], catch_exceptions=False)
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert result.exit_code == 0
    assert [(e["path"], e["kind"]) for e in json.loads(result.stdout)["errors"]] == [("screen-zeros.txt", "binary")]
    assert grown_mb < 400  # the scan's 32 MiB chunks and their copies, never the 200 MB file


@pytest.mark.slow
def test_ten_thousand_tiny_files_are_each_read(tmp_path: Path) -> None:
    job = tmp_path / "job"
    job.mkdir()
    for i in range(10_000):
        (job / f"f{i:05d}.txt").write_bytes(_oslo(i % 1000, "tiny"))
    found, recorded = _events_and_errors(job)
    assert len(found) == 10_000 and set(found.values()) == {1} and recorded == []


def test_a_file_cut_while_being_read_is_recorded_with_what_it_held(tmp_path: Path) -> None:
    job = tmp_path / "job"
    job.mkdir()
    data = _lines("a", 1000) * 60  # 3 MB: more than the first read's buffer
    (job / "screen-shrinks.txt").write_bytes(data)
    opened = open_job(job)
    (logfile,) = list(opened.files())
    with logfile.open_stream() as stream:
        first = stream.read(100)
        os.truncate(job / "screen-shrinks.txt", 2 << 20)
        rest = stream.read()
    assert first + rest == data[: 2 << 20]
    assert [(e.path, e.kind) for e in opened.errors] == [("screen-shrinks.txt", "changed-while-read")]


#: (id, location, exit code, what stderr names)
MISSING: list[tuple[str, Callable[[Path], Path], int, str]] = [
    ("no-such-path", lambda tmp: tmp / "nowhere", 1, "no such file or directory"),
    ("a-fifo-as-the-location", lambda tmp: (os.mkfifo(tmp / "fifo"), tmp / "fifo")[1], 1, "not a directory, a log file"),
    ("an-archive-that-is-not-one", lambda tmp: (_write("job.zip", b"not a zip")(tmp), tmp / "job.zip")[1], 1,
     "not a readable zip archive"),
]


@pytest.mark.parametrize("location, code, message", [pytest.param(*case[1:], id=case[0]) for case in MISSING])
def test_a_location_that_cannot_be_read_is_a_clear_error(
    location: Callable[[Path], Path], code: int, message: str, tmp_path: Path
) -> None:
    result = CliRunner().invoke(main, ["scan", str(location(tmp_path))])
    assert result.exit_code == code
    assert message in result.stderr and "Traceback" not in result.stderr


def test_a_log_file_given_as_the_job_is_scanned(tmp_path: Path) -> None:
    (tmp_path / "screen-n-api.txt").write_bytes(_lines("alone"))
    found, recorded = _events_and_errors(tmp_path / "screen-n-api.txt")
    assert found == Counter({"screen-n-api.txt": GOOD}) and recorded == []


def test_refused_files_are_rows_of_the_store_and_odd_names_are_storable(tmp_path: Path) -> None:
    job = tmp_path / "job"
    job.mkdir()
    (job / "screen-good.txt").write_bytes(_lines("good"))
    _odd_names(job)
    (job / "inner.zip").write_bytes(_zip([("a.txt", b"x\n")]))
    os.symlink("/etc/hostname", job / "outside.txt")
    store = tmp_path / "store"
    result = CliRunner().invoke(main, ["scan", str(job), "--out", str(store)])
    assert result.exit_code == 0, result.output
    assert "inner.zip: nested-archive" in result.output and "outside.txt: symlink" in result.output
    query = CliRunner().invoke(main, ["sql", str(store), "select path, kind from errors order by path", "--format", "json"])
    assert json.loads(query.stdout) == [
        {"path": "inner.zip", "kind": "nested-archive"}, {"path": "outside.txt", "kind": "symlink"},
    ]


def test_a_directory_of_jobs_does_not_follow_links_to_directories(tmp_path: Path) -> None:
    """A link to ``..`` in an archive made the batch walk it again and again (4,000 builds from 20)."""
    from fingerlog.engine.archive import list_builds

    for job in ("a", "b"):
        (tmp_path / job / "logs").mkdir(parents=True)
        (tmp_path / job / "logs" / "screen-x.txt").write_bytes(_lines("x"))
    (tmp_path / "links").mkdir()
    os.symlink("..", tmp_path / "links" / "up")
    os.symlink("/etc", tmp_path / "links" / "etc")
    assert [p.relative_to(tmp_path).as_posix() for p in list_builds(tmp_path)] == ["a", "b"]


def test_a_manifest_naming_no_build_of_the_archive_is_a_clear_error(tmp_path: Path) -> None:
    from fingerlog.engine.archive import ArchiveError, plan_builds

    (tmp_path / "archives").mkdir()
    (tmp_path / "archives" / "job.tar").write_bytes(_tar([("screen-x.txt", _lines("x"))]))
    manifest = tmp_path / "archives" / "manifest.csv"
    manifest.write_text("path,build_status\narchives/job.tar,FAILURE\n")  # relative to the wrong directory
    with pytest.raises(ArchiveError, match="none of its 1 rows names a build"):
        plan_builds([tmp_path / "archives"], manifest)
    manifest.write_text("path,build_status\njob.tar,FAILURE\n")
    assert [t.overrides for t in plan_builds([tmp_path / "archives"], manifest)] == [{"build_status": "FAILURE"}]


@pytest.mark.parametrize(
    "text, events, kinds",
    [
        pytest.param(
            '{"bar": [\n  {\n    "name": "x"\n  }\n]}\n', 0, ["invalid-json"],
            id="pretty-printed-document-not-a-response",
        ),
        pytest.param('{"message": "cut\n{"message": "one"}\n{"message": "two"}\n', 2, ["invalid-json"],
                     id="json-lines-with-a-broken-first-line"),
    ],
)
def test_a_json_file_is_one_document_or_json_lines(text: str, events: int, kinds: list[str], tmp_path: Path) -> None:
    (tmp_path / "events.json").write_text(text)
    job = open_job(tmp_path / "events.json")
    assert len(list(job.events())) == events
    assert [e.kind for e in job.errors] == kinds


@pytest.mark.parametrize(
    "name, encode",
    [
        pytest.param("screen-n-api.txt", lambda text: codecs.BOM_UTF16_LE + text.encode("utf-16-le"), id="utf16-le"),
        pytest.param("screen-n-api.txt", lambda text: text.replace("\n", "\r").encode(), id="bare-cr"),
        pytest.param("screen-n-api.txt.gz", lambda text: gzip.compress(codecs.BOM_UTF16_BE + text.encode("utf-16-be")),
                     id="gzipped-utf16-be"),
    ],
)
def test_the_scan_finds_fingerprints_in_recoded_files(name: str, encode: Callable[[str], bytes], tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "1.yaml").write_text('query: message:"Deadlock found" AND tags:"screen-n-api.txt"\n')
    job = tmp_path / "job"
    job.mkdir()
    text = "".join(f"2013-10-18 17:39:43.{i:03d} 2625 ERROR nova.db [-] line {i}\n" for i in range(50))
    text += "2013-10-18 17:39:44.000 2625 ERROR nova.db [-] Deadlock found when trying to get lock\n"
    (job / name).write_bytes(encode(text))
    result = CliRunner().invoke(main, ["scan", str(job), "--rules", str(rules), "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    hits = [(hit["rule_id"], hit["filename"], hit["first_line"], hit["message"]) for hit in report["hits"]]
    assert hits == [("1", "screen-n-api.txt", 51, "[-] Deadlock found when trying to get lock")]
    assert report["errors"] == []


def _cut_gzip(n: int = 50_000) -> bytes:
    data = gzip.compress(_lines("x", n))
    return data[: len(data) // 2]


def _job_dir_with(name: str, data: bytes) -> Callable[[Path], Path]:
    """A job directory holding ``name`` and a whole .gz beside it."""

    def make(tmp_path: Path) -> Path:
        job = tmp_path / "job"
        job.mkdir()
        (job / name).write_bytes(data)
        (job / "screen-good.txt.gz").write_bytes(gzip.compress(_lines("x", 1_000)))
        return job

    return make


def _archive(name: str, data: bytes) -> Callable[[Path], Path]:
    def make(tmp_path: Path) -> Path:
        (tmp_path / name).write_bytes(data)
        return tmp_path / name

    return make


@pytest.mark.parametrize("jobs", ["1", "2"])
@pytest.mark.parametrize(
    "make_job, expected",
    [
        (_job_dir_with("screen-other.txt.gz", _cut_gzip()), [("screen-other.txt", "truncated-gzip")]),
        (_archive("job.zip", _zip_with_bad_crc()), [("screen-x.txt", "corrupt-archive")]),
        (_archive("job.tar.gz", gzip.compress(_tar([("screen-x.txt", _lines("x", 50_000))]))[:-5000]),
         [("screen-x.txt", "truncated-archive"), ("job.tar.gz", "truncated-archive")]),
    ],
    ids=["cut-gzip-in-a-job-directory", "zip-member-with-a-bad-crc", "cut-tar-gz"],
)
def test_a_break_in_a_file_no_rule_reads_is_still_reported(
    make_job: Callable[[Path], Path], expected: list[tuple[str, str]], jobs: str, tmp_path: Path
) -> None:
    """No rule reads these files (the rule's tag names another file), yet the break in their bytes is reported."""
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "1.yaml").write_text('query: message:"Deadlock found" AND tags:"screen-n-api.txt"\n')
    location = make_job(tmp_path)
    result = CliRunner().invoke(main, ["scan", str(location), "--rules", str(rules), "--format", "json", "--jobs", jobs])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert sorted((e["path"], e["kind"]) for e in report["errors"]) == sorted(expected)
    assert report["hits"] == []


@pytest.mark.parametrize("mode, suffix", [("w:gz", "tar.gz"), ("w:bz2", "tar.bz2"), ("w:xz", "tar.xz")])
def test_a_compressed_tar_cut_short_gives_every_line_before_the_cut(mode: str, suffix: str, tmp_path: Path) -> None:
    lines = [f"[-] x line {i}" for i in range(20_000)]
    data = _tar([("job/a.txt", _lines("x", 20_000)), ("job/b.txt", _lines("x", 20_000))], mode)
    (tmp_path / f"job.{suffix}").write_bytes(data[: len(data) * 3 // 4])
    job = open_job(tmp_path / f"job.{suffix}")
    by_file: dict[str, list[str]] = {}
    for event in job.events():
        by_file.setdefault(event.source, []).append(event.first("message") or "")
    *whole, cut = sorted(by_file)
    assert all(by_file[name] == lines for name in whole)
    assert 0 < len(by_file[cut]) < len(lines) and by_file[cut][:-1] == lines[: len(by_file[cut]) - 1]
    assert sorted((e.path, e.kind) for e in job.errors) == [(cut, "truncated-archive"), (f"job.{suffix}", "truncated-archive")]
