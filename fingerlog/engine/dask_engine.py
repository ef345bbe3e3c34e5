"""The Dask engine: the local engine's per-build unit, run by the workers of a Dask cluster.

The driver only lists builds and collects :class:`BuildSummary` records: each
Dask task runs :func:`fingerlog.engine.batch.scan_and_store` (the function the
local process pool runs) for a group of builds, and that function writes the
builds' Parquet parts itself, under deterministic names.  A task retried
because its worker died, or run twice, therefore rewrites the same parts: the
store never holds a duplicate and never misses a row.

Builds are grouped so that the cluster's cost per task (messages between
client, scheduler and worker: a few milliseconds of CPU, on the cores the
scan needs when the cluster is local) is paid a few dozen times per batch,
not once per build.  Each task takes a share of the builds still unassigned
(guided self-scheduling): large tasks first, ever smaller ones at the end, so
the workers finish together.  A task's size is capped by the scan time
measured so far, so the progress bar moves and a lost worker costs little
work.  The driver keeps a bounded window of groups in flight, so its memory
does not grow with the archive.

Starting a cluster is a fixed cost (about a second for 2 local workers), so
:class:`DaskEngine` starts it while the driver is still planning, and the
workers import the scan engine before their first build (measurements:
docs/scale-out.md, "Sizing").
"""

from __future__ import annotations

import importlib
import logging
import os
import threading
from collections.abc import Iterator, Sequence
from contextlib import ExitStack
from typing import TYPE_CHECKING, Any

from fingerlog.engine.archive import BuildTask
from fingerlog.engine.batch import (
    BatchError,
    BatchSpec,
    BuildSummary,
    scan_and_store,
)
from fingerlog.engine.forkserver import DASK_WORKER_MODULES, has_fork_server, start_fork_server

if TYPE_CHECKING:
    from typing import Self

#: a task takes 1 / (SPLIT x workers) of the builds still unassigned: the last tasks are small.
SPLIT = 2
#: the most seconds of scanning one task gets, once scan times are measured (progress, work lost with a worker).
MAX_TASK_SECONDS = 2.0
#: builds per task before any scan time is measured (the first tasks also pay each worker's warm-up).
FIRST_GROUP = 8
#: groups queued per worker beyond the one it runs: the next is ready when a task ends.
QUEUED_PER_WORKER = 1
#: what a worker imports to run the tasks (and the scan engine with it): warm before the first build arrives.
WORKER_MODULE = __name__
#: how often a group that raised (it could not write the store) is retried; tasks of a dead
#: worker are re-run by the scheduler (``distributed.scheduler.allowed-failures`` times).
RETRIES = 3


def scan_group(tasks: Sequence[BuildTask], spec: BatchSpec) -> list[BuildSummary]:
    """Scan and store each build of one group: the body of a Dask task."""
    return [scan_and_store(task, spec) for task in tasks]


def group_size(mean_seconds: float | None, remaining: int, workers: int) -> int:
    """How many builds the next task gets, given the mean scan time so far (None: nothing measured yet)."""
    share = -(-remaining // (SPLIT * workers))  # rounded up: the last builds still go
    if mean_seconds is None:
        cap = FIRST_GROUP
    elif mean_seconds > 0:
        cap = int(MAX_TASK_SECONDS / mean_seconds)
    else:
        cap = share
    return max(1, min(share, cap))


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


#: Dask settings that keep the runtime's periodic jobs off the scan's cores (docs/scale-out.md
#: lists them as environment variables for a running cluster).  Each periodic job takes CPU
#: from the scan when the cluster shares a machine with it, so those that only feed dashboards
#: or warnings are off or slowed down (an idle 2-worker cluster with the driver: 110-120 ms of
#: CPU a second with Dask's defaults, about 20 with these): no statistical profiler (it samples
#: every worker thread 100 times a second); the event loops' health check once a second, not
#: every 20 ms (it feeds a warning); each worker's memory checked once a second, not 10 times
#: (a scan holds one build's rows at most, the memory limits stay enforced); the system
#: monitor (CPU, memory, network, disk for the dashboard) every 2 s, without disk counters.
QUIET_SETTINGS: dict[str, object] = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.worker.memory.monitor-interval": "1s",
    "distributed.admin.system-monitor.interval": "2s",
    "distributed.admin.system-monitor.disk": False,
}


def _local_cluster_config() -> dict[str, object]:
    """Dask settings for a cluster this command starts, and so stops within seconds.

    The quiet settings above, and worker processes forked from a fork server
    where the platform has one: spawning a fresh interpreter per worker
    (Dask's default) and stopping it cost about a second each way, a fork
    costs milliseconds.
    """
    config = dict(QUIET_SETTINGS)
    if has_fork_server():
        config["distributed.worker.multiprocessing-method"] = "forkserver"
    return config


