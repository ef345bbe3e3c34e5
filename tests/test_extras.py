"""A feature of an optional extra that is not installed: one line naming the pip command, nothing written."""

from __future__ import annotations

from collections.abc import Callable
from importlib.machinery import ModuleSpec
from importlib.util import find_spec
from pathlib import Path

import pytest
from click.testing import CliRunner

from fingerlog import extras
from fingerlog.cli import main

DEMO = Path(__file__).resolve().parents[1] / "fixtures" / "demo" / "tempest-full-2c4f9e1"


def _without(*modules: str) -> Callable[..., ModuleSpec | None]:
    """``find_spec`` as on a machine without ``modules``."""
    return lambda name, *rest: None if name in modules else find_spec(name, *rest)


@pytest.mark.parametrize(
    ("hidden", "args", "expected"),
    [
        (("distributed",), ["batch", str(DEMO), "--out", "{tmp}/store", "--engine", "dask"],
         "--engine dask needs fingerlog's 'dask' extra (distributed not installed): pip install 'fingerlog[dask]'"),
        (("s3fs",), ["batch", str(DEMO), "--out", "s3://bucket/store"],
         "an s3:// location needs fingerlog's 's3' extra (s3fs not installed): pip install 'fingerlog[s3]'"),
        (("s3fs", "upath"), ["sql", "s3://bucket/store", "SELECT 1"],
         "an s3:// location needs fingerlog's 's3' extra (s3fs, upath not installed): pip install 'fingerlog[s3]'"),
        (("s3fs",), ["scan", "s3://bucket/job"],
         "an s3:// location needs fingerlog's 's3' extra (s3fs not installed): pip install 'fingerlog[s3]'"),
    ],
    ids=["batch-engine-dask", "batch-into-s3", "sql-over-s3", "scan-of-s3"],
)
def test_a_missing_extra_is_one_line_and_nothing_is_written(
    hidden: tuple[str, ...], args: list[str], expected: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(extras, "find_spec", _without(*hidden))
    result = CliRunner().invoke(main, [arg.format(tmp=tmp_path) for arg in args])
    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == f"fingerlog: error: {expected}"
    assert list(tmp_path.iterdir()) == []
