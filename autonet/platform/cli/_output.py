"""The CLI's output layer: Rich tables and progress for people, JSON for scripts, exit codes.

Errors are mapped to exit codes here and only here (:func:`cli_errors`): every
:class:`~autonet.errors.AutonetError` carries its own ``exit_code``; a programming error is not
caught, so it shows its traceback and exits 1. Error messages go to stderr as plain lines, never
wrapped at the terminal's width, so scripts and tests do not depend on it.
"""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, NoReturn, ParamSpec, TypeVar, cast

import typer

from autonet.errors import AutonetError, BadInputError

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress
    from rich.table import Table

__all__ = [
    "EXIT_FAILED",
    "EXIT_INPUT",
    "EXIT_INTERRUPTED",
    "EXIT_NOT_FOUND",
    "EXIT_OK",
    "EXIT_UNAVAILABLE",
    "EXIT_USAGE",
    "PIPE_WIDTH",
    "bad_input",
    "cli_errors",
    "console",
    "emit_json",
    "err_console",
    "fail",
    "is_wrapped",
    "progress",
    "table",
]

EXIT_OK = 0
EXIT_FAILED = 1  # the command ran but its outcome is a failure (e.g. a check did not pass)
EXIT_USAGE = 2  # bad options or arguments (Click's own code)
EXIT_INPUT = 3  # an input file or value is malformed
EXIT_NOT_FOUND = 4  # a file, run, node or agent named does not exist
EXIT_UNAVAILABLE = 5  # a backend or service needed is not reachable
EXIT_INTERRUPTED = 130  # Ctrl-C: 128 + SIGINT, as shells report it


#: The width of tables written to a pipe or file: wide enough that nothing is cut, and the same
#: whatever the terminal (or ``COLUMNS``) says, so what a script or a test reads is stable.
PIPE_WIDTH = 200


class _LazyConsole:
    """A Rich console built on first use, so importing the CLI does not import Rich
    (``autonet --version`` and ``--help`` never print through it).

    On a terminal it fits the terminal; written to a pipe or a file it is :data:`PIPE_WIDTH`
    wide (or ``COLUMNS`` when that is wider).
    """

    def __init__(self, **options: Any) -> None:
        self._options = options
        self._console: Console | None = None

    def get(self) -> Console:
        """The console (built now if this is its first use)."""
        if self._console is None:
            from rich.console import Console

            options = dict(self._options)
            stream = sys.stderr if options.get("stderr") else sys.stdout
            if not _is_terminal(stream):
                columns = os.environ.get("COLUMNS", "")
                options["width"] = max(PIPE_WIDTH, int(columns) if columns.isdigit() else 0)
            self._console = Console(**options)
        return self._console

    def __getattr__(self, name: str) -> Any:
        return getattr(self.get(), name)


def _is_terminal(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False


def _real(target: Console) -> Console:
    return target.get() if isinstance(target, _LazyConsole) else target


console = cast("Console", _LazyConsole(highlight=False))
# soft_wrap: a note or message printed here stays one line whatever the terminal's width
err_console = cast("Console", _LazyConsole(stderr=True, highlight=False, soft_wrap=True))

P = ParamSpec("P")
R = TypeVar("R")

_WRAPPED = "__autonet_cli_errors__"


def fail(message: str, code: int = EXIT_INPUT) -> NoReturn:
    """Print ``error: message`` on stderr (one unwrapped line) and leave with ``code``."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def cli_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn the domain's errors into a one-line message and their exit code; Ctrl-C into 130.

    Every command is decorated with this (a test walks the registry to check it):

    - an :class:`~autonet.errors.AutonetError` exits with its ``exit_code`` (bad input 3,
      not found 4, unavailable 5, conflict or refused 1);
    - ``FileNotFoundError`` (a file named on the command line) exits 4;
    - ``ConnectionError`` / ``TimeoutError`` (a backend or database) exit 5;
    - ``KeyboardInterrupt`` prints ``interrupted`` and exits 130;
    - a refused ``AUTONET_*`` setting (pydantic's error for the Settings model) exits 3;
    - anything else (a bug: ``AttributeError``, ``KeyError``, a stray ``ValueError``) is not
      caught: its traceback shows and the exit code is 1.
    """

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except AutonetError as exc:
            fail(str(exc), exc.exit_code)
        except FileNotFoundError as exc:
            fail(str(exc), EXIT_NOT_FOUND)
        except (ConnectionError, TimeoutError) as exc:
            fail(str(exc) or type(exc).__name__, EXIT_UNAVAILABLE)
        except KeyboardInterrupt:
            typer.echo("interrupted (Ctrl-C): stopped before the end", err=True)
            raise typer.Exit(EXIT_INTERRUPTED) from None
        except ValueError as exc:
            if not _is_settings_error(exc):
                raise  # a stray ValueError is a bug: its traceback shows
            fail(_settings_message(exc), EXIT_INPUT)

    setattr(wrapper, _WRAPPED, True)
    return wrapper


def _is_settings_error(exc: ValueError) -> bool:
    """Whether ``exc`` is pydantic's refusal of an ``AUTONET_*`` setting (the Settings model)."""
    return type(exc).__module__.startswith("pydantic") and getattr(exc, "title", "") == "Settings"


def _settings_message(exc: Any) -> str:
    """One line naming each refused variable, its value and what is expected."""
    parts = []
    for error in exc.errors():
        name = "AUTONET_" + "_".join(str(p) for p in error.get("loc", ())).upper()
        parts.append(f"{name}={error.get('input')!r}: {error.get('msg')}")
    return "bad setting: " + "; ".join(parts)


def is_wrapped(func: Callable[..., Any]) -> bool:
    """Whether ``func`` is decorated with :func:`cli_errors` (the registry's test uses it)."""
    return bool(getattr(func, _WRAPPED, False))


@contextmanager
def bad_input(what: str = "") -> Iterator[None]:
    """Within the block, a ``ValueError`` raised by a library validator is the user's bad
    input (exit 3), named ``what``; use it only around calls that validate user data.

    Outside such a block a ``ValueError`` is a bug and shows its traceback.
    """
    try:
        yield
    except AutonetError:
        raise
    except ValueError as exc:
        prefix = f"{what}: " if what and not str(exc).startswith(what) else ""
        raise BadInputError(f"{prefix}{exc}") from exc


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
    from rich.table import Table

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
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    bar = Progress(
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=_real(err_console),
        disable=not enabled,
        transient=False,
    )
    with bar:
        yield bar
