"""Which regexps and wildcards Lucene 4.10.4 refuses as "too complex to determinize".

Lucene builds a multi-term query's automaton when the query is parsed, and gives up
(``TooComplexToDeterminizeException``, so Elasticsearch fails the whole query) when a
subset construction needs more than ``maxDeterminizedStates`` states: 10,000 for
``RegexpQuery`` and ``WildcardQuery`` as query_string builds them. How many states a
subset construction reaches depends on the exact automaton it is given, so this
module rebuilds, state for state, the automata Lucene's operations build
(``RegExp.toAutomaton``: every composite node is minimized, hence determinized;
``Operations.concatenate/union/optional/repeat/complement/intersection``;
``Automata.makeInterval``), and counts the subsets its ``determinize`` would create.
Minimization itself is ours (any algorithm gives the same minimal automaton), and so
are the data structures; only the shapes of the automata fed to ``determinize`` are
Lucene's (``x?`` is built as ``x{0,1}``: Lucene's ``optional`` makes the same
automaton). What ``CompiledAutomaton`` determinizes next is in ``compiled.py``.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict, deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

#: ``Operations.DEFAULT_MAX_DETERMINIZED_STATES``: what RegexpQuery and WildcardQuery use.
MAX_DETERMINIZED_STATES = 10_000

MAX_CODE_POINT = 0x10FFFF

#: Beyond this many states in one intermediate automaton the simulation stops and the
#: pattern is taken as accepted: only deterministic constructions (``x{1000}`` nested)
#: get there without a subset construction, and Lucene accepts those.
SIMULATION_BUDGET = 300_000

#: How many subset members a reversed determinization may visit in all before the
#: simulation stops and takes the pattern as refused: thousands of subsets of hundreds
#: of states each are the way to more than 10,000 (``~(.{0,19}東.{8})``, which Lucene
#: refuses after 40 s), and counting on would take minutes.
SUBSET_VISIT_BUDGET = 1_000_000

Edge = tuple[int, int, int]  # (min, max, dest): code points min..max lead to dest


class TooComplex(Exception):
    """A determinization would need more than ``limit`` states."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"more than {limit} states")
        self.limit = limit


class BeyondBudget(Exception):
    """An automaton grew past ``SIMULATION_BUDGET`` states: the pattern is taken as accepted."""


@dataclass(frozen=True, slots=True)
class Automaton:
    """Lucene's ``Automaton``: state 0 is initial; edges per state sorted by (min, max, dest).

    ``deterministic`` is Lucene's flag: false as soon as any state (reachable or not)
    has two overlapping edges. ``determinize`` trusts it and skips the subset
    construction, so it must be kept exactly as Lucene keeps it.
    """

    accept: tuple[bool, ...]
    edges: tuple[tuple[Edge, ...], ...]
    deterministic: bool

    @property
    def size(self) -> int:
        return len(self.accept)


class Builder:
    """States and edges added in any order; ``finish`` normalizes each state as Lucene does."""

    def __init__(self) -> None:
        self.accept: list[bool] = []
        self.edges: list[list[Edge]] = []

    def state(self, accept: bool = False) -> int:
        self.accept.append(accept)
        self.edges.append([])
        if len(self.accept) > SIMULATION_BUDGET:
            raise BeyondBudget()
        return len(self.accept) - 1

    def copy(self, other: Automaton) -> int:
        """Append ``other``'s states; return the offset of its state 0."""
        offset = len(self.accept)
        for accept, edges in zip(other.accept, other.edges):
            self.state(accept)
            self.edges[-1].extend((lo, hi, offset + dest) for lo, hi, dest in edges)
        return offset

    def epsilon(self, source: int, dest: int) -> None:
        """``addEpsilon``: ``source`` gets ``dest``'s edges as they are now, and its acceptance."""
        self.edges[source].extend(self.edges[dest])
        if self.accept[dest]:
            self.accept[source] = True

    def finish(self) -> Automaton:
        normalized = tuple(_normalize(edges) for edges in self.edges)
        return Automaton(tuple(self.accept), normalized, all(_deterministic(edges) for edges in normalized))


