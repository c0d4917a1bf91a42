"""The long fuzz run of the readers (issue 10): seeded mutations of every real sample and of
kneeload's own fixtures, each read in a fresh worker with a time (10 s) and memory limit.

    python benchmarks/fuzz_ingest.py [--n 10000] [--seed 20] [--parallel 2]

Prints: inputs, how they ended (read, refused with a message, internal error, hang over
10 s, crashed worker), peak resident memory per input, time per input, and every
impossible value that would have been stored. Target: 0 internal errors, 0 hangs, peak
under 1 GB per input, 0 impossible values, over at least 10,000 inputs.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # for tests.ingest.fuzzing

from tests.ingest import fuzzing as F


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=20)
    parser.add_argument("--parallel", type=int, default=2)
    args = parser.parse_args()
    seeds = F.seeds()
    print(f"{len(seeds)} seeds ({sum(n.startswith('samples/') for n in seeds)} real samples), "
          f"{args.n:,} inputs, {args.parallel} at a time")
    figures = F.Figures()
    peaks, times = [], []
    started = time.monotonic()
    for outcome in F.run(F.inputs(args.n, args.seed), args.parallel):
        figures.add(outcome)
        if not math.isnan(outcome.peak_mb):
            peaks.append(outcome.peak_mb)
        if not math.isnan(outcome.seconds):
            times.append(outcome.seconds)
        if figures.inputs % 1000 == 0:
            print(f"  {figures.inputs:,} inputs, {time.monotonic() - started:.0f} s",
                  flush=True)
    print(f"wall time: {time.monotonic() - started:.0f} s")
    print(f"inputs: {figures.inputs:,}; " + ", ".join(
        f"{status} {count:,}" for status, count in sorted(figures.statuses.items())))
    print(f"internal errors: {len(figures.internal)}; hangs over {F.HANG_S:g} s: "
          f"{len(figures.hangs)}; impossible values stored: {len(figures.impossible)}")
    print(f"peak RSS per input: median {statistics.median(peaks):.0f} MB, "
          f"max {max(peaks):.0f} MB (the worker's whole process, imports included)")
    print(f"read time per input: median {statistics.median(times) * 1000:.0f} ms, "
          f"p99 {sorted(times)[int(0.99 * len(times))] * 1000:.0f} ms, max {max(times):.2f} s")
    for title, items in (("internal errors", figures.internal), ("hangs", figures.hangs),
                         ("impossible values", figures.impossible)):
        for item in items[:20]:
            print(f"  {title}: {item}")


if __name__ == "__main__":
    main()
