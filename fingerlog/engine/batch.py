"""The local batch engine: scan many builds with a pool of worker processes into a store.

Each worker runs :func:`scan_and_store` for one build at a time: it scans the
build (:func:`fingerlog.engine.scan.scan_build`) and writes the build's own
Parquet parts, then hands the driver a small :class:`BuildSummary`.  The
driver therefore never holds hits or log bytes, and memory stays bounded
whatever the archive's size.  :func:`scan_and_store` is the unit a
distributed engine runs too: it depends only on its arguments, and its
writes are idempotent (deterministic part names, atomic renames).

Resume: builds whose current row in the store was written from the same
location with the same rules digest are skipped; ``rescan`` scans them again.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from pathlib import Path

from fingerlog.engine.archive import BuildTask
from fingerlog.engine.forkserver import LOCAL_WORKER_MODULES, start_fork_server
from fingerlog.engine.plan import RuleLike
from fingerlog.engine.scan import scan_build
from fingerlog.errors import FingerlogError
from fingerlog.mapping import FieldMappings
from fingerlog.store import write_build_scan, write_rules
from fingerlog.store.layout import check_store, store_path
from fingerlog.store.rules import RuleRow
from fingerlog.store.views import CurrentBuild, current_builds
from fingerlog.store.writer import tidy, write_scan_failure


class BatchError(FingerlogError):
    """A batch that cannot go on (a worker process died)."""


@dataclass(frozen=True, slots=True)
class BatchSpec:
    """Everything a worker needs besides the build: sent to each worker process once."""

    store: str
    rules: tuple[RuleLike, ...]
    rules_digest: str
    mapping: FieldMappings


@dataclass(frozen=True, slots=True)
class BuildSummary:
    """What the driver learns of one build: counters, never rows."""

    location: str
    #: ``scanned``, or ``failed`` when the build could not be scanned at all.
    state: str
    key: str = ""
    hits: int = 0
    errors: int = 0
    bytes_read: int = 0
    files: int = 0
    duration: float = 0.0
    message: str = ""


#: runs builds and yields their summaries as they finish: run_local, or a distributed engine.
Engine = Callable[[Sequence[BuildTask], BatchSpec], Iterator[BuildSummary]]


def scan_and_store(task: BuildTask, spec: BatchSpec) -> BuildSummary:
    """Scan one build and commit its parts to the store; a build that cannot be scanned is recorded.

    Any exception from the scan is caught on purpose: one broken build must
    not end a batch of thousands; it becomes a ``scan-failed`` error row and
    is tried again by the next run.  Failures to write the store propagate.
    """
    started = time.perf_counter()
    try:
        scan = scan_build(
            task.location, spec.rules, mapping=spec.mapping, overrides=task.overrides, rules_digest=spec.rules_digest
        )
    except Exception as exc:  # noqa: BLE001 - recorded, see docstring
        message = f"{type(exc).__name__}: {exc}"
        write_scan_failure(spec.store, location=task.location, digest=spec.rules_digest, kind="scan-failed", message=message)
        return BuildSummary(task.location, "failed", duration=time.perf_counter() - started, message=message)
    scan = replace(scan, build=replace(scan.build, location=task.location))
    write_build_scan(spec.store, scan)
    return BuildSummary(
        task.location,
        "scanned",
        key=scan.build.key,
        hits=len(scan.hits),
        errors=len(scan.errors),
        bytes_read=scan.bytes_read,
        files=scan.files,
        duration=time.perf_counter() - started,
    )


@dataclass
class BatchResult:
    """Totals of a batch run."""

    scanned: int = 0
    skipped: int = 0
    hits: int = 0
    errors: int = 0
    bytes_read: int = 0
    seconds: float = 0.0
    failed: list[BuildSummary] = field(default_factory=list)

    def add(self, summary: BuildSummary) -> None:
        if summary.state == "failed":
            self.failed.append(summary)
            return
        self.scanned += 1
        self.hits += summary.hits
        self.errors += summary.errors
        self.bytes_read += summary.bytes_read


def prepare_store(
    store: Path, spec: BatchSpec, rules: Sequence[RuleRow], tasks: Sequence[BuildTask], *, rescan: bool
) -> list[BuildTask]:
    """Create or check the store, tidy what an interrupted run left, snapshot the rules; the builds still to scan."""
    check_store(store, create=True)
    current = _tidy(store, spec.rules_digest)
    write_rules(store, list(rules), digest=spec.rules_digest)
    if rescan:
        return list(tasks)
    done = {b.location for b in current if b.rules_digest == spec.rules_digest}
    return [t for t in tasks if t.location not in done]


def _tidy(store: Path, digest: str) -> list[CurrentBuild]:
    current = current_builds(store)
    committed = {b.key: (b.day, b.rules_digest) for b in current}
    tidy(store, committed=committed, locations=[b.location for b in current], digest=digest)
    return current


def finish_store(store: Path, digest: str) -> None:
    """Remove the parts the run superseded (earlier scans of re-scanned builds, obsolete failures)."""
    _tidy(store, digest)


_WORKER_SPEC: BatchSpec | None = None


def _init_worker(spec: BatchSpec, environ: dict[str, str]) -> None:
    """Take the spec, and the driver's environment of now: a fork server keeps the one it started with."""
    global _WORKER_SPEC  # noqa: PLW0603 - a pool initializer hands the worker its state through a module global
    _WORKER_SPEC = spec
    os.environ.clear()
    os.environ.update(environ)


