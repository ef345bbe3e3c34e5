"""Scanning one build: literal prefilter, events around candidates, matcher calls, hits.

For each log file: rules that the file-level fields already rule out are
dropped before the file is read (:mod:`fingerlog.engine.filters`); the file
is read in chunks of whole events; one multi-literal pass finds where the
remaining rules' literals occur; only the events around those places are
decoded, and only the rules whose literal occurs in an event are run on it.
Rules without a required literal run on every event of the files they apply
to (the slow path).  The answer is, by construction and by test, the answer
of the plain full pass (:func:`full_pass`): every event of every file against
every rule.
"""

from __future__ import annotations

import time
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, Any, cast

from fingerlog.backends.literals import ASCII_LOWERCASE_SOURCES, Requirement, holds, key_literals, literal_cost
from fingerlog.backends.matcher import EventIndex
from fingerlog.engine.active import ActiveRules, active_rules
from fingerlog.engine.plan import LiteralSet, PlannedRule, RuleLike, ScanPlan, plan_for
from fingerlog.engine.triage import with_first_errors
from fingerlog.engine.windows import (
    Chunk,
    Grouping,
    LineKind,
    LineNumbers,
    all_windows,
    iter_chunks,
    line_bound_searchable,
    spans_at,
)
from fingerlog.mapping import FieldMappings
from fingerlog.records import BuildScan, Hit, SourceError
from fingerlog.sources import open_job
from fingerlog.sources.events import MAX_LINE_BYTES
from fingerlog.sources.formats import MAX_EVENT_LINES
from fingerlog.sources.job import Job, LogFile


@dataclass
class ScanProfile:
    """Where a scan's time went: matcher time and calls per rule, events built, files skipped."""

    rule_seconds: dict[str, float] = field(default_factory=dict)
    rule_calls: dict[str, int] = field(default_factory=dict)
    candidate_events: int = 0
    files_skipped: int = 0

    def charge(self, rule_id: str, seconds: float) -> None:
        self.rule_seconds[rule_id] = self.rule_seconds.get(rule_id, 0.0) + seconds
        self.rule_calls[rule_id] = self.rule_calls.get(rule_id, 0) + 1


class Confirmation:
    """Which candidate rules an event's bytes may satisfy, checked before the event is decoded.

    ``requirements`` maps a rule index to its requirement; ``literals`` is the
    scanner keyed on them.  A conjunction an event satisfies has its key in
    the event, so only the conjunctions holding a key literal found there are
    checked; that literal is known to be there, and the event is lower-cased
    only when such a conjunction has other literals.  The answer is the rules
    whose requirement ``holds`` on the event, among those served by the keys found.
    """

    def __init__(self, literals: LiteralSet, requirements: Mapping[int, Requirement]) -> None:
        self._literals, self._requirements = literals, requirements
        self._partners_of: dict[int, tuple[tuple[int, tuple[bytes, ...]], ...]] = {}

    def confirmed(self, data: bytes, start: int, end: int, literals: set[int]) -> set[int]:
        """The rules confirmed in the event ``data[start:end]``, where the key literals ``literals`` were found."""
        found: set[int] = set()
        lowered = None
        for literal in literals:
            for rule, rest in self._partners(literal):
                if rule in found:
                    continue
                if rest:
                    if lowered is None:
                        lowered = data[start:end].lower()
                    if not all(other in lowered for other in rest):
                        continue
                found.add(rule)
        return found

    def _partners(self, literal: int) -> tuple[tuple[int, tuple[bytes, ...]], ...]:
        """For a key literal: each (rule, other literals) of the conjunctions holding it, rarest literal first."""
        partners = self._partners_of.get(literal)
        if partners is None:
            name = self._literals.scanner.literals[literal]
            partners = tuple(
                (rule, tuple(other.encode() for other in sorted(conjunction - {name}, key=literal_cost)))
                for rule in self._literals.rules_of[literal]
                for conjunction in self._requirements[rule]
                if name in conjunction
            )
            self._partners_of[literal] = partners
        return partners


