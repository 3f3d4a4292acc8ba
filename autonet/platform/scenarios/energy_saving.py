"""Energy saving: a week of forecast-driven cell sleep (and TX power) with wake-up on demand.

Every policy runs on the same twin after the same warm-up (``warmup_days`` of always-on
history, which the agentic policy's forecaster learns from): ``none`` keeps every cell on;
``rules`` is the O-RAN threshold rule of the default policies (sleep below 20 % DL PRB, wake
when the neighbours exceed 40 % max or 30 % mean; its 120 s hold is met by one 15-minute
step); ``agentic`` is the closed loop with the :class:`~autonet.agents.playbooks.energy.
EnergyPlaybook`. An always-on clone of the twin, taken at the end of the warm-up, runs beside
every policy, so energy saved and KQI loss are measured against always-on on identical demand.

KQI loss (%) is the worst of: users lost (no awake cell covered them) over the users that
wanted service; extra blocked users over the same; served DL traffic lost; and the drop of the
users-weighted mean DL user throughput.

Option ``layers`` (default ``"dual"``): the twin's radio layers, as
``build_topology(..., layers=)``. ``"dual"`` puts an n28 coverage cell (EARTH macro power)
under every urban/suburban n78 capacity cell (massive-MIMO AAU power with a 40 W deep sleep),
the layered RAN real networks switch capacity carriers off over (:mod:`autonet.twin.layers`,
:mod:`autonet.twin.energy`); ``"single"`` is the one-layer twin of the other scenarios.
Option ``thp_weight`` (default 1): how much a moved user's relative DL throughput drop costs
in the agent's KQI budget (``EnergySettings.thp_weight``; 0 = only lost users count).
Option ``change_window`` (default true): false drops the shipped ``energy-change-window``
guard (sleeps only 22:00-06:00) for the agentic policy, an operator's choice explored in
docs/bench/energy.md.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from autonet.platform.scenarios.base import (
    MetricSpec,
    PolicyResult,
    Scenario,
    ScenarioError,
    ScenarioParams,
    TargetCheck,
)

__all__ = ["EnergySaving"]

_RULE_IDS = ("energy-sleep-cell", "energy-wake-cell")
_RULE_VARIANTS = ("as-written", "active-neighbours")
_LAYERS = ("single", "dual")
_SAVING_TARGET = 25.0
_KQI_BOUND = 1.0
_RULE_FACTOR = 1.3


def _totals(res: Any) -> dict[str, float]:
    c = res.cell
    users = c["RRC.ConnMean"].astype(np.float64)
    thp = np.nan_to_num(c["DRB.UEThpDl"].astype(np.float64), nan=0.0)
    return {
        "power_kw": float(c["PEE.AvgPower"].sum(dtype=np.float64)) / 1000.0,
        "energy_kwh": float(c["PEE.Energy"].sum(dtype=np.float64)) / 1000.0,
        "users": float(users.sum()),
        "lost_users": float(c["KQI.LostUsers"].sum(dtype=np.float64)),
        "blocked_users": float(c["KQI.BlockedUsers"].sum(dtype=np.float64)),
        "served_dl_gbps": float(c["KQI.ServedDlMbps"].sum(dtype=np.float64)) / 1000.0,
        "thp_users": float((users * thp).sum()),
    }


class EnergySaving(Scenario):
    """The energy-saving scenario (see the module docstring)."""

    name: ClassVar[str] = "energy-saving"
    title: ClassVar[str] = "Energy saving: forecast-driven cell sleep with wake-up on demand"
    metrics: ClassVar[tuple[MetricSpec, ...]] = (
        MetricSpec("energy_kwh", "RAN energy", "kWh", "lower", ".5g"),
        MetricSpec("energy_saved_pct", "Energy saved vs always-on", "%", "higher", ".2f"),
        MetricSpec("kqi_loss_pct", "KQI loss (worst of the four below)", "%", "lower", ".3f"),
        MetricSpec("lost_users_pct", "Users lost (uncovered) / users", "%", "lower", ".3f"),
        MetricSpec("blocked_extra_pct", "Extra blocked users / users", "%", "lower", ".3f"),
        MetricSpec("served_loss_pct", "Served DL traffic lost", "%", "lower", ".3f"),
        MetricSpec("thp_loss_pct", "Mean user DL throughput drop", "%", "lower", ".3f"),
        MetricSpec("coverage_loss_user_min", "Coverage loss", "user-min", "lower", ".4g"),
        MetricSpec("cell_hours_asleep", "Cell-hours asleep", "h", "higher", ".4g"),
        MetricSpec("switch_actions", "Sleep/wake/power actions", "actions", "lower", ".4g"),
    )
    plots: ClassVar[tuple[tuple[str, str, str], ...]] = (
        ("power_kw", "RAN power", "kW"),
        ("cells_asleep", "Cells asleep", "cells"),
        ("user_thp_mbps", "Mean user DL throughput (users-weighted)", "Mbit/s"),
        ("lost_users", "Users lost (uncovered)", "users"),
    )
    option_defaults: ClassVar[Mapping[str, Any]] = {
        "warmup_days": 2.0,
        "kqi_bound_pct": 1.0,
        "rule": "as-written",
        "layers": "dual",
        "thp_weight": 1.0,
        "change_window": True,
    }
    default_days: ClassVar[float] = 7.0  # a week

    def check(self, params: ScenarioParams) -> None:
        super().check(params)
        opts = self.resolved_options(params)
        warm = opts["warmup_days"]
        if not np.isfinite(warm) or not 1.25 <= warm <= 28.0:
            raise ScenarioError(
                f"scenario {self.name!r} option 'warmup_days' must be in [1.25, 28] days (the "
                f"forecaster needs more than a day of always-on history), got {warm!r}"
            )
        for key, accepted in (("rule", _RULE_VARIANTS), ("layers", _LAYERS)):
            if opts[key] not in accepted:
                raise ScenarioError(f"scenario {self.name!r} option {key!r} must be one of "
                                    f"{list(accepted)}, got {opts[key]!r}")  # fmt: skip
        w, bound = opts["thp_weight"], opts["kqi_bound_pct"]
        if not np.isfinite(w) or not 0.0 <= w <= 10.0:
            raise ScenarioError(f"scenario {self.name!r} option 'thp_weight' must be in [0, 10] "
                                f"(a moved user's throughput drop), got {w!r}")  # fmt: skip
        if not np.isfinite(bound) or not 0.0 < bound <= 100.0:
            raise ScenarioError(f"scenario {self.name!r} option 'kqi_bound_pct' must be in "
                                f"(0, 100] %, got {bound!r}")  # fmt: skip

    def run(
        self,
        params: ScenarioParams,
        policy: str,
        *,
        workdir: Path,
        progress: Callable[[int, int], None] | None = None,
    ) -> PolicyResult:
        self.check(params)
        opts = self.resolved_options(params)
        began = time.perf_counter()
        twin = _build_twin(params, opts["layers"])
        twin.run(round(opts["warmup_days"] * 96))
        reference = twin.clone()  # always-on, identical demand
        controller, tick, notes = _controller(twin, policy, workdir, opts)
        rows: list[dict[str, float]] = []
        n = params.steps
        for k in range(n):
            now = twin.now
            ours, ref = _totals(twin.step()), _totals(reference.step())
            row: dict[str, Any] = {"time": now, **ours}
            row["cells_asleep"] = float(twin.state.cell_asleep.sum())
            row["power_kw_always_on"] = ref["power_kw"]
            row["user_thp_mbps"] = ours["thp_users"] / max(ours["users"], 1e-9)
            row.update({f"ref_{key}": v for key, v in ref.items() if key != "power_kw"})
            rows.append(row)
            if tick is not None:
                tick()
            if progress is not None:
                progress(k + 1, n)
        timeline = pd.DataFrame(rows)
        incidents, run_ids, extra = _incidents(controller, policy)
        notes.extend(extra)
        actions = sum(1 for a in twin.actions if a.kind in ("sleep", "wake", "tx_power"))
        metrics = _metrics(timeline, twin.step_minutes, actions)
        if controller is not None and hasattr(controller, "close"):
            controller.close()
        keep = ["time", "power_kw", "power_kw_always_on", "cells_asleep", "users", "lost_users",
                "blocked_users", "served_dl_gbps", "user_thp_mbps"]  # fmt: skip
        return PolicyResult(
            scenario=self.name,
            policy=policy,
            params=params,
            metrics=metrics,
            timeline=timeline[keep],
            incidents=incidents,
            wall_s=time.perf_counter() - began,
            notes=notes,
            run_ids=run_ids,
        )

    def targets(self, results: Mapping[str, PolicyResult]) -> list[TargetCheck]:
        out: list[TargetCheck] = []
        agentic = results.get("agentic")
        if agentic is None:
            return out
        a = agentic.metrics
        out.append(
            TargetCheck(
                name="energy saved with bounded KQI loss (agentic)",
                required=f">= {_SAVING_TARGET:g}% energy saved with <= {_KQI_BOUND:g}% KQI loss",
                measured=f"{a['energy_saved_pct']:.2f}% saved, {a['kqi_loss_pct']:.3f}% KQI loss",
                met=a["energy_saved_pct"] >= _SAVING_TARGET and a["kqi_loss_pct"] <= _KQI_BOUND,
            )
        )
        rules = results.get("rules")
        if rules is not None:
            r = rules.metrics
            base = r["energy_saved_pct"]
            ratio = a["energy_saved_pct"] / base if base > 0 else 0.0
            out.append(
                TargetCheck(
                    name="agentic vs the O-RAN threshold rule",
                    required=f">= {_RULE_FACTOR:g}x the rule's saving at equal or lower KQI loss",
                    measured=(
                        f"{ratio:.2f}x ({a['energy_saved_pct']:.2f}% vs "
                        f"{r['energy_saved_pct']:.2f}%), KQI loss {a['kqi_loss_pct']:.3f}% vs "
                        f"{r['kqi_loss_pct']:.3f}%"
                    ),
                    met=ratio >= _RULE_FACTOR and a["kqi_loss_pct"] <= r["kqi_loss_pct"],
                )
            )
        return out


def _build_twin(params: ScenarioParams, layers: str) -> Any:
    """The scenario's twin: ``params.sites`` sites, seed ``params.seed``, the given layers."""
    from autonet.twin import Twin, build_topology

    topology = build_topology(n_sites=params.sites, seed=params.seed, layers=layers)
    return Twin(topology, seed=params.seed, validate=False)


