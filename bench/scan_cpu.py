"""CPU seconds of the scan alone (``scan_build``, plan warm, start-up excluded): the number each speed step is judged by.

The machine is shared, so wall time is noisy; CPU seconds of the process
(``time.process_time``) are disturbed far less.  The plan is built and every
rule's matcher compiled by one untimed scan first; then the job is scanned
``--runs`` times and each run's CPU seconds printed, with the least and the
median.  ``--profile FILE`` writes a cProfile of one more run instead.

Instruction counts, which the shared machine does not disturb at all: run it
under ``valgrind --tool=callgrind`` with ``--runs 1`` and ``--runs 0`` on a
small job (PYTHONHASHSEED=0) and subtract.

    .venv/bin/python bench/scan_cpu.py bench/data/scan-1024/plain/job --runs 5
"""

from __future__ import annotations

import argparse
import cProfile
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
QUERIES = REPO.parent / "shared" / "corpus" / "elastic-recheck" / "queries"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("job", type=Path, help="job directory (e.g. bench/data/scan-1024/plain/job)")
    parser.add_argument("--rules", type=Path, default=QUERIES)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--profile", type=Path, help="write a cProfile of one run here instead of timing")
    args = parser.parse_args()

    from fingerlog.engine.scan import scan_build
    from fingerlog.mapping import load_mapping
    from fingerlog.rules.loader import load_rules

    rules = load_rules(args.rules).rules
    mapping = load_mapping("openstack")
    warm = scan_build(args.job, rules, mapping=mapping)  # plan built, matchers compiled, files in the page cache
    print(f"{warm.files} files, {warm.bytes_read / 1e6:,.0f} MB, {len(warm.hits)} hits; "
          "load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    if args.profile is not None:
        cProfile.runctx("scan_build(args.job, rules, mapping=mapping)", globals(), locals(), str(args.profile))
        return
    seconds = []
    for _ in range(args.runs):
        started = time.process_time()
        scan = scan_build(args.job, rules, mapping=mapping)
        seconds.append(time.process_time() - started)
        if scan.hits != warm.hits:
            sys.exit("scan_cpu: a run's hits differ from the first run's")
        print(f"scan CPU {seconds[-1]:.3f} s")
    if not seconds:  # --runs 0: the warm-up alone (the baseline an instruction count subtracts)
        return
    print(f"least {min(seconds):.3f} s, median {statistics.median(seconds):.3f} s over {args.runs} runs; "
          "load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))


if __name__ == "__main__":
    main()
