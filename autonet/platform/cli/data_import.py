"""CLI commands: ``autonet import topology|kpis|alarms FILE`` into the memory database."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from autonet.platform.cli._output import (
    EXIT_INPUT,
    EXIT_UNAVAILABLE,
    bad_input,
    cli_errors,
    console,
    emit_json,
    err_console,
    fail,
    progress,
    table,
)

if TYPE_CHECKING:
    from autonet.knowledge.io import ImportReport, ImportValidationError, ProgressCallback

__all__ = ["alarms", "app", "kpis", "topology"]

app = typer.Typer(
    name="import",
    help="Import operator data (topology, KPI series, alarm logs) into the memory database.",
    no_args_is_help=True,
)

_SHOWN_ERRORS = 50

FileArg = Annotated[
    Path,
    typer.Argument(help="The file to import.", exists=False, dir_okay=False, show_default=False),
]
DbOpt = Annotated[
    str | None,
    typer.Option(
        "--db", help="Database URL; default: AUTONET_DATABASE_URL or a SQLite file in AUTONET_HOME."
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the result as JSON on stdout.")]
NodeCheckOpt = Annotated[
    bool,
    typer.Option(
        "--node-check/--no-node-check",
        help="Refuse objects/nodes absent from the newest imported topology (when there is one).",
    ),
]


@contextmanager
def _bar(enabled: bool, label: str) -> Iterator[ProgressCallback]:
    with progress(enabled) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


def _run(
    kind: str, file: Path, db: str | None, as_json: bool, call: Callable[..., ImportReport]
) -> None:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import OperationalError

    from autonet.knowledge.io import ImportValidationError
    from autonet.knowledge.memory import init_db
    from autonet.platform.config import get_settings

    url = db or get_settings().resolved_database_url
    try:
        with bad_input("--db"):  # init_db validates the URL's dialect
            engine = init_db(url)
    except OperationalError as exc:
        where = make_url(url).render_as_string(hide_password=True)
        fail(f"database {where} is not reachable: {exc.orig}", EXIT_UNAVAILABLE)
    try:
        with _bar(not as_json, f"importing {kind}") as update:
            report = call(engine, file, progress=update)
    except ImportValidationError as exc:
        _report_errors(exc, as_json)
        raise typer.Exit(EXIT_INPUT) from exc
    finally:
        engine.dispose()
    if as_json:
        emit_json({"ok": True, **report.as_dict()})
        return
    rows: dict[str, Any] = {
        "batch": report.batch_id,
        "format": report.file_format,
        **{f"rows in {name}": count for name, count in report.counts.items()},
        "seconds": report.seconds,
        "rows/s": report.rows_per_s,
    }
    console.print(table(f"Imported {kind} from {file}", ("", ""), rows))
    for note in report.notes:
        err_console.print(f"[yellow]note:[/] {note}", markup=True, highlight=False)


def _report_errors(exc: ImportValidationError, as_json: bool) -> None:
    if as_json:
        emit_json(
            {
                "ok": False,
                "source": exc.source,
                "error_count": len(exc.errors),
                "errors": [e.as_dict() for e in exc.errors],
            }
        )
        return
    shown = exc.errors[:_SHOWN_ERRORS]
    rows = [
        (
            "-" if e.row is None else e.row,
            "-" if e.line is None else e.line,
            e.field or "-",
            "-" if e.value is None else e.value,
            e.reason,
        )
        for e in shown
    ]
    title = f"{exc.source}: {len(exc.errors)} problem(s), nothing imported"
    err_console.print(table(title, ("row", "line", "field", "value", "reason"), rows))
    if len(exc.errors) > len(shown):
        err_console.print(f"... and {len(exc.errors) - len(shown)} more (use --json for all)")


@app.command("topology")
@cli_errors
def topology(
    file: FileArg,
    db: DbOpt = None,
    as_json: JsonOpt = False,
    file_format: Annotated[
        str | None,
        typer.Option("--format", help="graphml, edgelist or adjacency; default: by suffix."),
    ] = None,
) -> None:
    """Import a topology: GraphML, edge-list CSV (source,target,...) or adjacency .npy."""
    from autonet.knowledge.io import import_topology

    _run(
        "topology",
        file,
        db,
        as_json,
        lambda engine, path, progress: import_topology(
            engine, path, file_format=file_format, progress=progress
        ),
    )


@app.command("kpis")
@cli_errors
def kpis(
    file: FileArg,
    db: DbOpt = None,
    as_json: JsonOpt = False,
    node_check: NodeCheckOpt = True,
    sorted_: Annotated[
        bool,
        typer.Option(
            "--require-sorted/--any-order",
            help="Each series' times must increase down the file (else only duplicates fail).",
        ),
    ] = True,
) -> None:
    """Import KPI samples in long format: time,object,counter,value (CSV or Parquet)."""
    from autonet.knowledge.io import import_kpis

    _run(
        "kpis",
        file,
        db,
        as_json,
        lambda engine, path, progress: import_kpis(
            engine, path, require_sorted=sorted_, check_nodes=node_check, progress=progress
        ),
    )


@app.command("alarms")
@cli_errors
def alarms(
    file: FileArg,
    db: DbOpt = None,
    as_json: JsonOpt = False,
    node_check: NodeCheckOpt = True,
    drop_bad_clear: Annotated[
        bool,
        typer.Option(
            "--drop-bad-clear",
            help="Store a clear time before its raise time as unknown instead of refusing.",
        ),
    ] = False,
) -> None:
    """Import an alarm log: alarm_id,device_id,start_timestamp,end_timestamp or
    alarm_type,node,raised_at[,cleared_at,severity,alarm_id]."""
    from autonet.knowledge.io import import_alarms

    _run(
        "alarms",
        file,
        db,
        as_json,
        lambda engine, path, progress: import_alarms(
            engine,
            path,
            check_nodes=node_check,
            drop_bad_clear=drop_bad_clear,
            progress=progress,
        ),
    )
