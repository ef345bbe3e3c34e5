"""Build fields (``build_name``, ``build_uuid``, ``project``, ...) from a job's metadata: as data.

Zuul v3 writes ``zuul-info/inventory.yaml`` (the Ansible inventory: the
``zuul`` variables, each node's ``nodepool`` record); the Zuul API's build
record may sit beside it as ``zuul-info/build.json``; logs.openstack.org's
paths (``/<nn>/<change>/<patchset>/<pipeline>/<job>/<uuid7>/``) name the rest
for older jobs, and Jenkins' console ends with the build's result.
:data:`BUILD_FIELD_RULES` says, per field, which source to ask
first; ``--field k=v`` overrides win over all of them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from fingerlog.records import SourceError

#: libyaml's loader where PyYAML has it: a Zuul inventory takes ~5 ms to parse in pure Python, every build.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

INVENTORY = "zuul-info/inventory.yaml"
#: Jenkins' console, whose last line states the result of a Zuul v2 build.
CONSOLE = "console.html"
BUILD_RECORD = "zuul-info/build.json"
METADATA_FILES = (INVENTORY, BUILD_RECORD)

#: ``.../<nn>/<change>/<patchset>/<pipeline>/<job>/<uuid7>`` as logs.openstack.org served builds.
#: Jenkins ends a console with ``Finished: <result>`` (after the timestamp prefix of the era).
_FINISHED = re.compile(rb"^(?:[\d-]+ [\d:.]+ \| )?Finished: ([A-Z_]+)\s*$", re.MULTILINE)
#: how much of a console's end is searched for that line.
CONSOLE_TAIL = 64 << 10

#: A copy made with ``wget -r`` keeps the host directory, which gives the ``log_url`` back.
_LOG_PATH = re.compile(
    r"(?:^|/)(?:(?P<host>logs\.openstack\.org)/)?(?P<path>(?P<prefix>\d{2,3})/(?P<change>\d+)/"
    r"(?P<patchset>\d+)/(?P<pipeline>[\w.-]+)/(?P<job>[\w.-]+)/(?P<uuid>[0-9a-f]{7,32}))/?$"
)


def _text(value: Any) -> str | None:
    if value is None or value == "" or isinstance(value, (Mapping, list)):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _vote(value: Any) -> str | None:
    """elastic-recheck filtered on ``voting:1``: the log shippers wrote 1/0."""
    if value is None:
        return None
    if isinstance(value, str):
        return "0" if value.strip().lower() in ("0", "false", "no") else "1"
    return "1" if value else "0"


@dataclass(frozen=True)
class BuildFieldRule:
    """``field`` is the first present of ``sources`` (``source:dotted.path``), converted."""

    field: str
    sources: tuple[str, ...]
    convert: Callable[[Any], str | None] = _text


#: source names: ``zuul`` = inventory ``all.vars.zuul``, ``node`` = the first host's vars,
#: ``api`` = zuul-info/build.json, ``console`` = Jenkins' ``Finished:`` line,
#: ``path`` = the logs.openstack.org path of the job.
BUILD_FIELD_RULES: tuple[BuildFieldRule, ...] = (
    BuildFieldRule("build_name", ("zuul:job", "api:job_name", "path:job")),
    BuildFieldRule("build_uuid", ("zuul:build", "api:uuid")),
    BuildFieldRule("build_short_uuid", ("path:uuid",)),
    BuildFieldRule("build_status", ("api:result", "console:result")),
    BuildFieldRule("build_change", ("zuul:change", "api:change", "api:ref.change", "path:change")),
    BuildFieldRule("build_patchset", ("zuul:patchset", "api:patchset", "api:ref.patchset", "path:patchset")),
    BuildFieldRule("build_queue", ("zuul:pipeline", "api:pipeline", "path:pipeline")),
    BuildFieldRule("build_branch", ("zuul:branch", "api:branch", "api:ref.branch")),
    BuildFieldRule("build_ref", ("zuul:ref", "api:ref.ref", "api:ref")),
    BuildFieldRule("build_newrev", ("zuul:newrev", "api:newrev", "api:ref.newrev")),
    BuildFieldRule("project", ("zuul:project.name", "api:project", "api:ref.project")),
    BuildFieldRule("voting", ("zuul:voting", "api:voting"), _vote),
    BuildFieldRule("node_provider", ("node:nodepool.provider",)),
    BuildFieldRule("build_node", ("node:nodepool.label", "api:nodeset")),
    BuildFieldRule("tenant", ("zuul:tenant", "api:tenant")),
    BuildFieldRule("zuul_executor", ("zuul:executor.hostname",)),
    BuildFieldRule("log_url", ("api:log_url", "path:log_url")),
)


def _dig(data: Any, dotted: str) -> Any:
    for key in dotted.split("."):
        if not isinstance(data, Mapping):
            return None
        data = data.get(key)
    return data


@dataclass
class BuildMetadata:
    """The parsed metadata of one job, gathered before its files are read."""

    inventory: Mapping[str, Any] | None = None
    api: Mapping[str, Any] | None = None
    path_parts: Mapping[str, str] | None = None
    console: Mapping[str, str] | None = None

    def read(self, name: str, data: bytes, where: str, errors: list[SourceError]) -> None:
        """Take in one metadata file (``INVENTORY`` or ``BUILD_RECORD``); bad ones are recorded."""
        try:
            parsed = yaml.load(data, Loader=_YAML_LOADER) if name == INVENTORY else json.loads(data)  # noqa: S506 - a SafeLoader
        except (yaml.YAMLError, ValueError) as exc:
            errors.append(SourceError(where, "invalid-metadata", f"cannot parse {name}: {exc}"))
            return
        if not isinstance(parsed, Mapping):
            errors.append(SourceError(where, "invalid-metadata", f"{name} is not a mapping"))
        elif name == INVENTORY:
            self.inventory = parsed
        else:
            self.api = parsed

    def read_location(self, location: str) -> None:
        """Fields a logs.openstack.org-style path gives (``/47/44670/3/gate/<job>/02d68e3``)."""
        if match := _LOG_PATH.search(location.rstrip("/")):
            parts = {k: v for k, v in match.groupdict().items() if v}
            if "host" in parts:
                parts["log_url"] = f"http://{parts['host']}/{parts['path']}/"
            self.path_parts = parts

    def read_console_tail(self, tail: bytes) -> None:
        """The result Jenkins wrote on the last ``Finished:`` line of a console's end."""
        results = _FINISHED.findall(tail)
        if results:
            self.console = {"result": results[-1].decode("ascii")}

    def year(self) -> int | None:
        """The year the build ran (the API record's start or end time), for dates without one."""
        for key in ("start_time", "end_time"):
            stamp = _text(_dig(self.api, key))
            if stamp and re.match(r"\d{4}-", stamp):
                return int(stamp[:4])
        return None

    def _source(self, name: str) -> Any:
        if name == "zuul":
            return _dig(self.inventory, "all.vars.zuul")
        if name == "node":
            hosts = _dig(self.inventory, "all.hosts")
            return next(iter(hosts.values()), None) if isinstance(hosts, Mapping) and hosts else None
        if name == "api":
            return self.api
        if name == "console":
            return self.console
        return self.path_parts

    def fields(self, overrides: Mapping[str, str]) -> dict[str, str]:
        """Build fields by :data:`BUILD_FIELD_RULES`, then overrides; ``build_short_uuid`` follows ``build_uuid``."""
        out: dict[str, str] = {}
        for rule in BUILD_FIELD_RULES:
            for spec in rule.sources:
                source, _, dotted = spec.partition(":")
                value = rule.convert(_dig(self._source(source), dotted))
                if value is not None:
                    out[rule.field] = value
                    break
        out.update(overrides)
        if "build_uuid" in out and "build_short_uuid" not in overrides:  # as the log shippers did
            out["build_short_uuid"] = out["build_uuid"][:7]
        if "log_url" in out and not out["log_url"].endswith("/"):
            out["log_url"] += "/"
        return out