class _FileScan:
    """Scans one log file with the plan's rules that may match in it."""

    def __init__(self, plan: ScanPlan, logfile: LogFile, rules: ActiveRules, profile: ScanProfile | None) -> None:
        self.plan = plan
        self.logfile = logfile
        self.profile = profile
        self.requirements = active = rules.requirements
        self.always = rules.always
        keys = {i: key_literals(req) for i, req in active.items()}
        self.slow = [i for i, key in keys.items() if key is None]
        keyed = frozenset((i, key) for i, key in keys.items() if key is not None)
        self.fast = frozenset(i for i, _ in keyed)
        self.literals = plan.literal_set(keyed)
        self._confirmed = Confirmation(self.literals, active).confirmed
        fmt = logfile.format
        self.grouping = Grouping(fmt.continuation, fmt.drop, MAX_EVENT_LINES, MAX_LINE_BYTES)
        self.bytes_read = 0

    def hits(self) -> Iterator[Hit]:
        with self.logfile.open_stream() as stream:
            for chunk in iter_chunks(stream, self.grouping):
                self.bytes_read += len(chunk.data)
                long_lines = self._record_long_lines(chunk)
                ascii_only = chunk.data.isascii()  # one pass at memory speed, asked twice below
                if not ascii_only:
                    self._record_invalid_utf8(chunk)
                searchable = line_bound_searchable(chunk.data, self.grouping, long_lines)
                yield from self._chunk_hits(chunk, searchable, ascii_only)

    def _record_long_lines(self, chunk: Chunk) -> bool:
        """Record over-long lines as the full pass does, probing only every ``line_cap`` bytes; whether any was."""
        data, cap, start, found = chunk.data, MAX_LINE_BYTES, 0, False
        while len(data) - start > cap:
            newline = data.rfind(b"\n", start, start + cap + 1)
            if newline != -1:
                start = newline + 1
                continue
            found = True
            self.logfile.record_long_line(chunk.first_line + data.count(b"\n", 0, start))
            end = data.find(b"\n", start)
            if end == -1:
                break
            start = end + 1
        return found

    def _record_invalid_utf8(self, chunk: Chunk) -> None:
        """Decode a chunk's events as the full pass would when its (not all ASCII) bytes are not valid UTF-8.

        Checked per chunk (``isascii`` runs at memory speed), so the file's
        ``invalid-utf8`` record does not depend on which events were candidates.
        """
        data = chunk.data
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            for window in all_windows(data, self.grouping, chunk.first_line):
                self.logfile.decode(self._lines(data, window.start, window.end))

    def _chunk_hits(self, chunk: Chunk, searchable: bool, ascii_only: bool) -> Iterator[Hit]:
        data = chunk.data
        occurrences = sorted((end - 1, literal) for literal, end in self.literals.scanner.scan(data))
        # Lucene lower-cases İ and K (Kelvin) to ASCII letters no ASCII literal search can see.
        exotic = not ascii_only and any(source in data for source in ASCII_LOWERCASE_SOURCES)
        positions = [position for position, _ in occurrences]
        if self.slow or exotic:
            for window in all_windows(data, self.grouping, chunk.first_line):
                numbered = _on_line(window.first_line)
                if exotic:  # no literal can be trusted in this chunk: every rule runs
                    yield from self._evaluate(data, window.start, window.end, sorted(self.fast.union(self.slow)),
                                              numbered)
                    continue
                low, high = bisect_left(positions, window.start), bisect_left(positions, window.end + 1)
                found = self._confirmed(data, window.start, window.end, {literal for _, literal in occurrences[low:high]})
                yield from self._evaluate(data, window.start, window.end, sorted(found.union(self.slow)),
                                          numbered)
            return
        numbers = LineNumbers(data, chunk.first_line)  # counted only up to the events that hit
        for start, end, inside in spans_at(data, positions, self.grouping, searchable=searchable):
            found = self._confirmed(data, start, end, {occurrences[i][1] for i in inside})
            if found:
                yield from self._evaluate(data, start, end, sorted(found), numbers.at)

    def _lines(self, data: bytes, start: int, stop: int) -> list[bytes]:
        """The lines of the event ``data[start:stop]`` as the full pass materialises them (dropped lines left out)."""
        grouping, lines = self.grouping, []
        while start <= stop:
            end = data.find(b"\n", start, stop)
            end = stop if end == -1 else end
            if grouping.kind(data, start, end) is not LineKind.DROPPED:
                lines.append(grouping.line(data, start, end))
            start = end + 1
        return lines

    def _evaluate(
        self, data: bytes, start: int, end: int, indexes: list[int], line_of: Callable[[int], int]
    ) -> Iterator[Hit]:
        """The hits of the event ``data[start:end]``; its lines are numbered (``line_of(start)``) only if it hits."""
        if not indexes:
            return
        logfile = self.logfile
        fields = logfile.format.indexed_fields(logfile, logfile.decode(self._lines(data, start, end)))
        if fields is None:
            return
        if self.profile is not None:
            self.profile.candidate_events += 1
        indexed = self.plan.new_event(fields)
        rules = [self.plan.rules[index] for index in indexes]
        matched = [rule for index, rule in zip(indexes, rules)
                   if index in self.always or _matches(rule, indexed, self.profile)]
        if not matched:
            return
        first_line = line_of(start)
        event = logfile.format.event_at(logfile, fields, first_line, first_line + data.count(b"\n", start, end))
        for rule in matched:
            yield Hit(rule.id, event)


