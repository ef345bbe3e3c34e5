"""Regenerate fingerlog/backends/literal_frequencies.tsv: how common each word is in real CI logs.

The scan engine keys each rule on its most specific literal; a length-only
guess picks ``127.0.0.1`` or ``keystoneclient.middleware.auth_token``, which
are on every other line of real logs.  This counts, over every real log of the
shared corpus (../shared/corpus/logs, decompressed), the share of lines that
contain each word (lower-cased, as a substring, since the prefilter searches
substrings: ``do`` is in ``done``), and keeps the words on at least MIN_SHARE
of the lines.

Usage: .venv/bin/python bench/literal_frequencies.py
"""

from __future__ import annotations

import bz2
import collections
import gzip
import re
import zipfile
from pathlib import Path

import ahocorasick

REPO = Path(__file__).resolve().parent.parent
LOGS = REPO.parent / "shared" / "corpus" / "logs"
OUT = REPO / "fingerlog" / "backends" / "literal_frequencies.tsv"
#: words on fewer lines than this are left to the length estimate (they are rare enough as keys).
MIN_SHARE = 1e-4
#: words this short are counted as substrings even when rare as words.
SHORT = 4
WORD = re.compile(rb"[a-z0-9_]+(?:[.:'@-][a-z0-9_]+)*")


def _texts() -> list[bytes]:
    texts = []
    for path in sorted(LOGS.rglob("*")):
        if not path.is_file() or path.name == "LICENSE" or path.suffix in (".json", ".subunit"):
            continue
        raw = path.read_bytes()
        if path.suffix == ".gz":
            raw = gzip.decompress(raw)
        elif path.suffix == ".bz2":
            raw = bz2.decompress(raw)
        elif path.suffix == ".zip":
            with zipfile.ZipFile(path) as archive:
                raw = b"\n".join(archive.read(name) for name in archive.namelist())
        texts.append(raw)
    return texts


def main() -> None:
    lines = 0
    words: collections.Counter[bytes] = collections.Counter()
    for text in _texts():
        for line in text.lower().split(b"\n"):
            lines += 1
            words.update(set(WORD.findall(line[:4096])))
    # short words are common inside longer ones ("do" in "done"): count them whatever their own share
    common = {w: n for w, n in words.items() if n / lines >= MIN_SHARE or len(w) <= SHORT}
    # a word is also found inside longer words: count substring occurrences for the kept vocabulary
    automaton = ahocorasick.Automaton()
    for kept in common:
        automaton.add_word(kept.decode("latin-1"), kept)
    automaton.make_automaton()
    substring: collections.Counter[bytes] = collections.Counter()
    for word, count in words.items():
        for kept in {found for _, found in automaton.iter(word.decode("latin-1"))}:
            substring[kept] += count
    # a line holding several words that contain a kept word counts more than once: cap at every line
    rows = sorted(((min(1.0, substring[w] / lines), w.decode()) for w in common), reverse=True)
    rows = [(share, word) for share, word in rows if share >= MIN_SHARE]
    OUT.write_text(
        f"# share of real CI log lines containing the word (bench/literal_frequencies.py, {lines} lines)\n"
        + "".join(f"{word}\t{share:.3g}\n" for share, word in rows)
    )
    print(f"{len(rows)} words from {lines} lines -> {OUT}")


if __name__ == "__main__":
    main()
