"""The parsed-rule cache saves the parse and never changes an answer, whatever state it is in."""

from __future__ import annotations

import os
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from fingerlog.query.nodes import Bool, Node
from fingerlog.rules import RuleSet, Severity, cache, load_rules, loader

GOOD = 'query: message:"No valid host was found" AND tags:"screen-n-sch.txt"\ntitle: scheduler\n'
#: a rule with a warning (unknown key) and one with an error in its query: both must come back in place
WARNS = 'query: message:"Timed out"\ntitel: typo\n'
BROKEN = "query: >-\n  message:\"unclosed AND tags:x\n"


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    where = tmp_path / "cache"
    monkeypatch.setenv("FINGERLOG_CACHE_DIR", str(where))
    monkeypatch.delenv("FINGERLOG_NO_CACHE", raising=False)
    return where / "rules"


@pytest.fixture
def rules_dir(tmp_path: Path) -> Path:
    where = tmp_path / "rules"
    where.mkdir()
    for name, text in (("1001.yaml", GOOD), ("1002.yaml", WARNS), ("1003.yaml", BROKEN)):
        (where / name).write_text(text, encoding="utf-8")
    return where


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The query texts the loader really parses (a cache hit parses none)."""
    seen: list[str] = []
    real = loader.parse_query

    def counting(text: str, *args: Any, **kwargs: Any) -> Any:
        seen.append(text)
        return real(text, *args, **kwargs)

    monkeypatch.setattr(loader, "parse_query", counting)
    return seen


def entries(where: Path) -> list[Path]:
    return sorted(where.glob("*.pickle")) if where.is_dir() else []


def spans(node: Node) -> list[object]:
    """Every node's source span (equality leaves them out), depth first."""
    inner = [span for clause in node.clauses for span in spans(clause.query)] if isinstance(node, Bool) else []
    return [node.span, *inner]


def assert_same(first: RuleSet, second: RuleSet) -> None:
    assert second == first
    assert [str(p) for p in second.problems] == [str(p) for p in first.problems]
    assert [r.key_positions for r in second.rules] == [r.key_positions for r in first.rules]
    assert [spans(r.query) for r in second.rules] == [spans(r.query) for r in first.rules]


def test_a_second_load_is_a_cache_hit_with_the_same_rules_problems_and_digest(
    cache_dir: Path, rules_dir: Path, parses: list[str]
) -> None:
    first = load_rules(rules_dir)
    assert len(parses) == 3 and len(entries(cache_dir)) == 1
    assert [(p.code, p.severity, p.line) for p in first.problems] == [
        ("unknown-key", Severity.WARNING, 2),
        ("query-syntax", Severity.ERROR, 2),
    ]
    parses.clear()
    second = load_rules(rules_dir)
    assert parses == []
    assert_same(first, second)


def test_the_cached_answer_equals_an_uncached_load_of_the_real_corpus(
    cache_dir: Path, corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    queries = corpus / "elastic-recheck/queries"
    load_rules(queries)  # fills the cache
    from_cache = load_rules(queries)
    monkeypatch.setenv("FINGERLOG_NO_CACHE", "1")
    assert_same(load_rules(queries), from_cache)


def test_a_hit_hands_back_the_loaders_own_paths_not_stored_copies(cache_dir: Path, rules_dir: Path) -> None:
    load_rules(rules_dir)
    files = sorted(rules_dir.glob("*.yaml"))
    store = cache.RuleCache(cache_dir)
    slot = store.slot([rules_dir])
    key = store.key([(str(path), path.read_bytes()) for path in files], cache.CODE_FINGERPRINT or "")
    parsed = store.get(slot, key, known=files)
    assert parsed is not None
    assert [rule.path for rule, _ in parsed if rule is not None] == [files[0], files[1]]
    assert all(rule.path is files[number] for number, (rule, _) in enumerate(parsed) if rule is not None)
    assert store.get(slot, key, known=files[:1]) is None  # a reference beyond what the caller holds: a miss


# (what changes in the rule directory between two loads): each must be seen by the second load
EDITS: list[tuple[str, Callable[[Path], None]]] = [
    ("query edited", lambda d: (d / "1001.yaml").write_text(GOOD.replace("No valid host", "No host"))),
    ("same size edit", lambda d: (d / "1001.yaml").write_text(GOOD.replace("sch.txt", "sch.log"))),
    ("file renamed", lambda d: (d / "1001.yaml").rename(d / "2001.yaml")),
    ("file added", lambda d: (d / "1004.yaml").write_text(GOOD)),
    ("file removed", lambda d: (d / "1002.yaml").unlink()),
    ("error fixed", lambda d: (d / "1003.yaml").write_text(GOOD)),
]


@pytest.mark.parametrize("edit", [e[1] for e in EDITS], ids=[e[0] for e in EDITS])
def test_an_edited_rule_directory_is_parsed_again(
    cache_dir: Path, rules_dir: Path, monkeypatch: pytest.MonkeyPatch, edit: Callable[[Path], None]
) -> None:
    load_rules(rules_dir)
    edit(rules_dir)
    after = load_rules(rules_dir)
    monkeypatch.setenv("FINGERLOG_NO_CACHE", "1")
    assert_same(load_rules(rules_dir), after)
    assert len(entries(cache_dir)) == 1  # the directory's entry was replaced, not added to


# (how an entry is damaged): each is ignored, the rules parsed, and the entry written anew
DAMAGE: list[tuple[str, Callable[[Path], None]]] = [
    ("truncated", lambda p: p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2])),
    ("empty", lambda p: p.write_bytes(b"")),
    ("not a pickle", lambda p: p.write_bytes(b"\x00garbage\xff" * 100)),
    ("another format", lambda p: p.write_bytes(pickle.dumps((cache.CACHE_FORMAT + 1, "key", [])))),
    ("another shape", lambda p: p.write_bytes(pickle.dumps({"rules": []}))),
    ("a module that no longer exists", lambda p: p.write_bytes(
        p.read_bytes().replace(b"fingerlog.rules.model", b"fingerlog.rules.xxxxx"))),
]


