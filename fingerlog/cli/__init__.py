"""Command-line interface: thin click commands over the library.

Each command lives in its own module below ``fingerlog.cli`` and is listed in
``COMMAND_MODULES``; a module defines one click command named ``command``.
Library errors (:class:`fingerlog.errors.FingerlogError`) become one message
and an exit code here, in one place.
"""

from __future__ import annotations

import importlib
import sys
from typing import ClassVar

import click

from fingerlog import __version__
from fingerlog.errors import FingerlogError

#: modules defining the subcommands, in the order ``--help`` lists them.  A module is
#: imported only when its command runs (or ``--help`` lists them all), so ``fingerlog scan``
#: does not pay for DuckDB, pyarrow or httpx.
COMMAND_MODULES: tuple[str, ...] = (
    "scan",
    "lint",
    "explain",
    "fetch",
    "fetch_builds",
    "sql",
    "report",
    "shell",
    "batch",
    "compact",
    "translate",
    "es_template",
    "check",
)


class FingerlogGroup(click.Group):
    """A click group that loads its commands on demand and reports FingerlogError without a traceback."""

    _modules: ClassVar[dict[str, str]] = {module.replace("_", "-"): module for module in COMMAND_MODULES}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self._modules)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        module = self._modules.get(name)
        return importlib.import_module(f"fingerlog.cli.{module}").command if module else None

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except FingerlogError as exc:
            click.echo(f"fingerlog: error: {exc}", err=True)
            sys.exit(exc.exit_code)


@click.group(cls=FingerlogGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="fingerlog")
def main() -> None:
    """Find which known bug broke a CI job.

    fingerlog evaluates fingerprints (elastic-recheck style Lucene queries in
    YAML files) directly over downloaded CI logs, with the answers
    Elasticsearch would give, stores hits in Parquet and queries them with
    DuckDB.

    \b
    Examples:
      fingerlog scan path/to/job-logs/          which known bug hit this job?
      fingerlog lint rules/                     does every fingerprint parse?
      fingerlog explain 'message:"No valid host was found"'
    """
