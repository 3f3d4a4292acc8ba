"""Fixtures shared by the whole test suite."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SHARED_DATA_HINT = (
    "external data folder ../shared/data (or $AUTONET_SHARED_DATA) is absent; "
    "see ../shared/data/MANIFEST.md"
)


def _shared_data() -> Path | None:
    env = os.environ.get("AUTONET_SHARED_DATA")
    candidates = [Path(env)] if env else []
    candidates.append(Path(__file__).resolve().parents[1].parent / "shared" / "data")
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    return None


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The external data folder; the test skips, naming the folder, when it is absent."""
    path = _shared_data()
    if path is None:
        pytest.skip(SHARED_DATA_HINT)
    return path


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """Keep every test's databases and reports out of the developer's working directory."""
    home = tmp_path_factory.mktemp("autonet-home")
    monkeypatch.setenv("AUTONET_HOME", str(home))
    from autonet.platform.config import get_settings

    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def postgres_url() -> str | None:
    """URL of a PostgreSQL server answering on 127.0.0.1:5432, or None."""
    url = os.environ.get(
        "AUTONET_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    )
    try:
        import psycopg
    except ImportError:
        return None
    try:
        with psycopg.connect(url.replace("postgresql+psycopg", "postgresql"), connect_timeout=2):
            return url
    except psycopg.OperationalError:
        return None


@pytest.fixture(scope="session")
def pg_url() -> str:
    """A real PostgreSQL URL; the test skips with a reason when none answers."""
    url = postgres_url()
    if url is None:
        pytest.skip("no PostgreSQL answers on 127.0.0.1:5432 (or psycopg is not installed)")
    return url
