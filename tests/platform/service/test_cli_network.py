"""The operator's walk-through on the real CLI, one process per command, as a new user types it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

CUT = "AGG002--CR01"


def _run(home: Path, *args: str, code: int = 0) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "AUTONET_HOME": str(home), "COLUMNS": "80", "TERM": "dumb"}
    cmd = [sys.executable, "-m", "autonet.platform.cli", *args]
    out = subprocess.run(
        cmd, env=env, capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL
    )
    assert out.returncode == code, (args, out.returncode, out.stdout[-2000:], out.stderr[-2000:])
    return out


def _json(home: Path, *args: str) -> Any:
    return json.loads(_run(home, *args, "--json").stdout)


def test_walk_through_fault_heal_ticket_and_status(home: Path) -> None:
    _run(home, "network", "inject", f"fibre_cut@{CUT}")
    report = _json(home, "network", "advance", "--minutes", "120")
    assert [(a["kind"], a["target"]) for a in report["applied"]] == [("reroute", CUT)]
    status = _json(home, "network", "status")
    assert {"clock", "alarms", "incidents", "approvals", "requests"} <= set(status)
    (incident,) = status["incidents"]
    assert incident["root_cause"]["node"] == CUT
    assert incident["verdict"]["status"] == "FULFILLED"
    req = _json(home, "intent", "submit", "heal the outage at S0012, then open a ticket")
    assert {"id", "status", "decision", "actions", "verdict", "reason"} <= set(req)
    assert {"action", "agent", "arguments", "plan", "confidence"} <= set(req["decision"])
    assert [s["agent"] for s in req["result"]["steps"]] == ["rca_locator", "ticketing"]
    shown = _json(home, "intent", "show", req["id"])
    assert shown["id"] == req["id"]
    listed = _json(home, "intent", "list")
    assert [r["id"] for r in listed["data"]] == [req["id"]]
    tickets = _json(home, "tickets", "list")
    assert [t["target"] for t in tickets["data"]] == ["S0012"]
    closed = _json(home, "tickets", "close", tickets["data"][0]["ticket_id"], "--by", "ana")
    assert closed["status"] == "closed"
    people = _run(home, "network", "status").stdout
    assert "incidents" in people and CUT in people


def test_cli_errors_have_clear_messages_and_exit_codes(home: Path, tmp_path: Path) -> None:
    missing = _run(tmp_path, "network", "status", code=4)
    assert "autonet network start" in missing.stderr
    again = _run(home, "network", "start", code=1)
    assert "--replace" in again.stderr
    bad = _run(home, "network", "advance", "--minutes", "-5", code=2)
    assert "minutes" in bad.stderr.lower()
    _run(home, "tickets", "close", "TT-00042", "--by", "ana", code=4)
    unknown = _run(home, "intent", "show", "INT-0042", code=4)
    assert "INT-0042" in unknown.stderr
    nope = _run(home, "approvals", "decide", "net-00042", "--approve", "--by", "lead", code=4)
    assert "no pending approval" in nope.stderr
    both = _run(home, "approvals", "decide", "net-00042", "--by", "lead", code=2)
    assert "--approve" in both.stderr
    refused = _run(home, "network", "inject", f"fibre_cut@{CUT}", "--role", "operator", code=1)
    assert "admin" in refused.stderr
