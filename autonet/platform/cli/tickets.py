"""CLI commands: tickets list / close, and the field crew's work orders (for people)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from autonet.platform.cli._output import cli_errors, console, emit_json, table

__all__ = ["app", "work_orders_app"]

app = typer.Typer(help="Trouble tickets: list them, close one.", no_args_is_help=True)
work_orders_app = typer.Typer(help="Field work orders: list them.", no_args_is_help=True)
_JSON = typer.Option("--json", help="Print JSON.")


def _engine() -> Any:
    from autonet.knowledge.memory import init_db
    from autonet.platform.config import get_settings

    return init_db(get_settings().resolved_database_url)


@app.command("list")
@cli_errors
def list_tickets(
    status: Annotated[str | None, typer.Option(help="Only tickets of this status.")] = None,
    target: Annotated[str | None, typer.Option(help="Only tickets about this object.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="How many, newest first.")] = 50,
    as_json: Annotated[bool, _JSON] = False,
) -> None:
    """Trouble tickets, newest first."""
    from autonet.knowledge.memory.tickets import TicketStore

    rows = [t.as_dict() for t in TicketStore(_engine()).list(status=status, target=target,
                                                              limit=limit)]  # fmt: skip
    if as_json:
        emit_json({"data": rows, "count": len(rows)})
        return
    console.print(table("tickets", ["ticket", "status", "priority", "target", "summary"], [
        (t["ticket_id"], t["status"], t["priority"], t["target"], t["summary"][:60])
        for t in rows]))  # fmt: skip


@app.command("close")
@cli_errors
def close_ticket(
    ticket_id: Annotated[str, typer.Argument(help="The ticket, e.g. TT-00001.")],
    by: Annotated[str, typer.Option("--by", help="Who closes it.")],
    reason: Annotated[str, typer.Option(help="Why it is closed.")] = "resolved",
    as_json: Annotated[bool, _JSON] = False,
) -> None:
    """Close a ticket with who and why."""
    from autonet.knowledge.memory.tickets import TicketStore

    out = TicketStore(_engine()).close(ticket_id, by=by, reason=reason).as_dict()
    if as_json:
        emit_json(out)
    else:
        console.print(f"{out['ticket_id']} closed by {by}: {reason}")


@work_orders_app.command("list")
@cli_errors
def list_work_orders(
    status: Annotated[str | None, typer.Option(help="Only orders of this status.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="How many, oldest first.")] = 50,
    as_json: Annotated[bool, _JSON] = False,
) -> None:
    """Work orders of the field crew, oldest first."""
    from autonet.knowledge.memory.work_orders import WorkOrderStore

    rows = [w.as_dict() for w in WorkOrderStore(_engine()).list(status=status, limit=limit)]
    if as_json:
        emit_json({"data": rows, "count": len(rows)})
        return
    console.print(table("work orders", ["order", "status", "target", "reason"], [
        (w.get("work_order_id"), w["status"], w["target"], str(w.get("reason", ""))[:60])
        for w in rows]))  # fmt: skip
