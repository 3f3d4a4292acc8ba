"""The root ``autonet`` command: the one registry of every command module.

Each command module is one file with a module-level ``app = typer.Typer(...)`` and plain
``@app.command()`` functions, each decorated with ``@cli_errors``; this module imports them and
combines them with ``add_typer``. Importing a command module must stay cheap: scikit-learn,
scipy, SQLAlchemy, pandas and LangGraph are imported inside the commands that need them (a test
checks ``sys.modules`` after importing this module), so ``autonet --version`` stays fast.
"""

from __future__ import annotations

import logging
import sys

import typer

from autonet import __version__
from autonet.platform.cli import (
    approvals,
    causal,
    data_import,
    forecast,
    gate,
    intent,
    loop,
    network,
    rca,
    route,
    scenario,
    tickets,
    twin,
)
from autonet.platform.cli._output import EXIT_INTERRUPTED

__all__ = ["build_app", "main"]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"autonet {__version__}")
        raise typer.Exit()


def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version."
    ),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log at INFO level."),
) -> None:
    """autonet: level-4 autonomous mobile network operations."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING)


def build_app() -> typer.Typer:
    """The root command with every command module registered (a new object on each call)."""
    root = typer.Typer(
        name="autonet",
        help="Autonomous network operations: twin, models, router, closed loop.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        # Click's plain help and usage errors: a usage error is one unwrapped line on stderr
        # (Rich would box and wrap it at the terminal's width), and --help needs no Rich/Markdown
        rich_markup_mode=None,
    )
    root.callback()(_root)
    # Top-level commands: a module's app without a name merges its commands into the root.
    root.add_typer(route.app)
    root.add_typer(forecast.app)
    root.add_typer(rca.app)
    # The operator's groups: the network session and the front door (docs/service.md).
    root.add_typer(network.app, name="network")
    root.add_typer(intent.app, name="intent")
    root.add_typer(approvals.app, name="approvals")
    root.add_typer(tickets.app, name="tickets")
    root.add_typer(tickets.work_orders_app, name="work-orders")
    # Command groups: `autonet NAME COMMAND`. Each module: `app = typer.Typer(help=...,
    # no_args_is_help=True)` at module level, plain `@app.command("name")` + `@cli_errors`
    # functions, heavy imports inside the functions.
    root.add_typer(twin.app, name="twin")
    root.add_typer(causal.app, name="causal")
    root.add_typer(data_import.app, name="import")
    root.add_typer(gate.app, name="gate")
    root.add_typer(scenario.app, name="scenario")
    root.add_typer(loop.app, name="loop")
    return root


def main() -> None:
    """Entry point of the ``autonet`` console script."""
    try:
        build_app()()
    except KeyboardInterrupt:  # Ctrl-C before Click runs (importing); in a command: cli_errors
        sys.stderr.write("interrupted (Ctrl-C)\n")
        sys.exit(EXIT_INTERRUPTED)
