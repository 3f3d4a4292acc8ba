"""``autonet gate eval | export-sft | dataset`` over the real embedded router."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from autonet.platform.cli import build_app

runner = CliRunner()


def test_eval_reports_the_papers_metrics_as_json(tmp_path) -> None:
    errors = tmp_path / "errors.jsonl"
    result = runner.invoke(
        build_app(),
        ["gate", "eval", "--split", "val", "--limit", "40", "--json", "--errors", str(errors)],
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    metrics = payload["metrics"]
    assert metrics["instances"] == 40
    for name in (
        "action_accuracy",
        "agent_accuracy",
        "argument_exact_match",
        "plan_exact_match",
        "json_validity",
        "escalation_precision",
        "escalation_recall",
        "latency_p50_ms",
    ):
        assert name in metrics
    assert metrics["json_validity"] == 1.0
    # every misrouted instance is written, one JSON object per line
    wrong = round((1 - metrics["overall_exact_match"]) * 40)
    assert len(errors.read_text().splitlines()) == wrong


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--split", "dev"], "'dev' is not one of train, val, test"),
        (["--backend", "gpt4"], "'gpt4' is not one of embedded, llm"),
        (["--external", "squad"], "'squad' is not one of none, bfcl, ibn, teleqna, all"),
        (["--limit", "0"], "greater than or equal to 1"),
    ],
)
def test_eval_rejects_bad_options_with_the_choices(args: list[str], message: str) -> None:
    result = runner.invoke(build_app(), ["gate", "eval", *args])
    assert result.exit_code == 2
    text = " ".join(result.output.replace("│", " ").split())
    assert message in text


def test_export_sft_and_dataset_write_files(tmp_path) -> None:
    out = tmp_path / "sft.jsonl"
    result = runner.invoke(build_app(), ["gate", "export-sft", "--split", "val", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert len(out.read_text().splitlines()) == 400
    result = runner.invoke(build_app(), ["gate", "dataset", "--out", str(tmp_path / "ds")])
    assert result.exit_code == 0, result.output
    assert len((tmp_path / "ds" / "train.jsonl").read_text().splitlines()) == 2400
