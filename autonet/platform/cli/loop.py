"""CLI commands: loop run / trace / approve / replay (the closed loop on a small twin)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any

import typer

from autonet.platform.cli._output import (
    EXIT_FAILED,
    EXIT_INPUT,
    EXIT_NOT_FOUND,
    EXIT_USAGE,
    cli_errors,
    console,
    emit_json,
    fail,
    table,
)

__all__ = ["app", "approve", "replay", "run", "trace"]


app = typer.Typer(help="The closed loop: run it on a small twin, read traces, approve.")

_CHECKPOINT = typer.Option(
    "--checkpoint", help="Checkpoint file (SQLite) or postgresql:// URL; default <home>."
)
_JSON = typer.Option("--json", help="Print JSON instead of tables.")
_OUTCOME_COLUMNS = ["incident", "kind", "run", "status", "first action", "closed", "human"]


def _saver(checkpoint: str | None, *, must_exist: bool) -> Any:
    from autonet.platform.checkpoint import (
        CheckpointError,
        default_checkpoint_path,
        open_checkpointer,
    )

    target = checkpoint or str(default_checkpoint_path())
    if must_exist and "://" not in target and not Path(target).is_file():
        fail(f"checkpoint file {target!r} does not exist", EXIT_NOT_FOUND)
    try:
        return open_checkpointer(target)
    except CheckpointError as exc:
        fail(str(exc), EXIT_INPUT)


def _state(saver: Any, run_id: str) -> tuple[Any, dict[str, Any]]:
    from autonet.platform._runs import snapshot
    from autonet.platform.checkpoint import CheckpointError
    from autonet.platform.graph import build_graph

    graph = build_graph(checkpointer=saver)
    try:
        snap = snapshot(graph, run_id)
    except CheckpointError as exc:
        fail(str(exc), EXIT_INPUT)
    if not snap.values:
        fail(f"no run {run_id!r} in the checkpoint store", EXIT_NOT_FOUND)
    return snap, dict(snap.values)


def _trace_table(run_id: str, trace: Sequence[Mapping[str, Any]]) -> Any:
    rows = [
        (e["seq"], e["at"][11:16], e["actor"], e["step"], e["what"][:90], e["why"][:70])
        for e in trace
    ]
    return table(f"run {run_id}", ["#", "time", "actor", "step", "what", "why"], rows)


def _outcome_rows(outcomes: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [
        (o["incident"]["id"], o["incident"]["kind"], o["run_id"], o["status"],
         o["first_action_at"] or "-", o["closed_at"] or "-", "yes" if o["human"] else "no")
        for o in outcomes
    ]  # fmt: skip


def _playbooks(kinds: set[str]) -> list[Any]:
    from autonet.agents.playbooks import make_playbook

    return [make_playbook(k) for k in sorted(kinds)]


def _rebuilt_loop(saver: Any, run_id: str, values: dict[str, Any]) -> Any:
    """A loop on the twin rebuilt as it was at the run's start (the CLI has no live network)."""
    from autonet.platform._replay import twin_at
    from autonet.platform.loop import ClosedLoop

    prov = values.get("provenance") or {}
    twin = twin_at(prov, run_id)
    kinds = {i["kind"] for i in values["incidents"].values()}
    loop = ClosedLoop(twin, _playbooks(kinds), checkpointer=saver, name=run_id.rsplit("-", 1)[0],
                      topology=prov.get("topology"))  # fmt: skip
    loop.recover([run_id])
    return loop


