"""Render the site: overview, one page per fingerprint, uncategorized failures, one page per build."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from datetime import date, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb

from fingerlog.report.html.page import frame, link, safe_url, table, text
from fingerlog.report.html.svg import Series, rate_line, stacked_bars

#: example lines shown per fingerprint on a build page.
EXAMPLES_PER_RULE = 3
#: build pages are written for at most this many builds (newest first).
MAX_BUILD_PAGES = 5000

FAILURES = Series("failed builds", "s-failure")
SUCCESSES = Series("successful builds", "s-success", fill="hatch")
OTHER = Series("other results", "s-other")


@dataclass(frozen=True, slots=True)
class SiteSummary:
    """What was written, for the command's one-line answer and for tests."""

    out_dir: Path
    rule_pages: int
    build_pages: int
    uncategorized: int


def page_name(key: str) -> str:
    """A file name for a rule id or build key: readable, and unique even after cleaning."""
    clean = re.sub(r"[^A-Za-z0-9._-]+", "_", key)[:80]
    if clean == key:
        return f"{key}.html"
    return f"{clean}-{hashlib.sha1(key.encode(), usedforsecurity=False).hexdigest()[:8]}.html"


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
    cursor = con.execute(sql, params or [])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def _window_days(con: duckdb.DuckDBPyConnection) -> tuple[list[date], Any, Any]:
    row = con.execute("SELECT window_start, as_of FROM report_params").fetchone()
    assert row is not None  # report_params is made with exactly one row (store.views)
    start, end = row
    first, last = (start + timedelta(microseconds=1)).date(), end.date()
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    return days, start, end


