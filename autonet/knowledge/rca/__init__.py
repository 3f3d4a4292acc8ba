"""Root-cause localisation over the topology: ranked, explained fault hypotheses."""

from autonet.knowledge.rca.dependency import DependencyIndex, build_index, is_twin_graph
from autonet.knowledge.rca.distance import topology_distance
from autonet.knowledge.rca.hypothesis import Hypothesis, RCAInputError, Symptom
from autonet.knowledge.rca.io import parse_window, read_alarm_log, read_topology, select_window
from autonet.knowledge.rca.locator import RootCauseLocator
from autonet.knowledge.rca.priors import normalize_priors
from autonet.knowledge.rca.signatures import FAULT_SIGNATURES, KPI_ANOMALY, FaultSignature

__all__ = [
    "FAULT_SIGNATURES",
    "KPI_ANOMALY",
    "DependencyIndex",
    "FaultSignature",
    "Hypothesis",
    "RCAInputError",
    "RootCauseLocator",
    "Symptom",
    "build_index",
    "is_twin_graph",
    "normalize_priors",
    "parse_window",
    "read_alarm_log",
    "read_topology",
    "select_window",
    "topology_distance",
]
