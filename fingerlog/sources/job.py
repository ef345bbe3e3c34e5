"""A job's logs as :class:`LogFile` records: what the engine scans, and how to read each one.

``open_job`` accepts what users download: a job directory, one log file
(plain or compressed), a tar or zip archive of a job, or a JSON-lines file of
already-indexed documents.  Each file is opened once to sniff it (binary?
which format?); a tar member is handed on still open, so archives are read in
one stream, other files are opened again when read.
"""

from __future__ import annotations

import datetime as dt
import io
import tarfile
import zipfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import IO

from fingerlog.errors import FingerlogError
from fingerlog.records import Build, Event, SourceError
from fingerlog.sources import containers
from fingerlog.sources.build import CONSOLE, CONSOLE_TAIL, METADATA_FILES, BuildMetadata
from fingerlog.sources.containers import Entry
from fingerlog.sources.content import Content, as_lines, sniff_content
from fingerlog.sources.events import MAX_LINE_BYTES
from fingerlog.sources.filetypes import classify, is_skipped, strip_compression
from fingerlog.sources.formats import JSONL, RESPONSE, LogFormat, is_search_response
from fingerlog.sources.streams import BLOCK, MAGIC, READ_ERRORS, guarded, read_error_kind
from fingerlog.sources.ziplocal import is_zip_start, local_members

#: bytes of a file's start given to format sniffing.
SNIFF_BYTES = 64 << 10
#: extra lines dropped for files with a tag, before lines are grouped (logstash's first filters).
TAG_DROPS: Mapping[str, bytes] = {"screen": rb"^\+ "}
#: per file and kind, problems recorded one by one before a single "more" record.
RECORDS_PER_KIND = 10
#: how far up from a single file to look for its job's ``zuul-info/`` (controller/logs/x.txt: 3).
JOB_ROOT_DEPTH = 4
#: JSON-lines locations: documents already indexed, one per line.
JSONL_SUFFIXES = (".jsonl", ".json", ".ndjson")


#: files refused after a look at their first block: the kind recorded and why.
REFUSED: Mapping[Content, tuple[str, str]] = {
    Content.BINARY: ("binary", "NUL bytes in the first block: not a text log"),
    Content.ARCHIVE: ("nested-archive", "an archive inside the job: its files are not read (scan it on its own)"),
}


class JobError(FingerlogError):
    """A location that cannot be read as a job at all (missing, not an archive, ...)."""


