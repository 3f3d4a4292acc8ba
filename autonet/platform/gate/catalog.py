"""The agent registries: the default one (only what the platform runs) and the benchmark's.

The operations cards (ticketing, field dispatch, inventory, event calendar) overlap the
platform's analysis capabilities on purpose, as they do in an operator's estate: the router
has to tell "open a ticket about S0012" from "find the root cause at S0012". All of them run
in the platform (tickets, work orders and the calendar in the memory database, inventory from
the topology; see ``autonet.platform.capabilities``).

Customer care, weather and billing have no backend here, so they are not in the default
registry: a question for them routes to no agent. The routing benchmark keeps them as
overlapping distractors in :func:`benchmark_registry`, with every card in the benchmark's
original order, so its figures stay comparable.
"""

from __future__ import annotations

from typing import Any

from autonet.platform.gate import vocabulary as vocab
from autonet.platform.gate.cards import AgentCard, AgentRegistry, Risk

__all__ = [
    "BENCHMARK_ONLY",
    "benchmark_cards",
    "benchmark_registry",
    "default_cards",
    "default_registry",
]

#: Cards without a backend in the platform: distractors of the routing benchmark only.
BENCHMARK_ONLY: frozenset[str] = frozenset({"customer_care", "weather", "billing"})

_ALL = frozenset(vocab.ROLES)
_CHANGE = frozenset({"operator", "engineer", "admin"})
_HIGH = frozenset({"engineer", "admin"})
_ADMIN = frozenset({"admin"})

# Reusable argument sub-schemas (the normalised forms of vocabulary.py).
_TARGET = {
    "type": "string",
    "description": "A cell (S0012-C2), site (S0012), link (L0042) or region (north, ...).",
    "pattern": r"^(S\d{4}(-C[1-3])?|L\d{4}|north|south|east|west|centre)$",
}
_SITE_OR_CELL = {
    "type": "string",
    "description": "A cell (S0012-C2) or site (S0012).",
    "pattern": r"^S\d{4}(-C[1-3])?$",
}
_REGION = {"type": "string", "enum": list(vocab.REGIONS), "description": "Operator region."}
_PLACE = {
    "type": "string",
    "enum": sorted(set(vocab.PLACES.values()) | set(vocab.REGIONS)),
    "description": "Area of interest: a named place or a region.",
}
_KPI = {"type": "string", "enum": list(vocab.KPI_NAMES), "description": "TS 28.552 counter or KQI."}
_PERIOD = {"type": "integer", "minimum": 1, "description": "Look-back period in minutes."}
_WINDOW = {
    "type": "object",
    "description": "Daily time window, 24 h clock.",
    "properties": {
        "start": {"type": "string", "pattern": r"^\d{2}:\d{2}$"},
        "end": {"type": "string", "pattern": r"^\d{2}:\d{2}$"},
    },
    "required": ["start", "end"],
    "additionalProperties": False,
}
_DAYS = {
    "type": "array",
    "items": {"type": "string", "enum": list(vocab.DAYS)},
    "description": "Days of the week the window applies to.",
}
_PCT = {"type": "number", "minimum": 0, "maximum": 100}


def _schema(required: list[str], **props: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": props,
        "required": required,
        "additionalProperties": False,
    }


def _card(
    name: str,
    description: str,
    parameters: dict[str, Any],
    *,
    domain: str,
    risk: Risk,
    roles: frozenset[str],
    keywords: tuple[str, ...],
    provider: str = "autonet",
) -> AgentCard:
    return AgentCard(
        name=name,
        description=description,
        parameters=parameters,
        domain=domain,  # type: ignore[arg-type]
        risk=risk,
        roles=roles,
        keywords=keywords,
        provider=provider,
    )


