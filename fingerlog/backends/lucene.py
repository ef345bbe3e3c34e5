"""The canonical Lucene query string of a tree: escaped so it parses back to the same tree.

Canonical means: explicit ``+``/``-`` on every clause and no OR (so no
precedence question remains), AND only where analysis could make it matter
(see :meth:`LucenePrinter._bool`), a field prefix on every leaf not on the default
field, backslash escapes only where the scanner needs them, boosts and slops
as Java prints floats.  Used by ``fingerlog explain``, reports, and anyone who
needs to show a rule's meaning back in the language people write.

A few trees cannot be written in the syntax at all (a :class:`Bool` with one
optional clause collapses to that clause; ``*`` on the default field means
match-all); printing one raises :class:`UnprintableQuery` instead of emitting
a string with another meaning.
"""

from __future__ import annotations

from fingerlog.query.javanum import float32_plain, float32_str
from fingerlog.query.lexer import NON_TERM_CHAR, NON_TERM_START, WHITESPACE
from fingerlog.query.nodes import (
    Bool,
    Exists,
    Fuzzy,
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
from fingerlog.query.visitor import Visitor

#: words the scanner reads as operators when they stand alone
_OPERATOR_WORDS = frozenset({"AND", "OR", "NOT", "&&", "||"})


class UnprintableQuery(ValueError):
    """A tree that no Lucene query string parses to."""


def escape_term(text: str) -> str:
    """Backslash-escape ``text`` so the scanner reads it as one TERM with this text."""
    if not text:
        raise UnprintableQuery("an empty term has no query-string form")
    out = []
    for i, ch in enumerate(text):
        special = NON_TERM_START if i == 0 else NON_TERM_CHAR
        out.append("\\" + ch if ch in special else ch)
    escaped = "".join(out)
    return "\\" + escaped if escaped in _OPERATOR_WORDS else escaped


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _range_bound(value: str | None) -> str:
    if value is None:
        return "*"
    if value in {"*", ""}:
        raise UnprintableQuery(f"a range bound {value!r} cannot be written between brackets")
    if not any(ch in " ]}" for ch in value):
        # RANGE_GOOP; escape what would otherwise be skipped or read as TO / a quote
        out = "".join("\\" + ch if ch in WHITESPACE or ch in '\\"' else ch for ch in value)
        return "T\\O" if out == "TO" else out
    # RANGE_QUOTED ends at the last '"' not preceded by a backslash, so no backslash
    # may stand before a quote that is not escaped: write backslashes as \u005c.
    return '"' + value.replace("\\", "\\u005c").replace('"', '\\"') + '"'


class LucenePrinter(Visitor[str]):
    """Prints a node; ``default_field`` leaves are printed without a field prefix."""

    def __init__(self, default_field: str = "_all") -> None:
        self.default_field = default_field

    def _field(self, name: str) -> str:
        if name == self.default_field:
            return ""
        return "*:" if name == "*" else escape_term(name) + ":"

    @staticmethod
    def _boost(node: Node) -> str:
        return "" if node.boost is None else "^" + _number(float32_plain(node.boost))

    def visit_term(self, node: Term) -> str:
        if len(node.text) > 1 and node.text[0] in "<>":
            raise UnprintableQuery(f"term {node.text!r} would be read as a range")
        if node.field in ("_exists_", "_missing_"):
            raise UnprintableQuery(f"a term on {node.field} is read as a field test")
        return self._field(node.field) + escape_term(node.text) + self._boost(node)

    def visit_phrase(self, node: Phrase) -> str:
        if node.field in ("_exists_", "_missing_"):
            raise UnprintableQuery(f"a phrase on {node.field} is read as a field test")
        slop = f"~{node.slop}" if node.slop else ""
        return self._field(node.field) + _quote(node.text) + slop + self._boost(node)

    def visit_prefix(self, node: Prefix) -> str:
        return self._field(node.field) + escape_term(node.text) + "*" + self._boost(node)

    def visit_wildcard(self, node: Wildcard) -> str:
        parts = node.parts
        if not any(isinstance(p, WildcardToken) for p in parts):
            raise UnprintableQuery("a wildcard pattern without '*' or '?' is read as a term")
        if parts == (WildcardToken.ANY_STRING,) and node.field in ("*", self.default_field):
            raise UnprintableQuery("'*' on the default field means match-all (or exists)")
        if len(parts) == 2 and isinstance(parts[0], str) and parts[1] is WildcardToken.ANY_STRING:
            raise UnprintableQuery(f"'{parts[0]}*' is read as a prefix query")
        text = "".join(
            p.value if isinstance(p, WildcardToken) else "".join("\\" + c if c in NON_TERM_CHAR else c for c in p)
            for p in parts
        )
        if parts and isinstance(parts[0], str) and parts[0][0] in "+-":
            text = "\\" + text
        return self._field(node.field) + text + self._boost(node)

    def visit_regexp(self, node: Regexp) -> str:
        return self._field(node.field) + "/" + node.pattern + "/" + self._boost(node)

    def visit_fuzzy(self, node: Fuzzy) -> str:
        if node.prefix_length:
            raise UnprintableQuery("the query syntax has no fuzzy prefix length")
        return self._field(node.field) + escape_term(node.text) + "~" + _number(float32_str(node.similarity)) + self._boost(node)

    def visit_range(self, node: Range) -> str:
        lower, upper = node.lower, node.upper
        if "*" in (lower, upper):
            return self._literal_star_range(node)
        opening = "[" if node.include_lower else "{"
        closing = "]" if node.include_upper else "}"
        body = f"{opening}{_range_bound(lower)} TO {_range_bound(upper)}{closing}"
        return self._field(node.field) + body + self._boost(node)

    def _literal_star_range(self, node: Range) -> str:
        """A bound that is literally ``*`` only comes from Elasticsearch's ``>*`` form."""
        if node.lower == "*" and node.upper is None and node.include_upper:
            op = ">=" if node.include_lower else ">"
        elif node.upper == "*" and node.lower is None and node.include_lower:
            op = "<=" if node.include_upper else "<"
        else:
            raise UnprintableQuery("a range bound that is literally '*' needs the other end open")
        return self._field(node.field) + op + "\\*" + self._boost(node)

    def visit_exists(self, node: Exists) -> str:
        name = escape_term(node.field) if node.field else '""'
        return "_exists_:" + name + self._boost(node)

    def visit_match_all(self, node: MatchAll) -> str:
        return "*:*" + self._boost(node)

    def visit_bool(self, node: Bool) -> str:
        return self._bool(node, top=False)

    def _bool(self, node: Bool, *, top: bool) -> str:
        if not node.clauses:
            raise UnprintableQuery("an empty boolean query has no query-string form")
        if len(node.clauses) == 1 and node.clauses[0].occur is Occur.SHOULD:
            raise UnprintableQuery("a boolean query with one optional clause is read as that clause")
        parts = []
        for i, clause in enumerate(node.clauses):
            text = clause.occur.value + self.visit(clause.query)
            # Lucene's AND upgrades the last clause *kept* after analysis; it can change
            # the meaning only if an optional clause comes before, so only then is it written.
            if clause.after_and and any(c.occur is Occur.SHOULD for c in node.clauses[:i]):
                text = "AND " + text
            parts.append(text)
        body = " ".join(parts)
        if top and node.boost is None:
            return body
        return "(" + body + ")" + self._boost(node)


def _number(text: str) -> str:
    return text.removesuffix(".0")


def to_lucene(node: Node, *, default_field: str = "_all") -> str:
    """The canonical query string of ``node``: ``parse_query(to_lucene(n)) == n``."""
    printer = LucenePrinter(default_field)
    if isinstance(node, Bool):
        return printer._bool(node, top=True)
    return printer.visit(node)
