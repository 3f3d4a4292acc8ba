"""The CLI's registry and its one error mapping: cheap import, every command wrapped, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from autonet.errors import (
    AutonetError,
    BadInputError,
    ConflictError,
    NotFoundError,
    RefusedError,
    UnavailableError,
)
from autonet.platform.cli import build_app
from autonet.platform.cli._output import bad_input, cli_errors, is_wrapped

runner = CliRunner()

HEAVY = ("sklearn", "scipy", "sqlalchemy", "pandas", "langgraph")


def _command_callbacks(app: typer.Typer, prefix: str = "") -> Iterator[tuple[str, Any]]:
    for info in app.registered_commands:
        name = info.name or (info.callback.__name__ if info.callback else "?")
        yield f"{prefix}{name}", info.callback
    for group in app.registered_groups:
        sub = group.typer_instance
        assert sub is not None
        label = group.name or ""
        yield from _command_callbacks(sub, f"{prefix}{label} " if label else prefix)


def test_importing_the_cli_imports_no_heavy_library() -> None:
    code = (
        "import json, sys\n"
        "import autonet.platform.cli.main\n"
        f"print(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert json.loads(out.stdout) == []


def test_building_the_app_imports_no_heavy_library() -> None:
    code = (
        "import json, sys\n"
        "import typer\n"
        "from autonet.platform.cli.main import build_app\n"
        "typer.main.get_command(build_app())\n"
        f"print(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert json.loads(out.stdout) == []


def test_every_command_maps_errors_in_the_one_place() -> None:
    commands = dict(_command_callbacks(build_app()))
    assert {"route", "forecast", "rca", "twin simulate", "loop run", "scenario run"} <= set(
        commands
    )
    unwrapped = sorted(name for name, callback in commands.items() if not is_wrapped(callback))
    assert unwrapped == [], f"commands without @cli_errors: {unwrapped}"


def _app_raising(exc: BaseException) -> typer.Typer:
    """A one-command app whose command raises ``exc`` (the error path under test)."""
    app = typer.Typer()

    @app.command()
    @cli_errors
    def boom() -> None:
        raise exc

    return app


@pytest.mark.parametrize(
    ("exc", "code"),
    [
        (BadInputError("--x: expected a number, got 'a'"), 3),
        (NotFoundError("no run 'r-1'"), 4),
        (UnavailableError("database at 127.0.0.1:9 does not answer"), 5),
        (ConflictError("run 'r-1' is already done"), 1),
        (RefusedError("role viewer may not change the network"), 1),
        (FileNotFoundError("file k.csv does not exist"), 4),
        (ConnectionRefusedError("connection refused"), 5),
    ],
)
def test_domain_errors_exit_with_their_code(exc: Exception, code: int) -> None:
    result = runner.invoke(_app_raising(exc), [])
    assert result.exit_code == code
    assert result.stderr == f"error: {exc}\n"
    assert result.stdout == ""


@pytest.mark.parametrize(
    "exc", [KeyError("cell"), AttributeError("x"), TypeError("bad"), ValueError("bug"),
            ZeroDivisionError("division by zero")],
)  # fmt: skip
def test_a_programming_error_is_not_bad_input(exc: Exception) -> None:
    result = runner.invoke(_app_raising(exc), [])
    assert result.exit_code == 1  # not 3: the traceback shows (CliRunner keeps the exception)
    assert result.exception is exc
    assert "error:" not in result.stderr


def test_a_programming_error_shows_its_traceback_in_a_real_process(tmp_path: Path) -> None:
    script = tmp_path / "bug.py"
    script.write_text(
        "import typer\n"
        "from autonet.platform.cli._output import cli_errors\n"
        "app = typer.Typer(pretty_exceptions_enable=False)\n"
        "@app.command()\n"
        "@cli_errors\n"
        "def boom() -> None:\n"
        "    {}['missing']\n"
        "app()\n"
    )
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 1
    assert "Traceback (most recent call last)" in out.stderr and "KeyError: 'missing'" in out.stderr


def test_ctrl_c_is_a_clear_message_and_exit_130() -> None:
    result = runner.invoke(_app_raising(KeyboardInterrupt()), [])
    assert result.exit_code == 130
    assert result.stderr.startswith("interrupted")


def test_bad_input_block_names_a_validator_value_error() -> None:
    def check() -> None:
        with bad_input("--horizon"):
            raise ValueError("expected a duration such as '24h', got 'soon'")

    with pytest.raises(BadInputError, match=r"^--horizon: expected a duration"):
        check()


@pytest.mark.parametrize(
    ("module", "name", "base"),
    [
        ("autonet.twin.actions", "ActionError", BadInputError),
        ("autonet.twin.validate", "TopologyError", BadInputError),
        ("autonet.twin.fault_catalogue", "FaultError", BadInputError),
        ("autonet.twin.slices", "SliceError", BadInputError),
        ("autonet.twin._action_plans", "PlanError", BadInputError),
        ("autonet.knowledge.rca.hypothesis", "RCAInputError", BadInputError),
        ("autonet.knowledge.rules.loader", "PolicyError", BadInputError),
        ("autonet.knowledge.causal.data", "AlarmDataError", BadInputError),
        ("autonet.knowledge.io.errors", "ImportValidationError", BadInputError),
        ("autonet.platform.capabilities", "CapabilityError", BadInputError),
        ("autonet.platform.gate.cards", "RegistryError", BadInputError),
        ("autonet.platform.scenarios.base", "ScenarioError", BadInputError),
        ("autonet.platform.checkpoint", "CheckpointError", BadInputError),
        ("autonet.platform._runs", "LoopError", ConflictError),
        ("autonet.platform.gate.backend", "BackendError", UnavailableError),
    ],
)
def test_domain_errors_derive_from_the_root(module: str, name: str, base: type) -> None:
    import importlib

    cls = getattr(importlib.import_module(module), name)
    assert issubclass(cls, base) and issubclass(cls, AutonetError)
    # the old bases stay, so an existing `except ValueError` / `except RuntimeError` still works
    old = RuntimeError if name in ("LoopError", "BackendError", "CheckpointError") else ValueError
    assert issubclass(cls, old)


def test_an_unreachable_llm_backend_exits_5(monkeypatch: pytest.MonkeyPatch) -> None:
    # nothing listens on port 9 (discard) of the loopback
    monkeypatch.setenv("AUTONET_GATE_BACKEND", "llm")
    monkeypatch.setenv("AUTONET_LLM_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("AUTONET_LLM_TIMEOUT_S", "2")
    monkeypatch.delenv("AUTONET_LLM_FALLBACK_BASE_URL", raising=False)
    result = runner.invoke(build_app(), ["route", "heal the outage at S0012", "--json"])
    assert result.exit_code == 5, result.output
    assert result.stdout == ""  # no decision printed
    assert "routing backend 'llm' at http://127.0.0.1:9/v1 did not answer" in result.stderr


@pytest.mark.parametrize("columns", ["40", "80"])
def test_errors_are_one_unwrapped_line_at_any_width(tmp_path: Path, columns: str) -> None:
    missing = tmp_path / ("a-long-folder-name-" * 4) / "kpis.csv"
    env = {**os.environ, "COLUMNS": columns, "CI": "true", "TERM": "dumb"}
    out = subprocess.run(
        [sys.executable, "-m", "autonet.platform.cli", "forecast", "--kpis", str(missing),
         "--counter", "RRU.PrbUsedDl"],
        capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL, timeout=120,
    )  # fmt: skip
    assert out.returncode == 4
    # the message is one whole line, however narrow the terminal (a progress line may precede it)
    assert f"error: KPI file {missing} does not exist" in out.stderr.splitlines()


def test_a_bad_setting_is_bad_input_named_on_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    from autonet.platform.config import get_settings

    monkeypatch.setenv("AUTONET_GATE_CONFIDENCE_THRESHOLD", "7")
    get_settings.cache_clear()
    try:
        result = runner.invoke(build_app(), ["route", "show alarms at S0001"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 3
    assert result.stderr == (
        "error: bad setting: AUTONET_GATE_CONFIDENCE_THRESHOLD='7': "
        "Input should be less than or equal to 1\n"
    )


def test_a_pydantic_error_of_another_model_is_a_bug() -> None:
    from pydantic import BaseModel, ValidationError

    class Probe(BaseModel):
        n: int

    try:
        Probe(n="x")  # type: ignore[arg-type]
    except ValidationError as exc:
        error = exc
    result = runner.invoke(_app_raising(error), [])
    assert result.exit_code == 1 and result.exception is error


def test_every_command_group_is_registered_once() -> None:
    from autonet.platform.cli.main import build_app

    names = [g.name for g in build_app().registered_groups if g.name]
    assert len(names) == len(set(names)), names
    assert {"network", "intent", "approvals", "tickets", "work-orders"} <= set(names)
