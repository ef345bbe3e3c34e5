"""Where each character of a YAML scalar's value sits in the file.

A query error must point at the rule file's line and column, but YAML changes
offsets: ``>`` folds line breaks into spaces, every style strips indentation,
quoted styles have escapes.  :func:`scalar_offsets` re-reads the scalar's
source the way YAML builds its value and records, for each value character,
the file offset it came from (a folded space maps to the line break it
replaced).  The result is checked against the value PyYAML produced; if the
two ever disagree (a construct this module does not model) every character
maps to the scalar's start rather than to a wrong place.
"""

from __future__ import annotations

import yaml

_BREAKS = "\r\n\x85\u2028\u2029"
_ESCAPES = {
    "0": "\0", "a": "\x07", "b": "\x08", "t": "\t", "\t": "\t", "n": "\n", "v": "\x0b", "f": "\x0c",
    "r": "\r", "e": "\x1b", " ": " ", '"': '"', "/": "/", "\\": "\\", "N": "\x85", "_": "\xa0",
    "L": "\u2028", "P": "\u2029",
}
_HEX_ESCAPES = {"x": 2, "u": 4, "U": 8}

Pairs = list[tuple[str, int]]


def scalar_offsets(source: str, node: yaml.ScalarNode, *, parent_indent: int = 0) -> list[int]:
    """Offsets into ``source`` of each character of ``node.value``, plus one past the end.

    ``parent_indent`` is the column of the mapping the scalar is a value of
    (0 at the top level); a block scalar's explicit indentation counts from it.
    """
    start, end = node.start_mark.index, node.end_mark.index
    style = node.style
    if style in ("|", ">"):
        pairs = _block(source, start, end, folded=style == ">", parent_indent=parent_indent)
    elif style == '"':
        pairs = _flow(source, start + 1, end - 1, double=True)
    elif style == "'":
        pairs = _flow(source, start + 1, end - 1, double=False)
    else:
        pairs = _flow(source, start, end, double=False, plain=True)
    if "".join(ch for ch, _ in pairs) != node.value:
        return [start] * (len(node.value) + 1)
    return [offset for _, offset in pairs] + [end]


def _break_char(source: str, i: int) -> str:
    """What a line break becomes in a value: CR, LF, CRLF and NEL are "\n"; the Unicode
    line and paragraph separators stay themselves (and are never folded)."""
    return source[i] if source[i] in "\u2028\u2029" else "\n"


def _break_len(source: str, i: int) -> int:
    if source.startswith("\r\n", i):
        return 2
    return 1 if i < len(source) and source[i] in _BREAKS else 0


def _flow(source: str, i: int, end: int, *, double: bool, plain: bool = False) -> Pairs:
    """Plain and quoted scalars: line folding (one break is a space, n breaks are
    n-1 newlines, whitespace around breaks dropped), quotes' escapes."""
    out: Pairs = []
    pending_ws: Pairs = []
    while i < end:
        ch = source[i]
        if ch in " \t":
            pending_ws.append((ch, i))
            i += 1
            continue
        if _break_len(source, i):
            first_break = i
            breaks: list[int] = []
            while i < end:
                if (n := _break_len(source, i)):
                    breaks.append(i)
                    i += n
                elif source[i] in " \t":
                    i += 1
                else:
                    break
            pending_ws = []
            if _break_char(source, first_break) != "\n":
                out.append((source[first_break], first_break))
            elif len(breaks) == 1:
                out.append((" ", first_break))
            out.extend((_break_char(source, b), b) for b in breaks[1:])
            continue
        out.extend(pending_ws)
        pending_ws = []
        if not plain and not double and source.startswith("''", i):
            out.append(("'", i))
            i += 2
        elif double and ch == "\\" and i + 1 < end:
            i = _escape(source, i, end, out)
        else:
            out.append((ch, i))
            i += 1
    if not plain:
        out.extend(pending_ws)
    return out


def _escape(source: str, i: int, end: int, out: Pairs) -> int:
    nxt = source[i + 1]
    if n := _break_len(source, i + 1):
        # an escaped line break joins the lines with nothing in between
        i += 1 + n
        while i < end and source[i] in " \t":
            i += 1
        return i
    if nxt in _HEX_ESCAPES:
        width = _HEX_ESCAPES[nxt]
        out.append((chr(int(source[i + 2 : i + 2 + width], 16)), i))
        return i + 2 + width
    out.append((_ESCAPES.get(nxt, nxt), i))
    return i + 2


def _block(source: str, i: int, end: int, *, folded: bool, parent_indent: int) -> Pairs:
    """``|`` and ``>`` scalars: the header, then lines at the block's indentation."""
    header_end = i
    while header_end < len(source) and not _break_len(source, header_end):
        header_end += 1
    header = source[i + 1 : header_end].split("#", 1)[0].strip()
    chomp = "-" if "-" in header else "+" if "+" in header else ""
    lines = _lines(source, header_end + _break_len(source, header_end), end)
    content = [(s, e, b) for s, e, b in lines if source[s:e].strip(" ")]
    if not content:  # only empty lines: kept by "+", else nothing
        return [(_break_char(source, b), b) for _, _, b in lines if b < len(source)] if chomp == "+" else []
    digits = [ch for ch in header if ch.isdigit()]
    if digits:
        indent = parent_indent + int(digits[0])
    else:
        first = source[content[0][0] : content[0][1]]
        indent = len(first) - len(first.lstrip(" "))
    out: Pairs = []
    pending_breaks: list[int] = []
    prev_break: int | None = None
    prev_normal = False
    for s, e, brk in lines:
        text = source[s:e]
        if len(text) <= indent and not text.strip(" "):
            pending_breaks.append(brk)
            continue
        body_start = s + indent
        normal = source[body_start] not in " \t"
        if prev_break is not None:
            foldable = folded and prev_normal and normal and _break_char(source, prev_break) == "\n"
            if not foldable:
                out.append((_break_char(source, prev_break), prev_break))
            elif not pending_breaks:
                out.append((" ", prev_break))
        out.extend((_break_char(source, b), b) for b in pending_breaks)
        pending_breaks = []
        out.extend((source[k], k) for k in range(body_start, e))
        prev_break, prev_normal = brk, normal
    if chomp != "-" and prev_break is not None and prev_break < len(source):
        out.append((_break_char(source, prev_break), prev_break))
    if chomp == "+":
        out.extend((_break_char(source, b), b) for b in pending_breaks if b < len(source))
    return out


def _lines(source: str, i: int, end: int) -> list[tuple[int, int, int]]:
    """(start, end-of-text, break offset) of each line from ``i`` up to ``end``."""
    lines = []
    while i < end:
        j = i
        while j < len(source) and not _break_len(source, j):
            j += 1
        lines.append((i, j, j))
        i = j + max(1, _break_len(source, j))
    return lines
