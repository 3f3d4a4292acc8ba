"""The knowledge package's public surface resolves, lazily."""

from __future__ import annotations

import subprocess
import sys

import pytest

import autonet.knowledge as knowledge


@pytest.mark.parametrize("name", knowledge.__all__)
def test_every_public_name_resolves(name: str) -> None:
    assert getattr(knowledge, name) is not None


def test_all_lists_exactly_the_registry() -> None:
    assert knowledge.__all__ == sorted(knowledge._EXPORTS)


def test_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="has no attribute 'Forecaster'"):
        knowledge.Forecaster  # noqa: B018


def test_importing_the_package_loads_no_submodule() -> None:
    code = (
        "import sys, autonet.knowledge; "
        "print(sorted(m for m in sys.modules if m.startswith('autonet.knowledge.')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
