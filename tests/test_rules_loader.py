"""Rule files load as elastic-recheck wrote them, and every problem is reported in place."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from fingerlog.query.nodes import Bool, Phrase
from fingerlog.rules import RuleError, Severity, load_rule, load_rules
from fingerlog.rules.positions import scalar_offsets


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_all_corpus_rules_load_without_problems(corpus: Path) -> None:
    rules = load_rules(corpus / "elastic-recheck/queries")
    assert len(rules.rules) == 925
    assert rules.problems == ()
    by_id = {r.id: r for r in rules.rules}
    assert by_id["1177134"].resolved_at == "Sun Jan 19 18:36:37 PST 2014"
    assert any(r.suppress_graph for r in rules.rules)
    assert any(r.test_ids for r in rules.rules)


def test_rule_keeps_every_key(tmp_path: Path) -> None:
    path = write(tmp_path, "db-deadlock.yaml", """\
query: >-
  message:"Deadlock found" AND tags:"screen"
suppress-graph: true
suppress-notification: false
allow-nonvoting: true
test_ids: [tempest.api.compute.test_servers, 42]
resolved_at: 2014-01-19
title: MySQL deadlock
description: |
  Two lines
  of text.
bug: https://bugs.launchpad.net/bugs/1342086
categories: [database, race]
solution: Retry the transaction.
retryable: true
fixtures:
  positive: [{path: positive, hits: 1}]
