"""docs/sources.md shows the derivation tables the code runs on, row for row."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from fingerlog.sources import BUILD_FIELD_RULES, FILE_RULES, FORMATS
from fingerlog.sources.filetypes import SKIP_PATTERNS

DOC = (Path(__file__).resolve().parent.parent / "docs" / "sources.md").read_text(encoding="utf-8")


def _codes(items: tuple[str, ...]) -> str:
    return ", ".join(f"`{item}`" for item in items)


def _table_rows(heading: str) -> list[str]:
    """The body rows (header and rule removed) of the first table after ``heading``."""
    lines = DOC.split(heading, 1)[1].split("\n")
    start = next(i for i, line in enumerate(lines) if line.startswith("|"))
    end = next(i for i in range(start, len(lines)) if not lines[i].startswith("|"))
    return lines[start + 2 : end]


def test_file_rule_table_is_the_code_table_in_order() -> None:
    expected = [f"| `{r.pattern}` | {r.format or 'sniffed'} | {_codes(r.tags)} | {r.note} |" for r in FILE_RULES]
    assert _table_rows("## File rules") == expected


def test_build_field_table_is_the_code_table_in_order() -> None:
    expected = [f"| `{r.field}` | {_codes(r.sources)} |" for r in BUILD_FIELD_RULES]
    assert _table_rows("Source: `fingerlog/sources/build.py`") == expected


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_every_format_has_a_row(name: str) -> None:
    assert re.search(rf"^\| `{name}`( \(fingerlog\))? \|", DOC, re.MULTILINE)


def test_skipped_patterns_are_listed() -> None:
    assert " ".join(SKIP_PATTERNS) in DOC
