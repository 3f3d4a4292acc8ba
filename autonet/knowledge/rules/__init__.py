"""ONAP-shaped operational and guard policies: models, YAML loader, matcher and guards."""

from autonet.knowledge.rules.guards import GuardVerdict, evaluate_guards
from autonet.knowledge.rules.loader import (
    PolicyError,
    load_default_policies,
    load_policies,
    parse_policies,
)
from autonet.knowledge.rules.matcher import MatchedOperation, PolicyMatcher
from autonet.knowledge.rules.model import (
    ACTION_KINDS,
    TERMINALS,
    Operation,
    OperationalPolicy,
    PolicySet,
)
from autonet.knowledge.rules.situation import ActionRecord, Event, Situation

__all__ = [
    "ACTION_KINDS",
    "TERMINALS",
    "ActionRecord",
    "Event",
    "GuardVerdict",
    "MatchedOperation",
    "Operation",
    "OperationalPolicy",
    "PolicyError",
    "PolicyMatcher",
    "PolicySet",
    "Situation",
    "evaluate_guards",
    "load_default_policies",
    "load_policies",
    "parse_policies",
]
