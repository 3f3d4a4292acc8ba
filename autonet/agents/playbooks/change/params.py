"""The twin action parameters of an operator's change value: tilt / TX power per cell, offload
share, capacity boost, UPF scale-out (see :mod:`autonet.agents.playbooks.change.plan`)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Final

from autonet.agents.messages import ActionStep
from autonet.errors import BadInputError

if TYPE_CHECKING:
    from autonet.agents.targets import Target
    from autonet.twin import Twin

__all__ = [
    "ChangeRequestError",
    "boost",
    "mode_of",
    "per_cell",
    "scale_out",
    "share",
    "shown",
    "value_of",
]

_MODES: Final = ("relative", "absolute")
_TILT_RANGE: Final = (0.0, 15.0)  # the twin's electrical downtilt range, degrees
_DEFAULT_SHARE: Final = 0.3  # the default policies' offload share (event-capacity-now)
_DEFAULT_PRBS: Final = 100  # the default policies' capacity boost (event-capacity-forecast)


class ChangeRequestError(BadInputError):
    """The change request cannot be carried out (the message says why and what is expected)."""


def value_of(args: dict[str, Any]) -> float | None:
    """The request's ``value`` as a float (None when not given)."""
    value = args.get("value")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ChangeRequestError(f"value must be a finite number, got {value!r}")
    return float(value)


def mode_of(args: dict[str, Any], *, default: str) -> str:
    """The request's ``mode`` (``default`` when not given)."""
    mode = args.get("mode", default)
    if mode not in _MODES:
        raise ChangeRequestError(f"mode must be one of {list(_MODES)}, got {mode!r}")
    return str(mode)


def shown(value: float | None, mode: str) -> str:
    """How the value reads in the change's one-line description ("by -2", "to 4")."""
    if value is None:
        return ""
    return f" by {value:+g}" if mode == "relative" else f" to {value:g}"


def per_cell(
    twin: Twin, kind: str, target: Target, value: float | None, mode: str, plan: dict[str, Any]
) -> None:
    """One tilt / tx_power action per cell; cells already at an absolute value are skipped."""
    unit = "degrees" if kind == "tilt" else ("dB" if mode == "relative" else "W")
    if value is None:
        raise ChangeRequestError(
            f"{kind} needs a value: 'by N {unit}' (relative) or 'to N' (absolute)"
        )
    if mode == "relative" and value == 0:
        raise ChangeRequestError(f"{kind} by 0 {unit} changes nothing")
    if kind == "tilt" and mode == "absolute" and not _TILT_RANGE[0] <= value <= _TILT_RANGE[1]:
        raise ChangeRequestError(
            f"tilt {value:g} degrees is outside the antenna's range [{_TILT_RANGE[0]:g}, "
            f"{_TILT_RANGE[1]:g}] degrees"
        )
    if kind == "tx_power" and mode == "absolute" and value <= 0:
        raise ChangeRequestError(f"TX power must be above 0 W, got {value:g} W")
    st, index = twin.state, twin.compiled.cell_index
    actions = []
    for cell in target.ids:
        if kind == "tilt":
            cur = float(st.cell_tilt_deg[index[cell]])
            delta = value if mode == "relative" else round(value - cur, 6)
            params = {"delta_deg": float(delta)}
        else:
            cur = float(st.cell_tx_w[index[cell]])
            delta = value if mode == "relative" else round(10.0 * math.log10(value / cur), 6)
            params = {"delta_db": float(delta)}
        if delta != 0:
            actions.append(ActionStep(kind=kind, target=cell, params=params))
    if not actions:
        now = "tilt" if kind == "tilt" else "TX power"
        raise ChangeRequestError(f"{plan['what']}: every cell already has {now} {value:g} {unit}")
    plan["actions"] = actions


def share(value: float | None, plan: dict[str, Any]) -> float:
    """The share to hand over (always the share itself: ``mode`` does not apply)."""
    if value is None:
        plan["assumptions"].append(f"offload share {_DEFAULT_SHARE:g} (none given)")
        return _DEFAULT_SHARE
    share = value / 100.0 if value > 1 else value
    if value > 1:
        plan["assumptions"].append(f"offload value {value:g} read as {share:g} (a percentage)")
    return share


def boost(twin: Twin, target: Target, value: float | None, mode: str, plan: dict[str, Any]) -> None:
    """``capacity_boost`` actions: extra PRBs per cell or extra Mbit/s per link."""
    if mode == "absolute":
        raise ChangeRequestError(
            "capacity_boost adds capacity: give the amount to add ('by N'), not a total"
        )
    if target.level == "cell":
        if value is None:
            plan["assumptions"].append(f"extra_prbs {_DEFAULT_PRBS} (none given)")
            value = float(_DEFAULT_PRBS)
        if value < 1 or not value.is_integer():
            raise ChangeRequestError(
                f"capacity_boost on cells adds a whole number >= 1 of PRBs, got {value:g}"
            )
        params: dict[str, Any] = {"extra_prbs": int(value)}
    else:
        if value is None:
            planned = float(
                twin.compiled.link_capacity_mbps[twin.compiled.link_index[target.ids[0]]]
            )
            value = round(planned / 4.0, 3)
            plan["assumptions"].append(f"extra_mbps {value:g} (a quarter of the planned capacity)")
        if value <= 0:
            raise ChangeRequestError(f"capacity_boost on a link adds Mbit/s > 0, got {value:g}")
        params = {"extra_mbps": float(value)}
    plan["actions"] = [
        ActionStep(kind="capacity_boost", target=i, params=dict(params)) for i in target.ids
    ]


def scale_out(twin: Twin, target: Target, value: float | None, plan: dict[str, Any]) -> None:
    """``upf_scale_out`` actions: on the UPF itself, or on the UPF(s) serving a site's cells."""
    n = 1.0 if value is None else value
    if n < 1 or not n.is_integer():
        raise ChangeRequestError(f"upf_scale_out adds a whole number >= 1 of instances, got {n:g}")
    topo = twin.compiled
    if target.level == "upf":
        upfs = list(target.ids)
    else:  # the UPF(s) serving the site / cells
        sites = sorted({int(topo.cell_site[topo.cell_index[c]]) for c in target.ids})
        upfs = sorted({topo.upf_ids[int(twin.state.site_upf[s])] for s in sites})
        plan["assumptions"].append(f"{target.name} is served by {', '.join(upfs)}")
    plan["actions"] = [
        ActionStep(kind="upf_scale_out", target=u, params={"instances": int(n)}) for u in upfs
    ]