@pytest.mark.parametrize("damage", [d[1] for d in DAMAGE], ids=[d[0] for d in DAMAGE])
def test_a_damaged_entry_is_ignored_and_replaced(
    cache_dir: Path, rules_dir: Path, parses: list[str], damage: Callable[[Path], None]
) -> None:
    first = load_rules(rules_dir)
    (entry,) = entries(cache_dir)
    damage(entry)
    parses.clear()
    assert_same(first, load_rules(rules_dir))
    assert len(parses) == 3
    parses.clear()
    assert_same(first, load_rules(rules_dir))
    assert parses == []  # the rebuilt entry is good


def test_a_cache_that_cannot_be_written_is_no_error(
    tmp_path: Path, rules_dir: Path, monkeypatch: pytest.MonkeyPatch, parses: list[str]
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("FINGERLOG_CACHE_DIR", str(blocker / "cache"))  # mkdir fails even for root
    first = load_rules(rules_dir)
    second = load_rules(rules_dir)
    assert_same(first, second)
    assert len(parses) == 6  # parsed both times
    assert blocker.read_text() == "not a directory"


def test_a_changed_code_fingerprint_invalidates(
    cache_dir: Path, rules_dir: Path, parses: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    load_rules(rules_dir)
    monkeypatch.setattr(cache, "CODE_FINGERPRINT", "another parser")
    parses.clear()
    load_rules(rules_dir)
    assert len(parses) == 3


def test_the_code_fingerprint_follows_every_parsing_source_file(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    for name in ("query/parser.py", "query/lexer.py", "rules/loader.py", "errors.py", "backends/automata.py",
                 "mapping/__init__.py", "engine/scan.py"):
        (package / name).parent.mkdir(parents=True, exist_ok=True)
        (package / name).write_text(f"# {name}\n")
    before = cache.code_fingerprint(package)
    (package / "engine/scan.py").write_text("# not parsing code\n")
    assert cache.code_fingerprint(package) == before
    for name in ("query/lexer.py", "rules/loader.py", "errors.py", "backends/automata.py", "mapping/__init__.py"):
        (package / name).write_text((package / name).read_text() + "# edited\n")
        after = cache.code_fingerprint(package)
        assert after != before, name
        before = after


def test_fingerlog_no_cache_turns_it_off(
    cache_dir: Path, rules_dir: Path, monkeypatch: pytest.MonkeyPatch, parses: list[str]
) -> None:
    monkeypatch.setenv("FINGERLOG_NO_CACHE", "1")
    load_rules(rules_dir)
    load_rules(rules_dir)
    assert len(parses) == 6 and entries(cache_dir) == []


def test_entries_are_bounded_least_recently_used_first(
    cache_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cache, "MAX_ENTRIES", 3)
    packs = []
    for number in range(5):
        pack = tmp_path / f"pack{number}"
        pack.mkdir()
        (pack / "1.yaml").write_text(GOOD)
        packs.append(pack)
    for age, pack in enumerate(packs[:3]):
        load_rules(pack)
        # file times are coarse (a clock tick): make the three entries clearly older, pack0 the oldest
        entry = cache_dir / f"{cache.RuleCache.slot([pack])}.pickle"
        os.utime(entry, (1_000_000 + age, 1_000_000 + age))
    load_rules(packs[0])  # a hit: pack0 is now the most recently used
    for pack in packs[3:]:
        load_rules(pack)
    kept = {entry.stem for entry in entries(cache_dir)}
    expected = {cache.RuleCache.slot([pack]) for pack in (packs[0], packs[3], packs[4])}
    assert kept == expected


# (environment, where entries go relative to tmp_path)
LOCATIONS = [
    ({"FINGERLOG_CACHE_DIR": "own", "XDG_CACHE_HOME": "xdg", "HOME": "home"}, "own/rules"),
    ({"XDG_CACHE_HOME": "xdg", "HOME": "home"}, "xdg/fingerlog/rules"),
    ({"HOME": "home"}, "home/.cache/fingerlog/rules"),
]


@pytest.mark.parametrize(("env", "where"), LOCATIONS, ids=["FINGERLOG_CACHE_DIR", "XDG_CACHE_HOME", "HOME"])
def test_the_cache_location_follows_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, env: dict[str, str], where: str
) -> None:
    for name in ("FINGERLOG_CACHE_DIR", "XDG_CACHE_HOME", "FINGERLOG_NO_CACHE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, str(tmp_path / value))
    assert cache.cache_dir() == tmp_path / where
