"""The root command: help, version and unknown commands."""

from __future__ import annotations

from typer.testing import CliRunner

from autonet import __version__
from autonet.platform.cli import build_app

runner = CliRunner()


def test_version_prints_the_package_version() -> None:
    result = runner.invoke(build_app(), ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"autonet {__version__}"


def test_unknown_command_is_a_usage_error() -> None:
    result = runner.invoke(build_app(), ["no-such-command"])
    assert result.exit_code == 2
    assert "No such command" in result.output
