"""Load fingerprint files, reporting every problem with its file position.

``load_rules`` never stops at the first broken file: a rule pack of hundreds
of files is fixed in one pass only if every problem is reported at once.
YAML is composed (not just loaded) so each key and the query keep their
marks; duplicate keys, which PyYAML silently accepts (last one wins), are an
error here because one of the two queries would be ignored.
"""

from __future__ import annotations

import difflib
import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from fingerlog.backends.analysis import expanded_lower
from fingerlog.backends.automata import RegexpSyntaxError, RegexpTooComplex, WildcardTooComplex, lucene_regexp, wildcard
from fingerlog.errors import FingerlogError
from fingerlog.query.errors import QueryParseError, SourceLocation
from fingerlog.query.nodes import Bool, Node, Regexp, Span, Wildcard
from fingerlog.query.parser import parse_query
from fingerlog.rules.cache import cached
from fingerlog.rules.model import KNOWN_KEYS, Problem, Rule, RuleSet, Severity
from fingerlog.rules.positions import scalar_offsets

RULE_SUFFIXES = (".yaml", ".yml")
#: libyaml's loader when PyYAML has it (same nodes and character marks, much faster)
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class RuleError(FingerlogError):
    """A rule file that cannot be loaded; ``problems`` holds every reason."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def load_rule(path: str | Path) -> Rule:
    """Load one rule file; raise :class:`RuleError` (every error in it) if it is broken."""
    loaded = _RuleFile(Path(path)).load(_read(Path(path)))
    errors = [p for p in loaded.problems if p.severity is Severity.ERROR]
    if errors or loaded.rule is None:
        raise RuleError(errors)
    return loaded.rule


def load_rules(paths: str | Path | Iterable[str | Path]) -> RuleSet:
    """Load rule files and directories of ``*.yaml`` files (not recursive).

    Parsed files come from the rule cache (:mod:`fingerlog.rules.cache`) when
    their names, bytes and the parsing code are unchanged since a previous load.
    """
    locations = [paths] if isinstance(paths, (str, Path)) else list(paths)
    problems: list[Problem] = []
    files: list[Path] = []
    for item in map(Path, locations):
        if item.is_dir():
            found = [item / name for name in _rule_file_names(item)]
            if not found:
                problems.append(_whole_file(item, Severity.WARNING, "no-rules", "no *.yaml rule files here"))
            files.extend(found)
        elif item.is_file():
            files.append(item)
        else:
            problems.append(_whole_file(item, Severity.ERROR, "missing", "no such file or directory"))
    contents = [_read(path) for path in files]
    readable = [(str(path), raw) for path, raw in zip(files, contents) if isinstance(raw, bytes)]

    def parse() -> list[tuple[Rule | None, list[Problem]]]:
        loaded = [_RuleFile(path).load(raw) for path, raw in zip(files, contents)]
        return [(result.rule, result.problems) for result in loaded]

    # a read error is not cached: it says what the file system did, not what the file holds
    parsed = cached(locations, readable, parse, known=files) if len(readable) == len(files) else parse()
    rules: list[Rule] = []
    seen: dict[str, Path] = {}
    digest = hashlib.sha256()
    for path, raw, (rule, file_problems) in zip(files, contents, parsed):
        problems.extend(file_problems)
        data = raw if isinstance(raw, bytes) else b""
        digest.update(f"{path.stem}\0{len(data)}\0".encode() + data)
        if rule is None:
            continue
        if rule.id in seen:
            problems.append(_whole_file(path, Severity.ERROR, "duplicate-id",
                                        f"rule id {rule.id!r} is also defined by {seen[rule.id]}"))
            continue
        seen[rule.id] = path
        rules.append(rule)
    return RuleSet(tuple(rules), tuple(problems), digest.hexdigest())


def _rule_file_names(directory: Path) -> list[str]:
    """The names of the rule files in ``directory``, sorted (by name: a pack of ~1,000 files is
    listed with one ``scandir``, not a ``stat`` and a Path comparison per file)."""
    with os.scandir(directory) as entries:
        return sorted(e.name for e in entries if os.path.splitext(e.name)[1] in RULE_SUFFIXES and e.is_file())


def _read(path: Path) -> bytes | OSError:
    try:
        return path.read_bytes()
    except OSError as exc:
        return exc


def _automaton_leaves(node: Node) -> list[Regexp | Wildcard]:
    """The regexps and wildcards of a query: Lucene builds their automata while parsing."""
    if isinstance(node, (Regexp, Wildcard)):
        return [node]
    if isinstance(node, Bool):
        return [found for clause in node.clauses for found in _automaton_leaves(clause.query)]
    return []


def _pattern_start(text: str, i: int) -> int:
    """Offset of the first pattern character of the regexp clause starting at ``i``
    (after an optional ``field:`` prefix, whose escapes are skipped)."""
    while text[i] != "/":
        i += 2 if text[i] == "\\" else 1
    return i + 1


def _whole_file(path: Path, severity: Severity, code: str, message: str) -> Problem:
    return Problem(str(path), 0, 0, severity, code, message)


@dataclass
class _Loaded:
    rule: Rule | None = None
    problems: list[Problem] = field(default_factory=list)


class _RuleFile:
    """One file's load: parse YAML with marks, check keys and types, parse the query."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.source = ""
        self.result = _Loaded()

    def problem(self, severity: Severity, code: str, message: str, line: int = 0, column: int = 0,
                excerpt: str = "") -> None:
        self.result.problems.append(Problem(str(self.path), line, column, severity, code, message, excerpt))

    def at(self, node: yaml.Node, severity: Severity, code: str, message: str) -> None:
        mark = node.start_mark
        self.problem(severity, code, message, mark.line + 1, mark.column + 1)

    def load(self, raw: bytes | OSError) -> _Loaded:
        """The file's rule and problems, from its bytes (or the error reading them)."""
        if isinstance(raw, OSError):
            self.problem(Severity.ERROR, "unreadable", f"cannot read: {raw.strerror or raw}")
            return self.result
        try:
            self.source = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
            self.problem(Severity.ERROR, "encoding", f"not UTF-8: byte 0x{raw[exc.start]:02x}", line, column)
            return self.result
        try:
            root = yaml.compose(self.source, Loader=_YAML_LOADER)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            self.problem(Severity.ERROR, "yaml", _yaml_message(exc), mark.line + 1 if mark else 0,
                         mark.column + 1 if mark else 0)
            return self.result
        except yaml.YAMLError as exc:
            self.problem(Severity.ERROR, "yaml", str(exc))
            return self.result
        if not isinstance(root, yaml.MappingNode):
            where = root if root is not None else None
            message = "a rule file must be a YAML mapping with a 'query' key"
            if where is None:
                self.problem(Severity.ERROR, "not-a-mapping", message)
            else:
                self.at(where, Severity.ERROR, "not-a-mapping", message)
            return self.result
        rule = self.build(root)
        # a file with any error is not used, even if a rule could be built from it
        if not any(p.severity is Severity.ERROR for p in self.result.problems):
            self.result.rule = rule
        return self.result

    def build(self, root: yaml.MappingNode) -> Rule | None:
        values: dict[str, Any] = {}
        key_nodes: dict[str, yaml.Node] = {}
        value_nodes: dict[str, yaml.Node] = {}
        constructor = yaml.SafeLoader("")
        for key_node, value_node in root.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if not isinstance(key, str):
                self.at(key_node, Severity.ERROR, "bad-key", "keys must be plain strings")
                continue
            if key in key_nodes:
                first = key_nodes[key].start_mark.line + 1
                self.at(key_node, Severity.ERROR, "duplicate-key",
                        f"duplicate key {key!r} (first at line {first}); YAML would silently keep only the last")
                continue
            key_nodes[key] = key_node
            if key not in KNOWN_KEYS:
                close = difflib.get_close_matches(key, KNOWN_KEYS, n=1, cutoff=0.6)
                hint = f"; did you mean {close[0]!r}?" if close else f"; known keys: {', '.join(KNOWN_KEYS)}"
                self.at(key_node, Severity.WARNING, "unknown-key", f"unknown key {key!r} is ignored{hint}")
                continue
            value_nodes[key] = value_node
            try:
                values[key] = constructor.construct_object(value_node, deep=True)
            except yaml.YAMLError as exc:
                self.at(value_node, Severity.ERROR, "yaml", _yaml_message(exc))
        fields = self.typed_fields(values, value_nodes)
        query = self.query(values, value_nodes, root)
        if query is None or fields is None:
            return None
        positions = tuple((k, n.start_mark.line + 1, n.start_mark.column + 1) for k, n in key_nodes.items())
        return Rule(
            id=self.path.stem, path=self.path, query_text=values["query"], query=query,
            key_positions=positions, **fields,
        )

    def query(self, values: dict[str, Any], nodes: dict[str, yaml.Node], root: yaml.Node) -> Any:
        if "query" not in values:
            if "query" not in nodes:  # else its value failed to construct, already reported
                self.at(root, Severity.ERROR, "no-query", "the rule has no 'query' key")
            return None
        node, text = nodes["query"], values["query"]
        if not isinstance(text, str):
            self.at(node, Severity.ERROR, "bad-type", "'query' must be a string (a Lucene query)")
            return None
        try:
            query = parse_query(text)
        except QueryParseError as exc:
            self.query_problem(exc, node, "query-syntax")
            return None
        for leaf in _automaton_leaves(query):
            if isinstance(leaf, Wildcard):
                try:
                    wildcard(tuple(expanded_lower(part) if isinstance(part, str) else part for part in leaf.parts))
                except WildcardTooComplex as exc:
                    start = leaf.span.start if leaf.span else 0
                    error = QueryParseError(str(exc), text, Span(start, start + 1))
                    self.query_problem(error, node, "wildcard-too-complex")
                    return None
                continue
            regexp = leaf
            try:
                lucene_regexp(expanded_lower(regexp.pattern))  # Elasticsearch lower-cases it first
            except RegexpSyntaxError as exc:
                # Lucene builds the automaton while parsing: Elasticsearch fails the whole query
                start = _pattern_start(text, regexp.span.start if regexp.span else 0) + exc.position
                message = f"Lucene cannot build /{regexp.pattern}/: {exc}"
                code = "regexp-too-complex" if isinstance(exc, RegexpTooComplex) else "regexp-syntax"
                self.query_problem(QueryParseError(message, text, Span(start, start + 1)), node, code)
                return None
        return query

    def query_problem(self, exc: QueryParseError, node: yaml.Node, code: str) -> None:
        located = self.locate(exc, node)
        excerpt = str(located).split("\n", 1)[1] if "\n" in str(located) else ""
        self.problem(Severity.ERROR, code, exc.message, located.line, located.column, excerpt)

    def locate(self, exc: QueryParseError, node: yaml.Node) -> QueryParseError:
        """The error relocated from query offsets to this file's line and column."""
        assert isinstance(node, yaml.ScalarNode)
        return exc.relocated(_location(self.source, str(self.path), node, exc.span))

    def typed_fields(self, values: dict[str, Any], nodes: dict[str, yaml.Node]) -> dict[str, Any] | None:
        """Check each known key's type; return the Rule fields, or None after an error."""
        out: dict[str, Any] = {}
        ok = True

        def bad(key: str, what: str) -> None:
            nonlocal ok
            ok = False
            self.at(nodes[key], Severity.ERROR, "bad-type", f"{key!r} must be {what}")

        for key in ("suppress-graph", "suppress-notification", "allow-nonvoting", "retryable"):
            if key in values:
                if isinstance(values[key], bool):
                    out[KNOWN_KEYS[key]] = values[key]
                else:
                    bad(key, "true or false")
        for key in ("title", "description", "bug", "solution"):
            if key in values:
                if isinstance(values[key], str):
                    out[key] = values[key]
                else:
                    bad(key, "a string")
        if isinstance(out.get("bug"), str) and not out["bug"].startswith(("http://", "https://")):
            self.at(nodes["bug"], Severity.WARNING, "bug-not-url", "'bug' should be the bug's URL")
        for key in ("test_ids", "categories"):
            if key in values:
                items = values[key]
                if isinstance(items, list) and all(isinstance(i, (str, int)) and not isinstance(i, bool) for i in items):
                    out[key] = tuple(str(i) for i in items)
                else:
                    bad(key, "a list of strings")
        if "resolved_at" in values:
            when = values["resolved_at"]
            if isinstance(when, str):
                out["resolved_at"] = when
            elif isinstance(when, (datetime, date)):
                out["resolved_at"] = when.isoformat()
            elif when is not None:
                bad("resolved_at", "a date (as text or ISO 8601)")
        if "fixtures" in values:
            out["fixtures"] = values["fixtures"]
        return out if ok else None


