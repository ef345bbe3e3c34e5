"""A static, self-contained HTML site from the hit store: elastic-recheck's status pages, offline.

Every number is aggregated in DuckDB (the store's views and report views);
the pages carry only the results, with inline SVG charts and one small local
script for sortable tables, so the site opens from disk with no network and
stays fast on a large store.
"""

from __future__ import annotations

from fingerlog.report.html.site import render_site

__all__ = ["render_site"]
