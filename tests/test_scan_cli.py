"""`fingerlog scan`: what it prints in each format, its exit codes, and its Parquet output."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from fingerlog.cli import main
from fingerlog.engine.scan import full_pass
from fingerlog.mapping import load_mapping
from fingerlog.rules.loader import load_rules

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "fixtures" / "demo" / "tempest-full-2c4f9e1"
RULES = REPO / "rules"
#: the failures the demo job's README tells the story of.
DEMO_STORY = {"amqp-unreachable", "neutron-failed-to-bind-port", "nova-network-cache-refresh-error"}


def scan(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["scan", *args])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def demo_answer() -> list[tuple[str, str]]:
    """The demo's hits by the plain full pass: every event against every rule."""
    hits, _ = full_pass(DEMO, load_rules(RULES).rules, mapping=load_mapping(None))
    return [(h.rule_id, h.event.event_id) for h in hits]


def test_demo_job_json_lists_every_hit_of_the_full_pass(demo_answer: list[tuple[str, str]]) -> None:
    code, out, _ = scan(str(DEMO), "--format", "json")
    assert code == 0
    document = json.loads(out)
    assert [(h["rule_id"], h["event_id"]) for h in document["hits"]] == demo_answer
    assert {h["rule_id"] for h in document["hits"]} >= DEMO_STORY


def test_demo_job_table_names_fingerprints_with_bug_location_and_remedy(demo_answer: list[tuple[str, str]]) -> None:
    code, out, _ = scan(str(DEMO))
    assert code == 0
    rules = {rule.id: rule for rule in load_rules(RULES).rules}
    for rule_id in {rule_id for rule_id, _ in demo_answer}:
        rule = rules[rule_id]
        assert f"* {rule_id}: {rule.title}" in out
        if rule.bug:
            assert rule.bug in out
    _, first_event = demo_answer[0]
    assert first_event in out  # file:line of the first example


def test_markdown_is_a_review_comment() -> None:
    code, out, _ = scan(str(DEMO), "--format", "markdown")
    assert code == 0
    assert out.startswith("### fingerlog: ")
    assert "| fingerprint | bug | hits | first seen at |" in out
    assert "**What to do:**" in out


#: required properties of the SARIF 2.1.0 objects we emit (from the schema's "required" lists).
SARIF_REQUIRED = {
    "log": ("version", "runs"),
    "run": ("tool",),
    "tool": ("driver",),
    "driver": ("name",),
    "rule": ("id",),
    "result": ("message",),
    "artifactLocation": (),
    "notification": ("message",),
}


def test_sarif_has_the_required_structure_and_file_line_locations() -> None:
    code, out, _ = scan(str(DEMO), "--format", "sarif")
    assert code == 0
    log = json.loads(out)
    assert set(SARIF_REQUIRED["log"]) <= set(log) and log["version"] == "2.1.0"
    run = log["runs"][0]
    assert set(SARIF_REQUIRED["run"]) <= set(run)
    driver = run["tool"]["driver"]
    assert set(SARIF_REQUIRED["driver"]) <= set(driver)
    ids = [rule["id"] for rule in driver["rules"]]
    assert all(set(SARIF_REQUIRED["rule"]) <= set(rule) for rule in driver["rules"])
    assert run["results"]
    for result in run["results"]:
        assert set(SARIF_REQUIRED["result"]) <= set(result) and "text" in result["message"]
        assert ids[result["ruleIndex"]] == result["ruleId"]
        location = result["locations"][0]["physicalLocation"]
        assert (DEMO / location["artifactLocation"]["uri"]).is_file()
        assert 1 <= location["region"]["startLine"] <= location["region"]["endLine"]


