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
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Callable, Iterator

from fingerlog.records import SourceError
from fingerlog.sources.gzipstream import GzipReader

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
    open: Callable[[], BinaryIO]
    #: False for a streamed tar member: it can be opened once, before the next entry.
    reopenable: bool
    in_archive: bool


def is_archive(path: str) -> bool:
    return path.lower().endswith(ARCHIVE_SUFFIXES)


def common_root(names: list[str]) -> str:
    """``job/`` when every name lies under one top directory (archives made with ``tar c job/``)."""
    tops = {name.split("/", 1)[0] for name in names}
    if len(tops) == 1 and all("/" in name for name in names):
        return next(iter(tops)) + "/"
    return ""


def directory_entries(root: Path, errors: list[SourceError]) -> Iterator[Entry]:
    """Regular files below ``root`` in sorted order; dangling links and specials are recorded."""
    for current, dirs, files in os.walk(root, onerror=lambda exc: _walk_error(root, exc, errors)):
        dirs.sort()
        for name in sorted(files):
            full = Path(current, name)
            rel = full.relative_to(root).as_posix()
            try:
                info = full.stat()
            except OSError as exc:
                errors.append(SourceError(rel, "unreadable", f"cannot stat: {exc.strerror or exc}"))
                continue
            if not stat.S_ISREG(info.st_mode):
                errors.append(SourceError(rel, "unreadable", "not a regular file"))
                continue
            yield Entry(rel, info.st_size, info.st_mtime, lambda p=full: open(p, "rb"), True, False)


def _walk_error(root: Path, exc: OSError, errors: list[SourceError]) -> None:
    where = Path(exc.filename).relative_to(root).as_posix() if exc.filename else str(root)
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
    with io.BufferedReader(GzipReader(path.open("rb")), buffer_size=TAR_STEP) as inflated:
        with tarfile.open(fileobj=inflated, mode="r|", bufsize=TAR_STEP) as tar:
            yield tar


def tar_entries(path: Path, root: str, errors: list[SourceError]) -> Iterator[Entry]:
    """Members of a tar archive, streamed; a truncated or corrupt archive ends the listing."""
    try:
        with open_tar(path) as tar:
            for member in _members(tar, path, errors):
                if not member.isfile():
                    continue
                name = _inside(member.name, root)
                opener = _tar_opener(tar, member)
                yield Entry(name, member.size, float(member.mtime), opener, False, True)
    except (tarfile.TarError, OSError, EOFError) as exc:
        errors.append(SourceError(path.name, "truncated-archive", f"{type(exc).__name__}: {exc}"))


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


def _tar_opener(tar: tarfile.TarFile, member: tarfile.TarInfo) -> Callable[[], BinaryIO]:
    def opener() -> BinaryIO:
        stream = tar.extractfile(member)
        if stream is None:
            raise IsADirectoryError(member.name)
        return stream

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
                if member.size <= METADATA_LIMIT and any(name == w or name.endswith("/" + w) for w in wanted):
                    if stream := tar.extractfile(member):
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
            name = _inside(info.filename, root)
            yield Entry(name, info.file_size, _zip_mtime(info), lambda i=info: archive.open(i), True, True)


def _zip_mtime(info: zipfile.ZipInfo) -> float | None:
    try:
        return dt.datetime(*info.date_time, tzinfo=dt.timezone.utc).timestamp()
    except ValueError:
        return None


def single_entry(path: Path, name: str) -> Entry:
    """One file given on its own; ``name`` is its path inside its job."""
    info = path.stat()
    return Entry(name, info.st_size, info.st_mtime, lambda: open(path, "rb"), True, False)


def _inside(name: str, root: str) -> str:
    name = posixpath.normpath(name.lstrip("/")) if name else name
    return name[len(root):] if root and name.startswith(root) else name
