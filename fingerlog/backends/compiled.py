"""What Lucene 4.10.4's ``CompiledAutomaton`` determinizes, and its ``UTF32ToUTF8``.

Lucene runs term automata over the terms' UTF-8 bytes, so ``CompiledAutomaton``
converts each query automaton and determinizes the result (and, for an infinite
language, its reverse, to find a common suffix), under the same state limit as the
regexp itself. The byte automaton's shape decides how many states those
determinizations reach, so each code-point edge is expanded here into exactly the
byte paths Lucene builds: shared leading bytes first, then the partial ranges at
either end and the full ranges in between, each on a path of fresh states.
"""

from __future__ import annotations

from fingerlog.backends.determinize import (
    MAX_CODE_POINT,
    Automaton,
    Builder,
    deterministic_edges,
    determinize,
    is_finite,
    merge_equal_states,
    reachable_accept,
    subset_states,
)

#: the first and last code point encoded with 1, 2, 3 and 4 bytes
_START_CODES = (0, 0x80, 0x800, 0x10000)
_END_CODES = (0x7F, 0x7FF, 0xFFFF, 0x10FFFF)


def _mask(bits: int) -> int:
    return (1 << bits) - 1


def _encode(code: int) -> list[tuple[int, int]]:
    """The UTF-8 bytes of ``code``, each with its number of payload bits."""
    if code < 0x80:
        return [(code, 7)]
    if code < 0x800:
        lead, rest = (0xC0 | (code >> 6), 5), 1
    elif code < 0x10000:
        lead, rest = (0xE0 | (code >> 12), 4), 2
    else:
        lead, rest = (0xF0 | (code >> 18), 3), 3
    tail = [(0x80 | ((code >> (6 * i)) & 0x3F), 6) for i in reversed(range(rest))]
    return [lead, *tail]


class _Converter:
    def __init__(self) -> None:
        self.out = Builder()

    def edge(self, source: int, dest: int, lo: int, hi: int) -> None:
        self.out.edges[source].append((lo, hi, dest))

    def fresh(self) -> int:
        return self.out.state()

    def convert_edge(self, start: int, end: int, low: int, high: int) -> None:
        self.build(start, end, _encode(low), _encode(high), 0)

    def build(self, start: int, end: int, low: list[tuple[int, int]], high: list[tuple[int, int]], upto: int) -> None:
        lo, hi = low[upto][0], high[upto][0]
        if lo == hi:
            if upto == len(low) - 1 and upto == len(high) - 1:
                self.edge(start, end, lo, hi)
                return
            middle = self.fresh()
            self.edge(start, middle, lo, lo)
            self.build(middle, end, low, high, upto + 1)
        elif len(low) == len(high):
            if upto == len(low) - 1:
                self.edge(start, end, lo, hi)
            else:
                self.start(start, end, low, upto, False)
                if hi - lo > 1:
                    self.all(start, end, lo + 1, hi - 1, len(low) - upto - 1)
                self.end(start, end, high, upto, False)
        else:
            self.start(start, end, low, upto, True)
            for count in range(1 + len(low) - upto, len(high) - upto):
                first, last = _encode(_START_CODES[count - 1]), _encode(_END_CODES[count - 1])
                self.all(start, end, first[0][0], last[0][0], len(first) - 1)
            self.end(start, end, high, upto, True)

    def start(self, start: int, end: int, code: list[tuple[int, int]], upto: int, do_all: bool) -> None:
        value, bits = code[upto]
        if upto == len(code) - 1:
            self.edge(start, end, value, value | _mask(bits))
            return
        middle = self.fresh()
        self.edge(start, middle, value, value)
        self.start(middle, end, code, upto + 1, True)
        last = value | _mask(bits)
        if do_all and value != last:
            self.all(start, end, value + 1, last, len(code) - upto - 1)

    def end(self, start: int, end: int, code: list[tuple[int, int]], upto: int, do_all: bool) -> None:
        value, bits = code[upto]
        if upto == len(code) - 1:
            self.edge(start, end, value & ~_mask(bits), value)
            return
        first = 0xC2 if bits == 5 else value & ~_mask(bits)
        if do_all and value != first:
            self.all(start, end, first, value - 1, len(code) - upto - 1)
        middle = self.fresh()
        self.edge(start, middle, value, value)
        self.end(middle, end, code, upto + 1, True)

    def all(self, start: int, end: int, lo: int, hi: int, left: int) -> None:
        if left == 0:
            self.edge(start, end, lo, hi)
            return
        last = self.fresh()
        self.edge(start, last, lo, hi)
        while left > 1:
            following = self.fresh()
            self.edge(last, following, 0x80, 0xBF)
            left -= 1
            last = following
        self.edge(last, end, 0x80, 0xBF)


