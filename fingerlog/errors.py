"""The exception every user-facing fingerlog error derives from.

The CLI turns a :class:`FingerlogError` into one clear message and an exit
code in one place; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations


class FingerlogError(Exception):
    """An error caused by the user's input (a rule, a path, a URL), not by a bug."""

    #: exit code of the CLI when this error ends a command (1: could not run, 2: bad usage).
    exit_code: int = 1


class UsageError(FingerlogError):
    """A command was called with arguments that do not fit together."""

    exit_code = 2
