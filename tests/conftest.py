"""Shared fixtures: where the real corpus lives, and how its absence is handled.

Tests that read ``../shared/corpus`` skip with a reason on a user's fresh
clone, and fail in CI (``CI=true``), where the corpus is always present.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "corpus"
IN_CI = os.environ.get("CI", "").lower() == "true"


def require(condition: bool, reason: str) -> None:
    """Skip outside CI when a test's outside requirement is missing; fail inside CI."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session", autouse=True)
def _rule_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Every test (and the commands it runs) caches parsed rules and literal databases in a temporary directory, never in ~."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("FINGERLOG_CACHE_DIR", str(tmp_path_factory.mktemp("fingerlog-cache")))
        yield


@pytest.fixture(scope="session")
def corpus() -> Path:
    """The shared real corpus (``../shared/corpus``)."""
    require(CORPUS.is_dir(), f"shared corpus not found at {CORPUS}")
    return CORPUS


@pytest.fixture(scope="session")
def lucene() -> Iterator[Any]:
    """A running Lucene 4.10 referee configured like Elasticsearch 1.x (tests/lucene_ref)."""
    from lucene_ref import LuceneReferee, missing_requirements

    reason = missing_requirements()
    require(reason is None, reason or "")
    with LuceneReferee.start() as referee:
        yield referee