def _yaml_message(exc: yaml.YAMLError) -> str:
    """PyYAML's explanation without its own position suffix (we print file:line:column)."""
    if isinstance(exc, yaml.MarkedYAMLError):
        return " ".join(filter(None, [exc.context, exc.problem])) or "invalid YAML"
    return str(exc)


def _location(source: str, path: str, node: yaml.ScalarNode, span: Span) -> SourceLocation:
    """File line/column (and caret width, clipped to the line) of ``span`` of a scalar's value."""
    offsets = scalar_offsets(source, node) if node.value else [node.start_mark.index]
    start = offsets[min(span.start, len(offsets) - 1)]
    last = offsets[min(max(span.end - 1, span.start), len(offsets) - 1)]
    line_start = source.rfind("\n", 0, start) + 1
    line_end = source.find("\n", start)
    line_end = len(source) if line_end < 0 else line_end
    line_text = source[line_start:line_end].rstrip("\r")
    width = min(last, line_end - 1) - start + 1 if last >= start else 1
    return SourceLocation(path, source.count("\n", 0, start) + 1, start - line_start + 1, line_text, max(1, width))


def query_location(rule: Rule, span: Span) -> SourceLocation:
    """Where ``span`` of ``rule.query_text`` is in the rule's file (for lint and check)."""
    source = rule.path.read_text(encoding="utf-8")
    root = yaml.compose(source, Loader=_YAML_LOADER)
    assert root is not None  # the rule was loaded from this file: it is a YAML mapping, not empty
    for key, value in root.value:
        if key.value == "query" and isinstance(value, yaml.ScalarNode):
            return _location(source, str(rule.path), value, span)
    raise RuleError([Problem(str(rule.path), 0, 0, Severity.ERROR, "no-query", "the rule file changed: no query")])
