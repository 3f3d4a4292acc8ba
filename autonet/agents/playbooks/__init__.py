"""The playbooks of the four scenarios and of operator changes, in an explicit registry
(kind -> factory)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Final

from autonet.agents.playbook import Playbook

__all__ = ["PLAYBOOK_KINDS", "default_playbooks", "make_playbook"]


def _fault() -> Playbook:
    from autonet.agents.playbooks.fault import FaultPlaybook

    return FaultPlaybook()


def _congestion() -> Playbook:
    from autonet.agents.playbooks.congestion import CongestionPlaybook

    return CongestionPlaybook()


def _slice() -> Playbook:
    from autonet.agents.playbooks.slicing import SlicePlaybook

    return SlicePlaybook()


def _energy() -> Playbook:
    from autonet.agents.playbooks.energy import EnergyPlaybook

    return EnergyPlaybook()


def _change() -> Playbook:
    from autonet.agents.playbooks.change import ChangePlaybook

    return ChangePlaybook()


_FACTORIES: Final[dict[str, Callable[[], Playbook]]] = {
    "fault": _fault,
    "congestion": _congestion,
    "slice": _slice,
    "energy": _energy,
    "change": _change,
}
PLAYBOOK_KINDS: Final = tuple(_FACTORIES)


def make_playbook(kind: str) -> Playbook:
    """A new playbook of ``kind`` (one of :data:`PLAYBOOK_KINDS`) with default settings."""
    try:
        factory = _FACTORIES[kind]
    except KeyError:
        raise ValueError(
            f"unknown playbook kind {kind!r}: expected one of {list(PLAYBOOK_KINDS)}"
        ) from None
    return factory()


def default_playbooks(kinds: Iterable[str] = PLAYBOOK_KINDS) -> dict[str, Playbook]:
    """Playbooks by kind (all by default)."""
    return {k: make_playbook(k) for k in kinds}
