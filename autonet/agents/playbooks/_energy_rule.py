"""The O-RAN cell on/off threshold rule of the default policies, vectorised over cells.

Same thresholds and semantics as ``energy-sleep-cell`` / ``energy-wake-cell`` in
``knowledge/rules/default_policies.yaml`` evaluated by ``PolicyMatcher`` (which reads them
per cell through pandas and takes about a second per call on 600 cells): an active cell whose
DL PRB use is below 20 % is offloaded (share 0.9) and put to sleep; a sleeping cell wakes when
its neighbours' PRB use exceeds 40 % (max) or 30 % (mean). The rule's 120 s hold is met by one
sample: the twin steps 15 minutes. Guards (frequency limiter, change window) apply as in the
matcher.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from autonet.agents.messages import ActionStep
from autonet.agents.playbooks._energy_kqi import tail
from autonet.agents.playbooks._energy_state import guard_history
from autonet.knowledge.rules import ActionRecord as RuleRecord
from autonet.knowledge.rules import PolicySet, evaluate_guards, load_default_policies
from autonet.knowledge.rules.model import KpiCondition
from autonet.twin.actions import ActionError

if TYPE_CHECKING:
    from autonet.twin import Twin

__all__ = ["SLEEP_POLICY", "WAKE_POLICY", "RuleRunner", "ThresholdRule"]

SLEEP_POLICY = "energy-sleep-cell"
WAKE_POLICY = "energy-wake-cell"
_PRB = "RRU.PrbUsedDl"


@dataclass(frozen=True)
class ThresholdRule:
    """Thresholds of the rule (defaults: the shipped policies)."""

    sleep_below: float = 20.0
    wake_max_above: float = 40.0
    wake_mean_above: float = 30.0
    offload_share: float = 0.9

    @classmethod
    def from_policies(cls, policies: PolicySet) -> ThresholdRule:
        """The thresholds written in the policy set (ValueError when a policy is missing)."""
        by_id = {p.id: p for p in policies.operational}
        missing = [p for p in (SLEEP_POLICY, WAKE_POLICY) if p not in by_id]
        if missing:
            raise ValueError(f"the policy set has no {missing} policy (needed by the rule)")
        sleep = [c for c in by_id[SLEEP_POLICY].trigger.all if isinstance(c, KpiCondition)]
        wake = [c for c in by_id[WAKE_POLICY].trigger.any if isinstance(c, KpiCondition)]
        share = next((float(o.parameters.get("share", 0.9)) for o in
                      by_id[SLEEP_POLICY].operations if o.action == "offload"), 0.0)  # fmt: skip
        return cls(
            sleep_below=next(c.value for c in sleep if c.kpi == _PRB),
            wake_max_above=next(c.value for c in wake if c.agg == "max"),
            wake_mean_above=next(c.value for c in wake if c.agg == "mean"),
            offload_share=share,
        )

    def steps(
        self, twin: Twin, policies: PolicySet, *, active_neighbours: bool = False
    ) -> list[ActionStep]:
        """The rule's twin actions now (wakes first), guards applied.

        Args:
            twin: The network.
            policies: Guards (frequency limiter, change window).
            active_neighbours: Read the rule as PM data is: a sleeping cell reports no PRB
                use, so the wake test looks at the awake neighbours only and a sleeping cell
                with no awake neighbour wakes; cells switch off one after another, each only
                while it keeps an awake neighbour; a woken cell's offload is reset. False: as
                the policy matcher reads it (a sleeping neighbour counts as 0 % PRB).
        """
        st, topo = twin.state, twin.compiled
        last = tail(twin, _PRB, 1)
        if last.shape[0] == 0:
            return []
        prb = np.nan_to_num(last[0].astype(np.float64), nan=0.0)
        down = ~st.cell_on | ~st.site_powered[topo.cell_site]
        active = ~st.cell_asleep & (st.cell_wake_left <= 0) & ~down
        asleep = st.cell_asleep & ~down
        ptr, idx = topo.nbr_ptr, topo.nbr_idx
        seen = active[idx] if active_neighbours else np.ones(len(idx), dtype=np.bool_)
        rows = np.repeat(np.arange(topo.n_cells), np.diff(ptr))
        count = np.bincount(rows, weights=seen, minlength=topo.n_cells)
        total = np.bincount(rows, weights=np.where(seen, prb[idx], 0.0), minlength=topo.n_cells)
        nmax = np.full(topo.n_cells, -np.inf)
        np.maximum.at(nmax, rows[seen], prb[idx][seen])
        nmean = np.where(count > 0, total / np.maximum(count, 1), -np.inf)
        wake = asleep & ((nmax > self.wake_max_above) | (nmean > self.wake_mean_above))
        if active_neighbours:
            wake |= asleep & (count == 0)
        sleep = active & (prb < self.sleep_below)
        history = guard_history(twin, twin.step_delta * 4)
        out: list[ActionStep] = []
        ids = topo.cell_ids
        for i in np.flatnonzero(wake).tolist():
            if self._allowed(twin, policies, "wake", ids[i], history):
                out.append({"kind": "wake", "target": ids[i], "params": {}})
                if active_neighbours and st.cell_offload[i] > 0:
                    out.append({"kind": "offload", "target": ids[i], "params": {"share": 0.0}})
        if not self._allowed(twin, policies, "sleep", "", ()):
            return out  # the change window closes sleeps for every cell
        awake = active.copy()
        for i in np.flatnonzero(sleep).tolist():
            if not self._allowed(twin, policies, "sleep", ids[i], history):
                continue
            if active_neighbours:
                if not awake[idx[ptr[i] : ptr[i + 1]]].any():
                    continue
                awake[i] = False
            share = self.offload_share
            if share > 0 and abs(float(st.cell_offload[i]) - share) > 1e-6:
                out.append({"kind": "offload", "target": ids[i],
                            "params": {"share": self.offload_share}})  # fmt: skip
            out.append({"kind": "sleep", "target": ids[i], "params": {}})
        return out

    @staticmethod
    def _allowed(
        twin: Twin, policies: PolicySet, action: str, target: str, history: Sequence[RuleRecord]
    ) -> bool:
        hist = [h for h in history if h.target == target] if target else []
        verdicts = evaluate_guards(policies.guards, action=action, target=target, parameters={},
                                   now=twin.now, history=hist)  # fmt: skip
        return all(v.allowed for v in verdicts)


class RuleRunner:
    """Applies the threshold rule with PM-data semantics after every step (a baseline; see
    ``ThresholdRule.steps(active_neighbours=True)``); rejected actions are kept in ``rows``."""

    def __init__(self, twin: Twin) -> None:
        self.twin = twin
        self.policies = load_default_policies()
        self.rule = ThresholdRule.from_policies(self.policies)
        self.rows: list[dict[str, Any]] = []

    def tick(self) -> None:
        for step in self.rule.steps(self.twin, self.policies, active_neighbours=True):
            try:
                self.twin.apply(step["kind"], step["target"], **step["params"])
            except ActionError as err:
                self.rows.append({"at": self.twin.now.isoformat(), "error": str(err)})
