"""Hand-written edge cases: a query, the documents it is asked about, and what ES 1.x answers.

The same table serves twice: tests/test_matcher.py checks the matcher against
the expected ids without Java, and tests/test_conformance_lucene.py checks
both the matcher and these expectations against the real Lucene 4.10 under
every shipped mapping profile.
"""

from __future__ import annotations

from dataclasses import dataclass, field

DOCS: dict[str, dict[str, list[str]]] = {
    "sched": {
        "message": ["ERROR nova.scheduler [req-1] No valid host was found. Exceeded max scheduling attempts 3"],
        "tags": ["screen-n-sch.txt", "screen", "oslofmt"],
        "filename": ["logs/screen-n-sch.txt"],
        "build_name": ["gate-tempest-dsvm-full"],
        "loglevel": ["ERROR"],
    },
    "quote": {
        "message": ['Error: "disk full" on /dev/vdb, it\'s O\'Neil\'s'],
        "tags": ["console.html"],
        "filename": ["console.html"],
        "build_name": ["check-swift-python27"],
    },
    "trace": {
        "message": ["Traceback (most recent call last):\n  File \"x.py\", line 3\nTypeError: 'NoneType' object is not iterable"],
        "tags": ["screen-q-svc.txt", "oslofmt"],
        "filename": ["logs/screen-q-svc.txt.gz"],
        "build_name": ["gate-neutron-python27"],
    },
    "bare": {"message": ["all good"]},
    "unicode": {
        "message": ["Ошибка: ÜBER straße 東京 İstanbul ΟΔΟΣ"],
        "build_name": ["Gate-Nova-PYTHON27"],
    },
    "long": {"message": ["x" * 300 + " tail"], "tags": ["a b", "c d"]},
}

EVERY = frozenset(DOCS)


@dataclass(frozen=True)
class Case:
    """``expected`` maps a profile name to the ids ES 1.x returns under it (others: Lucene only)."""

    name: str
    query: str
    expected: dict[str, frozenset[str]] = field(default_factory=dict)


def both(*ids: str) -> dict[str, frozenset[str]]:
    """The same answer under the ``analyzed`` and ``keyword`` profiles."""
    return {"analyzed": frozenset(ids), "keyword": frozenset(ids)}


def per_profile(analyzed: set[str], keyword: set[str]) -> dict[str, frozenset[str]]:
    return {"analyzed": frozenset(analyzed), "keyword": frozenset(keyword)}


