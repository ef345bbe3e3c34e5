"""The store's Parquet schemas, versioned, with a description of every column.

The schemas are the store's contract with its readers (DuckDB views, the
``duckdb`` CLI, pandas, a later Dask engine), so they live in one place and
each column carries its documentation: ``docs/store.md`` is checked against
:data:`TABLES` by the tests.  Bump :data:`SCHEMA_VERSION` on any change a
reader could notice; the store refuses to mix versions.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import pyarrow as pa

#: version of the layout and of every table's columns; written to the store's
#: marker file and to each Parquet file's key-value metadata.
SCHEMA_VERSION = 2

_TS = pa.timestamp("us")
_STRINGS = pa.list_(pa.string())


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a table: its name, Arrow type and what it means."""

    name: str
    type: pa.DataType
    doc: str


@dataclass(frozen=True)
class Table:
    """A store table: a directory of Parquet parts read as one DuckDB view."""

    name: str
    doc: str
    columns: tuple[Column, ...]

    @cached_property
    def schema(self) -> pa.Schema:
        """The Arrow schema, built once: every written part uses it."""
        fields = [pa.field(c.name, c.type, metadata={"doc": c.doc}) for c in self.columns]
        return pa.schema(fields, metadata={"fingerlog.table": self.name, "fingerlog.schema_version": str(SCHEMA_VERSION)})


_BUILD_REF = (
    Column("build_key", pa.string(), "the build's key: its build uuid, else the path of its logs"),
    Column("rules_digest", pa.string(), "digest of the rule set the build was scanned with"),
)

HITS = Table(
    "hits",
    "one row per (fingerprint, matching event) of a scanned build",
    (
        *_BUILD_REF,
        Column("rule_id", pa.string(), "id of the fingerprint (the rule file's stem)"),
        Column("event_id", pa.string(), "the event's id: a JSON-lines document's _id, else <filename>:<first_line>"),
        Column("filename", pa.string(), "path of the log file inside the job, compression suffix removed"),
        Column("first_line", pa.int64(), "1-based line number of the event's first line"),
        Column("last_line", pa.int64(), "1-based line number of the event's last line"),
        Column("timestamp", _TS, "the event's @timestamp in UTC, NULL when absent or not a date"),
        Column("loglevel", pa.string(), "the event's loglevel field, NULL when absent"),
        Column("message", pa.string(), "the whole event text (multi-line events joined with \\n)"),
        Column("tags", _STRINGS, "the event's tags (file short name and format tags)"),
        Column("fields", pa.map_(pa.string(), _STRINGS),
               "every other field of the event, name -> values (build fields with the build's value are in builds)"),
        Column("build_uuid", pa.string(), "copied from the build, so a hits file stands alone"),
        Column("build_name", pa.string(), "copied from the build (the job name)"),
        Column("build_status", pa.string(), "copied from the build (SUCCESS, FAILURE, ...)"),
        Column("build_queue", pa.string(), "copied from the build (the Zuul pipeline: check, gate, ...)"),
        Column("project", pa.string(), "copied from the build"),
    ),
)

