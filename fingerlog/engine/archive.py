"""What a batch scans: the builds of an archive, and the build fields a manifest adds.

An ARCHIVE argument is one of:

* a job directory (it holds ``zuul-info/``, ``job-output.txt``, ``console.html``
  or ``logs/``, or only plain files: no subdirectory, no job archive): one build;
* a directory of jobs (anything else): every job directory below it, and every
  archive (``.tar*``, ``.tgz``, ``.zip``) or events file (``.jsonl``, ``.json``)
  in it, each one build; other loose files are not builds;
* a ``.tar*``/``.tgz``/``.zip`` archive or ``.jsonl``/``.json`` events file: one build;
* any other file: a list file, one build location per line (relative to the
  list file; blank lines and ``#`` comments ignored).

A manifest (CSV with a header, or JSON lines) gives each build's ``path``
(relative to the manifest) and build fields the logs do not record, such as
``build_status``.  A directory holding ``manifest.jsonl`` (as ``fingerlog
fetch-builds`` writes) uses it without being told.

An ARCHIVE may be an ``s3://bucket/prefix``: one listing of its objects is
read by the rules of a directory above (a job is a prefix of log objects),
and its ``manifest.jsonl`` object, when present, gives the build fields.
"""

from __future__ import annotations

import csv
import json
import posixpath
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fingerlog.errors import FingerlogError
from fingerlog.sources.remote import is_object_url

ARCHIVE_SUFFIXES = (".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz", ".zip")
EVENTS_SUFFIXES = (".jsonl", ".json")
#: entries whose presence makes a directory a job rather than a directory of jobs.
JOB_MARKERS = ("zuul-info", "job-output.txt", "job-output.txt.gz", "job-output.json", "console.html",
               "console.html.gz", "logs")  # fmt: skip
#: the manifest a directory of jobs may carry (``fingerlog fetch-builds`` writes it).
MANIFEST_NAME = "manifest.jsonl"
_PATH_COLUMNS = ("path", "location")


class ArchiveError(FingerlogError):
    """An ARCHIVE, list file or manifest that cannot be read as such."""


@dataclass(frozen=True, slots=True)
class BuildTask:
    """One build for a batch to scan: where it is and the build fields given for it."""

    location: str
    overrides: Mapping[str, str] = field(default_factory=dict)


def _is_single_build(path: Path) -> bool:
    name = path.name.lower()
    return name.endswith(ARCHIVE_SUFFIXES) or (name.endswith(EVENTS_SUFFIXES) and name != MANIFEST_NAME)


def _is_job_dir(path: Path) -> bool:
    """A job holds a marker, or only plain files (no subdirectory, no job archive)."""
    if any((path / marker).exists() for marker in JOB_MARKERS):
        return True
    return not any(child.is_dir() or _is_single_build(child) for child in path.iterdir())


def _walk(directory: Path) -> Iterator[Path]:
    """Job locations below ``directory``; links to directories are not followed (a link to
    ``..`` would loop, one to elsewhere would scan what is not in the archive)."""
    if _is_job_dir(directory):
        yield directory
        return
    for child in sorted(directory.iterdir()):
        if child.is_dir() and not child.is_symlink():
            yield from _walk(child)
        elif _is_single_build(child):
            yield child


def _list_file(path: Path) -> Iterator[Path]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ArchiveError(f"{path}: cannot read list file: {exc}") from None
    for line in lines:
        entry = line.strip()
        if entry and not entry.startswith("#"):
            yield (path.parent / entry).resolve()


def _remote_builds(url: str) -> Iterator[str]:
    """The builds under an object-storage prefix, by the rules of a local directory, from one listing."""
    import fsspec

    fs, root = fsspec.core.url_to_fs(url)
    root = root.rstrip("/")
    scheme = url.split("://", 1)[0]
    keys = [posixpath.relpath(key, root) for key in fs.find(root)]
    if not keys:
        raise ArchiveError(f"{url}: no object under this prefix")
    if keys == ["."]:
        if not _is_single_build(Path(root)):
            raise ArchiveError(f"{url}: a remote ARCHIVE is a prefix of jobs, a job, or one job archive or events file")
        yield url
        return
    subdirs: dict[str, set[str]] = defaultdict(set)
    files: dict[str, set[str]] = defaultdict(set)
    for key in keys:
        parts = key.split("/")
        for depth in range(len(parts) - 1):
            subdirs["/".join(parts[:depth])].add(parts[depth])
        files["/".join(parts[:-1])].add(parts[-1])

    def walk(directory: str) -> Iterator[str]:
        names = subdirs[directory] | files[directory]
        plain = not subdirs[directory] and not any(_is_single_build(Path(name)) for name in files[directory])
        if plain or any(marker in names for marker in JOB_MARKERS):  # as _is_job_dir
            yield directory
            return
        for name in sorted(names):
            child = f"{directory}/{name}" if directory else name
            if name in subdirs[directory]:
                yield from walk(child)
            elif _is_single_build(Path(name)):
                yield child

    for relative in walk(""):
        yield f"{scheme}://{root}/{relative}" if relative else f"{scheme}://{root}"