CASES: list[Case] = [
    # punctuation inside phrases is a token break, not text to find
    Case("phrase-trailing-period", 'message:"No valid host was found."', both("sched")),
    Case("phrase-hyphen-joins-words", 'message:"host-was found"', both("sched")),
    Case("phrase-dotted-name-is-one-token", 'message:"nova.scheduler"', both("sched")),
    Case("phrase-part-of-dotted-name-misses", 'message:"nova"', both()),
    # mixed case: analyzed text is lower-cased on both sides
    Case("phrase-mixed-case", 'message:"NO VALID Host"', both("sched")),
    # escaped quotes inside a phrase
    Case("escaped-quotes", r'message:"Error: \"disk full\""', both("quote")),
    Case("apostrophes-stay-in-words", "message:\"it's O'Neil's\"", both("quote")),
    # wildcards apply per token on analyzed fields, to the whole (lower-cased pattern) on keywords
    Case("wildcard-spanning-tokens", "build_name:gate-*", per_profile(set(), {"sched", "trace"})),
    Case("prefix-of-a-token", "build_name:gate*", per_profile({"sched", "trace", "unicode"}, {"sched", "trace"})),
    Case("wildcard-file-name", "filename:logs*screen-q-svc.txt*", per_profile(set(), {"trace"})),
    Case("leading-wildcard", "build_name:*python27", per_profile({"quote", "trace", "unicode"}, {"quote", "trace"})),
    Case("wildcard-question-mark", "build_name:python2?", per_profile({"quote", "trace", "unicode"}, set())),
    # NOT over a missing field is true
    Case("not-on-missing-field", "NOT tags:console.html", both(*(EVERY - {"quote"}))),
    Case("and-not", "message:good AND NOT tags:oslofmt", both("bare")),
    Case("missing-field", "_missing_:filename", both("bare", "unicode", "long")),
    Case("exists-field", "_exists_:tags", both("sched", "quote", "trace", "long")),
    # mixed AND/OR: `a OR b AND c` is `a +b +c`
    Case("mixed-and-or", "message:error OR message:traceback AND tags:oslofmt", both("trace")),
    Case("grouped-or-and", "(message:error OR message:traceback) AND tags:oslofmt", both("sched", "trace")),
    Case("or-of-ands", "(message:error AND tags:screen) OR (message:good)", both("sched", "bare")),
    # multi-valued fields: position gap 0 lets a phrase span two values
    Case("phrase-across-values", 'tags:"b c"', per_profile({"long"}, set())),
    Case("keyword-value-whole", 'tags:"a b"', per_profile({"long"}, {"long"})),
    # a token longer than 255 characters is split, the rest still indexed
    Case("after-long-token", "message:tail", both("long")),
    Case("prefix-on-long-token", "message:xxxxx*", both("long")),
    # unicode letters, ideographs, Java lower-casing
    Case("unicode-letters", "message:über AND message:STRASSE", both()),
    Case("unicode-sharp-s", "message:straße", both("unicode")),
    Case("ideographs-are-single-tokens", 'message:"東京"', both("unicode")),
    Case("dotted-capital-i", "message:istanbul", both("unicode")),
    Case("final-sigma", "message:οδοσ", both("unicode")),
    # a bare term analyzed into several tokens is an OR of them
    Case("term-several-tokens", "message:no-valid-zzz", both("sched")),
    # clauses that analyze to nothing disappear, and so do groups left empty
    Case("dropped-clause-in-and", 'message:"---" AND tags:oslofmt', both("sched", "trace")),
    Case("everything-dropped", 'message:"---"', both()),
    Case("not-of-dropped", 'NOT message:"---"', both()),
    Case("dropped-leaves-pure-negative", 'message:"---" OR NOT tags:oslofmt', both("quote", "bare", "unicode", "long")),
    # an AND makes the last clause *kept* required: here `traceback`, not the dropped phrase
    Case("and-after-dropped-clause", 'message:traceback "---" AND tags:oslofmt', both("trace")),
    Case("and-not-after-dropped-clause", 'message:traceback "---" AND NOT tags:oslofmt', both()),
    Case("dropped-group", '(message:"..." OR message:"--") AND tags:oslofmt', both("sched", "trace")),
    # regular expressions: Lucene syntax, whole term, lower-cased
    Case("regexp-spanning-tokens", "build_name:/gate-.*/", per_profile(set(), {"sched", "trace"})),
    Case("regexp-repeat", "build_name:/python[0-9]{2}/", per_profile({"quote", "trace", "unicode"}, set())),
    Case("regexp-complement", "tags:/~(screen.*)/ AND tags:oslofmt", both("sched", "trace")),
    Case("regexp-interval", "message:/<1-5>/", both("sched", "trace")),
    # fuzzy: Levenshtein without transpositions
    Case("fuzzy-two-edits", "message:hosd~", both("sched", "trace", "bare")),
    Case("fuzzy-transposition-costs-two", "message:hots~1", both()),
    # ranges compare lower-cased bounds with terms in UTF-8 order
    Case("range-on-tokens", "loglevel:[A TO F]", per_profile({"sched"}, set())),
    Case("one-sided-range", "build_name:>h", per_profile({"sched", "quote", "trace", "unicode"}, set())),
    # bare terms search _all (every value of the document)
    Case("bare-term-all-field", "oslofmt", both("sched", "trace")),
    Case("bare-phrase-across-fields", '"oslofmt logs"', both("sched", "trace")),
    Case("match-all", "*", both(*EVERY)),
    Case("field-has-a-term", "tags:*", both("sched", "quote", "trace", "long")),
    # slop: reordering costs two
    Case("slop-reordered", 'message:"host valid"~2', both("sched")),
    Case("slop-too-small", 'message:"host valid"~1', both()),
    Case("slop-gap", 'message:"no host"~1', both("sched")),
    Case("keyword-subfield", 'message.raw:"all good"', both("bare")),
    # the deepest nesting fingerlog accepts (parser.MAX_NESTING; found by fuzzing: the DSL compiler
    # overflowed); 99 negations, each with its match-all, leave "not good"
    Case("nested-200-deep", "NOT (" * 99 + "(" * 101 + "message:good" + ")" * 200, both(*(EVERY - {"bare"}))),
]

