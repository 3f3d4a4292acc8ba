"""The three policies of the fault-healing scenario as drivers the scenario ticks each step."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from autonet.agents.state import FINAL_STATUSES

if TYPE_CHECKING:
    from autonet.platform.scenarios._fault_ledger import FaultLedger
    from autonet.twin import Twin

__all__ = ["DRIVERS", "Outcome", "handed_over"]


@dataclass
class Outcome:
    """What a driver reports at the end of the run."""

    resolved_pct: float
    human: int
    incidents: int
    notes: list[str] = field(default_factory=list)
    run_ids: list[str] = field(default_factory=list)


class NoneDriver:
    """No automation: faults last until field repair."""

    def __init__(self, twin: Twin, opts: Mapping[str, Any], workdir: Path) -> None:
        self.twin = twin

    def tick(self) -> None:
        """Nothing to do."""

    def open_incidents(self) -> int:
        return 0

    def finish(self, ledger: FaultLedger, run_end: datetime) -> Outcome:
        """Nothing is fixed: every fault is left to field repair."""
        for row in ledger.faults.values():
            row.handed = True
        return Outcome(resolved_pct=0.0, human=0, incidents=0)


class RulesDriver:
    """The operational fault policies applied as they are (no RCA, what-if, memory)."""

    def __init__(self, twin: Twin, opts: Mapping[str, Any], workdir: Path) -> None:
        from autonet.agents.playbooks._fault_remedies import fault_policies
        from autonet.platform.scenarios.rules import RuleController

        self.twin = twin
        ids = [p.id for p in fault_policies().operational]
        self.controller = RuleController(twin, policy_ids=ids)

    def tick(self) -> None:
        self.controller.tick()

    def open_incidents(self) -> int:
        return len(self.controller.active)

    def finish(self, ledger: FaultLedger, run_end: datetime) -> Outcome:
        """Detection = the first rule action related to the fault; localisation = that action
        targets the root; resolved = the rules fixed it (a related action helped and the fault
        ended early or its impact came down before it ended; there is no verification); every
        other fault is left to field repair."""
        due = ledger.due(run_end)
        for row in ledger.faults.values():
            if row.actions:
                first = min(row.actions, key=lambda j: j.at)
                row.detected_at = datetime.fromisoformat(first.at)
                row.localised = first.target == row.record.root_node
            row.resolved = ledger.fixed(row, run_end)
            row.handed = not row.resolved
        episodes = self.controller.episodes
        escalated = sum(1 for e in episodes if e.terminal == "escalate")
        resolved = 100.0 * sum(r.resolved for r in due) / len(due) if due else float("nan")
        return Outcome(
            resolved_pct=resolved,
            human=escalated,
            incidents=len(episodes),
            notes=[f"{len(episodes)} rule episodes, {escalated} ended in escalation"],
        )


class AgenticDriver:
    """The closed loop with the FaultPlaybook, case memory and an operator for approvals."""

    def __init__(self, twin: Twin, opts: Mapping[str, Any], workdir: Path) -> None:
        from autonet.agents.playbook import Memory
        from autonet.agents.playbooks.fault import FaultPlaybook
        from autonet.knowledge.memory import AuditLog, CaseStore, init_db
        from autonet.platform.loop import ClosedLoop
        from autonet.platform.scenarios.common import operator_approver

        workdir.mkdir(parents=True, exist_ok=True)
        self.twin = twin
        engine = init_db(f"sqlite:///{workdir / 'memory.sqlite'}")
        self.memory = Memory(engine=engine, cases=CaseStore(engine), audit=AuditLog(engine))
        self.approver = operator_approver(
            int(opts["approval_delay"]), clock=lambda: twin.now, by="operator"
        )
        self.loop = ClosedLoop(
            twin,
            [FaultPlaybook(sla_mbps=float(opts["sla_mbps"]))],
            memory=self.memory,
            workdir=workdir,
            approver=self.approver,
            name="fault",
        )

    def tick(self) -> None:
        self.loop.tick()
        if self.approver.delay_steps > 0:
            self.approver.tick(self.loop)

    def open_incidents(self) -> int:
        return sum(1 for o in self.loop.outcomes() if o["status"] not in FINAL_STATUSES)

    def finish(self, ledger: FaultLedger, run_end: datetime) -> Outcome:
        """Match incidents to faults through their alarms (ground truth, evaluation only).

        Resolved = incidents FULFILLED by the loop's own remedy with no human; an incident the
        loop closed as a hand-over to field repair is counted apart (its fault is ``handed``),
        never as resolved."""
        fault_of = {a.alarm_id: a.fault_id for a in self.twin.alarms}
        outcomes = sorted(self.loop.outcomes(), key=lambda o: o["incident"]["opened_at"])
        latest = run_end - 2 * self.twin.step_delta
        counted = resolved = human = handed = 0
        for o in outcomes:
            inc = o["incident"]
            votes = Counter(fault_of.get(a) for a in inc["evidence"].get("alarms", ()))
            votes.pop(None, None)
            top = votes.most_common(1)[0][0] if votes else None
            row = ledger.faults.get(top) if top is not None else None
            if row is not None and row.detected_at is None:
                row.detected_at = datetime.fromisoformat(inc["opened_at"])
                hyps = (o.get("analysis") or {}).get("hypotheses") or []
                row.localised = bool(hyps) and hyps[0]["node"] == row.record.root_node
            human += bool(o["human"])
            over = handed_over(o)
            if row is not None and over:
                row.handed = True
            if datetime.fromisoformat(inc["opened_at"]) <= latest:
                counted += 1
                handed += over
                resolved += o["status"] == "fulfilled" and not o["human"] and not over
        for row in ledger.faults.values():
            row.resolved = not row.handed and ledger.fixed(row, run_end)
        statuses = Counter(o["status"] for o in outcomes)
        self.loop.close()
        self.memory.engine.dispose()
        return Outcome(
            resolved_pct=100.0 * resolved / counted if counted else float("nan"),
            human=human,
            incidents=len(outcomes),
            notes=[
                f"incidents by status: {dict(sorted(statuses.items()))}",
                f"{handed} of {counted} counted incident(s) handed to field repair",
                f"operator answered {len(self.approver.answered)} approval request(s)",
            ],
            run_ids=sorted({o["run_id"] for o in outcomes}),
        )


def handed_over(outcome: Mapping[str, Any]) -> bool:
    """True when the loop closed the incident as a hand-over to field repair: its last
    decision chose the field-repair candidate, or its last verdict is FULFILLED only "at the
    best achievable until field repair" (compensation in place, the root cause left to a crew).
    """
    from autonet.agents.messages import FULFILLED
    from autonet.agents.playbooks._fault_remedies import FIELD_REPAIR_ID

    decisions = outcome.get("decisions") or []
    chosen = decisions[-1].get("chosen") if decisions else None
    if chosen is not None and chosen.get("id") == FIELD_REPAIR_ID:
        return True
    verdicts = outcome.get("verdicts") or []
    if not verdicts or verdicts[-1]["status"] != FULFILLED:
        return False
    return any(r.startswith("best achievable until field repair") for r in verdicts[-1]["reasons"])


DRIVERS: dict[str, Any] = {"none": NoneDriver, "rules": RulesDriver, "agentic": AgenticDriver}
