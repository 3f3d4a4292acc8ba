"""What every capability is given: the loop, the memory (or None), who asks and in which role."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from autonet.errors import BadInputError

if TYPE_CHECKING:
    from autonet.agents.playbook import Memory
    from autonet.platform.loop import ClosedLoop
    from autonet.twin import Twin

__all__ = ["Capability", "CapabilityContext", "CapabilityError", "network_time", "require_memory"]


class CapabilityError(BadInputError):
    """A capability cannot run with these arguments (names what is wrong and what is expected)."""


@dataclass(frozen=True)
class CapabilityContext:
    """The run-scoped dependencies of one capability call.

    Attributes:
        loop: The closed loop (its twin, playbooks and fitted models).
        memory: The memory database, or None (capabilities that need it refuse clearly).
        actor: Who asked (recorded on tickets, work orders, model versions).
        role: The asker's role (the gate has checked it against the card's roles).
        text: The operator's words, if any (a ticket's summary, a work order's reason).
        request_id: The front door's request record this call serves (``INT-0007``), if any.
    """

    loop: ClosedLoop
    memory: Memory | None
    actor: str = "operator"
    role: str = "operator"
    text: str = ""
    request_id: str | None = None

    @property
    def twin(self) -> Twin:
        """The loop's network."""
        twin: Twin = self.loop.twin
        return twin


#: A capability: ``(context, schema-valid arguments) -> plain-data result``.
Capability = Callable[[CapabilityContext, Mapping[str, Any]], dict[str, Any]]


def require_memory(ctx: CapabilityContext, capability: str, what: str) -> Memory:
    """The context's memory.

    Raises:
        CapabilityError: The loop runs without a memory database.
    """
    if ctx.memory is None:
        raise CapabilityError(
            f"{capability} needs the memory database ({what} live there), and this loop runs "
            "without one: run it in a network session with a memory"
        )
    return ctx.memory


def network_time(now: datetime) -> datetime:
    """The twin's clock (naive, UTC) as an aware UTC time, as the memory stores times."""
    return now if now.tzinfo else now.replace(tzinfo=UTC)
