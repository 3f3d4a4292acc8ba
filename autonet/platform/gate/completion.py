"""Slot completion (paper Eq. 18): fill an agent's arguments from extracted slots and context."""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any

from jsonschema import Draft202012Validator

from autonet.platform.gate.cards import AgentCard
from autonet.platform.gate.safeguards import frozen_value
from autonet.platform.gate.slots import Slot
from autonet.platform.gate.typos import correct_cues

__all__ = ["complete_arguments", "fill_arguments", "property_kinds"]

# Change actions as people say them -> the enum value of change_executor's ``action``.
_ENUM_ALIASES: dict[str, tuple[str, ...]] = {
    "tx_power": ("tx power", "transmit power", "txpower", "tx pwr", "power", "boost power"),
    "capacity_boost": ("capacity boost", "boost capacity", "boost", "extra capacity"),
    "upf_scale_out": ("scale out", "scale-out", "scaleout", "upf scale"),
    "handover_margin": ("handover margin", "ho margin", "hom"),
    "offload": ("offload", "off-load", "shift traffic", "handover share"),
    "reroute": ("reroute", "re-route", "redirect traffic"),
    "tilt": ("tilt", "downtilt", "uptilt"),
    "sleep": ("sleep", "put to sleep", "switch off"),
    "wake": ("wake", "wake up", "switch on"),
    "lock": ("lock", "off air", "bar", "barring", "block"),
    "unlock": ("unlock", "on air", "unbar"),
    "restart": ("restart", "reboot", "reset"),
}
_ID_KINDS = ("cell", "site", "link", "region", "place")


def property_kinds(name: str, schema: Mapping[str, Any]) -> tuple[list[str], str]:
    """Slot kinds that can fill property ``name`` (best first) and the preferred hint."""
    kinds, hint = _property_kinds(name, str(schema.get("type")))
    return list(kinds), hint


@lru_cache(maxsize=4096)
def _property_kinds(name: str, kind: str) -> tuple[tuple[str, ...], str]:
    """Slot kinds that can fill property ``name`` (best first) and the preferred hint."""
    n = name.lower()
    table: list[tuple[str, list[str], str]] = [
        (r"^mode$", ["change_mode"], ""),
        (r"latency|delay|_ms$", ["latency_ms"], ""),
        (r"throughput|bandwidth|_mbps$|bitrate", ["throughput_mbps"], ""),
        (r"reliab|availab", ["reliability_pct"], ""),
        (r"saving", ["percent", "number"], "saving"),
        (r"loss|degrad", ["percent", "number"], "loss"),
        (r"period|lookback|look_back|history|since", ["duration_min"], "past"),
        (r"horizon|ahead", ["duration_min"], "future"),
        (r"duration|_min$|minutes", ["duration_min"], "span"),
        (r"window", ["window"], ""),
        (r"days|weekdays", ["days"], ""),
        (r"kpi|metric|counter", ["kpi"], ""),
        (r"slice_type|slicetype", ["slice_type"], ""),
        (r"slice", ["slice"], ""),
        (r"change_id|change$", ["change"], ""),
        (r"intent", ["intent"], ""),
        (r"ticket", ["ticket"], ""),
        (r"region", ["region"], ""),
        (r"area|place|location|venue", ["place", "region"], ""),
        (r"severity", ["severity"], ""),
        (r"priority", ["priority"], ""),
        (r"model", ["model"], ""),
        (r"date", ["date"], ""),
        (r"attendance|crowd|visitors|people", ["attendance"], ""),
        (r"cell", ["cell"], ""),
        (r"site", ["site", "cell"], ""),
        (r"link", ["link"], ""),
        (r"target|node|element|ne$|object", list(_ID_KINDS), ""),
        (r"_pct$|percent", ["percent", "number"], ""),
    ]
    for pattern, kinds, hint in table:
        if re.search(pattern, n):
            return tuple(kinds), hint
    if kind in ("integer", "number"):
        return ("number",), ""
    return (), ""


_VALIDATORS: dict[int, tuple[Mapping[str, Any], Draft202012Validator]] = {}


_ACCEPTED: dict[tuple[int, object], tuple[Mapping[str, Any], bool]] = {}


def _accepts(schema: Mapping[str, Any], value: Any) -> bool:
    # Sub-schemas live in frozen cards: one verdict per (schema object, exact value).
    try:
        key = (id(schema), frozen_value(value))
    except TypeError:
        return _accepts_uncached(schema, value)
    hit = _ACCEPTED.get(key)
    if hit is None or hit[0] is not schema:
        if len(_ACCEPTED) > 8192:
            _ACCEPTED.clear()
        hit = _ACCEPTED[key] = (schema, _accepts_uncached(schema, value))
    return hit[1]