def render_site(con: duckdb.DuckDBPyConnection, out_dir: str | Path) -> SiteSummary:
    """Write the site for the store opened in ``con`` into ``out_dir``, replacing it whole."""
    out = Path(out_dir)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}-"))
    try:
        summary = _write(con, staging)
        if out.exists():
            shutil.rmtree(out)
        os.replace(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return SiteSummary(out, summary.rule_pages, summary.build_pages, summary.uncategorized)


def _write(con: duckdb.DuckDBPyConnection, out: Path) -> SiteSummary:
    (out / "rules").mkdir(parents=True)
    (out / "builds").mkdir()
    (out / "assets").mkdir()
    assets = resources.files("fingerlog.report.html") / "assets"
    for name in ("site.css", "sortable.js"):
        (out / "assets" / name).write_bytes((assets / name).read_bytes())
    days, start, end = _window_days(con)
    window = f"builds that ran from {start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} (UTC)"
    stats = _rule_stats(con)
    build_keys = _write_build_pages(con, out)
    (out / "index.html").write_text(_overview(con, days, window, stats))
    (out / "rules.html").write_text(_rules_index(stats, window))
    for rule in stats:
        (out / "rules" / page_name(rule["rule_id"])).write_text(_rule_page(con, rule, days, window))
    uncategorized = _rows(
        con,
        "SELECT u.*, b.first_errors FROM report_uncategorized u JOIN builds b USING (build_key) "
        "ORDER BY u.build_time DESC, u.build_key",
    )
    (out / "uncategorized.html").write_text(_uncategorized(uncategorized, window, build_keys))
    return SiteSummary(out, len(stats), len(build_keys), len(uncategorized))


def _rule_stats(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Every rule of the current snapshot (and any rule with hits), with its numbers in the window."""
    return _rows(
        con,
        """
        WITH w AS (SELECT b.* FROM builds b, report_params p
                   WHERE b.build_time > p.window_start AND b.build_time <= p.as_of),
             ids AS (SELECT rule_id FROM rules UNION SELECT DISTINCT rule_id FROM hits)
        SELECT ids.rule_id, r.title, r.bug, r.query, r.description, r.resolved_at,
               count(h.rule_id) AS hits,
               count(DISTINCT h.build_key) AS builds,
               count(DISTINCT h.build_key) FILTER (WHERE w.failed) AS failed_builds,
               p.success_share, p.too_broad,
               (SELECT max(b2.build_time) FROM hits h2 JOIN builds b2 USING (build_key)
                WHERE h2.rule_id = ids.rule_id) AS last_seen
        FROM ids
        LEFT JOIN rules r ON r.rule_id = ids.rule_id
        LEFT JOIN hits h ON h.rule_id = ids.rule_id AND h.build_key IN (SELECT build_key FROM w)
        LEFT JOIN w ON w.build_key = h.build_key
        LEFT JOIN report_rule_precision p ON p.rule_id = ids.rule_id
        GROUP BY ALL
        ORDER BY hits DESC, ids.rule_id
        """,
    )


def _by_day(rows: list[dict[str, Any]], days: list[date], key: str) -> list[int]:
    counts = {row["day"]: row[key] for row in rows}
    return [int(counts.get(day, 0) or 0) for day in days]


def _overview(con: duckdb.DuckDBPyConnection, days: list[date], window: str, stats: list[dict[str, Any]]) -> str:
    per_day = _rows(
        con,
        """
        SELECT CAST(b.build_time AS DATE) AS day,
               count(*) FILTER (WHERE b.failed) AS failed,
               count(*) FILTER (WHERE b.failed AND cardinality(b.rule_hits) > 0) AS classified
        FROM builds b, report_params p
        WHERE b.build_time > p.window_start AND b.build_time <= p.as_of
        GROUP BY 1 ORDER BY 1
        """,
    )
    failed, classified = _by_day(per_day, days, "failed"), _by_day(per_day, days, "classified")
    rates = [c / f if f else None for c, f in zip(classified, failed)]
    total = _rows(con, "SELECT * FROM report_classification_rate")[0]
    rate = f"{total['rate']:.0%}" if total["rate"] is not None else "n/a"
    chart = rate_line(days, rates, title="Share of failed builds classified by a fingerprint, per day")
    numbers = table(
        ["day", "failed builds", "classified", "rate"],
        [[text(d), str(f), str(c), f"{c / f:.0%}" if f else ""] for d, f, c in zip(days, failed, classified)],
        table_id="rate-by-day",
        caption="Classification per day",
        numeric=(1, 2),
    )
    top = [s for s in stats if s["hits"]][:20]
    top_table = table(
        ["fingerprint", "title", "hits", "builds", "failed builds", "last seen"],
        [
            [
                link(f"rules/{page_name(s['rule_id'])}", s["rule_id"]), text(s["title"]),
                str(s["hits"]), str(s["builds"]), str(s["failed_builds"]), text(s["last_seen"]),
            ]
            for s in top
        ],
        table_id="top-rules",
        caption="Top fingerprints in the window",
        numeric=(2, 3, 4),
    )
    body = (
        f'<section aria-labelledby="rate"><h2 id="rate">Classification rate</h2>'
        f'<p class="big"><span id="classification-rate">{rate}</span> of '
        f'<span id="failed-builds">{total["failed_builds"]}</span> failed builds matched at least one fingerprint '
        f'(<span id="classified-builds">{total["classified_builds"]}</span> classified).</p>'
        f"{chart}<details><summary>Numbers</summary>{numbers}</details></section>"
        f'<section aria-labelledby="top"><h2 id="top">Top fingerprints</h2>{top_table}</section>'
    )
    return frame("fingerlog status", body, subtitle=window)


def _rules_index(stats: list[dict[str, Any]], window: str) -> str:
    rows = [
        [
            link(f"rules/{page_name(s['rule_id'])}", s["rule_id"]),
            text(s["title"]),
            str(s["hits"]),
            str(s["builds"]),
            f"{s['success_share']:.0%}" if s["success_share"] is not None else "",
            text(s["last_seen"]),
        ]
        for s in stats
    ]
    body = table(
        ["fingerprint", "title", "hits", "builds", "share in successes", "last seen"],
        rows,
        table_id="rules",
        caption="Every fingerprint",
        numeric=(2, 3),
    )
    return frame("Fingerprints", body, subtitle=window)


def _rule_page(con: duckdb.DuckDBPyConnection, rule: dict[str, Any], days: list[date], window: str) -> str:
    per_day = _rows(
        con,
        """
        SELECT CAST(b.build_time AS DATE) AS day,
               count(DISTINCT h.build_key) FILTER (WHERE b.failed) AS failed,
               count(DISTINCT h.build_key) FILTER (WHERE b.build_status = 'SUCCESS') AS success,
               count(DISTINCT h.build_key) FILTER (WHERE NOT b.failed AND b.build_status IS DISTINCT FROM 'SUCCESS') AS other
        FROM hits h JOIN builds b USING (build_key), report_params p
        WHERE h.rule_id = ? AND b.build_time > p.window_start AND b.build_time <= p.as_of
        GROUP BY 1 ORDER BY 1
        """,
        [rule["rule_id"]],
    )
    values = [_by_day(per_day, days, k) for k in ("failed", "success", "other")]
    chart = stacked_bars(days, values, [FAILURES, SUCCESSES, OTHER], title=f"Builds hit by {rule['rule_id']} per day, by result")
    numbers = table(
        ["day", "failed builds", "successful builds", "other"],
        [[text(d), str(f), str(s), str(o)] for d, f, s, o in zip(days, *values)],
        table_id="hits-by-day",
        caption="Builds hit per day",
        numeric=(1, 2, 3),
    )
    bug = safe_url(rule["bug"])
    precision = "" if rule["success_share"] is None else f"{rule['success_share']:.0%}"
    broad = ' <strong class="warn">(too broad: over 10 % of hits in successful builds)</strong>' if rule["too_broad"] else ""
    facts = (
        '<dl class="facts">'
        f"<dt>Bug</dt><dd>{link(bug, bug, external=True) if bug else text(rule['bug']) or 'none'}</dd>"
        f"<dt>Hits in the window</dt><dd id=\"rule-hits\">{rule['hits']}</dd>"
        f"<dt>Builds hit</dt><dd id=\"rule-builds\">{rule['builds']}</dd>"
        f"<dt>Last seen</dt><dd>{text(rule['last_seen']) or 'never'}</dd>"
        f"<dt>Share of hits in successful builds</dt><dd>{precision or 'n/a'}{broad}</dd>"
        f"<dt>Resolved</dt><dd>{text(rule['resolved_at']) or 'no'}</dd>"
        "</dl>"
    )
    query = f"<h2>Query</h2><pre class=\"query\"><code>{text(rule['query'])}</code></pre>" if rule["query"] else ""
    about = rule["description"]
    description = f"<h2>Description</h2><pre class=\"description\">{text(about)}</pre>" if about else ""
    details = f"<details><summary>Numbers</summary>{numbers}</details>"
    chart_section = f"<section><h2>Builds hit per day</h2>{chart}{details}</section>"
    body = f"{facts}{chart_section}{query}{description}"
    return frame(f"{rule['rule_id']}: {rule['title'] or ''}".rstrip(": "), body, depth=1, subtitle=window)


def _uncategorized(rows: list[dict[str, Any]], window: str, build_pages: set[str]) -> str:
    cells = []
    for row in rows:
        url = safe_url(row["log_url"])
        key = row["build_key"]
        label = row["build_name"] or key
        name = link(f"builds/{page_name(key)}", label) if key in build_pages else text(label)
        cells.append(
            [
                text(row["build_time"]),
                name,
                text(row["build_status"]),
                text(row["build_queue"]),
                text(row["project"]),
                text(row["build_change"]),
                link(url, "logs", external=True) if url else text(row["log_url"]),
                _error_lines(row["first_errors"]),
            ]
        )
    body = table(
        ["ran", "job", "result", "queue", "project", "change", "logs", "first error lines"],
        cells,
        table_id="uncategorized",
        caption="Failed voting builds that no fingerprint matched, newest first",
    )
    return frame("Uncategorized failures", body, subtitle=window)


def _error_lines(lines: list[dict[str, Any]] | None) -> str:
    if not lines:
        return '<span class="empty">none found</span>'
    shown = "\n".join(f"{line['filename']}:{line['line']}: {line['message']}" for line in lines)
    return f'<pre class="first-errors">{text(shown)}</pre>'


def _write_build_pages(con: duckdb.DuckDBPyConnection, out: Path) -> set[str]:
    """A page per build that failed or was hit in the window; returns their keys."""
    builds = _rows(
        con,
        f"""
        SELECT b.* FROM builds b, report_params p
        WHERE b.build_time > p.window_start AND b.build_time <= p.as_of AND (b.failed OR cardinality(b.rule_hits) > 0)
        ORDER BY b.build_time DESC, b.build_key LIMIT {MAX_BUILD_PAGES}
        """,
    )
    keys = {b["build_key"] for b in builds}
    examples: dict[str, list[dict[str, Any]]] = {}
    if keys:
        for row in _rows(
            con,
            f"""
            SELECT build_key, rule_id, filename, first_line, message,
                   count(*) OVER (PARTITION BY build_key, rule_id) AS hits
            FROM (SELECT h.*, row_number() OVER (PARTITION BY h.build_key, h.rule_id ORDER BY h.filename, h.first_line) AS n
                  FROM hits h WHERE h.build_key IN (SELECT build_key FROM builds b, report_params p
                        WHERE b.build_time > p.window_start AND b.build_time <= p.as_of
                        AND (b.failed OR cardinality(b.rule_hits) > 0)))
            WHERE n <= {EXAMPLES_PER_RULE}
            ORDER BY build_key, rule_id, filename, first_line
            """,
        ):
            examples.setdefault(row["build_key"], []).append(row)
    for build in builds:
        (out / "builds" / page_name(build["build_key"])).write_text(_build_page(build, examples.get(build["build_key"], [])))
    return keys


def _build_page(build: dict[str, Any], examples: list[dict[str, Any]]) -> str:
    url = safe_url(build["log_url"])
    facts = "".join(
        f"<dt>{label}</dt><dd>{text(build[key])}</dd>"
        for label, key in (("Job", "build_name"), ("Result", "build_status"), ("Queue", "build_queue"), ("Project", "project"),
                           ("Change", "build_change"), ("Patchset", "build_patchset"), ("Ran", "build_time"))
    )
    logs = f"<dt>Logs</dt><dd>{link(url, url, external=True)}</dd>" if url else ""
    sections = []
    by_rule: dict[str, list[dict[str, Any]]] = {}
    for row in examples:
        by_rule.setdefault(row["rule_id"], []).append(row)
    for rule_id, rows in by_rule.items():
        lines = "".join(
            f'<li><span class="where">{text(r["filename"])}:{r["first_line"]}</span>'
            f'<pre>{text((r["message"] or "")[:2000])}</pre></li>'
            for r in rows
        )
        sections.append(
            f'<section class="matched"><h2>{link("../rules/" + page_name(rule_id), rule_id)} '
            f'<span class="count">({rows[0]["hits"]} hits)</span></h2><ul class="examples">{lines}</ul></section>'
        )
    matched = "".join(sections) or '<p class="empty">No fingerprint matched this build.</p>'
    return frame(f"Build {build['build_key']}", f'<dl class="facts">{facts}{logs}</dl>{matched}', depth=1)