@dataclass(eq=False)
class LogFile:
    """One log file of a job: its logstash file fields, its format, and its bytes."""

    #: path inside the job, compression suffix removed (the ``filename`` field).
    path: str
    #: file-level fields every event of the file carries: filename, tags, build fields, log_url.
    fields: dict[str, tuple[str, ...]]
    #: the format, bound to this file (its drop rules and year).
    format: LogFormat
    #: size as the container reports it (a .gz file: compressed; a zip member: uncompressed):
    #: a hint for progress and scheduling, not the number of bytes the stream yields.
    size_hint: int
    #: the job's error list: problems met while reading this file land there.
    errors: list[SourceError] = field(repr=False)
    _entry: Entry = field(repr=False)
    #: how the stored bytes become lines (UTF-16 and bare-CR files are recoded).
    content: Content = field(default=Content.TEXT, repr=False)
    _pending: IO[bytes] | None = field(default=None, repr=False)
    _recorded: dict[str, int] = field(default_factory=dict, repr=False)

    def open_stream(self) -> IO[bytes]:
        """The decompressed bytes; a read error is recorded in ``errors`` and ends the stream.

        A member of a tar archive can be opened once, before the job's next file.
        """
        if self._pending is not None:
            stream, self._pending = self._pending, None
            return stream
        if not self._entry.reopenable:
            raise JobError(f"{self.path}: a streamed archive member can be read only once")
        try:
            return as_lines(_open_entry(self._entry, self.path, self.errors), self.content, BLOCK)
        except (OSError, *READ_ERRORS) as exc:  # gone or changed since it was listed
            self.record(read_error_kind(exc), f"{type(exc).__name__}: {exc}")
            return io.BytesIO(b"")

    def pass_over(self) -> None:
        """Leave a file no rule reads, still reporting a break in its stored bytes.

        A compressed file or an archive member carries checks (the deflate
        stream's end, a CRC) that only reading it through can fail: it is
        decompressed to its end, not searched, so a cut ``.gz`` is reported
        whether or not a rule reads it.  A plain file has no such check and is
        only closed.  Content problems (invalid UTF-8, over-long lines) are
        looked for only where rules read.
        """
        with self.open_stream() as stream:
            if self._entry.in_archive or strip_compression(self._entry.name) != self._entry.name:
                while stream.read(BLOCK):
                    pass

    def iter_events(self) -> Iterator[Event]:
        """Every event of this file (a full pass)."""
        with self.open_stream() as stream:
            yield from self.format.iter_events(stream, self)

    def record(self, kind: str, message: str) -> None:
        """Record a problem with this file; a kind is recorded at most RECORDS_PER_KIND times."""
        seen = self._recorded.get(kind, 0)
        self._recorded[kind] = seen + 1
        if seen < RECORDS_PER_KIND:
            self.errors.append(SourceError(self.path, kind, message))
        elif seen == RECORDS_PER_KIND:
            self.errors.append(SourceError(self.path, kind, "more of these in this file are not recorded"))

    def record_long_line(self, number: int) -> None:
        self.record("line-too-long", f"line {number} is longer than {MAX_LINE_BYTES} bytes; the rest is skipped")

    def decode(self, lines: list[bytes]) -> list[str]:
        """UTF-8 text of raw lines; invalid bytes become U+FFFD (recorded once per file)."""
        try:
            return [line.decode("utf-8") for line in lines]
        except UnicodeDecodeError as exc:
            if "invalid-utf8" not in self._recorded:
                self.record("invalid-utf8", f"{exc.reason} (invalid bytes replaced by U+FFFD)")
            return [line.decode("utf-8", "replace") for line in lines]

    def event(self, lines: list[str], first_line: int, last_line: int) -> Event | None:
        """The event made of ``lines`` (decoded), or None when logstash dropped it (DEBUG)."""
        return self.format.make_event(self, lines, first_line, last_line)


@dataclass(eq=False)
class Job:
    """A job's build fields, its log files (read lazily) and everything unreadable in it."""

    location: str
    build: Build
    errors: list[SourceError]
    #: lists the stored files afresh on each call (so ``files()`` can be iterated again).
    _entries: Callable[[], Iterator[Entry]] = field(repr=False)
    _jsonl: bool = field(repr=False, default=False)
    #: the year the build ran, when known: syslog dates take it rather than the file's mtime year.
    year: int | None = None

    def files(self) -> Iterator[LogFile]:
        """The job's log files in a stable order; binary and unreadable ones are recorded and skipped."""
        for entry in self._entries():
            if self._jsonl:
                yield from self._jsonl_file(entry)
            elif (logfile := self._logfile(entry)) is not None:
                yield logfile

    def events(self) -> Iterator[Event]:
        """Every event of every file (a full pass)."""
        for logfile in self.files():
            yield from logfile.iter_events()

    def _logfile(self, entry: Entry) -> LogFile | None:
        path = strip_compression(entry.name)
        if is_skipped(path):
            return None
        known_errors = len(self.errors)
        try:
            # a small buffer: sniffing decompresses only the first SNIFF_BYTES of each file
            stream = _open_entry(entry, path, self.errors, buffer_size=SNIFF_BYTES)
            head = stream.peek(SNIFF_BYTES)[:SNIFF_BYTES]
        except (OSError, *READ_ERRORS) as exc:
            self.errors.append(SourceError(path, read_error_kind(exc), f"{type(exc).__name__}: {exc}"))
            return None
        content = sniff_content(head)
        if content in REFUSED:
            kind, message = REFUSED[content]
            self.errors.append(SourceError(path, kind, message))
            stream.close()
            return None
        if content is not Content.TEXT:
            stream = as_lines(stream, content, SNIFF_BYTES)  # type: ignore[assignment]
            head = stream.peek(SNIFF_BYTES)[:SNIFF_BYTES]
        tags, fmt = classify(path, head)
        drops = tuple(pattern for tag, pattern in TAG_DROPS.items() if tag in tags)
        fields: dict[str, tuple[str, ...]] = {"filename": (path,), "tags": tags}
        fields.update({k: (v,) for k, v in self.build.fields.items()})
        if "log_url" in self.build.fields:
            fields["log_url"] = (self.build.fields["log_url"] + path,)
        bound = fmt.with_context(extra_drops=drops, year=self.year or _year(entry.mtime))
        # Hold no file open between listing and reading (jobs have thousands of files),
        # unless reading it again would record its error again.
        if entry.reopenable and len(self.errors) == known_errors:
            stream.close()
            return LogFile(path, fields, bound, entry.size, self.errors, entry, content)
        return LogFile(path, fields, bound, entry.size, self.errors, entry, content, stream)

    def _jsonl_file(self, entry: Entry) -> Iterator[LogFile]:
        path = strip_compression(entry.name)
        try:
            stream = _open_entry(entry, path, self.errors)
            head = stream.peek(SNIFF_BYTES)[:SNIFF_BYTES]
        except (OSError, *READ_ERRORS) as exc:
            self.errors.append(SourceError(path, read_error_kind(exc), f"{type(exc).__name__}: {exc}"))
            return
        fields: dict[str, tuple[str, ...]] = {k: (v,) for k, v in self.build.fields.items()}
        fmt = RESPONSE if is_search_response(head) else JSONL
        yield LogFile(path, fields, fmt, entry.size, self.errors, entry, _pending=stream)


