"""HTML building blocks: the page frame and tables, escaped in one place."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from html import escape
from typing import Any

NAV = (("index.html", "Overview"), ("uncategorized.html", "Uncategorized failures"), ("rules.html", "Fingerprints"))


def text(value: Any) -> str:
    """A cell value as escaped text (dates without seconds, empty for NULL)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return escape(value.strftime("%Y-%m-%d %H:%M"))
    if isinstance(value, date):
        return escape(value.isoformat())
    if isinstance(value, float):
        return escape(f"{value:.4g}")
    if isinstance(value, (list, tuple)):
        return escape(", ".join(str(v) for v in value))
    return escape(str(value))


def link(href: str, label: Any, *, external: bool = False) -> str:
    rel = ' rel="noopener noreferrer"' if external else ""
    return f'<a href="{escape(href, quote=True)}"{rel}>{text(label)}</a>'


def safe_url(url: Any) -> str | None:
    """Only http(s) links from the store become links; anything else is shown as text."""
    return url if isinstance(url, str) and url.startswith(("http://", "https://")) else None


def table(
    headers: Sequence[str], rows: Iterable[Sequence[str]], *, table_id: str, caption: str, numeric: Sequence[int] = ()
) -> str:
    """A sortable table; cells are already-escaped HTML, numeric columns sort as numbers."""
    number = ' data-type="number"'
    head = "".join(
        f'<th scope="col"{number if i in numeric else ""}><button type="button">{escape(h)}</button></th>'
        for i, h in enumerate(headers)
    )
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    if not body:
        body = f'<tr><td colspan="{len(headers)}" class="empty">none</td></tr>'
    return (
        f'<div class="table-wrap"><table class="sortable" id="{escape(table_id)}">'
        f"<caption>{escape(caption)}</caption><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"
    )


def frame(title: str, body: str, *, depth: int = 0, subtitle: str = "") -> str:
    """A whole page: same header, navigation and assets everywhere; ``depth`` is the folder level."""
    up = "../" * depth
    nav = "".join(f'<a href="{up}{href}">{escape(label)}</a>' for href, label in NAV)
    sub = f'<p class="subtitle">{escape(subtitle)}</p>' if subtitle else ""
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)} · fingerlog</title>"
        f'<link rel="stylesheet" href="{up}assets/site.css"></head>'
        f'<body><header><nav aria-label="site">{nav}</nav></header>'
        f"<main><h1>{escape(title)}</h1>{sub}{body}</main>"
        f'<script src="{up}assets/sortable.js"></script></body></html>\n'
    )
