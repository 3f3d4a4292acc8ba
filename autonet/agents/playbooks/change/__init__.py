"""The change playbook: one-off operator changes through the closed loop.

A tilt, a TX power change, sleep / wake, offload, reroute, capacity boost, UPF scale-out, a
restart, a rollback of a named change, a cell lock or a config push to a region goes through the
same path as the loop's own remedies: the default policies' guards, a what-if on a twin clone,
approval when the impact is high, execution with idempotency keys, and verification that it took
effect without degrading the touched cells (else the verification agent rolls it back).
"""

from autonet.agents.playbooks.change.effect import group_kpis, took_effect, touched_cells
from autonet.agents.playbooks.change.params import ChangeRequestError
from autonet.agents.playbooks.change.plan import CHANGE_AGENTS, CHANGE_KINDS, plan_request
from autonet.agents.playbooks.change.playbook import ChangePlaybook

__all__ = [
    "CHANGE_AGENTS",
    "CHANGE_KINDS",
    "ChangePlaybook",
    "ChangeRequestError",
    "group_kpis",
    "plan_request",
    "took_effect",
    "touched_cells",
]