@app.command("run")
@cli_errors
def run(
    fault: Annotated[
        list[str] | None,
        typer.Option("--fault", help="TYPE@TARGET[@START_HOUR[:DURATION_H]] (repeatable)."),
    ] = None,
    sites: Annotated[int, typer.Option(help="Sites of the twin (cells = 3 x sites).")] = 20,
    seed: Annotated[int, typer.Option(help="Seed of the twin.")] = 7,
    hours: Annotated[float, typer.Option(help="Hours to run after the warm-up.")] = 3.0,
    playbook: Annotated[
        list[str] | None,
        typer.Option("--playbook", help="Playbook kinds to load (repeatable); default fault."),
    ] = None,
    approval_kinds: Annotated[
        str,
        typer.Option(
            "--approval-kinds", help="Action kinds that need a human's approval (comma list)."
        ),
    ] = "",
    checkpoint: Annotated[str | None, _CHECKPOINT] = None,
    as_json: Annotated[bool, _JSON] = False,
) -> None:
    """Run the loop on a small twin with injected faults and print what it did."""
    from autonet.agents.playbook import LoopSettings
    from autonet.agents.playbooks import PLAYBOOK_KINDS
    from autonet.platform.cli.twin import parse_fault
    from autonet.platform.loop import ClosedLoop
    from autonet.twin import Twin, build_topology

    # bad option values are usage errors (exit 2), like Click's own
    if not 1 <= sites <= 2000:
        fail(f"--sites must be in 1..2000, got {sites}", EXIT_USAGE)
    if not 0 < hours <= 72:
        fail(f"--hours must be in (0, 72], got {hours}", EXIT_USAGE)
    unknown = [k for k in playbook or [] if k not in PLAYBOOK_KINDS]
    if unknown:
        fail(f"unknown playbook kind {unknown[0]!r}: expected one of {list(PLAYBOOK_KINDS)}",
             EXIT_USAGE)  # fmt: skip
    specs = [parse_fault(f) for f in fault or []]
    if not specs:
        fail("give at least one --fault TYPE@TARGET (e.g. upf_overload@UPF-C)", EXIT_USAGE)
    steps = max(1, round(hours * 4))
    twin = Twin(build_topology(n_sites=sites, seed=seed), seed=seed)
    twin.run(4)  # one hour of warm-up: KPIs to compare against
    settings = LoopSettings(
        require_approval_kinds=frozenset(k for k in approval_kinds.split(",") if k)
    )
    loop = ClosedLoop(twin, _playbooks(set(playbook or ["fault"])),
                      checkpointer=_saver(checkpoint, must_exist=False), settings=settings,
                      name="cli", topology={"n_sites": sites, "seed": seed})  # fmt: skip
    for k in range(steps):
        for spec in specs:
            if round(spec.start_hour * 4) == k:
                duration = None if spec.duration_h is None else max(1, round(spec.duration_h * 4))
                twin.inject_fault(spec.fault_type, spec.target, duration_steps=duration)
        twin.step()
        loop.tick()
    outcomes = loop.outcomes()
    traces = {run_id: loop.trace(run_id) for run_id in loop.runs()}
    if as_json:
        emit_json({"outcomes": outcomes, "traces": traces, "pending": loop.pending_approvals()})
    else:
        for run_id, trace in traces.items():
            console.print(_trace_table(run_id, trace))
        console.print(table("incidents", _OUTCOME_COLUMNS, _outcome_rows(outcomes)))
        for p in loop.pending_approvals():
            console.print(f"pending approval: {p['run_id']} -> autonet loop approve "
                          f"{p['run_id']} --by NAME")  # fmt: skip
    loop.close()


@app.command("trace")
@cli_errors
def trace(
    run_id: Annotated[str, typer.Argument(help="Run id, e.g. cli-00001.")],
    checkpoint: Annotated[str | None, _CHECKPOINT] = None,
    as_json: Annotated[bool, _JSON] = False,
) -> None:
    """Print a run's trace (who did what, why, when) from the checkpoint store."""
    _, values = _state(_saver(checkpoint, must_exist=True), run_id)
    if as_json:
        emit_json(values.get("trace", []))
    else:
        console.print(_trace_table(run_id, values.get("trace", [])))


@app.command("approve")
@cli_errors
def approve(
    run_id: Annotated[str, typer.Argument(help="Run id waiting for approval.")],
    by: Annotated[str, typer.Option("--by", help="Who answers.")],
    deny: Annotated[bool, typer.Option("--deny", help="Deny instead of approve.")] = False,
    comment: Annotated[str, typer.Option(help="Why.")] = "",
    checkpoint: Annotated[str | None, _CHECKPOINT] = None,
    as_json: Annotated[bool, _JSON] = False,
) -> None:
    """Answer a pending approval; the run resumes on its twin rebuilt from the provenance."""
    from autonet.platform.loop import LoopError

    if not by.strip():
        fail("--by must name who answers", EXIT_INPUT)
    saver = _saver(checkpoint, must_exist=True)
    snap, values = _state(saver, run_id)
    if not snap.interrupts:
        fail(f"run {run_id!r} has no pending approval", EXIT_NOT_FOUND)
    loop = _rebuilt_loop(saver, run_id, values)
    try:
        loop.approve(run_id, approved=not deny, by=by, comment=comment)
    except LoopError as exc:
        fail(str(exc), EXIT_NOT_FOUND)
    for _ in range(96):  # let the run settle and verify on the rebuilt twin
        if loop.runs()[run_id] == "done":
            break
        loop.twin.step()
        loop.tick()
    out = [o for o in loop.outcomes() if o["run_id"] == run_id]
    if as_json:
        emit_json({"outcomes": out, "trace": loop.trace(run_id)})
    else:
        console.print(_trace_table(run_id, loop.trace(run_id)))
        console.print(table("incidents", _OUTCOME_COLUMNS, _outcome_rows(out)))
    loop.close()


@app.command("replay")
@cli_errors
def replay(
    run_id: Annotated[str, typer.Argument(help="A finished run id.")],
    checkpoint: Annotated[str | None, _CHECKPOINT] = None,
    as_json: Annotated[bool, _JSON] = False,
) -> None:
    """Replay a run on a rebuilt twin and compare its decisions (exit 1 if they differ)."""
    from autonet.platform._replay import replay_state

    _, values = _state(_saver(checkpoint, must_exist=True), run_id)
    kinds = {i["kind"] for i in values["incidents"].values()}
    report = replay_state(values, playbooks=_playbooks(kinds))
    if as_json:
        emit_json(report.__dict__)
    else:
        rows = [(d["incident"], d["attempt"], d["chosen"] or "-") for d in report.replayed]
        console.print(table(f"replay of {run_id}", ["incident", "attempt", "chosen"], rows))
        console.print("identical decisions" if report.identical else
                      "DIFFERENT: " + "; ".join(report.differences))  # fmt: skip
    if not report.identical:
        raise typer.Exit(EXIT_FAILED)
