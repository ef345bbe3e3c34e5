"""`fingerlog lint` and `fingerlog explain` as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from fingerlog.cli import main


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def pack(tmp_path: Path) -> Path:
    (tmp_path / "good.yaml").write_text('query: message:"x" AND tags:"y"\n')
    (tmp_path / "mixed.yaml").write_text("query: >\n  a AND b OR c\n")
    (tmp_path / "broken.yaml").write_text("query: >\n  message:\"x\" AND\n  (tags:y\n")
    (tmp_path / "dup.yaml").write_text("query: a\nquery: b\nsupress-graph: true\n")
    return tmp_path


def test_lint_reports_every_problem_and_fails_on_errors(pack: Path) -> None:
    code, out, err = run("lint", str(pack))
    assert code == 1
    assert err == ""
    lines = out.splitlines()
    assert f"{pack / 'broken.yaml'}:3:3: error: '(' is never closed [query-syntax]" in lines
    assert any(line.endswith("[FL106 mixed-and-or]") for line in lines)
    duplicate = "duplicate key 'query' (first at line 1); YAML would silently keep only the last [duplicate-key]"
    assert f"{pack / 'dup.yaml'}:2:1: error: {duplicate}" in lines
    assert any(line.startswith(f"{pack / 'dup.yaml'}:3:1: warning: unknown key 'supress-graph'") for line in lines)
    mixed = f"{pack / 'mixed.yaml'}:2:3: warning: AND mixed with OR"
    assert any(line.startswith(mixed) and "`+a +b c`" in line for line in lines)
    assert lines[-1] == "2 rules loaded, 2 errors, 2 warnings"


def test_lint_warnings_alone_do_not_fail(pack: Path) -> None:
    code, out, _ = run("lint", str(pack / "good.yaml"), str(pack / "mixed.yaml"))
    assert code == 0
    assert out.splitlines()[-1] == "2 rules loaded, 0 errors, 1 warnings"


def test_lint_json_lists_problems_with_positions(pack: Path) -> None:
    code, out, _ = run("lint", "--format", "json", str(pack))
    report = json.loads(out)
    assert code == 1
    assert (report["rules"], report["errors"], report["warnings"]) == (2, 2, 2)
    assert {"path": str(pack / "broken.yaml"), "line": 3, "column": 3, "severity": "error",
            "code": "query-syntax", "message": "'(' is never closed"} in report["problems"]


def test_lint_of_the_corpus_passes_with_mixed_operator_warnings(corpus: Path) -> None:
    code, out, _ = run("lint", str(corpus / "elastic-recheck/queries"))
    assert code == 0
    assert out.splitlines()[-1] == "925 rules loaded, 0 errors, 3 warnings"
    assert "1295808.yaml:2:3: warning: AND mixed with OR" in out


def test_explain_prints_tree_with_occurs_and_canonical_string() -> None:
    code, out, _ = run("explain", "a AND b OR c^2 -f:(x y)")
    assert code == 0
    assert out.split("Elasticsearch Query DSL")[0] == """\
Tree:
  bool
    must      term      _all: 'a'
    must      term      _all: 'b'
    should    term      _all: 'c'  ^2.0
    must_not  bool
                should    term      f: 'x'
                should    term      f: 'y'
Canonical Lucene:
  +a +b c^2 -(f:x f:y)
"""


def test_explain_a_rule_file(pack: Path) -> None:
    code, out, _ = run("explain", str(pack / "good.yaml"))
    assert code == 0
    assert out.startswith("Rule:\n  id: good\nTree:\n  bool\n    must      phrase    message: 'x'\n")
    assert 'Canonical Lucene:\n  +message:"x" +tags:"y"\n' in out


@pytest.mark.parametrize(("mapping", "tags_query"), [("openstack", "term"), ("analyzed", "match_phrase")])
def test_explain_shows_the_dsl_of_the_chosen_mapping(pack: Path, mapping: str, tags_query: str) -> None:
    code, out, _ = run("explain", str(pack / "good.yaml"), "--mapping", mapping)
    assert code == 0
    _title, _, body = out.partition(f"Elasticsearch Query DSL ({mapping} mapping):\n")
    dsl = json.loads(body)
    assert dsl["bool"]["must"][0] == {"match_phrase": {"message": "x"}}
    assert tags_query in dsl["bool"]["must"][1]


def test_explain_broken_query_is_a_located_error_without_traceback() -> None:
    code, _out, err = run("explain", "a AND")
    assert code == 1
    assert err == "fingerlog: error: <query>:1:3: 'AND' needs a clause after it\n  a AND\n    ^~~\n"


def test_explain_broken_rule_file_reports_file_position(pack: Path) -> None:
    code, _, err = run("explain", str(pack / "broken.yaml"))
    assert code == 1
    assert err.startswith(f"fingerlog: error: {pack / 'broken.yaml'}:3:3: error: '(' is never closed")


def test_explain_missing_rule_file_is_a_usage_error(tmp_path: Path) -> None:
    code, _, err = run("explain", str(tmp_path / "nope.yaml"))
    assert code == 2
    assert "no such rule file" in err


@pytest.mark.parametrize("command", ["lint", "explain"])
def test_help_teaches_with_an_example(command: str) -> None:
    code, out, _ = run(command, "--help")
    assert code == 0
    assert "Example:" in out and f"fingerlog {command} " in out.split("Example:")[1]
