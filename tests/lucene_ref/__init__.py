"""The Lucene 4.10 referee: real Lucene, configured like Elasticsearch 1.x, as a test oracle.

Tests get a started client from the session fixture ``lucene`` (tests/conftest.py); it skips
with a reason when Java or the Debian Lucene 4.10 jars are missing (and fails in CI).
Outside a test, ``from lucene_ref import LuceneReferee`` (``tests/`` is on ``sys.path``
under pytest).

API (other helpers rely on these names):

- ``tokens(texts, max_token_length=255) -> list[list[tuple[str, int]]]``: ES 1.x ``standard``
  analyzer tokens (no stop words, lower-cased) with absolute positions (first token 0); a
  token longer than ``max_token_length`` comes out split into pieces, as in Lucene 4.10.4.
- ``parse(queries, mapping, default_field=None, analysis="mapping") -> list[str | LuceneError]``:
  ``Query.toString()`` of each query as ES 1.x's query_string builds it.
  ``analysis="whitespace"`` analyzes every field with a bare whitespace tokenizer (no
  lower-casing of terms, no splitting on punctuation), which shows the parser's structure
  independent of StandardAnalyzer (wildcard/prefix/fuzzy/range/regexp terms are still
  lower-cased: that is the parser's ``lowercase_expanded_terms``, not analysis).
- ``match(docs, queries, mapping, default_field=None) -> list[set[str] | LuceneError]``:
  indexes ``docs`` (``{"_id": str, "fields": {name: [values]}}``; field order matters, it
  is the order of the ``_all`` field; a lone string is one value, a non-string value is
  indexed as its JSON text) as ES 1.x would with the mapping, runs each query string.
  ``parse`` expands field-name patterns (``build_\\*``) over the profile's declared fields
  only; ``match`` over the fields the documents have too.
- ``match_dsl(docs, dsl_queries, mapping) -> list[set[str] | LuceneError]``: the same for
  Elasticsearch 7/8 Query DSL objects (bool, match, match_phrase, term, terms, wildcard,
  prefix, regexp, range, exists, fuzzy, match_all, match_none, constant_score).

``mapping`` is a fingerlog ``FieldMappings`` (``fingerlog.mapping.load_mapping(name)``), so
the referee indexes with the very profile the matcher uses. Semantics: docs/semantics.md.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fingerlog.mapping import FieldMapping, FieldMappings

SOURCES = Path(__file__).resolve().parent
JARS = tuple(
    Path(f"/usr/share/java/lucene-{name}-4.10.4.jar")
    for name in ("core", "analyzers-common", "queryparser", "queries")
)
CACHE = SOURCES.parent.parent / ".cache" / "lucene-ref"
MAIN_CLASS = "referee.Referee"

#: A document for ``match``: its id and its fields, each a list of string values.
Doc = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class LuceneError:
    """Lucene refused one query (a ParseException, a bad DSL object); the message is Lucene's."""

    message: str


class RefereeFailure(RuntimeError):
    """The referee process itself failed (could not compile, start, or understand a request)."""


def missing_requirements() -> str | None:
    """Why the referee cannot run here, or None when Java and the Lucene 4.10 jars are present."""
    for tool in ("java", "javac"):
        if shutil.which(tool) is None:
            return f"{tool} not found (Debian: apt-get install default-jdk-headless)"
    absent = [str(jar) for jar in JARS if not jar.is_file()]
    if absent:
        return f"Lucene 4.10 jars not found: {', '.join(absent)} (Debian: apt-get install liblucene4.10-java)"
    return None


def _classpath(*extra: Path) -> str:
    return os.pathsep.join(str(p) for p in (*extra, *JARS))


def compiled_classes() -> Path:
    """Compile every .java of this folder once per source version into the cache; return it.

    Helpers running the suite at the same time may race: each compiles into a private
    temporary folder and renames it into place, and the loser just uses the winner's.
    """
    sources = sorted(SOURCES.glob("*.java"))
    digest = hashlib.sha256()
    for source in sources:
        digest.update(source.name.encode() + b"\0" + source.read_bytes())
    target = CACHE / digest.hexdigest()[:16]
    if (target / "referee" / "Referee.class").is_file():
        return target
    CACHE.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix="build-", dir=CACHE))
    try:
        done = subprocess.run(
            ["javac", "-nowarn", "-encoding", "UTF-8", "-d", str(staging), "-cp", _classpath(), *map(str, sources)],
            capture_output=True,
            text=True,
            check=False,  # a failure is reported with javac's own messages below
        )
        if done.returncode != 0:
            raise RefereeFailure(f"javac failed:\n{done.stderr}")
        try:
            staging.rename(target)
        except OSError:
            if not (target / "referee" / "Referee.class").is_file():
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def _field_spec(spec: FieldMapping) -> dict[str, Any]:
    return {"kind": spec.kind.value, "keyword_subfield": spec.keyword_subfield}


