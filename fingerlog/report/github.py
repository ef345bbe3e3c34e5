"""GitHub Actions workflow commands: check failures and lint findings as annotations at file:line.

``::error file=rules/x.yaml,line=3,col=5,title=...::message`` lines printed by
a workflow step appear on the pull request's diff.  Values are escaped as the
runner expects (``%``, CR and LF everywhere; ``:`` and ``,`` in properties).
"""

from __future__ import annotations

from fingerlog.engine.check import CheckReport, Failure


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(level: str, path: str, line: int, column: int, title: str, message: str) -> str:
    """One workflow command line."""
    props = f"file={_property(path)},line={line},col={column},title={_property(title)}"
    return f"::{level} {props}::{_data(message)}"


def render_github(report: CheckReport) -> str:
    """Every failed case as ``::error``, every lint finding as ``::error``/``::warning``."""
    lines = [
        annotation("error", case.rule_path, case.line, case.column,
                   f"fingerlog check: {case.failure.value}", f"{case.rule_id}: {case.message}")
        # lint errors are annotated once each, from the findings below
        for case in report.failures if case.failure not in (None, Failure.LINT_ERROR)
    ]
    lines += [
        annotation(f.severity.value, f.path, f.line, f.column, f"{f.guideline.id} {f.guideline.name}", f.message)
        for f in report.findings
    ]
    lines += [
        annotation(p.severity.value, p.path, p.line or 1, p.column or 1, f"fingerlog rule {p.code}", p.message)
        for p in report.load_warnings
    ]
    return "".join(line + "\n" for line in lines)