def _controller(
    twin: Any, policy: str, workdir: Path, opts: Mapping[str, Any]
) -> tuple[Any, Callable[[], Any] | None, list[str]]:
    notes = [
        f"warm-up: {opts['warmup_days']:g} days always-on before the measured window (same "
        "twin for every policy); energy and KQIs are measured against an always-on clone",
        f"radio layers: {opts['layers']}",
    ]
    if policy == "none":
        return None, None, notes
    if policy == "rules" and opts["rule"] == "active-neighbours":
        return _active_rule(twin, notes)
    if policy == "rules":
        from autonet.platform.scenarios.rules import RuleController

        rc = RuleController(twin, policy_ids=_RULE_IDS)
        notes.append(
            "rules: O-RAN threshold rule (sleep < 20% DL PRB; wake when neighbours > 40% max / "
            "30% mean); its 120 s hold is met by one 15-minute step; guards of the default "
            "policies apply (sleep only 22:00-06:00, <= 2 switches per cell per hour)"
        )
        return rc, rc.tick, notes
    from autonet.agents.playbooks.energy import EnergyPlaybook, EnergySettings
    from autonet.platform.loop import ClosedLoop

    policies = None
    if not opts["change_window"]:
        from autonet.knowledge.rules import load_default_policies

        shipped = load_default_policies()
        kept = [g for g in shipped.guards if g.id != "energy-change-window"]
        policies = shipped.model_copy(update={"guards": kept})
        notes.append("agentic: the energy-change-window guard (sleep only 22:00-06:00) is off")
    playbook = EnergyPlaybook(
        EnergySettings(
            kqi_bound_pct=float(opts["kqi_bound_pct"]),
            thp_weight=float(opts["thp_weight"]),
            policies=policies,
        )
    )
    loop = ClosedLoop(twin, [playbook], workdir=workdir, name="energy")
    notes.append(
        "agentic: closed loop with the EnergyPlaybook (hourly forecast plan, wake-up on demand, "
        "what-if scored on twin clones); it keeps the default policies' guards too"
    )
    return loop, loop.tick, notes


