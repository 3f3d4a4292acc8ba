"""The slice scenario's request set and its ledger (what was admitted, and each step's SLA).

Requests are generated from fixed templates in a fixed order; the seed picks the places and
sizes. Each template is labelled by construction: ``feasible`` (small guarantees of 1-10 Mbit/s
per cell at a suburban or rural place, latency far above the radio budget, reliability 99.9 %:
feasible unless the busy hour leaves no PRBs at all, which the twin's forecast decides), or
infeasible with the constraint that must be named: ``latency:`` (below the slice type's radio
budget: 0.5 ms URLLC, 4 ms eMBB), ``PRB:`` (5 Gbit/s per cell, above any cell's capacity),
``reliability:`` (99.9999 %, above any path with an unprotected hop: at most 99.999 % per
hop), ``request:`` (no area given).
``contended`` requests (a region-wide guarantee of 40-150 Mbit/s per cell, every day) have no
label by construction: whether the busy hour leaves room depends on the network; they count
in no rejection/admission percentage, only in the SLA compliance of what was admitted.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np

from autonet.agents.playbooks._slice_spec import PLACES
from autonet.twin import SliceSpec, StepResult, Twin

__all__ = ["TEMPLATES", "Ledger", "SliceRequest", "make_requests"]

#: (text template, label, prefix the rejection reason must start with).
TEMPLATES: Final[tuple[tuple[str, str, str], ...]] = (
    ("eMBB slice, {t} Mbit/s, 50 ms for the {place}, every day", "feasible", ""),
    ("URLLC slice, 0.3 ms, 10 Mbit/s for the {place}", "infeasible", "latency:"),
    ("Provision an mMTC slice for the {place}, 1 Mbps, 500 ms latency, 99.9%", "feasible", ""),
    ("eMBB slice with 5 Gbps for the {place}", "infeasible", "PRB:"),
    ("URLLC slice, 20 ms, 99.9%, {t} Mbit/s for the {place}, weekdays 8-18", "feasible", ""),
    ("URLLC slice, 20 ms, six nines, 5 Mbit/s for the {place}", "infeasible", "reliability:"),
    ("eMBB slice for the {place}, {t} Mbit/s, 40 ms, business hours on weekdays", "feasible", ""),
    ("eMBB slice, 3 ms, 20 Mbit/s for the {place}, every day", "infeasible", "latency:"),
    ("Provision a URLLC slice with 5 ms latency", "infeasible", "request:"),
    ("eMBB slice, {big} Mbit/s, 30 ms for the {region} region, every day", "contended", ""),
)
_SIZES: Final = (2, 5, 10)
_BIG: Final = (40, 80, 150)
_REGIONS: Final = ("north", "south", "east", "west", "centre")


@dataclass(frozen=True)
class SliceRequest:
    """One operator request: id, the step it is submitted before, its words and its label."""

    rid: str
    step: int
    text: str
    label: str
    expect: str


def make_requests(n: int, seed: int, steps: int, places: list[str]) -> list[SliceRequest]:
    """``n`` requests spread over the first half of ``steps`` (deterministic per seed)."""
    rng = np.random.default_rng([seed, 5])
    quiet = [p for p in places if PLACES.get(p, ("",))[0] != "urban"] or list(places)
    span = max(steps // 2, 1)
    out = []
    for k in range(n):
        text, label, expect = TEMPLATES[k % len(TEMPLATES)]
        pool = quiet if label == "feasible" else places
        place = pool[int(rng.integers(len(pool)))].replace("_", " ")
        size = _SIZES[int(rng.integers(len(_SIZES)))]
        big = _BIG[int(rng.integers(len(_BIG)))]
        region = _REGIONS[int(rng.integers(len(_REGIONS)))]
        step = min(int((k + 0.5) * span / n), steps - 1)
        words = text.format(t=size, place=place, big=big, region=region)
        out.append(SliceRequest(f"R{k + 1:05d}", step, words, label, expect))
    return out


@dataclass
class _Entry:
    status: str = "submitted"  # admitted | rejected | pending | submitted
    reasons: list[str] = field(default_factory=list)
    activation_s: float = math.nan
    name: str | None = None
    spec: SliceSpec | None = None
    configured: bool = False
    live: bool = False
    active: int = 0
    met: int = 0


class Ledger:
    """Per-request outcomes and per-step SLA bookkeeping of one policy's run."""

    def __init__(self, twin: Twin) -> None:
        self.twin = twin
        self.entries: dict[str, _Entry] = {}
        self.util = np.zeros(twin.compiled.n_cells)

    def _e(self, rid: str) -> _Entry:
        return self.entries.setdefault(rid, _Entry())

    def reject(self, req: Any, reasons: list[str]) -> None:
        """Refused (with the reasons); a promised slice stops counting."""
        e = self._e(req.rid)
        e.status, e.reasons, e.live = "rejected", list(reasons), False

    def admit(self, req: Any, name: str, params: dict[str, Any], *, configured: bool) -> None:
        """The slice is promised (``configured``: the twin carries it)."""
        e = self._e(req.rid)
        e.name, e.configured, e.live = name, configured, True
        e.spec = SliceSpec(name=name, **params)
        if e.status == "submitted":
            e.status = "pending"

    def activated(self, req: Any, seconds: float) -> None:
        e = self._e(req.rid)
        e.status, e.activation_s = "admitted", seconds

    def not_activated(self, req: Any, seconds: float) -> None:
        e = self._e(req.rid)
        e.status, e.activation_s = "pending", seconds

    def drop(self, req: Any) -> None:
        self._e(req.rid).live = False

    def cells_of(self, params: dict[str, Any]) -> list[int]:
        topo = self.twin.compiled
        if params.get("cells"):
            return [topo.cell_index[c] for c in params["cells"]]
        G = topo.graph
        return [
            c
            for c in range(topo.n_cells)
            if G.nodes[topo.site_ids[int(topo.cell_site[c])]]["region"] == params.get("region")
        ]

    def mean_prb_util(self, cells: list[int]) -> float:
        """Mean DL PRB utilisation (0..1) of ``cells`` in the last step."""
        return float(self.util[cells].mean()) / 100.0 if cells else 0.0

    def observe(self, res: StepResult) -> dict[str, Any]:
        """Book one step's SLA of every promised slice; the timeline row."""
        self.util = np.asarray(res.cell["RRU.PrbUsedDl"], dtype=np.float64)
        live = [e for e in self.entries.values() if e.live and e.spec is not None]
        active = met = 0
        lat_ratio, thp_ratio = [], []
        for e in live:
            spec = e.spec
            assert spec is not None
            if not spec.active_at(res.time):
                continue
            active += 1
            e.active += 1
            k = res.slices.get(e.name or "") if e.configured else None
            if k is None or not k["SLICE.Active"]:
                thp_ratio.append(0.0)
                continue
            lat = float(k["SLICE.LatencyMs"])
            ok = k["SLICE.CellsBelow"] == 0 and lat <= spec.max_latency_ms + 1e-6
            met += int(ok)
            e.met += int(ok)
            lat_ratio.append(lat / spec.max_latency_ms)
            thp_ratio.append(k["SLICE.DeliveredDlMbps"] / max(k["SLICE.GuaranteedDlMbps"], 1e-12))
        return {
            "time": res.time,
            "admitted": float(len(live)),
            "active": float(active),
            "sla_met_pct": 100.0 * met / active if active else math.nan,
            "worst_latency_ratio": max(lat_ratio) if lat_ratio else math.nan,
            "min_throughput_ratio": min(thp_ratio) if thp_ratio else math.nan,
        }

    def metrics(self, requests: list[SliceRequest], opts: dict[str, Any]) -> dict[str, float]:
        """The scenario's metrics (NaN where nothing was measured)."""
        es = [(r, self._e(r.rid)) for r in requests]
        bad = [(r, e) for r, e in es if r.label == "infeasible"]
        good = [(r, e) for r, e in es if r.label == "feasible"]
        rejected = [(r, e) for r, e in bad if e.status == "rejected" and e.reasons]
        correct = [r for r, e in rejected if any(x.startswith(r.expect) for x in e.reasons)]
        times = [e.activation_s for _, e in es if e.status in ("admitted", "pending")]
        times = [t for t in times if not math.isnan(t)]
        active = sum(e.active for _, e in es)
        met = sum(e.met for _, e in es)
        pct = lambda a, b: 100.0 * a / b if b else math.nan  # noqa: E731
        return {
            "activation_s": float(np.median(times)) if times else math.nan,
            "activation_max_s": float(max(times)) if times else math.nan,
            "sla_compliance_pct": pct(met, active),
            "infeasible_rejected_pct": pct(len(rejected), len(bad)),
            "reason_correct_pct": pct(len(correct), len(bad)),
            "feasible_admitted_pct": pct(
                sum(e.status in ("admitted", "pending") for _, e in good), len(good)
            ),
            "wrong_admissions": float(sum(e.status in ("admitted", "pending") for _, e in bad)),
            "requests": float(len(requests)),
            "admitted": float(sum(e.status == "admitted" for _, e in es)),
            "rejected": float(sum(e.status == "rejected" for _, e in es)),
            "active_slice_steps": float(active),
            "violated_slice_steps": float(active - met),
        }

    def incident_rows(self, requests: list[SliceRequest]) -> list[dict[str, Any]]:
        """One flat row per request for the report."""
        rows = []
        for r in requests:
            e = self._e(r.rid)
            rows.append(
                {
                    "request": r.rid,
                    "text": r.text,
                    "label": r.label,
                    "outcome": e.status,
                    "slice": e.name or "",
                    "reason": "; ".join(e.reasons)[:240],
                    "activation_s": e.activation_s,
                    "active_steps": e.active,
                    "sla_met_steps": e.met,
                }
            )
        return rows