def _normalize(edges: list[Edge]) -> tuple[Edge, ...]:
    """Lucene's ``finishCurrentState``: merge overlapping or adjacent edges to one dest, sort by min."""
    if len(edges) < 2:
        return tuple(edges)
    edges.sort(key=lambda e: (e[2], e[0]))
    merged: list[Edge] = []
    last_lo, last_hi, last_dest = edges[0]
    for lo, hi, dest in edges[1:]:
        if dest == last_dest and lo <= last_hi + 1:
            last_hi = max(last_hi, hi)
        else:
            merged.append((last_lo, last_hi, last_dest))
            last_lo, last_hi, last_dest = lo, hi, dest
    merged.append((last_lo, last_hi, last_dest))
    merged.sort()
    return tuple(merged)


def _deterministic(edges: tuple[Edge, ...]) -> bool:
    return all(edges[i][0] > edges[i - 1][1] for i in range(1, len(edges)))


def deterministic_edges(edges: list[Edge]) -> bool:
    """Whether one state with these edges is deterministic, as Lucene judges it once they are merged."""
    return _deterministic(_normalize(edges))


# --- the leaves (Automata.java) ---------------------------------------------------------------

EMPTY = Automaton((), (), True)
EMPTY_STRING = Automaton((True,), ((),), True)
ANY_STRING = Automaton((True,), (((0, MAX_CODE_POINT, 0),),), True)


def char_ranges(ranges: Iterable[tuple[int, int]]) -> Automaton:
    """One code point from ``ranges``: Lucene's minimal two-state automaton (none when empty)."""
    edges = _normalize([(lo, hi, 1) for lo, hi in ranges])
    if not edges:
        return EMPTY
    return Automaton((False, True), (edges, ()), True)


def string(text: str) -> Automaton:
    """``makeString``: a chain over the code points."""
    points = [ord(ch) for ch in text]
    accept = tuple(i == len(points) for i in range(len(points) + 1))
    edges = (*(((cp, cp, i + 1),) for i, cp in enumerate(points)), ())
    return Automaton(accept, edges, True)


def interval(low: int, high: int, digits: int) -> Automaton:
    """``makeInterval``: decimal numbers low..high, ``digits`` wide, or of any width when 0.

    With no fixed width, a state 0 loops on leading ``0``s and borrows the edges of
    every state a run of zeros can lead to: the result is nondeterministic, and
    Lucene keeps it so unless an operation around it minimizes.
    """
    width = digits if digits > 0 else len(str(high))
    x, y = str(low).zfill(width), str(high).zfill(width)
    builder = Builder()
    free_width = digits <= 0
    if free_width:
        builder.state()
    initials: list[int] = []

    def any_of_right_length(n: int) -> int:
        s = builder.state(len(x) == n)
        if len(x) != n:
            builder.edges[s].append((ord("0"), ord("9"), any_of_right_length(n + 1)))
        return s

    def at_least(n: int, zeros: bool) -> int:
        s = builder.state(len(x) == n)
        if len(x) != n:
            if zeros:
                initials.append(s)
            c = ord(x[n])
            builder.edges[s].append((c, c, at_least(n + 1, zeros and x[n] == "0")))
            if c < ord("9"):
                builder.edges[s].append((c + 1, ord("9"), any_of_right_length(n + 1)))
        return s

    def at_most(n: int) -> int:
        s = builder.state(len(x) == n)
        if len(x) != n:
            c = ord(y[n])
            builder.edges[s].append((c, c, at_most(n + 1)))
            if c > ord("0"):
                builder.edges[s].append((ord("0"), c - 1, any_of_right_length(n + 1)))
        return s

    def between(n: int, zeros: bool) -> int:
        s = builder.state(len(x) == n)
        if len(x) != n:
            if zeros:
                initials.append(s)
            cx, cy = ord(x[n]), ord(y[n])
            if cx == cy:
                builder.edges[s].append((cx, cx, between(n + 1, zeros and x[n] == "0")))
            else:
                builder.edges[s].append((cx, cx, at_least(n + 1, zeros and x[n] == "0")))
                builder.edges[s].append((cy, cy, at_most(n + 1)))
                if cx + 1 < cy:
                    builder.edges[s].append((cx + 1, cy - 1, any_of_right_length(n + 1)))
        return s

    between(0, free_width)
    if free_width:
        builder.edges[0].append((ord("0"), ord("0"), 0))
        for state in initials:
            builder.epsilon(0, state)
    return builder.finish()


# --- the operations (Operations.java) ---------------------------------------------------------


