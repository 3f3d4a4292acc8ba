"""The network objects an operator's target names: a cell, a site's cells, a link, a UPF, a region.

Pure resolution on a compiled topology (``twin.compiled``), shared by the change playbook and
the platform's capabilities: a cell id (``S0001-C1``), a site (``S0001``: its cells), a link id
of the twin or ``L0042`` (the 42nd link, the numbering AgentGate grounds to), a UPF id, or a
region (``north``, ...: its cells).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Literal

from autonet.errors import BadInputError

if TYPE_CHECKING:
    from autonet.twin.state import CompiledTopology

__all__ = ["REGIONS", "Target", "TargetError", "resolve_target"]

#: Operator regions (``autonet.platform.gate.vocabulary.REGIONS``, kept in step by a test).
REGIONS: Final[tuple[str, ...]] = ("north", "south", "east", "west", "centre")

Level = Literal["cell", "link", "upf"]


class TargetError(BadInputError):
    """A target names no object of the network (the message lists what is accepted)."""


@dataclass(frozen=True)
class Target:
    """A resolved target.

    Attributes:
        name: The target as the operator gave it.
        level: The kind of the objects: ``cell``, ``link`` or ``upf``.
        ids: The object ids (one, or every cell of a site or region).
        scope: ``cell``, ``site``, ``region``, ``link`` or ``upf``: what the name was.
    """

    name: str
    level: Level
    ids: tuple[str, ...]
    scope: str


def resolve_target(topo: CompiledTopology, target: object) -> Target:
    """The objects behind ``target`` on ``topo`` (see the module docstring).

    Raises:
        TargetError: ``target`` is not a string naming an object of this network.
    """
    if not isinstance(target, str) or not target:
        raise TargetError(f"target must be a non-empty string, got {target!r}{_expected(topo)}")
    if target in topo.cell_index:
        return Target(target, "cell", (target,), "cell")
    if target in topo.link_index:
        return Target(target, "link", (target,), "link")
    if target in topo.upf_index:
        return Target(target, "upf", (target,), "upf")
    if re.fullmatch(r"S\d{4}", target):
        cells = tuple(c for c in topo.cell_ids if c.startswith(f"{target}-"))
        if cells:
            return Target(target, "cell", cells, "site")
    if m := re.fullmatch(r"L(\d{4})", target):
        n = int(m.group(1))
        if 1 <= n <= len(topo.link_ids):
            return Target(target, "link", (topo.link_ids[n - 1],), "link")
    if target in REGIONS:
        G = topo.graph
        cells = tuple(
            c for c in topo.cell_ids if G.nodes[G.nodes[c]["site"]].get("region") == target
        )
        if cells:
            return Target(target, "cell", cells, "region")
        raise TargetError(f"region {target!r} has no cells in this network")
    raise TargetError(f"unknown target {target!r}{_expected(topo)}")


def _expected(topo: CompiledTopology) -> str:
    return (
        f": expected a cell (e.g. {topo.cell_ids[0]}), a site (e.g. {topo.cell_ids[0][:5]}), "
        f"a link (L0001..L{len(topo.link_ids):04d} or an id such as {topo.link_ids[0]}), a UPF "
        f"({', '.join(topo.upf_ids[:3])}) or a region {list(REGIONS)}"
    )
