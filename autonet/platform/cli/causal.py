"""CLI commands: learn the causal graph between alarm types from an alarm log and a topology."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from autonet.errors import NotFoundError
from autonet.platform.cli._output import cli_errors, console, emit_json, progress, table

if TYPE_CHECKING:
    from autonet.knowledge.causal import TopologicalHawkes

__all__ = ["app", "graph_document", "learn"]

app = typer.Typer(help="Alarm causal learning (topological Hawkes process).", no_args_is_help=True)


def graph_document(model: TopologicalHawkes, **meta: Any) -> dict[str, Any]:
    """The learned graph as a JSON-ready document (edge list plus adjacency matrix).

    ``adjacency[i][j] == 1`` means alarm ``labels[i]`` causes alarm ``labels[j]``; the labels
    are in the input's alarm-id order.
    """
    index = {label: k for k, label in enumerate(model.labels_)}
    edges = [
        {
            "cause": cause,
            "effect": effect,
            "strength": round(strength, 6),
            "explained_events": round(
                float(model.explained_events_[index[cause], index[effect]]), 3
            ),
            "likelihood_ratio": round(
                float(model.likelihood_ratio_[index[cause], index[effect]]), 3
            ),
        }
        for cause, effect, strength in model.edges()
    ]
    return {
        "labels": list(model.labels_),
        "edges": edges,
        "n_edges": len(edges),
        "adjacency": model.causal_matrix_.astype(int).tolist(),
        "orientation": "adjacency[cause][effect]",
        "n_events": model.n_events_,
        "params": model.get_params(),
        **meta,
    }


def _penalty(text: str) -> float | str:
    """``--penalty``: the word auto or a non-negative number."""
    if text.strip().lower() == "auto":
        return "auto"
    try:
        value = float(text)
    except ValueError:
        raise typer.BadParameter(
            f"{text!r} is neither 'auto' nor a number", param_hint="--penalty"
        ) from None
    if not value >= 0.0:
        raise typer.BadParameter(f"{text!r} must be >= 0", param_hint="--penalty")
    return value


@app.command("learn")
@cli_errors
def learn(
    alarms: Annotated[
        Path,
        typer.Option("--alarms", help="Alarm log CSV: alarm_id, device_id, start_timestamp."),
    ],
    topology: Annotated[
        Path,
        typer.Option(
            "--topology",
            help="Device adjacency: square .npy/.csv matrix or CSV edge list (source,target).",
        ),
    ],
    prior: Annotated[
        Path | None,
        typer.Option(
            "--prior", help="Prior .npy (row cause, column effect): 1 required, 0 forbidden."
        ),
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write the graph as JSON to this file.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    max_hop: Annotated[
        int, typer.Option("--max-hop", min=0, max=10, help="Topological reach of a cause.")
    ] = 2,
    window: Annotated[
        float, typer.Option("--window", min=1e-9, help="Kernel window in seconds.")
    ] = 600.0,
    decay: Annotated[
        float, typer.Option("--decay", min=1e-9, help="Kernel decay rate (1/s).")
    ] = 0.01,
    penalty: Annotated[
        str,
        typer.Option(
            "--penalty",
            help="Edge penalty: 'auto' (chosen by held-out likelihood on the same log) or a "
            "BIC multiplier >= 0 (1 = plain BIC).",
        ),
    ] = "auto",
    acyclic: Annotated[bool, typer.Option("--acyclic", help="Break cycles: return a DAG.")] = False,
) -> None:
    """Learn the causal graph between alarm types (row = cause, column = effect)."""
    if out is not None and not out.parent.is_dir():
        raise NotFoundError(f"--out: folder {out.parent} does not exist")
    from autonet.knowledge.causal import TopologicalHawkes, load_alarm_log

    penalty_value = _penalty(penalty)
    started = time.perf_counter()
    log = load_alarm_log(alarms, topology, prior)
    model = TopologicalHawkes(
        max_hop=max_hop, window=window, decay=decay, penalty=penalty_value, acyclic=acyclic
    )
    with progress(enabled=not as_json) as bar:
        task = bar.add_task("fitting alarm types", total=log.n_types)
        model.fit(log, progress=lambda done, total: bar.update(task, completed=done))
    doc = graph_document(
        model,
        n_types=log.n_types,
        n_devices=log.n_devices,
        prior=str(prior) if prior is not None else None,
        seconds=round(time.perf_counter() - started, 3),
    )
    if out is not None:
        out.write_text(json.dumps(doc, indent=2) + "\n")
    if as_json:
        emit_json(doc)
        return
    rows = [
        (e["cause"], e["effect"], e["strength"], e["explained_events"], e["likelihood_ratio"])
        for e in doc["edges"]
    ]
    console.print(
        table(
            f"{doc['n_edges']} causal edges among {log.n_types} alarm types "
            f"({log.n_events} events, {log.n_devices} devices, {doc['seconds']:.1f} s)",
            ["cause", "effect", "strength", "explained", "LR"],
            rows,
        )
    )
    if out is not None:
        console.print(f"graph written to {out}")