def _open_entry(entry: Entry, path: str, errors: list[SourceError], buffer_size: int = BLOCK) -> io.BufferedReader:
    return guarded(
        entry.open(),
        path,
        errors,
        stored_name=entry.name,
        in_archive=entry.in_archive,
        buffer_size=buffer_size,
        size=None if entry.in_archive else entry.size,
    )


def _year(mtime: float | None) -> int:
    moment = dt.datetime.fromtimestamp(mtime, dt.UTC) if mtime else dt.datetime.now(dt.UTC)
    return moment.year


def _build(location: str, metadata: BuildMetadata, overrides: Mapping[str, str]) -> Build:
    metadata.read_location(location)
    fields = metadata.fields(overrides)
    return Build(key=fields.get("build_uuid", location), fields=fields, location=location)


def open_job(location: str | Path, *, overrides: Mapping[str, str] | None = None) -> Job:
    """The job at ``location``: a directory, a log file, an archive or a JSON-lines file.

    ``overrides`` are build fields given by the user (``--field k=v``); they win.
    An ``s3://`` location is read in place (:mod:`fingerlog.sources.remote`).
    """
    from fingerlog.sources import remote  # it builds on this module

    if isinstance(location, str) and remote.is_object_url(location):
        return remote.open_remote_job(location, overrides=overrides)
    path = Path(location)
    overrides = dict(overrides or {})
    errors: list[SourceError] = []
    metadata = BuildMetadata()
    where = str(path)
    if path.is_dir():
        for name in METADATA_FILES:
            _read_metadata(path / name, name, metadata, errors)
        _read_console_result(path, metadata)
        listing = partial(containers.directory_entries, path, errors)
        return Job(where, _build(where, metadata, overrides), errors, listing, year=metadata.year())
    if not path.exists():
        raise JobError(f"{path}: no such file or directory")
    if not path.is_file():
        raise JobError(f"{path}: not a directory, a log file or an archive")
    lowered = path.name.lower()
    if containers.is_archive(lowered):
        return _open_archive(path, metadata, overrides, errors)
    root = _job_root(path)
    if root is not None:
        for name in METADATA_FILES:
            _read_metadata(root / name, name, metadata, errors)
    entry = containers.single_entry(path, path.relative_to(root).as_posix() if root else path.name)
    jsonl = strip_compression(lowered).endswith(JSONL_SUFFIXES)
    build = _build(str(root or path.parent), metadata, overrides)
    return Job(where, build, errors, lambda: iter((entry,)), jsonl, metadata.year())


def _job_root(path: Path) -> Path | None:
    """The job directory a single file lies in: the nearest ancestor holding ``zuul-info/``."""
    for ancestor in list(path.parents)[:JOB_ROOT_DEPTH]:
        if (ancestor / "zuul-info").is_dir():
            return ancestor
    return None


