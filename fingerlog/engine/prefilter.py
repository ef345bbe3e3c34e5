"""One multi-literal pass over a whole buffer: where each required literal occurs.

The scanner is the only code that touches every byte, so it runs in C:
Hyperscan when it is installed (SIMD literal matching; measured fastest on
this workload, see docs/scan.md), else pyahocorasick.  Both report *every*
occurrence of every literal, overlapping ones included: a regular-expression
alternation would hide ``error`` inside an earlier ``errors`` match and lose
a candidate.  Matching is ASCII case-insensitive, like the lower-cased tokens
the literals come from.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
from collections.abc import Callable, Sequence
from typing import Any, Protocol

try:  # Hyperscan has wheels for x86-64 and arm64 only.
    import hyperscan
except ImportError:  # pragma: no cover - exercised where hyperscan is missing
    hyperscan = None  # type: ignore[assignment]  # the optional-module idiom: every use checks for None first

import ahocorasick

from fingerlog.cachedir import cache_root, put_entry

#: (index of the literal in the scanner's list, offset just past the occurrence).
Occurrence = tuple[int, int]


class LiteralScanner(Protocol):
    """Finds every occurrence of a fixed list of literals in a buffer."""

    literals: tuple[str, ...]

    def scan(self, buffer: bytes) -> list[Occurrence]:
        """Every (literal index, end offset) in ``buffer``, in no promised order."""
        ...


class HyperscanScanner:
    """Literals compiled into one Hyperscan block-mode database (kept on disk: see :func:`_database`)."""

    def __init__(self, literals: Sequence[str]) -> None:
        if hyperscan is None:
            raise RuntimeError("hyperscan is not installed")
        self.literals = tuple(literals)
        self._database = _database(self.literals)

    def scan(self, buffer: bytes) -> list[Occurrence]:
        found: list[Occurrence] = []
        append = found.append

        def on_match(literal: int, start: int, end: int, flags: int, context: object) -> None:
            append((literal, end))

        self._database.scan(buffer, match_event_handler=on_match)
        return found


#: bumped when what a cached database holds changes meaning.
_DATABASE_FORMAT = "1"
#: cached databases kept (~10-150 KB each); the least recently written go first.
_MAX_DATABASES = 64


def _database(literals: tuple[str, ...]) -> Any:
    """The compiled database of ``literals``, loaded from the cache when it was compiled before.

    Compiling costs 10-70 ms per literal set, loading ~0.1 ms: a scan of a
    small job would otherwise spend more time compiling than reading.
    """
    # the stub omits the package's __version__ (set by hyperscan/_version.py)
    identity = "\0".join((_DATABASE_FORMAT, hyperscan.__version__, *literals)).encode()  # type: ignore[attr-defined]
    root = cache_root()
    path = None if root is None else root / "hyperscan" / f"{hashlib.sha256(identity).hexdigest()}.db"
    if path is not None:
        try:
            database = hyperscan.loadb(path.read_bytes(), hyperscan.HS_MODE_BLOCK)
            database.scratch = hyperscan.Scratch(database)
            # fails for a database built for another CPU (a shared home directory); the stub wrongly
            # makes the match handler required (the extension's scan takes it as an optional keyword)
            database.scan(b"")  # type: ignore[call-arg]
            return database
        except Exception:  # noqa: BLE001, S110 - absent, damaged or foreign: compile it anew
            pass
    database = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
    database.compile(
        expressions=[re.escape(literal).encode("ascii") for literal in literals],
        ids=list(range(len(literals))),
        elements=len(literals),
        flags=[hyperscan.HS_FLAG_CASELESS] * len(literals),
    )
    if path is not None:
        with contextlib.suppress(OSError):  # an unwritable cache costs a later compile, not this scan
            put_entry(path, hyperscan.dumpb(database), keep=_MAX_DATABASES)
    return database


class AhoCorasickScanner:
    """Literals in a pyahocorasick automaton, run over the ASCII-lower-cased buffer."""

    def __init__(self, literals: Sequence[str]) -> None:
        self.literals = tuple(literals)
        self._automaton = ahocorasick.Automaton()
        for index, literal in enumerate(self.literals):
            self._automaton.add_word(literal, index)
        self._automaton.make_automaton()

    def scan(self, buffer: bytes) -> list[Occurrence]:
        # latin-1 maps bytes to code points one to one, so offsets stay byte offsets;
        # bytes.lower() folds ASCII only, exactly as the literals are folded.
        text = buffer.lower().decode("latin-1")
        return [(index, end + 1) for end, index in self._automaton.iter(text)]


class _EmptyScanner:
    """No literals: nothing to find (a file where every active rule is on the slow path)."""

    literals: tuple[str, ...] = ()

    def scan(self, buffer: bytes) -> list[Occurrence]:
        return []


SCANNERS: dict[str, Callable[[Sequence[str]], LiteralScanner]] = {"aho-corasick": AhoCorasickScanner}
if hyperscan is not None:
    SCANNERS["hyperscan"] = HyperscanScanner

#: The scanner used unless one is named: the fastest available.
DEFAULT_SCANNER = "hyperscan" if hyperscan is not None else "aho-corasick"


def make_scanner(literals: Sequence[str], backend: str | None = None) -> LiteralScanner:
    """A scanner for ``literals`` (lower-case ASCII) with the named or default backend."""
    if not literals:
        return _EmptyScanner()
    return SCANNERS[backend or DEFAULT_SCANNER](literals)
