"""Query results rendered as terminal tables, CSV, JSON and markdown, the same values in each."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime
from decimal import Decimal

import pytest

from fingerlog.report.tables import MAX_CELL, render

COLUMNS = ["rule_id", "hits", "share", "when", "tags", "note"]
ROWS = [
    ("oom", 12, 0.25, datetime(2024, 5, 1, 10, 0), ["syslog", "syslog.txt"], "a | b\nsecond line"),
    ("dns", 3, None, date(2024, 5, 2), [], None),
]


def test_table_aligns_columns_and_right_aligns_numbers() -> None:
    assert render(COLUMNS, ROWS, "table").splitlines() == [
        "rule_id  hits  share  when                 tags                note",
        "-------  ----  -----  -------------------  ------------------  -----------------",
        "oom        12   0.25  2024-05-01 10:00:00  syslog, syslog.txt  a | b second line",
        "dns         3         2024-05-02",
        "(2 rows)",
    ]


def test_table_cuts_long_cells() -> None:
    [_, _, line, _] = render(["message"], [("x" * 500,)], "table").splitlines()
    assert line == "x" * (MAX_CELL - 1) + "…"


def test_csv_round_trips_through_a_csv_reader() -> None:
    parsed = list(csv.reader(io.StringIO(render(COLUMNS, ROWS, "csv"))))
    assert parsed == [
        COLUMNS,
        ["oom", "12", "0.25", "2024-05-01 10:00:00", "syslog, syslog.txt", "a | b\nsecond line"],
        ["dns", "3", "", "2024-05-02", "", ""],
    ]


def test_json_keeps_types_and_lists() -> None:
    assert json.loads(render(COLUMNS, ROWS, "json")) == [
        {"rule_id": "oom", "hits": 12, "share": 0.25, "when": "2024-05-01T10:00:00",
         "tags": ["syslog", "syslog.txt"], "note": "a | b\nsecond line"},
        {"rule_id": "dns", "hits": 3, "share": None, "when": "2024-05-02", "tags": [], "note": None},
    ]  # fmt: skip


def test_markdown_escapes_pipes_and_line_breaks() -> None:
    assert render(COLUMNS, ROWS, "markdown").splitlines() == [
        "| rule_id | hits | share | when | tags | note |",
        "|---|---|---|---|---|---|",
        "| oom | 12 | 0.25 | 2024-05-01 10:00:00 | syslog, syslog.txt | a \\| b<br>second line |",
        "| dns | 3 |  | 2024-05-02 |  |  |",
    ]


@pytest.mark.parametrize("fmt", ["table", "csv", "json", "markdown"])
def test_no_rows_still_names_the_columns(fmt: str) -> None:
    out = render(["a", "b"], [], fmt)
    assert out == {"table": "a  b\n-  -\n(0 rows)\n", "csv": "a,b\n", "json": "[]\n", "markdown": "| a | b |\n|---|---|\n"}[fmt]


def test_decimals_and_maps_render_as_text_and_json() -> None:
    rows = [(Decimal("0.5"), {"oom": 2})]
    assert json.loads(render(["rate", "rule_hits"], rows, "json")) == [{"rate": 0.5, "rule_hits": {"oom": 2}}]
    assert render(["rate", "rule_hits"], rows, "csv") == "rate,rule_hits\n0.5,oom=2\n"


def test_an_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown format 'xml'"):
        render(["a"], [], "xml")
