"""``autonet loop``: run, trace, approve, replay on a small twin; bad input gives clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from autonet.platform.cli import build_app

runner = CliRunner()


def flat(text: str) -> str:
    """Output without whitespace: Rich wraps long lines at the console width."""
    return "".join(text.split())


def _run(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(build_app(), ["loop", *args])


@pytest.fixture(scope="module")
def pending(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A checkpoint file holding run cli-00001 waiting for approval (UPF overload on UPF-C)."""
    cp = tmp_path_factory.mktemp("loop") / "cp.sqlite"
    args = ["--sites", "12", "--hours", "1", "--approval-kinds", "upf_scale_out"]
    result = _run("run", "--fault", "upf_overload@UPF-C", *args, "--checkpoint", str(cp), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [o["status"] for o in data["outcomes"]] == ["awaiting_approval"]
    assert data["pending"][0]["run_id"] == "cli-00001"
    return cp


def test_run_heals_a_fault_and_prints_the_trace(tmp_path: Path) -> None:
    cp = tmp_path / "cp.sqlite"
    result = _run("run", "--fault", "upf_overload@UPF-C", "--sites", "12", "--hours", "1",
                  "--checkpoint", str(cp))  # fmt: skip
    assert result.exit_code == 0, result.output
    text = flat(result.output)
    assert "runcli-00001" in text and "fulfilled" in text
    for step in ("perceive", "analyse", "decide", "execute", "verify", "learn"):
        assert step in text
    trace = _run("trace", "cli-00001", "--checkpoint", str(cp), "--json")
    assert trace.exit_code == 0
    steps = [e["step"] for e in json.loads(trace.output)]
    assert steps[0] == "perceive" and steps[-1] == "learn"
    replay = _run("replay", "cli-00001", "--checkpoint", str(cp))
    assert replay.exit_code == 0 and "identicaldecisions" in flat(replay.output)


def test_approve_resumes_the_pending_run(pending: Path) -> None:
    result = _run("approve", "cli-00001", "--by", "alice", "--checkpoint", str(pending), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    (out,) = data["outcomes"]
    assert out["status"] == "fulfilled" and out["human"] is True
    assert [e["actor"] for e in data["trace"]].count("human:alice") == 1
    again = _run("approve", "cli-00001", "--by", "alice", "--checkpoint", str(pending))
    assert again.exit_code == 4 and "nopendingapproval" in flat(again.output)
    replay = _run("replay", "cli-00001", "--checkpoint", str(pending), "--json")
    assert replay.exit_code == 0 and json.loads(replay.output)["identical"] is True


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["run"], 2, "giveatleastone--fault"),
        (["run", "--fault", "meteor@S0001"], 2, "unknownfaulttype"),
        (["run", "--fault", "cell_outage@S9999-C1", "--sites", "12"], 3, "S9999-C1"),
        (["run", "--fault", "cell_outage@S0001-C1", "--sites", "0"], 2, "--sitesmustbein"),
        (["run", "--fault", "cell_outage@S0001-C1", "--playbook", "teleport"], 2,
         "unknownplaybookkind'teleport'"),
        (["trace", "cli-00001", "--checkpoint", "/nonexistent/cp.sqlite"], 4, "doesnotexist"),
        (["approve", "cli-00001", "--checkpoint", "/nonexistent/cp.sqlite", "--by", "a"], 4,
         "doesnotexist"),
    ],
)  # fmt: skip
def test_bad_input(args: list[str], code: int, message: str) -> None:
    result = _run(*args)
    assert result.exit_code == code, result.output
    assert message in flat(result.output)


def test_unknown_run_and_corrupt_checkpoint(tmp_path: Path, pending: Path) -> None:
    missing = _run("trace", "cli-00099", "--checkpoint", str(pending))
    assert missing.exit_code == 4 and "norun'cli-00099'" in flat(missing.output)
    deny_missing = _run("approve", "cli-00099", "--by", "bob", "--checkpoint", str(pending))
    assert deny_missing.exit_code == 4
    bad = tmp_path / "bad.sqlite"
    bad.write_text("not a database")
    corrupt = _run("trace", "cli-00001", "--checkpoint", str(bad))
    assert corrupt.exit_code == 3 and "notanSQLitedatabase" in flat(corrupt.output)
    assert bad.read_text() == "not a database"  # untouched
    empty_by = _run("approve", "cli-00001", "--by", " ", "--checkpoint", str(pending))
    assert empty_by.exit_code == 3 and "--bymustname" in flat(empty_by.output)
