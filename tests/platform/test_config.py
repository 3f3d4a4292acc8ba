"""Settings: environment overrides and clear errors for bad values."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from autonet.platform.config import Settings, get_settings


def test_environment_overrides_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTONET_SEED", "42")
    monkeypatch.setenv("AUTONET_GATE_CONFIDENCE_THRESHOLD", "0.25")
    get_settings.cache_clear()
    settings = get_settings()
    assert settings.seed == 42
    assert settings.gate_confidence_threshold == 0.25


def test_default_database_is_a_sqlite_file_in_home(tmp_path) -> None:
    settings = Settings(home=tmp_path)
    assert settings.resolved_database_url == f"sqlite:///{tmp_path / 'autonet.db'}"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("AUTONET_GATE_CONFIDENCE_THRESHOLD", "1.5", "less than or equal to 1"),
        ("AUTONET_GATE_BACKEND", "gpt", "'embedded' or 'llm'"),
        ("AUTONET_LLM_BASE_URL", "localhost:8000", "expected an http:// or https:// URL"),
        ("AUTONET_SEED", "-1", "greater than or equal to 0"),
    ],
)
def test_bad_values_are_rejected_with_what_is_expected(
    monkeypatch: pytest.MonkeyPatch, field: str, value: str, message: str
) -> None:
    monkeypatch.setenv(field, value)
    with pytest.raises(ValidationError, match=message):
        Settings()
