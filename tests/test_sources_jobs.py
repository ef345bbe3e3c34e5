"""Jobs as users download them: directories, archives, compressed files, JSON lines; build fields."""

from __future__ import annotations

import bz2
import gzip
import io
import json
import lzma
import shutil
import tarfile
import zipfile
from pathlib import Path

import pytest

from fingerlog.records import Event
from fingerlog.sources import MAX_EVENT_LINES, JobError, open_job
from fingerlog.sources.formats import is_search_response

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "sources"
ZUUL_V3 = FIXTURES / "zuul-v3-job"
ZUUL_V2 = FIXTURES / "logs.openstack.org/18/51738/3/check/check-tempest-devstack-vm-neutron/6f3b1e2"


def _events(location: Path, **overrides: str) -> list[Event]:
    return list(open_job(location, overrides=overrides).events())


def _find(events: list[Event], text: str) -> Event:
    return next(e for e in events if text in (e.first("message") or ""))


@pytest.mark.parametrize(
    "field, value",
    [
        ("build_name", "tempest-full-py3"),
        ("build_uuid", "8c1f3b2e9d7a4f60b5e2c4d1a9f8e7b6"),
        ("build_short_uuid", "8c1f3b2"),
        ("build_status", "FAILURE"),  # only the API record knows the result
        ("build_change", "812345"),
        ("build_patchset", "7"),
        ("build_queue", "gate"),
        ("build_branch", "master"),
        ("project", "openstack/nova"),
        ("voting", "1"),
        ("node_provider", "ovh-bhs1"),
        ("log_url", "https://storage.example.org/45/812345/7/gate/tempest-full-py3/8c1f3b2/"),
    ],
)
def test_zuul_v3_build_fields_come_from_zuul_info(field: str, value: str) -> None:
    assert open_job(ZUUL_V3).build.fields[field] == value


def test_zuul_v3_inventory_alone_gives_the_build_fields(tmp_path: Path) -> None:
    job = tmp_path / "job"
    shutil.copytree(ZUUL_V3, job)
    (job / "zuul-info/build.json").unlink()
    fields = open_job(job).build.fields
    assert (fields["build_name"], fields["build_queue"], fields["voting"]) == ("tempest-full-py3", "gate", "1")
    assert "build_status" not in fields


def test_overrides_win_and_reach_every_event() -> None:
    events = _events(ZUUL_V3, build_status="SUCCESS", build_queue="check")
    assert {(e.first("build_status"), e.first("build_queue")) for e in events} == {("SUCCESS", "check")}


def test_a_logs_openstack_org_path_names_an_old_build() -> None:
    fields = open_job(ZUUL_V2).build.fields
    assert fields == {
        "build_name": "check-tempest-devstack-vm-neutron",
        "build_status": "FAILURE",  # Jenkins' last console line: "Finished: FAILURE"
        "build_short_uuid": "6f3b1e2",
        "build_change": "51738",
        "build_patchset": "3",
        "build_queue": "check",
        "log_url": "http://logs.openstack.org/18/51738/3/check/check-tempest-devstack-vm-neutron/6f3b1e2/",
    }


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "No valid host was found. There are not enough hosts available.'}",
            {
                "filename": ("job-output.txt",),
                "tags": ("job-output.txt", "console", "console.html"),
                "log_url": ("https://storage.example.org/45/812345/7/gate/tempest-full-py3/8c1f3b2/job-output.txt",),
                "@timestamp": ("2021-10-12T10:29:10.990Z",),
            },
        ),
        (
            "Instance failed to spawn",
            {
                "filename": ("controller/logs/screen-n-cpu.txt",),
                "tags": ("screen-n-cpu.txt", "screen", "oslofmt"),
                "loglevel": ("ERROR",),
                "module": ("nova.compute.manager",),
                "syslog_pid": ("51234",),
            },
        ),
        (
            "Traceback (most recent call last):\n",  # not found: ERROR traceback lines stay apart
            None,
        ),
        (
            "oslo_messaging.rpc.server nova.exception.NoValidHost",
            None,
        ),
        (
            "nova.exception.NoValidHost: No valid host",
            {"filename": ("controller/logs/n-sch.log",), "tags": ("n-sch.log", "oslofmt"), "loglevel": ("ERROR",)},
        ),
        (
            "POST /dashboard/auth/login/ 500",
            {"tags": ("horizon_access.txt", "apachecombined"), "response": ("500",), "clientip": ("203.0.113.5",)},
        ),
        (
            "COMMAND=/usr/local/bin/nova-rootwrap",
            {"tags": ("syslog.txt", "syslog"), "syslog_program": ("sudo",), "syslog_host": ("controller",)},
        ),
    ],
)
def test_zuul_v3_fixture_events(text: str, expected: dict[str, tuple[str, ...]] | None) -> None:
    events = _events(ZUUL_V3)
    matches = [e for e in events if text in (e.first("message") or "")]
    if expected is None:
        assert not matches
        return
    assert {k: matches[0].fields[k] for k in expected} == expected


