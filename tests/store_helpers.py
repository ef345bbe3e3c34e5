"""Builders of BuildScan records for the store and report tests (no scanning involved)."""

from __future__ import annotations

from fingerlog.records import Build, BuildScan, Event, Hit, SourceError


def event(source: str, line: int, message: str, *, timestamp: str | None = None, **fields: str) -> Event:
    values: dict[str, tuple[str, ...]] = {"message": (message,), "tags": (source.rsplit("/", 1)[-1], "console")}
    if timestamp:
        values["@timestamp"] = (timestamp,)
    values.update({k: (v,) for k, v in fields.items()})
    return Event(values, source, line, line, f"{source}:{line}")


def build_scan(
    key: str,
    *,
    hits: dict[str, int] | None = None,
    errors: int = 0,
    digest: str = "rules-v1",
    location: str | None = None,
    when: str | None = "2024-05-01T12:00:00Z",
    **fields: str,
) -> BuildScan:
    """A scanned build with ``hits[rule] = n`` hits per rule, ``errors`` source errors and the given fields."""
    build_fields = {"build_uuid": key, **({"start_time": when} if when else {}), **fields}
    found = tuple(
        Hit(rule, event("job-output.txt", 10 * i + n + 1, f"{rule} happened #{n}", timestamp=when, loglevel="ERROR"))
        for i, (rule, count) in enumerate(sorted((hits or {}).items()))
        for n in range(count)
    )
    problems = tuple(SourceError(f"logs/broken-{n}.txt.gz", "corrupt-gzip", "not a gzip file") for n in range(errors))
    return BuildScan(
        build=Build(key, build_fields, location or f"/archive/{key}"),
        hits=found,
        errors=problems,
        bytes_read=1000,
        files=3,
        rules_digest=digest,
        duration=0.5,
    )
