"""Structured intents: 3GPP TS 28.312 expectations -> the capability and arguments they ask for.

An intent expression holds ``intentExpectations``; each names an ``expectationObject`` (what
it is about), ``expectationTargets`` (a target name, a condition and a value range) and
``expectationContexts`` (where and when). Two kinds of expectation are understood, those the
platform can deliver: a network slice (``objectType`` ``NetworkSlice`` or a ``sliceType``
context) and RAN energy saving (an energy target). Anything else is refused with the list of
what is understood, never guessed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from autonet.errors import BadInputError

__all__ = ["CONDITIONS", "ParsedIntent", "parse_expression"]

CONDITIONS: Final = ("IS_LESS_THAN", "IS_GREATER_THAN", "IS_EQUAL_TO", "IS_WITHIN_RANGE")
_SLICE_TARGETS: Final = {
    "latency": "latency_ms",
    "dllatency": "latency_ms",
    "ullatency": "latency_ms",
    "e2elatency": "latency_ms",
    "throughput": "throughput_mbps",
    "dlthptperslice": "throughput_mbps",
    "dlthptperue": "throughput_mbps",
    "ulthptperslice": "throughput_mbps",
    "availability": "reliability_pct",
    "reliability": "reliability_pct",
}
_ENERGY_TARGETS: Final = {
    "energysaving": "target_saving_pct",
    "ranenergysaving": "target_saving_pct",
    "energysavingpct": "target_saving_pct",
    "kqiloss": "max_kqi_loss_pct",
    "throughputdegradation": "max_kqi_loss_pct",
}
_SLICE_TYPES: Final = {"urllc": "URLLC", "embb": "eMBB", "mmtc": "mMTC"}
_WINDOW_RE: Final = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


@dataclass(frozen=True)
class ParsedIntent:
    """What a structured intent asks for: a capability, its arguments, a summary for people."""

    agent: str
    arguments: dict[str, Any]
    summary: str


def _norm(name: Any) -> str:
    return re.sub(r"[^a-z0-9]", "", str(name).lower())


def _number(target: Mapping[str, Any], where: str) -> float:
    cond = target.get("targetCondition", "IS_EQUAL_TO")
    if cond not in CONDITIONS:
        raise BadInputError(f"{where}.targetCondition {cond!r}: expected one of {list(CONDITIONS)}")
    value = target.get("targetValueRange")
    if isinstance(value, Sequence) and not isinstance(value, str):
        if cond != "IS_WITHIN_RANGE" or len(value) != 2:
            raise BadInputError(
                f"{where}.targetValueRange {value!r}: a list needs IS_WITHIN_RANGE and two numbers"
            )
        value = value[1] if cond == "IS_WITHIN_RANGE" else value[0]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise BadInputError(f"{where}.targetValueRange must be a number, got {value!r}")
    return float(value)


def _window(value: Any, where: str) -> dict[str, str]:
    if isinstance(value, Mapping) and {"start", "end"} <= set(value):
        text = f"{value['start']}-{value['end']}"
    else:
        text = str(value)
    m = _WINDOW_RE.match(text)
    if not m or int(m.group(1)) > 23 or int(m.group(3)) > 24:
        raise BadInputError(f"{where} {value!r}: expected a daily window like '08:00-18:00'")
    h1, m1, h2, m2 = m.groups()
    return {"start": f"{int(h1):02d}:{m1}", "end": f"{int(h2):02d}:{m2}"}


def _contexts(exp: Mapping[str, Any], where: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    contexts = list(exp.get("expectationContexts") or [])
    obj = exp.get("expectationObject") or {}
    contexts += list(obj.get("objectContexts") or [])
    for i, ctx in enumerate(contexts):
        if not isinstance(ctx, Mapping) or "contextAttribute" not in ctx:
            raise BadInputError(
                f"{where}.contexts[{i}] needs contextAttribute and contextValueRange"
            )
        name, value = _norm(ctx["contextAttribute"]), ctx.get("contextValueRange")
        if isinstance(value, list) and len(value) == 1:
            value = value[0]
        if name in ("coveragearea", "area", "region", "geographicalarea"):
            out["area"] = str(value).lower()
        elif name in ("timewindow", "schedule", "activitywindow"):
            out["window"] = _window(value, f"{where}.contexts[{i}]")
        elif name in ("slicetype", "sst"):
            st = _SLICE_TYPES.get(_norm(value))
            if st is None:
                raise BadInputError(
                    f"{where}.contexts[{i}] sliceType {value!r}: expected URLLC, eMBB or mMTC"
                )
            out["slice_type"] = st
    if "area" not in out and obj.get("objectInstance"):
        out["area"] = str(obj["objectInstance"]).lower()
    return out


def _targets(targets: list[Any], names: list[str], known: Mapping[str, str], what: str,
             where: str) -> dict[str, Any]:  # fmt: skip
    """The arguments the expectation's targets set (each target one a ``what`` understands)."""
    out: dict[str, Any] = {}
    for i, (t, n) in enumerate(zip(targets, names, strict=True)):
        if n not in known:
            raise BadInputError(
                f"{where}.expectationTargets[{i}] {t.get('targetName')!r}: {what} "
                f"understands {sorted(set(known))}"
            )
        out[known[n]] = _number(t, f"{where}.expectationTargets[{i}]")
    return out