def _read_console_result(job: Path, metadata: BuildMetadata) -> None:
    """Zuul v2 jobs have no zuul-info: the end of Jenkins' console gives ``build_status``.

    Only read when nothing better knows the result; a broken console is reported by the scan.
    """
    if metadata.api is not None:
        return
    for name in (CONSOLE, CONSOLE + ".gz"):
        if (job / name).is_file():
            metadata.read_console_tail(_tail(job / name))
            return


def _tail(path: Path) -> bytes:
    """The last CONSOLE_TAIL decompressed bytes of ``path``: a seek for a plain file, a pass for a compressed one."""
    with open(path, "rb") as raw:
        if not raw.peek(8).startswith(tuple(MAGIC.values())):
            raw.seek(max(0, path.stat().st_size - CONSOLE_TAIL))
            return raw.read(CONSOLE_TAIL)
    tail = b""
    with guarded(open(path, "rb"), path.name, [], stored_name=path.name) as stream:
        while block := stream.read(BLOCK):
            tail = (tail + block)[-CONSOLE_TAIL:]
    return tail


def _read_metadata(path: Path, name: str, metadata: BuildMetadata, errors: list[SourceError]) -> None:
    if not path.exists() and not path.is_symlink():
        return
    try:
        metadata.read(name, path.read_bytes(), name, errors)
    except OSError as exc:
        errors.append(SourceError(name, "unreadable", f"cannot read build metadata: {exc.strerror or exc}"))


def _open_archive(path: Path, metadata: BuildMetadata, overrides: Mapping[str, str], errors: list[SourceError]) -> Job:
    where = str(path)
    if path.name.lower().endswith(".zip"):
        try:
            with path.open("rb") as raw, zipfile.ZipFile(raw) as archive:
                root = containers.common_root([i.filename for i in archive.infolist() if not i.is_dir()])
                for name in METADATA_FILES:
                    _read_zip_metadata(archive, root, name, metadata, errors)
        except (zipfile.BadZipFile, OSError) as exc:
            if not is_zip_start(path):
                raise JobError(f"{path}: not a readable zip archive: {exc}") from None
            return _open_cut_zip(path, metadata, overrides, errors)
        build = _build(where + "/" + root, metadata, overrides)
        return Job(where, build, errors, partial(containers.zip_entries, path, root), year=metadata.year())
    names, found = containers.tar_survey(path, METADATA_FILES)
    if not names and not found:
        _probe_tar(path)
    root = containers.common_root(names)
    for name in METADATA_FILES:
        if (root + name) in found:
            metadata.read(name, found[root + name], name, errors)
    build = _build(where + "/" + root, metadata, overrides)
    return Job(where, build, errors, partial(containers.tar_entries, path, root, errors), year=metadata.year())


def _open_cut_zip(path: Path, metadata: BuildMetadata, overrides: Mapping[str, str], errors: list[SourceError]) -> Job:
    """A zip whose central directory is lost: its members are read from their local headers
    (build metadata inside it is not read ahead, so ``zuul-info`` fields are missing)."""
    errors.append(SourceError(path.name, "truncated-archive",
                              "no central directory (cut short?): members read from their local headers"))
    root = containers.common_root([m.name for m in local_members(path, []) if not m.name.endswith("/")])
    build = _build(str(path) + "/" + root, metadata, overrides)
    return Job(str(path), build, errors, partial(containers.zip_local_entries, path, root, errors), year=metadata.year())


def _read_zip_metadata(
    archive: zipfile.ZipFile, root: str, name: str, metadata: BuildMetadata, errors: list[SourceError]
) -> None:
    try:
        data = archive.read(root + name)
    except KeyError:
        return
    except (zipfile.BadZipFile, *READ_ERRORS) as exc:
        errors.append(SourceError(name, "unreadable", f"{type(exc).__name__}: {exc}"))
        return
    metadata.read(name, data, name, errors)


def _probe_tar(path: Path) -> None:
    """An archive with no readable member at all is a user error, not a scan with one error."""
    try:
        with containers.open_tar(path):
            pass
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise JobError(f"{path}: not a readable tar archive: {exc}") from None
