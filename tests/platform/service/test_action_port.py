"""The execution agent changes the network through the adapter's action port, nowhere else."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from autonet.agents.messages import Request
from autonet.agents.playbooks import make_playbook
from autonet.platform.loop import ClosedLoop
from autonet.platform.service.adapter import TwinAdapter
from autonet.twin import Twin, build_topology


class SouthboundAdapter(TwinAdapter):
    """A stand-in for a real network's southbound interface: every change it is given is
    recorded (as the real network would receive it), then mirrored onto the twin."""

    def __init__(self, twin: Twin) -> None:
        super().__init__(twin)
        self.sent: list[tuple[str, str, dict[str, Any]]] = []

    def apply(self, kind: str, target: str, *, key: str | None = None, **params: Any) -> Any:
        self.sent.append((kind, target, dict(params)))
        return super().apply(kind, target, key=key, **params)

    def undo(self, action_id: str) -> Any:
        self.sent.append(("undo", action_id, {}))
        return super().undo(action_id)


def test_a_change_reaches_the_network_through_the_port_once(tmp_path: Path) -> None:
    twin = Twin(build_topology(n_sites=6, seed=3), seed=3)
    twin.run(4)
    cell = twin.compiled.cell_ids[0]
    before = float(twin.state.cell_tilt_deg[0])
    port = SouthboundAdapter(twin)
    loop = ClosedLoop(twin, [make_playbook("change")], workdir=tmp_path, name="sb", network=port)
    try:
        loop.submit(Request(id="R1", kind="change", agent="change_executor",
                            arguments={"action": "tilt", "target": cell, "value": 1.0,
                                       "mode": "relative"},
                            submitted_at=twin.now.isoformat(), actor="ana"))  # fmt: skip
        loop.tick()
        twin.step()
        loop.tick()
    finally:
        loop.close()
    assert port.sent == [("tilt", cell, {"delta_deg": 1.0})]  # sent once, as asked
    assert float(twin.state.cell_tilt_deg[0]) == before + 1.0  # mirrored onto the model
