"""The files of a job, wherever they are stored: a directory, a tar or zip archive, one file.

Each container lists :class:`Entry` records in a stable order; an entry opens
its stored bytes (still compressed) on demand.  Tar archives are read as a
stream (mode ``r|*``): an entry can be opened only while it is the current
member, so nothing is extracted to disk and memory does not grow with the
archive.  Problems with one entry are recorded and the listing goes on.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import posixpath
import stat
import tarfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import IO, cast

from fingerlog.records import SourceError
from fingerlog.sources.gzipstream import GzipReader
from fingerlog.sources.streams import UnsupportedData
from fingerlog.sources.ziplocal import LocalMemberStream, local_members

#: metadata files larger than this are not read ahead (they are still scanned as logs).
METADATA_LIMIT = 16 << 20
ARCHIVE_SUFFIXES = (".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz", ".zip")


@dataclass(frozen=True)
class Entry:
    """One stored file of a job."""

    #: path inside the job, with any compression suffix (``logs/screen-n-cpu.txt.gz``).
    name: str
    size: int
    #: modification time (seconds since the epoch), when the container keeps one.
    mtime: float | None
    #: the member's stored bytes.  The archive members are io.RawIOBase wrappers, which typeshed
    #: does not count as IO[bytes]; the readers use only what both have, so they are cast to it.
    open: Callable[[], IO[bytes]]
    #: False for a streamed tar member: it can be opened once, before the next entry.
    reopenable: bool
    in_archive: bool


def is_archive(path: str) -> bool:
    return path.lower().endswith(ARCHIVE_SUFFIXES)


def display_name(name: str) -> str:
    """``name`` as it can be shown and stored: bytes that are not UTF-8 (kept by the OS and tar
    as surrogates) become ``\\xNN``, so a report or a Parquet row never fails on a file name."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return name


def common_root(names: list[str]) -> str:
    """``job/`` when every name lies under one top directory (archives made with ``tar c job/``)."""
    tops = {name.split("/", 1)[0] for name in names}
    if len(tops) == 1 and all("/" in name for name in names):
        return next(iter(tops)) + "/"
    return ""


def directory_entries(root: Path, errors: list[SourceError]) -> Iterator[Entry]:
    """Regular files below ``root`` in sorted order; what is not read is recorded.

    Links are followed only to files inside the job (its real location), so a
    downloaded job cannot make the scan read ``/etc`` or loop; links to
    directories are not followed (their files are read where they lie).
    FIFOs, sockets and devices are refused from ``lstat``/``stat`` alone, never opened.
    """
    real_root = root.resolve()
    for current, dirs, files in os.walk(root, onerror=lambda exc: _walk_error(root, exc, errors)):
        dirs.sort()
        for name in [d for d in dirs if Path(current, d).is_symlink()]:
            dirs.remove(name)
            rel = display_name(Path(current, name).relative_to(root).as_posix())
            errors.append(SourceError(rel, "symlink", "a link to a directory: not followed"))
        for name in sorted(files):
            full = Path(current, name)
            rel = display_name(full.relative_to(root).as_posix())
            try:
                info = full.lstat()  # one call for the common case: not a link
                outside = False
                if stat.S_ISLNK(info.st_mode):
                    info = full.stat()
                    outside = not full.resolve().is_relative_to(real_root)
            except (OSError, RuntimeError) as exc:  # RuntimeError: a symlink loop (Python < 3.13)
                errors.append(SourceError(rel, "unreadable", f"cannot stat: {getattr(exc, 'strerror', None) or exc}"))
                continue
            if outside:
                errors.append(SourceError(rel, "symlink", "a link to outside the job directory: not read"))
                continue
            if not stat.S_ISREG(info.st_mode):
                errors.append(SourceError(rel, "unreadable", "not a regular file (a FIFO, socket or device): not read"))
                continue
            yield Entry(rel, info.st_size, info.st_mtime, partial(_open_file, full), True, False)


def _open_file(path: Path) -> IO[bytes]:
    """A plain file's opener (a named function: the type checker reads ``open``'s mode overloads)."""
    return path.open("rb")


