"""Every scanner backend reports every occurrence of every literal, overlapping ones included."""

from __future__ import annotations

import re

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