def _active_rule(twin: Any, notes: list[str]) -> tuple[Any, Callable[[], Any], list[str]]:
    from autonet.agents.playbooks._energy_rule import RuleRunner

    rule = RuleRunner(twin)
    notes.append(
        "rules (active-neighbours): the O-RAN threshold rule read as PM data is: sleeping "
        "cells report no PRB, so the wake test uses awake neighbours and a cell with none "
        "wakes; cells switch off one by one while they keep an awake neighbour; its 120 s hold "
        "is met by one 15-minute step; default guards apply"
    )
    return rule, rule.tick, notes


def _incidents(controller: Any, policy: str) -> tuple[list[dict[str, Any]], list[str], list[str]]:
    if controller is None:
        return [], [], []
    if hasattr(controller, "rows"):  # the active-neighbours rule runner
        return controller.rows, [], []
    if policy == "rules":
        return [e.as_row() for e in controller.episodes], [], []
    rows: list[dict[str, Any]] = []
    run_ids: list[str] = []
    for o in controller.outcomes():
        inc = o["incident"]
        ev = inc["evidence"]
        chosen = next((d["chosen"] for d in reversed(o["decisions"]) if d.get("chosen")), None)
        pred = (chosen or {}).get("predicted", {})
        rows.append({
            "incident": inc["id"], "opened_at": inc["opened_at"], "trigger": ev.get("trigger", ""),
            "planned_sleep": len(ev.get("sleep", [])), "planned_wake": len(ev.get("wake", [])),
            "chosen": (chosen or {}).get("source", ""),
            "actions": len((chosen or {}).get("actions", [])),
            "predicted_saved_kwh": round(float(pred.get("energy_saved_kwh", 0.0)), 3),
            "status": o["status"], "human": bool(o["human"]),
        })  # fmt: skip
        if o["run_id"] not in run_ids:
            run_ids.append(o["run_id"])
    escalated = sum(1 for r in rows if r["status"] == "escalated")
    return rows, run_ids, [f"agentic: {len(rows)} incident(s), {escalated} escalated "
                           "(no candidate scored above doing nothing)"]  # fmt: skip


