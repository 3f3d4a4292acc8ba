"""Front-door benchmark: a network session's commands, in-process and as the CLI runs them.

Measures on a fresh session of ``--sites`` sites (single layer, seed 7), in one run:

- ``start``: build the network, warm up one hour, save;
- ``load + save``: what every CLI command pays around its work;
- ``submit`` of a read ("show the alarms of S0012") and of a change ("downtilt S0005-C2 by 1",
  which runs the loop's graph: decision with what-if, execution), median of ``--repeats``;
- ``advance 60 min`` (4 steps, the loop ticking on each) on a healthy network and with a fibre
  cut being healed;
- the state's size on disk.

Usage: ``.venv/bin/python benchmarks/front_door.py [--sites 30] [--repeats 5]``; prints Markdown.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


def _timed(fn: Callable[[], Any]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main() -> None:
    """Run the measurements and print a Markdown table."""
    from autonet.platform.config import Settings
    from autonet.platform.service import NetworkSession, NetworkSpec

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sites", type=int, default=30)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    rows: list[tuple[str, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        settings = Settings(home=home)
        root = home / "network"
        t0 = time.perf_counter()
        NetworkSession.start(root, spec=NetworkSpec(sites=args.sites), settings=settings).close()
        rows.append(("start (build, warm-up, save)", time.perf_counter() - t0))
        s = NetworkSession.load(root, settings=settings)
        s.service.gate  # noqa: B018 - build the router once, outside the timings
        loads = []
        for _ in range(args.repeats):
            s.close()
            loads.append(_timed(lambda: NetworkSession.load(root, settings=settings).close()))
            s = NetworkSession.load(root, settings=settings)
        rows.append(("load + close (median)", statistics.median(loads)))
        rows.append(
            ("save (median)", statistics.median(_timed(s.save) for _ in range(args.repeats)))
        )
        s.service.gate  # noqa: B018
        reads = [_timed(lambda: s.submit("show the alarms of S0012", caller="b", role="operator"))
                 for _ in range(args.repeats)]  # fmt: skip
        rows.append(("submit a read (median)", statistics.median(reads)))
        changes = []
        for _ in range(args.repeats):
            changes.append(_timed(lambda: s.submit("downtilt S0005-C2 by 1", caller="b",
                                                   role="operator")))  # fmt: skip
            s.advance(60)  # past the frequency limiter's hour for the next one
        rows.append(("submit a change through the loop (median)", statistics.median(changes)))
        rows.append(("advance 60 min, healthy (4 ticks)", _timed(lambda: s.advance(60))))
        cut = next(link for link in s.twin.compiled.link_ids if "CR" in link)
        s.inject(f"fibre_cut@{cut}")
        rows.append((f"advance 60 min, fibre cut {cut} healed", _timed(lambda: s.advance(60))))
        s.save()
        size = sum(p.stat().st_size for p in root.iterdir() if p.is_file())
        s.close()
    when = f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    print(f"front door, {args.sites} sites, {when}, {platform.machine()} {os.cpu_count()} "
          f"cores, load {os.getloadavg()[0]:.1f}")  # fmt: skip
    print("\n| step | seconds |\n|---|---|")
    for name, secs in rows:
        print(f"| {name} | {secs:.3f} |")
    print(f"| state on disk (MB) | {size / 1e6:.1f} |")


if __name__ == "__main__":
    main()
