"""AgentGate accuracy: the routing test split and the real external sets, one JSON document.

    .venv/bin/python benchmarks/gate_eval.py [--split test] [--external all] [--out FILE]

Equivalent to ``autonet gate eval --split test --external all --json``; kept here so every figure
in docs/benchmarks.md has a script under benchmarks/.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from datetime import UTC, datetime

from typer.testing import CliRunner

from autonet.platform.cli import build_app


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--split", default="test", choices=("train", "val", "test"))
    parser.add_argument(
        "--external", default="all", choices=("none", "bfcl", "ibn", "teleqna", "all")
    )
    parser.add_argument("--out", default=None, help="Also write the JSON here.")
    args = parser.parse_args()
    started = time.perf_counter()
    result = CliRunner().invoke(
        build_app(), ["gate", "eval", "--split", args.split, "--external", args.external, "--json"]
    )
    if result.exit_code != 0:
        sys.stderr.write(result.output)
        return result.exit_code
    payload = json.loads(result.stdout)
    payload["run"] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
        "wall_s": round(time.perf_counter() - started, 1),
    }
    text = json.dumps(payload, indent=2)
    print(text)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as fh:
            fh.write(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
