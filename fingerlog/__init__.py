"""fingerlog: known-bug fingerprints evaluated over CI logs without a search cluster."""

__version__ = "0.1.0"
