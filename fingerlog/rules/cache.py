"""A disk cache of parsed rule files, so loading an unchanged rule pack costs a pickle load.

Parsing ~1,000 fingerprints (YAML plus the Lucene parser) is the largest part
of a scan's start-up; the same rule pack is loaded again by every scan.  An
entry is keyed by every rule file's name and bytes *and* by a fingerprint of
the code that parsed them, so neither an edited rule nor an edited parser can
bring back a stale answer.  The cache only ever saves time: an entry that
cannot be read or written (read-only home, truncated or foreign file) is
ignored and rebuilt, never an error.

Where: ``$FINGERLOG_CACHE_DIR/rules``, else ``$XDG_CACHE_HOME/fingerlog/rules``,
else ``~/.cache/fingerlog/rules``; ``FINGERLOG_NO_CACHE=1`` turns it off.
"""

from __future__ import annotations

import gc
import hashlib
import io
import os
import pickle
import platform
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import fields, is_dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml

import fingerlog
from fingerlog.cachedir import cache_root, put_entry

#: bump when the layout of a cache entry changes.
CACHE_FORMAT = 2
#: at most this many entries (one per distinct list of rule locations) are kept; the least recently used go.
MAX_ENTRIES = 32
#: the packages whose code decides what a rule file parses to (``errors.py``: the exception messages;
#: ``backends``: the loader checks /regexp/s with them), and, for the refusal cache
#: (:mod:`fingerlog.engine.refusals`), which queries a mapping makes Elasticsearch refuse (``mapping``).
_CODE_PARTS = ("query", "rules", "errors.py", "backends", "mapping")
_SUFFIX = ".pickle"

T = TypeVar("T")


def cache_dir() -> Path | None:
    """Where rule cache entries live, or None when ``FINGERLOG_NO_CACHE`` is set."""
    root = cache_root()
    return None if root is None else root / "rules"


def code_fingerprint(package: Path) -> str:
    """A digest of the parsing code's source under ``package`` and of what it runs on (Python, PyYAML)."""
    digest = hashlib.sha256()
    digest.update(f"{CACHE_FORMAT}\0{platform.python_version()}\0{yaml.__version__}\0".encode())
    digest.update(f"{getattr(yaml, '__with_libyaml__', False)}\0".encode())
    sources: list[Path] = []
    for part in _CODE_PARTS:
        where = package / part
        sources.extend(sorted(where.rglob("*.py")) if where.is_dir() else [where])
    for source in sources:
        digest.update(f"{source.relative_to(package)}\0".encode())
        digest.update(source.read_bytes())
    return digest.hexdigest()


def _running_code_fingerprint() -> str | None:
    try:
        return code_fingerprint(Path(fingerlog.__file__).parent)
    except OSError:  # the sources are not readable (a frozen install): there is no safe key
        return None


#: the fingerprint of the code this process loaded, taken at import (close to when the parser was
#: imported), so an edit made while a process runs does not label that process's results as new.
CODE_FINGERPRINT: str | None = _running_code_fingerprint()


@contextmanager
def _collector_paused() -> Iterator[None]:
    """No garbage collection meanwhile: a load makes ~30,000 objects that all stay, so collections
    triggered in the middle of it find nothing and cost ~20 % of the load."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


#: types pickled as usual, looked up first: most objects of an entry are of these.
_PLAIN = frozenset({str, int, float, bool, type(None), tuple, list, dict, bytes})
#: per class: its field names when it is a frozen dataclass with slots (query nodes), else None.
_FROZEN_SLOTS: dict[type, tuple[str, ...] | None] = {}


def _frozen_slot_fields(cls: type) -> tuple[str, ...] | None:
    names = _FROZEN_SLOTS.get(cls, ())
    if names == ():
        frozen_slots = is_dataclass(cls) and "__slots__" in cls.__dict__ and cls.__dataclass_params__.frozen  # type: ignore[attr-defined]
        names = _FROZEN_SLOTS[cls] = tuple(f.name for f in fields(cls)) if frozen_slots else None
    return names


def _rebuild(cls: type, values: tuple[object, ...]) -> object:
    """A frozen slotted dataclass from its field values, as its own ``__setstate__`` would make it
    but without looking its fields up again for each of the ~10,000 nodes of a pack."""
    names = _FROZEN_SLOTS.get(cls) or _frozen_slot_fields(cls)
    if names is None or len(names) != len(values):  # the class changed since the entry was written
        raise pickle.UnpicklingError(f"{cls.__name__}: not the fields stored")
    new: object = object.__new__(cls)
    for name, value in zip(names, values):
        object.__setattr__(new, name, value)
    return new


class _Pickler(pickle.Pickler):
    """Stores the caller's ``known`` objects (the rule files' paths) as their positions in that list,
    and frozen slotted dataclasses (query nodes) as their class and field values (see :func:`_rebuild`)."""

    def __init__(self, stream: io.BytesIO, known: Sequence[object]) -> None:
        super().__init__(stream, protocol=pickle.HIGHEST_PROTOCOL)
        self._known = {id(item): index for index, item in enumerate(known)}

    def persistent_id(self, obj: object) -> int | None:
        return self._known.get(id(obj))

    def reducer_override(self, obj: object) -> Any:
        cls = type(obj)
        names = _frozen_slot_fields(cls) if cls not in _PLAIN else None
        if names is None:
            return NotImplemented
        return _rebuild, (cls, tuple(getattr(obj, name) for name in names))



class _Unpickler(pickle.Unpickler):
    """Hands back the caller's own objects for the positions :class:`_Pickler` stored."""

    def __init__(self, stream: io.BufferedReader, known: Sequence[object]) -> None:
        super().__init__(stream)
        self._known = known

    def persistent_load(self, pid: object) -> object:
        if not isinstance(pid, int) or not 0 <= pid < len(self._known):
            raise pickle.UnpicklingError(f"unknown reference {pid!r}")
        return self._known[pid]


