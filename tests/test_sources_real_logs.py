"""Real CI and OpenStack logs (../shared/corpus/logs) become the events logstash made of them.

Expected numbers are derived here independently, from the raw text with
plain regular expressions, never copied from fingerlog's own output.
"""

from __future__ import annotations

import gzip
import re
import zipfile
from pathlib import Path

import pytest

from fingerlog.records import Event
from fingerlog.sources import open_job

pytestmark = [pytest.mark.corpus, pytest.mark.slow]

JOB = "logs/os-loganalyze/job-view/gate-tempest-devstack-vm-neutron-02d68e3"
SAMPLES = "logs/os-loganalyze/{commit}/os_loganalyze/tests/samples/{name}"


def _text(path: Path) -> str:
    data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    return data.decode("utf-8", "replace")


def _sample(corpus: Path, commit: str, name: str) -> Path:
    return corpus / SAMPLES.format(commit=commit, name=name)


@pytest.fixture(scope="module")
def job_events(corpus: Path) -> dict[str, list[Event]]:
    """Every event of the real failed 2013 gate job, by file."""
    job = open_job(corpus / JOB)
    by_file: dict[str, list[Event]] = {}
    for logfile in job.files():
        by_file[logfile.path] = list(logfile.iter_events())
    assert job.errors == []
    return by_file


def test_the_2013_job_knows_its_result_from_the_console(corpus: Path) -> None:
    last = _text(corpus / JOB / "console.html.gz").rstrip("\n").split("\n")[-2]
    assert last.endswith("| Finished: FAILURE")
    assert open_job(corpus / JOB).build.fields == {"build_status": "FAILURE"}


def test_the_2013_job_lists_its_files_with_formats_and_tags(corpus: Path) -> None:
    files = {f.path: (f.format.name, f.fields["tags"]) for f in open_job(corpus / JOB).files()}
    assert files == {
        "console.html": ("console", ("console.html", "console")),
        "logs/devstacklog.txt": ("plain", ("devstacklog.txt", "console", "console.html", "devstack")),
        "logs/screen-c-api.txt": ("oslofmt", ("screen-c-api.txt", "screen", "oslofmt")),
        # keystone's "(keystone-all): <date>" lines are not oslo lines: sniffed as plain
        "logs/screen-key.txt": ("plain", ("screen-key.txt", "screen", "oslofmt")),
        "logs/screen-n-api.txt": ("oslofmt", ("screen-n-api.txt", "screen", "oslofmt")),
        "logs/screen-q-svc.txt": ("oslofmt", ("screen-q-svc.txt", "screen", "oslofmt")),
    }


def test_q_svc_tracebacks_form_one_multiline_event_each(corpus: Path, job_events: dict[str, list[Event]]) -> None:
    lines = _text(corpus / JOB / "logs/screen-q-svc.txt.gz").split("\n")
    trace = re.compile(r"^\S+ \S+ \d+ TRACE ")
    block_starts = [i for i, line in enumerate(lines) if trace.match(line) and not trace.match(lines[i - 1])]
    multiline = [e for e in job_events["logs/screen-q-svc.txt"] if "multiline" in e.fields["tags"]]
    assert len(multiline) == len(block_starts) == 41
    # each event starts at the ERROR line just before its TRACE block (1-based line numbers)
    assert [e.first_line for e in multiline] == list(block_starts)
    assert {e.first("loglevel") for e in multiline} == {"ERROR"}
    assert all("\n" in (e.first("message") or "") for e in multiline)


def test_q_svc_drops_debug_and_xtrace_lines(corpus: Path, job_events: dict[str, list[Event]]) -> None:
    events = job_events["logs/screen-q-svc.txt"]
    text = _text(corpus / JOB / "logs/screen-q-svc.txt.gz")
    levels = re.findall(r"^\S+ \S+ \d+ (INFO|AUDIT|WARNING|ERROR|CRITICAL) ", text, re.MULTILINE)
    assert len(events) == len(levels)  # one event per non-DEBUG oslo line; TRACE lines joined
    assert not [e for e in events if (e.first("message") or "").startswith("+ ")]


