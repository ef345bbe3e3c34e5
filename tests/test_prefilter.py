"""Every scanner backend reports every occurrence of every literal, overlapping ones included."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fingerlog.engine.prefilter import SCANNERS, make_scanner


def _naive(literals: list[str], buffer: bytes) -> list[tuple[int, int]]:
    """Occurrences found one literal at a time with an overlapping lookahead search."""
    lowered = buffer.lower()
    return sorted(
        (index, match.start() + len(literal))
        for index, literal in enumerate(literals)
        for match in re.finditer(b"(?=" + re.escape(literal.encode()) + b")", lowered)
    )


@pytest.mark.parametrize("backend", sorted(SCANNERS))
@pytest.mark.parametrize(
    ("literals", "buffer", "expected"),
    [
        pytest.param(["error", "errors"], b"ERRORS", [(0, 5), (1, 6)], id="literal-inside-another"),
        pytest.param(["aa"], b"aaaa", [(0, 2), (0, 3), (0, 4)], id="overlapping-occurrences"),
        pytest.param(["no", "valid"], b"No-Valid\nno", [(0, 2), (0, 11), (1, 8)], id="case-insensitive-across-lines"),
        pytest.param(["a.b", "(x)"], b"a.b axb (x)", [(0, 3), (1, 11)], id="metacharacters-are-literal"),
        pytest.param(["caf"], "CAFÉ".encode(), [(0, 3)], id="ascii-run-before-multibyte"),
    ],
)
def test_occurrences(backend: str, literals: list[str], buffer: bytes, expected: list[tuple[int, int]]) -> None:
    assert sorted(make_scanner(literals, backend).scan(buffer)) == expected


@pytest.mark.parametrize("backend", sorted(SCANNERS))
@settings(max_examples=150, deadline=None)
@given(
    literals=st.lists(st.text("abAB.-\n", min_size=1, max_size=4).map(str.lower).filter(lambda s: "\n" not in s),
                      min_size=1, max_size=6, unique=True),
    buffer=st.binary(max_size=200).map(lambda b: b + b"aBab.-a"),
)
def test_backends_agree_with_a_naive_search(backend: str, literals: list[str], buffer: bytes) -> None:
    assert sorted(make_scanner(literals, backend).scan(buffer)) == _naive(literals, buffer)


def test_no_literals_finds_nothing() -> None:
    assert make_scanner([]).scan(b"anything") == []


@pytest.mark.skipif("hyperscan" not in SCANNERS, reason="hyperscan has wheels for x86-64 and arm64 only")
class TestCompiledDatabaseCache:
    """A literal set compiled once is loaded from the cache next time; a damaged entry is compiled anew."""

    LITERALS = ("deadlock", "no valid host", "timed out")
    BUFFER = b"DEADLOCK found; No valid host was found; request Timed Out"

    def _entries(self, root: Path) -> list[Path]:
        return sorted((root / "hyperscan").glob("*.db"))

    def _occurrences(self) -> list[tuple[int, int]]:
        return sorted(make_scanner(self.LITERALS, "hyperscan").scan(self.BUFFER))

    def test_a_compiled_set_is_kept_and_loaded(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("FINGERLOG_CACHE_DIR", str(tmp_path))
        first = self._occurrences()
        (entry,) = self._entries(tmp_path)
        written = entry.stat().st_mtime_ns
        assert self._occurrences() == first == [(0, 8), (1, 29), (2, 58)]
        assert entry.stat().st_mtime_ns == written  # loaded, not compiled and written again

    @pytest.mark.parametrize("damage", [b"", b"not a database", b"\x00" * 4096])
    def test_a_damaged_entry_is_compiled_anew(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage: bytes) -> None:
        monkeypatch.setenv("FINGERLOG_CACHE_DIR", str(tmp_path))
        expected = self._occurrences()
        (entry,) = self._entries(tmp_path)
        entry.write_bytes(damage)
        assert self._occurrences() == expected
        assert entry.read_bytes() != damage

    def test_no_cache_writes_nothing(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("FINGERLOG_CACHE_DIR", str(tmp_path))
        monkeypatch.setenv("FINGERLOG_NO_CACHE", "1")
        assert self._occurrences() == [(0, 8), (1, 29), (2, 58)]
        assert self._entries(tmp_path) == []
