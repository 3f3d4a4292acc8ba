"""CLI commands: ``autonet gate eval | export-sft | dataset`` (the routing benchmark)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from autonet.platform.cli._output import (
    EXIT_NOT_FOUND,
    bad_input,
    cli_errors,
    console,
    emit_json,
    err_console,
    fail,
    table,
)

__all__ = ["app", "dataset_cmd", "eval_cmd", "export_sft_cmd"]


app = typer.Typer(help="AgentGate's routing benchmark: evaluate, export, dataset.")

_SPLITS = ("train", "val", "test")
_EXTERNAL = ("none", "bfcl", "ibn", "teleqna", "all")
_TARGETS = {
    "action_accuracy": 0.97,
    "agent_accuracy": 0.95,
    "argument_exact_match": 0.95,
    "plan_exact_match": 0.90,
    "escalation_precision": 1.0,
    "escalation_recall": 0.98,
    "json_validity": 1.0,
}


def _check_choice(value: str, choices: tuple[str, ...], option: str) -> str:
    if value not in choices:
        raise typer.BadParameter(f"{value!r} is not one of {', '.join(choices)}", param_hint=option)
    return value


def _gate(backend: str) -> Any:
    from autonet.platform.config import get_settings
    from autonet.platform.gate.catalog import benchmark_registry
    from autonet.platform.gate.router import build_gate

    settings = get_settings().model_copy(update={"gate_backend": backend})
    with bad_input():  # the settings' backend choice is checked when the gate is built
        # the benchmark routes over its own cards: the default ones and its distractors
        return build_gate(settings, registry=benchmark_registry())


def _router_factory(gate: Any) -> Any:
    """Routers over other registries (external sets) sharing the gate's trained backend."""
    from autonet.platform.gate.router import AgentGate

    def make(registry: Any) -> Any:
        return AgentGate(
            registry, backend=gate.backend, fallback=gate.fallback, threshold=gate.threshold
        )

    return make


def _external(which: str, gate: Any, limit: int | None) -> dict[str, float]:
    from autonet.platform.config import shared_data_dir
    from autonet.platform.gate import external

    root = shared_data_dir()
    if root is None:
        fail(
            "the external data folder ../shared/data (or $AUTONET_SHARED_DATA) was not found",
            EXIT_NOT_FOUND,
        )
    routing = root / "routing"
    out: dict[str, float] = {}
    make = _router_factory(gate)
    if which in ("bfcl", "all"):
        out |= external.evaluate_bfcl(routing / "bfcl", make, limit=limit)
    if which in ("ibn", "all"):
        out |= external.evaluate_ibn(routing / "ibn", make, limit=limit)
    if which in ("teleqna", "all"):
        out |= external.evaluate_teleqna(
            routing / "teleqna" / "TeleQnA.jsonl", gate, limit=limit or 1000
        )
    return out


@app.command("eval")
@cli_errors
def eval_cmd(
    split: Annotated[str, typer.Option(help="Dataset split: train, val or test.")] = "test",
    backend: Annotated[str, typer.Option(help="Edge backend: embedded or llm.")] = "embedded",
    external: Annotated[
        str, typer.Option(help="Also run a real external set: none, bfcl, ibn, teleqna, all.")
    ] = "none",
    limit: Annotated[
        int | None, typer.Option(min=1, help="At most this many instances per set.")
    ] = None,
    errors_out: Annotated[
        Path | None, typer.Option("--errors", help="Write the misrouted instances (JSONL).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Route every instance of a split and report the paper's metrics."""
    from autonet.platform.gate.dataset import load_split
    from autonet.platform.gate.evaluate import evaluate

    _check_choice(split, _SPLITS, "--split")
    _check_choice(backend, ("embedded", "llm"), "--backend")
    _check_choice(external, _EXTERNAL, "--external")
    gate = _gate(backend)
    records = load_split(split)[:limit]
    report = evaluate(gate, records)
    metrics = dict(report.metrics)
    if external != "none":
        metrics |= _external(external, gate, limit)
    if errors_out is not None:
        with errors_out.open("w", encoding="utf-8") as fh:
            for item in report.errors():
                fh.write(json.dumps(item, ensure_ascii=False) + "\n")
    if as_json:
        emit_json({"split": split, "backend": backend, "metrics": metrics, "by_tag": report.by_tag})
        return
    rows = [
        (name, value, _TARGETS.get(name, ""), _verdict(name, value))
        for name, value in metrics.items()
    ]
    console.print(
        table(f"AgentGate on {split} ({backend})", ("metric", "value", "target", ""), rows)
    )
    if errors_out is not None:
        err_console.print(f"{len(report.errors())} misrouted instances written to {errors_out}")


@app.command("export-sft")
@cli_errors
def export_sft_cmd(
    out: Annotated[Path, typer.Option(help="Output JSONL file.")],
    split: Annotated[str, typer.Option(help="Dataset split: train, val or test.")] = "train",
) -> None:
    """Write the candidate-aware chat-format SFT set (loss on the output only)."""
    from autonet.platform.gate.dataset import load_split
    from autonet.platform.gate.sft import export_sft

    _check_choice(split, _SPLITS, "--split")
    count = export_sft(load_split(split), out)
    console.print(f"wrote {count} examples to {out}")


@app.command("dataset")
@cli_errors
def dataset_cmd(
    out: Annotated[Path, typer.Option(help="Folder for train/val/test JSONL files.")],
) -> None:
    """Write the routing dataset (3,200 instances, 2,400 / 400 / 400) as JSON lines."""
    from autonet.platform.gate.dataset import write_dataset

    for split, path in write_dataset(out).items():
        console.print(f"{split}: {path}")


def _verdict(name: str, value: float) -> str:
    target = _TARGETS.get(name)
    if target is None:
        return ""
    return "[green]met[/]" if value >= target else "[red]missed[/]"