def concatenate(parts: Sequence[Automaton]) -> Automaton:
    """Each accept state of a part gets the next part's initial edges (and the one after, while those accept "")."""
    builder = Builder()
    for part in parts:
        if part.size == 0:  # Lucene returns the states made so far, without edges
            return builder.finish()
        for _ in range(part.size):
            builder.state()
    offsets = [0]
    for part in parts:
        offsets.append(offsets[-1] + part.size)
    for i, part in enumerate(parts):
        base = offsets[i]
        for s in range(part.size):
            builder.edges[base + s].extend((lo, hi, base + dest) for lo, hi, dest in part.edges[s])
            if part.accept[s]:
                j = i + 1
                while j < len(parts):
                    follow = parts[j]
                    builder.edges[base + s].extend((lo, hi, offsets[j] + dest) for lo, hi, dest in follow.edges[0])
                    if not follow.accept[0]:
                        break
                    j += 1
                else:
                    builder.accept[base + s] = True
    if not builder.accept:
        builder.state()
    return builder.finish()


def star(a: Automaton) -> Automaton:
    """``repeat(a)``: a new accepting initial state; every accept state restarts ``a``."""
    if a.size == 0:
        return a
    builder = Builder()
    builder.state(True)
    builder.copy(a)
    restart = [(lo, hi, dest + 1) for lo, hi, dest in a.edges[0]]
    builder.edges[0].extend(restart)
    for s in range(a.size):
        if a.accept[s]:
            builder.edges[s + 1].extend(restart)
    return builder.finish()


def repeat_at_least(a: Automaton, minimum: int) -> Automaton:
    if minimum == 0:
        return star(a)
    return concatenate([a] * minimum + [star(a)])


def repeat_between(a: Automaton, minimum: int, maximum: int) -> Automaton:
    """``repeat(a, min, max)``: ``min`` copies concatenated, then optional copies chained by epsilons."""
    if minimum > maximum:
        return EMPTY
    if minimum == 0:
        head = EMPTY_STRING
    elif minimum == 1:
        head = a
    else:
        head = concatenate([a] * minimum)
    previous = [s for s in range(head.size) if head.accept[s]]
    builder = Builder()
    builder.copy(head)
    for _ in range(minimum, maximum):
        start = builder.copy(a)
        for s in previous:
            if start < len(builder.accept):
                builder.epsilon(s, start)
        previous = [start + s for s in range(a.size) if a.accept[s]]
    return builder.finish()


def union(parts: Sequence[Automaton]) -> Automaton:
    builder = Builder()
    builder.state()
    offsets = [builder.copy(part) for part in parts]
    for part, offset in zip(parts, offsets):
        if part.size:
            builder.epsilon(0, offset)
    return remove_dead_states(builder.finish())


def intersection(a: Automaton, b: Automaton) -> Automaton:
    """The product of the pairs reachable from (0, 0)."""
    if a.size == 0:
        return a
    if b.size == 0:
        return b
    builder = Builder()
    builder.state(a.accept[0] and b.accept[0])
    ids = {(0, 0): 0}
    work = deque([(0, 0)])
    while work:
        p, q = work.popleft()
        source = ids[(p, q)]
        for lo1, hi1, d1 in a.edges[p]:
            for lo2, hi2, d2 in b.edges[q]:
                if lo2 > hi1 or hi2 < lo1:
                    continue
                pair = (d1, d2)
                if pair not in ids:
                    ids[pair] = builder.state(a.accept[d1] and b.accept[d2])
                    work.append(pair)
                builder.edges[source].append((max(lo1, lo2), min(hi1, hi2), ids[pair]))
    return remove_dead_states(builder.finish())


def complement(a: Automaton, limit: int) -> Automaton:
    total = totalize(determinize(a, limit))
    flipped = Automaton(tuple(not accept for accept in total.accept), total.edges, total.deterministic)
    return remove_dead_states(flipped)


def totalize(a: Automaton) -> Automaton:
    """Every state gets edges to a new dead state for the code points it had none for."""
    builder = Builder()
    for accept in a.accept:
        builder.state(accept)
    dead = builder.state()
    builder.edges[dead].append((0, MAX_CODE_POINT, dead))
    for s, edges in enumerate(a.edges):
        next_free = 0
        for lo, hi, dest in edges:
            builder.edges[s].append((lo, hi, dest))
            if lo > next_free:
                builder.edges[s].append((next_free, lo - 1, dead))
            next_free = max(next_free, hi + 1)
        if next_free <= MAX_CODE_POINT:
            builder.edges[s].append((next_free, MAX_CODE_POINT, dead))
    return builder.finish()