def test_syslog_dates_take_the_year_the_build_ran() -> None:
    event = _find(_events(ZUUL_V3), "COMMAND=/usr/local/bin/nova-rootwrap")
    assert event.first("@timestamp") == "2021-10-12T09:40:05.000Z"  # build.json start_time: 2021


def test_zuul_v3_debug_events_are_not_indexed() -> None:
    assert not [e for e in _events(ZUUL_V3) if e.first("loglevel") == "DEBUG"]


def test_zuul_v2_fixture_events_and_trace_grouping() -> None:
    events = _events(ZUUL_V2)
    trace = _find(events, "Exception during message handling")
    assert trace.fields["tags"] == ("screen-q-svc.txt", "screen", "oslofmt", "multiline")
    assert trace.fields["filename"] == ("logs/screen-q-svc.txt",)
    assert trace.fields["log_url"] == (
        "http://logs.openstack.org/18/51738/3/check/check-tempest-devstack-vm-neutron/6f3b1e2/logs/screen-q-svc.txt",
    )
    assert trace.fields["request_id"] == ("req-3b8f2a1c-9d4e-4f5a-b6c7-d8e9f0a1b2c3",)
    assert (trace.first_line, trace.last_line) == (5, 10)
    assert trace.first("message").count("\n") == 5  # five TRACE lines, the blank one too
    assert not [e for e in events if (e.first("message") or "").startswith(("+ ", "<pre>"))]
    console = _find(events, "ConnectionFailed: Connection to neutron failed")
    assert console.fields["tags"] == ("console.html", "console")
    assert console.event_id == "console.html:7"


def _archive(kind: str, source: Path, dest: Path) -> Path:
    """``source`` packed as users do: under one top directory, some members gzipped inside."""
    files = sorted(p for p in source.rglob("*") if p.is_file())
    if kind == "zip":
        path = dest / "job.zip"
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            for f in files:
                zf.write(f, "job/" + f.relative_to(source).as_posix())
        return path
    path = dest / f"job.{kind}"
    with tarfile.open(path, f"w:{kind.rsplit('.', maxsplit=1)[-1] if '.' in kind else ''}") as tar:
        for f in files:
            data, name = f.read_bytes(), "job/" + f.relative_to(source).as_posix()
            if name.endswith("screen-n-cpu.txt"):  # a gzip inside the tar
                data, name = gzip.compress(data), name + ".gz"
            info = tarfile.TarInfo(name)
            info.size, info.mtime = len(data), f.stat().st_mtime
            tar.addfile(info, io.BytesIO(data))
    return path


def _summary(events: list[Event]) -> list[tuple[str, int, str]]:
    return [(e.source, e.first_line, e.first("message") or "") for e in events]


@pytest.mark.parametrize("kind", ["tar", "tar.gz", "tar.bz2", "tar.xz", "zip"])
def test_an_archive_reads_like_the_directory(kind: str, tmp_path: Path) -> None:
    archive = _archive(kind, ZUUL_V3, tmp_path)
    job = open_job(archive)
    assert job.build.fields == open_job(ZUUL_V3).build.fields
    assert sorted(_summary(list(job.events()))) == sorted(_summary(_events(ZUUL_V3)))
    assert job.errors == []


