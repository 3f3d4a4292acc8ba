"""CLI commands: network start / status / advance / inject (the living network session)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from autonet.platform.cli._output import EXIT_USAGE, cli_errors, console, emit_json, fail, table

__all__ = ["STATE_DIR", "app", "print_report"]

app = typer.Typer(
    help="The living network: start it, read its status, move its clock, inject a fault.",
    no_args_is_help=True,
)

STATE_DIR = typer.Option(
    "--state-dir", help="The session's folder (default: $AUTONET_HOME/network).", show_default=False
)
_JSON = typer.Option("--json", help="Print JSON (documented in docs/service.md).")


def print_report(report: dict[str, Any]) -> None:
    """People's view of an advance report."""
    console.print(f"network clock {report['start'][:16]} -> {report['end'][:16]} "
                  f"({report['steps']} steps)")  # fmt: skip
    for inc in report["opened"]:
        console.print(f"  incident {inc['id']} opened ({inc['kind']}): {inc['summary'][:100]}")
    for a in report["applied"]:
        console.print(f"  applied {a['kind']} on {a['target']} {a.get('params') or ''}")
    for v in report["verdicts"]:
        why = "; ".join(v.get("reasons") or [])[:100]
        console.print(f"  verified {v['incident_id']}: {v['status']} {why}")
    for o in report.get("observed", []):
        console.print(f"  replayed at {str(o['at'])[11:16]}: {o.get('alarms', 0)} alarm(s), "
                      f"{o.get('kpis', 0)} KPI value(s)")  # fmt: skip
    for w in report["field_work"]:
        console.print(f"  field work {w.get('id')} on {w.get('target')}: {w.get('status')}")
    for iid in report["escalated"]:
        console.print(f"  escalated {iid} to a person")
    for r in report["requests"]:
        console.print(f"  request {r['id']}: {r['status']} {r['reason'][:100]}")
    for run in report["waiting_approval"]:
        console.print(f"  waiting for approval: {run} (autonet approvals decide {run} ...)")
    if not any(report[k] for k in ("opened", "applied", "verdicts", "requests", "field_work")):
        console.print("  nothing to do: the network is healthy")


@app.command("start")
@cli_errors
def start(
    sites: Annotated[
        int, typer.Option(min=1, max=2000, help="Sites of the network (cells = 3 x sites).")
    ] = 30,
    seed: Annotated[int, typer.Option(min=0, help="Seed of the network.")] = 7,
    backbone: Annotated[
        str | None, typer.Option(help="A real backbone (Topology Zoo / SNDlib name or file).")
    ] = None,
    layers: Annotated[str, typer.Option(help="Radio layers: single or dual.")] = "single",
    source: Annotated[
        str,
        typer.Option(
            help="twin (the twin is the network) or replay (imported alarms/KPIs replayed "
            "onto the network's clock; see `autonet import`)."
        ),
    ] = "twin",
    replace: Annotated[
        bool, typer.Option("--replace", help="Replace an existing session.")
    ] = False,
    state_dir: Annotated[Path | None, STATE_DIR] = None,
    as_json: Annotated[bool, _JSON] = False,
) -> None:
    """Start a network session: the twin, its closed loop and memory, saved between commands."""
    from autonet.platform.service import NetworkSession, NetworkSpec

    if layers not in ("single", "dual"):
        fail(f"--layers must be single or dual, got {layers!r}", EXIT_USAGE)
    if source not in ("twin", "replay"):
        fail(f"--source must be twin or replay, got {source!r}", EXIT_USAGE)
    spec = NetworkSpec(sites=sites, seed=seed, backbone=backbone, layers=layers, source=source)
    session = NetworkSession.start(state_dir, spec=spec, replace=replace)
    try:
        out = {"session": session.id, "state_dir": str(session.root), "clock": session.twin.now,
               "cells": len(session.twin.compiled.cell_ids), "spec": spec.__dict__}  # fmt: skip
    finally:
        session.close()
    if as_json:
        emit_json(out)
    else:
        clock = f"{out['clock']:%Y-%m-%d %H:%M}"
        console.print(f"network {out['session']} started: {sites} sites, {out['cells']} cells, "
                      f"clock {clock}, state in {out['state_dir']}")  # fmt: skip


