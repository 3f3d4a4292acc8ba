"""Alarm causal learning: which alarm types cause which, on a device topology."""

from autonet.knowledge.causal.data import (
    ALARM_COLUMNS,
    AlarmDataError,
    AlarmLog,
    load_alarm_log,
    read_alarms,
    read_prior,
    read_topology,
    validate_prior,
    validate_topology,
)
from autonet.knowledge.causal.excitation import Excitation, excitation_features, hop_distances
from autonet.knowledge.causal.metrics import EdgeScores, edge_scores, f1_directed, g_score, shd
from autonet.knowledge.causal.thp import TopologicalHawkes

__all__ = [
    "ALARM_COLUMNS",
    "AlarmDataError",
    "AlarmLog",
    "EdgeScores",
    "Excitation",
    "TopologicalHawkes",
    "edge_scores",
    "excitation_features",
    "f1_directed",
    "g_score",
    "hop_distances",
    "load_alarm_log",
    "read_alarms",
    "read_prior",
    "read_topology",
    "shd",
    "validate_prior",
    "validate_topology",
]
