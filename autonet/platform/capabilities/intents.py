"""Intent verification: the TS 28.312 fulfilment of a request, read from its record."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from autonet.agents.trace import plain
from autonet.errors import NotFoundError
from autonet.platform.capabilities.context import CapabilityContext, require_memory

__all__ = ["intent_verifier"]

#: Request status -> TS 28.312 fulfilment state of the intent.
_FULFILMENT = {
    "done": "FULFILLED",
    "in_progress": "NOT_FULFILLED",
    "pending_approval": "NOT_FULFILLED",
    "rejected": "NOT_FULFILLED",
    "escalated": "NOT_FULFILLED",
    "failed": "NOT_FULFILLED",
    "answered": "FULFILLED",
    "needs_info": "NOT_FULFILLED",
}


def intent_verifier(ctx: CapabilityContext, args: Mapping[str, Any]) -> dict[str, Any]:
    """The fulfilment of request ``intent_id`` (``INT-0007``): status, verdict, actions.

    Raises:
        CapabilityError: The loop runs without a memory database.
        NotFoundError: No such request.
    """
    from autonet.knowledge.memory.requests import RequestStore

    memory = require_memory(ctx, "intent_verifier", "the request records")
    wanted = str(args["intent_id"])
    try:
        record = RequestStore(memory.engine).get(wanted)
    except NotFoundError:
        raise NotFoundError(f"no intent {wanted!r}: see `autonet intent list`") from None
    return plain({
        "intent_id": record.id, "status": record.status,
        "fulfilment": _FULFILMENT[record.status], "verdict": record.verdict,
        "reason": record.reason, "actions": record.actions,
    })  # fmt: skip
