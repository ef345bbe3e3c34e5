"""The ``--field NAME=VALUE`` option of the commands that scan builds (`scan`, `batch`)."""

from __future__ import annotations

from fingerlog.errors import UsageError


def parse_field_overrides(pairs: tuple[str, ...]) -> dict[str, str]:
    """Build fields given on the command line; they win over what the logs and manifests say."""
    fields: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"--field {pair!r}: expected NAME=VALUE, e.g. build_status=FAILURE")
        fields[name.strip()] = value
    return fields
