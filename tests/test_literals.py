"""Required literals: what the raw text of every matching event must contain."""

from __future__ import annotations

import pytest

from fingerlog.backends.literals import (
    IMPOSSIBLE,
    UNCONSTRAINED,
    holds,
    key_literals,
    literal_cost,
    required_literals,
    vanishes,
)
from fingerlog.mapping import load_mapping
from fingerlog.query.nodes import (
    Bool,
    Clause,
    Exists,
    MatchAll,
    Node,
    Occur,
    Phrase,
    Prefix,
    Range,
    Regexp,
    Term,
    Wildcard,
    WildcardToken,
)

ANALYZED = load_mapping("analyzed")
KEYWORD = load_mapping("keyword")

M, S, N = Occur.MUST, Occur.SHOULD, Occur.MUST_NOT


def msg(text: str) -> Phrase:
    return Phrase("message", text)


def both(*clauses: tuple[Occur, Node]) -> Bool:
    return Bool(tuple(Clause(occur, query) for occur, query in clauses))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param(msg("Lock wait timeout exceeded"), {"exceeded"}, id="phrase-keys-on-its-most-specific-token"),
        pytest.param(msg("allocate_for_instance failed"), {"allocate_for_instance"}, id="underscore-joins-a-token"),
        pytest.param(Term("message", "Connection-Refused"), {"connection", "refused"},
                     id="term-with-two-tokens-needs-either"),
        pytest.param(both((M, msg("error")), (M, msg("lvremove"))), {"lvremove"}, id="must-keys-on-the-rarest"),
        pytest.param(both((S, msg("lvremove")), (S, msg("qemu-img"))), {"lvremove", "qemu"},
                     id="should-only-needs-any-alternative"),
        pytest.param(both((S, msg("lvremove")), (S, Term("tags", "console"))), None,
                     id="should-with-a-non-message-alternative-has-none"),
        pytest.param(both((M, Term("tags", "screen-n-cpu.txt")), (M, msg("lvremove"))), {"lvremove"},
                     id="file-level-clauses-are-left-to-the-file-filter"),
        pytest.param(both((M, msg("lvremove")), (N, msg("zzzzunique"))), {"lvremove"}, id="must-not-adds-nothing"),
        pytest.param(both((N, msg("lvremove"))), None, id="only-must-not-has-none"),
        pytest.param(both((M, msg("...")), (M, msg("lvremove"))), {"lvremove"}, id="vanished-clause-is-ignored"),
        pytest.param(Prefix("message", "Conn"), {"conn"}, id="prefix-is-lower-cased"),
        pytest.param(Wildcard("message", ("Unable", WildcardToken.ANY_STRING, "conn")), {"unable"},
                     id="wildcard-keys-on-a-literal-part"),
        pytest.param(Term("message", "café"), {"caf"}, id="non-ascii-token-keeps-its-ascii-run"),
        pytest.param(Term("message", "日本"), None, id="token-without-ascii-has-none"),
        pytest.param(Term("_all", "lvremove"), None, id="all-field-is-not-verbatim"),
        pytest.param(Regexp("message", "lv.*"), None, id="regexp-has-none"),
        pytest.param(Range("message", "a", "b", True, True), None, id="range-has-none"),
        pytest.param(Exists("message"), None, id="exists-has-none"),
        pytest.param(MatchAll(), None, id="match-all-has-none"),
    ],
)
def test_required_literals_on_analyzed_message(query: Node, expected: set[str] | None) -> None:
    found = key_literals(required_literals(query, ANALYZED))
    assert found == (frozenset(expected) if expected is not None else None)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param(Term("message", "Lock wait"), {"lock wait"}, id="keyword-term-is-the-whole-text"),
        pytest.param(Phrase("message", "first\nSecond line"), {"second line"}, id="keyword-literal-never-spans-lines"),
    ],
)
def test_required_literals_on_a_keyword_message(query: Node, expected: set[str]) -> None:
    keyword_message = load_mapping("analyzed")
    keyword_message = type(keyword_message)(
        name="test", description="", fields={"message": KEYWORD.field("build_name")}, default=ANALYZED.default
    )
    assert key_literals(required_literals(query, keyword_message)) == frozenset(expected)


