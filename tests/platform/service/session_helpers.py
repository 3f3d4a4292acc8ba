"""Helpers of the front-door tests (a module of its own: `conftest` is not importable by name)."""

from __future__ import annotations

from pathlib import Path

from autonet.platform.config import Settings
from autonet.platform.service import NetworkSession

__all__ = ["open_session"]


def open_session(home: Path) -> NetworkSession:
    """Load the session of ``home`` (what every CLI command does)."""
    return NetworkSession.load(home / "network", settings=Settings(home=home))
