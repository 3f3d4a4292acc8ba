"""The operator commands answer bad input with a clear message and the documented exit code."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from autonet.platform.cli.main import build_app

CUT = "AGG002--CR01"


@pytest.fixture
def cli(home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    from autonet.platform.config import get_settings

    monkeypatch.setenv("AUTONET_HOME", str(home))
    monkeypatch.setenv("AUTONET_GATE_BACKEND", "embedded")
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def _invoke(cli: CliRunner, *args: str) -> tuple[int, str]:
    res = cli.invoke(build_app(), list(args))
    return res.exit_code, res.output


@pytest.mark.parametrize(
    ("args", "code", "needle"),
    [
        (("network", "inject", "fibre_cut@NO--SUCH"), 3, "NO--SUCH"),
        (("network", "inject", "fibre_cut"), 3, "TYPE@TARGET"),
        (("network", "inject", "fibre_cut@" + CUT, "--hours", "0"), 2, "--hours"),
        (("network", "start", "--sites", "0"), 2, "--sites"),
        (("network", "start", "--layers", "triple"), 2, "--layers"),
        (("network", "advance", "--minutes", "abc"), 2, "--minutes"),
        (("intent", "submit", ""), 3, "empty"),
        (("intent", "submit", "show alarms", "--role", "king"), 3, "unknown role 'king'"),
        (("intent", "list", "--status", "finished"), 3, "unknown request status"),
        (("approvals", "decide", "net-00001", "--approve"), 2, "--by"),
        (("tickets", "close", "TT-00001"), 2, "--by"),
    ],
)
def test_bad_operator_input(cli: CliRunner, args: tuple[str, ...], code: int,
                            needle: str) -> None:  # fmt: skip
    got, output = _invoke(cli, *args)
    assert got == code, output
    assert needle in output


def test_a_malformed_expression_file_is_bad_input_and_nothing_is_stored(
    cli: CliRunner, tmp_path: Path
) -> None:
    bad = tmp_path / "intent.json"
    bad.write_text("{not json")
    code, output = _invoke(cli, "intent", "submit", "--expression", str(bad))
    assert code == 3 and "not a JSON file" in output
    bad.write_text('{"intentExpectations": []}')
    code, output = _invoke(cli, "intent", "submit", "--expression", str(bad))
    assert code == 3 and "intentExpectations" in output
    code, output = _invoke(cli, "intent", "submit", "--expression", str(tmp_path / "nope.json"))
    assert code == 4
    code, output = _invoke(cli, "intent", "list", "--json")
    assert code == 0 and '"count": 0' in output
