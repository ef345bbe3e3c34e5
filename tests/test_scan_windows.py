"""Events around candidate offsets equal the events of a full pass, however the file is chunked."""

from __future__ import annotations

import gzip
import io
import random
import re
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from fingerlog.engine.windows import (
    Grouping,
    Window,
    _anchored_at_start,
    _in_place,
    all_windows,
    iter_chunks,
    line_bound_searchable,
    sre_parse,
    windows_at,
)
from fingerlog.sources.formats import FORMATS

#: indented lines continue an event, ``#`` lines are dropped, events hold at most 3 lines.
GROUPING = Grouping(continuation=re.compile(rb" "), drop=re.compile(rb"^#$"), max_lines=3, line_cap=1 << 20)

#: ``#\r`` is dropped by the walk (which judges a line without its ``\r``) but not by a buffer search: runs holding it are walked.
lines = st.lists(st.sampled_from(["start", " cont", "#", "", " x y", "other\r", " \r", "#\r"]), max_size=40)


def _text(parts: list[str], final_newline: bool) -> bytes:
    return ("\n".join(parts) + ("\n" if final_newline else "")).encode()


def _lines_of(data: bytes, window: Window) -> list[bytes]:
    return [line for line in data[window.start : window.end].split(b"\n") if line != b"#"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("a\n b\nc\n", [(1, ["a", " b"]), (3, ["c"])], id="continuation-joins-previous"),
        pytest.param(" a\nb\n", [(1, [" a"]), (2, ["b"])], id="leading-continuation-starts-an-event"),
        pytest.param("a\n#\n b\n", [(1, ["a", " b"])], id="dropped-line-is-invisible"),
        pytest.param("a\n b\n c\n d\n e\n", [(1, ["a", " b", " c"]), (4, [" d", " e"])], id="flushed-at-max-lines"),
        pytest.param("a\n b", [(1, ["a", " b"])], id="no-final-newline"),
    ],
)
def test_full_pass_groups_lines_like_the_multiline_codec(text: str, expected: list[tuple[int, list[str]]]) -> None:
    data = text.encode()
    found = [(w.first_line, [line.decode() for line in _lines_of(data, w)]) for w in all_windows(data, GROUPING, 1)]
    assert found == expected


@settings(max_examples=300, deadline=None)
@given(parts=lines, final_newline=st.booleans(), picks=st.sets(st.integers(0, 400)), search=st.booleans())
def test_windows_around_offsets_are_the_full_pass_events_holding_them(
    parts: list[str], final_newline: bool, picks: set[int], search: bool
) -> None:
    data = _text(parts, final_newline)
    assert _held_events(data, sorted(p for p in picks if p < len(data)), GROUPING, search)


@settings(max_examples=300, deadline=None)
@given(
    parts=st.lists(st.sampled_from(["start", " cont", "#", "", " x y", "other"]), max_size=40),
    final_newline=st.booleans(),
    picks=st.sets(st.integers(0, 400)),
)
@example(parts=["start", " cont", "#", "next"], final_newline=True, picks={1})  # a dropped line ends the run
def test_windows_found_by_buffer_searches_are_the_full_pass_events(
    parts: list[str], final_newline: bool, picks: set[int]
) -> None:
    data = _text(parts, final_newline)
    assert line_bound_searchable(data, GROUPING, line_cap_exceeded=False)
    assert _held_events(data, sorted(p for p in picks if p < len(data)), GROUPING, search=True)


def _held_events(data: bytes, positions: list[int], grouping: Grouping, search: bool) -> bool:
    """Whether the events found around ``positions`` are the full pass's events holding them."""
    events = list(all_windows(data, grouping, 1))
    expected = [w for w in events if any(w.start <= p <= w.end for p in positions)]
    # a position on a dropped line, or on the newline after an event's last line, has no event
    searchable = search and line_bound_searchable(data, grouping, line_cap_exceeded=False)
    found = [w for w, _ in windows_at(data, positions, grouping, 1, searchable=searchable)]
    visible = [w for w in expected if any(_on_visible_line(data, w, p, grouping) for p in positions)]
    return found == visible


def _on_visible_line(data: bytes, window: Window, position: int, grouping: Grouping) -> bool:
    if not window.start <= position <= window.end:
        return False
    start = data.rfind(b"\n", 0, position) + 1
    end = data.find(b"\n", start)
    return grouping.kind(data, start, len(data) if end == -1 else end).value != "dropped"


@settings(max_examples=200, deadline=None)
@given(parts=lines, final_newline=st.booleans(), chunk_size=st.integers(1, 64))
def test_chunks_cut_between_events(parts: list[str], final_newline: bool, chunk_size: int) -> None:
    data = _text(parts, final_newline)
    whole = [(w.first_line, _lines_of(data, w)) for w in all_windows(data, GROUPING, 1)]
    chunked = [
        (w.first_line, _lines_of(chunk.data, w))
        for chunk in iter_chunks(io.BytesIO(data), GROUPING, chunk_size)
        for w in all_windows(chunk.data, GROUPING, chunk.first_line)
    ]
    assert chunked == whole


