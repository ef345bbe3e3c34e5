"""The optional extras (``pip install 'fingerlog[dask,s3]'``): one clear line where one is missing."""

from __future__ import annotations

from importlib.util import find_spec

from fingerlog.errors import FingerlogError

#: each extra of pyproject.toml, and the modules of it fingerlog imports
EXTRAS: dict[str, tuple[str, ...]] = {
    "dask": ("dask", "distributed"),
    "s3": ("s3fs", "fsspec", "upath"),
}


class MissingExtra(FingerlogError):
    """A feature was asked for whose optional packages are not installed."""


def require(extra: str, feature: str) -> None:
    """Raise :class:`MissingExtra` unless every module of ``extra`` is installed (none is imported here)."""
    missing = [module for module in EXTRAS[extra] if find_spec(module) is None]
    if missing:
        raise MissingExtra(
            f"{feature} needs fingerlog's '{extra}' extra ({', '.join(missing)} not installed): "
            f"pip install 'fingerlog[{extra}]'"
        )
