"""CLI commands: intent submit / list / show (the front door for operators' requests)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from autonet.platform.cli._output import EXIT_FAILED, cli_errors, console, emit_json, table
from autonet.platform.cli.network import STATE_DIR

__all__ = ["app"]

app = typer.Typer(
    help="Operators' requests: submit one, list them, show one.", no_args_is_help=True
)
_JSON = typer.Option("--json", help="Print JSON (documented in docs/service.md).")


def _store(state_dir: Path | None) -> tuple[Any, str]:
    """The request records of the session in ``state_dir``, read without loading the network."""
    from autonet.knowledge.memory.db import create_engine_for
    from autonet.knowledge.memory.requests import RequestStore
    from autonet.platform.config import get_settings
    from autonet.platform.service import session_meta

    meta = session_meta(state_dir)
    return RequestStore(create_engine_for(get_settings().resolved_database_url)), meta["id"]


def _show(r: dict[str, Any]) -> None:
    d = r["decision"]
    console.print(f"[bold]{r['id']}[/] {r['status']}: {r['text']}")
    if d.get("agent"):
        console.print(f"  routed to {d['agent']} {json.dumps(d.get('arguments') or {})} "
                      f"(confidence {d.get('confidence') or 0:.2f})")  # fmt: skip
    for i, step in enumerate(d.get("plan") or [], 1):
        console.print(f"  step {i}: {step['agent']} {json.dumps(step['arguments'])}")
    for a in r["actions"]:
        undone = " (undone)" if a.get("undone") else ""
        console.print(f"  action {a['change_id']}: {a['kind']} {a['target']} {a['params']}{undone}")
    if r["verdict"]:
        console.print(f"  verdict {r['verdict']['status']}: {'; '.join(r['verdict']['reasons'])}")
    if r["reason"]:
        console.print(f"  {r['reason']}")
    answer = (r.get("result") or {}).get("answer")
    if answer:
        console.print(f"  {answer}")
    for step in (r.get("result") or {}).get("steps", []):
        console.print(f"  {step['agent']}: {_summary(step['result'])}")


def _summary(result: dict[str, Any]) -> str:
    """One line for people of a capability's result (the whole of it is in --json)."""
    if "hypotheses" in result:
        hyps = result["hypotheses"][:3]
        ranked = ", ".join(f"{h['node']} ({h['fault_type']}, {h['score']:.3g})" for h in hyps)
        text = f"{result.get('alarms', 0)} alarm(s); root cause: {ranked or 'none found'}"
        for inc in result.get("loop_incidents", []):
            acts = ", ".join(f"{a['kind']} {a['target']}" for a in inc["actions"]) or "no action"
            text += f"; the loop: {inc['id']} {inc['status']} ({acts})"
        return text
    if "ticket_id" in result:
        return (
            f"ticket {result['ticket_id']} {result.get('action', 'opened')} for {result['target']}"
        )
    if "work_order_id" in result:
        return f"work order {result['work_order_id']} for {result['target']}: {result['status']}"
    if "count" in result and "alarms" in result:
        return f"{result['count']} alarm(s)"
    text = json.dumps(result, default=str)
    return text if len(text) <= 240 else text[:237] + "..."


@app.command("submit")
@cli_errors
def submit(
    text: Annotated[
        str | None, typer.Argument(help="The request in plain language (or use --expression).")
    ] = None,
    expression: Annotated[
        Path | None,
        typer.Option("--expression", help="A TS 28.312 intent expression as a JSON file."),
    ] = None,
    role: Annotated[str, typer.Option(help="Caller role: viewer, operator, engineer, admin.")] = (
        "operator"
    ),
    by: Annotated[str, typer.Option(help="Who asks (recorded on the request).")] = "operator",
    state_dir: Annotated[Path | None, STATE_DIR] = None,
    as_json: Annotated[bool, _JSON] = False,
) -> None:
    """Submit a request: AgentGate routes it; reads run now, changes go through the loop."""
    from autonet.errors import BadInputError
    from autonet.platform.service import NetworkSession
    from autonet.platform.service.status import request_view

    expr = None
    if expression is not None:
        try:
            expr = json.loads(expression.read_text())
        except FileNotFoundError:
            raise
        except (OSError, ValueError) as exc:
            raise BadInputError(f"--expression {expression}: not a JSON file ({exc})") from None
    with NetworkSession.load(state_dir) as session:
        record = request_view(session.submit(text, expression=expr, caller=by, role=role))
    if as_json:
        emit_json(record)
    else:
        _show(record)
    if record["status"] == "failed":
        raise typer.Exit(EXIT_FAILED)


@app.command("list")
@cli_errors
def list_(
    status: Annotated[str | None, typer.Option(help="Only requests of this status.")] = None,
    limit: Annotated[int, typer.Option(help="How many, newest first.")] = 50,
    state_dir: Annotated[Path | None, STATE_DIR] = None,
    as_json: Annotated[bool, _JSON] = False,
) -> None:
    """The session's requests, newest first."""
    from autonet.platform.service.status import request_view

    store, session_id = _store(state_dir)
    rows = [request_view(r) for r in store.list(status=status, session_id=session_id, limit=limit)]
    if as_json:
        emit_json({"data": rows, "count": len(rows)})
        return
    console.print(table("requests", ["request", "status", "agent", "text", "reason"], [
        (r["id"], r["status"], r["decision"]["agent"] or r["decision"]["action"], r["text"][:48],
         r["reason"][:60]) for r in rows]))  # fmt: skip


@app.command("show")
@cli_errors
def show(
    request_id: Annotated[str, typer.Argument(help="The request's id, e.g. INT-0001.")],
    state_dir: Annotated[Path | None, STATE_DIR] = None,
    as_json: Annotated[bool, _JSON] = False,
) -> None:
    """One request: decision, actions, verdict, reason."""
    from autonet.platform.service.status import request_view

    store, _ = _store(state_dir)
    record = request_view(store.get(request_id))
    if as_json:
        emit_json(record)
    else:
        _show(record)