def _real_lines(corpus: Path) -> bytes:
    view = corpus / "logs/os-loganalyze/job-view/gate-tempest-devstack-vm-neutron-02d68e3"
    parts = [gzip.decompress((view / name).read_bytes()).split(b"\n")[:2000]
             for name in ("console.html.gz", "logs/screen-q-svc.txt.gz", "logs/devstacklog.txt.gz")]
    parts.append((corpus / "logs/os-loganalyze/96cdbbb/os_loganalyze/tests/samples/syslog.txt").read_bytes().split(b"\n")[:2000])
    return b"\n".join(line for part in parts for line in part) + b"\r\n\n<pre>\n"


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_lines_judged_in_place_as_when_sliced(corpus: Path, name: str) -> None:
    fmt = FORMATS[name]
    grouping = Grouping(fmt.continuation, fmt.drop, 500, 1 << 20)
    data = _real_lines(corpus)
    start = 0
    while start < len(data):
        end = data.find(b"\n", start)
        end = len(data) if end == -1 else end
        line = grouping.line(data, start, end)
        expected = (
            "dropped" if fmt.drop is not None and fmt.drop.search(line)
            else "continues" if fmt.continuation.match(line) else "starts"
        )
        assert grouping.kind(data, start, end).value == expected, line
        start = end + 1


@pytest.mark.parametrize("max_lines", [3, 500])
@pytest.mark.parametrize("name", sorted(FORMATS))
def test_events_found_by_buffer_searches_are_the_full_pass_events_in_real_logs(
    corpus: Path, name: str, max_lines: int
) -> None:
    fmt = FORMATS[name]
    grouping = Grouping(fmt.continuation, fmt.drop, max_lines, 1 << 20)
    data = _real_lines(corpus).replace(b"\r", b"")
    assert grouping.starts_finder is not None and line_bound_searchable(data, grouping, line_cap_exceeded=False)
    lines = data.split(b"\n")
    rng = random.Random(f"{name}-{max_lines}")
    for _ in range(40):  # shuffled blocks of real lines: runs of every kind, at every place in a chunk
        blocks = [lines[i : i + rng.randint(1, 60)] for i in (rng.randrange(len(lines)) for _ in range(12))]
        soup = b"\n".join(line for block in blocks for line in block) + rng.choice([b"", b"\n"])
        positions = sorted(rng.sample(range(len(soup)), min(len(soup), 30)))
        assert _held_events(soup, positions, grouping, search=True)


@pytest.mark.parametrize(
    ("pattern", "in_place"),
    [
        pytest.param(rb"^(?![0-9])", True, id="plain-anchored"),
        pytest.param(rb"(?<![0-9.+-])[0-9]+", True, id="class-look-behind-without-newline"),
        pytest.param(rb"(?<=[\s])x", False, id="class-look-behind-that-sees-the-newline"),
        pytest.param(rb"(?<=ab)x", False, id="longer-look-behind"),
        pytest.param(rb"\Ax", False, id="absolute-anchor"),
        pytest.param(rb"(?i)x", False, id="inline-flags"),
    ],
)
def test_which_patterns_run_in_place(pattern: bytes, in_place: bool) -> None:
    assert (_in_place(re.compile(pattern)) is not None) is in_place


#: lines where a drop pattern's text is at the start, in the middle, or after a CR.
DROP_LINES = b"+ xtrace\na + b\n<pre>\nx <pre>\n</pre>\r\nplain\n+ \n\n b + c\n"


@pytest.mark.parametrize(
    ("drop", "anchored"),
    [
        pytest.param(rb"(?:^\+ )", True, id="screen-xtrace-drop"),
        pytest.param(rb"(?:^</?pre>$)|(?:^\+ )", True, id="every-branch-anchored"),
        pytest.param(rb"^(?:a|b)", True, id="anchor-before-a-group"),
        pytest.param(rb"\+ ", False, id="unanchored"),
        pytest.param(rb"(?:^<pre>)|(?:\+ )", False, id="one-branch-unanchored"),
        pytest.param(rb"(?:x)?^\+ ", False, id="optional-prefix-before-the-anchor"),
    ],
)
def test_anchored_drops_are_tried_once_per_line_and_judge_as_a_search(drop: bytes, anchored: bool) -> None:
    pattern = re.compile(drop)
    assert _anchored_at_start(list(sre_parse.parse(pattern.pattern, pattern.flags))) is anchored
    grouping = Grouping(continuation=re.compile(rb" "), drop=pattern, max_lines=3, line_cap=1 << 20)
    start = 0
    while start < len(DROP_LINES):
        end = DROP_LINES.index(b"\n", start)
        line = grouping.line(DROP_LINES, start, end)
        expected = "dropped" if pattern.search(line) else "continues" if line.startswith(b" ") else "starts"
        assert grouping.kind(DROP_LINES, start, end).value == expected, line
        start = end + 1