def _platform_cards() -> list[AgentCard]:
    read, change, high = Risk.READ, Risk.CHANGE, Risk.HIGH_IMPACT
    return [
        _card(
            "kpi_reader",
            "Read performance counters and KQIs (PRB utilisation, throughput, users, latency, "
            "drops, power) of a cell, site, link or region over a recent period.",
            _schema(["target"], target=_TARGET, kpi=_KPI, period_min=_PERIOD),
            domain="cross_domain",
            risk=read,
            roles=_ALL,
            keywords=("kpi", "counter", "show", "read", "performance", "measure", "stats"),
        ),
        _card(
            "alarm_reader",
            "List the active and recent alarms of a cell, site, link or region, optionally "
            "filtered by severity.",
            _schema(
                [],
                target=_TARGET,
                severity={"type": "string", "enum": list(vocab.SEVERITIES)},
                period_min=_PERIOD,
            ),
            domain="cross_domain",
            risk=read,
            roles=_ALL,
            keywords=("alarm", "alarms", "fault", "faults", "alert", "active", "critical"),
        ),
        _card(
            "rca_locator",
            "Locate the root cause of an outage or degradation: ranks the failed nodes (cell, "
            "site, link, UPF) that explain the alarms and KPI anomalies, with evidence.",
            _schema(["target"], target=_TARGET, period_min=_PERIOD),
            domain="cross_domain",
            risk=read,
            roles=_ALL,
            keywords=("root cause", "rca", "why", "diagnose", "outage", "localise", "heal"),
        ),
        _card(
            "kpi_forecaster",
            "Forecast a KPI of a cell, site or region for the coming hours (P10/P50/P90), to "
            "predict congestion or low-traffic periods.",
            _schema(["target", "kpi"], target=_TARGET, kpi=_KPI, horizon_min=_PERIOD),
            domain="cross_domain",
            risk=read,
            roles=_ALL,
            keywords=("forecast", "predict", "prediction", "expected", "next hours", "tomorrow"),
        ),
        _card(
            "energy_planner",
            "Plan RAN energy saving in a region: which cells to put to sleep or power down and "
            "when, without hurting throughput, from the traffic forecast.",
            _schema(
                ["region"],
                region=_REGION,
                window=_WINDOW,
                target_saving_pct=_PCT,
                max_kqi_loss_pct=_PCT,
            ),
            domain="ran",
            risk=change,
            roles=_CHANGE,
            keywords=("energy", "save energy", "power saving", "sleep", "green", "night"),
        ),
        _card(
            "slice_provisioner",
            "Provision a new network slice (URLLC, eMBB, mMTC) for an area with throughput, "
            "latency and reliability targets over a time window; checks feasibility first.",
            _schema(
                ["slice_type", "area"],
                slice_type={"type": "string", "enum": list(vocab.SLICE_TYPES)},
                area=_PLACE,
                throughput_mbps={"type": "number", "exclusiveMinimum": 0},
                latency_ms={"type": "number", "exclusiveMinimum": 0},
                reliability_pct=_PCT,
                window=_WINDOW,
                days=_DAYS,
            ),
            domain="cross_domain",
            risk=change,
            roles=_CHANGE,
            keywords=("slice", "network slice", "urllc", "embb", "mmtc", "sla", "provision"),
        ),
        _card(
            "slice_modifier",
            "Modify an existing network slice: its throughput, latency target or time window.",
            _schema(
                ["slice_id"],
                slice_id={"type": "string", "pattern": r"^SL-\d{3}$"},
                throughput_mbps={"type": "number", "exclusiveMinimum": 0},
                latency_ms={"type": "number", "exclusiveMinimum": 0},
                window=_WINDOW,
            ),
            domain="cross_domain",
            risk=change,
            roles=_CHANGE,
            keywords=("slice", "modify", "change", "increase", "update", "resize"),
        ),
        _card(
            "slice_releaser",
            "Release (tear down) an existing network slice and free its reserved resources.",
            _schema(["slice_id"], slice_id={"type": "string", "pattern": r"^SL-\d{3}$"}),
            domain="cross_domain",
            risk=change,
            roles=_CHANGE,
            keywords=("slice", "release", "delete", "remove", "tear down", "terminate"),
        ),
        _card(
            "event_capacity_scheduler",
            "Schedule extra capacity for a special event (stadium match, concert, fair): "
            "forecast-driven pre-emptive actions across RAN, transport and core.",
            _schema(
                ["area"],
                area=_PLACE,
                window=_WINDOW,
                days=_DAYS,
                expected_attendance={"type": "integer", "minimum": 1},
            ),
            domain="cross_domain",
            risk=change,
            roles=_CHANGE,
            keywords=("event", "concert", "match", "crowd", "capacity", "festival", "game"),
        ),
        _card(
            "change_executor",
            "Apply one network change to a cell, site or link: offload, tilt, TX power, sleep, "
            "wake, reroute, capacity boost or UPF scale-out.",
            _schema(
                ["action", "target"],
                action={"type": "string", "enum": list(vocab.CHANGE_ACTIONS)},
                target=_TARGET,
                value={
                    "type": "number",
                    "description": "The change's number: tilt degrees (+ = more downtilt), TX "
                    "power dB (relative) or W (absolute), offload share, extra PRBs or Mbit/s, "
                    "UPF instances.",
                },
                mode={
                    "type": "string",
                    "enum": list(vocab.CHANGE_MODES),
                    "description": 'relative: value is added ("by 2"); absolute: value is '
                    'set ("to 4"). Absent: relative for tilt and TX power.',
                },
            ),
            domain="ran",
            risk=change,
            roles=_CHANGE,
            keywords=(
                "apply",
                "set",
                "tilt",
                "offload",
                "reroute",
                "boost",
                "wake",
                "scale out",
                "uptilt",
                "downtilt",
                "tx power",
                "restart",
            ),
        ),
        _card(
            "change_rollback",
            "Roll back a previously applied change by its change id, restoring the prior state.",
            _schema(["change_id"], change_id={"type": "string", "pattern": r"^CHG-\d{4}$"}),
            domain="cross_domain",
            risk=change,
            roles=_CHANGE,
            keywords=("rollback", "roll back", "revert", "undo", "restore"),
        ),
        _card(
            "intent_verifier",
            "Verify whether an intent is fulfilled (TS 28.312 fulfilment state) against its "
            "KPI and KQI targets.",
            _schema(["intent_id"], intent_id={"type": "string", "pattern": r"^INT-\d{4}$"}),
            domain="cross_domain",
            risk=read,
            roles=_ALL,
            keywords=("verify", "intent", "fulfilled", "compliance", "check intent", "sla met"),
        ),
        _card(
            "model_retrainer",
            "Retrain one of the platform's models (forecaster, anomaly detector, RCA priors, "
            "alarm causal graph) on the latest verified data.",
            _schema(["model"], model={"type": "string", "enum": list(vocab.MODELS)}),
            domain="knowledge",
            risk=change,
            roles=_HIGH,
            keywords=("retrain", "train", "model", "refit", "learn", "update model"),
        ),
        _card(
            "kpi_explainer",
            "Explain the behaviour of a KPI on a specific cell, site or region (why it moved, "
            "which counters and events drove it).",
            _schema(["target", "kpi"], target=_TARGET, kpi=_KPI),
            domain="knowledge",
            risk=read,
            roles=_ALL,
            keywords=("explain", "why", "what drove", "reason", "behaviour", "went down"),
        ),
        _card(
            "cell_locker",
            "Lock or unlock cells or whole sites administratively (takes them off air).",
            _schema(
                ["target", "operation"],
                target=_TARGET,
                operation={"type": "string", "enum": ["lock", "unlock"]},
            ),
            domain="ran",
            risk=high,
            roles=_HIGH,
            keywords=("lock", "unlock", "off air", "barring", "block cell"),
        ),
        _card(
            "config_pusher",
            "Push a bulk configuration change (parameter set) to every cell of a region.",
            _schema(
                ["region", "parameter"],
                region=_REGION,
                parameter={"type": "string", "enum": ["tilt", "tx_power", "handover_margin"]},
                value={"type": "number"},
                mode={
                    "type": "string",
                    "enum": list(vocab.CHANGE_MODES),
                    "description": "absolute (default): every cell is set to value; relative: "
                    "value is added to each cell's own.",
                },
            ),
            domain="ran",
            risk=high,
            roles=_HIGH,
            keywords=("bulk", "push", "configuration", "all cells", "parameter", "mass change"),
        ),
    ]