def _incident_rows(incidents: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    rows = []
    for i in incidents:
        root = i["root_cause"] or {}
        cause = f"{root.get('node')} ({root.get('fault_type')})" if root else "-"
        acts = ", ".join(f"{a['kind']} {a['target']}" for a in i["actions"])[:60] or "-"
        verdict = (i["verdict"] or {}).get("status", "-")
        rows.append((i["id"], i["kind"], i["status"], cause, acts, verdict))
    return rows


@app.command("status")
@cli_errors
def status(
    state_dir: Annotated[Path | None, STATE_DIR] = None,
    as_json: Annotated[bool, _JSON] = False,
) -> None:
    """What an operator sees: clock, active alarms, incidents, approvals, recent requests."""
    from autonet.platform.service import read_status

    out = read_status(state_dir)  # saved with the last command's state: nothing to load
    if as_json:
        emit_json(out)
        return
    console.print(f"network {out['session']} at {out['clock'][:16]} "
                  f"({out['network']['cells']} cells)")  # fmt: skip
    alarms = [(a["id"], a["type"], a["node"], a["severity"], a["raised_at"][11:16])
              for a in out["alarms"][:20]]  # fmt: skip
    console.print(table(f"active alarms ({out['alarm_count']})",
                        ["alarm", "type", "node", "severity", "raised"], alarms))  # fmt: skip
    console.print(table("incidents", ["incident", "kind", "status", "root cause", "actions",
                                      "verdict"], _incident_rows(out["incidents"])))  # fmt: skip
    for p in out["approvals"]:
        console.print(f"pending approval {p['id']}: {'; '.join(p['reasons'])[:120]}")
    reqs = [(r["id"], r["status"], r["text"][:50], r["reason"][:60]) for r in out["requests"]]
    console.print(table("recent requests", ["request", "status", "text", "reason"], reqs))


@app.command("advance")
@cli_errors
def advance(
    minutes: Annotated[
        float,
        typer.Option(
            "--minutes", min=1, max=10080, help="Minutes to move the clock on (<= 7 days)."
        ),
    ],
    state_dir: Annotated[Path | None, STATE_DIR] = None,
    as_json: Annotated[bool, _JSON] = False,
) -> None:
    """Step the network on; the closed loop runs on every tick. Prints what it did."""
    from autonet.platform.service import NetworkSession

    with NetworkSession.load(state_dir) as session:
        report = session.advance(minutes).as_dict()
    if as_json:
        emit_json(report)
    else:
        print_report(report)


@app.command("inject")
@cli_errors
def inject(
    fault: Annotated[str, typer.Argument(help="TYPE@TARGET, e.g. fibre_cut@AGG1--CR1.")],
    hours: Annotated[
        float | None,
        typer.Option(min=0.01, max=168, help="How long it lasts (default: until field repair)."),
    ] = None,
    role: Annotated[
        str, typer.Option(help="Caller role (injecting is an admin's tool).")
    ] = "admin",
    by: Annotated[str, typer.Option(help="Who injects (for the audit trail).")] = "admin",
    state_dir: Annotated[Path | None, STATE_DIR] = None,
    as_json: Annotated[bool, _JSON] = False,
) -> None:
    """Inject a fault into the network now (a test and demo tool; role admin)."""
    from autonet.platform.service import NetworkSession

    with NetworkSession.load(state_dir) as session:
        out = session.inject(fault, hours=hours, role=role, by=by)
    if as_json:
        emit_json(out)
    else:
        console.print(f"injected {out['type']} on {out['target']} ({out['fault_id']}), lasting "
                      f"until {out['until']}; `autonet network advance --minutes 60` to see "
                      "the loop react")  # fmt: skip