def _accepts_uncached(schema: Mapping[str, Any], value: Any) -> bool:
    # Sub-schemas live in frozen cards: cache one compiled validator per schema object.
    hit = _VALIDATORS.get(id(schema))
    if hit is None or hit[0] is not schema:
        if len(_VALIDATORS) > 8192:
            _VALIDATORS.clear()
        hit = (schema, Draft202012Validator(dict(schema)))
        _VALIDATORS[id(schema)] = hit
    return bool(hit[1].is_valid(value))


@lru_cache(maxsize=1024)
def _enum_pattern(enum: tuple[str, ...]) -> tuple[re.Pattern[str], dict[str, str]]:
    """One alternation of every spelling of the enum's values (longest first) -> value."""
    of: dict[str, str] = {}
    for value in enum:
        for word in (value.lower(), value.lower().replace("_", " "), *_ENUM_ALIASES.get(value, ())):
            of.setdefault(word, value)
    words = sorted(of, key=len, reverse=True)
    alternation = "|".join(re.escape(w) for w in words)
    return re.compile(r"(?<![\w-])(" + alternation + r")(?![\w-])"), of


def _enum_in_text(schema: Mapping[str, Any], text: str) -> Any:
    """The enum value whose spelling occurs first in ``text`` (longest spelling wins a tie)."""
    enum = schema.get("enum")
    if not enum or not all(isinstance(v, str) for v in enum):
        return None
    pattern, of = _enum_pattern(tuple(enum))
    m = pattern.search(text.lower())
    return of[m.group(1)] if m else None


def fill_arguments(
    card: AgentCard,
    slots: Sequence[Slot],
    text: str,
    *,
    arguments: Mapping[str, Any] | None = None,
    only: Iterable[str] | None = None,
    context: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Fill ``card``'s properties (all, or ``only``) that ``arguments`` lacks from ``slots``.

    Each slot fills at most one property; a value is used only if it validates against the
    property's sub-schema. Properties named like a ``context`` key take the context's value
    when the text gives none.
    """
    args = dict(arguments or {})
    wanted = [p for p in (only if only is not None else card.properties) if p not in args]
    used: set[int] = set()
    # Hinted properties first, so "last 2h ... next 6h" lands in period/horizon correctly.
    ordered = sorted(wanted, key=lambda p: property_kinds(p, card.properties.get(p, {}))[1] == "")
    for prop in ordered:
        schema = card.properties.get(prop, {})
        kinds, hint = property_kinds(prop, schema)
        value = _pick(slots, kinds, hint, schema, used)
        if value is None and schema.get("enum"):
            value = _enum_in_text(schema, correct_cues(text))
        if value is None and context:
            value = _from_context(context, prop, kinds, schema)
        if value is not None:
            args[prop] = value
    return {p: args[p] for p in card.properties if p in args} | {
        k: v for k, v in args.items() if k not in card.properties
    }


def _from_context(
    context: Mapping[str, Any], prop: str, kinds: list[str], schema: Mapping[str, Any]
) -> Any:
    for key in (prop, *kinds):
        if key in context and _accepts(schema, context[key]):
            return context[key]
    return None


def _pick(
    slots: Sequence[Slot], kinds: list[str], hint: str, schema: Mapping[str, Any], used: set[int]
) -> Any:
    for kind in kinds:
        pool = [(i, s) for i, s in enumerate(slots) if s.kind == kind and i not in used]
        if hint:
            pool = sorted(pool, key=lambda item: item[1].hint != hint)
        for i, slot in pool:
            if hint and slot.hint and slot.hint != hint:
                continue
            value = copy.deepcopy(slot.value) if isinstance(slot.value, dict | list) else slot.value
            if schema.get("type") == "array" and not isinstance(value, list):
                value = [value]
            if schema.get("type") == "integer" and isinstance(value, float):
                if not value.is_integer():
                    continue
                value = int(value)
            if _accepts(schema, value):
                used.add(i)
                return value
    return None


def complete_arguments(
    card: AgentCard,
    arguments: Mapping[str, Any],
    slots: Sequence[Slot],
    text: str,
    context: Mapping[str, Any] | None = None,
) -> tuple[dict[str, Any], list[str]]:
    """Eq. 18: fill the missing *required* arguments; returns (arguments, names filled)."""
    missing = [p for p in card.required if p not in arguments]
    if not missing:
        return dict(arguments), []
    filled = fill_arguments(card, slots, text, arguments=arguments, only=missing, context=context)
    return filled, [p for p in missing if p in filled]
