"""Every command's --help teaches: it runs without importing trouble and ends with a runnable example."""

from __future__ import annotations

import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from fingerlog.cli import main

COMMANDS = main.list_commands(click.Context(main))


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example_of_itself(command: str) -> None:
    result = CliRunner().invoke(main, [command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Example" in result.output, f"fingerlog {command} --help shows no example"
    example = result.output.split("Example", 1)[1]
    assert f"fingerlog {command}" in example


def test_the_top_level_help_lists_every_command() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    listed = result.output.split("Commands:", 1)[1]
    assert [c for c in COMMANDS if f"  {c} " not in listed] == []


def test_python_dash_m_fingerlog_is_the_command() -> None:
    """Where the ``fingerlog`` script is not on PATH, ``python -m fingerlog`` runs the same command."""
    done = subprocess.run([sys.executable, "-m", "fingerlog", "--help"], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert [c for c in COMMANDS if f"  {c} " not in done.stdout.split("Commands:", 1)[1]] == []
