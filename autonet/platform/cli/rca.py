"""CLI commands: rca (rank root-cause hypotheses for the alarms of a window)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from autonet.errors import BadInputError, NotFoundError
from autonet.platform.cli._output import cli_errors, console, emit_json, table

__all__ = ["app", "rca", "read_priors"]


app = typer.Typer()


def read_priors(path: Path) -> Any:
    """Alarm-type priors: a square ``.npy`` matrix (types ``0..n-1``) or a ``.csv`` matrix.

    A CSV matrix has the cause types as its first column and the effect types as its header.

    Raises:
        NotFoundError: no such file.
        BadInputError: another extension, or a file that is not a matrix.
    """
    import numpy as np
    import pandas as pd

    if not path.is_file():
        raise NotFoundError(f"priors {str(path)!r} does not exist")
    suffix = path.suffix.lower()
    if suffix == ".npy":
        try:
            return np.load(path, allow_pickle=False)
        except (ValueError, OSError) as exc:
            raise BadInputError(f"priors {path.name}: not a numpy array file ({exc})") from None
    if suffix == ".csv":
        try:
            return pd.read_csv(path, index_col=0)
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
            raise BadInputError(f"priors {path.name}: not a readable CSV ({exc})") from None
    raise BadInputError(f"priors {path.name}: unknown extension {suffix!r}; expected .npy or .csv")


def _span(frame: Any) -> str:
    from autonet.knowledge.rca.explain import format_time
    from autonet.knowledge.rca.symptoms import to_seconds

    col = "raised_at" if "raised_at" in frame.columns else "start_timestamp"
    times = [to_seconds(v, f"alarm log row {i + 1}, field {col}") for i, v in enumerate(frame[col])]
    return f"{format_time(min(times))} .. {format_time(max(times))}"


@app.command("rca")
@cli_errors
def rca(
    alarms: Annotated[
        Path,
        typer.Option(
            "--alarms",
            help="Alarm log CSV: alarm_type,node,raised_at[,alarm_id] (twin) or "
            "alarm_id,device_id,start_timestamp (../shared/data/alarms).",
        ),
    ],
    topology: Annotated[
        Path,
        typer.Option("--topology", help="Topology: .npy adjacency, .graphml, or edge-list .csv."),
    ],
    window: Annotated[
        str | None,
        typer.Option(
            "--window",
            help="Only alarms raised in START:END (seconds; either side may be empty) "
            "or START/END (ISO times).",
        ),
    ] = None,
    priors: Annotated[
        Path | None,
        typer.Option("--priors", help="Alarm-type causal strengths in [0, 1]: .npy or .csv."),
    ] = None,
    max_hypotheses: Annotated[
        int, typer.Option("--max-hypotheses", min=1, help="How many hypotheses to list.")
    ] = 5,
    window_s: Annotated[
        float,
        typer.Option(
            "--window-s", min=0.001, help="Seconds after a root alarm its symptoms may arrive."
        ),
    ] = 300.0,
    max_hops: Annotated[
        int,
        typer.Option("--max-hops", min=0, help="Plain graphs: reach of an alarm's effects."),
    ] = 1,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Rank root-cause hypotheses (node, fault type, score, evidence) for an alarm window."""
    from autonet.knowledge.rca import (
        RCAInputError,
        RootCauseLocator,
        parse_window,
        read_alarm_log,
        read_topology,
        select_window,
    )

    log = read_alarm_log(alarms)
    if log.empty:
        raise RCAInputError(f"alarm log {alarms.name} has no rows")
    graph = read_topology(topology)
    start, end = parse_window(window) if window else (None, None)
    selected = select_window(log, start, end)
    if selected.empty:
        raise RCAInputError(
            f"no alarms in window {window!r}; the log {alarms.name} spans {_span(log)}"
        )
    locator = RootCauseLocator(
        max_hypotheses=max_hypotheses,
        window_s=window_s,
        priors=read_priors(priors) if priors is not None else None,
        max_hops=max_hops,
    ).fit(graph)
    found = locator.locate(selected)
    if as_json:
        emit_json(
            {
                "alarms": len(selected),
                "window": {"start": start, "end": end},
                "hypotheses": [h.as_dict() for h in found],
            }
        )
        return
    rows = [
        (
            h.rank,
            h.node,
            h.fault_type,
            h.domain,
            h.score,
            len(h.explained),
            "\n".join(h.evidence),
        )
        for h in found
    ]
    out = table(
        f"Root-cause hypotheses for {len(selected)} alarm(s)" + (f" in {window}" if window else ""),
        ("#", "root", "fault type", "domain", "score", "explains", "evidence"),
        rows,
    )
    for col in out.columns[1:4] + out.columns[-1:]:
        col.justify = "left"
    for col in out.columns[1:3]:
        col.no_wrap = True  # ids stay whole; the evidence column folds instead
    out.columns[-1].overflow = "fold"
    console.print(out)
