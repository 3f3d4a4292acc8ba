"""Fixtures of the front-door tests: a real 30-site network session in a temporary home."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from session_helpers import open_session

from autonet.platform.config import Settings
from autonet.platform.service import NetworkSession, NetworkSpec


@pytest.fixture(scope="session")
def session_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A freshly started 30-site session (state dir + memory database), built once."""
    home = tmp_path_factory.mktemp("template-home")
    NetworkSession.start(home / "network", spec=NetworkSpec(sites=30, seed=7),
                         settings=Settings(home=home)).close()  # fmt: skip
    return home


@pytest.fixture
def home(session_template: Path, tmp_path: Path) -> Path:
    """A private copy of the template session's home for one test."""
    dst = tmp_path / "home"
    shutil.copytree(session_template, dst)
    return dst


@pytest.fixture
def session(home: Path) -> Iterator[NetworkSession]:
    """The loaded session of a private home, closed after the test."""
    s = open_session(home)
    try:
        yield s
    finally:
        s.close()