def _external_cards() -> list[AgentCard]:
    read, change = Risk.READ, Risk.CHANGE
    return [
        _card(
            "ticketing",
            "Open or update a trouble ticket in the operator's ticketing system for a "
            "network element, with a priority.",
            _schema(
                ["target"],
                target=_TARGET,
                priority={"type": "string", "enum": list(vocab.PRIORITIES)},
            ),
            domain="external",
            risk=change,
            roles=_CHANGE,
            provider="autonet",  # tickets in the memory database
            keywords=("ticket", "incident ticket", "trouble ticket", "open a ticket", "support"),
        ),
        _card(
            "field_dispatch",
            "Dispatch a field technician to a site for on-site repair or inspection.",
            _schema(
                ["target"],
                target=_SITE_OR_CELL,
                priority={"type": "string", "enum": list(vocab.PRIORITIES)},
            ),
            domain="external",
            risk=change,
            roles=_CHANGE,
            provider="autonet",  # work orders the field crew consumes
            keywords=("technician", "dispatch", "field", "truck roll", "on-site", "engineer visit"),
        ),
        _card(
            "customer_care",
            "Look up customer complaints and care cases reported in a region or at a site.",
            _schema([], target=_TARGET, period_min=_PERIOD),
            domain="external",
            risk=read,
            roles=_ALL,
            provider="crm",
            keywords=("complaints", "customers", "care", "subscribers complaining", "callers"),
        ),
        _card(
            "inventory",
            "Look up inventory records of a network element: hardware, software version, "
            "vendor, installation date.",
            _schema(["target"], target=_TARGET),
            domain="external",
            risk=read,
            roles=_ALL,
            provider="autonet",  # the topology
            keywords=("inventory", "hardware", "vendor", "software version", "equipment"),
        ),
        _card(
            "weather",
            "Weather forecast and severe-weather warnings for an area.",
            _schema(["area"], area=_PLACE),
            domain="external",
            risk=read,
            roles=_ALL,
            provider="weather",
            keywords=("weather", "storm", "rain", "wind", "forecast weather", "temperature"),
        ),
        _card(
            "event_calendar",
            "Look up scheduled public events (matches, concerts, fairs) in an area.",
            _schema(["area"], area=_PLACE, days=_DAYS),
            domain="external",
            risk=read,
            roles=_ALL,
            provider="autonet",  # the operators' calendar in the memory database
            keywords=("events", "calendar", "concert", "match", "schedule", "what is on"),
        ),
        _card(
            "billing",
            "Billing and charging records: revenue, tariff plans and invoices of an area.",
            _schema([], area=_PLACE),
            domain="external",
            risk=read,
            roles=_ADMIN,
            provider="bss",
            keywords=("billing", "invoice", "revenue", "tariff", "charging"),
        ),
    ]


def benchmark_cards() -> list[AgentCard]:
    """Every card of the routing benchmark: the default cards and the ``BENCHMARK_ONLY``
    distractors, platform capabilities first, in the benchmark's original order."""
    return _platform_cards() + _external_cards()


def benchmark_registry() -> AgentRegistry:
    """The routing benchmark's registry (its dataset, training and ``autonet gate eval``)."""
    return AgentRegistry(benchmark_cards())


def default_cards() -> list[AgentCard]:
    """The cards the platform runs: every benchmark card but the ``BENCHMARK_ONLY`` ones."""
    return [c for c in benchmark_cards() if c.name not in BENCHMARK_ONLY]


def default_registry() -> AgentRegistry:
    """The default registry AgentGate routes over (each card runs through dispatch)."""
    return AgentRegistry(default_cards())
