"""How each policy of the slice scenario handles a request (agentic, rules, none)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

from autonet.agents.messages import FULFILLED
from autonet.agents.playbooks._slice_spec import slice_name, spec_from_arguments
from autonet.platform.scenarios._slice_book import Ledger, SliceRequest
from autonet.twin import ActionError

__all__ = ["DRIVERS", "RELAXED_LATENCY_MS"]

logger = logging.getLogger(__name__)
#: What rules/none configure as the latency target: no latency study, each site's own UPF.
RELAXED_LATENCY_MS: Final = 1000.0


class _Driver:
    """Shared parsing (AgentGate) and configuration without a study."""

    def __init__(
        self, twin: Any, gate: Any, ledger: Ledger, opts: dict[str, Any], workdir: Path
    ) -> None:
        self.twin, self.gate, self.ledger = twin, gate, ledger
        self.opts, self.workdir = opts, workdir

    def parse(self, req: SliceRequest) -> tuple[float, Any, dict[str, Any] | None, list[str]]:
        """Route the words: (seconds, route, slice_admit params or None, problems)."""
        t0 = time.perf_counter()
        route = self.gate.route(req.text)
        took = time.perf_counter() - t0
        if route.agent != "slice_provisioner":
            what = route.agent or route.action.value
            return took, route, None, [f"gate: routed to {what}: {route.rationale}"]
        mapped = spec_from_arguments(self.twin.compiled, route.arguments, slice_name(req.rid))
        return took, route, mapped.params, [f"request: {p}" for p in mapped.problems]

    def configure(self, req: SliceRequest, params: dict[str, Any]) -> None:
        """Configure the slice as asked but without a latency/reliability study.

        A slice the twin refuses (PRB, transport, UPF) stays promised and delivers nothing.
        """
        name = slice_name(req.rid)
        relaxed = {**params, "max_latency_ms": RELAXED_LATENCY_MS, "reliability_pct": 50.0}
        try:
            self.twin.apply("slice_admit", name, **relaxed)
            configured = True
        except ActionError as err:
            logger.debug("slice %s refused when configured: %s", name, err)
            configured = False
        self.ledger.admit(req, name, params, configured=configured)

    def submit(self, req: SliceRequest) -> None:
        """Take one request (before the step it is due)."""
        raise NotImplementedError

    def after_step(self, step_s: float) -> None:
        """Called after every twin step with its wall time."""

    def finish(self) -> list[str]:
        """Close down; notes for the report."""
        return []

    def run_ids(self) -> list[str]:
        """Closed-loop run ids (agentic only)."""
        return []


class _Rules(_Driver):
    """Admit when the area's PRB utilisation is below a static threshold; no study."""

    def submit(self, req: SliceRequest) -> None:
        t0 = time.perf_counter()
        _, _, params, problems = self.parse(req)
        if params is None:
            self.ledger.reject(req, problems)
            return
        mean = self.ledger.mean_prb_util(self.ledger.cells_of(params))
        threshold = self.opts["rules_prb_threshold"]
        if mean >= threshold:
            self.ledger.reject(req, [f"rule: area PRB utilisation {mean:.2f} >= {threshold:g}"])
            return
        self.configure(req, params)
        self.ledger.activated(req, time.perf_counter() - t0)

    def finish(self) -> list[str]:
        return ["rules: activation time is to configuration; nothing is verified"]


