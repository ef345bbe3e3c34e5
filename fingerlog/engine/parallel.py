"""One build scanned by several processes, each taking the next file no other has taken.

Processes, not threads: the prefilter calls back into Python for every
literal hit, so threads would queue on the interpreter lock.  The plan is
built in the parent before the pool starts, so forked workers inherit it
(each compiles only the matchers its own candidate events need).

Every worker walks the build's files in the same order and claims a file by
raising a shared counter to its index: a file is scanned by the first worker
to reach it, so a worker held up by a big file leaves the next ones to the
others (files dealt out in turn left one worker with most of the work).
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Iterable, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from multiprocessing.sharedctypes import Synchronized
from pathlib import Path

from fingerlog.engine.plan import RuleLike, plan_for
from fingerlog.engine.scan import JobScan, ScanProfile, scan_build, scan_job
from fingerlog.engine.triage import with_first_errors
from fingerlog.mapping import FieldMappings
from fingerlog.records import Build, BuildScan, SourceError
from fingerlog.sources import open_job

#: the index of the last file a worker of this build has claimed (set in each worker by the pool).
_claimed: Synchronized[int] | None = None


def _share_claims(counter: Synchronized[int]) -> None:
    global _claimed  # noqa: PLW0603 - a pool initializer: each worker process is handed the shared counter
    _claimed = counter


def _claim(number: int) -> bool:
    """Whether file ``number`` is this worker's: no worker has reached it yet (workers go in file order)."""
    assert _claimed is not None
    with _claimed.get_lock():
        if _claimed.value >= number:
            return False
        _claimed.value = number
        return True


def _scan_part(
    location: str, rules: tuple[RuleLike, ...], mapping: FieldMappings, overrides: dict[str, str],
    scanner: str | None, profiled: bool,
) -> tuple[Build, JobScan, list[SourceError], ScanProfile | None]:
    profile = ScanProfile() if profiled else None
    job = open_job(location, overrides=overrides)
    found = scan_job(job, plan_for(rules, mapping, scanner=scanner), claim=_claim, profile=profile)
    return job.build, found, job.errors, profile


def _merge_profiles(target: ScanProfile, other: ScanProfile) -> None:
    for rule_id, seconds in other.rule_seconds.items():
        target.rule_seconds[rule_id] = target.rule_seconds.get(rule_id, 0.0) + seconds
    for rule_id, calls in other.rule_calls.items():
        target.rule_calls[rule_id] = target.rule_calls.get(rule_id, 0) + calls
    target.candidate_events += other.candidate_events
    target.files_skipped += other.files_skipped


def scan_build_parallel(
    location: str | Path,
    rules: Iterable[RuleLike],
    *,
    mapping: FieldMappings,
    jobs: int,
    overrides: Mapping[str, str] | None = None,
    rules_digest: str = "",
    profile: ScanProfile | None = None,
    scanner: str | None = None,
) -> BuildScan:
    """:func:`~fingerlog.engine.scan.scan_build` with ``jobs`` processes; the same answer, in the same order."""
    rules = tuple(rules)
    if jobs <= 1:
        return scan_build(location, rules, mapping=mapping, overrides=overrides, rules_digest=rules_digest,
                          profile=profile, scanner=scanner)
    started = time.perf_counter()
    plan_for(rules, mapping, scanner=scanner)  # built once, inherited by the forked workers
    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else None)
    claimed = context.Value("q", -1)
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_share_claims,
                             initargs=(claimed,)) as pool:
        futures = [
            pool.submit(_scan_part, str(location), rules, mapping, dict(overrides or {}), scanner, profile is not None)
            for _ in range(jobs)
        ]
        parts = [future.result() for future in futures]
    hits = sorted((hit for _, found, _, _ in parts for hit in found.hits), key=lambda pair: pair[0])
    errors: dict[SourceError, None] = {}
    for _, _, part_errors, _ in parts:
        errors.update(dict.fromkeys(part_errors))  # listing errors are seen by every worker
    if profile is not None:
        for *_, part_profile in parts:
            if part_profile is not None:
                _merge_profiles(profile, part_profile)
    scan = BuildScan(
        build=parts[0][0],
        hits=tuple(hit for _, hit in hits),
        errors=tuple(errors),
        bytes_read=sum(found.bytes_read for _, found, _, _ in parts),
        files=sum(found.files for _, found, _, _ in parts),
        rules_digest=rules_digest,
    )
    scan = with_first_errors(scan, location, overrides)
    return replace(scan, duration=time.perf_counter() - started)