def remove_dead_states(a: Automaton) -> Automaton:
    """Keep the states reachable from the initial state that can reach an accept state."""
    live = _reachable(a) & _coreachable(a)
    number = {s: i for i, s in enumerate(sorted(live))}
    builder = Builder()
    for s in sorted(live):
        builder.state(a.accept[s])
    for s in sorted(live):
        builder.edges[number[s]].extend((lo, hi, number[d]) for lo, hi, d in a.edges[s] if d in live)
    return builder.finish()


def _reachable(a: Automaton) -> set[int]:
    if a.size == 0:
        return set()
    seen, stack = {0}, [0]
    while stack:
        for _, _, dest in a.edges[stack.pop()]:
            if dest not in seen:
                seen.add(dest)
                stack.append(dest)
    return seen


def _coreachable(a: Automaton) -> set[int]:
    back: dict[int, list[int]] = defaultdict(list)
    for s, edges in enumerate(a.edges):
        for _, _, dest in edges:
            back[dest].append(s)
    seen = {s for s in range(a.size) if a.accept[s]}
    stack = list(seen)
    while stack:
        for source in back[stack.pop()]:
            if source not in seen:
                seen.add(source)
                stack.append(source)
    return seen


def determinize(a: Automaton, limit: int) -> Automaton:
    """Lucene's subset construction; raises ``TooComplex`` on its ``limit + 1``-th state."""
    if a.deterministic or a.size <= 1:
        return a
    accept, all_edges = a.accept, a.edges
    builder = Builder()
    builder.state(accept[0])
    out = builder.edges
    ids: dict[frozenset[int], int] = {frozenset((0,)): 0}
    work: deque[frozenset[int]] = deque(ids)
    while work:
        subset = work.popleft()
        source_edges = out[ids[subset]]
        for lo, hi, target in _subset_moves(all_edges, subset):
            state = ids.get(target)
            if state is None:
                if len(ids) >= limit:
                    raise TooComplex(limit)
                state = ids[target] = builder.state(any(accept[d] for d in target))
                work.append(target)
            source_edges.append((lo, hi, state))
    return builder.finish()


def subset_states(start: list[Edge], edges: Sequence[Sequence[Edge]], limit: int) -> int:
    """How many subsets a subset construction reaches from a start state with edges ``start``.

    The start state is not a member of any subset (as Lucene's reverse's new initial
    state); raises ``TooComplex`` past ``limit`` subsets, or once the subsets explored
    hold more than ``SUBSET_VISIT_BUDGET`` members in all.
    """
    seen: set[frozenset[int]] = set()
    work: deque[frozenset[int]] = deque()
    visits = 0
    for _, _, target in _moves(start):
        if target not in seen:
            seen.add(target)
            work.append(target)
    while work:
        subset = work.popleft()
        visits += len(subset)
        if visits > SUBSET_VISIT_BUDGET:
            raise TooComplex(limit)  # presumed, not counted: see SUBSET_VISIT_BUDGET
        for _, _, target in _subset_moves(edges, subset):
            if target not in seen:
                if len(seen) >= limit:
                    raise TooComplex(limit)
                seen.add(target)
                work.append(target)
    return len(seen)


def _subset_moves(edges: Sequence[Sequence[Edge]], subset: Iterable[int]) -> list[tuple[int, int, frozenset[int]]]:
    return _moves([edge for member in subset for edge in edges[member]])


def _moves(edges: list[Edge]) -> list[tuple[int, int, frozenset[int]]]:
    """The disjoint code point ranges of ``edges`` with the set of states each leads to."""
    events = sorted([(lo, 1, dest) for lo, _, dest in edges] + [(hi + 1, -1, dest) for _, hi, dest in edges])
    moves = []
    active: dict[int, int] = {}
    previous = -1
    for point, change, dest in events:
        if point != previous:
            if active:
                moves.append((previous, point - 1, frozenset(active)))
            previous = point
        count = active.get(dest, 0) + change
        if count:
            active[dest] = count
        else:
            del active[dest]
    return moves


def merge_equal_states(a: Automaton, rounds: int = 8) -> Automaton:
    """``a`` with states of identical acceptance and edges merged, bottom-up, for a few rounds.

    Merged states have the same language; the result is smaller, not minimal.
    """
    current = a
    for _ in range(rounds):
        representative: dict[tuple[bool, tuple[Edge, ...]], int] = {}
        number = [
            representative.setdefault((current.accept[s], current.edges[s]), len(representative)) for s in range(current.size)
        ]
        if len(representative) == current.size:
            break
        builder = Builder()
        for accept, _ in representative:
            builder.state(accept)
        for (_, edges), state in representative.items():
            builder.edges[state].extend((lo, hi, number[dest]) for lo, hi, dest in edges)
        current = builder.finish()
    return current


