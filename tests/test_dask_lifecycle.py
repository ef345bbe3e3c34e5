"""The Dask engine's lifecycle: its cluster starts while the driver plans, and is closed however the batch ends.

A self-started cluster's workers are processes of this one (the nannies'
children), so "closed" is checked where it matters: no worker process is left
running.  A running cluster's workers must import the scan engine before the
first build arrives, and a worker that cannot is one clear error.
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive_gen import generate_archive, write_rules
from fingerlog.cli import main
from fingerlog.engine import dask_engine
from fingerlog.engine.archive import plan_builds
from fingerlog.engine.batch import BatchSpec, BuildSummary, run_batch
from fingerlog.engine.dask_engine import DaskEngine
from fingerlog.mapping import load_mapping
from fingerlog.rules.loader import load_rules
from fingerlog.store.rules import rule_row

distributed = pytest.importorskip("distributed")
dask_config = pytest.importorskip("dask.config")

JOBS = 12


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A small generated archive and its rules directory."""
    root = tmp_path_factory.mktemp("lifecycle")
    generate_archive(root / "archive", JOBS, seed=7, filler_lines=300, corrupt=0)
    return root / "archive", write_rules(root / "rules")


@pytest.fixture(scope="module")
def fresh_cluster() -> Iterator[distributed.LocalCluster]:
    """A running cluster whose workers are fresh interpreters (spawned), as `dask worker` processes are."""
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  silence_logs=logging.ERROR) as running:  # fmt: skip
        yield running


def child_processes() -> set[int]:
    """This process's live child processes: a self-started cluster's workers are among them."""
    return {child.pid for child in multiprocessing.active_children() if child.pid is not None}


def settled_child_processes() -> set[int]:
    """The child processes once any cluster start still under way has finished (it would start workers)."""
    for thread in threading.enumerate():
        if thread.name == "fingerlog-dask-start":
            thread.join()
    return child_processes()


def engine_imported(client: distributed.Client) -> list[bool]:
    """Whether each worker has imported the scan engine.

    The check is a builtin called with a string: a function of this module
    would be unpickled on the worker by importing this module, and the engine with it.
    """
    return list(client.run(eval, "'fingerlog.engine.scan' in __import__('sys').modules").values())


@pytest.mark.slow
@pytest.mark.parametrize("stopped", ["while the cluster starts", "after the first build"])
def test_an_interrupted_batch_leaves_no_worker_process(archive: tuple[Path, Path], tmp_path: Path, stopped: str) -> None:
    directory, rules_dir = archive
    ruleset = load_rules(rules_dir)
    spec = BatchSpec(str(tmp_path / "store"), tuple(ruleset.rules), ruleset.digest, load_mapping(None))
    before = child_processes()
    workers_seen: list[int] = []

    def interrupt(summary: BuildSummary) -> None:
        workers_seen.append(len(child_processes() - before))
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt), DaskEngine(jobs=2) as engine:  # noqa: PT012 - the engine must close on the way out
        if stopped == "while the cluster starts":
            raise KeyboardInterrupt
        run_batch(plan_builds([directory]), spec, [rule_row(r) for r in ruleset.rules], jobs=2, engine=engine,
                  on_build=interrupt)  # fmt: skip
    assert workers_seen == ([] if stopped == "while the cluster starts" else [2])
    assert settled_child_processes() <= before


@pytest.mark.slow
def test_a_usage_error_found_while_the_cluster_starts_closes_it(archive: tuple[Path, Path], tmp_path: Path) -> None:
    directory, _ = archive
    (tmp_path / "no-rules").mkdir()
    before = child_processes()
    result = CliRunner().invoke(main, ["batch", str(directory), "--rules", str(tmp_path / "no-rules"),
                                       "--out", str(tmp_path / "store"), "--engine", "dask", "--jobs", "2"])  # fmt: skip
    assert result.exit_code == 2
    assert "no usable rule" in result.output
    assert settled_child_processes() <= before


@pytest.mark.slow
def test_the_workers_of_a_running_cluster_import_the_engine_before_the_first_build(fresh_cluster) -> None:
    with distributed.Client(fresh_cluster) as client:
        assert engine_imported(client) == [False, False]
        with DaskEngine(jobs=1, scheduler=fresh_cluster.scheduler_address) as engine:
            engine.wait()
            assert engine_imported(client) == [True, True]


def test_workers_that_cannot_import_the_engine_are_one_clear_error(archive: tuple[Path, Path], fresh_cluster,
                                                                   tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    directory, rules_dir = archive
    monkeypatch.setattr(dask_engine, "WORKER_MODULE", "fingerlog.not_installed_here")  # as on a worker without fingerlog
    result = CliRunner().invoke(main, ["batch", str(directory), "--rules", str(rules_dir), "--out", str(tmp_path / "store"),
                                       "--engine", "dask", "--scheduler", fresh_cluster.scheduler_address])  # fmt: skip
    assert result.exit_code == 1
    assert result.output.startswith("fingerlog: error: the Dask workers cannot import fingerlog (No module named ")
    assert result.output.count("\n") == 1


#: what a cluster the command starts must not spend the scan's CPU on (docs/scale-out.md, "Sizing")
QUIET_WORKER_SETTINGS = {
    "distributed.worker.profile.enabled": False,  # no statistical profiler sampling the scan 100 times a second
    "distributed.admin.tick.interval": "1s",  # event-loop health check
    "distributed.worker.memory.monitor-interval": "1s",
    "distributed.admin.system-monitor.interval": "2s",
    "distributed.admin.system-monitor.disk": False,
}


@pytest.mark.slow
def test_the_workers_of_a_self_started_cluster_run_with_the_quiet_settings() -> None:
    with DaskEngine(jobs=2) as engine:
        client = engine.wait()
        seen = {key: list(client.run(dask_config.get, key).values()) for key in QUIET_WORKER_SETTINGS}
    assert seen == {key: [value, value] for key, value in QUIET_WORKER_SETTINGS.items()}


def test_the_settings_the_docs_give_for_a_running_cluster_are_the_ones_a_self_started_cluster_uses() -> None:
    """docs/scale-out.md lists the quiet settings as environment variables: they must say what the engine sets."""
    docs = (Path(__file__).resolve().parents[1] / "docs" / "scale-out.md").read_text()
    block = docs.split("**Settings for a running cluster.**", 1)[1].split("```", 2)[1]
    listed = {}
    for line in block.splitlines():
        if line.startswith("DASK_DISTRIBUTED__"):
            name, value = line.split("#", 1)[0].strip().split("=", 1)
            key = "distributed." + ".".join(part.lower().replace("_", "-") for part in name.split("__")[1:])
            listed[key] = value
    assert listed == {key: str(value) for key, value in dask_engine.QUIET_SETTINGS.items()}