@pytest.mark.parametrize(
    ("query", "gone"),
    [
        pytest.param(msg("..."), True, id="punctuation-phrase"),
        pytest.param(both((M, msg("-")), (S, Term("message", "::"))), True, id="bool-of-vanished-clauses"),
        pytest.param(both((M, msg("-")), (S, Term("message", "x"))), False, id="bool-keeping-a-clause"),
        pytest.param(Term("build_name", "..."), False, id="keyword-term-never-vanishes"),
    ],
)
def test_vanishes(query: Node, gone: bool) -> None:
    assert vanishes(query, KEYWORD) is gone


@pytest.mark.parametrize(
    ("common", "rare"),
    [("error", "lvrem"), ("a", "abcdef"), ("127.0.0.1", "lvremove"), ("keystoneclient.middleware.auth_token", "qemu-img")],
)
def test_words_common_in_real_logs_cost_more(common: str, rare: str) -> None:
    assert literal_cost(common) > literal_cost(rare)


TAGS_CONSOLE = Phrase("tags", "console")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param(both((S, both((M, msg("lvremove")), (M, msg("error")))), (S, msg("migrating")), (S, TAGS_CONSOLE)),
                     {"lvremove", "migrating"}, id="impossible-should-leaves-the-others-to-key-on"),
        pytest.param(both((M, TAGS_CONSOLE), (M, msg("lvremove"))), set(), id="impossible-must-makes-the-query-impossible"),
        pytest.param(both((S, TAGS_CONSOLE), (S, Phrase("build_name", "x"))), set(), id="every-should-impossible"),
        pytest.param(both((M, msg("lvremove")), (N, TAGS_CONSOLE)), {"lvremove"}, id="impossible-must-not-changes-nothing"),
    ],
)
def test_clauses_known_impossible_in_a_file(query: Node, expected: set[str]) -> None:
    found = required_literals(query, ANALYZED, impossible=lambda leaf: leaf == TAGS_CONSOLE or leaf.field == "build_name")
    assert key_literals(found) == frozenset(expected)


def r(*conjunctions: set[str]) -> frozenset[frozenset[str]]:
    return frozenset(frozenset(c) for c in conjunctions)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param(msg("Lock wait timeout"), r({"lock", "wait", "timeout"}), id="phrase-needs-every-token"),
        pytest.param(msg('RPC response - topic: "network"'), r({"rpc", "response", "topic", "network"}),
                     id="punctuation-is-not-part-of-any-token"),
        pytest.param(both((M, msg("a b")), (M, both((S, msg("c")), (S, msg("d e"))))), r({"a", "b", "c"}, {"a", "b", "d", "e"}),
                     id="and-of-or-multiplies-out"),
        pytest.param(both((S, msg("a")), (S, msg("a b"))), r({"a"}), id="implied-conjunction-is-dropped"),
        pytest.param(both((S, msg("a")), (S, Term("tags", "x"))), UNCONSTRAINED, id="an-unconstrained-alternative"),
        pytest.param(both((M, msg("a")), (M, MatchAll())), r({"a"}), id="match-all-adds-nothing"),
    ],
)
def test_requirements_are_disjunctions_of_conjunctions(query: Node, expected: frozenset[frozenset[str]]) -> None:
    assert required_literals(query, ANALYZED) == expected


def test_and_with_too_many_alternatives_keeps_a_sound_weaker_requirement() -> None:
    wide = both(*((S, msg(f"w{i}")) for i in range(40)))
    found = required_literals(both((M, wide), (M, wide), (M, msg("anchor"))), ANALYZED)
    assert 0 < len(found) <= 64
    assert all("anchor" in c for c in found)


@pytest.mark.parametrize(
    ("requirement", "text", "expected"),
    [
        pytest.param(r({"lock", "wait"}), b"LOCK-wait", True, id="all-literals-of-a-conjunction"),
        pytest.param(r({"lock", "wait"}), b"lock only", False, id="one-literal-missing"),
        pytest.param(r({"x"}, {"lock"}), b"lock", True, id="another-conjunction"),
        pytest.param(IMPOSSIBLE, b"anything", False, id="impossible"),
        pytest.param(UNCONSTRAINED, b"", True, id="unconstrained"),
    ],
)
def test_holds(requirement: frozenset[frozenset[str]], text: bytes, expected: bool) -> None:
    assert holds(requirement, text.lower()) is expected
