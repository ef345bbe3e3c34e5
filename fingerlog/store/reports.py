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
    #: whether the answer depends on the report window (``report_params``).
    windowed: bool = True


#: one row per (build, fingerprint that matched it), from the builds' ``rule_hits``:
#: the reports read builds only (small), never the hits themselves.
BUILD_RULE_HITS_SQL = """
SELECT build_key, build_time, build_status, build_queue, failed, voting, e.key AS rule_id, e.value AS hits
FROM (SELECT *, unnest(map_entries(rule_hits)) AS e FROM builds)"""

_IN_WINDOW = "build_time > (SELECT window_start FROM report_params) AND build_time <= (SELECT as_of FROM report_params)"
_WINDOW_BUILDS = f"(SELECT * FROM builds WHERE {_IN_WINDOW})"
_WINDOW_RULE_HITS = f"(SELECT * FROM build_rule_hits WHERE {_IN_WINDOW})"
_CLASSIFIED = "cardinality(b.rule_hits) > 0"

REPORTS: tuple[Report, ...] = (
    Report(
        "hits-per-day",
        "report_hits_per_day",
        "Hits per fingerprint per day, by build status and queue",
        f"""
SELECT CAST(r.build_time AS DATE) AS day, r.rule_id, r.build_status, r.build_queue,
       sum(r.hits) AS hits, count(*) AS builds
FROM {_WINDOW_RULE_HITS} r
GROUP BY ALL
ORDER BY day, r.rule_id, r.build_status NULLS LAST, r.build_queue NULLS LAST""",
    ),
    Report(
        "failed-builds",
        "report_failed_builds",
        "Failed builds and the fingerprints that matched them",
        f"""
SELECT b.build_time, b.build_name, b.build_status, b.build_queue, b.project,
       {_CLASSIFIED} AS classified, list_sort(map_keys(b.rule_hits)) AS fingerprints, b.log_url, b.location, b.build_key
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
       count(b.build_key) FILTER (WHERE {_CLASSIFIED}) AS classified_builds,
       CASE WHEN count(b.build_key) > 0
            THEN round(count(b.build_key) FILTER (WHERE {_CLASSIFIED}) / count(b.build_key), 4)
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
       b.build_change, b.build_patchset, b.log_url, b.location, b.build_key
FROM {_WINDOW_BUILDS} b
WHERE b.failed AND b.voting IS NOT false AND NOT {_CLASSIFIED}
ORDER BY b.build_time DESC, b.build_key""",
    ),
    Report(
        "precision",
        "report_rule_precision",
        f"Rule precision: share of each rule's hits in successful builds (over {PRECISION_LIMIT:.0%} is too broad)",
        f"""
SELECT r.rule_id,
       sum(r.hits) AS hits,
       coalesce(sum(r.hits) FILTER (WHERE r.build_status = 'SUCCESS'), 0) AS success_hits,
       count(*) AS builds,
       count(*) FILTER (WHERE r.build_status = 'SUCCESS') AS success_builds,
       round(coalesce(sum(r.hits) FILTER (WHERE r.build_status = 'SUCCESS'), 0) / sum(r.hits), 4) AS success_share,
       coalesce(sum(r.hits) FILTER (WHERE r.build_status = 'SUCCESS'), 0) / sum(r.hits) > {PRECISION_LIMIT} AS too_broad
FROM {_WINDOW_RULE_HITS} r
GROUP BY r.rule_id
ORDER BY success_share DESC, r.rule_id""",
    ),
    Report(
        "dormant",
        "report_dormant_rules",
        "Dormant rules: no hits in the window",
        f"""
SELECT r.rule_id, r.title, r.bug, max(h.build_time) AS last_hit
FROM rules r LEFT JOIN build_rule_hits h ON h.rule_id = r.rule_id
WHERE r.rule_id NOT IN (SELECT rule_id FROM {_WINDOW_RULE_HITS})
GROUP BY r.rule_id, r.title, r.bug
ORDER BY last_hit NULLS FIRST, r.rule_id""",
    ),
    Report(
        "returning",
        "report_resolved_returning",
        "Resolved bugs returning: hits in builds that ran after the rule's resolved_at",
        """
SELECT r.rule_id, r.title, r.bug, r.resolved_at,
       sum(h.hits) AS hits_after, count(*) AS builds_after,
       min(h.build_time) AS first_after, max(h.build_time) AS last_after
FROM rules r JOIN build_rule_hits h ON h.rule_id = r.rule_id
WHERE r.resolved_at IS NOT NULL AND h.build_time > r.resolved_at
GROUP BY r.rule_id, r.title, r.bug, r.resolved_at
ORDER BY last_after DESC, r.rule_id""",
        windowed=False,
    ),
)

#: reports by the name ``fingerlog report`` takes.
REPORTS_BY_NAME: dict[str, Report] = {r.name: r for r in REPORTS}
