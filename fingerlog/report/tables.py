"""Render query results (column names + rows) as a terminal table, CSV, JSON or markdown.

Used by ``fingerlog sql`` and ``fingerlog report``, and by anything else that
prints rows.  Values are rendered the same way in every format: dates in ISO
8601, lists joined with ", " (JSON keeps them as arrays), NULL as empty.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

FORMATS = ("table", "csv", "json", "markdown")
#: widest cell a terminal table shows; longer text is cut with an ellipsis.
MAX_CELL = 80


def json_value(value: Any) -> Any:
    """A JSON-serialisable form of a DuckDB value."""
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (list, tuple)):
        return [json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): json_value(v) for k, v in value.items()}
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value


def text_value(value: Any) -> str:
    """The one-line text of a value for tables and CSV."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.4g}" if abs(value) < 1e15 else repr(value)
    if isinstance(value, (list, tuple)):
        return ", ".join(text_value(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}={text_value(v)}" for k, v in value.items())
    if isinstance(value, (datetime, date, time)):
        return value.isoformat(sep=" ") if isinstance(value, datetime) else value.isoformat()
    return str(value)


def records(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[dict[str, Any]]:
    """Rows as JSON-ready objects keyed by column name."""
    return [{c: json_value(v) for c, v in zip(columns, row)} for row in rows]


def _cell(value: Any) -> str:
    text = text_value(value).replace("\r", " ").replace("\n", " ")
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "…"


def render_table(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """Aligned columns for a terminal; numbers right-aligned, a row count at the end."""
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    numeric = [all(isinstance(row[i], (int, float, Decimal)) and not isinstance(row[i], bool)
                   for row in rows if row[i] is not None) and bool(rows) for i in range(len(columns))]  # fmt: skip

    def line(values: Sequence[str]) -> str:
        parts = [v.rjust(w) if num else v.ljust(w) for v, w, num in zip(values, widths, numeric)]
        return "  ".join(parts).rstrip()

    out = [line(columns), "  ".join("-" * w for w in widths)]
    out += [line(r) for r in cells]
    out.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(out) + "\n"


def render_csv(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([text_value(v) for v in row] for row in rows)
    return buffer.getvalue()


def render_json(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    return json.dumps(records(columns, rows), indent=2, ensure_ascii=False) + "\n"


def _md_cell(value: Any) -> str:
    return text_value(value).replace("|", "\\|").replace("\n", "<br>")


def render_markdown(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    out = ["| " + " | ".join(columns) + " |", "|" + "|".join("---" for _ in columns) + "|"]
    out += ["| " + " | ".join(_md_cell(v) for v in row) + " |" for row in rows]
    return "\n".join(out) + "\n"


_RENDERERS = {"table": render_table, "csv": render_csv, "json": render_json, "markdown": render_markdown}


def render(columns: Sequence[str], rows: Sequence[Sequence[Any]], fmt: str) -> str:
    """Rows in one of :data:`FORMATS`."""
    try:
        return _RENDERERS[fmt](columns, rows)
    except KeyError:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}") from None
