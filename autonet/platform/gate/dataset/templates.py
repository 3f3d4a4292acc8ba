"""Phrasings per agent: templates with slot placeholders and the fixed arguments they imply.

A placeholder ``{name}`` draws a surface form and its gold value from ``surface.py``; the slot
table below says which argument it fills. The last phrasing of each agent is held out of the
training split, so the test split measures phrasings the router never saw.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from autonet.platform.gate import vocabulary as vocab
from autonet.platform.gate.dataset import surface

__all__ = ["CALL_TEMPLATES", "SLOTS", "Template", "render"]

Template = tuple[str, dict[str, Any]]  # (text with {placeholders}, fixed arguments)


def _choice(values: tuple[str, ...]) -> Callable[[random.Random], surface.Pick]:
    def pick(rng: random.Random) -> surface.Pick:
        value = rng.choice(values)
        return value, value

    return pick


def _number(values: tuple[float, ...], unit: str = "") -> Callable[[random.Random], surface.Pick]:
    def pick(rng: random.Random) -> surface.Pick:
        value = float(rng.choice(values))
        text = f"{value:g}"
        return (text + unit if unit and rng.random() < 0.5 else text), value

    return pick


def _attendance(rng: random.Random) -> surface.Pick:
    value = rng.choice([5000, 12000, 20000, 35000, 50000, 80000])
    return rng.choice([f"{value}", f"{value:,}", f"{value // 1000}k"]), value


def _model(rng: random.Random) -> surface.Pick:
    text, gold = rng.choice(list(vocab.MODEL_ALIASES.items()))
    return text, gold


def _target(rng: random.Random) -> surface.Pick:
    return surface.site(rng) if rng.random() < 0.6 else surface.cell(rng)


def _any_target(rng: random.Random) -> surface.Pick:
    roll = rng.random()
    if roll < 0.45:
        return surface.site(rng)
    if roll < 0.75:
        return surface.cell(rng)
    if roll < 0.85:
        return surface.link(rng)
    return surface.region(rng)


# placeholder -> (argument name, surface generator)
SLOTS: dict[str, tuple[str, Callable[[random.Random], surface.Pick]]] = {
    "target": ("target", _target),
    "anytarget": ("target", _any_target),
    "site": ("target", surface.site),
    "cell": ("target", surface.cell),
    "link": ("target", surface.link),
    "rtarget": ("target", surface.region),
    "region": ("region", surface.region),
    "place": ("area", surface.place),
    "kpi": ("kpi", surface.kpi),
    "period": ("period_min", surface.period),
    "horizon": ("horizon_min", surface.horizon),
    "thr": ("throughput_mbps", surface.throughput),
    "lat": ("latency_ms", surface.latency),
    "rel": ("reliability_pct", surface.reliability),
    "window": ("window", surface.window),
    "days": ("days", surface.days),
    "slice": ("slice_id", surface.slice_id),
    "change": ("change_id", surface.change_id),
    "intent": ("intent_id", surface.intent_id),
    "severity": ("severity", _choice(vocab.SEVERITIES)),
    "priority": ("priority", _choice(vocab.PRIORITIES)),
    "saving": ("target_saving_pct", _number((5, 10, 15, 20, 25, 30), "%")),
    "loss": ("max_kqi_loss_pct", _number((0.5, 1, 2, 3), "%")),
    "tiltval": ("value", _number((2, 3, 4, 6, 8), " degrees")),
    "powerval": ("value", _number((5, 10, 15, 20), " W")),
    "attendance": ("expected_attendance", _attendance),
    "model": ("model", _model),
}


def render(rng: random.Random, template: Template) -> tuple[str, dict[str, Any], list[str]]:
    """Fill a template: the text, the gold arguments and the slot surfaces (kept typo-free)."""
    text, fixed = template
    args: dict[str, Any] = dict(fixed)
    spans: list[str] = []
    out = text
    while "{" in out:
        start = out.index("{")
        end = out.index("}", start)
        name = out[start + 1 : end]
        arg, gen = SLOTS[name]
        shown, gold = gen(rng)
        args[arg] = gold
        spans.append(shown)
        out = out[:start] + shown + out[end + 1 :]
    return out, args, spans


_URLLC, _EMBB, _MMTC = ({"slice_type": t} for t in vocab.SLICE_TYPES)

CALL_TEMPLATES: dict[str, list[Template]] = {
    "kpi_reader": [
        ("show {kpi} for {anytarget} over the {period}", {}),
        ("what is the current {kpi} on {target}", {}),
        ("get me {kpi} stats of {anytarget}", {}),
        ("pull the {kpi} counters for {target}, {period}", {}),
        ("how is {target} doing on {kpi}", {}),
        ("display {kpi} of {anytarget} for the {period}", {}),
    ],
    "alarm_reader": [
        ("list active alarms on {anytarget}", {}),
        ("any {severity} alarms at {target} in the {period}?", {}),
        ("show me the alarms for {anytarget}", {}),
        ("which alarms fired on {target} during the {period}", {}),
        ("check alarm status of {anytarget}", {}),
        ("give me the first alarms raised today on {target}", {}),
    ],
    "rca_locator": [
        ("find the root cause of the outage at {anytarget}", {}),
        ("why is {target} down? locate the fault", {}),
        ("run rca on {anytarget} for the {period}", {}),
        ("heal the outage in {rtarget}: what failed?", {}),
        ("diagnose the degradation on {target}", {}),
        ("what broke at {anytarget}, root cause please", {}),
    ],
    "kpi_forecaster": [
        ("forecast {kpi} for {anytarget} over the {horizon}", {}),
        ("predict {kpi} on {target} for the {horizon}", {}),
        ("what will {kpi} be at {anytarget} in the {horizon}", {}),
        ("next-hour outlook of {kpi} for {target}", {"horizon_min": 60}),
        ("expected {kpi} at {target}, {horizon}", {}),
        ("project {kpi} of {anytarget} over the {horizon}", {}),
    ],
    "energy_planner": [
        ("save energy in {region} {window} without hurting throughput", {}),
        ("plan cell sleep for {region} {window}", {}),
        ("cut RAN power in {region} by {saving}", {}),
        ("energy saving plan for {region}, max KQI loss {loss}", {}),
        ("reduce power consumption in {region} {window}, aim for {saving} savings", {}),
        ("put lightly loaded cells in {region} to sleep {window}", {}),
    ],
    "slice_provisioner": [
        ("URLLC slice, {lat}, {rel}, {thr} for {place}, {days} {window}", _URLLC),
        ("create an eMBB slice with {thr} for {place}", _EMBB),
        ("I need a urllc slice with {lat} latency for {place} {window}", _URLLC),
        ("provision an mMTC slice for {place} {days}", _MMTC),
        ("set up a broadband slice of {thr} at {place} {window}", _EMBB),
        ("new ultra-reliable slice for {place}: {lat}, {rel}", _URLLC),
    ],
    "slice_modifier": [
        ("increase {slice} to {thr}", {}),
        ("change the latency target of {slice} to {lat}", {}),
        ("modify {slice}: window {window}", {}),
        ("update {slice} throughput to {thr}", {}),
        ("resize {slice} to {thr}", {}),
        ("tighten {slice} latency to {lat}", {}),
    ],
    "slice_releaser": [
        ("release {slice}", {}),
        ("tear down {slice}, the event is over", {}),
        ("delete network slice {slice}", {}),
        ("terminate {slice} now", {}),
        ("we no longer need {slice}, remove it", {}),
        ("decommission {slice}", {}),
    ],
    "event_capacity_scheduler": [
        ("concert at {place} {window}, schedule extra capacity", {}),
        ("prepare the network for the match at {place} {days}", {}),
        ("big event at {place} with {attendance} people {window}, add capacity", {}),
        ("schedule event capacity for {place} {window}", {}),
        ("festival at {place} expected {attendance} visitors, plan capacity", {}),
        ("boost capacity around {place} for the game {window}", {}),
    ],
    "change_executor": [
        ("set tilt of {cell} to {tiltval}", {"action": "tilt", "mode": "absolute"}),
        ("offload traffic from {cell} to its neighbours", {"action": "offload"}),
        ("reroute traffic around {link}", {"action": "reroute"}),
        ("put {cell} to sleep", {"action": "sleep"}),
        ("wake up {cell}", {"action": "wake"}),
        ("set tx power of {cell} to {powerval}", {"action": "tx_power", "mode": "absolute"}),
        ("boost capacity on {cell}", {"action": "capacity_boost"}),
        ("scale out the UPF serving {site}", {"action": "upf_scale_out"}),
    ],
    "change_rollback": [
        ("roll back {change}", {}),
        ("revert {change} to the then-current config", {}),
        ("undo {change}, it made things worse", {}),
        ("restore the state before {change}", {}),
        ("rollback of {change} please", {}),
        ("back out {change}", {}),
    ],
    "intent_verifier": [
        ("is {intent} fulfilled?", {}),
        ("verify {intent}", {}),
        ("check whether {intent} still meets its targets", {}),
        ("fulfilment state of {intent}", {}),
        ("are the SLA targets of {intent} met", {}),
        ("compliance report for {intent}", {}),
    ],
    "model_retrainer": [
        ("retrain the {model}", {}),
        ("refit the {model} on the latest data", {}),
        ("update the {model} model", {}),
        ("kick off training of the {model}", {}),
        ("{model} is stale, retrain it", {}),
        ("relearn the {model} from verified cases", {}),
    ],
    "kpi_explainer": [
        ("explain why {kpi} changed on {target}", {}),
        ("why did {kpi} go down at {anytarget}", {}),
        ("what drove the {kpi} spike on {target}", {}),
        ("explain the {kpi} behaviour of {anytarget}", {}),
        ("reason for the {kpi} drop at {target}?", {}),
        ("help me understand {kpi} on {target} yesterday", {}),
    ],
    "cell_locker": [
        ("lock {cell}", {"operation": "lock"}),
        ("unlock {cell}", {"operation": "unlock"}),
        ("take {site} off air", {"operation": "lock"}),
        ("administratively lock {target}", {"operation": "lock"}),
        ("bring {target} back on air, unlock it", {"operation": "unlock"}),
        ("bar {cell} for maintenance", {"operation": "lock"}),
    ],
    "config_pusher": [
        ("push tilt {tiltval} to all cells in {region}", {"parameter": "tilt"}),
        (
            "bulk change tx power to {powerval} across {region}",
            {"parameter": "tx_power", "mode": "absolute"},
        ),
        ("set handover margin everywhere in {region}", {"parameter": "handover_margin"}),
        ("apply tilt {tiltval} to every cell of {region}", {"parameter": "tilt"}),
        (
            "mass update of tx power in {region} to {powerval}",
            {"parameter": "tx_power", "mode": "absolute"},
        ),
        ("roll out a new handover margin across {region}", {"parameter": "handover_margin"}),
    ],
    "ticketing": [
        ("open a ticket for {anytarget}", {}),
        ("raise a {priority} trouble ticket on {target}", {}),
        ("escalate to first-line support: ticket for {target}", {}),
        ("log an incident ticket about {anytarget}", {}),
        ("create a {priority} ticket for {target}", {}),
        ("file a trouble ticket regarding {anytarget}", {}),
    ],
    "field_dispatch": [
        ("send a technician to {site}", {}),
        ("dispatch field service to {target} with {priority}", {}),
        ("we need a truck roll to {site}", {}),
        ("get an engineer on-site at {target}", {}),
        ("{priority} field visit to {site}", {}),
        ("schedule an on-site inspection of {target}", {}),
    ],
    "customer_care": [
        ("any customer complaints in {rtarget}?", {}),
        ("show care cases around {target} in the {period}", {}),
        ("are subscribers complaining about {anytarget}", {}),
        ("complaints reported near {target}", {}),
        ("customer care tickets for {rtarget} over the {period}", {}),
        ("how many callers complained about {target}", {}),
    ],
    "inventory": [
        ("what hardware is installed at {site}", {}),
        ("inventory record of {anytarget}", {}),
        ("which software version runs on {target}", {}),
        ("who is the vendor of {site}", {}),
        ("equipment list for {target}", {}),
        ("installation date of {site}", {}),
    ],
    "weather": [
        ("weather forecast for {place}", {}),
        ("is a storm coming to {place}?", {}),
        ("wind warnings for {place}", {}),
        ("will it rain at {place}", {}),
        ("temperature outlook for {place}", {}),
        ("severe weather alerts around {place}", {}),
    ],
    "event_calendar": [
        ("what events are on at {place} {days}", {}),
        ("any concerts scheduled at {place}", {}),
        ("check the event calendar for {place}", {}),
        ("is there a match at {place} {days}", {}),
        ("list upcoming events near {place}", {}),
        ("what is on at {place} this week", {}),
    ],
    "billing": [
        ("revenue report for {place}", {}),
        ("show billing records of {place}", {}),
        ("invoices for {place} this month", {}),
        ("tariff plans used around {place}", {}),
        ("charging data for {place}", {}),
        ("billing summary for {place}", {}),
    ],
}
