"""Alarms and fault ground truth: what the twin raises and records when something breaks."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Final, Literal

__all__ = [
    "ALARM_TYPES",
    "FAULT_TYPES",
    "Alarm",
    "FaultRecord",
    "FaultType",
    "Severity",
]

FaultType = Literal[
    "cell_outage",
    "site_power_failure",
    "fibre_cut",
    "link_congestion",
    "interference",
    "upf_overload",
    "misconfiguration",
]
FAULT_TYPES: Final[tuple[str, ...]] = (
    "cell_outage",
    "site_power_failure",
    "fibre_cut",
    "link_congestion",
    "interference",
    "upf_overload",
    "misconfiguration",
)

Severity = Literal["critical", "major", "minor", "warning"]

# Alarm types the twin raises (names in the style of vendor fault-management alarm texts).
ALARM_TYPES: Final[dict[str, str]] = {
    "CELL_UNAVAILABLE": "NR cell out of service",
    "SITE_POWER_FAILURE": "Mains power failure at the site",
    "BATTERY_LOW": "Backup battery discharging",
    "GNB_DISCONNECTED": "gNB lost its NG/Xn connection to the core",
    "LINK_DOWN": "Transport link loss of signal",
    "ETH_LINK_DEGRADED": "Transport interface errors or high utilisation",
    "LINK_CONGESTION": "Transport link utilisation above threshold",
    "HIGH_INTERFERENCE": "Uplink interference / poor SINR on the cell",
    "KPI_DEGRADATION": "Cell KPI below its threshold (throughput, drops)",
    "UPF_OVERLOAD": "UPF user-plane load above capacity",
    "PDU_SESSION_FAILURES": "PDU session establishment failures rising",
    "CONFIG_MISMATCH": "Cell configuration outside its planned range",
    "NEIGHBOUR_OVERLOAD": "Cell load above threshold after traffic shift",
}


@dataclass(frozen=True, slots=True)
class Alarm:
    """One alarm occurrence on one node."""

    alarm_id: str
    alarm_type: str  # a key of ALARM_TYPES
    node: str  # topology node id
    severity: Severity
    raised_at: datetime
    cleared_at: datetime | None = None
    fault_id: str | None = None  # ground truth link, for evaluation only; never shown to agents
    root: bool = False  # ground truth: is this the root alarm of its fault

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(slots=True)
class FaultRecord:
    """Ground truth of one injected fault."""

    fault_id: str
    fault_type: str  # one of FAULT_TYPES
    root_node: str
    domain: str  # one of schema.DOMAINS
    start: datetime
    end: datetime | None = None
    affected: tuple[str, ...] = field(default_factory=tuple)  # nodes that lose service
    params: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
