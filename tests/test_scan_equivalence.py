"""The fast scan (filters, literal prefilter, events around candidates) equals the plain full pass.

The full pass (:func:`fingerlog.engine.scan.full_pass`) reads every event with
the sources' own reader and runs every rule on it; whatever the prefilter
skips must therefore be something no rule could match.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from fingerlog.engine import windows
from fingerlog.engine.parallel import scan_build_parallel
from fingerlog.engine.scan import full_pass, scan_build
from fingerlog.mapping import available_mappings, load_mapping
from fingerlog.records import Hit
from fingerlog.rules.loader import load_rules
from fingerlog.rules.model import Rule
from fingerlog.sources import load_sample_events

JOB_VIEW = "logs/os-loganalyze/job-view/gate-tempest-devstack-vm-neutron-02d68e3"
#: real logs, under the names a job gives them (names decide tags and formats).
REAL_FILES = {
    "console.html": f"{JOB_VIEW}/console.html.gz",
    "logs/screen-q-svc.txt": f"{JOB_VIEW}/logs/screen-q-svc.txt.gz",
    "logs/screen-n-api.txt": f"{JOB_VIEW}/logs/screen-n-api.txt.gz",
    "logs/syslog.txt": "logs/os-loganalyze/96cdbbb/os_loganalyze/tests/samples/syslog.txt",
    "logs/screen-neutron-l3.txt": "logs/os-loganalyze/9916cb3/os_loganalyze/tests/samples/screen-neutron-l3.txt.gz",
}
#: lines kept of each real log: the full pass runs ~1,000 rules on every event, so keep it small.
LINES_PER_FILE = 400
#: how a planted line of each format starts (the real sample documents lost their prefixes).
PREFIX = {
    "console": "2013-10-18 04:13:32.790 | ",
    "oslofmt": "2013-10-18 04:13:32.790 3618 ERROR neutron.openstack.common.rpc.common ",
    "syslog": "Oct 18 04:13:32 devstack-precise-hpcloud-az3-408487 proxy-server: ",
}
TRACE = "2013-10-18 04:13:32.790 3618 TRACE neutron.openstack.common.rpc.common "


def _answer(hits: list[Hit] | tuple[Hit, ...]) -> list[tuple[str, str, int, int]]:
    return [(h.rule_id, h.event.event_id, h.event.first_line, h.event.last_line) for h in hits]


def _read(path: Path) -> bytes:
    return gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()


def _planted(corpus: Path) -> dict[str, list[str]]:
    """Real messages of the ES sample hits, written back as lines of the file they came from."""
    lines: dict[str, list[str]] = {}
    for sample in sorted((corpus / "elastic-recheck/samples/samples").glob("bug-*.json")):
        for event in load_sample_events(sample):
            tags = event.fields.get("tags", ())
            fmt = next((f for f in ("oslofmt", "syslog") if f in tags), "console")
            name = event.source if event.source in REAL_FILES else next(
                n for n in REAL_FILES
                if PREFIX[fmt]
                and (fmt in n or (fmt == "oslofmt" and "screen" in n) or (fmt == "console" and n == "console.html"))
            )
            first, *rest = (event.first("message") or "").split("\n")
            lines.setdefault(name, []).append(PREFIX[fmt] + first)
            lines[name].extend((TRACE if fmt == "oslofmt" else "") + line for line in rest)
    return lines


@pytest.fixture(scope="module")
def real_job(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    job = tmp_path_factory.mktemp("job")
    planted = _planted(corpus)
    for name, source in REAL_FILES.items():
        real = _read(corpus / source).split(b"\n")[:LINES_PER_FILE]
        extra = "\n".join(planted.get(name, [])).encode()
        middle = len(real) // 2  # planted lines sit between real ones, not at a chunk edge
        target = job / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(b"\n".join([*real[:middle], extra, *real[middle:]]) + b"\n")
    return job


@pytest.fixture(scope="module")
def corpus_rules(corpus: Path) -> tuple[Rule, ...]:
    rules = load_rules(corpus / "elastic-recheck/queries").rules
    samples = load_rules(sorted((corpus / "elastic-recheck/samples").glob("queries*/*.yaml"))).rules
    return rules + tuple(r for r in samples if r.id not in {x.id for x in rules})


@pytest.mark.slow
@pytest.mark.parametrize("mapping_name", available_mappings())
def test_corpus_rules_on_real_logs_with_planted_real_hits(
    real_job: Path, corpus_rules: tuple[Rule, ...], mapping_name: str
) -> None:
    mapping = load_mapping(mapping_name)
    fast = scan_build(real_job, corpus_rules, mapping=mapping)
    reference, errors = full_pass(real_job, corpus_rules, mapping=mapping)
    assert _answer(fast.hits) == _answer(reference)
    assert sorted(fast.errors) == sorted(errors)
    # the comparison means something only if many different rules matched
    assert len({h.rule_id for h in reference}) >= 10


def _job(tmp_path: Path, files: dict[str, str | bytes]) -> Path:
    """A job directory holding ``files``; a lone JSON-lines file is the location itself."""
    for name, text in files.items():
        target = tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(text if isinstance(text, bytes) else text.encode())
    if len(files) == 1 and next(iter(files)).endswith(".jsonl"):
        return tmp_path / next(iter(files))
    return tmp_path


def _rules(tmp_path: Path, queries: dict[str, str]) -> tuple[Rule, ...]:
    folder = tmp_path / "rules"
    folder.mkdir()
    for rule_id, query in queries.items():
        (folder / f"{rule_id}.yaml").write_text(f"query: {json.dumps(query)}\n")
    rule_set = load_rules(folder)
    assert not rule_set.problems
    return rule_set.rules


OSLO = "2017-03-01 21:30:55.624 1948 {level} neutron.agent.l3.agent [-] {text}"
#: an old-style oslo traceback: its TRACE lines continue the ERROR line before them.
TRACEBACK = "\n".join(
    [OSLO.format(level="ERROR", text="Failed to fetch router information")]
    + [OSLO.format(level="TRACE", text=t)
       for t in ("Traceback (most recent call last):", "  File \"/opt/stack/neutron/agent.py\", line 3, in fetch",
                 "RemoteError: Remote error: ObjectDeletedError")]
)


@pytest.mark.parametrize(
    ("files", "queries", "hits"),
    [
        pytest.param({"logs/screen-q-l3.txt": TRACEBACK + "\n"},
                     {"split": 'message:"Failed to fetch router" AND message:"ObjectDeletedError"'}, 1,
                     id="literal-on-a-later-line-of-a-multi-line-event"),
        pytest.param({"logs/screen-q-l3.txt": TRACEBACK + "\n"},
                     {"generic": 'message:"ERROR" OR message:"error"', "agent": 'message:"agent"'}, 2,
                     id="generic-literals-everywhere"),
        pytest.param({"logs/screen-q-l3.txt": TRACEBACK + "\n" + OSLO.format(level="INFO", text="fine") + "\n"},
                     {"not-only": 'NOT message:"ObjectDeletedError"', "not-tags": '-tags:"console"'}, 3,
                     id="rules-with-only-not-clauses"),
        pytest.param({"console.html": "2013-09-27 18:47:11.723 | Finished: FAILURE\n", "logs/screen-n-cpu.txt": "x\n"},
                     {"kw": 'filename:"console.html" AND message:"FAILURE"', "tag": 'tags:"screen-n-cpu.txt"'}, 2,
                     id="file-level-fields-decide-alone"),
        pytest.param({"logs/syslog.txt": "Jun  9 15:50:16 node kernel: \u0130NVALID \u212aEY\n"},
                     {"dotted-i": 'message:"invalid"', "kelvin": 'message:key'}, 2,
                     id="non-ascii-letters-that-lower-case-to-ascii"),
        pytest.param({"logs/screen-n-cpu.txt": OSLO.format(level="DEBUG", text="lvremove failed") + "\n"
                      + OSLO.format(level="ERROR", text="lvremove failed") + "\n"},
                     {"lv": 'message:"lvremove failed"'}, 1, id="debug-events-were-never-indexed"),
        pytest.param({"console.html": "<pre>\n2013-09-27 18:47:11.723 | a\n</pre>\nqemu-img convert failed\n"},
                     {"qemu": 'message:"qemu img convert"', "pre": 'message:"pre"'}, 1,
                     id="dropped-lines-and-a-continuation-after-them"),
        pytest.param({"events.jsonl": '{"_id": "d1", "message": "No valid host was found", "tags": ["screen-n-sch.txt"]}\n'
                      '{"_id": "d2", "message": "no-valid-host here"}\n'},
                     {"nvh": 'message:"No valid host" AND tags:"screen-n-sch.txt"', "any": 'message:"valid host"'}, 3,
                     id="json-lines-documents"),
        pytest.param({"logs/screen-n-cpu.txt": b"2017-03-01 21:30:55.624 1948 ERROR m [-] caf\xe9 \xff lvremove\n"},
                     {"lv": 'message:lvremove'}, 1, id="invalid-utf8-is-replaced-and-recorded"),
    ],
)
@pytest.mark.parametrize("mapping_name", ["analyzed", "keyword"])
def test_tricky_cases(
    tmp_path: Path, files: dict[str, str | bytes], queries: dict[str, str], hits: int, mapping_name: str
) -> None:
    mapping = load_mapping(mapping_name)
    job = _job(tmp_path / "job", files)
    rules = _rules(tmp_path, queries)
    fast = scan_build(job, rules, mapping=mapping)
    reference, errors = full_pass(job, rules, mapping=mapping)
    assert _answer(fast.hits) == _answer(reference)
    assert sorted(fast.errors) == sorted(errors)
    assert len(reference) == hits


def test_events_longer_than_the_multiline_limit_and_chunks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A 1,200-line traceback is three events; chunks of 4 KiB cut the file many times."""
    monkeypatch.setattr(windows, "CHUNK_SIZE", 4096)
    body = [OSLO.format(level="ERROR", text="Traceback (most recent call last):")]
    body += [OSLO.format(level="TRACE", text=f"frame {n} lvremove" if n % 7 == 0 else f"frame {n}") for n in range(1200)]
    body += [OSLO.format(level="INFO", text=f"line {n} lvremove") for n in range(300)]
    job = _job(tmp_path / "job", {"logs/screen-c-vol.txt": "\n".join(body) + "\n"})
    rules = _rules(tmp_path, {"lv": "message:lvremove", "frame": 'message:"frame 1199"'})
    mapping = load_mapping("analyzed")
    fast = scan_build(job, rules, mapping=mapping)
    reference, _ = full_pass(job, rules, mapping=mapping)
    assert _answer(fast.hits) == _answer(reference)
    assert [(h.event.first_line, h.event.last_line) for h in reference if h.rule_id == "frame"] == [(1001, 1201)]


