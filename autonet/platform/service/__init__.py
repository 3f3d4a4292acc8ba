"""The front door and the network session: the one path from an operator to the network."""

from autonet.platform.service.expression import ParsedIntent, parse_expression
from autonet.platform.service.requests import CHANGE_KINDS, RequestService
from autonet.platform.service.session import (
    AdvanceReport,
    NetworkSession,
    NetworkSpec,
    default_state_dir,
    read_status,
    session_meta,
)

__all__ = [
    "CHANGE_KINDS",
    "AdvanceReport",
    "NetworkSession",
    "NetworkSpec",
    "ParsedIntent",
    "RequestService",
    "default_state_dir",
    "parse_expression",
    "read_status",
    "session_meta",
]
