"""The six agents of the closed loop (LangGraph node functions), their messages and state.

Exports are lazy: importing ``autonet.agents`` loads nothing heavy until a name is used.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from autonet.agents.analysis import analyse_incident, analysis
    from autonet.agents.decision import approval, decide, decision
    from autonet.agents.execution import execute, execution, rollback
    from autonet.agents.learning import learn_incident, learning
    from autonet.agents.perception import perceive_incidents, perception
    from autonet.agents.playbook import IncidentBook, LoopContext, LoopSettings, Memory, Playbook
    from autonet.agents.state import LoopInput, LoopState
    from autonet.agents.trace import Tracer
    from autonet.agents.verification import escalation, verification, verify_incident

__all__ = [
    "IncidentBook",
    "LoopContext",
    "LoopInput",
    "LoopSettings",
    "LoopState",
    "Memory",
    "Playbook",
    "Tracer",
    "analyse_incident",
    "analysis",
    "approval",
    "decide",
    "decision",
    "escalation",
    "execute",
    "execution",
    "learn_incident",
    "learning",
    "perceive_incidents",
    "perception",
    "rollback",
    "verification",
    "verify_incident",
]

# An explicit registry: public name -> module that defines it.
_WHERE = {
    "analyse_incident": "analysis",
    "analysis": "analysis",
    "approval": "decision",
    "decide": "decision",
    "decision": "decision",
    "execute": "execution",
    "execution": "execution",
    "rollback": "execution",
    "learn_incident": "learning",
    "learning": "learning",
    "perceive_incidents": "perception",
    "perception": "perception",
    "IncidentBook": "playbook",
    "LoopContext": "playbook",
    "LoopSettings": "playbook",
    "Memory": "playbook",
    "Playbook": "playbook",
    "LoopInput": "state",
    "LoopState": "state",
    "Tracer": "trace",
    "escalation": "verification",
    "verification": "verification",
    "verify_incident": "verification",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'autonet.agents' has no attribute {name!r}")
    return getattr(import_module(f"autonet.agents.{module}"), name)


def __dir__() -> list[str]:
    return sorted(__all__)