def _walk_error(root: Path, exc: OSError, errors: list[SourceError]) -> None:
    where = display_name(Path(exc.filename).relative_to(root).as_posix()) if exc.filename else str(root)
    errors.append(SourceError(where, "unreadable", f"cannot list directory: {exc.strerror or exc}"))


#: tar's read size: a cut archive loses at most this much before the cut.
TAR_STEP = 64 << 10


@contextmanager
def open_tar(path: Path) -> Iterator[tarfile.TarFile]:
    """A tar archive as a stream; a gzipped one is inflated by ISA-L, not zlib.

    ``path.open`` rather than ``open(path)``: an object in object storage
    (a UPath, see fingerlog.sources.remote) streams the same way.
    """
    if not path.name.lower().endswith((".tar.gz", ".tgz")):
        with path.open("rb") as raw, tarfile.open(fileobj=raw, mode="r|*", bufsize=TAR_STEP) as tar:
            yield tar
        return
    with (
        io.BufferedReader(GzipReader(path.open("rb")), buffer_size=TAR_STEP) as inflated,
        tarfile.open(fileobj=inflated, mode="r|", bufsize=TAR_STEP) as tar,
    ):
        yield tar


def tar_entries(path: Path, root: str, errors: list[SourceError]) -> Iterator[Entry]:
    """Members of a tar archive, streamed; a truncated or corrupt archive ends the listing."""
    try:
        with open_tar(path) as tar:
            for member in _members(tar, path, errors):
                if not member.isfile():
                    _record_other_member(member, root, errors)
                    continue
                name = display_name(_inside(member.name, root))
                opener = _tar_opener(tar, member)
                yield Entry(name, member.size, float(member.mtime), opener, False, True)
    except (tarfile.TarError, OSError, EOFError) as exc:
        errors.append(SourceError(path.name, "truncated-archive", f"{type(exc).__name__}: {exc}"))


def _record_other_member(member: tarfile.TarInfo, root: str, errors: list[SourceError]) -> None:
    """Links and special files stored in a tar are not read; only directories pass unrecorded."""
    if member.isdir():
        return
    name = display_name(_inside(member.name, root))
    if member.issym() or member.islnk():
        errors.append(SourceError(name, "symlink", f"a link inside the archive (to {member.linkname}): not followed"))
    else:
        errors.append(SourceError(name, "unreadable", "not a regular file (a FIFO or device) in the archive: not read"))


def _members(tar: tarfile.TarFile, path: Path, errors: list[SourceError]) -> Iterator[tarfile.TarInfo]:
    while True:
        try:
            member = tar.next()
        except (tarfile.TarError, OSError, EOFError) as exc:
            errors.append(SourceError(path.name, "truncated-archive", f"{type(exc).__name__}: {exc}"))
            return
        if member is None:
            return
        yield member


class _TarMember(io.RawIOBase):
    """A member's bytes read straight from the tar stream, TAR_STEP at a time, so a cut archive
    hands over its bytes up to the last step before the cut (``extractfile`` raises on a short
    read and loses the whole read: a 64 KiB sniff, a 1 MiB block)."""

    def __init__(self, stream: IO[bytes], member: tarfile.TarInfo) -> None:
        super().__init__()
        self._stream = stream
        self._next = member.offset_data
        self._left = member.size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        if self._left <= 0:
            return 0
        self._stream.seek(self._next)  # forward only; in place unless skipped ahead
        # a step at a time: a read the cut falls in raises and loses what it gathered
        data = self._stream.read(min(len(buffer), self._left, TAR_STEP))
        if not data:
            raise tarfile.ReadError(f"the archive ends {self._left} bytes before the end of this member")
        n = len(data)
        buffer[:n] = data
        self._next += n
        self._left -= n
        return n


def _tar_opener(tar: tarfile.TarFile, member: tarfile.TarInfo) -> Callable[[], IO[bytes]]:
    def opener() -> IO[bytes]:
        if member.issparse() or tar.fileobj is None:
            stream = tar.extractfile(member)
            if stream is None:
                raise IsADirectoryError(member.name)
            return stream
        # fileobj: the binary file the tar was opened over (typeshed: a protocol without seek)
        return cast("IO[bytes]", _TarMember(cast("IO[bytes]", tar.fileobj), member))  # a RawIOBase: see Entry.open

    return opener