@pytest.mark.parametrize("suffix, compress", [(".gz", gzip.compress), (".bz2", bz2.compress), (".xz", lzma.compress)])
def test_a_single_compressed_file_loses_its_suffix(suffix: str, compress, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / ("screen-n-cpu.txt" + suffix)
    path.write_bytes(compress((ZUUL_V3 / "controller/logs/screen-n-cpu.txt").read_bytes()))
    events = _events(path)
    assert {e.source for e in events} == {"screen-n-cpu.txt"}
    assert [e.first("message") for e in events] == [
        e.first("message") for e in _events(ZUUL_V3 / "controller/logs/screen-n-cpu.txt")
    ]


@pytest.mark.parametrize(
    "location, filename, build_name",
    [
        (ZUUL_V3 / "controller/logs/screen-n-cpu.txt", "controller/logs/screen-n-cpu.txt", "tempest-full-py3"),
        (ZUUL_V2 / "console.html", "console.html", "check-tempest-devstack-vm-neutron"),
    ],
)
def test_a_single_file_inside_a_job_knows_its_job(location: Path, filename: str, build_name: str) -> None:
    events = _events(location)
    assert {(e.first("filename"), e.first("build_name")) for e in events} == {(filename, build_name)}


def test_files_can_be_listed_again() -> None:
    job = open_job(ZUUL_V3)
    assert [f.path for f in job.files()] == [f.path for f in job.files()] != []


def test_a_tar_member_streams_once(tmp_path: Path) -> None:
    job = open_job(_archive("tar.gz", ZUUL_V3, tmp_path))
    logfile = next(job.files())
    logfile.open_stream().close()
    with pytest.raises(JobError, match="only once"):
        logfile.open_stream()


def test_jsonl_documents_keep_their_fields_ids_and_take_overrides(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    docs = [
        {"_id": "a1", "_source": {"message": "boom", "tags": ["console"], "filename": "console.html"}},
        {"@message": "old layout", "@tags": ["syslog"], "@fields": {"filename": ["logs/syslog.txt"]}},
    ]
    path.write_text("\n".join(json.dumps(d) for d in docs) + "\n\nnot json\n")
    job = open_job(path, overrides={"build_status": "FAILURE"})
    events = list(job.events())
    assert [(e.event_id, e.source, e.first("message"), e.first("build_status")) for e in events] == [
        ("a1", "console.html", "boom", "FAILURE"),
        ("events.jsonl:2", "logs/syslog.txt", "old layout", "FAILURE"),
    ]
    assert [(e.path, e.kind) for e in job.errors] == [("events.jsonl", "invalid-json")]
    assert not next(open_job(path).files()).format.prefilterable


def test_a_traceback_longer_than_an_event_is_split(tmp_path: Path) -> None:
    lines = ["2013-10-18 17:39:43.966 1 ERROR m [-] boom"]
    lines += [f"2013-10-18 17:39:43.966 1 TRACE m frame {i}" for i in range(MAX_EVENT_LINES + 10)]
    path = tmp_path / "screen-n-cpu.txt"
    path.write_text("\n".join(lines) + "\n")
    events = _events(path)
    assert [(e.first_line, e.last_line) for e in events] == [(1, MAX_EVENT_LINES), (MAX_EVENT_LINES + 1, len(lines))]


@pytest.mark.parametrize(
    "name, head, format_, tags",
    [
        ("n-cpu.log", "2021-10-12 09:40:02.001 51300 INFO nova.compute [-] x\n", "oslofmt", ("n-cpu.log", "oslofmt")),
        ("keystone.txt", "(keystone-all): 2013-09-27 18:20:55,646 INFO x\n", "plain", ("keystone.txt",)),
        ("screen-key.txt", "(keystone-all): 2013-09-27 18:20:55,646 INFO x\n", "plain", ("screen-key.txt", "screen", "oslofmt")),
        ("messages", "Jun 14 15:16:01 combo sshd[1]: x\n", "syslog", ("messages", "syslog")),
        ("weird.out", "Jun 14 15:16:01 combo sshd[1]: x\n", "syslog", ("weird.out", "syslog")),
        ("devstacklog.txt", "2014-03-17 16:11:24.173 | stack.sh\n", "console",
         ("devstacklog.txt", "console", "console.html", "devstack")),
    ],
)
def test_files_are_classified_by_name_then_content(
    name: str, head: str, format_: str, tags: tuple[str, ...], tmp_path: Path
) -> None:
    (tmp_path / name).write_text(head)
    logfile = next(open_job(tmp_path).files())
    assert (logfile.format.name, logfile.fields["tags"]) == (format_, tags)


def test_a_missing_location_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(JobError, match="no such file"):
        open_job(tmp_path / "nope")


def test_concatenated_gzip_members_read_as_one_file(tmp_path: Path) -> None:
    path = tmp_path / "console.html.gz"
    path.write_bytes(gzip.compress(b"2013-10-18 14:01:02.345 | one\n") + gzip.compress(b"2013-10-18 14:01:03.456 | two\n"))
    job = open_job(path)
    assert [e.first("message") for e in job.events()] == ["one", "two"] and job.errors == []


@pytest.mark.corpus
@pytest.mark.parametrize("pretty", [True, False], ids=["pretty-printed", "one-line"])
def test_a_saved_search_response_reads_as_its_hits(corpus: Path, pretty: bool, tmp_path: Path) -> None:
    sample = corpus / "elastic-recheck/samples/samples/bug-1226337.json"
    response = json.loads(sample.read_text())
    path = tmp_path / "response.json"
    path.write_text(json.dumps(response, indent=2 if pretty else None))
    job = open_job(path, overrides={"build_queue": "gate"})
    events = list(job.events())
    assert [e.event_id for e in events] == [h["_id"] for h in response["hits"]["hits"]]
    assert {e.first("syslog_program") for e in events} == {"proxy-server"}
    assert {e.first("build_queue") for e in events} == {"gate"} and job.errors == []
    assert next(job.files()).format.name == "search-response"


@pytest.mark.parametrize(
    "head, response",
    [
        (b'{\n  "took": 5,\n  "hits": {\n', True),
        (b'{"took": 5, "hits": {"total": 2, "max_score": null, "hits": [{"_id": "a"}]}}\n', True),
        (b'{"took": 5, "hits": {"total": 2, "max_score": null, "hits": [{"_id": "a", "_source": {"message": "x', True),
        (b'{"message": "boom", "tags": ["console"]}\n{"message": "two"}\n', False),
        (b'{"_id": "a1", "_source": {"message": "boom"}}\n', False),
        (b'not json\n{"message": "x"}\n', False),
    ],
    ids=["pretty", "one-line", "one-line-longer-than-head", "jsonl", "jsonl-hits", "jsonl-broken-first-line"],
)
def test_a_json_file_is_told_apart_as_response_or_json_lines(head: bytes, response: bool) -> None:
    assert is_search_response(head) is response