def mapping_json(mapping: FieldMappings) -> dict[str, Any]:
    """The profile as the Java side reads it (see Mapping.java)."""
    return {
        "fields": {name: _field_spec(spec) for name, spec in mapping.fields.items()},
        "default": _field_spec(mapping.default),
        "default_field": mapping.default_field,
        "position_increment_gap": mapping.position_increment_gap,
        "max_token_length": mapping.max_token_length,
        "all_field": mapping.all_field,
    }


def _values(values: str | Iterable[Any]) -> list[str]:
    """A field's values as strings; a lone string is one value, not a list of characters."""
    if isinstance(values, str):
        return [values]
    return [value if isinstance(value, str) else json.dumps(value) for value in values if value is not None]


class LuceneReferee:
    """A long-lived referee JVM; one request (one JSON line) per call, answered in order."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self._process = process

    @classmethod
    def start(cls) -> LuceneReferee:
        classes = compiled_classes()
        process = subprocess.Popen(
            ["java", "-Xss8m", "-Xmx1g", "-XX:+UseSerialGC", "-cp", _classpath(classes), MAIN_CLASS],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            errors="surrogateescape",
        )
        return cls(process)

    def close(self) -> None:
        if self._process.poll() is None:
            assert self._process.stdin is not None
            self._process.stdin.close()
            self._process.wait(timeout=30)

    def __enter__(self) -> LuceneReferee:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _call(self, request: dict[str, Any]) -> list[Any]:
        stdin, stdout = self._process.stdin, self._process.stdout
        assert stdin is not None and stdout is not None
        try:
            stdin.write(json.dumps(request) + "\n")
            stdin.flush()
        except BrokenPipeError:
            raise RefereeFailure(f"referee exited with code {self._process.poll()}") from None
        line = stdout.readline()
        if not line:
            raise RefereeFailure(f"referee exited with code {self._process.wait()}")
        answer = json.loads(line)
        if "fatal" in answer:
            raise RefereeFailure(f"referee rejected the {request['op']} request: {answer['fatal']}")
        return answer["result"]

    def tokens(self, texts: Sequence[str], max_token_length: int = 255) -> list[list[tuple[str, int]]]:
        """StandardAnalyzer tokens (ES 1.x: no stop words) of each text, with positions."""
        result = self._call({"op": "tokens", "texts": list(texts), "max_token_length": max_token_length})
        return [[(term, position) for term, position in tokens] for tokens in result]

    def parse(
        self,
        queries: Sequence[str],
        mapping: FieldMappings,
        default_field: str | None = None,
        analysis: str = "mapping",
    ) -> list[str | LuceneError]:
        """Lucene's ``Query.toString()`` of each query string, or the ParseException."""
        result = self._call(
            {
                "op": "parse",
                "queries": list(queries),
                "mapping": mapping_json(mapping),
                "default_field": default_field or mapping.default_field,
                "analysis": analysis,
            }
        )
        return [item["query"] if "query" in item else LuceneError(item["error"]) for item in result]

    def _match(
        self, op: str, docs: Iterable[Doc], queries: Sequence[Any], mapping: FieldMappings, default_field: str | None
    ) -> list[set[str] | LuceneError]:
        docs = list(docs)
        ids = [str(doc["_id"]) for doc in docs]
        payload = [{"fields": {name: _values(values) for name, values in doc["fields"].items()}} for doc in docs]
        result = self._call(
            {
                "op": op,
                "docs": payload,
                "queries": list(queries),
                "mapping": mapping_json(mapping),
                "default_field": default_field or mapping.default_field,
            }
        )
        return [{ids[i] for i in item["hits"]} if "hits" in item else LuceneError(item["error"]) for item in result]

    def match(
        self, docs: Iterable[Doc], queries: Sequence[str], mapping: FieldMappings, default_field: str | None = None
    ) -> list[set[str] | LuceneError]:
        """The ids of the documents each query string matches (ES 1.x query_string)."""
        return self._match("match", docs, queries, mapping, default_field)

    def match_dsl(
        self, docs: Iterable[Doc], dsl_queries: Sequence[Mapping[str, Any]], mapping: FieldMappings
    ) -> list[set[str] | LuceneError]:
        """The ids of the documents each Elasticsearch Query DSL object matches."""
        return self._match("match_dsl", docs, dsl_queries, mapping, None)
