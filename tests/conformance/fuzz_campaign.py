"""Differential fuzzing campaign against Lucene 4.10 (not part of the test suite).

    python -m tests.conformance.fuzz_campaign --seed 1 --count 20000

Each round draws fresh random documents and queries (``fuzz_grammar``), asks the
referee and fingerlog about every (query, document) under every shipped mapping
profile (``differential.compare``: acceptance, error locations, matches, the
printed query string and the exact DSL), shrinks each disagreement and prints
it once per kind and shrunk query. Exit status 1 when anything disagreed.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

TESTS = Path(__file__).resolve().parents[1]
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))

import yaml  # noqa: E402

from conformance.differential import Disagreement, compare, declaring, shrink  # noqa: E402
from conformance.fuzz_grammar import FuzzGrammar  # noqa: E402
from fingerlog.mapping import available_mappings, load_mapping  # noqa: E402
from fingerlog.sources import load_sample_events  # noqa: E402
from lucene_ref import LuceneReferee, missing_requirements  # noqa: E402


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=0, help="first seed; round n uses seed + n")
    parser.add_argument("--count", type=int, default=2000, help="queries in all (default 2000)")
    parser.add_argument("--batch", type=int, default=400, help="queries per round (default 400)")
    parser.add_argument("--docs", type=int, default=40, help="fresh documents per round (default 40)")
    parser.add_argument("--profile", action="append", help="a mapping profile (default: every shipped one)")
    parser.add_argument("--no-translations", action="store_true", help="skip the to_lucene and DSL checks")
    parser.add_argument(
        "--corpus", type=Path, help="the shared corpus: a third of the queries become mutants of its fingerprints"
        " and its real sample events join each round's documents"
    )
    parser.add_argument("--show", type=int, default=30, help="distinct shrunk disagreements to print")
    parser.add_argument(
        "--limit-probes", type=float, default=0.0, metavar="SHARE",
        help="share of regexps built near Lucene's 10,000-state determinization limit (slow: try 0.05)",
    )
    return parser.parse_args(argv)


def _corpus(root: Path) -> tuple[list[str], list[dict[str, Any]]]:
    """The elastic-recheck fingerprints and the real sample events of the shared corpus."""
    recheck = root / "elastic-recheck"
    queries = [yaml.safe_load(path.read_text(encoding="utf-8"))["query"] for path in sorted(recheck.glob("queries/*.yaml"))]
    paths = sorted(recheck.glob("samples/samples/bug-*.json")) + sorted(recheck.glob("samples/logstash/*.json"))
    docs = [
        {"_id": f"{path.name}#{event.event_id}", "fields": {k: list(v) for k, v in event.fields.items()}}
        for path in paths
        for event in load_sample_events(path)
    ]
    return queries, docs


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    if why := missing_requirements():
        print(f"cannot run the referee: {why}", file=sys.stderr)
        return 2
    profiles = [load_mapping(name) for name in (args.profile or available_mappings())]
    seeds, real_docs = _corpus(args.corpus) if args.corpus else ([], [])
    seen: set[tuple[str, str]] = set()
    shown: list[Disagreement] = []
    total = 0
    docs_total = 0
    started = time.monotonic()
    with LuceneReferee.start() as lucene:
        for round_ in range((args.count + args.batch - 1) // args.batch):
            grammar = FuzzGrammar(args.seed + round_, limit_probes=args.limit_probes)
            docs = grammar.documents(args.docs) + grammar.rng.sample(real_docs, min(len(real_docs), args.docs // 4))
            queries = list(grammar.queries(min(args.batch, args.count - round_ * args.batch), seeds))
            total += len(queries)
            docs_total += len(docs)
            for profile in profiles:
                mapping = declaring(profile, docs)
                for problem in compare(lucene, queries, docs, mapping, translations=not args.no_translations):
                    if (problem.kind, problem.query) in seen or len(shown) >= args.show:
                        seen.add((problem.kind, problem.query))
                        continue
                    seen.add((problem.kind, problem.query))
                    small = shrink(lucene, problem, docs, mapping)
                    if (small.kind, small.query) in seen and small.query != problem.query:
                        continue
                    seen.add((small.kind, small.query))
                    shown.append(small)
                    print(small.render(), flush=True)
            print(
                f"round {round_} (seed {args.seed + round_}): {total} queries, {docs_total} documents, "
                f"{len(seen)} disagreeing (query, kind) pairs so far, {time.monotonic() - started:.0f} s",
                file=sys.stderr,
                flush=True,
            )
    print(f"{total} queries x {args.docs} documents per round x {len(profiles)} profiles: {len(shown)} shown")
    return 1 if seen else 0


if __name__ == "__main__":
    sys.exit(main())