def tar_survey(path: Path, wanted: tuple[str, ...]) -> tuple[list[str], dict[str, bytes]]:
    """One streamed pass over a tar: its file names, and the contents of the small
    metadata files whose path ends with one of ``wanted`` (found before the files are read)."""
    names: list[str] = []
    found: dict[str, bytes] = {}
    try:
        with open_tar(path) as tar:
            for member in tar:
                if not member.isfile():
                    continue
                name = posixpath.normpath(member.name.lstrip("/"))
                names.append(name)
                wanted_here = member.size <= METADATA_LIMIT and any(name == w or name.endswith("/" + w) for w in wanted)
                if wanted_here and (stream := tar.extractfile(member)):
                    found[name] = stream.read()
    except (tarfile.TarError, OSError, EOFError):
        pass  # the reading pass records what is wrong with the archive
    return names, found


def zip_entries(path: Path, root: str) -> Iterator[Entry]:
    """Members of a zip archive (random access: each can be reopened while the listing runs)."""
    with path.open("rb") as raw, zipfile.ZipFile(raw) as archive:
        for info in sorted(archive.infolist(), key=lambda i: i.filename):
            if info.is_dir():
                continue
            name = display_name(_inside(info.filename, root))
            yield Entry(name, info.file_size, _zip_mtime(info), partial(_zip_member, archive, info), True, True)


def zip_local_entries(path: Path, root: str, errors: list[SourceError]) -> Iterator[Entry]:
    """Members of a zip that lost its central directory, from their local headers (see ziplocal)."""
    for member in local_members(path, errors):
        if not member.name.endswith("/"):
            name = display_name(_inside(member.name, root))
            yield Entry(name, member.size or 0, None, cast("Callable[[], IO[bytes]]", partial(LocalMemberStream, path, member)),
                        True, True)


def _zip_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> IO[bytes]:
    """A zip member's bytes; its CRC is checked after all of them are handed over.

    zipfile checks the CRC inside the read that reaches the end and then
    raises, losing that read's bytes (for a small member: all of them).  Its
    own check is switched off (``_expected_crc``, the attribute zipfile keeps
    for it) and the same check runs here, after the last byte.
    """
    try:
        member = archive.open(info)
    except (NotImplementedError, RuntimeError) as exc:  # a compression method or encryption zipfile lacks
        raise UnsupportedData(f"{info.filename}: {exc} (compression method {info.compress_type})") from None
    member._expected_crc = None  # type: ignore[attr-defined]
    return cast("IO[bytes]", _CheckedZipMember(member, info))  # a RawIOBase: see Entry.open


class _CheckedZipMember(io.RawIOBase):
    """``member`` read through, its CRC-32 computed per block and compared at the end."""

    def __init__(self, member: IO[bytes], info: zipfile.ZipInfo) -> None:
        super().__init__()
        self._member = member
        self._info = info
        self._crc = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self._member.read1(len(buffer))  # type: ignore[attr-defined]
        if not data:
            if self._crc != self._info.CRC:
                raise zipfile.BadZipFile(f"Bad CRC-32 for file {self._info.filename!r}")
            return 0
        self._crc = zlib.crc32(data, self._crc)
        n = len(data)
        buffer[:n] = data
        return n

    def close(self) -> None:
        self._member.close()
        super().close()


def _zip_mtime(info: zipfile.ZipInfo) -> float | None:
    try:
        return dt.datetime(*info.date_time, tzinfo=dt.UTC).timestamp()
    except ValueError:
        return None


def single_entry(path: Path, name: str) -> Entry:
    """One file given on its own; ``name`` is its path inside its job."""
    info = path.stat()
    return Entry(name, info.st_size, info.st_mtime, lambda: open(path, "rb"), True, False)


def _inside(name: str, root: str) -> str:
    name = posixpath.normpath(name.lstrip("/")) if name else name
    return name[len(root):] if root and name.startswith(root) else name
