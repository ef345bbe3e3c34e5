"""The fork server that batch worker processes are forked from, started before the driver's own imports.

Importing the scan engine takes about 0.5 s, and Dask's workers need Dask
imported too (about 1 s more).  One clean process (no driver threads, no
DuckDB state) does those imports once, and each worker is a cheap fork of
it, warm from its first build.  Started first thing by ``fingerlog batch``
(this module imports nothing heavy), its imports run on another core while
the driver imports its own modules, lists the archive and loads the rules.
"""

from __future__ import annotations

import multiprocessing
from multiprocessing import forkserver
from multiprocessing.context import BaseContext

#: what the local engine's worker processes import.
LOCAL_WORKER_MODULES = ("fingerlog.engine.batch",)
#: what the workers of a local Dask cluster import: Dask's worker and the tasks' module.
DASK_WORKER_MODULES = ("distributed", "fingerlog.engine.dask_engine")


def has_fork_server() -> bool:
    """Whether this platform starts processes from a fork server (Linux, macOS; not Windows)."""
    return "forkserver" in multiprocessing.get_all_start_methods()


def start_fork_server(preload: tuple[str, ...]) -> BaseContext:
    """Start this process's fork server now, importing ``preload`` in the background; the context to start workers with.

    A server already running is kept as it is (one per process), so the
    first caller's ``preload`` wins: callers pass the module constants above.
    Where there is no fork server, the platform's default context.
    """
    if not has_fork_server():
        return multiprocessing.get_context()
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(list(preload))
    forkserver.ensure_running()
    return context
