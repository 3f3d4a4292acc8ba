"""``autonet import``: topology, KPIs and alarms into a real database, with row-level errors."""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa
from typer.testing import CliRunner

from autonet.knowledge.memory import KpiSample, create_engine_for, session_scope
from autonet.platform.cli import build_app
from autonet.platform.cli._output import EXIT_INPUT, EXIT_NOT_FOUND, EXIT_UNAVAILABLE

runner = CliRunner()


def _kpi_rows(url: str) -> int:
    engine = create_engine_for(url)
    try:
        with session_scope(engine) as session:
            return int(session.scalar(sa.select(sa.func.count()).select_from(KpiSample)) or 0)
    finally:
        engine.dispose()


def test_import_topology_then_kpis_as_json(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    (tmp_path / "t.csv").write_text("source,target\nC1,R1\nC2,R1\n")
    (tmp_path / "k.csv").write_text(
        "time,object,counter,value\n2026-01-01T00:00:00Z,C1,RRU.PrbUsedDl,40\n"
        "2026-01-01T00:00:00Z,C2,RRU.PrbUsedDl,12\n"
    )
    app = build_app()
    result = runner.invoke(
        app, ["import", "topology", str(tmp_path / "t.csv"), "--db", url, "--json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["counts"] == {"topology_nodes": 3, "topology_edges": 2}
    result = runner.invoke(app, ["import", "kpis", str(tmp_path / "k.csv"), "--db", url, "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert (payload["ok"], payload["kind"], payload["rows"], payload["batch_id"]) == (
        True,
        "kpis",
        2,
        2,
    )
    assert _kpi_rows(url) == 2


def test_bad_rows_give_exit_input_and_every_error(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    (tmp_path / "k.csv").write_text(
        "time,object,counter,value\n0,C1,x,1\n60,C1,x,oops\n120,C1,x,3\n30,C1,x,4\n"
    )
    result = runner.invoke(
        build_app(), ["import", "kpis", str(tmp_path / "k.csv"), "--db", url, "--json"]
    )
    assert result.exit_code == EXIT_INPUT
    payload = json.loads(result.stdout)
    assert payload["ok"] is False
    assert payload["error_count"] == 2
    assert [(e["row"], e["line"], e["field"], e["value"]) for e in payload["errors"]] == [
        (2, 3, "value", "oops"),
        (4, 5, "time", "30"),
    ]
    assert _kpi_rows(url) == 0


def test_human_output_names_row_field_and_reason(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    (tmp_path / "a.csv").write_text(
        "alarm_type,node,raised_at,severity\nLINK_DOWN,R1,2026-01-01T00:00:00Z,loud\n"
    )
    result = runner.invoke(
        build_app(),
        ["import", "alarms", str(tmp_path / "a.csv"), "--db", url],
        env={"COLUMNS": "250"},
    )
    assert result.exit_code == EXIT_INPUT
    assert "1 problem(s), nothing imported" in result.output
    assert "severity" in result.output
    assert "loud" in result.output


def test_default_database_is_in_autonet_home(tmp_path: Path, monkeypatch) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("AUTONET_HOME", str(home))
    from autonet.platform.config import get_settings

    get_settings.cache_clear()
    (tmp_path / "a.csv").write_text("alarm_id,device_id,start_timestamp,end_timestamp\n1,2,0,5\n")
    result = runner.invoke(build_app(), ["import", "alarms", str(tmp_path / "a.csv")])
    assert result.exit_code == 0, result.output
    assert (home / "autonet.db").is_file()
    assert "alarm_events" in result.output


def test_missing_file_and_bad_url(tmp_path: Path) -> None:
    app = build_app()
    result = runner.invoke(app, ["import", "kpis", str(tmp_path / "absent.csv")])
    assert result.exit_code == EXIT_NOT_FOUND
    assert "no such file" in result.output
    (tmp_path / "k.csv").write_text("time,object,counter,value\n0,C1,x,1\n")
    result = runner.invoke(app, ["import", "kpis", str(tmp_path / "k.csv"), "--db", "mysql://x/y"])
    assert result.exit_code == EXIT_INPUT
    assert "unsupported database 'mysql'" in result.output


def test_unreachable_database_is_exit_unavailable(tmp_path: Path) -> None:
    (tmp_path / "k.csv").write_text("time,object,counter,value\n0,C1,x,1\n")
    url = "postgresql+psycopg://postgres@127.0.0.1:1/none?connect_timeout=2"
    result = runner.invoke(build_app(), ["import", "kpis", str(tmp_path / "k.csv"), "--db", url])
    assert result.exit_code == EXIT_UNAVAILABLE
    assert "is not reachable" in result.output
