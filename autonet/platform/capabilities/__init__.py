"""The capabilities dispatch runs directly: readers, RCA, forecast, inventory, KPI explanations,
tickets, work orders, the event calendar and model retraining.

Each is ``(CapabilityContext, schema-valid arguments) -> plain data``, registered by its
AgentGate card name in :data:`CAPABILITIES`. Those that need the memory database (tickets,
work orders, the calendar, retraining) take it from the context and refuse clearly without one.
"""

from __future__ import annotations

from typing import Final

from autonet.platform.capabilities.calendar import event_calendar
from autonet.platform.capabilities.context import (
    Capability,
    CapabilityContext,
    CapabilityError,
    network_time,
    require_memory,
)
from autonet.platform.capabilities.explain import kpi_explainer
from autonet.platform.capabilities.intents import intent_verifier
from autonet.platform.capabilities.inventory import inventory
from autonet.platform.capabilities.readers import (
    alarm_reader,
    kpi_forecaster,
    kpi_reader,
    rca_locator,
)
from autonet.platform.capabilities.retrain import RETRAINABLE, model_retrainer
from autonet.platform.capabilities.targets import REGIONS, classify, resolve_target
from autonet.platform.capabilities.tickets import ticketing
from autonet.platform.capabilities.work_orders import field_dispatch

__all__ = [
    "CAPABILITIES",
    "REGIONS",
    "RETRAINABLE",
    "Capability",
    "CapabilityContext",
    "CapabilityError",
    "alarm_reader",
    "classify",
    "event_calendar",
    "field_dispatch",
    "intent_verifier",
    "inventory",
    "kpi_explainer",
    "kpi_forecaster",
    "kpi_reader",
    "model_retrainer",
    "network_time",
    "rca_locator",
    "require_memory",
    "resolve_target",
    "ticketing",
]

#: Every capability run directly, by its card name.
CAPABILITIES: Final[dict[str, Capability]] = {
    "kpi_reader": kpi_reader,
    "alarm_reader": alarm_reader,
    "rca_locator": rca_locator,
    "kpi_forecaster": kpi_forecaster,
    "inventory": inventory,
    "event_calendar": event_calendar,
    "kpi_explainer": kpi_explainer,
    "ticketing": ticketing,
    "field_dispatch": field_dispatch,
    "model_retrainer": model_retrainer,
    "intent_verifier": intent_verifier,
}
