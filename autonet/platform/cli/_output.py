"""The CLI's output layer: Rich tables and progress for people, JSON for scripts, exit codes."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, NoReturn, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

__all__ = [
    "EXIT_FAILED",
    "EXIT_INPUT",
    "EXIT_NOT_FOUND",
    "EXIT_OK",
    "EXIT_UNAVAILABLE",
    "EXIT_USAGE",
    "cli_errors",
    "console",
    "emit_json",
    "err_console",
    "fail",
    "progress",
    "table",
]

EXIT_OK = 0
EXIT_FAILED = 1  # the command ran but its outcome is a failure (e.g. a check did not pass)
EXIT_USAGE = 2  # bad options or arguments (Click's own code)
EXIT_INPUT = 3  # an input file or value is malformed
EXIT_NOT_FOUND = 4  # a file, run, node or agent named does not exist
EXIT_UNAVAILABLE = 5  # a backend or service needed is not reachable

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)

P = ParamSpec("P")
R = TypeVar("R")


def fail(message: str, code: int = EXIT_INPUT) -> NoReturn:
    """Print ``error: message`` on stderr and leave with ``code``."""
    err_console.print(f"[bold red]error:[/] {message}", markup=True, highlight=False)
    raise typer.Exit(code)


def cli_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn the domain's errors into a one-line message and a meaningful exit code."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except FileNotFoundError as exc:
            fail(str(exc), EXIT_NOT_FOUND)
        except (ValueError, LookupError, TypeError) as exc:
            fail(str(exc).strip("'\""), EXIT_INPUT)
        except (ConnectionError, TimeoutError) as exc:
            fail(str(exc), EXIT_UNAVAILABLE)

    return wrapper


def emit_json(data: Any) -> None:
    """Write ``data`` as JSON on stdout (numpy and pandas scalars included)."""
    sys.stdout.write(json.dumps(data, indent=2, default=_json_default) + "\n")


def _json_default(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "tolist"):
        return value.tolist()
    return str(value)


def table(
    title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]] | Mapping[str, Any]
) -> Table:
    """A Rich table; a mapping gives a two-column key/value table."""
    out = Table(title=title, title_justify="left", header_style="bold")
    if isinstance(rows, Mapping):
        for name in columns or ("metric", "value"):
            out.add_column(name)
        for key, value in rows.items():
            out.add_row(str(key), _fmt(value))
        return out
    for index, name in enumerate(columns):
        out.add_column(name, justify="left" if index == 0 else "right")
    for row in rows:
        out.add_row(*(_fmt(v) for v in row))
    return out


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"
    return str(value)


@contextmanager
def progress(enabled: bool = True) -> Iterator[Progress]:
    """A progress display on stderr (hidden when ``enabled`` is False, e.g. with ``--json``)."""
    bar = Progress(
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err_console,
        disable=not enabled,
        transient=False,
    )
    with bar:
        yield bar
