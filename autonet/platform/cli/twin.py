"""CLI commands: twin (``autonet twin simulate``)."""

from __future__ import annotations

import inspect
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer

from autonet.platform.cli._output import (
    EXIT_INPUT,
    EXIT_NOT_FOUND,
    cli_errors,
    console,
    emit_json,
    fail,
    progress,
    table,
)

__all__ = ["FaultSpec", "app", "counters", "parse_fault", "simulate"]

app = typer.Typer(help="The digital twin: simulate the network.", no_args_is_help=True)

STEPS_PER_DAY = 96  # 15-minute steps
MAX_SITES = 200_000
MAX_DAYS = 366.0


@dataclass(frozen=True)
class FaultSpec:
    """A ``--fault TYPE@TARGET[@START_HOUR[:DURATION_H]]`` option, parsed."""

    fault_type: str
    target: str
    start_hour: float = 0.0
    duration_h: float | None = None


def _hours(text: str, what: str, spec: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise typer.BadParameter(f"{what} {text!r} in {spec!r} is not a number of hours") from None
    if not math.isfinite(value) or value < 0:
        raise typer.BadParameter(f"{what} in {spec!r} must be a number of hours >= 0")
    return value


def parse_fault(spec: str) -> FaultSpec:
    """Parse ``TYPE@TARGET[@START_HOUR[:DURATION_H]]`` (hours from the simulation start).

    Raises:
        typer.BadParameter: Malformed spec or an unknown fault type (naming the known ones).
    """
    from autonet.twin.events import FAULT_TYPES

    parts = spec.split("@")
    if len(parts) not in (2, 3) or not parts[0] or not parts[1]:
        raise typer.BadParameter(
            f"{spec!r} is not TYPE@TARGET[@START_HOUR[:DURATION_H]] (e.g. fibre_cut@AGG1--CR1@8:2)"
        )
    if parts[0] not in FAULT_TYPES:
        raise typer.BadParameter(
            f"unknown fault type {parts[0]!r} in {spec!r}; expected one of {list(FAULT_TYPES)}"
        )
    start, duration = 0.0, None
    if len(parts) == 3:
        when, colon, length = parts[2].partition(":")
        start = _hours(when, "START_HOUR", spec)
        if colon and not length:
            raise typer.BadParameter(f"DURATION_H is missing after ':' in {spec!r}")
        if length:
            duration = _hours(length, "DURATION_H", spec)
            if duration == 0:
                raise typer.BadParameter(f"DURATION_H in {spec!r} must be > 0 hours")
    return FaultSpec(parts[0], parts[1], start, duration)


def _faults(values: list[str] | None) -> list[FaultSpec]:
    return [parse_fault(v) for v in values or []]


def _check_sites(value: int) -> int:
    if not 1 <= value <= MAX_SITES:
        raise typer.BadParameter(f"must be in 1..{MAX_SITES} (got {value})")
    return value


def _check_days(value: float) -> float:
    if not math.isfinite(value) or not 0 < value <= MAX_DAYS:
        raise typer.BadParameter(f"must be a number of days in (0, {MAX_DAYS:g}] (got {value})")
    if round(value * STEPS_PER_DAY) < 1:
        raise typer.BadParameter(f"{value} days is less than one 15-minute step")
    return value


def _check_seed(value: int) -> int:
    if value < 0:
        raise typer.BadParameter(f"must be an integer >= 0 (got {value})")
    return value


def _check_backbone(value: str | None) -> str | None:
    if value is not None and not value.strip():
        raise typer.BadParameter("must name a backbone (e.g. Geant2012, germany50), got ''")
    return value


def _check_out(out: Path | None) -> None:
    if out is None:
        return
    if out.suffix.lower() not in (".parquet", ".csv"):
        fail(f"--out {str(out)!r}: expected a .parquet or .csv file name", EXIT_INPUT)
    parent = out.parent if str(out.parent) else Path(".")
    if not parent.is_dir():
        fail(f"--out {str(out)!r}: folder {str(parent)!r} does not exist", EXIT_NOT_FOUND)
    if (
        out.is_dir()
        or not os.access(parent, os.W_OK)
        or (out.exists() and not os.access(out, os.W_OK))
    ):
        fail(f"--out {str(out)!r}: cannot write there (permission or a folder)", EXIT_INPUT)


def _schedule(faults: list[FaultSpec], steps: int) -> list[tuple[FaultSpec, int, int | None]]:
    """Each fault with its first step and the step it clears at (None: runs to the end).

    Exits with EXIT_INPUT for a fault starting after the run, or the same fault type on the
    same target twice at overlapping times (the second could not be injected).
    """
    out: list[tuple[FaultSpec, int, int | None]] = []
    for f in faults:
        first = round(f.start_hour * 4)
        if first >= steps:
            fail(f"--fault {f.fault_type}@{f.target}: starts at hour {f.start_hour:g}, after "
                 f"the simulation ends ({steps / 4:g} h)", EXIT_INPUT)  # fmt: skip
        last = None if f.duration_h is None else first + max(1, round(f.duration_h * 4))
        for g, g_first, g_last in out:
            if (g.fault_type, g.target) == (f.fault_type, f.target) and (
                (g_last is None or first < g_last) and (last is None or g_first < last)
            ):
                fail(f"--fault {f.fault_type}@{f.target} is given twice at overlapping times "
                     f"(from hour {g_first / 4:g} and from hour {first / 4:g}); a fault can "
                     "be active only once on a target", EXIT_INPUT)  # fmt: skip
        out.append((f, first, last))
    return out


def _load_backbone(name: str) -> Any:
    from autonet.platform.config import shared_data_dir
    from autonet.twin.backbone import load_backbone
    from autonet.twin.validate import TopologyError

    try:
        return load_backbone(name, data_dir=shared_data_dir())
    except TopologyError as exc:
        fail(f"--backbone {name!r}: {exc}", EXIT_NOT_FOUND)


@cli_errors
def simulate(
    sites: Annotated[
        int,
        typer.Option(
            "--sites", "-n", metavar="N", callback=_check_sites, help="Radio sites (3 cells each)."
        ),
    ] = 200,
    days: Annotated[
        float,
        typer.Option(
            "--days", "-d", metavar="D", callback=_check_days, help="Simulated days (15-min steps)."
        ),
    ] = 1.0,
    seed: Annotated[
        int,
        typer.Option(
            "--seed",
            "-s",
            metavar="S",
            callback=_check_seed,
            help="Seed of topology, traffic, faults (>= 0).",
        ),
    ] = 7,
    backbone: Annotated[
        str | None,
        typer.Option(
            "--backbone",
            metavar="NAME",
            callback=_check_backbone,
            help="Real backbone: Topology Zoo/SNDlib name, e.g. Geant2012.",
        ),
    ] = None,
    fault: Annotated[
        list[str] | None,
        typer.Option(
            "--fault",
            metavar="SPEC",
            help="TYPE@TARGET[@START_HOUR[:DURATION_H]], repeatable, "
            "e.g. cell_outage@S0001-C1@8:2.",
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            metavar="FILE",
            help="Write cell KPIs (time, cell, counters) to .parquet/.csv.",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Simulate a synthetic network for some days and summarise its KPIs.

    Fault types: cell_outage (a cell id), site_power_failure (a site id), fibre_cut and
    link_congestion (a link id), interference and misconfiguration (a cell id), upf_overload
    (a UPF id). START_HOUR counts from the simulation start; without DURATION_H the fault
    lasts to the end. Link ids are 'A--B' (either order). Exit codes: 0 done; 2 an unknown
    option or a malformed/out-of-range option value (--sites, --days, --seed, --fault syntax);
    3 a fault whose target does not exist or whose timing is impossible, or an --out name that
    is not .parquet/.csv or not writable; 4 an unknown backbone or a missing --out folder.
    """
    from autonet.twin.engine import Twin
    from autonet.twin.topology import build_topology

    faults = _faults(fault)
    _check_out(out)
    steps = round(days * STEPS_PER_DAY)
    schedule = _schedule(faults, steps)
    bb = _load_backbone(backbone) if backbone is not None else None
    with progress(enabled=not as_json) as bar:
        task = bar.add_task("building topology", total=None)
        graph = build_topology(n_sites=sites, seed=seed, backbone=bb)
        # keep every step's KPIs only for --out; the summary is accumulated step by step
        twin = Twin(graph, seed=seed, validate=False, record=out is not None)
        for f, _, _ in schedule:  # check every fault's target before simulating anything
            probe = twin.clone()
            probe.clear_fault(probe.inject_fault(f.fault_type, f.target).fault_id)
        due: dict[int, list[tuple[FaultSpec, int | None]]] = {}
        for f, first, last in schedule:
            due.setdefault(first, []).append((f, None if last is None else last - first))
        bar.update(task, description="simulating", total=steps, completed=0)

        def inject_due(k: int) -> None:
            for f, duration in due.get(k, []):
                twin.inject_fault(f.fault_type, f.target, duration_steps=duration)

        result = twin.run(steps, progress=lambda n: bar.advance(task, n), before_step=inject_due)
    summary: dict[str, Any] = {
        "cells": twin.compiled.n_cells,
        "sites": twin.compiled.n_sites,
        **{k: v for k, v in result.as_dict().items() if k not in ("start", "end")},
        "alarms_active_at_end": len(twin.active_alarms()),
    }
    summary["faults"] = [
        {"fault_id": r.fault_id, "type": r.fault_type, "root": r.root_node,
         "start": r.start, "end": r.end, "affected": len(r.affected)}
        for r in twin.faults
    ]  # fmt: skip
    if out is not None:
        frame = twin.kpis("wide").reset_index()
        if out.suffix.lower() == ".parquet":
            frame.to_parquet(out, index=False)
        else:
            frame.to_csv(out, index=False)
        summary["out"] = str(out)
    if as_json:
        emit_json(summary)
        return
    rows = {k: v for k, v in summary.items() if k != "faults"}
    console.print(table("twin simulate", ("metric", "value"), rows))
    if summary["faults"]:
        console.print(
            table(
                "faults",
                ("fault", "type", "root", "start", "end", "affected"),
                [tuple(f.values()) for f in summary["faults"]],
            )
        )


@cli_errors
def counters(
    as_json: Annotated[bool, typer.Option("--json", help="Print the table as JSON.")] = False,
) -> None:
    """List the counters the twin reports: name, unit, level and definition."""
    from autonet.twin.kpis import counter_table

    frame = counter_table()
    if as_json:
        emit_json(frame.to_dict(orient="records"))
        return
    rows = frame[["name", "unit", "level", "description"]].itertuples(index=False)
    out = table("twin counters", ("name", "unit", "level", "definition"), list(rows))
    for column in out.columns:
        column.justify = "left"
    console.print(out)


def _flow(doc: str | None) -> str:
    """A docstring as help text: paragraphs kept, the source's line breaks inside them joined."""
    paragraphs = inspect.cleandoc(doc or "").split("\n\n")
    return "\n\n".join(" ".join(p.split()) for p in paragraphs)


app.command("simulate", help=_flow(simulate.__doc__))(simulate)
app.command("counters", help=_flow(counters.__doc__))(counters)
