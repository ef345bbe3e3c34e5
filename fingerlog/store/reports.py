"""The report questions, each one SQL view over the store's views.

Windowed reports read ``report_params`` (``as_of``, ``days``, ``window_start``),
a one-row table :func:`fingerlog.store.views.open_store` fills, and cover the
builds that ran in ``(window_start, as_of]``; builds whose time is unknown
fall outside every window.  ``docs/store.md`` explains each view; a test
checks that it names them all.
"""

from __future__ import annotations

from dataclasses import dataclass

#: build results that count as a failed build (Zuul's failure results; Jenkins' FAILURE).
FAILURE_STATUSES = ("FAILURE", "POST_FAILURE", "TIMED_OUT", "RETRY_LIMIT", "NODE_FAILURE", "ERROR")
#: a rule whose share of hits in successful builds exceeds this is too broad (elastic-recheck's guideline).
PRECISION_LIMIT = 0.10


def failure_statuses_sql() -> str:
    return ", ".join(f"'{s}'" for s in FAILURE_STATUSES)


@dataclass(frozen=True, slots=True)
class Report:
    """A question ``fingerlog report`` answers, and the view that answers it."""

    name: str
    view: str
    title: str
    sql: str


_WINDOW_BUILDS = """
    (SELECT b.* FROM builds b, report_params p
     WHERE b.build_time > p.window_start AND b.build_time <= p.as_of)"""

REPORTS: tuple[Report, ...] = (
    Report(
        "hits-per-day",
        "report_hits_per_day",
        "Hits per fingerprint per day, by build status and queue",
        f"""
SELECT CAST(b.build_time AS DATE) AS day, h.rule_id, b.build_status, b.build_queue,
       count(*) AS hits, count(DISTINCT h.build_key) AS builds
FROM hits h JOIN {_WINDOW_BUILDS} b USING (build_key)
GROUP BY ALL
ORDER BY day, h.rule_id, b.build_status NULLS LAST, b.build_queue NULLS LAST""",
    ),
    Report(
        "failed-builds",
        "report_failed_builds",
        "Failed builds and the fingerprints that matched them",
        f"""
SELECT b.build_time, b.build_name, b.build_status, b.build_queue, b.project,
       len(b.rules_hit) > 0 AS classified, b.rules_hit AS fingerprints, b.log_url, b.build_key
FROM {_WINDOW_BUILDS} b
WHERE b.failed
ORDER BY b.build_time DESC, b.build_key""",
    ),
    Report(
        "classification-rate",
        "report_classification_rate",
        "Classification rate: failed builds with at least one fingerprint",
        f"""
SELECT p.window_start, p.as_of,
       count(b.build_key) AS failed_builds,
       count(b.build_key) FILTER (WHERE len(b.rules_hit) > 0) AS classified_builds,
       CASE WHEN count(b.build_key) > 0
            THEN round(count(b.build_key) FILTER (WHERE len(b.rules_hit) > 0) / count(b.build_key), 4)
       END AS rate
FROM report_params p LEFT JOIN {_WINDOW_BUILDS} b ON b.failed
GROUP BY p.window_start, p.as_of""",
    ),
    Report(
        "uncategorized",
        "report_uncategorized",
        "Uncategorized failures: failed voting builds no fingerprint matched",
        f"""
SELECT b.build_time, b.build_name, b.build_status, b.build_queue, b.project,
       b.build_change, b.build_patchset, b.log_url, b.build_key
FROM {_WINDOW_BUILDS} b
WHERE b.failed AND b.voting IS NOT false AND len(b.rules_hit) = 0
ORDER BY b.build_time DESC, b.build_key""",
    ),
    Report(
        "precision",
        "report_rule_precision",
        f"Rule precision: share of each rule's hits in successful builds (over {PRECISION_LIMIT:.0%} is too broad)",
        f"""
SELECT h.rule_id,
       count(*) AS hits,
       count(*) FILTER (WHERE b.build_status = 'SUCCESS') AS success_hits,
       count(DISTINCT h.build_key) AS builds,
       count(DISTINCT h.build_key) FILTER (WHERE b.build_status = 'SUCCESS') AS success_builds,
       round(count(*) FILTER (WHERE b.build_status = 'SUCCESS') / count(*), 4) AS success_share,
       count(*) FILTER (WHERE b.build_status = 'SUCCESS') / count(*) > {PRECISION_LIMIT} AS too_broad
FROM hits h JOIN {_WINDOW_BUILDS} b USING (build_key)
GROUP BY h.rule_id
ORDER BY success_share DESC, h.rule_id""",
    ),
    Report(
        "dormant",
        "report_dormant_rules",
        "Dormant rules: no hits in the window",
        f"""
SELECT r.rule_id, r.title, r.bug, max(b.build_time) AS last_hit
FROM rules r
LEFT JOIN hits h ON h.rule_id = r.rule_id
LEFT JOIN builds b ON b.build_key = h.build_key
WHERE r.rule_id NOT IN (SELECT h2.rule_id FROM hits h2 JOIN {_WINDOW_BUILDS} w USING (build_key))
GROUP BY r.rule_id, r.title, r.bug
ORDER BY last_hit NULLS FIRST, r.rule_id""",
    ),
    Report(
        "returning",
        "report_resolved_returning",
        "Resolved bugs returning: hits in builds that ran after the rule's resolved_at",
        """
SELECT r.rule_id, r.title, r.bug, r.resolved_at,
       count(*) AS hits_after, count(DISTINCT h.build_key) AS builds_after,
       min(b.build_time) AS first_after, max(b.build_time) AS last_after
FROM rules r
JOIN hits h ON h.rule_id = r.rule_id
JOIN builds b ON b.build_key = h.build_key
WHERE r.resolved_at IS NOT NULL AND b.build_time > r.resolved_at
GROUP BY r.rule_id, r.title, r.bug, r.resolved_at
ORDER BY last_after DESC, r.rule_id""",
    ),
)

#: reports by the name ``fingerlog report`` takes.
REPORTS_BY_NAME: dict[str, Report] = {r.name: r for r in REPORTS}