def list_builds(archive: Path | str) -> Iterator[Path | str]:
    """The build locations an ARCHIVE argument stands for, in a stable order (URLs for object storage)."""
    if isinstance(archive, str) and is_object_url(archive):
        yield from _remote_builds(archive)
        return
    archive = Path(archive)
    if archive.is_dir():
        yield from _walk(archive.resolve())
    elif archive.is_file():
        yield from ([archive.resolve()] if _is_single_build(archive) else _list_file(archive))
    else:
        raise ArchiveError(f"{archive}: no such file or directory")


def _field_value(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else json.dumps(value)


def _manifest_row(row: Mapping[str, Any], where: str, locate: Callable[[str], str]) -> tuple[str, dict[str, str]]:
    column = next((c for c in _PATH_COLUMNS if row.get(c)), None)
    if column is None:
        raise ArchiveError(f"{where}: a manifest row needs a 'path' (the job's location)")
    fields = {str(k): v for k, v in ((k, _field_value(v)) for k, v in row.items() if k not in _PATH_COLUMNS) if v is not None}
    return locate(str(row[column])), fields


def read_manifest(path: Path) -> dict[str, dict[str, str]]:
    """Absolute build location -> build fields, from a CSV or JSON-lines manifest."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ArchiveError(f"{path}: cannot read manifest: {exc}") from None
    return parse_manifest(text, str(path), lambda relative: str((path.parent / relative).resolve()))


def _remote_manifest(url: str) -> dict[str, dict[str, str]]:
    """The build fields of ``URL/manifest.jsonl`` (as fetch-builds writes it), when a remote archive has one."""
    import fsspec

    fs, root = fsspec.core.url_to_fs(url)
    base = url.rstrip("/")
    try:
        data = fs.cat_file(f"{root.rstrip('/')}/{MANIFEST_NAME}")
    except FileNotFoundError:
        return {}
    text = data.decode("utf-8", "replace")
    return parse_manifest(text, f"{base}/{MANIFEST_NAME}", lambda relative: f"{base}/{posixpath.normpath(relative)}")


def parse_manifest(text: str, path: str, locate: Callable[[str], str]) -> dict[str, dict[str, str]]:
    """Build location (``locate`` of each row's relative path) -> build fields, from a manifest's text."""
    entries: dict[str, dict[str, str]] = {}
    if text.lstrip().startswith("{"):
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError as exc:
                raise ArchiveError(f"{path}:{number}:{getattr(exc, 'colno', 1)}: not a JSON object: {exc}") from None
            if not isinstance(row, dict):
                raise ArchiveError(f"{path}:{number}:1: expected a JSON object per line")
            location, fields = _manifest_row(row, f"{path}:{number}:1", locate)
            entries[location] = fields
    else:
        reader = csv.DictReader(text.splitlines())
        for number, row in enumerate(reader, 2):
            location, fields = _manifest_row(row, f"{path}:{number}:1", locate)
            entries[location] = fields
    return entries


def plan_builds(archives: Iterable[Path | str], manifest: Path | None = None) -> list[BuildTask]:
    """The builds to scan, each with its manifest fields; duplicates removed, order kept.

    With no ARCHIVE, the manifest's own rows are the builds.  A ``manifest`` none of whose
    rows names a build of the archives is an error (its paths are wrong: nothing would get its fields).
    """
    archives = list(archives)
    fields: dict[str, dict[str, str]] = {}
    remote = [a for a in archives if isinstance(a, str) and is_object_url(a)]
    local = [Path(a) for a in archives if a not in remote]
    manifests = [manifest] if manifest else [a / MANIFEST_NAME for a in local if (a / MANIFEST_NAME).is_file()]
    for found in manifests:
        fields.update(read_manifest(found))
    for url in [] if manifest else remote:
        fields.update(_remote_manifest(url))
    if not archives:
        locations: Iterable[str] = list(fields)
    else:
        locations = (str(p) for a in archives for p in list_builds(a))
    seen: set[str] = set()
    tasks = []
    for location in locations:
        if location not in seen:
            seen.add(location)
            tasks.append(BuildTask(location, fields.get(location, {})))
    if manifest and archives and fields and fields.keys().isdisjoint(seen):
        first = next(iter(fields))
        raise ArchiveError(
            f"{manifest}: none of its {len(fields)} rows names a build of the ARCHIVE (a row's path is relative "
            f"to the manifest's directory; the first row stands for {first})"
        )
    return tasks