class _Manual(_Driver):
    """Manual provisioning: accepted without a study, configured after a lead time."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.pending: list[tuple[int, SliceRequest, dict[str, Any]]] = []
        self.lead_s = float(self.opts["manual_lead_days"]) * 86400.0
        self.lead_steps = round(self.lead_s / self.twin.step_delta.total_seconds())

    def submit(self, req: SliceRequest) -> None:
        _, _, params, problems = self.parse(req)
        if params is None:
            self.ledger.reject(req, problems)
            return
        self.pending.append((self.twin.step_index + self.lead_steps, req, params))

    def after_step(self, step_s: float) -> None:
        now = self.twin.step_index
        for entry in [p for p in self.pending if p[0] <= now]:
            self.pending.remove(entry)
            self.configure(entry[1], entry[2])
            self.ledger.activated(entry[1], self.lead_s)

    def finish(self) -> list[str]:
        for _, req, _ in self.pending:
            self.ledger.not_activated(req, self.lead_s)
        return [
            f"none: manual lead time {self.lead_s / 86400:g} days (modelled, not measured); "
            f"{len(self.pending)} accepted request(s) not yet active when the run ended"
        ]


class _Agentic(_Driver):
    """The front door (AgentGate -> request record -> ClosedLoop -> SlicePlaybook); activation
    is measured wall time."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        from autonet.agents.playbook import Memory
        from autonet.agents.playbooks.slicing import SlicePlaybook
        from autonet.knowledge.memory import AuditLog, CaseStore, init_db
        from autonet.knowledge.memory.requests import RequestStore
        from autonet.platform.loop import ClosedLoop
        from autonet.platform.service import RequestService

        self.loop = ClosedLoop(self.twin, [SlicePlaybook()], workdir=self.workdir, name="slice")
        # the request records and audit trail of the front door; the loop itself keeps no
        # case memory in this scenario (as before: no similar-case retrieval)
        engine = init_db(f"sqlite:///{self.workdir / 'requests.sqlite'}")
        memory = Memory(engine=engine, cases=CaseStore(engine), audit=AuditLog(engine))
        self.service = RequestService(
            loop=self.loop, memory=memory, store=RequestStore(engine), capabilities={},
            capability_context=lambda **_: None, gate=self.gate, session_id="slice-scenario",
        )  # fmt: skip
        self.wall: dict[str, float] = {}  # request id -> wall seconds so far (while open)
        self.reqs: dict[str, SliceRequest] = {}
        self.by_incident: dict[str, str] = {}
        self.by_record: dict[str, str] = {}  # request record id -> the scenario's request id

    def submit(self, req: SliceRequest) -> None:
        t0 = time.perf_counter()
        record = self.service.submit(req.text, caller="operator", role="operator")
        took = time.perf_counter() - t0
        if record.run_id is None:  # never reached the loop: incomplete, or routed elsewhere
            what = record.decision.get("agent") or record.decision.get("action")
            why = (f"request: {record.reason}" if record.status == "needs_info"
                   else f"gate: routed to {what}: {record.reason}")  # fmt: skip
            self.ledger.reject(req, [why])
            return
        self.reqs[req.rid] = req
        self.wall[req.rid] = took
        self.by_record[record.id] = req.rid
        if self.service.last_tick is not None:
            self._account(self.service.last_tick, 0.0)

    def after_step(self, step_s: float) -> None:
        t0 = time.perf_counter()
        report = self.loop.tick()
        self._account(report, step_s + time.perf_counter() - t0)

    def _account(self, report: Any, spent: float) -> None:
        for rid in self.wall:
            self.wall[rid] += spent
        for inc in report.opened:
            owner = self.by_record.get(inc["evidence"]["request"]["id"])
            if owner is not None:
                self.by_incident[inc["id"]] = owner
        for a in report.applied:
            owner = self.by_incident.get(a["key"].split("/")[1])
            if owner is not None and a["kind"] == "slice_admit":
                self.ledger.admit(self.reqs[owner], a["target"], a["params"], configured=True)
        for v in report.verdicts:
            found = self.by_incident.get(v["incident_id"])
            if found is None:
                continue
            rid = found
            if v["status"] == FULFILLED:
                self.ledger.activated(self.reqs[rid], self.wall.pop(rid, float("nan")))
            else:
                self.ledger.drop(self.reqs[rid])  # rolled back by the loop
        if report.escalated or report.rejected:
            self._rejections(set(report.escalated) | set(report.rejected))
        self.service.sync()

    def _rejections(self, escalated: set[str]) -> None:
        for out in self.loop.outcomes():
            iid = out["incident"]["id"]
            rid = self.by_incident.get(iid)
            if iid not in escalated or rid is None:
                continue
            analysis = out.get("analysis") or {}
            reasons = list((analysis.get("risk") or {}).get("rejected") or [])
            if not reasons and out["decisions"]:
                reasons = [out["decisions"][-1]["reason"]]
            self.ledger.reject(self.reqs[rid], reasons)
            self.wall.pop(rid, None)

    def finish(self) -> list[str]:
        self._run_ids = sorted({o["run_id"] for o in self.loop.outcomes()})
        self.loop.close()
        return [
            "agentic: activation time = AgentGate route + loop ticks + twin steps until the "
            "first verification, measured in-process"
        ]

    def run_ids(self) -> list[str]:
        return list(getattr(self, "_run_ids", []))


DRIVERS: Final[dict[str, Callable[..., _Driver]]] = {
    "agentic": _Agentic,
    "rules": _Rules,
    "none": _Manual,
}