def test_long_line_is_recorded_by_both(tmp_path: Path) -> None:
    from fingerlog.sources.events import MAX_LINE_BYTES

    job = _job(tmp_path / "job", {"logs/screen-n-cpu.txt": OSLO.format(level="ERROR", text="x" * (MAX_LINE_BYTES + 10))
                                  + "\n" + OSLO.format(level="ERROR", text="lvremove") + "\n"})
    rules = _rules(tmp_path, {"lv": "message:lvremove"})
    mapping = load_mapping("analyzed")
    fast = scan_build(job, rules, mapping=mapping)
    reference, errors = full_pass(job, rules, mapping=mapping)
    assert _answer(fast.hits) == _answer(reference) and len(reference) == 1
    assert sorted(fast.errors) == sorted(errors) and [e.kind for e in errors] == ["line-too-long"]


@pytest.mark.slow
def test_two_processes_give_the_same_answer_in_the_same_order(real_job: Path, corpus_rules: tuple[Rule, ...]) -> None:
    mapping = load_mapping("analyzed")
    one = scan_build(real_job, corpus_rules, mapping=mapping)
    two = scan_build_parallel(real_job, corpus_rules, mapping=mapping, jobs=2)
    assert _answer(two.hits) == _answer(one.hits)
    assert (two.files, two.bytes_read) == (one.files, one.bytes_read)
