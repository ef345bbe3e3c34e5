"""A seeded generator of Zuul v3 job archives whose fingerprint hits are known by construction.

Each job is a directory like a downloaded Zuul v3 build (``job-output.txt``,
``zuul-info/inventory.yaml``, ``logs/syslog.txt``); a CSV manifest beside the
jobs gives what the logs do not record (``build_status``, ``start_time``).
Known failure lines are planted, each one event (every console line carries
its own timestamp), so the truth every report must give is the generator's
plan, computed without fingerlog.  Used by tests/test_batch*.py and by
bench/batch_bench.py.
"""

from __future__ import annotations

import gzip
import random
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path

#: rule id -> (query, the planted log text it matches).
PLANTED: dict[str, tuple[str, str]] = {
    "oom": ('message:"invoked oom-killer"', "kernel: qemu-system-x86 invoked oom-killer: gfp_mask=0x14200ca, order=0"),
    "dns": ('message:"Temporary failure in name resolution"',
            ("fatal: unable to access 'https://opendev.org/openstack/nova/': "
             "Could not resolve host: Temporary failure in name resolution")),
    "disk": ('message:"No space left on device"', "OSError: [Errno 28] No space left on device: '/opt/stack/data'"),
}  # fmt: skip
#: a rule no job matches (dormant) and one whose bug was resolved before the builds ran.
EXTRA_RULES: dict[str, str] = {"never": 'message:"this fingerprint matches nothing at all"'}
RESOLVED_RULE, RESOLVED_AT = "disk", "Wed May  1 12:00:00 UTC 2024"

FILLER = (
    "TASK [devstack : Write the devstack local.conf]",
    "ok: [controller]",
    "changed: [controller] => (item=nova-compute)",
    "+ ./stack.sh:main:1020 : echo_summary 'Installing package prerequisites'",
    "{0} tempest.api.compute.servers.test_servers.ServersTestJSON.test_create_server [2.113s] ... ok",
    "PLAY RECAP *********************************************************************",
    "2024-05-01 10:00:00.000 | DEBUG oslo_concurrency.lockutils [-] Lock acquired by compute_resources",
)
STATUSES = ("SUCCESS", "SUCCESS", "FAILURE", "FAILURE", "FAILURE", "TIMED_OUT", "POST_FAILURE")
START = datetime(2024, 4, 28)


@dataclass(frozen=True)
class PlannedBuild:
    """What the generator put into one job."""

    path: Path
    uuid: str
    job: str
    queue: str
    status: str
    voting: bool
    start: datetime
    #: rule id -> number of planted lines (each one hit).
    hits: dict[str, int]
    corrupt: bool
    #: bytes of log text written (uncompressed).
    size: int


def write_rules(directory: Path) -> Path:
    """The rule files matching the planted lines (plus a dormant one)."""
    directory.mkdir(parents=True, exist_ok=True)
    queries = {rule: query for rule, (query, _) in PLANTED.items()} | EXTRA_RULES
    for rule, query in queries.items():
        lines = [f"query: '{query}'", f"title: planted {rule}"]
        if rule == RESOLVED_RULE:
            lines.append(f'resolved_at: "{RESOLVED_AT}"')
        (directory / f"{rule}.yaml").write_text("\n".join(lines) + "\n")
    return directory


def _inventory(uuid: str, job: str, queue: str, voting: bool) -> str:
    return (
        "all:\n  hosts:\n    controller:\n      nodepool:\n        provider: rax-ord\n"
        "  vars:\n    zuul:\n"
        f"      build: {uuid}\n      job: {job}\n      pipeline: {queue}\n      change: '650123'\n      patchset: '2'\n"
        f"      branch: master\n      voting: {'true' if voting else 'false'}\n"
        "      project:\n        name: openstack/nova\n"
    )


def generate_archive(
    root: Path, count: int, *, seed: int = 1, filler_lines: int = 60, corrupt: int = 1, days: int = 6
) -> list[PlannedBuild]:
    """Write ``count`` jobs under ``root`` and ``root/builds.csv``; return the plan.

    The first ``corrupt`` jobs also carry a corrupt ``logs/screen-n-cpu.txt.gz``.
    """
    rng = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    plan = []
    for n in range(count):
        uuid = f"{rng.getrandbits(128):032x}"
        status = rng.choice(STATUSES)
        failing = status != "SUCCESS"
        hits = {rule: rng.randint(1, 3) for rule in PLANTED if rng.random() < (0.35 if failing else 0.06)}
        start = START + timedelta(seconds=rng.randrange(days * 86400))
        build = PlannedBuild(
            path=root / f"job-{n:05d}",
            uuid=uuid,
            job=rng.choice(["tempest-full", "nova-grenade", "openstack-tox-py311"]),
            queue=rng.choice(["check", "gate"]),
            status=status,
            voting=rng.random() < 0.8,
            start=start,
            hits=hits,
            corrupt=n < corrupt,
            size=0,
        )
        size = _write_job(build, rng, filler_lines)
        plan.append(replace(build, size=size))
    manifest = ["path,build_status,start_time"]
    manifest += [f"{b.path.name},{b.status},{b.start.isoformat()}Z" for b in plan]
    (root / "builds.csv").write_text("\n".join(manifest) + "\n")
    return plan


def _write_job(build: PlannedBuild, rng: random.Random, filler_lines: int) -> int:
    (build.path / "zuul-info").mkdir(parents=True, exist_ok=True)
    (build.path / "logs").mkdir(exist_ok=True)
    (build.path / "zuul-info" / "inventory.yaml").write_text(_inventory(build.uuid, build.job, build.queue, build.voting))
    texts = [rng.choice(FILLER).format(rng.randrange(100)) for _ in range(filler_lines)]
    for rule, times in build.hits.items():
        for _ in range(times):
            texts.insert(rng.randrange(len(texts) + 1), PLANTED[rule][1])
    clock = build.start
    lines = []
    for text in texts:
        clock += timedelta(milliseconds=rng.randrange(1, 5000))
        lines.append(f"{clock:%Y-%m-%d %H:%M:%S.%f} | {text}\n")
    console = "".join(lines)
    (build.path / "job-output.txt").write_text(console)
    syslog = "".join(f"May  1 10:00:{s:02d} controller systemd[1]: Started Session {s} of user zuul.\n" for s in range(20))
    (build.path / "logs" / "syslog.txt").write_text(syslog)
    if build.corrupt:
        (build.path / "logs" / "screen-n-cpu.txt.gz").write_bytes(gzip.compress(b"x" * 5000)[:40] + b"\x00garbage")
    return len(console) + len(syslog)