def test_json_lines_input_uses_the_document_ids(tmp_path: Path) -> None:
    events = tmp_path / "events.jsonl"
    events.write_text(
        '{"_id": "AVx1", "message": "No valid host was found. There are not enough hosts", "tags": ["screen-n-sch.txt"]}\n'
        '{"message": "no-valid-host was found", "tags": ["screen-n-sch.txt"]}\n'
        '{"_id": "AVx3", "message": "all good", "tags": ["screen-n-sch.txt"]}\n'
    )
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "nvh.yaml").write_text("query: 'message:\"No valid host was found\" AND tags:\"screen-n-sch.txt\"'\n")
    code, out, _ = scan(str(events), "--rules", str(rules), "--format", "json")
    assert code == 0
    assert [(h["rule_id"], h["event_id"]) for h in json.loads(out)["hits"]] == [
        ("nvh", "AVx1"),
        ("nvh", "events.jsonl:2"),
    ]


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        pytest.param(["--fail-on-hit"], 3, "", id="fail-on-hit-with-hits"),
        pytest.param(["--field", "build_status"], 2, "expected NAME=VALUE", id="bad-field"),
        pytest.param(["--mapping", "nosuch"], 2, "unknown mapping", id="unknown-mapping"),
        pytest.param(["--rules", "/nonexistent/rules"], 2, "no rules directory", id="missing-rules"),
    ],
)
def test_exit_codes(args: list[str], code: int, message: str) -> None:
    exit_code, _, err = scan(str(DEMO), *args)
    assert exit_code == code
    assert message in err
    assert "Traceback" not in err


def test_missing_job_could_not_run() -> None:
    code, _, err = scan("/nonexistent/job")
    assert code == 1
    assert err.startswith("fingerlog: error:") and "Traceback" not in err


def test_a_missing_build_among_several_is_reported_and_the_others_are_scanned(
    demo_answer: list[tuple[str, str]],
) -> None:
    code, out, err = scan("/nonexistent/job", str(DEMO), "--format", "json")
    assert code == 1, "one build could not be scanned"
    assert "fingerlog: error: /nonexistent/job: no such file or directory" in err
    assert "1 of 2 builds could not be scanned" in err and "Traceback" not in err
    document = json.loads(out)
    assert [b["location"] for b in document["builds"]] == [str(DEMO)]
    assert sorted((h["rule_id"], h["event_id"]) for h in document["hits"]) == sorted(demo_answer)


def test_no_hit_with_fail_on_hit_exits_zero(tmp_path: Path) -> None:
    (tmp_path / "job").mkdir()
    (tmp_path / "job" / "job-output.txt").write_text("2018-08-01 10:00:00.000000 | all fine\n")
    assert scan(str(tmp_path / "job"), "--fail-on-hit")[0] == 0


#: rules Elasticsearch refuses: a syntax error, a regexp Lucene cannot build, and (under the default
#: mapping, where message is analysed) a term of more tokens than a boolean query may have clauses.
BROKEN_RULES = {
    "unclosed": "query: 'message:\"unclosed'\n",
    "bad-regexp": "query: 'message:/ab(c/'\n",
    "too-many-clauses": "query: message:" + "-".join(f"w{i}" for i in range(1100)) + "\n",
}


@pytest.mark.parametrize("broken", sorted(BROKEN_RULES))
def test_broken_rule_is_reported_and_the_rest_scanned(tmp_path: Path, broken: str) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / f"{broken}.yaml").write_text(BROKEN_RULES[broken])
    (rules / "amqp.yaml").write_text("query: 'message:\"AMQP server\" AND message:unreachable'\n")
    code, out, err = scan(str(DEMO), "--rules", str(rules), "--format", "json")
    assert code == 0
    assert f"skipped rule: {rules / broken}.yaml" in err
    assert {h["rule_id"] for h in json.loads(out)["hits"]} == {"amqp"}
    assert any(f"{broken}.yaml" in problem for problem in json.loads(out)["rule_problems"])


def test_profile_lists_time_per_rule() -> None:
    code, out, _ = scan(str(DEMO), "--profile")
    assert code == 0
    assert "time per rule" in out and "amqp-unreachable" in out.split("time per rule", 1)[1]


def test_out_writes_a_store_duckdb_reads(tmp_path: Path, demo_answer: list[tuple[str, str]]) -> None:
    store = tmp_path / "store"
    code, _, _ = scan(str(DEMO), "--out", str(store), "--field", "build_status=FAILURE")
    assert code == 0
    rows = duckdb.sql(
        f"SELECT rule_id, count(*) FROM read_parquet('{store}/hits/**/*.parquet', hive_partitioning=false) "
        "GROUP BY rule_id ORDER BY rule_id"
    ).fetchall()
    expected: dict[str, int] = {}
    for rule_id, _ in demo_answer:
        expected[rule_id] = expected.get(rule_id, 0) + 1
    assert rows == sorted(expected.items())


def test_help_teaches_with_an_example() -> None:
    result = CliRunner().invoke(main, ["scan", "--help"])
    assert result.exit_code == 0
    assert "Examples:" in result.output and "fingerlog scan" in result.output
