"""The Dask engine: the local engine's per-build unit, run by the workers of a Dask cluster.

The driver only lists builds and collects :class:`BuildSummary` records: each
Dask task runs :func:`fingerlog.engine.batch.scan_and_store` (the function the
local process pool runs) for a group of builds, and that function writes the
builds' Parquet parts itself, under deterministic names.  A task retried
because its worker died, or run twice, therefore rewrites the same parts: the
store never holds a duplicate and never misses a row.

Small builds are grouped so that the scheduler's per-task cost (a few
milliseconds) stays small next to the scanning: the first builds go one per
task, and once their scan times are known each task gets about
``TARGET_TASK_SECONDS`` of work; groups stay small enough that every worker
gets several of the remaining ones, so the cluster stays busy to the end.
The driver keeps a bounded window of groups in flight, so its memory does not
grow with the archive.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections.abc import Iterator, Sequence
from contextlib import ExitStack
from functools import partial
from typing import Any

from fingerlog.engine.archive import BuildTask
from fingerlog.engine.batch import (
    BatchError,
    BatchSpec,
    BuildSummary,
    Engine,
    scan_and_store,
)

#: seconds of scanning one task aims at: far above Dask's per-task cost (milliseconds).
TARGET_TASK_SECONDS = 0.25
#: groups per worker still wanted for what remains: enough for the last ones to balance the load.
GROUPS_PER_WORKER = 8
#: the most builds one task scans (progress is reported per task).
MAX_GROUP = 16
#: groups queued per worker beyond the one it runs: keeps workers fed, the driver small.
QUEUED_PER_WORKER = 3
#: how often a group that raised (it could not write the store) is retried; tasks of a dead
#: worker are re-run by the scheduler (``distributed.scheduler.allowed-failures`` times).
RETRIES = 3


def scan_group(tasks: Sequence[BuildTask], spec: BatchSpec) -> list[BuildSummary]:
    """Scan and store each build of one group: the body of a Dask task."""
    return [scan_and_store(task, spec) for task in tasks]


def group_size(mean_seconds: float | None, remaining: int, workers: int) -> int:
    """How many builds the next task gets, given the mean scan time so far (None: nothing measured yet)."""
    if mean_seconds is None:
        return 1
    by_time = int(TARGET_TASK_SECONDS / mean_seconds) if mean_seconds > 0 else MAX_GROUP
    balanced = remaining // (workers * GROUPS_PER_WORKER)
    return max(1, min(MAX_GROUP, by_time, balanced))


class Grouper:
    """Cuts the builds into consecutive groups, sized from the scan times measured so far."""

    def __init__(self, tasks: Sequence[BuildTask], workers: int) -> None:
        self.tasks = tasks
        self.workers = workers
        self.start = 0
        self.seconds = 0.0
        self.measured = 0

    def learn(self, summaries: Sequence[BuildSummary]) -> None:
        """Take the scan times of finished builds into account for the next groups."""
        self.seconds += sum(s.duration for s in summaries)
        self.measured += len(summaries)

    def next_group(self) -> list[BuildTask]:
        """The next builds to submit together; empty when every build was handed out."""
        mean = self.seconds / self.measured if self.measured else None
        size = group_size(mean, len(self.tasks) - self.start, self.workers)
        group = list(self.tasks[self.start : self.start + size])
        self.start += len(group)
        return group


def _local_cluster_config() -> dict[str, object]:
    """Dask settings for a cluster this command starts, and so stops within seconds.

    No statistical profiler: it samples every worker thread 100 times a second,
    a cost on every build.  Worker processes come from a fork server where the
    platform has one: spawning a fresh interpreter per worker (Dask's default)
    and stopping it cost about a second each way, a fork costs milliseconds.
    """
    config: dict[str, object] = {"distributed.worker.profile.enabled": False}
    if "forkserver" in multiprocessing.get_all_start_methods():
        config["distributed.worker.multiprocessing-method"] = "forkserver"
    return config


def _client(scheduler: str | None, jobs: int, stack: ExitStack) -> Any:
    """A client of the cluster at ``scheduler``, or of a local cluster of ``jobs`` worker processes."""
    import dask
    from distributed import Client, LocalCluster

    if scheduler is None:
        with dask.config.set(_local_cluster_config()):
            # env: a fork server keeps the environment it started with, the workers must see today's
            # (an endpoint or credentials set since, as by --s3-endpoint); no dashboard: nobody looks at it
            local = LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True, dashboard_address=None,
                                 env=dict(os.environ), silence_logs=logging.ERROR)  # fmt: skip
            cluster = stack.enter_context(local)
        return stack.enter_context(Client(cluster))

    # Dask's own connect timeout (distributed.comm.timeouts.connect, 30 s by default) bounds both waits
    timeout = dask.config.get("distributed.comm.timeouts.connect")
    try:
        client = stack.enter_context(Client(scheduler, timeout=timeout))
        client.wait_for_workers(1, timeout=timeout)
    except (OSError, TimeoutError) as exc:
        raise BatchError(f"cannot use the Dask scheduler at {scheduler}: {exc or type(exc).__name__}") from None
    return client


def run_dask(
    tasks: Sequence[BuildTask], spec: BatchSpec, *, jobs: int, scheduler: str | None = None
) -> Iterator[BuildSummary]:
    """Scan ``tasks`` on a Dask cluster, yielding summaries as groups of builds finish.

    Without ``scheduler`` a local cluster of ``jobs`` worker processes is
    started (and stopped at the end); with ``scheduler`` (``tcp://HOST:PORT``)
    the builds go to that running cluster, whose workers must have fingerlog
    installed and reach the archive and the store by the same locations.
    """
    if not tasks:
        return
    from distributed import as_completed
    from distributed.client import FutureCancelledError
    from distributed.scheduler import KilledWorker

    with ExitStack() as stack:
        client = _client(scheduler, jobs, stack)
        workers = max(1, len(client.scheduler_info()["workers"]))
        shared_spec = client.scatter(spec, broadcast=True, hash=False)
        grouper = Grouper(tasks, workers)
        pending: set[Any] = set()
        finished = as_completed()

        def submit_next() -> None:
            group = grouper.next_group()
            if group:
                future = client.submit(scan_group, group, shared_spec, retries=RETRIES, pure=False)
                pending.add(future)
                finished.add(future)

        for _ in range(workers * (1 + QUEUED_PER_WORKER)):
            submit_next()
        try:
            for future in finished:
                pending.discard(future)
                summaries = future.result()
                future.release()
                grouper.learn(summaries)
                yield from summaries
                submit_next()
        except KilledWorker as exc:
            raise BatchError(
                f"Dask workers died again and again running the same builds ({exc}); the builds committed "
                "so far are in the store: run the same command again to resume"
            ) from None
        except FutureCancelledError:
            raise BatchError("the Dask cluster cancelled the batch (scheduler restarted or shut down)") from None
        finally:
            # an interrupted driver does not leave its queued builds running on a shared cluster
            if pending:
                client.cancel(list(pending))


def dask_engine(*, jobs: int, scheduler: str | None = None) -> Engine:
    """The Dask engine as :func:`fingerlog.engine.batch.run_batch` takes it (``engine=``)."""
    return partial(run_dask, jobs=jobs, scheduler=scheduler)
