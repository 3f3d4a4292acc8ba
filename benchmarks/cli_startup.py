"""CLI start-up benchmark: ``autonet --version``, ``--help`` and ``route`` as a ratio to
``python -c pass``, measured in one run (median and minimum of several repeats, the commands
interleaved so that the machine's changing load hits them all alike; on a shared machine the
minimum is the closest to an idle one).

Usage: ``.venv/bin/python benchmarks/cli_startup.py [--repeats 9]``; prints a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path


def _commands() -> dict[str, list[str]]:
    script = shutil.which("autonet", path=str(Path(sys.executable).parent)) or "autonet"
    return {
        "python -c pass": [sys.executable, "-c", "pass"],
        "autonet --version": [script, "--version"],
        "autonet --help": [script, "--help"],
        'autonet route "heal the outage at S0012"': [script, "route", "heal the outage at S0012"],
    }


def _time(argv: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    return time.perf_counter() - started


def main() -> None:
    """Time each command ``--repeats`` times (after one warm-up run each) and print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=9, help="Timed runs per command.")
    args = parser.parse_args()
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    # the embedded router: no network, and no user's AUTONET_* settings changing what is timed
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTONET_")}
    env["AUTONET_GATE_BACKEND"] = "embedded"
    commands = _commands()
    for argv in commands.values():  # warm the file cache and the bytecode
        _time(argv, env)
    samples: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(args.repeats):  # interleaved, so drifting machine load hits all alike
        for name, argv in commands.items():
            samples[name].append(_time(argv, env))
    base = statistics.median(samples["python -c pass"])
    base_min = min(samples["python -c pass"])
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.node()}, {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}, {args.repeats} runs each, load average "
          f"{load:.1f} at the end")  # fmt: skip
    print()
    print("| command | median wall (s) | x python (median) | min wall (s) | x python (min) |")
    print("|---|---|---|---|---|")
    for name, times in samples.items():
        median, least = statistics.median(times), min(times)
        print(f"| `{name}` | {median:.3f} | {median / base:.1f} | {least:.3f} | "
              f"{least / base_min:.1f} |")  # fmt: skip


if __name__ == "__main__":
    main()
