"""Which builds an ARCHIVE argument stands for, and the build fields a manifest gives them."""

from __future__ import annotations

import json
import tarfile
from pathlib import Path

import pytest

from fingerlog.engine.archive import ArchiveError, BuildTask, list_builds, plan_builds, read_manifest


def make(root: Path, *paths: str) -> None:
    """Create files (and their directories) named relative to ``root``; a trailing / makes a directory."""
    for rel in paths:
        target = root / rel
        if rel.endswith("/"):
            target.mkdir(parents=True, exist_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text("x\n")


@pytest.mark.parametrize(
    ("layout", "expected"),
    [
        # a directory of jobs: each Zuul v3, Jenkins and plain leaf directory is one build
        (["a/zuul-info/inventory.yaml", "a/job-output.txt", "b/console.html.gz", "b/logs/screen-n-api.txt.gz", "c/syslog.txt"],
         ["a", "b", "c"]),
        # nested by change/patchset as logs.openstack.org served them; loose notes are not builds
        (["39/135639/3/check/job-x/4f440b7/console.html", "39/135639/3/gate/job-y/aa11bb2/job-output.txt", "README.md"],
         ["39/135639/3/check/job-x/4f440b7", "39/135639/3/gate/job-y/aa11bb2"]),
        # archives and events files in a directory of jobs are builds; fetch-builds' manifest is not
        (["j1.tar.gz", "j2.zip", "events.jsonl", "manifest.jsonl", "sub/j3.tgz", "sub/j4/job-output.txt"],
         ["events.jsonl", "j1.tar.gz", "j2.zip", "sub/j3.tgz", "sub/j4"]),
        # the argument itself is a job directory
        (["zuul-info/inventory.yaml", "logs/a.txt", "logs/sub/b.txt"], ["."]),
    ],
)
def test_a_directory_lists_its_jobs(tmp_path: Path, layout: list[str], expected: list[str]) -> None:
    make(tmp_path, *layout)
    assert [str(p.relative_to(tmp_path)) for p in list_builds(tmp_path)] == expected


def test_a_list_file_names_builds_relative_to_itself(tmp_path: Path) -> None:
    make(tmp_path, "jobs/a/job-output.txt", "jobs/b.tar.gz")
    listing = tmp_path / "jobs.txt"
    listing.write_text("# two builds\njobs/a\n\n  jobs/b.tar.gz  \n")
    assert list(list_builds(listing)) == [tmp_path / "jobs/a", tmp_path / "jobs/b.tar.gz"]


def test_a_job_archive_is_one_build(tmp_path: Path) -> None:
    make(tmp_path, "job/job-output.txt")
    with tarfile.open(tmp_path / "job.tar.gz", "w:gz") as tar:
        tar.add(tmp_path / "job", arcname="job")
    assert list(list_builds(tmp_path / "job.tar.gz")) == [tmp_path / "job.tar.gz"]


def test_a_missing_archive_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ArchiveError, match="nowhere: no such file or directory"):
        list(list_builds(tmp_path / "nowhere"))


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("m.csv", "path,build_status,voting,build_queue\njobs/a,FAILURE,true,gate\njobs/b,SUCCESS,,check\n"),
        ("m.jsonl", ('{"path": "jobs/a", "build_status": "FAILURE", "voting": true, "build_queue": "gate"}\n\n'
                     '{"path": "jobs/b", "build_status": "SUCCESS", "voting": null, "build_queue": "check"}\n')),
    ],
)
def test_a_manifest_gives_build_fields_by_path(tmp_path: Path, name: str, text: str) -> None:
    (tmp_path / name).write_text(text)
    assert read_manifest(tmp_path / name) == {
        str(tmp_path / "jobs/a"): {"build_status": "FAILURE", "voting": "true", "build_queue": "gate"},
        str(tmp_path / "jobs/b"): {"build_status": "SUCCESS", "build_queue": "check"},
    }


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("m.jsonl", '{"path": "a"}\n{"path": "b",\n', r"m.jsonl:2:\d+: not a JSON object"),
        ("m.jsonl", '{"path": "a"}\n["b"]\n', "m.jsonl:2:1: expected a JSON object"),
        ("m.csv", "job,build_status\na,FAILURE\n", "m.csv:2:1: a manifest row needs a 'path'"),
    ],
)
def test_a_broken_manifest_is_reported_with_its_line(tmp_path: Path, name: str, text: str, message: str) -> None:
    (tmp_path / name).write_text(text)
    with pytest.raises(ArchiveError, match=message):
        read_manifest(tmp_path / name)


def test_plan_joins_archive_and_manifest_and_drops_duplicates(tmp_path: Path) -> None:
    make(tmp_path, "arch/a/job-output.txt", "arch/b/job-output.txt")
    (tmp_path / "arch" / "manifest.jsonl").write_text(json.dumps({"path": "a", "build_status": "FAILURE"}) + "\n")
    tasks = plan_builds([tmp_path / "arch", tmp_path / "arch" / "a"])
    assert tasks == [
        BuildTask(str(tmp_path / "arch/a"), {"build_status": "FAILURE"}),
        BuildTask(str(tmp_path / "arch/b"), {}),
    ]


def test_plan_from_a_manifest_alone(tmp_path: Path) -> None:
    (tmp_path / "m.csv").write_text("path,build_status\nx,FAILURE\ny,SUCCESS\n")
    assert plan_builds([], tmp_path / "m.csv") == [
        BuildTask(str(tmp_path / "x"), {"build_status": "FAILURE"}),
        BuildTask(str(tmp_path / "y"), {"build_status": "SUCCESS"}),
    ]


def test_a_directory_of_job_archives_only_is_a_directory_of_jobs(tmp_path: Path) -> None:
    make(tmp_path, "a.tar.gz", "b.zip")
    assert [p.name for p in list_builds(tmp_path)] == ["a.tar.gz", "b.zip"]
