"""Settings of the whole platform, read from the environment (prefix ``AUTONET_``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings", "get_settings", "shared_data_dir"]


def _default_home() -> Path:
    return Path.cwd() / ".autonet"


class Settings(BaseSettings):
    """Every tunable of autonet in one place.

    Each field can be set by an environment variable named ``AUTONET_<FIELD>`` (upper case),
    or from a ``.env`` file in the working directory.
    """

    model_config = SettingsConfigDict(
        env_prefix="AUTONET_", env_file=".env", extra="ignore", validate_default=True
    )

    home: Path = Field(
        default_factory=_default_home,
        description="Folder for the memory database, checkpoints, trained models and reports.",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the memory database; default: a SQLite file in `home`.",
    )
    shared_data: Path | None = Field(
        default=None,
        description="Folder of the external data sets (topologies, alarm logs, routing sets).",
    )
    seed: int = Field(default=7, ge=0, description="Default random seed.")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "WARNING"

    gate_backend: Literal["embedded", "llm"] = Field(
        default="embedded", description="AgentGate's edge backend."
    )
    gate_confidence_threshold: float = Field(
        default=0.6, ge=0.0, le=1.0, description="Below it, the fallback backend routes again."
    )
    gate_unfamiliar_suitability: bool = Field(
        default=False,
        description="Decide 'does any candidate fit' with static embeddings when no candidate is "
        "a trained agent (foreign registries such as BFCL); off by default.",
    )
    llm_base_url: str | None = Field(
        default=None,
        description="OpenAI-compatible endpoint (vLLM), e.g. http://127.0.0.1:8000/v1.",
    )
    llm_model: str = Field(default="Qwen/Qwen2.5-7B-Instruct", min_length=1)
    llm_api_key: str = Field(default="EMPTY")
    llm_timeout_s: float = Field(default=10.0, gt=0.0, le=600.0)
    llm_fallback_base_url: str | None = Field(
        default=None, description="A stronger (cloud) OpenAI-compatible endpoint for fallback."
    )
    llm_fallback_model: str | None = None

    @field_validator("llm_base_url", "llm_fallback_base_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError(f"expected an http:// or https:// URL, got {value!r}")
        return value

    @property
    def resolved_database_url(self) -> str:
        """The memory database's URL, defaulting to ``sqlite:///<home>/autonet.db``."""
        return self.database_url or f"sqlite:///{self.home / 'autonet.db'}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment on first use."""
    return Settings()


def shared_data_dir(settings: Settings | None = None) -> Path | None:
    """Where the external data sets are: ``AUTONET_SHARED_DATA`` or ``../shared/data``.

    Returns None when neither exists (a user's fresh clone without the data).
    """
    settings = settings or get_settings()
    candidates = [settings.shared_data] if settings.shared_data else []
    root = Path(__file__).resolve().parents[2]
    candidates += [root.parent / "shared" / "data", Path.cwd().parent / "shared" / "data"]
    for candidate in candidates:
        if candidate is not None and candidate.is_dir():
            return candidate
    return None
