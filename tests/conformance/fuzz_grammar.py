"""Random queries over the whole classic-parser grammar, and documents they can hit.

``random_queries.py`` draws from a narrow vocabulary and grammar so that a test
over it stays small; this generator is for finding what nobody thought of. It
emits query *strings* (escapes anywhere, boosts, fuzzy and slop suffixes,
wildcards in every position, ranges with any brackets and bounds, ``&&``/``||``/
``!``, lowercase ``and``/``or``/``not``, odd whitespace, deliberately broken
syntax) built from a vocabulary of awkward tokens (URLs, IPs, versions, UUIDs,
dotted names, CJK, accents, emoji, very long runs) that the documents share, so
that queries hit as well as miss. Lucene decides every answer; nothing here
says what a query means.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

#: Tokens that stress the analyzer and the lexer; documents and queries share them.
AWKWARD = [
    "2.7.1", "v1.2.3", "10.0.0.1", "192.168.1.254:8080", "::1", "fe80::1", "1,000,000", "12:00:00.123",
    "http://logs.openstack.org/42/1234/3/gate/job/abc123/console.html", "https://example.com/a?b=c&d=e",
    "user@example.com", "/var/log/nova/nova-api.log", "C:\\Windows\\system32", "0xdeadbeef", "DEADBEEF",
    "3f2504e0-4f89-11d3-9a0c-0305e82c3301", "req-5c0b7a4e-1d2f-4b6a-9e3c-7f8a9b0c1d2e",
    "nova.compute.manager", "foo_bar", "__init__", "it's", "O'Neil's", "don't", "screen-n-cpu.txt",
    "screen-n-sch.txt", "console.html", "py27", "abc123def", "x86_64", "a:b", "a.b.", "end.", "-x", "x-",
    "東京", "日本語テキスト", "한국어", "über", "Straße", "café", "naïve", "İstanbul", "ΟΔΟΣ", "Ошибка",
    "😀", "🚀launch", "ﬁle", "e\u0301", "\u00a0nbsp", "and", "or", "not", "AND", "OR", "NOT", "to", "TO",
    "ERROR", "error", "Error", "WARNING", "TRACE", "DEBUG", "INFO", "Traceback", "NoneType", "'NoneType'",
    "---", "...", "***", "&&", "||", "!", "#", "%", "$HOME", "${var}", "50%", "a&b", "a|b", "a=b", "k=v,w=x",
    "[req-1]", "(most", "recent)", "{json}", "<html>", "x" * 300, "y" * 256, "z" * 255, "ab" * 140,
]

#: A few words real fingerprints look for, so documents and queries meet often.
COMMON = [
    "no", "valid", "host", "was", "found", "failed", "timeout", "connection", "refused", "unable", "to", "the",
    "instance", "volume", "nova", "neutron", "cinder", "gate", "check", "tempest", "python27", "full", "disk",
    "a", "b", "c", "ab", "abc", "bcd", "x", "y",
]

FIELDS = [
    "message", "tags", "filename", "build_name", "loglevel", "@message", "build_status", "project",
    "nosuch", "_all", "message.raw", "build_name.raw", "@fields.build_name",
]
PATTERN_FIELDS = ["build_\\*", "*", "mess\\*", "\\*name", "tag\\?"]

#: Characters the classic parser treats specially in an unquoted term (QueryParser.jj _ESCAPED_CHAR set).
SPECIAL = set('+-!():^[]"{}~*?\\/ \t\n\r\u3000')

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def log_lines(limit: int = 4000) -> list[str]:
    """Non-blank lines of the project's own log fixtures (the real logs the tests ship)."""
    lines: list[str] = []
    for path in sorted(FIXTURES.rglob("*.txt")) + sorted(FIXTURES.rglob("*.html")):
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        lines += [line.strip() for line in text.splitlines()[:200] if line.strip()]
        if len(lines) >= limit:
            break
    return lines[:limit]