def to_utf8(a: Automaton) -> Automaton:
    """The byte automaton Lucene's ``UTF32ToUTF8.convert`` makes of ``a`` (states reachable from 0)."""
    if a.size == 0:
        return a
    converter = _Converter()
    mapped = {0: converter.out.state(a.accept[0])}
    pending = [0]
    while pending:
        state = pending.pop()
        for lo, hi, dest in a.edges[state]:
            if dest not in mapped:
                mapped[dest] = converter.out.state(a.accept[dest])
                pending.append(dest)
            converter.convert_edge(mapped[state], mapped[dest], lo, hi)
    return converter.out.finish()


def check_compiled(a: Automaton, limit: int) -> None:
    """Raise ``TooComplex`` where ``new CompiledAutomaton(a, null, true, limit)`` would.

    An empty or total language, a single string and a prefix query stop early;
    otherwise the automaton is determinized, converted to UTF-8, the reverse of that
    determinized when the language is infinite, and the UTF-8 automaton determinized.
    """
    if not reachable_accept(a) or (a.accept[0] and a.edges[0] == ((0, MAX_CODE_POINT, 0),)):
        return
    a = determinize(a, limit)
    last = _after_common_prefix(a)
    if last is not None and a.accept[last] and a.edges[last] in ((), ((0, MAX_CODE_POINT, last),)):
        return  # the single term, or the prefix query, Lucene runs instead
    utf8 = to_utf8(a)
    if not is_finite(a):
        _check_reverse(utf8, limit)
    determinize(utf8, limit)


def _check_reverse(a: Automaton, limit: int) -> None:
    """Raise ``TooComplex`` where ``determinize(reverse(a), limit)`` would, without building ``reverse(a)``.

    The reversed automaton's subsets after reading a word w are the states whose
    language holds w; so states with the same language always come together, and
    merging them changes no count. The states are first merged bottom-up (the many
    UTF-8 paths that end alike), then the subsets are explored on what is left.
    """
    if _reverse_deterministic(a):
        return  # Lucene's determinize returns a deterministic automaton as it is
    merged = merge_equal_states(a)
    predecessors = _incoming(merged)
    start = [edge for s in range(merged.size) if merged.accept[s] for edge in predecessors[s]]
    subset_states(start, predecessors, limit - 1)


def _reverse_deterministic(a: Automaton) -> bool:
    """Lucene's flag on ``reverse(a)``: no state's incoming edges (nor all accept states' together) overlap."""
    incoming = _incoming(a)
    together = [edge for s in range(a.size) if a.accept[s] for edge in incoming[s]]
    return all(deterministic_edges(list(edges)) for edges in [*incoming, together])


def _incoming(a: Automaton) -> list[list[tuple[int, int, int]]]:
    """Each state's incoming edges, as edges of the reversed automaton: (lo, hi, source)."""
    incoming: list[list[tuple[int, int, int]]] = [[] for _ in range(a.size)]
    for source, edges in enumerate(a.edges):
        for lo, hi, dest in edges:
            incoming[dest].append((lo, hi, source))
    return incoming


def _after_common_prefix(a: Automaton) -> int | None:
    """The state Lucene's ``getCommonPrefix`` walk stops at, or None when the prefix is empty."""
    state, seen = 0, {0}
    while not a.accept[state] and len(a.edges[state]) == 1:
        lo, hi, dest = a.edges[state][0]
        if lo != hi or dest in seen:
            break
        seen.add(dest)
        state = dest
    return None if state == 0 else state
