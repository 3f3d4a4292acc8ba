"""What-if clones built from what the loop observed plus its own hypotheses, never ground truth.

:meth:`Twin.clone` copies everything, the twin's hidden state included: the injected faults with
their true attributes (type, root, whether an outage is software or hardware), the field-repair
clear times and a power failure's battery timer, and the real traffic events (a stadium surge the
operators never announced, or announced with another size). A decision scored on such a clone
sees the future. :func:`observed_clone` gives the independent twin a decision may use instead:

* **Kept (observed)**: the network's configuration and present physical state as the loop
  measures them: tilts, TX power, PRBs, sleep states, offloads, backhaul paths, slices, link and
  UPF capacities, which cells, sites and links are out of service, the interference and the
  background load on links and UPFs (a link's measured load minus the RAN traffic routed over
  it), the loop's applied actions, the recorded KPIs and the alarms active now (raised by now
  and not cleared by now; a clear time still in the future is dropped).
* **Replaced (hypothesised)**: the faults. The clone carries no injected fault record. Each
  hypothesis (root node + fault type from root-cause analysis) becomes a fault of that type on
  that node whose effect is what is observed there now, so a remote fix on the clone (a restart,
  a tilt back to plan) behaves as the hypothesis says: an outage is taken as a software fault
  that a restart clears unless the hypothesis carries ``cause="hardware"`` (the loop's evidence,
  e.g. a restart that already failed). Hypothesised faults last for the whole what-if: the loop
  does not know when a crew will repair them, nor when a battery runs out.
* **Replaced (demand as the operator knows it)**: the traffic. The clone keeps the twin's
  regular daily and weekly profile per cell and how much demand fluctuates step to step (what
  the operator's history gives), but draws its own realisation of the fluctuation: the clone
  never sees the draws the live twin will make (``TrafficModel.redrawn``). A noise-free clone
  was tried first: it under-predicts the peaks that make a hot cell congest, so remedies for
  forecast congestion scored zero and were escalated. It has no traffic event except the
  ``events`` passed in, i.e. the operators' calendar with its expected surge (the true
  multiplier is never copied).

Alarms in the clone carry no ground-truth link (``fault_id`` is None, ``root`` is False).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Final, Protocol

from autonet.errors import BadInputError
from autonet.twin.events import FAULT_TYPES
from autonet.twin.fault_catalogue import Change, FaultError, resolve_target

if TYPE_CHECKING:
    from autonet.twin.engine import Twin

__all__ = [
    "OUTAGE_CAUSES",
    "ExpectedEvent",
    "ObservedCloneError",
    "observed_clone",
    "representable",
]

#: Salt of the clone's own noise realisation (see ``TrafficModel.redrawn``).
_NOISE_SALT: Final[int] = 0x0B5E
#: Causes an outage hypothesis may carry (default ``"software"``: a restart is worth a try).
OUTAGE_CAUSES: Final[tuple[str, ...]] = ("software", "hardware")


class ObservedCloneError(BadInputError):
    """A hypothesis or an expected event given to :func:`observed_clone` is malformed."""


class ExpectedEvent(Protocol):
    """A traffic event the loop knows of (e.g. a ``PlannedEvent`` of the operators' calendar)."""

    @property
    def name(self) -> str: ...
    @property
    def cells(self) -> Sequence[str]: ...
    @property
    def start(self) -> datetime: ...
    @property
    def end(self) -> datetime: ...
    @property
    def multiplier(self) -> float: ...
    @property
    def ramp(self) -> timedelta: ...


#: The state array each fault type changes, and how a clear restores it ("set": to the planned
#: value; "add": the fault's share of an additive load or loss is taken out).
_EFFECT: Final[dict[str, tuple[str, str]]] = {
    "cell_outage": ("cell_on", "set"),
    "site_power_failure": ("site_powered", "set"),
    "fibre_cut": ("link_up", "set"),
    "link_congestion": ("link_background_mbps", "add"),
    "interference": ("cell_interference_db", "add"),
    "upf_overload": ("upf_background_mbps", "add"),
    "misconfiguration": ("cell_tilt_deg", "set"),
}


def _observed_change(twin: Twin, fault_type: str, i: int) -> Change:
    """The hypothesised fault's effect: from the planned value to what is observed now."""
    array, mode = _EFFECT[fault_type]
    now = getattr(twin.state, array)[i]
    if mode == "add":
        return Change(array, [i], [0.0], [float(now)], "add")
    if array == "cell_tilt_deg":  # a fix restores the planned tilt
        return Change(array, [i], [float(twin.compiled.cell_tilt_deg[i])], [float(now)])
    return Change(array, [i], [True], [bool(now)])


def _hypothesis(h: Any, pos: int) -> tuple[str, str, str | None]:
    if not isinstance(h, Mapping):
        raise ObservedCloneError(
            f"hypothesis {pos}: expected a mapping with 'node' and 'fault_type', got "
            f"{type(h).__name__}"
        )
    node, fault_type, cause = h.get("node"), h.get("fault_type"), h.get("cause")
    if fault_type not in FAULT_TYPES:
        raise ObservedCloneError(
            f"hypothesis {pos}: fault_type {fault_type!r} is not one of {list(FAULT_TYPES)}"
        )
    if not isinstance(node, str) or not node:
        raise ObservedCloneError(f"hypothesis {pos}: node must be a non-empty id, got {node!r}")
    if cause is not None and (fault_type != "cell_outage" or cause not in OUTAGE_CAUSES):
        raise ObservedCloneError(
            f"hypothesis {pos}: cause {cause!r} is only for a cell_outage, one of "
            f"{list(OUTAGE_CAUSES)}"
        )
    return node, str(fault_type), cause


def representable(twin: Twin, hypothesis: Mapping[str, Any]) -> bool:
    """True when :func:`observed_clone` can hold ``hypothesis`` (a known fault type on a node
    of the kind it takes, a valid cause); a caller drops the others rather than fail."""
    try:
        node, fault_type, _ = _hypothesis(hypothesis, 0)
        resolve_target(twin, fault_type, node)
    except (ObservedCloneError, FaultError):
        return False
    return True


def _hypothesised_faults(twin: Twin, hypotheses: Iterable[Any]) -> dict[str, Any]:
    """The clone's fault ledger: one entry per distinct hypothesis, nothing of the truth."""
    entries: dict[str, Any] = {}
    seen: set[tuple[str, int]] = set()
    for pos, h in enumerate(hypotheses):
        node, fault_type, cause = _hypothesis(h, pos)
        try:
            i = resolve_target(twin, fault_type, node)
        except FaultError as exc:
            raise ObservedCloneError(f"hypothesis {pos}: {exc}") from None
        if (fault_type, i) in seen:
            continue
        seen.add((fault_type, i))
        seq = len(entries) + 1
        entry: dict[str, Any] = {
            "type": fault_type, "index": i, "seq": seq, "active": True, "alarms": 0,
            "changes": [_observed_change(twin, fault_type, i)], "hypothesis": True,
        }  # fmt: skip
        if fault_type == "cell_outage":
            entry["cause"] = cause or "software"
        entries[f"H{seq:04d}"] = entry
    return {"seq": len(entries), "entries": entries}


def _expected_events(twin: Twin, events: Iterable[Any]) -> None:
    """Add the known events to the clone's (emptied) traffic, on the cells that exist."""
    index = twin.compiled.cell_index
    for pos, ev in enumerate(events):
        try:
            name, cells = str(ev.name), list(ev.cells)
            start, end, mult, ramp = ev.start, ev.end, float(ev.multiplier), ev.ramp
        except (AttributeError, TypeError, ValueError):
            raise ObservedCloneError(
                f"event {pos}: expected an object with name, cells, start, end, multiplier and "
                f"ramp (e.g. a PlannedEvent), got {type(ev).__name__}"
            ) from None
        idx = [index[c] for c in cells if c in index]
        if not idx:
            continue  # an event elsewhere: nothing of this network surges
        if not math.isfinite(mult):
            raise ObservedCloneError(f"event {name!r}: multiplier must be finite, got {mult!r}")
        try:
            twin.traffic.add_event(idx, start, end, mult, name, ramp=ramp)
        except (ValueError, TypeError) as exc:
            raise ObservedCloneError(str(exc)) from None


def observed_clone(
    twin: Twin,
    hypotheses: Iterable[Mapping[str, Any]] = (),
    events: Iterable[ExpectedEvent] = (),
) -> Twin:
    """An independent twin at the same time that holds only what the loop can know.

    See the module docstring for what is kept and what is replaced.

    Args:
        twin: The live twin (never changed).
        hypotheses: Root-cause hypotheses (mappings with ``node`` and ``fault_type``, e.g. the
            analysis agent's ``Hypothesis``; optional ``cause`` ``"software"``/``"hardware"``
            for a cell outage the loop has evidence about). Repeats are merged.
        events: Traffic events the loop knows (the operators' calendar); their cells outside
            this network are ignored.

    Returns:
        The clone. Its faults are the hypotheses (ids ``H0001``...), it has no scheduled clear,
        and its demand is the expected one with ``events`` only.

    Raises:
        ObservedCloneError: A hypothesis names an unknown fault type, a node that is not of
            the kind the fault type takes, or a cause other than ``software``/``hardware`` on
            a cell outage; or an event is malformed.
    """
    other = twin.clone()
    now = twin.now
    other.faults = []
    other._clear_at = {}
    other.ledger["faults"] = _hypothesised_faults(twin, hypotheses)
    # the alarms active as the loop sees them now (a clear still in the future is not seen);
    # the cleared history is left out: no what-if reads it, and the log grows with the run
    other.alarms = [
        replace(a, fault_id=None, root=False, cleared_at=None)
        for a in twin.alarms
        if a.raised_at <= now and (a.cleared_at is None or a.cleared_at > now)
    ]
    other.traffic = twin.traffic.redrawn(_NOISE_SALT)
    other.traffic.events = []
    _expected_events(other, events)
    return other
