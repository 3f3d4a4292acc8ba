"""CLI commands: forecast a KPI counter from a long CSV/Parquet file."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from autonet.errors import BadInputError, NotFoundError
from autonet.platform.cli._output import bad_input, cli_errors, console, emit_json, progress, table

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["app", "forecast", "read_kpi_file"]

app = typer.Typer()

_COLUMNS = ("time", "object", "counter", "value")
_MODELS = ("hgb", "seasonal-naive", "ets")


def read_kpi_file(path: Path, counter: str) -> pd.DataFrame:
    """Rows of ``counter`` from a KPI file, long or wide.

    Long: columns time, object, counter, value (the operator import format). Wide: columns
    time, an object column (``object`` or ``cell``, as ``autonet twin simulate --out`` writes)
    and one column per counter.

    Raises:
        NotFoundError: the file does not exist.
        BadInputError: unsupported extension, unreadable file, missing columns or unknown
            counter.
    """
    import pandas as pd

    if not path.is_file():
        raise NotFoundError(f"KPI file {path} does not exist")
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            frame = pd.read_csv(path)
        elif suffix in (".parquet", ".pq"):
            frame = pd.read_parquet(path)
        else:
            raise BadInputError(
                f"{path}: expected a .csv or .parquet file, got {suffix or 'no suffix'!r}"
            )
    except (pd.errors.ParserError, pd.errors.EmptyDataError, OSError) as exc:
        raise BadInputError(f"{path}: cannot read it as {suffix[1:]}: {exc}") from exc
    wide_key = next((c for c in ("object", "cell") if c in frame.columns), None)
    if "counter" not in frame.columns and "time" in frame.columns and wide_key is not None:
        if counter not in frame.columns:
            known = [str(c) for c in frame.columns if c not in ("time", wide_key)][:20]
            raise BadInputError(
                f"{path}: no column for counter {counter!r}; counters present: {known}"
            )
        wide = frame[["time", wide_key, counter]]
        return wide.set_axis(["time", "object", "value"], axis=1).reset_index(drop=True)
    missing = [c for c in _COLUMNS if c not in frame.columns]
    if missing:
        raise BadInputError(
            f"{path}: missing column {missing[0]!r}; expected columns {list(_COLUMNS)}, "
            f"found {list(map(str, frame.columns))}"
        )
    rows = frame[frame["counter"] == counter]
    if rows.empty:
        known = sorted(map(str, frame["counter"].dropna().unique()))[:20]
        raise BadInputError(f"{path}: no rows for counter {counter!r}; counters present: {known}")
    return rows[["time", "object", "value"]].reset_index(drop=True)


@app.command("forecast")
@cli_errors
def forecast(
    kpis: Annotated[
        Path,
        typer.Option(
            "--kpis", help="Long KPI file: time, object, counter, value (.csv or .parquet)."
        ),
    ],
    counter: Annotated[
        str, typer.Option("--counter", help="Counter to forecast, e.g. RRU.PrbUsedDl.")
    ],
    horizon: Annotated[
        str, typer.Option("--horizon", help="How far ahead, e.g. 24h or 90min.")
    ] = "24h",
    model: Annotated[
        str,
        typer.Option("--model", help="hgb (global gradient boosting), seasonal-naive or ets."),
    ] = "hgb",
    seed: Annotated[int, typer.Option("--seed", help="Random seed of the global model.")] = 0,
    out: Annotated[
        Path | None, typer.Option("--out", help="Also write the forecast as CSV here.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Fit a forecaster on a KPI counter's history and forecast P10/P50/P90 per object."""
    import pandas as pd

    from autonet.knowledge.forecast import GlobalKpiForecaster, make_forecaster

    if model not in _MODELS:
        raise BadInputError(f"--model: expected one of {', '.join(_MODELS)}, got {model!r}")
    if out is not None and out.suffix.lower() != ".csv":
        raise BadInputError(f"--out: expected a .csv path, got {out}")
    with progress(enabled=not as_json) as bar:
        task = bar.add_task(f"forecast {counter}", total=3)
        history = read_kpi_file(kpis, counter)
        bar.advance(task)
        # the estimators validate the horizon and the series against the data: a ValueError
        # from them is the user's input (a bad --horizon, a series too short), not a bug
        with bad_input():
            estimator = make_forecaster(model, random_state=seed)
            if isinstance(estimator, GlobalKpiForecaster):
                estimator.set_params(max_horizon=horizon)
            estimator.fit(history)
            bar.advance(task)
            result = estimator.predict(history, horizon)
            bar.advance(task)
    if out is not None:
        result.to_csv(out, index=False)
    times = [t.isoformat() for t in pd.DatetimeIndex(result["time"])]
    objects = [str(o) for o in result["object"]]
    quantiles = result[["p10", "p50", "p90"]].to_numpy(dtype=float)
    if as_json:
        emit_json(
            {
                "counter": counter,
                "model": model,
                "horizon": horizon,
                "period": str(estimator.period_),
                "forecast": [
                    {"time": t, "object": o, "p10": q[0], "p50": q[1], "p90": q[2]}
                    for t, o, q in zip(times, objects, quantiles.tolist(), strict=True)
                ],
            }
        )
        return
    shown = min(len(result), 200)
    rows = [(objects[i], times[i], *quantiles[i].tolist()) for i in range(shown)]
    title = f"{counter} forecast ({model}, {horizon})"
    console.print(table(title, ("object", "time", "p10", "p50", "p90"), rows))
    if len(result) > shown:
        console.print(f"... {len(result) - shown} more rows (use --out or --json)")
