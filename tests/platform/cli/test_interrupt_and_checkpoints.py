"""Ctrl-C in a real ``autonet`` process, and the loop's checkpoints pruned as runs finish."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from autonet.platform.cli import build_app

runner = CliRunner()


@pytest.mark.slow
def test_ctrl_c_in_a_scenario_exits_130_and_leaves_no_report(tmp_path: Path) -> None:
    out = tmp_path / "report"
    staging = tmp_path / ".report.partial"
    env = {**os.environ, "AUTONET_HOME": str(tmp_path / "home"), "CI": "true"}
    args = ["scenario", "run", "energy-saving", "--policy", "agentic", "--sites", "60",
            "--days", "2", "--out", str(out)]  # fmt: skip
    proc = subprocess.Popen(
        [sys.executable, "-m", "autonet.platform.cli", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=env,
        text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        # started: the loop's checkpoint store exists in the staging folder
        while not list(staging.glob("work/*/checkpoints.sqlite")):
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the run did not start within 120 s"
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, stderr
    assert "interrupted (Ctrl-C)" in stderr
    # nothing that looks like a report, and no half-written folder beside it
    assert not out.exists() and not staging.exists()
    assert [p.name for p in tmp_path.iterdir() if "report" in p.name] == []


def test_a_finished_run_keeps_only_its_last_checkpoint(tmp_path: Path) -> None:
    cp = tmp_path / "cp.sqlite"
    result = runner.invoke(
        build_app(),
        ["loop", "run", "--fault", "upf_overload@UPF-C", "--sites", "12", "--hours", "1",
         "--checkpoint", str(cp), "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert [o["status"] for o in json.loads(result.stdout)["outcomes"]] == ["fulfilled"]
    with sqlite3.connect(cp) as conn:
        rows = conn.execute(
            "SELECT thread_id, checkpoint_ns, count(*) FROM checkpoints GROUP BY 1, 2"
        ).fetchall()
        orphans = conn.execute(
            "SELECT count(*) FROM writes w WHERE NOT EXISTS (SELECT 1 FROM checkpoints c WHERE "
            "c.thread_id = w.thread_id AND c.checkpoint_ns = w.checkpoint_ns AND "
            "c.checkpoint_id = w.checkpoint_id)"
        ).fetchone()[0]
    assert rows == [("cli-00001", "", 1)]
    assert orphans == 0
    # what the run recorded is all still there: its trace reads from the last checkpoint
    trace = runner.invoke(build_app(), ["loop", "trace", "cli-00001", "--checkpoint", str(cp),
                                        "--json"])  # fmt: skip
    assert trace.exit_code == 0, trace.output
    steps = [e["step"] for e in json.loads(trace.stdout)]
    for step in ("perceive", "analyse", "decide", "execute", "verify", "learn"):
        assert step in steps