def test_console_has_one_event_per_timestamped_line(corpus: Path, job_events: dict[str, list[Event]]) -> None:
    text = _text(corpus / JOB / "console.html.gz")
    stamped = re.findall(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ \| ", text, re.MULTILINE)
    events = job_events["console.html"]
    assert len(events) == len(stamped)
    assert events[-1].first("message") == "Finished: FAILURE"
    assert events[-1].first("@timestamp") == "2013-09-27T18:49:31.824Z"
    failed = [e for e in events if (e.first("message") or "").startswith("FAILED (failures=3")]
    assert len(failed) == 1


def test_n_api_events_carry_oslo_fields(job_events: dict[str, list[Event]]) -> None:
    glance = next(
        e for e in job_events["logs/screen-n-api.txt"] if "Request returned failure status" in (e.first("message") or "")
    )
    assert glance.first("module") == "glanceclient.common.http"
    assert glance.first("pid") and glance.first("loglevel") in ("ERROR", "WARNING", "INFO")


def test_modern_oslo_traceback_lines_carrying_error_stay_events_of_their_own(corpus: Path) -> None:
    path = _sample(corpus, "9916cb3", "screen-neutron-l3.txt.gz")
    events = list(open_job(path).events())
    text = _text(path)
    errors = re.findall(r"^\S+ \S+ \d+ ERROR ", text, re.MULTILINE)
    assert len([e for e in events if e.first("loglevel") == "ERROR"]) == len(errors)
    failed = next(e for e in events if "Failed to fetch router information" in (e.first("message") or ""))
    assert (failed.first("module"), failed.first("pid"), failed.first_line) == ("neutron.agent.l3.agent", "1948", 7193)
    assert failed.first("message") == "[-] Failed to fetch router information for '5b130483-85f2-4bf4-b641-e55ba5f1d30f'"
    assert events[0].fields["tags"][-1] == "_grokparsefailure"  # the "Guru meditation" banner
    assert not [e for e in events if (e.first("message") or "").startswith("+ ")]  # devstack xtrace dropped


@pytest.mark.parametrize(
    "commit, name", [("bbef755", "devstack@c-api.service.log.txt"), ("0ed87b8", "devstack@c-vol.service.log.txt")]
)
def test_systemd_journal_devstack_logs(corpus: Path, commit: str, name: str) -> None:
    path = _sample(corpus, commit, name)
    events = list(open_job(path).events())
    syslog_line = r"^\w+ +\d+ [\d:.]+ \S+ ([\w-]+)\[\d+\]: (INFO|AUDIT|WARNING|ERROR|CRITICAL) (\S+)"
    leveled = re.findall(syslog_line, _text(path), re.MULTILINE)
    parsed = [e for e in events if "loglevel" in e.fields]
    assert [(e.first("loglevel"), e.first("module")) for e in parsed] == [(lv, mod) for _, lv, mod in leveled]
    # grok's DATA stops at the first "program[pid]:", so it holds "<host> <program>"
    assert [(e.first("syslog_program") or "").split(" ")[-1] for e in parsed] == [prog for prog, _, _ in leveled]
    assert len(parsed) > 0
    assert all(e.fields["tags"][:3] == (name, "screen", "oslofmt") for e in events)


def test_journal_traceback_without_level_is_kept_whole(corpus: Path) -> None:
    events = list(open_job(_sample(corpus, "0ed87b8", "devstack@c-vol.service.log.txt")).events())
    traceback = next(e for e in events if "Traceback (most recent call last):" in (e.first("message") or ""))
    assert "_grokparsefailure" in traceback.fields["tags"]
    assert traceback.first("message", "").startswith("May 26 20:44:32.283596 ubuntu-xenial-rax-dfw-9013276 cinder-volume[27348]:")


def test_real_devstack_syslog(corpus: Path) -> None:
    path = _sample(corpus, "96cdbbb", "syslog.txt")
    events = list(open_job(path).events())
    lines = [line for line in _text(path).split("\n") if line.strip()]
    assert len(events) == len(lines)
    iscsi = [e for e in events if "detected conn error (1020)" in (e.first("message") or "")]
    assert len(iscsi) == 14
    assert {(e.first("syslog_program"), e.first("syslog_host")) for e in iscsi} == {
        ("kernel", "devstack-precise-hpcloud-b3-227769")
    }


def test_rotated_production_log(corpus: Path) -> None:
    path = corpus / "logs/os-log-merger/contrib/debug-router-net-vm-creation/logs/controller1/var/log/nova"
    path /= "nova-compute.log-20151124.gz"
    job = open_job(path)
    logfile = next(job.files())
    assert (logfile.path, logfile.format.name, logfile.fields["tags"]) == (
        "nova-compute.log-20151124",
        "oslofmt",
        ("nova-compute.log-20151124", "oslofmt"),
    )
    events = list(logfile.iter_events())
    phrase = "An error occurred while refreshing the network cache."
    hits = [e for e in events if phrase in (e.first("message") or "")]
    assert len(hits) == _text(path).count(phrase) == 1324
    assert all("multiline" in e.fields["tags"] and e.first("loglevel") == "ERROR" for e in hits)


def test_console_with_a_4_48_mb_line_in_a_zip(corpus: Path) -> None:
    path = corpus / "logs/build-failure-analyzer/src/test/resources/com/sonyericsson/jenkins/plugins/bfa/model"
    path /= "FailureReaderTest.zip"
    job = open_job(path)
    events = list(job.events())
    assert [(e.path, e.kind) for e in job.errors] == [("timeout.log", "line-too-long")]
    assert "line 13 " in job.errors[0].message
    with zipfile.ZipFile(path) as archive:
        last = archive.read("timeout.log").decode().rstrip("\n").split("\n")[-1]
    assert events[-1].first("message") == last == "Finished: FAILURE"


@pytest.mark.parametrize("name", ["job-output.txt", "job-output.txt.gz"])
def test_zuul_v3_job_output(corpus: Path, name: str) -> None:
    path = corpus / "logs/zuul-jobs/roles/htmlify-logs/library/test-fixtures/in" / name
    events = list(open_job(path).events())
    assert events[0].fields["tags"] == ("job-output.txt", "console", "console.html")
    assert (events[0].first("message"), events[0].first("@timestamp")) == ("Job console starting...", "2018-08-01T00:43:51.328Z")
    ok = events[-1]  # the unstamped last line joins the event before it, as logstash's multiline did
    assert ok.first("message") == "ubuntu-xenial -> localhost | ok: Runtime: 0:00:00.022230\nhere is a line with some <escapes>"
    assert "multiline" in ok.fields["tags"]


@pytest.mark.parametrize(
    "system, format_",
    [
        ("Apache", "apacheerror"),
        ("Linux", "syslog"),
        ("OpenSSH", "syslog"),
        ("OpenStack", "plain"),  # each line starts with its file name, not a date
        ("HDFS", "plain"),
        ("BGL", "plain"),
    ],
)
def test_loghub_formats_are_sniffed(corpus: Path, system: str, format_: str) -> None:
    path = corpus / f"logs/loghub/{system}/{system}_2k.log"
    logfile = next(open_job(path).files())
    assert logfile.format.name == format_
    events = list(logfile.iter_events())
    assert len(events) == 2000 and events[0].first("message")
