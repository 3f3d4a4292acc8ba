"""CLI commands: route (send one request through AgentGate and show the decision)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Any

import typer

from autonet.errors import BadInputError, UnavailableError
from autonet.platform.cli._output import (
    EXIT_USAGE,
    bad_input,
    cli_errors,
    console,
    emit_json,
    fail,
)

if TYPE_CHECKING:
    from rich.panel import Panel

__all__ = ["app", "render_decision", "route"]


app = typer.Typer()


def render_decision(decision: Any) -> Panel:
    """A Rich panel of a RouteDecision: action, agent, arguments, plan, confidence, safeguards."""
    from rich.panel import Panel
    from rich.table import Table

    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()
    grid.add_row("action", decision.action.value)
    if decision.agent:
        grid.add_row("agent", decision.agent)
    if decision.arguments:
        grid.add_row("arguments", json.dumps(decision.arguments, ensure_ascii=False))
    for i, step in enumerate(decision.plan, 1):
        grid.add_row(f"step {i}", f"{step.agent} {json.dumps(step.arguments, ensure_ascii=False)}")
    s2 = "-" if decision.stage2_confidence is None else f"{decision.stage2_confidence:.2f}"
    grid.add_row(
        "confidence",
        f"{decision.confidence:.2f} (stage I {decision.stage1_confidence:.2f}, stage II {s2})",
    )
    if decision.answer:
        grid.add_row("answer", decision.answer)
    grid.add_row("rationale", decision.rationale or "-")
    grid.add_row("safeguards", ", ".join(decision.safeguards) or "none")
    stages = ", ".join(
        f"{k.removesuffix('_ms')} {v:.2f}" for k, v in decision.stage_latency_ms.items()
    )
    grid.add_row("latency", f"{decision.latency_ms:.2f} ms" + (f" ({stages})" if stages else ""))
    grid.add_row("backend", decision.backend)
    colour = {"CALL_AGENT": "green", "MULTI_AGENT_PLAN": "cyan", "DIRECT_ANSWER": "blue"}
    return Panel(grid, title="AgentGate route", border_style=colour.get(decision.action, "red"))


def _check_backend_answered(decision: Any, settings: Any) -> None:
    """Exit 5 when the routing backend that decided could not be reached.

    AgentGate never raises for a failing backend: it falls back to a safe decision with
    confidence 0 and a ``stage1_failure`` safeguard (the paper's Eq. 15). For a person at the
    command line that decision is no answer at all; the LLM endpoint is down.

    Raises:
        UnavailableError: The final decision is an LLM backend's failure.
    """
    if "stage1_failure" not in decision.safeguards or not decision.backend.startswith("llm"):
        return
    url = (
        settings.llm_fallback_base_url
        if decision.backend == "llm-fallback"
        else settings.llm_base_url
    )
    raise UnavailableError(
        f"the routing backend {decision.backend!r} at {url} did not answer "
        f"({decision.rationale}); start the OpenAI-compatible server (deploy/vllm/serve.sh), "
        "fix AUTONET_LLM_BASE_URL, or use --backend embedded"
    )


def _knowledge_answer(text: str) -> str | None:
    """A DIRECT decision answered from the domain knowledge base (KPIs, playbooks, glossary)."""
    from autonet.knowledge.domain import default_knowledge_base

    answer = default_knowledge_base().answer(text)
    if answer is None:
        return None
    return f"{answer.text} (source: {answer.source})"


@app.command("route")
@cli_errors
def route(
    text: Annotated[str, typer.Argument(help="The request, in plain language.")],
    role: Annotated[
        str, typer.Option("--role", help="Caller role: viewer, operator, engineer, admin.")
    ] = "operator",
    backend: Annotated[
        str | None,
        typer.Option("--backend", help="embedded or llm (default: AUTONET_GATE_BACKEND)."),
    ] = None,
    context: Annotated[
        str | None,
        typer.Option("--context", help='Caller context as JSON, e.g. \'{"region": "north"}\'.'),
    ] = None,
    candidates: Annotated[
        str | None,
        typer.Option("--candidates", help="Comma-separated agent names to restrict to."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the decision as JSON.")] = False,
) -> None:
    """Route one request through AgentGate and print the decision."""
    from autonet.platform.config import get_settings
    from autonet.platform.gate.cards import ROLES
    from autonet.platform.gate.decision import RouteAction
    from autonet.platform.gate.factory import build_gate

    if role not in ROLES:
        fail(f"unknown role {role!r}; expected one of: {', '.join(ROLES)}", EXIT_USAGE)
    if backend is not None and backend not in ("embedded", "llm"):
        fail(f"unknown backend {backend!r}; expected embedded or llm", EXIT_USAGE)
    ctx: dict[str, Any] = {}
    if context is not None:
        try:
            ctx = json.loads(context)
        except json.JSONDecodeError as exc:
            raise BadInputError(
                f"--context is not valid JSON ({exc.msg}); expected an object"
            ) from None
        if not isinstance(ctx, dict):
            raise BadInputError('--context must be a JSON object, e.g. \'{"region": "north"}\'')
    settings = get_settings()
    if backend is not None:
        settings = settings.model_copy(update={"gate_backend": backend})
    with bad_input():  # the settings' backend choice is checked when the gate is built
        gate = build_gate(settings)
    names = [c.strip() for c in candidates.split(",") if c.strip()] if candidates else None
    decision = gate.route(text, role=role, context=ctx, candidates=names)
    _check_backend_answered(decision, settings)
    if decision.action == RouteAction.DIRECT_ANSWER and decision.answer is None:
        decision.answer = _knowledge_answer(text)
    if as_json:
        emit_json(decision.model_dump(mode="json"))
    else:
        console.print(render_decision(decision))