#: (Lucene RegExp, whole term, accepted?): the syntax that differs from Python's ``re``.
REGEXPS: list[tuple[str, str, bool]] = [
    ("ab.d", "abcd", True),
    ("ab.d", "abd", False),
    ("a\\dc", "adc", True),  # \d is a plain d
    ("a\\.c", "a.c", True),
    ("a\\.c", "abc", False),
    ("[a-c]+x", "abcx", True),
    ("[^a-c]x", "dx", True),
    ("[^a-c]x", "ax", False),
    ("[]a]", "]", True),  # the first character of a class is literal
    ("(ab|cd){2}", "abcd", True),
    ("(ab|cd){2}", "ab", False),
    ("a{2,}", "aaaa", True),
    ("a{2,3}", "aaaa", False),
    ("x?y+z*", "yyy", True),
    ("~(abc)", "abd", True),
    ("~(abc)", "abc", False),
    ("a~(b)c", "axxc", True),
    ("a~(b)c", "abc", False),
    ("@abc@&@x@", "zabcyxw", True),
    ("@abc@&@x@", "zabcyw", False),
    ("#|abc", "abc", True),
    ("#", "", False),
    ("()a", "a", True),
    ('"a.b"c', "a.bc", True),
    ('"a.b"c', "axbc", False),
    ("<1-20>", "7", True),
    ("<1-20>", "007", True),  # different widths: leading zeros allowed
    ("<1-20>", "21", False),
    ("<01-20>", "07", True),  # same width: exactly that many digits
    ("<01-20>", "7", False),
    ("*a", "*a", True),  # a leading repeat operator is a literal character
    ("a.*", "a\nb", True),
    # found by fuzzing: repeating an empty language gives an empty language, not the empty string
    # (Lucene's Operations.repeat returns a state-less automaton as it is); '?' and {0,n} still allow ""
    ("#*", "", False),
    ("#*|a", "a", True),
    ("a#*", "a", False),
    ("(a#)*|b", "", False),
    ("~(@)*", "", False),
    ("#{0,}", "", False),
    ("#?", "", True),
    ("#{0,2}", "", True),
    ("(#|b)*", "", True),
    # ... also when the language is empty only by intersection or complement (fuzzing found these)
    ("([a-c]&[d-e])*", "", False),
    ("(\\d{2,}&[]a])*.{2,}", "ab", False),
    ("~(@{2})*", "", False),
    ("~(.?@*)*[a-z].", "ab", False),
    ("([a-c]&[c-e])*", "cc", True),
]

#: Patterns Lucene's RegExp parser refuses.
BAD_REGEXPS: list[str] = ["a)b", "(ab", "[ab", "a{x}", '"ab', "<abc>", "<1-x>", "<1-2147483648>", "a{0,2147483648}"]

#: (fuzzy query text, whole term, accepted?): Levenshtein without transpositions, and
#: FuzzyTermsEnum's rule that a candidate needs fewer edits than the shorter string has characters.
FUZZY: list[tuple[str, str, bool]] = [
    ("host~", "hosd", True),
    ("host~", "hots", True),  # a transposition is two edits: within the default two
    ("host~1", "hots", False),
    ("host~1", "hast", True),
    ("host~1", "hostx", True),
    ("host~1", "hostxy", False),
    ("ab~", "a", False),  # one edit, but "a" has only one character
    ("ab~", "abc", True),
    ("abc~", "a", False),
    ("abc~", "ab", True),
    ("abcd~0.5", "abxy", True),  # (1 - 0.5) * 4 = 2 edits
    ("abcd~0.8", "abxd", False),  # (1 - 0.8) * 4 = 0.8: no edit allowed
    ("abcdefghij~0.8", "abcdefghxy", False),  # 0.8 is the float 0.8000000119: 1.99999 -> 1 edit
    ("abcdefghij~0.8", "abcdefghix", True),
    ("abcdefghijklmnopqrst~0.9", "abcdefghijklmnopqrxy", True),  # 0.9f = 0.8999999762: 2.0000005 -> 2
    ("host~3", "hxxx", False),  # at most two edits, whatever is asked
    ("host~0", "host", True),
    ("host~0", "hosd", False),
]
