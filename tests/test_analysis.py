"""fingerlog's StandardAnalyzer gives Lucene 4.10's tokens and positions, for any text.

The tables state the behaviour that matters for fingerprints (what stays one
token, what splits, what is dropped); the fuzz tests ask the real Lucene
(the ``lucene`` referee) about texts drawn from every character class the
tokenizer distinguishes, so the tables are not the only evidence.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fingerlog.backends import analysis
from fingerlog.backends.analysis import analyze, lower, token_spans

WORD_BREAKS = [
    # MidNumLet ``.`` and ``'`` join letters to letters and digits to digits
    ("nova.compute.manager", ["nova.compute.manager"]),
    ("10.0.0.1:8774", ["10.0.0.1", "8774"]),
    ("can't O'Neil a'1 1'2", ["can't", "o'neil", "a", "1", "1'2"]),
    # MidLetter ``:`` only between letters, MidNum ``,`` ``;`` only between digits
    ("foo:bar 12:30 1,5 a,b 1;2", ["foo:bar", "12", "30", "1,5", "a", "b", "1;2"]),
    # ExtendNumLet ``_`` joins anything and may lead or trail
    ("__init__ _a a_ x_1_y __", ["__init__", "_a", "a_", "x_1_y"]),
    # letters and digits run together; a joiner needs a partner on both sides
    ("abc123def a..b a. .a", ["abc123def", "a", "b", "a", "a"]),
    ("screen-n-cpu.txt.gz", ["screen", "n", "cpu.txt.gz"]),
    # Katakana joins katakana only (or through ``_``); ideographs and hiragana are one each
    ("アイ_a aア 中文 ひらがな", ["アイ_a", "a", "ア", "中", "文", "ひ", "ら", "が", "な"]),
    # South-East Asian runs stay whole; emoji and symbols are dropped
    ("กขค 😀 a😀b ©®", ["กขค", "a", "b"]),
    # combining marks stay with their base (WB4); Hebrew quotes (WB7a-c)
    ("e\u0301te \u05d0'\u05d1 \u05d0\"\u05d1", ["e\u0301te", "\u05d0'\u05d1", "\u05d0\"\u05d1"]),
    # Java's simple lower-casing: İ -> i, final sigma stays sigma
    ("İSTANBUL ΟΔΟΣ Straße", ["istanbul", "οδοσ", "straße"]),
    ("--- ... | ", []),
]


@pytest.mark.parametrize(("text", "expected"), WORD_BREAKS, ids=[t for t, _ in WORD_BREAKS])
def test_tokens_follow_lucene_word_breaks(text: str, expected: list[str]) -> None:
    tokens = analyze(text)
    assert [token for token, _ in tokens] == expected
    assert [position for _, position in tokens] == list(range(len(expected)))


LONG_TOKENS = [
    # Lucene 4.10.4 splits a token longer than max_token_length, keeping every position
    ("x" * 255, 255, [255]),
    ("x" * 256, 255, [255, 1]),
    ("x" * 600, 255, [255, 255, 90]),
    # the split point is the longest token that fits: a joiner cannot end a piece
    ("a" * 254 + ".b", 255, [254, 1]),
    ("abcdefgh", 3, [3, 3, 2]),
    # supplementary characters count two UTF-16 units towards the limit
    ("\U00010400" * 3, 4, [2, 1]),
]


@pytest.mark.parametrize(("text", "limit", "lengths"), LONG_TOKENS, ids=lambda v: str(v)[:20])
def test_overlong_tokens_are_split_at_the_limit(text: str, limit: int, lengths: list[int]) -> None:
    tokens = analyze(text, limit)
    assert [len(token) for token, _ in tokens] == lengths
    assert [position for _, position in tokens] == list(range(len(lengths)))


def test_lowercasing_is_per_code_point_not_python_full_case_mapping() -> None:
    assert lower("İ") == "i" != "İ".lower()
    assert lower("ΟΔΟΣ") == "οδοσ" != "ΟΔΟΣ".lower()


ASCII = st.text(alphabet=st.sampled_from("aZ09_.,;:'\"-/ @#x\t"), max_size=40)


@given(ASCII)
def test_ascii_fast_path_agrees_with_the_general_scanner(text: str) -> None:
    assert token_spans(text) == analysis._nfa_spans(text, analysis.DEFAULT_MAX_TOKEN_LENGTH)


# One or two characters of every class the tokenizer distinguishes, and ones that break.
CLASS_SAMPLES = (
    "aZé\u0130\u03a3ß\U00010400"  # ALetter (incl. supplementary)
    "\u05d0\u05d1"  # Hebrew_Letter
    "09\u0660\uff11"  # Numeric (Arabic-Indic, full-width)
    "\u30a2\u30fc"  # Katakana
    "_\u203f"  # ExtendNumLet
    ".'\u2019\u2018\uff0e:\u00b7,;\""  # joiners
    "\u0301\u00ad\u200d\u2060"  # Extend / Format
    "\u0e01\u0e31"  # South-East Asian (and one that is also Extend)
    "\u4e2d\u3042\u3005"  # ideographic, hiragana
    "\U0001f1e6\U0001f600"  # regional indicator, emoji
    " \t\n-/@#%&*()[]{}<>=+!?~`$^|\\"  # breaking characters
)
MIXED = st.text(alphabet=st.sampled_from(CLASS_SAMPLES), max_size=60)


@pytest.mark.lucene
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(MIXED, min_size=50, max_size=50), st.sampled_from([255, 7, 3]))
def test_tokens_and_positions_equal_lucene_on_mixed_unicode(lucene: Any, texts: list[str], limit: int) -> None:
    expected = lucene.tokens(texts, max_token_length=limit)
    for text, tokens in zip(texts, expected):
        assert analyze(text, limit) == tokens, f"text {text!r} (max_token_length {limit})"


LOG_LIKE = st.lists(
    st.sampled_from(
        [
            "ERROR", "nova.compute.manager", "[req-5f1e-22ab]", "10.0.0.1:8774", "http://logs.openstack.org/a/b.txt",
            "O'Neil", "can't", "0x1F", "1,000.5", "__init__", "foo_bar", "TypeError:", "'NoneType'", "a.b.", "--",
            "2013-09-27 18:47:11.723", "|", "\"quoted\"", "x" * 300, "ü", "東京", "Σ",
        ]
    ),
    max_size=12,
).map(" ".join)


@pytest.mark.lucene
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(LOG_LIKE, min_size=40, max_size=40))
def test_tokens_equal_lucene_on_log_like_text(lucene: Any, texts: list[str]) -> None:
    for text, tokens in zip(texts, lucene.tokens(texts)):
        assert analyze(text) == tokens, f"text {text!r}"


@given(st.lists(st.one_of(ASCII, MIXED), max_size=6).map("".join), st.sampled_from([255, 4]))
def test_splitting_at_white_space_changes_nothing(text: str, limit: int) -> None:
    assert token_spans(text, limit) == analysis._nfa_spans(text, limit)


@pytest.mark.lucene
@pytest.mark.slow
def test_committed_unicode_tables_are_what_lucene_says_today(lucene: Any) -> None:
    """Every code point's class and lower case, asked of Lucene afresh (the lucene fixture
    guarantees Java and the jars), equals the committed generated module."""
    from conformance.gen_analysis_tables import TARGET, generate

    assert generate() == TARGET.read_text(encoding="utf-8")
