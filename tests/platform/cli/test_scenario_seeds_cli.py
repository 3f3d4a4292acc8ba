"""`autonet scenario compare --seeds`: each seed run, mean and worst reported, bad lists refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from autonet.platform.cli.main import build_app


def test_seeds_run_every_seed_and_report_mean_and_worst(tmp_path: Path) -> None:
    out = tmp_path / "seeds"
    res = CliRunner().invoke(build_app(), [
        "scenario", "compare", "fault-healing", "--sites", "12", "--days", "0.5",
        "--policies", "agentic,none", "--seeds", "1-2", "--out", str(out), "--json",
    ])  # fmt: skip
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["seeds"] == [1, 2]
    impact = doc["metrics"]["impact_user_min"]
    for policy in ("agentic", "none"):
        mean, worst = impact[policy]["mean"], impact[policy]["worst"]
        assert worst >= mean  # lower is better: the worst seed is the largest impact
    assert (out / "seeds.md").is_file()


@pytest.mark.parametrize("spec", ["1-x", "5-2", "1,1", "-3"])
def test_bad_seed_lists_are_usage_errors(spec: str, tmp_path: Path) -> None:
    res = CliRunner().invoke(build_app(), [
        "scenario", "compare", "fault-healing", "--sites", "12", "--days", "0.5",
        "--seeds", spec, "--out", str(tmp_path / "x"),
    ])  # fmt: skip
    assert res.exit_code == 2
    assert "--seeds" in res.output
