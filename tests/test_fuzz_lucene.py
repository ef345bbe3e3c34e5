"""Fresh random queries over the whole classic-parser grammar get Lucene 4.10's answers.

A fixed-seed slice of the fuzzing campaign (``python -m tests.conformance.fuzz_campaign``,
docs/semantics.md "How the fuzzing is run"): queries from ``fuzz_grammar`` (escapes,
boosts, fuzzy, wildcards anywhere, ranges with any brackets, ``&&``/``||``/``!``,
odd whitespace, awkward tokens, broken syntax) over documents built from the
project's real log fixtures and the same vocabulary, under every shipped profile.
fingerlog must accept exactly what Lucene accepts (refusing with a located
``FingerlogError``), match exactly the documents Lucene matches, and its printed
query string and exact DSL must return those documents too.
"""

from __future__ import annotations

from typing import Any

import pytest

from conformance.differential import compare, declaring, shrink
from conformance.fuzz_grammar import FuzzGrammar
from fingerlog.mapping import available_mappings, load_mapping

pytestmark = [pytest.mark.lucene]

SEED = 20261125
QUERIES = 1200
DOCS = 50


@pytest.mark.parametrize("profile", available_mappings())
def test_random_grammar_queries_agree_with_lucene(lucene: Any, profile: str) -> None:
    grammar = FuzzGrammar(SEED)
    docs = grammar.documents(DOCS)
    queries = list(grammar.queries(QUERIES))
    mapping = declaring(load_mapping(profile), docs)
    problems = compare(lucene, queries, docs, mapping)
    shown = [shrink(lucene, problem, docs, mapping).render() for problem in problems[:5]]
    assert not problems, f"{len(problems)} disagreements with Lucene; shrunk:\n" + "\n".join(shown)
    # the grammar must exercise both sides of each question, or agreement proves little
    answers = lucene.match(docs, queries, mapping)
    accepted = [answer for answer in answers if isinstance(answer, set)]
    assert 0.6 * QUERIES < len(accepted) < QUERIES
    assert sum(1 for hits in accepted if 0 < len(hits) < DOCS) > QUERIES / 20  # some hit, some miss
