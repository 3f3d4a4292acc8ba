"""The structured-data model, long-term memory and domain knowledge.

The public names are re-exported lazily (PEP 562): ``from autonet.knowledge import
RootCauseLocator`` imports only the rca package, so a caller that needs the forecaster does not
pay for SQLAlchemy, and importing ``autonet.knowledge`` itself does no work.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from autonet.knowledge.anomaly import MultivariateAnomalyDetector, ResidualAnomalyDetector
    from autonet.knowledge.causal import TopologicalHawkes, f1_directed, load_alarm_log
    from autonet.knowledge.domain import KnowledgeBase, default_knowledge_base
    from autonet.knowledge.forecast import (
        ExponentialSmoothingForecaster,
        GlobalKpiForecaster,
        SeasonalNaiveForecaster,
        make_forecaster,
    )
    from autonet.knowledge.io import (
        ImportValidationError,
        import_alarms,
        import_kpis,
        import_topology,
    )
    from autonet.knowledge.memory import (
        AuditLog,
        CaseStore,
        ModelRegistry,
        Retrainer,
        SymptomSignature,
        create_engine_for,
        init_db,
    )
    from autonet.knowledge.rca import Hypothesis, RootCauseLocator, topology_distance
    from autonet.knowledge.rules import (
        PolicyError,
        PolicyMatcher,
        Situation,
        load_default_policies,
        load_policies,
    )

# public name -> the module that defines it (an explicit registry, no string-built imports)
_EXPORTS: dict[str, str] = {
    "GlobalKpiForecaster": "autonet.knowledge.forecast",
    "SeasonalNaiveForecaster": "autonet.knowledge.forecast",
    "ExponentialSmoothingForecaster": "autonet.knowledge.forecast",
    "make_forecaster": "autonet.knowledge.forecast",
    "ResidualAnomalyDetector": "autonet.knowledge.anomaly",
    "MultivariateAnomalyDetector": "autonet.knowledge.anomaly",
    "RootCauseLocator": "autonet.knowledge.rca",
    "Hypothesis": "autonet.knowledge.rca",
    "topology_distance": "autonet.knowledge.rca",
    "TopologicalHawkes": "autonet.knowledge.causal",
    "f1_directed": "autonet.knowledge.causal",
    "load_alarm_log": "autonet.knowledge.causal",
    "PolicyMatcher": "autonet.knowledge.rules",
    "PolicyError": "autonet.knowledge.rules",
    "Situation": "autonet.knowledge.rules",
    "load_policies": "autonet.knowledge.rules",
    "load_default_policies": "autonet.knowledge.rules",
    "CaseStore": "autonet.knowledge.memory",
    "ModelRegistry": "autonet.knowledge.memory",
    "Retrainer": "autonet.knowledge.memory",
    "AuditLog": "autonet.knowledge.memory",
    "SymptomSignature": "autonet.knowledge.memory",
    "create_engine_for": "autonet.knowledge.memory",
    "init_db": "autonet.knowledge.memory",
    "import_topology": "autonet.knowledge.io",
    "import_kpis": "autonet.knowledge.io",
    "import_alarms": "autonet.knowledge.io",
    "ImportValidationError": "autonet.knowledge.io",
    "KnowledgeBase": "autonet.knowledge.domain",
    "default_knowledge_base": "autonet.knowledge.domain",
}

__all__ = [
    "AuditLog",
    "CaseStore",
    "ExponentialSmoothingForecaster",
    "GlobalKpiForecaster",
    "Hypothesis",
    "ImportValidationError",
    "KnowledgeBase",
    "ModelRegistry",
    "MultivariateAnomalyDetector",
    "PolicyError",
    "PolicyMatcher",
    "ResidualAnomalyDetector",
    "Retrainer",
    "RootCauseLocator",
    "SeasonalNaiveForecaster",
    "Situation",
    "SymptomSignature",
    "TopologicalHawkes",
    "create_engine_for",
    "default_knowledge_base",
    "f1_directed",
    "import_alarms",
    "import_kpis",
    "import_topology",
    "init_db",
    "load_alarm_log",
    "load_default_policies",
    "load_policies",
    "make_forecaster",
    "topology_distance",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'autonet.knowledge' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