def escape_term(text: str, rng: random.Random, extra: float = 0.1) -> str:
    """``text`` as one unquoted term, escaped one of three ways.

    Usually every special character is escaped (some others needlessly, a few as
    ``\\uXXXX``); sometimes only what must be (``-`` and ``+`` inside a term are
    term characters); sometimes nothing, so ``a/b``, ``a:b`` or ``x*y`` reach the
    lexer raw and split, become regexps or fail to parse.
    """
    roll = rng.random()
    if roll < 0.08:
        return text
    light = roll < 0.25
    out = []
    for i, ch in enumerate(text):
        needless = rng.random() < (extra / 4 if ch.isalnum() else extra)
        needed = ch in SPECIAL and not (light and i > 0 and ch in "-+")
        if needless and rng.random() < 0.3 and ord(ch) < 0x10000:
            out.append(f"\\u{ord(ch):04x}")
        elif needed or (needless and ch != "u"):  # "\\u" must start a \\uXXXX escape
            out.append("\\" + ch)
        else:
            out.append(ch)
    return "".join(out)


def escape_phrase(text: str, rng: random.Random, extra: float = 0.1) -> str:
    """``text`` inside double quotes: quotes and backslashes escaped, some others needlessly."""
    return "".join("\\" + ch if ch in '"\\' or (rng.random() < extra and ch != "u") else ch for ch in text)


