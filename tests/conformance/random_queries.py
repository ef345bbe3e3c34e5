"""Random query strings over the edge-case documents' vocabulary, for differential testing.

Hand-written tables only cover what their authors thought of; random
combinations of fields, words that do and do not analyze to tokens, phrases
with slop, prefixes, wildcards, regexps, ranges, ``_exists_``/``_missing_``,
nested groups and every operator find the interactions nobody wrote down.
Lucene decides what each one matches.
"""

from __future__ import annotations

import random

FIELDS = ["message", "tags", "filename", "build_name", "loglevel", "nosuch", "_all", "message.raw"]
WORDS = [
    "error", "ERROR", "host", "valid", "no", "oslofmt", "screen", "console.html", "gate", "python27", "traceback",
    "x.py", "disk", "full", "good", "all", "'NoneType'", "---", "über", "東京", "a", "b", "c", "d", "logs",
    "sch.txt", "screen-n-sch.txt", "check-swift-python27", "Gate-Nova-PYTHON27",
]
REGEXPS = ["[a-z]+", "o.*", "~(x.*)", ".*27", "<1-9>"]


class QueryGenerator:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def leaf(self) -> str:
        rng = self.rng
        name, word = rng.choice(FIELDS), rng.choice(WORDS)
        prefix = "" if rng.random() < 0.3 else name + ":"
        plain = "".join(ch for ch in word if ch.isalnum()) or "x"
        kind = rng.random()
        if kind < 0.3:
            return f'{prefix}"{word}"'
        if kind < 0.45:
            slop = f"~{rng.randint(0, 3)}" if rng.random() < 0.3 else ""
            return f'{prefix}"{word} {rng.choice(WORDS)}"{slop}'
        if kind < 0.55:
            return f"{prefix}{plain[:3].lower()}*"
        if kind < 0.62:
            return f"{prefix}*{plain[1:4].lower() or 'o'}*"
        if kind < 0.67:
            return f"_exists_:{name}"
        if kind < 0.7:
            return f"_missing_:{name}"
        if kind < 0.75:
            return f"{prefix}/{rng.choice(REGEXPS)}/"
        if kind < 0.8:
            return f"{prefix}[{rng.choice('abcg')} TO {rng.choice('mpz')}]"
        return prefix + plain

    def query(self, depth: int = 0) -> str:
        rng = self.rng
        parts: list[str] = []
        for n in range(rng.randint(1, 4)):
            if n:
                parts.append(rng.choice(["AND", "OR", ""]))
            item = f"({self.query(depth + 1)})" if depth < 2 and rng.random() < 0.25 else self.leaf()
            parts.append(rng.choice(["", "", "", "NOT ", "+", "-"]) + item)
        return " ".join(part for part in parts if part)
