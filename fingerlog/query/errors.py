"""Located query errors: where in the query (and in its rule file) parsing failed.

A rule file's author needs ``rules/1234.yaml:3:17: <what is wrong>`` plus the
offending line with a caret, not a Java-style "Encountered ..." dump, so the
error keeps the span in the query text and, once a loader relocates it, the
file position of that span.
"""

from __future__ import annotations

from dataclasses import dataclass

from fingerlog.errors import FingerlogError
from fingerlog.query.nodes import Span


@dataclass(frozen=True)
class SourceLocation:
    """Where a query's span lives in a file: 1-based line/column and the file's line text."""

    path: str
    line: int
    column: int
    line_text: str
    #: how many characters of ``line_text`` the caret underlines (at least 1)
    width: int = 1


def _line_col(text: str, offset: int) -> tuple[int, int, str]:
    """1-based line and column of ``offset`` in ``text``, and that line's text."""
    offset = max(0, min(offset, len(text)))
    line_start = text.rfind("\n", 0, offset) + 1
    line_end = text.find("\n", offset)
    if line_end < 0:
        line_end = len(text)
    return text.count("\n", 0, offset) + 1, offset - line_start + 1, text[line_start:line_end]


class QueryParseError(FingerlogError):
    """A query that Lucene's classic QueryParser (as Elasticsearch 1.x runs it) rejects.

    ``span`` is in the query text; ``path``/``line``/``column`` are 1-based
    and point into the rule file when the error was relocated by the rule
    loader, otherwise into the query text itself (``path`` is then None).
    """

    def __init__(self, message: str, text: str, span: Span, *, location: SourceLocation | None = None) -> None:
        self.message = message
        self.text = text
        self.span = span
        if location is None:
            line, column, line_text = _line_col(text, span.start)
            width = max(1, min(span.end - span.start, len(line_text) - column + 1))
            location = SourceLocation("", line, column, line_text, width)
        self.location = location
        super().__init__(str(self))

    @property
    def path(self) -> str | None:
        return self.location.path or None

    @property
    def line(self) -> int:
        return self.location.line

    @property
    def column(self) -> int:
        return self.location.column

    def __reduce__(self) -> tuple[object, ...]:
        # picklable across process pools despite the keyword-only constructor
        return (_rebuild, (self.message, self.text, self.span, self.location))

    def relocated(self, location: SourceLocation) -> QueryParseError:
        """The same error, reported at a file position (used by the rule loader)."""
        return QueryParseError(self.message, self.text, self.span, location=location)

    def __str__(self) -> str:
        loc = self.location
        where = f"{loc.path or '<query>'}:{loc.line}:{loc.column}"
        pad = "".join("\t" if ch == "\t" else " " for ch in loc.line_text[: loc.column - 1])
        caret = "^" + "~" * (loc.width - 1)
        return f"{where}: {self.message}\n  {loc.line_text}\n  {pad}{caret}"


def _rebuild(message: str, text: str, span: Span, location: SourceLocation) -> QueryParseError:
    return QueryParseError(message, text, span, location=location)