def _client(scheduler: str | None, jobs: int, stack: ExitStack) -> Any:
    """A client of the cluster at ``scheduler``, or of a local cluster of ``jobs`` worker processes.

    Their ``close`` go on ``stack`` (not their context managers: those keep
    per-thread state, and the driver's thread closes what this one opened).
    """
    import dask
    from distributed import Client, LocalCluster

    if scheduler is None:
        with dask.config.set(_local_cluster_config()):
            # env: a fork server keeps the environment it started with, the workers must see today's
            # (an endpoint or credentials set since, as by --s3-endpoint); no dashboard: nobody looks at it
            cluster = LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True, dashboard_address=None,
                                   env=dict(os.environ), silence_logs=logging.ERROR)  # fmt: skip
        stack.callback(cluster.close)
        client = Client(cluster)
        stack.callback(client.close)
        return client

    # Dask's own connect timeout (distributed.comm.timeouts.connect, 30 s by default) bounds both waits
    timeout = dask.config.get("distributed.comm.timeouts.connect")
    try:
        client = Client(scheduler, timeout=timeout)
        stack.callback(client.close)
        client.wait_for_workers(1, timeout=timeout)
    except (OSError, TimeoutError) as exc:
        raise BatchError(f"cannot use the Dask scheduler at {scheduler}: {exc or type(exc).__name__}") from None
    return client


def _warm(client: Any) -> None:
    """Have every worker import the scan engine now, not when its first build arrives.

    Workers of a cluster this command starts come warm from the fork server;
    the workers of a running cluster import it here, all at once, while the
    driver still plans.  A worker without fingerlog is told here in one line;
    a worker that fails otherwise (lost meanwhile) is left to the scheduler,
    which gives its tasks to the others.
    """
    imported = client.run(importlib.import_module, WORKER_MODULE, on_error="return")
    missing = [result for result in imported.values() if isinstance(result, ImportError)]
    if missing:
        raise BatchError(f"the Dask workers cannot import fingerlog ({missing[0]}): install fingerlog on every worker")


class DaskEngine:
    """The Dask engine as :func:`fingerlog.engine.batch.run_batch` takes it (``engine=``), ready early.

    Used as a context manager around the driver's own set-up: entering starts
    the cluster (or connects to ``scheduler``) in a background thread, so
    that listing the archive, loading the rules and preparing the store
    overlap with starting the scheduler and the workers and with their
    imports; leaving closes the client and a cluster it started, whether the
    batch ended, failed or was interrupted.

    Without ``scheduler`` a local cluster of ``jobs`` worker processes is
    started; with ``scheduler`` (``tcp://HOST:PORT``) the builds go to that
    running cluster, whose workers must have fingerlog installed and reach
    the archive and the store by the same locations.
    """

    def __init__(self, *, jobs: int, scheduler: str | None = None) -> None:
        self.jobs = jobs
        self.scheduler = scheduler
        self._resources = ExitStack()
        self._client: Any = None
        self._failure: BaseException | None = None
        self._starting = threading.Thread(target=self._start, name="fingerlog-dask-start")

    def __enter__(self) -> Self:
        if self.scheduler is None and has_fork_server():
            # the fork server imports Dask and the scan engine in its own process, in parallel with the driver
            # (already running when `fingerlog batch` started it, see fingerlog.engine.forkserver)
            start_fork_server(DASK_WORKER_MODULES)
        self._starting.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._starting.join()  # a cluster still starting is closed once it is up
        self._resources.close()

    def _start(self) -> None:
        try:
            self._client = _client(self.scheduler, self.jobs, self._resources)
            _warm(self._client)
        except BaseException as exc:  # noqa: BLE001 - raised in the driver's thread by __call__
            self._failure = exc

    def wait(self) -> Any:
        """The client, once the cluster is up and its workers warm; raises what kept it from starting."""
        self._starting.join()
        if self._failure is not None:
            raise self._failure
        return self._client

    def __call__(self, tasks: Sequence[BuildTask], spec: BatchSpec) -> Iterator[BuildSummary]:
        """Scan ``tasks`` on the cluster, yielding summaries as groups of builds finish."""
        if tasks:
            yield from _run(self.wait(), tasks, spec)


def _run(client: Any, tasks: Sequence[BuildTask], spec: BatchSpec) -> Iterator[BuildSummary]:
    """Submit the builds in groups, a bounded window at a time; yield the summaries as groups finish."""
    from distributed import as_completed
    from distributed.client import FutureCancelledError
    from distributed.scheduler import KilledWorker

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