BUILDS = Table(
    "builds",
    "one row per scanned build; its presence commits the build's hits and errors",
    (
        *_BUILD_REF,
        Column("location", pa.string(), "where the build's logs were read from"),
        Column("build_uuid", pa.string(), "build_uuid field"),
        Column("build_short_uuid", pa.string(), "build_short_uuid field (first 7 characters of the uuid)"),
        Column("build_name", pa.string(), "build_name field: the job name"),
        Column("build_status", pa.string(), "build_status field, upper-cased (SUCCESS, FAILURE, TIMED_OUT, ...)"),
        Column("build_queue", pa.string(), "build_queue field: the Zuul pipeline (check, gate, ...)"),
        Column("build_branch", pa.string(), "build_branch field"),
        Column("build_change", pa.string(), "build_change field: the change number"),
        Column("build_patchset", pa.string(), "build_patchset field"),
        Column("project", pa.string(), "project field"),
        Column("voting", pa.bool_(), "whether the job votes; NULL when unknown (reports then count it as voting)"),
        Column("node_provider", pa.string(), "node_provider field"),
        Column("log_url", pa.string(), "log_url field: where a person can read the logs"),
        Column(
            "build_time",
            _TS,
            "when the build ran (UTC): the build_time, start_time, end_time or @timestamp build field, "
            "else its earliest hit's @timestamp, else NULL",
        ),
        Column("fields", pa.map_(pa.string(), pa.string()), "every build field as found (inventory, manifest, overrides)"),
        Column("hit_count", pa.int64(), "number of hits rows of the build"),
        Column("rule_hits", pa.map_(pa.string(), pa.int64()),
               "fingerprint id -> number of its hits in the build (the reports read this, not hits)"),
        Column("error_count", pa.int64(), "number of errors rows of the build"),
        Column(
            "first_errors",
            pa.list_(pa.struct([("filename", pa.string()), ("line", pa.int64()), ("message", pa.string())])),
            "first error lines (filename, 1-based line, message) of a build no fingerprint matched, for triage",
        ),
        Column("bytes_read", pa.int64(), "decompressed bytes read"),
        Column("files", pa.int64(), "log files opened"),
        Column("duration_s", pa.float64(), "seconds the scan took"),
        Column("scanned_at", _TS, "when the build was scanned (UTC)"),
        Column("fingerlog_version", pa.string(), "version of fingerlog that scanned it"),
    ),
)

ERRORS = Table(
    "errors",
    "what could not be read: one row per source error of a build, or per build that failed to scan",
    (
        *_BUILD_REF,
        Column("location", pa.string(), "where the build's logs were read from"),
        Column("path", pa.string(), "the unreadable file (inside the job), or the job itself"),
        Column("kind", pa.string(), "short machine-readable kind: corrupt-gzip, binary, ..., scan-failed"),
        Column("message", pa.string(), "what went wrong, for a person"),
    ),
)

RULES = Table(
    "rules",
    "snapshots of the rule sets builds were scanned with, one row per rule per digest",
    (
        Column("rules_digest", pa.string(), "digest of the rule set this row belongs to"),
        Column("rule_id", pa.string(), "the fingerprint's id (the rule file's stem)"),
        Column("title", pa.string(), "short title"),
        Column("description", pa.string(), "longer description"),
        Column("bug", pa.string(), "bug link"),
        Column("categories", _STRINGS, "categories"),
        Column("query", pa.string(), "the Lucene query text"),
        Column("resolved_at", _TS, "when the bug was marked resolved (UTC), NULL if open"),
        Column("suppress_graph", pa.bool_(), "elastic-recheck's suppress-graph flag"),
        Column("suppress_notification", pa.bool_(), "elastic-recheck's suppress-notification flag"),
        Column("allow_nonvoting", pa.bool_(), "elastic-recheck's allow-nonvoting flag"),
        Column("retryable", pa.bool_(), "whether a recheck is expected to pass; NULL when not said"),
        Column("snapshot_at", _TS, "when this snapshot was written (UTC)"),
    ),
)

#: every table of the store, by name.
TABLES: dict[str, Table] = {t.name: t for t in (HITS, BUILDS, ERRORS, RULES)}


def sql_type(arrow_type: pa.DataType) -> str:
    """The DuckDB type of an Arrow type used in these schemas (for typed empty views)."""
    if pa.types.is_map(arrow_type):
        return f"MAP({sql_type(arrow_type.key_type)}, {sql_type(arrow_type.item_type)})"
    if pa.types.is_struct(arrow_type):
        fields = ", ".join(f"{f.name} {sql_type(f.type)}" for f in arrow_type)
        return f"STRUCT({fields})"
    if pa.types.is_list(arrow_type):
        return f"{sql_type(arrow_type.value_type)}[]"
    simple = {
        pa.string(): "VARCHAR",
        pa.int64(): "BIGINT",
        pa.float64(): "DOUBLE",
        pa.bool_(): "BOOLEAN",
        _TS: "TIMESTAMP",
    }
    try:
        return simple[arrow_type]
    except KeyError:
        raise TypeError(f"no DuckDB type for {arrow_type}") from None
