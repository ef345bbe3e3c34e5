"""The Parquet hit store: versioned schemas, atomic per-build parts, DuckDB views and report SQL.

Public API::

    write_build_scan(store, scan, *, rules=None)   record one BuildScan (creates the store)
    open_store(store, *, days=7, as_of=None)       DuckDB connection with the views
    RuleRow, rule_row(rule)                        what the store keeps of a rule; from a loaded Rule

See ``docs/store.md`` for the layout, every column, and every view.
"""

from __future__ import annotations

from fingerlog.store.layout import StoreError
from fingerlog.store.rules import RuleRow, rule_row
from fingerlog.store.schema import SCHEMA_VERSION, TABLES
from fingerlog.store.views import init_sql, open_store
from fingerlog.store.writer import write_build_scan, write_rules

__all__ = [
    "SCHEMA_VERSION",
    "TABLES",
    "RuleRow",
    "StoreError",
    "init_sql",
    "open_store",
    "rule_row",
    "write_build_scan",
    "write_rules",
]
