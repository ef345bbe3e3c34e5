"""The project's own rule pack: complete metadata, and `fingerlog check` passes on it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from fingerlog.cli import main
from fingerlog.mapping import available_mappings

REPO = Path(__file__).resolve().parent.parent
RULES = sorted((REPO / "rules").glob("*.yaml"))
SECTIONS = ("## What it detects", "## Why it matters", "## Example", "## What to do")


def test_the_pack_has_at_least_30_rules() -> None:
    assert len(RULES) >= 30


@pytest.mark.parametrize("path", RULES, ids=lambda p: p.stem)
def test_every_rule_is_documented_for_users(path: Path) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", path.stem)
    assert data["title"] and data["solution"] and data["categories"]
    assert isinstance(data["retryable"], bool)
    positions = [data["description"].find(s) for s in SECTIONS]
    assert -1 not in positions and positions == sorted(positions)
    assert "bug" not in data or data["bug"].startswith("https://")
    assert (REPO / "fixtures" / "rules" / path.stem / "README.md").is_file()


@pytest.mark.parametrize("path", RULES, ids=lambda p: p.stem)
def test_example_line_is_in_the_positive_fixture(path: Path) -> None:
    """The description's example is one of the lines the rule is proven on."""
    example = yaml.safe_load(path.read_text(encoding="utf-8"))["description"].split("```\n")[1].strip()
    positive = REPO / "fixtures" / "rules" / path.stem / "positive"
    texts = [p.read_text(encoding="utf-8") for p in positive.rglob("*") if p.is_file()]
    assert any(example in text for text in texts)


@pytest.mark.parametrize("mapping", available_mappings())
def test_check_passes_on_the_pack(mapping: str) -> None:
    """Every rule hits its positives exactly, nothing else, under every shipped field mapping."""
    result = CliRunner().invoke(main, ["check", str(REPO / "rules"), "--fixtures", str(REPO / "fixtures"),
                                       "--mapping", mapping])
    assert result.exit_code == 0, result.output
    assert result.output.rstrip().endswith(": ok")


def test_the_index_lists_every_rule() -> None:
    index = (REPO / "docs" / "rules-pack.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"\| \[`([a-z0-9-]+)`\]", index))
    assert listed == {p.stem for p in RULES}


def test_the_demo_job_shows_the_failures_its_readme_tells() -> None:
    """`make demo` scans fixtures/demo/: RabbitMQ lost -> ports unbound -> no network info -> SSH timeout."""
    from fingerlog.engine.scan import scan_build
    from fingerlog.mapping import load_mapping
    from fingerlog.rules import load_rules

    ruleset = load_rules(REPO / "rules")
    result = scan_build(REPO / "fixtures" / "demo" / "tempest-full-2c4f9e1", ruleset.rules, mapping=load_mapping())
    assert not result.errors
    assert result.build.fields["build_name"] == "tempest-full"
    assert {hit.rule_id for hit in result.hits} == {
        "amqp-unreachable", "neutron-failed-to-bind-port", "nova-network-cache-refresh-error",
        "tempest-ssh-unreachable", "tox-commands-failed", "iscsi-connection-error",
    }