def _metrics(tl: pd.DataFrame, step_minutes: int, actions: int) -> dict[str, float]:
    def s(col: str) -> float:
        return float(tl[col].sum())

    def pct(num: float, den: float) -> float:
        return 100.0 * num / den if den > 0 else 0.0

    demand = s("ref_users") + s("ref_lost_users")
    ref_served = s("ref_served_dl_gbps")
    thp = s("thp_users") / max(s("users"), 1e-9)
    thp_ref = s("ref_thp_users") / max(s("ref_users"), 1e-9)
    parts = {
        "lost_users_pct": pct(s("lost_users") - s("ref_lost_users"), demand),
        "blocked_extra_pct": pct(max(0.0, s("blocked_users") - s("ref_blocked_users")), demand),
        "served_loss_pct": pct(s("ref_served_dl_gbps") - s("served_dl_gbps"), ref_served),
        "thp_loss_pct": pct(thp_ref - thp, thp_ref),
    }
    energy, ref = s("energy_kwh"), s("ref_energy_kwh")
    return {
        "energy_kwh": energy,
        "energy_kwh_always_on": ref,
        "energy_saved_pct": pct(ref - energy, ref),
        "kqi_loss_pct": max(0.0, *parts.values()),
        **parts,
        "coverage_loss_user_min": (s("lost_users") - s("ref_lost_users")) * step_minutes,
        "cell_hours_asleep": s("cells_asleep") * step_minutes / 60.0,
        "switch_actions": float(actions),
    }