class RuleCache:
    """Entries in one directory: one per list of rule locations (its *slot*), checked against a content key."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    @staticmethod
    def slot(locations: Iterable[str | Path]) -> str:
        """The entry name for rules loaded from ``locations`` (as given, and where they are now)."""
        names = [f"{location}\0{os.path.abspath(location)}" for location in locations]
        return hashlib.sha256("\0\0".join(names).encode()).hexdigest()[:32]

    @staticmethod
    def key(files: Iterable[tuple[str, bytes]], fingerprint: str) -> str:
        """The content key: the code fingerprint, then every file's name (as loaded) and bytes, in order."""
        digest = hashlib.sha256(fingerprint.encode())
        for name, raw in files:
            digest.update(f"\0{name}\0{len(raw)}\0".encode())
            digest.update(raw)
        return digest.hexdigest()

    def get(self, slot: str, key: str, known: Sequence[object] = ()) -> Any | None:
        """The value stored under ``slot`` for exactly ``key``, or None (missing, stale or unreadable).

        ``known``: the objects given to :meth:`put` to be stored by reference (equal ones, same order:
        the key must cover them).
        """
        path = self.directory / f"{slot}{_SUFFIX}"
        try:
            with path.open("rb") as stream, _collector_paused():
                stored_format, stored_key, value = _Unpickler(stream, known).load()
        except FileNotFoundError:
            return None
        # an entry may be truncated, from another version or not a pickle at all: any failure is a miss
        except Exception:  # noqa: BLE001
            return None
        if stored_format != CACHE_FORMAT or stored_key != key:
            return None
        with suppress(OSError):
            os.utime(path)  # recently used: pruned last
        return value

    def put(self, slot: str, key: str, value: Any, known: Sequence[object] = ()) -> None:
        """Store ``value`` under ``slot`` atomically (write a temporary file, rename); failures are ignored.

        The ``known`` objects inside ``value`` are stored as their positions in ``known`` (see :meth:`get`).
        """
        try:
            stream = io.BytesIO()
            _Pickler(stream, known).dump((CACHE_FORMAT, key, value))
            data = stream.getvalue()
            put_entry(self.directory / f"{slot}{_SUFFIX}", data, keep=MAX_ENTRIES)
        # a cache that cannot be written only costs the next load its parse, never this one its answer
        except Exception:  # noqa: BLE001, S110
            pass


def cached(locations: Sequence[str | Path], files: Sequence[tuple[str, bytes]], compute: Callable[[], T],
           known: Sequence[object] = ()) -> T:
    """``compute()``, or what it returned before for these locations, file names and bytes and this code.

    ``known``: objects the caller holds again on every load (the files' paths, in ``files`` order), which
    the value refers to: kept out of the entry and handed back as they are (no copy to rebuild).
    """
    directory = cache_dir()
    if directory is None or CODE_FINGERPRINT is None:
        return compute()
    store = RuleCache(directory)
    slot, key = store.slot(locations), store.key(files, CODE_FINGERPRINT)
    found = store.get(slot, key, known)
    if found is not None:
        return found
    value = compute()
    store.put(slot, key, value, known)
    return value
