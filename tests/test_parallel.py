"""Several processes scan one build: each file once, by the first worker to reach it; the answer is the serial one."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest

from fingerlog.engine import parallel
from fingerlog.engine.parallel import scan_build_parallel
from fingerlog.engine.scan import scan_build
from fingerlog.mapping import load_mapping
from fingerlog.rules.loader import load_rules

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "fixtures" / "demo" / "tempest-full-2c4f9e1"


@pytest.mark.parametrize(
    ("reached", "granted"),
    [
        pytest.param([0, 1, 2], [True, True, True], id="one-worker-takes-every-file"),
        pytest.param([0, 0, 1, 1], [True, False, True, False], id="the-second-to-reach-a-file-skips-it"),
        pytest.param([0, 3, 1, 2, 4], [True, True, False, False, True], id="a-worker-behind-skips-what-is-taken"),
    ],
)
def test_a_file_is_granted_to_the_first_worker_that_reaches_it(
    monkeypatch: pytest.MonkeyPatch, reached: list[int], granted: list[bool]
) -> None:
    monkeypatch.setattr(parallel, "_claimed", multiprocessing.get_context().Value("q", -1))
    assert [parallel._claim(number) for number in reached] == granted


@pytest.mark.parametrize("jobs", [2, 3])
def test_workers_scan_every_file_once_and_answer_as_one_process(jobs: int) -> None:
    rules = load_rules(REPO / "rules").rules
    mapping = load_mapping(None)
    one = scan_build(DEMO, rules, mapping=mapping)
    many = scan_build_parallel(DEMO, rules, mapping=mapping, jobs=jobs)
    assert one.hits and [(h.rule_id, h.event.event_id) for h in many.hits] == [
        (h.rule_id, h.event.event_id) for h in one.hits
    ]
    assert (many.files, many.bytes_read, sorted(many.errors)) == (one.files, one.bytes_read, sorted(one.errors))