""")
    rule = load_rule(path)
    assert rule.id == "db-deadlock"
    assert rule.query_text == 'message:"Deadlock found" AND tags:"screen"'
    assert isinstance(rule.query, Bool)
    assert rule.query.clauses[0].query == Phrase("message", "Deadlock found")
    assert (rule.suppress_graph, rule.suppress_notification, rule.allow_nonvoting) == (True, False, True)
    assert rule.test_ids == ("tempest.api.compute.test_servers", "42")
    assert rule.resolved_at == "2014-01-19" and rule.resolved
    assert (rule.title, rule.bug, rule.solution, rule.retryable) == (
        "MySQL deadlock", "https://bugs.launchpad.net/bugs/1342086", "Retry the transaction.", True)
    assert rule.description == "Two lines\nof text.\n"
    assert rule.categories == ("database", "race")
    assert rule.fixtures == {"positive": [{"path": "positive", "hits": 1}]}
    assert rule.key_position("fixtures") == (16, 1)


# (file text, code, severity, line, column): each problem where a person fixes it
PROBLEMS = [
    ("query: a\nquery: b\n", "duplicate-key", Severity.ERROR, 2, 1),
    ("query: a\nsupress-graph: true\n", "unknown-key", Severity.WARNING, 2, 1),
    ("title: x\n", "no-query", Severity.ERROR, 1, 1),
    ("query: 12\n", "bad-type", Severity.ERROR, 1, 8),
    ("query: a\nsuppress-graph: yes please\n", "bad-type", Severity.ERROR, 2, 17),
    ("query: a\ncategories: database\n", "bad-type", Severity.ERROR, 2, 13),
    ("query: a\nbug: 1342086\n", "bad-type", Severity.ERROR, 2, 6),
    ("query: a\nbug: launchpad 1342086\n", "bug-not-url", Severity.WARNING, 2, 6),
    ("- query: a\n", "not-a-mapping", Severity.ERROR, 1, 1),
    ("query: [a\n", "yaml", Severity.ERROR, 2, 1),
    ("query: a AND\n", "query-syntax", Severity.ERROR, 1, 10),
    ('query: ""\n', "query-syntax", Severity.ERROR, 1, 8),
    ("query: !!python/object:os.system x\n", "yaml", Severity.ERROR, 1, 8),
    ("", "not-a-mapping", Severity.ERROR, 0, 0),
    ("query: null\n", "bad-type", Severity.ERROR, 1, 8),
    # a /regexp/ Lucene's RegExp parser refuses fails the query where it is parsed: at the pattern's fault
    ("query: message:/[a-/\n", "regexp-syntax", Severity.ERROR, 1, 20),
    ('query: >\n  message:"x" AND\n  f\\/g:/ab(c/\n', "regexp-syntax", Severity.ERROR, 3, 13),
    ("query: /[Z-a]/\n", "regexp-syntax", Severity.ERROR, 1, 13),  # lower-cased first: [z-a]
]


@pytest.mark.parametrize(("text", "code", "severity", "line", "column"), PROBLEMS, ids=[p[1] + ":" + p[0] for p in PROBLEMS])
def test_problem_is_reported_at_its_place(
    tmp_path: Path, text: str, code: str, severity: Severity, line: int, column: int
) -> None:
    path = write(tmp_path, "1.yaml", text)
    problems = load_rules(path).problems
    assert [(p.code, p.severity, p.line, p.column) for p in problems] == [(code, severity, line, column)]


def test_unknown_key_suggests_the_known_one(tmp_path: Path) -> None:
    path = write(tmp_path, "1.yaml", "query: a\nsupress-graph: true\n")
    (problem,) = load_rules(path).problems
    assert "did you mean 'suppress-graph'?" in problem.message


def test_not_utf8_is_reported_with_its_position(tmp_path: Path) -> None:
    path = tmp_path / "1.yaml"
    path.write_bytes(b"query: a\ntitle: caf\xe9\n")
    (problem,) = load_rules(path).problems
    assert (problem.code, problem.line, problem.column) == ("encoding", 2, 11)


# A broken query in each YAML scalar style: the error must land on the file's
# line and column of the offending character, whatever folding did to offsets.
STYLES = [
    ("plain", "query: message:foo AND\n", (1, 20)),
    ("plain multi-line", "query: message:foo\n  AND tags:(a\n  OR b\n", (2, 12)),
    ("single-quoted", "query: 'x:\"it''s\" AND\n\n  (a'\n", (3, 3)),
    ("double-quoted escapes", 'query: "x:\\"a\\" \\\n   AND (b"\n', (2, 8)),
    ("literal", "query: |\n  message:\"x\"\n   AND y)\n", (3, 9)),
    ("folded", "query: >\n  message:\"x\" AND\n  tags:\"y\" AND\n  (z\n", (4, 3)),
    ("folded strip", "query: >-\n    a AND\n    b AND\n", (3, 7)),
    ("folded more-indented", "query: >\n  (a AND\n   b) OR\n  c)\n", (4, 4)),
    ("explicit indentation", "query: >2\n   a\n  b)\n", (3, 4)),
    ("crlf", "query: >\r\n  a AND\r\n  b)\r\n", (3, 4)),
]


@pytest.mark.parametrize(("text", "position"), [s[1:] for s in STYLES], ids=[s[0] for s in STYLES])
def test_query_error_points_into_the_file(tmp_path: Path, text: str, position: tuple[int, int]) -> None:
    path = write(tmp_path, "1234.yaml", text)
    with pytest.raises(RuleError) as caught:
        load_rule(path)
    (problem,) = caught.value.problems
    assert problem.code == "query-syntax"
    assert (problem.line, problem.column) == position
    lines = text.replace("\r\n", "\n").split("\n")
    assert problem.excerpt.splitlines()[0].strip() == lines[position[0] - 1].strip()
    assert str(problem).startswith(f"{path}:{position[0]}:{position[1]}: error: ")


def test_every_corpus_query_character_maps_to_itself_in_its_file(corpus: Path) -> None:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    for path in sorted((corpus / "elastic-recheck/queries").glob("*.yaml")):
        source = path.read_text(encoding="utf-8")
        root = yaml.compose(source, Loader=loader)
        node = next(v for k, v in root.value if k.value == "query")
        offsets = scalar_offsets(source, node)
        assert len(set(offsets)) > 1, path  # no fallback to the scalar's start
        for i, ch in enumerate(node.value):
            if ch not in " \n":  # a folded space maps to the line break it replaced
                assert source[offsets[i]] == ch, (path, i)


def test_load_rules_collects_every_problem_of_every_file(tmp_path: Path) -> None:
    write(tmp_path, "good.yaml", "query: a\n")
    write(tmp_path, "bad1.yaml", "query: (a\n")
    write(tmp_path, "bad2.yaml", "query: a\nquery: b\nfoo: 1\n")
    write(tmp_path, "notes.txt", "not a rule")
    rules = load_rules(tmp_path)
    assert [r.id for r in rules.rules] == ["good"]
    assert sorted((Path(p.path).name, p.code) for p in rules.problems) == [
        ("bad1.yaml", "query-syntax"), ("bad2.yaml", "duplicate-key"), ("bad2.yaml", "unknown-key"),
    ]


def test_missing_path_and_empty_directory_are_reported(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    rules = load_rules([tmp_path / "empty", tmp_path / "nope.yaml"])
    assert [(p.code, p.severity) for p in rules.problems] == [("no-rules", Severity.WARNING), ("missing", Severity.ERROR)]


def test_same_id_twice_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    write(tmp_path / "a", "1.yaml", "query: a\n")
    write(tmp_path / "b", "1.yaml", "query: b\n")
    rules = load_rules([tmp_path / "a", tmp_path / "b"])
    assert len(rules.rules) == 1
    assert [p.code for p in rules.problems] == ["duplicate-id"]


def test_digest_changes_with_content_and_only_then(tmp_path: Path) -> None:
    path = write(tmp_path, "1.yaml", "query: a\n")
    first = load_rules(tmp_path).digest
    assert load_rules(tmp_path).digest == first
    path.write_text("query: b\n", encoding="utf-8")
    second = load_rules(tmp_path).digest
    assert second != first
    path.rename(tmp_path / "2.yaml")  # same content, another id
    assert load_rules(tmp_path).digest not in (first, second)


def test_load_rule_raises_with_every_error(tmp_path: Path) -> None:
    path = write(tmp_path, "1.yaml", "query: a)\nretryable: maybe\n")
    with pytest.raises(RuleError) as caught:
        load_rule(path)
    assert [p.code for p in caught.value.problems] == ["bad-type", "query-syntax"]


def test_rules_with_fixture_data_can_be_hashed(tmp_path: Path) -> None:
    path = write(tmp_path, "1.yaml", "query: a\nfixtures: {positive: [{path: p}]}\n")
    assert len({load_rule(path), load_rule(path)}) == 1


_YAML_PIECES = ["a", "b ", " ", "  ", "\n", "\n\n", "x:", '"', "'", "\\", "é", "\t", "AND", "(", ")", "#", ": ",
                " #", "-", "\u2028", "~", "{", "}", "[", "]", ",", "\r"]


@settings(max_examples=300, deadline=None)
@given(
    value=st.lists(st.sampled_from(_YAML_PIECES), min_size=2, max_size=12).map("".join),
    style=st.sampled_from([None, '"', "'", "|", ">"]),
    width=st.sampled_from([20, 80]),
)
def test_any_scalar_pyyaml_writes_maps_back_to_its_characters(value: str, style: str | None, width: int) -> None:
    source = yaml.dump({"query": value}, default_style=style, width=width, allow_unicode=True)
    node = yaml.compose(source).value[0][1]
    assert node.value == value
    offsets = scalar_offsets(source, node)
    assert len(set(offsets)) > 1  # mapped, not the fallback to the scalar's start
    for i, ch in enumerate(value):
        if ch in " \t\r\n\u2028":
            continue  # folded or escaped whitespace maps to the break or escape it came from
        escaped = node.style == '"' and source[offsets[i]] == "\\"
        assert source[offsets[i]] == ch or escaped or (node.style == "'" and ch == "'")
