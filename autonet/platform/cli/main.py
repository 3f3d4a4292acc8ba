"""The root ``autonet`` command; every command group is registered here, explicitly."""

from __future__ import annotations

import logging

import typer

from autonet import __version__
from autonet.platform.cli import causal, data_import, forecast, gate, loop, rca, route, twin
from autonet.platform.cli import scenario as scenario_cli

__all__ = ["build_app", "main"]

# One registry of command groups: each module adds its commands to the root app.
_GROUPS = (twin, forecast, causal, rca, data_import, route, gate, scenario_cli, loop)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"autonet {__version__}")
        raise typer.Exit()


def build_app() -> typer.Typer:
    """Build the root command with every command group registered."""
    app = typer.Typer(
        name="autonet",
        help="Autonomous network operations: twin, models, router, closed loop.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        rich_markup_mode="rich",
    )

    @app.callback()
    def _root(
        version: bool = typer.Option(
            False, "--version", callback=_version, is_eager=True, help="Print the version."
        ),
        verbose: bool = typer.Option(False, "--verbose", "-v", help="Log at INFO level."),
    ) -> None:
        """autonet: level-4 autonomous mobile network operations."""
        logging.basicConfig(level=logging.INFO if verbose else logging.WARNING)

    for group in _GROUPS:
        group.register(app)
    return app


def main() -> None:
    """Entry point of the ``autonet`` console script."""
    build_app()()