def _place(ctx: Mapping[str, Any], key: str, missing: str, where: str) -> dict[str, Any]:
    """``{key: the area}`` and the window, from the contexts (the area is required)."""
    if "area" not in ctx:
        raise BadInputError(f"{where}: {missing}")
    out: dict[str, Any] = {key: ctx["area"]}
    if "window" in ctx:
        out["window"] = ctx["window"]
    return out


def parse_expression(expression: Mapping[str, Any]) -> ParsedIntent:
    """The capability and arguments a TS 28.312 intent expression asks for.

    Accepts ``{"intentExpectations": [...]}`` or a TMF921 ``expression`` wrapper holding it as
    ``expressionValue``. One expectation per intent is understood.

    Raises:
        BadInputError: Not an intent expression, several expectations, a malformed target or
            context, or an expectation the platform cannot deliver (names what it understands).
    """
    if not isinstance(expression, Mapping):
        raise BadInputError("an intent expression must be a JSON object with intentExpectations")
    body = expression.get("expressionValue", expression)
    if not isinstance(body, Mapping):
        raise BadInputError("expressionValue must be an object with intentExpectations")
    expectations = body.get("intentExpectations")
    if not isinstance(expectations, list) or not expectations:
        raise BadInputError(
            "the intent has no intentExpectations: expected a list of expectations, each with "
            "expectationObject, expectationTargets and expectationContexts (3GPP TS 28.312)"
        )
    if len(expectations) > 1:
        raise BadInputError(
            f"the intent has {len(expectations)} expectations: submit one expectation per intent"
        )
    exp, where = expectations[0], "intentExpectations[0]"
    if not isinstance(exp, Mapping):
        raise BadInputError(f"{where} must be an object")
    ctx = _contexts(exp, where)
    obj = exp.get("expectationObject") or {}
    targets = exp.get("expectationTargets") or []
    if not isinstance(targets, list):
        raise BadInputError(f"{where}.expectationTargets must be a list")
    names = [_norm(t.get("targetName", "")) if isinstance(t, Mapping) else "" for t in targets]
    is_slice = _norm(obj.get("objectType", "")) in ("networkslice", "slice") or "slice_type" in ctx
    if is_slice:
        args = {"slice_type": ctx.get("slice_type", "eMBB")}
        args |= _targets(targets, names, _SLICE_TARGETS, "a slice", where)
        args |= _place(ctx, "area", "a slice needs a coverageArea context (where)", where)
        return ParsedIntent(
            "slice_provisioner", args, f"{args['slice_type']} slice in {ctx['area']}"
        )
    if any(n in _ENERGY_TARGETS for n in names):
        args = _targets(targets, names, _ENERGY_TARGETS, "energy saving", where)
        args |= _place(ctx, "region", "energy saving needs a coverageArea context (a region)",
                       where)  # fmt: skip
        return ParsedIntent("energy_planner", args, f"energy saving in {ctx['area']}")
    raise BadInputError(
        f"{where}: expectation not understood (object {obj.get('objectType')!r}, targets "
        f"{[t.get('targetName') for t in targets if isinstance(t, Mapping)]}); this platform "
        "delivers a NetworkSlice (latency, throughput, availability targets) or RAN energy "
        "saving (energySaving, kqiLoss targets)"
    )
