"""Kibana Discover links: the Lucene text today's query_string must get to answer as ES 1.x."""

from __future__ import annotations

import re
from urllib.parse import unquote

import pytest

from fingerlog.backends.dsl import Finding
from fingerlog.backends.es_target import ALL_FIELD, EsVersion, IndexLayout, Target
from fingerlog.backends.kibana import discover_url, for_modern_query_string, rison_string
from fingerlog.backends.lucene import to_lucene
from fingerlog.mapping import load_mapping
from fingerlog.query import parse_query

KEYWORD = load_mapping("keyword")


@pytest.mark.parametrize(
    ("text", "rison"),
    [("plain", "'plain'"), ("it's", "'it!'s'"), ("wow!", "'wow!!'"), ("!'", "'!!!''")],
)
def test_rison_strings_escape_quote_and_bang(text: str, rison: str) -> None:
    assert rison_string(text) == rison


@pytest.mark.parametrize(
    ("query", "modern"),
    [
        # what ES 1.x lower-cased implicitly is lower-cased in the text
        ("build_name:Gate-Nova*", "build_name:gate-nova*"),
        ("build_name:*Swift-Python?", "build_name:*swift-python?"),
        ("build_name:/Gate-[A-Z]+\\d/", "build_name:/gate-[a-z]+d/"),
        ("build_name:[A TO Z}", "build_name:[a TO z}"),
        # analyzed or keyword terms and phrases keep their case: the field decides
        ('tags:"Screen-n-cpu.txt" AND message:Error', '+tags:"Screen-n-cpu.txt" +message:Error'),
        # the default field is named: there is no _all any more
        ('ERROR "No valid host"', f'{ALL_FIELD}:ERROR {ALL_FIELD}:"No valid host"'),
        ("NOT tags:console", "-tags:console"),
    ],
)
def test_tree_is_rewritten_for_modern_query_string(query: str, modern: str) -> None:
    findings: list[Finding] = []
    rewritten = for_modern_query_string(parse_query(query), KEYWORD, Target(), findings)
    assert to_lucene(rewritten) == modern
    assert parse_query(modern) == rewritten  # the printed text means the rewritten tree
    assert findings == []


def test_fuzzy_is_reported() -> None:
    findings: list[Finding] = []
    for_modern_query_string(parse_query("message:Conection~1"), KEYWORD, Target(), findings)
    assert len(findings) == 1 and "transpositions" in findings[0].message


def test_url_carries_the_query_and_time_window() -> None:
    translation = discover_url(parse_query("message:\"it's down!\" AND build_name:Gate*"), KEYWORD,
                               base_url="https://k.example/")
    url = translation.value
    assert url.startswith("https://k.example/app/discover#/?_g=(time:(from:now-30d,to:now))&_a=")
    state = unquote(url.split("&_a=", 1)[1])
    query = re.fullmatch(r"\(query:\(language:lucene,query:'(.*)'\)\)", state)
    assert query is not None
    assert query.group(1).replace("!'", "'").replace("!!", "!") == '+message:"it\'s down!" +build_name:gate*'


def test_bare_terms_are_reported_without_a_catch_all_field() -> None:
    """Only the clause that still means something: `"..."` has no token and is dropped anyway."""
    findings: list[Finding] = []
    dynamic = Target.for_layout(EsVersion.ES8, IndexLayout.DYNAMIC)
    rewritten = for_modern_query_string(parse_query('ERROR OR "..." OR build_name:x'), KEYWORD, dynamic, findings)
    assert to_lucene(rewritten) == 'ERROR "..." build_name.keyword:x'
    assert [f.span for f in findings] == [parse_query("ERROR").span]
