"""Shared helpers of the loop's platform tests: the real test playbook lives in tests/agents."""

from __future__ import annotations

import sys
from pathlib import Path

_AGENTS = str(Path(__file__).resolve().parents[1] / "agents")
if _AGENTS not in sys.path:
    sys.path.insert(0, _AGENTS)

from upf_playbook import UpfPlaybook, small_twin, upf_load, upf_overloaded  # noqa: E402

__all__ = ["UpfPlaybook", "instances", "small_twin", "upf_load", "upf_overloaded"]


def instances(twin, upf: str) -> int:  # type: ignore[no-untyped-def]
    """The UPF's instance count (ground truth from the twin's state)."""
    return int(twin.state.upf_instances[twin.compiled.upf_index[upf]])
