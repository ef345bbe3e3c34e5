"""Finding lines of a given kind with one regular-expression search over a buffer.

Widening a literal hit to its event means finding the lines around it that
start an event.  Judging each line with its own ``match`` call costs a few
microseconds of interpreter work per line, and tracebacks make runs of tens of
lines; a single ``search`` over the buffer judges them in C.

A search over a whole buffer may, however, judge a line differently from a
match bounded at the line's end: ``\\s``, ``[^x]`` or ``.`` under DOTALL can
run on into the next line.  :func:`confined` rewrites a pattern so that no
part of it can match a newline.  Within one line, which holds no newline, the
rewrite matches exactly what the original matches; in a buffer it stops at the
line's end, where ``$``, ``\\b`` and failed character tests behave as they do
at the end of a bounded match.  Patterns the rewrite cannot vouch for (absolute
anchors, back-references, inline flags, a literal newline) get no finder and
the caller keeps the line-by-line walk.

Each finder starts with a literal newline, so the search skips ahead with
CPython's fast literal scan instead of trying every offset; it reports the
newline before a line of the kind sought.
"""

from __future__ import annotations

import re
from functools import lru_cache

# the regular-expression parser and compiler, private modules of ``re`` since 3.11 (the oldest Python
# supported).  typeshed has no stubs for them (its sre_parse, under the old name, rejects bytes patterns).
from re import _compiler as sre_compile  # type: ignore[attr-defined]
from re import _constants as sre_constants  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]

_NEWLINE = 10
_REFUSED_AT = {sre_constants.AT_BEGINNING_STRING, sre_constants.AT_END_STRING}
_REPEATS = {sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT, getattr(sre_constants, "POSSESSIVE_REPEAT", None)}
_ATOMIC_GROUP = getattr(sre_constants, "ATOMIC_GROUP", None)  # (?>...), Python 3.11+


class _Refused(Exception):
    """The pattern holds a construct :func:`confined_finder` cannot make line-bound."""


def _not_newline(state: object) -> tuple[object, object]:
    """``(?!\\n)``: put before a node that could otherwise consume a newline."""
    return sre_constants.ASSERT_NOT, (1, sre_parse.SubPattern(state, [(sre_constants.LITERAL, _NEWLINE)]))


def _set_matches_newline(state: object, items: list[tuple[object, object]], flags: int) -> bool:
    """Whether the character set ``[items]`` matches a newline (asked of the compiled set itself)."""
    probe = sre_parse.SubPattern(state, [(sre_constants.IN, list(items))])
    return sre_compile.compile(probe, flags).match(b"\n") is not None


def _confine(pattern: sre_parse.SubPattern, flags: int) -> None:
    """Rewrite ``pattern`` in place so that none of its nodes consumes a newline."""
    rewritten: list[tuple[object, object]] = []
    state = pattern.state
    for op, argument in pattern.data:
        if op is sre_constants.LITERAL:
            if argument == _NEWLINE:
                raise _Refused("a literal newline")
        elif op is sre_constants.NOT_LITERAL:
            if argument != _NEWLINE:
                rewritten.append(_not_newline(state))
        elif op is sre_constants.ANY:
            if flags & re.DOTALL:  # any byte but a newline
                rewritten.append((sre_constants.NOT_LITERAL, _NEWLINE))
                continue
        elif op is sre_constants.IN:
            if _set_matches_newline(state, argument, flags):
                rewritten.append(_not_newline(state))
        elif op is sre_constants.AT:
            if argument in _REFUSED_AT:
                raise _Refused("an absolute anchor")
        elif op is sre_constants.BRANCH:
            for branch in argument[1]:
                _confine(branch, flags)
        elif op is sre_constants.SUBPATTERN:
            if argument[1] or argument[2]:
                raise _Refused("inline flags")
            _confine(argument[3], flags)
        elif op in _REPEATS:
            _confine(argument[2], flags)
        elif _ATOMIC_GROUP is not None and op is _ATOMIC_GROUP:
            _confine(argument, flags)
        elif op in (sre_constants.ASSERT, sre_constants.ASSERT_NOT):
            _confine(argument[1], flags)
        else:  # back-references, conditionals, anything newer than this list
            raise _Refused(f"the construct {op}")
        rewritten.append((op, argument))
    pattern.data[:] = rewritten


@lru_cache(maxsize=256)
def confined_finder(source: bytes, flags: int) -> re.Pattern[bytes] | None:
    """``\\n`` followed by ``source`` made line-bound (MULTILINE); None when that cannot be vouched for.

    Compiled once per pattern: every file of a format asks for the same ones.
    """
    flags |= re.MULTILINE
    try:
        tree = sre_parse.parse(source, flags)
        _confine(tree, tree.state.flags)
    except (_Refused, re.error):
        return None
    tree.data.insert(0, (sre_constants.LITERAL, _NEWLINE))
    return sre_compile.compile(tree, tree.state.flags)


@lru_cache(maxsize=64)
def last_starts_finder(continuation: re.Pattern[bytes]) -> re.Pattern[bytes] | None:
    """A ``match`` from 0 to ``endpos`` that ends at the start of the last line before ``endpos``
    the ``continuation`` pattern does not match (that line must follow a newline).

    ``(?s:.*)`` runs to ``endpos`` at once and backs off to the newline before
    each line in turn, from the last: a backward search that judges only the
    lines it passes, however far the buffer goes back.
    """
    forward = starts_finder(continuation)
    if forward is None:
        return None
    source = b"(?s:.*)(?!(?:" + continuation.pattern + b"))"  # one parse: one numbering of groups
    tree = sre_parse.parse(source, continuation.flags | re.MULTILINE)
    try:
        _confine_after(tree, 1)
    except _Refused:  # pragma: no cover - the forward finder was built from the same pattern
        return None
    tree.data.insert(1, (sre_constants.LITERAL, _NEWLINE))
    return sre_compile.compile(tree, tree.state.flags)


def _confine_after(tree: sre_parse.SubPattern, first: int) -> None:
    """Confine the nodes of ``tree`` from index ``first`` on (the ones before are the caller's own)."""
    rest = sre_parse.SubPattern(tree.state, tree.data[first:])
    _confine(rest, tree.state.flags)
    tree.data[first:] = rest.data


def starts_finder(continuation: re.Pattern[bytes]) -> re.Pattern[bytes] | None:
    """A search for the newline before a line the ``continuation`` pattern does not match at its start."""
    return confined_finder(b"(?!(?:" + continuation.pattern + b"))", continuation.flags)


def dropped_finder(drop: re.Pattern[bytes], anchored: bool) -> re.Pattern[bytes] | None:
    """A search for the newline before a line ``drop`` is found in (matched at its start if ``anchored``)."""
    reach = b"" if anchored else rb"[^\n]*?"
    return confined_finder(b"(?=" + reach + b"(?:" + drop.pattern + b"))", drop.flags)