class _DocumentScan:
    """Scans already-indexed documents: their raw bytes are JSON, so literals are sought per event."""

    def __init__(self, plan: ScanPlan, logfile: LogFile, rules: ActiveRules, profile: ScanProfile | None) -> None:
        self.plan, self.logfile, self.profile = plan, logfile, profile
        self.requirements = active = rules.requirements
        keys = {i: key_literals(req) for i, req in active.items()}
        self.slow = [i for i, key in keys.items() if key is None]
        self.literals = plan.literal_set(frozenset((i, key) for i, key in keys.items() if key is not None))
        self.bytes_read = 0

    def hits(self) -> Iterator[Hit]:
        with self.logfile.open_stream() as stream:
            # _Counting passes every other attribute on to the stream, so it is one (cast: not by its class)
            counted = cast("IO[bytes]", _Counting(stream, self))
            for event in self.logfile.format.iter_events(counted, self.logfile):
                text = "\n".join(event.fields.get("message", ())).encode("utf-8", "replace")
                found = {rule for literal, _ in self.literals.scanner.scan(text) for rule in self.literals.rules_of[literal]}
                if any(source in text for source in ASCII_LOWERCASE_SOURCES):
                    found.update(i for rules in self.literals.rules_of for i in rules)
                else:
                    lowered = text.lower()
                    found = {i for i in found if holds(self.requirements[i], lowered)}
                if self.profile is not None:
                    self.profile.candidate_events += 1
                indexed = self.plan.new_event(event.fields)
                for index in sorted(found.union(self.slow)):
                    rule = self.plan.rules[index]
                    if _matches(rule, indexed, self.profile):
                        yield Hit(rule.id, event)


def _on_line(number: int) -> Callable[[int], int]:
    """A ``line_of`` for a window whose first line is known: its number, bound now for any offset."""
    return lambda _: number


class _Counting:
    """A stream wrapper counting the bytes a document scan reads."""

    def __init__(self, stream: IO[bytes], scan: _DocumentScan) -> None:
        self._stream, self._scan = stream, scan

    def read(self, size: int = -1) -> bytes:
        data = self._stream.read(size)
        self._scan.bytes_read += len(data)
        return data

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def _matches(rule: PlannedRule, event: EventIndex, profile: ScanProfile | None) -> bool:
    """Whether ``rule`` matches the event; every rule asked reads the one index (each field analysed once)."""
    if profile is None:
        return rule.matcher.matches(event)
    started = time.perf_counter()
    answer = rule.matcher.matches(event)
    profile.charge(rule.id, time.perf_counter() - started)
    return answer


@dataclass
class JobScan:
    """The hits of (a part of) a job's files, each with the index of its file in the job."""

    hits: list[tuple[int, Hit]] = field(default_factory=list)
    bytes_read: int = 0
    files: int = 0


def scan_job(
    job: Job, plan: ScanPlan, *, claim: Callable[[int], bool] | None = None, profile: ScanProfile | None = None
) -> JobScan:
    """Scan the files of ``job`` (those ``claim`` grants by their index, when given: see engine.parallel)."""
    result = JobScan()
    for number, logfile in enumerate(job.files()):
        if claim is not None and not claim(number):
            logfile.open_stream().close()  # another worker's: release the stream opened to sniff it
            continue
        active = active_rules(plan, logfile)
        if active is None or not active.requirements:
            logfile.pass_over()  # not searched; a compressed one is still checked to its end
            if profile is not None:
                profile.files_skipped += 1
            continue
        scanner_class = _FileScan if logfile.format.prefilterable else _DocumentScan
        file_scan = scanner_class(plan, logfile, active, profile)
        result.hits.extend((number, hit) for hit in file_scan.hits())
        result.bytes_read += file_scan.bytes_read
        result.files += 1
    return result


def scan_build(
    location: str | Path,
    rules: Iterable[RuleLike],
    *,
    mapping: FieldMappings,
    overrides: Mapping[str, str] | None = None,
    rules_digest: str = "",
    profile: ScanProfile | None = None,
    scanner: str | None = None,
) -> BuildScan:
    """Scan the build at ``location`` (job directory, archive, file, JSON-lines) with ``rules``.

    The function the local process pool and the Dask engine call per build: the
    compiled plan is cached per process, so calling it for many builds with the
    same rules compiles them once.  Files no rule can match in are not
    searched (a compressed one is only decompressed, so a break in it is
    still reported).
    """
    started = time.perf_counter()
    plan = plan_for(rules, mapping, scanner=scanner)
    job = open_job(location, overrides=dict(overrides or {}))
    found = scan_job(job, plan, profile=profile)
    scan = BuildScan(
        build=job.build,
        hits=tuple(hit for _, hit in found.hits),
        errors=tuple(job.errors),
        bytes_read=found.bytes_read,
        files=found.files,
        rules_digest=rules_digest,
    )
    scan = with_first_errors(scan, location, overrides)
    return replace(scan, duration=time.perf_counter() - started)


def full_pass(
    location: str | Path,
    rules: Iterable[RuleLike],
    *,
    mapping: FieldMappings,
    overrides: Mapping[str, str] | None = None,
) -> tuple[list[Hit], list[SourceError]]:
    """The reference answer: every event of every file (the sources' own reader) x every rule.

    Slow by design (events x rules); it exists so tests can prove the fast path equal to it.
    """
    plan = plan_for(rules, mapping)
    job = open_job(location, overrides=dict(overrides or {}))
    hits: list[Hit] = []
    for logfile in job.files():
        for event in logfile.iter_events():
            indexed = plan.new_event(event.fields)
            hits.extend(Hit(rule.id, event) for rule in plan.rules if rule.matcher.matches(indexed))
    return hits, list(job.errors)