def _run_in_worker(task: BuildTask) -> BuildSummary:
    assert _WORKER_SPEC is not None, "worker used before its initializer ran"
    return scan_and_store(task, _WORKER_SPEC)


def run_local(tasks: Sequence[BuildTask], spec: BatchSpec, *, jobs: int) -> Iterator[BuildSummary]:
    """Scan ``tasks`` with ``jobs`` worker processes (in this process when 1), yielding summaries as builds finish.

    At most two builds per worker are queued at a time, so the driver's
    memory does not grow with the number of builds.
    """
    if jobs <= 1:  # also when there is nothing to scan: no pool to start
        for task in tasks:
            yield scan_and_store(task, spec)
        return
    context = start_fork_server(LOCAL_WORKER_MODULES)
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_init_worker, initargs=(spec, dict(os.environ)))
    try:
        pending: set[Future[BuildSummary]] = set()
        queue = iter(tasks)
        for task in queue:
            pending.add(pool.submit(_run_in_worker, task))
            if len(pending) >= 2 * jobs:
                break
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                yield future.result()
                following = next(queue, None)
                if following is not None:
                    pending.add(pool.submit(_run_in_worker, following))
    except BrokenProcessPool:
        raise BatchError(
            "a worker process died (killed, or out of memory) while scanning; the builds committed so far "
            "are in the store: run the same command again to resume"
        ) from None
    finally:
        # an interrupted driver does not wait for the builds still queued
        pool.shutdown(wait=True, cancel_futures=True)


def run_batch(
    tasks: Sequence[BuildTask],
    spec: BatchSpec,
    rules: Sequence[RuleRow],
    *,
    jobs: int,
    rescan: bool = False,
    on_build: Callable[[BuildSummary], None] = lambda summary: None,
    on_start: Callable[[int, int], None] = lambda todo, skipped: None,
    engine: Engine | None = None,
) -> BatchResult:
    """Scan the builds of ``tasks`` not yet in ``spec.store`` (all with ``rescan``) and record them.

    ``on_start(todo, skipped)`` is called once the builds to scan are known,
    ``on_build`` after each build (progress display).  ``engine`` runs the
    builds (default: :func:`run_local` with ``jobs`` processes); the Dask
    engine is one (:class:`fingerlog.engine.dask_engine.DaskEngine`).
    """
    store = store_path(spec.store)
    started = time.perf_counter()
    todo = prepare_store(store, spec, rules, tasks, rescan=rescan)
    result = BatchResult(skipped=len(tasks) - len(todo))
    on_start(len(todo), result.skipped)
    run = engine or (lambda todo, spec: run_local(todo, spec, jobs=min(jobs, len(todo))))
    for summary in run(todo, spec):
        result.add(summary)
        on_build(summary)
    finish_store(store, spec.rules_digest)
    result.seconds = time.perf_counter() - started
    return result
