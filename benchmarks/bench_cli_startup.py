"""Time the `kneeload` command's start-up against a bare `import numpy`.

Target (issue 13): `kneeload --help` and `kneeload parse small.gpx` within 0.5 s of
`python -c "import numpy"` on the same machine. Each command runs in a fresh process,
alternating so that load from elsewhere falls on all three alike; the script prints
median wall and CPU (user + system) seconds, and each command's excess over numpy.

    python benchmarks/bench_cli_startup.py [--repeat 15]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from analysis.synth import gpx_bytes, synth_run

KNEELOAD = "from analysis.cli import main; raise SystemExit(main())"


def timed(argv: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds of one run of `argv` in a fresh process."""
    before, start = os.times(), time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)
    wall, after = time.perf_counter() - start, os.times()
    return wall, (after.children_user - before.children_user
                  + after.children_system - before.children_system)


def main() -> None:
    """Print the start-up table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    repeat = parser.parse_args().repeat
    with tempfile.TemporaryDirectory() as folder:
        small = Path(folder) / "small.gpx"
        small.write_bytes(gpx_bytes(synth_run(np.random.default_rng(1), "2024-05-01 07:00",
                                              duration_s=600)))
        commands = {
            "python -c 'import numpy'": [sys.executable, "-c", "import numpy"],
            "kneeload --help": [sys.executable, "-c", KNEELOAD, "--help"],
            "kneeload parse small.gpx": [sys.executable, "-c", KNEELOAD, "parse", str(small)],
        }
        runs: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
        for _ in range(repeat):
            for name, argv in commands.items():
                runs[name].append(timed(argv))
    base_wall, base_cpu = (statistics.median(t[i] for t in runs["python -c 'import numpy'"])
                           for i in (0, 1))
    print(f"{'command':<28}{'wall s':>8}{'cpu s':>8}{'wall - numpy':>14}{'cpu - numpy':>13}")
    for name, times in runs.items():
        wall, cpu = (statistics.median(t[i] for t in times) for i in (0, 1))
        print(f"{name:<28}{wall:8.3f}{cpu:8.3f}{wall - base_wall:14.3f}{cpu - base_cpu:13.3f}")
    print(f"(median of {repeat} runs each, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
