"""CLI commands: approvals list / decide (a person answers what policy says must be approved)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from autonet.platform.cli._output import cli_errors, console, emit_json, fail, table
from autonet.platform.cli.network import STATE_DIR

__all__ = ["app"]

app = typer.Typer(help="Pending approvals: list them, approve or deny one.", no_args_is_help=True)
_JSON = typer.Option("--json", help="Print JSON (documented in docs/service.md).")


@app.command("list")
@cli_errors
def list_(
    state_dir: Annotated[Path | None, STATE_DIR] = None,
    as_json: Annotated[bool, _JSON] = False,
) -> None:
    """Changes waiting for a person's decision."""
    from autonet.platform.service import read_status

    pending = read_status(state_dir)["approvals"]
    if as_json:
        emit_json({"data": pending, "count": len(pending)})
        return
    rows = [
        (p["id"], ", ".join(p["requests"]) or "-", "; ".join(p["reasons"])[:70],
         "; ".join(f"{a['kind']} {a['target']}" for c in p["proposed"] for a in c["actions"])[:50])
        for p in pending
    ]  # fmt: skip
    console.print(table("pending approvals", ["id", "requests", "why", "proposed"], rows))
    if pending:
        console.print("decide with: autonet approvals decide ID --approve|--deny --by NAME")


@app.command("decide")
@cli_errors
def decide(
    approval_id: Annotated[str, typer.Argument(help="The approval's id (see approvals list).")],
    by: Annotated[str, typer.Option("--by", help="Who decides.")],
    approve: Annotated[bool, typer.Option("--approve", help="Approve the change.")] = False,
    deny: Annotated[bool, typer.Option("--deny", help="Deny the change.")] = False,
    comment: Annotated[str, typer.Option(help="Why.")] = "",
    state_dir: Annotated[Path | None, STATE_DIR] = None,
    as_json: Annotated[bool, _JSON] = False,
) -> None:
    """Approve or deny a pending change; the run resumes at once."""
    from autonet.platform.service import NetworkSession

    if approve == deny:
        fail("give exactly one of --approve and --deny", 2)
    with NetworkSession.load(state_dir) as session:
        out = session.decide(approval_id, approve=approve, by=by, comment=comment)
    if as_json:
        emit_json(out)
    else:
        verb = "approved" if approve else "denied"
        console.print(f"{approval_id} {verb} by {by}; run is now {out['phase']}")
        for r in out["requests"]:
            console.print(f"  request {r['id']}: {r['status']}")
