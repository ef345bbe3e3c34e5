"""File-level filters: decided on a file's own fields, never against what its events say."""

from __future__ import annotations

import gzip
from itertools import combinations
from pathlib import Path

import pytest

from fingerlog.backends.literals import vanishes
from fingerlog.backends.matcher import compile_query
from fingerlog.engine.active import event_field_model
from fingerlog.engine.filters import EventFieldModel, FileFilter, Verdict
from fingerlog.mapping import load_mapping
from fingerlog.query.parser import parse_query
from fingerlog.sources import open_job

MAPPING = load_mapping(None)
LINE_EVENTS = EventFieldModel(own=frozenset({"message", "loglevel"}), appended={"tags": ("multiline",)})
CONSOLE = {"filename": ("console.html",), "tags": ("console.html", "console"), "build_name": ("gate-nova-python27",)}


def verdict(query: str, fields: dict[str, tuple[str, ...]], events: EventFieldModel = LINE_EVENTS) -> Verdict:
    file_filter = FileFilter(
        MAPPING, fields, events, lambda leaf, f: compile_query(leaf, MAPPING).matches(f),
        lambda node: vanishes(node, MAPPING),
    )
    return file_filter.verdict(parse_query(query))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param('message:"No valid host" AND tags:"screen-n-sch.txt"', Verdict.FALSE, id="wrong-file"),
        pytest.param('message:"No valid host" AND tags:"console"', Verdict.UNKNOWN, id="right-file-message-unknown"),
        pytest.param('tags:"console" AND build_name:"gate-nova-python27"', Verdict.TRUE, id="file-fields-decide"),
        pytest.param('(message:a AND message:b) OR message:c tags:"console"', Verdict.TRUE, id="should-satisfied-by-tags"),
        pytest.param('message:a AND NOT tags:"console"', Verdict.FALSE, id="must-not-on-file-field"),
        pytest.param('NOT tags:"screen-n-cpu.txt"', Verdict.UNKNOWN, id="pure-negative-left-to-the-matcher"),
        pytest.param('tags:"multiline"', Verdict.UNKNOWN, id="tag-an-event-may-append"),
        pytest.param('message.raw:"x" AND tags:"console"', Verdict.UNKNOWN, id="sub-field-of-an-event-field"),
        pytest.param('loglevel:ERROR AND build_name:"other"', Verdict.FALSE, id="missing-build-value"),
        pytest.param('_all:console', Verdict.UNKNOWN, id="all-field-includes-event-text"),
    ],
)
def test_verdicts(query: str, expected: Verdict) -> None:
    assert verdict(query, CONSOLE) is expected


def test_documents_decide_nothing() -> None:
    assert verdict('tags:"screen-n-sch.txt"', CONSOLE, EventFieldModel(own=None)) is Verdict.UNKNOWN


@pytest.fixture(scope="module")
def real_events(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> list[tuple[dict, object]]:
    """Events of real logs (oslo with tracebacks, console, syslog) with their file's fields and format."""
    job = tmp_path_factory.mktemp("job")
    view = corpus / "logs/os-loganalyze/job-view/gate-tempest-devstack-vm-neutron-02d68e3"
    for name, source in {"console.html": view / "console.html.gz", "logs/screen-q-svc.txt": view / "logs/screen-q-svc.txt.gz",
                         "logs/syslog.txt": corpus / "logs/os-loganalyze/96cdbbb/os_loganalyze/tests/samples/syslog.txt"}.items():
        data = gzip.decompress(source.read_bytes()) if source.suffix == ".gz" else source.read_bytes()
        (job / name).parent.mkdir(parents=True, exist_ok=True)
        (job / name).write_bytes(b"\n".join(data.split(b"\n")[:3000]))
    found = []
    for logfile in open_job(job).files():
        found.extend((dict(logfile.fields), logfile.format, event) for event in logfile.iter_events())
    return found


def test_event_field_model_covers_what_real_events_change(real_events: list) -> None:
    """Every field an event changes is one the model calls its own, or a tag it may append."""
    assert real_events
    for file_fields, fmt, event in real_events:
        model = event_field_model(fmt)
        for name, values in event.fields.items():
            if model.own is not None and name in model.own:
                continue
            variants = model.variants(name, file_fields.get(name, ()))
            assert values in variants, (name, values, variants)
        assert all(name in event.fields for name in file_fields)


@pytest.mark.parametrize("extra", [("a", "b"), ("multiline", "_grokparsefailure", "_dateparsefailure")])
def test_variants_are_every_ordered_subset_appended(extra: tuple[str, ...]) -> None:
    model = EventFieldModel(own=frozenset(), appended={"tags": extra})
    expected = {("f", *c) for size in range(len(extra) + 1) for c in combinations(extra, size)}
    assert set(model.variants("tags", ("f",))) == expected
    assert model.variants("filename", ("x",)) == [("x",)]