def minimize(a: Automaton, limit: int) -> Automaton:
    """``MinimizationOperations.minimize``: its shortcuts, Lucene's determinize, then a minimal trimmed DFA."""
    if a.size == 0 or (not a.accept[0] and not a.edges[0]):
        return EMPTY
    a = determinize(a, limit)
    if a.edges[0] == ((0, MAX_CODE_POINT, 0),):
        return a
    return _minimal(a)


def _minimal(a: Automaton) -> Automaton:
    """The minimal DFA of a deterministic ``a``, without dead or unreachable states (Hopcroft)."""
    live = sorted(_reachable(a) & _coreachable(a))
    if not live or live[0] != 0:
        return EMPTY
    index = {s: i for i, s in enumerate(live)}
    n = len(live)
    dead = n
    points = sorted({0} | {p for s in live for lo, hi, d in a.edges[s] if d in index for p in (lo, hi + 1)})
    points = [p for p in points if p <= MAX_CODE_POINT]
    k = len(points)
    inverse: list[dict[int, list[int]]] = [defaultdict(list) for _ in range(k)]
    for s in live:
        covered = [False] * k
        for lo, hi, d in a.edges[s]:
            if d not in index:
                continue
            for c in range(bisect_right(points, lo) - 1, bisect_right(points, hi)):
                inverse[c][index[d]].append(index[s])
                covered[c] = True
        for c in range(k):
            if not covered[c]:
                inverse[c][dead].append(index[s])
    for c in range(k):
        inverse[c][dead].append(dead)
    accepting = {index[s] for s in live if a.accept[s]}
    blocks = [b for b in (accepting, set(range(n + 1)) - accepting) if b]
    block_of = [0] * (n + 1)
    for b, members in enumerate(blocks):
        for s in members:
            block_of[s] = b
    pending = {(b, c) for b in range(len(blocks)) for c in range(k)}
    while pending:
        b, c = pending.pop()
        preimage = {p for t in list(blocks[b]) for p in inverse[c].get(t, ())}
        touched: dict[int, list[int]] = defaultdict(list)
        for p in preimage:
            touched[block_of[p]].append(p)
        for y, entering in touched.items():
            if len(entering) == len(blocks[y]):
                continue
            split = set(entering)
            blocks[y] -= split
            new = len(blocks)
            blocks.append(split)
            for s in split:
                block_of[s] = new
            for d in range(k):
                if (y, d) in pending:
                    pending.add((new, d))
                else:
                    pending.add((new if len(split) <= len(blocks[y]) else y, d))
    return _quotient(a, live, index, blocks, block_of, dead)


def _quotient(
    a: Automaton, live: list[int], index: dict[int, int], blocks: list[set[int]], block_of: list[int], dead: int
) -> Automaton:
    number: dict[int, int] = {}
    order: list[int] = []
    for s in range(len(live)):  # live[0] is the initial state: it becomes state 0
        b = block_of[s]
        if b not in number:
            number[b] = len(order)
            order.append(b)
    builder = Builder()
    for b in order:
        builder.state(a.accept[live[min(blocks[b])]])
    for b in order:
        representative = live[min(blocks[b])]
        builder.edges[number[b]].extend(
            (lo, hi, number[block_of[index[d]]])
            for lo, hi, d in a.edges[representative]
            if d in index and block_of[index[d]] != block_of[dead]
        )
    return builder.finish()


def is_finite(a: Automaton) -> bool:
    """``Operations.isFinite``: no cycle among the states reachable from the initial one."""
    if a.size == 0:
        return True
    colour = {0: 1}
    stack = [(0, iter(a.edges[0]))]
    while stack:
        state, edges = stack[-1]
        for _, _, dest in edges:
            if colour.get(dest) == 1:
                return False
            if dest not in colour:
                colour[dest] = 1
                stack.append((dest, iter(a.edges[dest])))
                break
        else:
            colour[state] = 2
            stack.pop()
    return True


def reachable_accept(a: Automaton) -> bool:
    """Whether the language is not empty (``not Operations.isEmpty``)."""
    return any(a.accept[s] for s in _reachable(a))