class FuzzGrammar:
    """A seeded source of query strings and documents over one shared vocabulary."""

    def __init__(self, seed: int, lines: list[str] | None = None, limit_probes: float = 0.0) -> None:
        """``limit_probes``: the share of regexps built to sit near Lucene's 10,000-state limit.

        Off by default: a probe just under the limit costs fingerlog up to seconds to
        clear (it rebuilds Lucene's automata), too slow for the suite's fixed-seed run.
        """
        self.rng = random.Random(seed)
        self.limit_probes = limit_probes
        self.lines = lines if lines is not None else log_lines()
        words = {w for line in self.lines[:1500] for w in line.split() if len(w) < 40}
        self.vocab = sorted(words)

    # -- vocabulary ---------------------------------------------------------------------------

    def word(self) -> str:
        rng = self.rng
        roll = rng.random()
        if roll < 0.35:
            word = rng.choice(COMMON)
        elif roll < 0.65:
            word = rng.choice(AWKWARD)
        else:
            word = rng.choice(self.vocab) if self.vocab else rng.choice(COMMON)
        return self.mutate(word) if rng.random() < 0.15 else word

    def mutate(self, word: str) -> str:
        """A near copy: case changed, a character dropped, doubled or swapped (for fuzzy, prefixes)."""
        rng = self.rng
        if not word:
            return word
        choice = rng.randrange(5)
        i = rng.randrange(len(word))
        if choice == 0:
            return word.upper()
        if choice == 1:
            return word[:i] + word[i + 1 :]
        if choice == 2:
            return word[:i] + word[i] + word[i:]
        if choice == 3 and len(word) > 1:
            j = min(i + 1, len(word) - 1)
            return word[:i] + word[j] + word[i] + word[j + 1 :]
        return word.capitalize()

    def space(self) -> str:
        return self.rng.choice([" "] * 12 + ["  ", "\t", "\n", " \n  ", "\r\n", "\u3000"])

    # -- leaves -------------------------------------------------------------------------------

    def field_prefix(self) -> str:
        rng = self.rng
        roll = rng.random()
        if roll < 0.3:
            return ""
        if roll < 0.93:
            name = rng.choice(FIELDS)
            name = escape_term(name, rng, 0.05) if rng.random() < 0.2 else escape_term(name, rng, 0)
        else:
            name = rng.choice(PATTERN_FIELDS)
        colon = rng.choice([":"] * 20 + [" :", " : ", ":\n"])  # the lexer skips whitespace between tokens
        return name + colon

    def boost(self) -> str:
        rng = self.rng
        if rng.random() > 0.12:
            return ""
        return "^" + rng.choice(["2", "0.5", "10", "1.", "0", "3.25"])

    def wildcard_text(self) -> str:
        """A term with ``*``/``?`` somewhere: leading, inside, trailing, or alone."""
        rng = self.rng
        word = self.word()
        chars = list(escape_term(word, rng, 0)) if rng.random() < 0.5 else list(escape_term(word[:6], rng, 0))
        for _ in range(rng.randint(1, 3)):
            pos = rng.randint(0, len(chars))
            # never inside an escape pair
            while 0 < pos <= len(chars) - 1 and chars[pos - 1] == "\\":
                pos -= 1
            chars.insert(pos, rng.choice("**?"))
        return "".join(chars)

    def range_bound(self) -> str:
        rng = self.rng
        roll = rng.random()
        if roll < 0.15:
            return "*"
        if roll < 0.2:
            return '"*"'
        if roll < 0.35:
            return str(rng.choice([0, 1, 5, 10, 42, 100, 2013, 9])) + rng.choice(["", "", ".5"])
        if roll < 0.45:
            return rng.choice(["2014-01-01", "2013-12-31T23:59:59", "2014-01-01T00:00:00.000Z", "now-1d"])
        word = self.word()
        if rng.random() < 0.3 or (any(ch in SPECIAL for ch in word) and rng.random() < 0.5):
            return '"' + escape_phrase(word, rng, 0) + '"'
        return escape_term(word, rng, 0)

    def leaf(self) -> str:
        rng = self.rng
        field = self.field_prefix()
        roll = rng.random()
        if roll < 0.25:
            words = [self.word() for _ in range(rng.choice([1, 1, 2, 2, 3, 5]))]
            text = escape_phrase(" ".join(words), rng)
            slop = rng.choice(["", "", "", "~", "~0", "~1", "~2", "~5", "~1.5"])
            return f'{field}"{text}"{slop}{self.boost()}'
        if roll < 0.5:
            suffix = rng.choice([self.boost()] * 6 + ["^2~1", "~1^2", "~^2", "^2~", "~0.5^3"])
            return f"{field}{escape_term(self.word(), rng)}{suffix}"
        if roll < 0.6:
            return f"{field}{self.wildcard_text()}{self.boost()}"
        if roll < 0.65:
            return rng.choice(["*", "*:*", f"{field}*", "_all:*", f"{field}?", f"{field}??", f"{field}*?*", f"{field}\\*"])
        if roll < 0.7:
            fuzz = rng.choice(["~", "~1", "~2", "~0", "~0.6", "~0.8", "~0.5", "~1.5", "~3"])
            return f"{field}{escape_term(self.mutate(self.word()), rng, 0)}{fuzz}{self.boost()}"
        if roll < 0.8:
            lower, upper = self.range_bound(), self.range_bound()
            if rng.random() < 0.5:
                lower, upper = sorted([lower, upper])
            open_, close = rng.choice("[{"), rng.choice("]}")
            to = rng.choice(["TO"] * 15 + ["to", " TO", "TO\t"])
            return f"{field}{open_}{lower} {to} {upper}{close}{self.boost()}"
        if roll < 0.84:
            name = rng.choice(FIELDS)
            name = rng.choice(PATTERN_FIELDS) if rng.random() < 0.2 else escape_term(name, rng, 0)
            return f"{rng.choice(['_exists_', '_missing_'])}:{name}"
        if roll < 0.87:
            op = rng.choice([">", ">=", "<", "<="])
            return f"{field}{op}{escape_term(self.word(), rng, 0) if rng.random() < 0.9 else ''}"
        if roll < 0.9:
            return f"{field}/{self.regexp()}/{self.boost()}"
        if roll < 0.95 and field:
            inner = " ".join(self.group_item(escape_term(self.word(), rng)) for _ in range(rng.randint(1, 3)))
            return f"{field}({inner}){self.boost()}"
        return escape_term(self.word(), rng)

    def regexp(self, depth: int = 0) -> str:
        """A random Lucene RegExp: every operator of its syntax, often unbalanced or invalid."""
        rng = self.rng
        if depth == 0 and rng.random() < self.limit_probes:
            return self.limit_probe()
        atoms = [
            lambda: rng.choice("abcnoxy019.é東"), lambda: ".", lambda: "[a-z]", lambda: "[^0-9]", lambda: "[]a]",
            lambda: "<1-99>", lambda: "<01-20>", lambda: "@", lambda: "#", lambda: '"a.b"', lambda: "\\.", lambda: "\\d",
            lambda: "\\/", lambda: rng.choice(COMMON), lambda: self.word()[:5].replace("/", ""),
            lambda: "(" + self.regexp(depth + 1) + ")" if depth < 3 else "x",
            lambda: "~(" + self.regexp(depth + 1) + ")" if depth < 3 else "y",
        ]
        out = ""
        for _ in range(rng.randint(1, 4)):
            out += rng.choice(atoms)() + rng.choice(["", "", "", "*", "+", "?", "{2}", "{1,3}", "{2,}"])
            if rng.random() < 0.15:
                out += rng.choice(["|", "&"])
        if rng.random() < 0.05:
            out += rng.choice(["(", ")", "[", "{", "<1-", '"', "\\"])
        return out

    def limit_probe(self) -> str:
        """A regexp whose automata grow exponentially with a count drawn around Lucene's limit.

        "The n-th character from the end (or start) is x" needs 2^n states forward
        (or, for an infinite language, in the reverse Lucene's CompiledAutomaton
        determinizes), so counts of 8 to 14 land on both sides of 10,000 states,
        wrapped at random in a complement, an intersection, a union or a repeat.
        """
        rng = self.rng
        x, y = rng.sample(["a", "b", "é", "東", "<1-99>", "[a-c]", "1"], 2)
        n = rng.randint(7, 14)
        if rng.random() < 0.1:  # a union determinized into about 10,000 states: the exact boundary
            return f"{x}{{{rng.randint(9990, 10005)}}}|{x}{y}"  # (complemented, Lucene takes minutes)
        probe = rng.choice([
            f".*{x}.{{{n}}}", f".{{{n}}}{x}.*", f"({x}|{y})*{x}({x}|{y}){{{n}}}", f"[ab]{{{n}}}{x}@",
            f".{{0,{n + 8}}}{x}.{{{n - 3}}}",
        ])
        wrap = rng.choice(["{}", "{}", "~({})", "({})&@", "({})|{}", "({})?", "~(~({}))"])
        return wrap.format(probe, x)

    def group_item(self, text: str) -> str:
        return self.rng.choice(["", "", "+", "-", "!", "NOT ", "AND ", "OR ", "&& ", "|| "]) + text

    # -- structure ------------------------------------------------------------------------------

    def query(self, depth: int = 0) -> str:
        rng = self.rng
        parts: list[str] = []
        for n in range(rng.randint(1, 4 if depth < 3 else 2)):
            # one modifier per clause: "NOT NOT x" and "AND NOT -x" are syntax errors, kept rare
            modifier = rng.choice(["", "", "", "", "", "NOT ", "+", "-", "!", "- "] + ["NOT NOT "] * (rng.random() < 0.1))
            if n:
                conjunctions = ["AND", "OR", "", "", "&&", "||", "and", "or", "not"]
                conjunction = rng.choice(conjunctions + ["AND NOT", "OR NOT"] * (modifier == ""))
                parts.append(conjunction)
            nested = depth < 4 and rng.random() < 0.25
            item = f"({self.query(depth + 1)}){self.boost()}" if nested else self.leaf()
            parts.append(modifier + item)
        glue = self.space if rng.random() < 0.9 else lambda: rng.choice(["", " "])  # "a AND(b)", "(a)OR(b)"
        text = ""
        for part in filter(None, parts):
            text += (glue() if text else "") + part
        if depth == 0 and rng.random() < 0.1:
            text = rng.choice(["\n", " ", "\t", "\n\n"]) + text + rng.choice(["\n", " \n", "  "])  # YAML block scalars
        return self.break_syntax(text) if depth == 0 and rng.random() < 0.08 else text

    def break_syntax(self, text: str) -> str:
        """Usually invalid variants, so that refusals are compared too."""
        rng = self.rng
        edits: list[Callable[[str], str]] = [
            lambda t: t + " AND", lambda t: "OR " + t, lambda t: "(" + t, lambda t: t + ")", lambda t: t + ' "',
            lambda t: t + " \\", lambda t: t + "^", lambda t: t + " field:", lambda t: t + " [a TO", lambda t: ":" + t,
            lambda t: t + " a:b:c", lambda t: t + " ~", lambda t: t + " *foo*^x", lambda t: t + " {a TO b]",
            lambda t: t + " [a b]", lambda t: t + " foo^", lambda t: t + " /unclosed", lambda t: t + " a~b",
            lambda t: t.strip()[: max(1, len(t.strip()) // 2)],  # never blank: see docs/semantics.md item 21
        ]
        return rng.choice(edits)(text)

    # -- documents -------------------------------------------------------------------------------

    def value(self) -> str:
        rng = self.rng
        roll = rng.random()
        if roll < 0.45 and self.lines:
            line = rng.choice(self.lines)
            words = line.split()
            for _ in range(rng.randint(0, 3)):
                words.insert(rng.randint(0, len(words)), self.word())
            return " ".join(words)
        if roll < 0.9:
            return " ".join(self.word() for _ in range(rng.randint(1, 6)))
        return rng.choice(["", "---", " ", "x" * 600, self.word().upper()])

    def document(self, doc_id: str) -> dict[str, Any]:
        rng = self.rng
        fields: dict[str, list[str]] = {}
        names = [n for n in FIELDS if n not in ("_all", "nosuch", "message.raw", "build_name.raw")]
        rng.shuffle(names)
        for name in names[: rng.randint(1, len(names))]:
            if name == "tags":
                fields[name] = [self.value() if rng.random() < 0.3 else self.word() for _ in range(rng.randint(1, 4))]
            else:
                fields[name] = [self.value()]
        return {"_id": doc_id, "fields": fields}

    def documents(self, count: int) -> list[dict[str, Any]]:
        return [self.document(f"d{n}") for n in range(count)]

    def queries(self, count: int, seeds: list[str] | None = None) -> Iterator[str]:
        """``count`` queries; with ``seeds`` (real fingerprints), a third are mutants of them."""
        for _ in range(count):
            yield self.mutant(self.rng.choice(seeds)) if seeds and self.rng.random() < 0.33 else self.query()

    def mutant(self, query: str) -> str:
        """A real query with a few pieces changed: what a person editing a fingerprint writes."""
        rng = self.rng
        pieces = re.split(r"(\s+)", query)
        words = [i for i, piece in enumerate(pieces) if piece.strip()]
        for _ in range(rng.randint(1, 3)):
            if not words:
                break
            i = rng.choice(words)
            piece = pieces[i]
            roll = rng.random()
            if roll < 0.2:
                pieces[i] = {"AND": "OR", "OR": "AND", "NOT": "-"}.get(piece, "NOT " + piece)
            elif roll < 0.35:
                pieces[i] = piece.replace('"', "", 2)
            elif roll < 0.5:
                pieces[i] = piece.lower()
            elif roll < 0.6:
                pieces[i] = piece + rng.choice(["*", "~", "~1", "^2", '"', ")", "\\"])
            elif roll < 0.75 and ":" in piece:
                pieces[i] = rng.choice(FIELDS) + piece[piece.index(":") :]
            elif roll < 0.9:
                pieces[i] = self.leaf()
            else:
                pieces[i] = f"({piece} {rng.choice(['OR', 'AND', ''])} {self.leaf()})"
        return "".join(pieces)
