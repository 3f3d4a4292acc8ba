"""The closed loop driver: one graph run per tick that finds incidents, resumed when due.

The scenarios drive the network clock: after every ``twin.step()`` they call
:meth:`ClosedLoop.tick`, which resumes the runs whose verification is due, asks the approver
about pending approvals, and perceives (cheaply, outside the graph) new incidents and requests;
only when something is found does a new run (a checkpointed thread ``<name>-NNNNN``) start.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from langchain_core.runnables import RunnableConfig

from autonet.agents._provenance import ProvenanceLog, twin_provenance
from autonet.agents.messages import AppliedAction, Approval, Incident, Request, TraceEntry, Verdict
from autonet.agents.perception import perceive_incidents
from autonet.agents.playbook import (
    ActionPort,
    IncidentBook,
    LoopContext,
    LoopSettings,
    Memory,
    Playbook,
)
from autonet.agents.state import FINAL_STATUSES
from autonet.platform._replay import ReplayReport, TwinFactory, replay_run, settings_record
from autonet.platform._runs import LoopError, RunView, run_view, snapshot
from autonet.platform.checkpoint import (
    close_checkpointer,
    default_checkpoint_path,
    open_checkpointer,
    prune_thread,
    thread_ids,
)
from autonet.platform.graph import build_graph, check_settings

__all__ = ["Approver", "ClosedLoop", "LoopError", "ReplayReport", "TickReport", "replay_run"]

logger = logging.getLogger(__name__)

Approver = Callable[[str, dict[str, Any]], Approval | None]


@dataclass
class TickReport:
    """What one tick did."""

    time: datetime
    opened: list[Incident] = field(default_factory=list)
    applied: list[AppliedAction] = field(default_factory=list)
    verdicts: list[Verdict] = field(default_factory=list)
    escalated: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)  # requests refused with their reasons
    waiting_approval: list[str] = field(default_factory=list)


def _playbook_map(playbooks: Sequence[Playbook] | Mapping[str, Playbook]) -> dict[str, Playbook]:
    items = list(playbooks.values()) if isinstance(playbooks, Mapping) else list(playbooks)
    out: dict[str, Playbook] = {}
    for pb in items:
        if not isinstance(pb, Playbook):
            raise LoopError(f"{pb!r} is not a Playbook (needs kind, settle_steps, perceive, ...)")
        if pb.kind in out:
            raise LoopError(f"two playbooks for kind {pb.kind!r}: give one per kind")
        out[pb.kind] = pb
    return out


class ClosedLoop:
    """The closed loop on a live twin (see ``docs/closed-loop.md``).

    Args:
        twin: The live network.
        playbooks: One playbook per incident kind.
        memory: Long-term memory (None: no retrieval, nothing stored, no audit).
        checkpointer: A LangGraph saver; None opens SQLite on ``<workdir>/checkpoints.sqlite``
            (``settings.home`` when no workdir), closed by :meth:`close`.
        workdir: Where the default checkpoint file goes.
        settings: Loop knobs.
        approver: Called with ``(run_id, payload)`` on every tick while a run waits for
            approval; returns an Approval to resume it or None to leave it pending.
        name: Thread ids are ``f"{name}-{n:05d}"``.
        topology: How the twin's topology was built (``build_topology`` keyword arguments),
            recorded in each run's provenance so the run can be replayed.
        network: The network adapter the execution agent applies actions through (None: the
            twin itself).
    """

    def __init__(
        self,
        twin: Any,
        playbooks: Sequence[Playbook] | Mapping[str, Playbook],
        *,
        memory: Memory | None = None,
        checkpointer: Any = None,
        workdir: Path | None = None,
        settings: LoopSettings | None = None,
        approver: Approver | None = None,
        name: str = "loop",
        topology: Mapping[str, Any] | None = None,
        network: ActionPort | None = None,
    ) -> None:
        if not name or "/" in name:
            raise LoopError(f"name must be a non-empty string without '/', got {name!r}")
        self.twin = twin
        self.ctx = LoopContext(
            twin=twin,
            playbooks=_playbook_map(playbooks),
            settings=check_settings(settings or LoopSettings()),
            book=IncidentBook(),
            memory=memory,
            network=network,
        )
        self._owned = checkpointer is None
        self.saver = checkpointer or open_checkpointer(default_checkpoint_path(workdir))
        self.graph = build_graph(checkpointer=self.saver)
        self.approver = approver
        self.name = name
        self.topology = dict(topology) if topology is not None else None
        self._queue: list[Request] = []
        self._runs: dict[str, RunView] = {}
        self._incident_run: dict[str, str] = {}
        self._carry = TickReport(time=twin.now)
        known = thread_ids(self.saver, f"{name}-")
        self._n = max((int(t.rsplit("-", 1)[1]) for t in known if t.rsplit("-", 1)[1].isdigit()),
                      default=0)  # fmt: skip

    # -- driving -------------------------------------------------------------------------------
    def submit(self, request: Request) -> None:
        """Queue an external request; it is perceived at the next tick.

        Raises:
            LoopError: No playbook handles its kind, or it lacks id/kind/arguments.
        """
        if not isinstance(request, Mapping) or not {"id", "kind", "arguments"} <= set(request):
            raise LoopError(f"a request needs 'id', 'kind' and 'arguments', got {request!r}")
        if request["kind"] not in self.ctx.playbooks:
            raise LoopError(
                f"no playbook for request kind {request['kind']!r} "
                f"(loaded: {sorted(self.ctx.playbooks)})"
            )
        self._queue.append(request)

    def tick(self) -> TickReport:
        """React at twin time ``twin.now``; call once after every ``twin.step()``."""
        report, self._carry = self._carry, TickReport(time=self.twin.now)
        report.time = self.twin.now
        self._close_over()
        step = self.twin.step_index
        for run_id, run in list(self._runs.items()):
            due = run.phase == "waiting_verification" and run.due <= step
            if due or run.phase == "interrupted":  # interrupted: a crash mid-run, resume it
                self._advance(run_id, None, report)
            elif run.phase == "awaiting_approval":
                self._ask(run_id, report)
        requests, self._queue = self._queue, []
        incidents = perceive_incidents(self.ctx, requests)
        if incidents:
            self._n += 1
            run_id = f"{self.name}-{self._n:05d}"
            for inc in incidents:
                self._incident_run[inc["id"]] = run_id
            report.opened.extend(incidents)
            cache = self.ctx.models.setdefault("provenance_log", ProvenanceLog())
            provenance = twin_provenance(self.twin, self.topology, cache)
            provenance["priors"] = copy.deepcopy(self.ctx.models.get("priors", {}))
            provenance["settings"] = settings_record(self.ctx.settings)
            start = {
                "run_id": run_id,
                "requests": list(requests),
                "incidents": {i["id"]: i for i in incidents},
                "provenance": provenance,
            }
            self._advance(run_id, start, report)
        report.waiting_approval = [
            r for r, v in self._runs.items() if v.phase == "awaiting_approval"
        ]
        return report

    def _invoke(self, run_id: str, payload: Any) -> None:
        config: RunnableConfig = {"configurable": {"thread_id": run_id}}
        self.graph.invoke(payload, config, context=self.ctx, durability="sync")

    def _advance(self, run_id: str, payload: Any, report: TickReport) -> None:
        before = self._runs.get(run_id)
        self._invoke(run_id, payload)
        self._sync(run_id, before, report)
        if self._runs[run_id].phase == "awaiting_approval":
            self._ask(run_id, report)

    def _ask(self, run_id: str, report: TickReport) -> None:
        if self.approver is None:
            return
        answer = self.approver(run_id, dict(self._runs[run_id].payload or {}))
        if answer is not None:
            self._resume_approval(run_id, answer, report)

    def _resume_approval(self, run_id: str, answer: Approval, report: TickReport) -> None:
        from langgraph.types import Command

        before = self._runs[run_id]
        self._invoke(run_id, Command(resume=dict(answer)))
        self._sync(run_id, before, report)

    def _sync(self, run_id: str, before: RunView | None, report: TickReport) -> None:
        view = run_view(snapshot(self.graph, run_id))
        self._runs[run_id] = view
        view.report_into(before, report)
        if view.phase == "done" and (before is None or before.phase != "done"):
            prune_thread(self.saver, run_id)  # its latest checkpoint holds all it recorded

    def _close_over(self) -> None:
        """Free the keys of closed incidents whose situation has ended."""
        book = self.ctx.book
        for key, iid in list(book.open.items()):
            run = self._runs.get(self._incident_run.get(iid, ""))
            if run is None or run.status.get(iid) not in FINAL_STATUSES:
                continue
            kind = run.values["incidents"][iid]["kind"]
            if self.ctx.playbooks[kind].is_over(self.ctx, key):
                del book.open[key]

    # -- humans --------------------------------------------------------------------------------
    def approve(
        self, run_id: str, approved: bool = True, by: str = "human", comment: str = ""
    ) -> None:
        """Answer a pending approval of ``run_id`` (the run resumes at once).

        Raises:
            LoopError: No such run, or it is not waiting for an approval.
        """
        run = self._runs.get(run_id)
        if run is None:
            raise LoopError(f"no run {run_id!r} in this loop (known: {sorted(self._runs)[-5:]})")
        if run.phase != "awaiting_approval":
            raise LoopError(f"run {run_id!r} has no pending approval (it is {run.phase})")
        if not isinstance(approved, bool) or not by:
            raise LoopError("approve needs approved=True/False and a non-empty 'by'")
        answer = Approval(approved=approved, by=by, at=self.twin.now.isoformat(), comment=comment)
        self._resume_approval(run_id, answer, self._carry)

    def pending_approvals(self) -> list[dict[str, Any]]:
        """``{"run_id", "incident_ids", "reasons", "candidates"}`` of every pending approval."""
        return [
            dict(v.payload or {}) for v in self._runs.values() if v.phase == "awaiting_approval"
        ]

    # -- reading -------------------------------------------------------------------------------
    def outcomes(self) -> list[dict[str, Any]]:
        """One dict per incident ever opened: incident, run, analysis, decisions, executions,
        verdicts, status and times (``RunView.outcome``)."""
        return [self._runs[run].outcome(iid) for iid, run in self._incident_run.items()]

    def trace(self, run_id: str) -> list[TraceEntry]:
        """The run's trace, read from the checkpointer.

        Raises:
            LoopError: Unknown run.
        """
        snap = snapshot(self.graph, run_id)
        if not snap.values:
            raise LoopError(f"no run {run_id!r} in the checkpoint store")
        return list(snap.values.get("trace", []))

    def replay(self, run_id: str, *, twin_factory: TwinFactory | None = None) -> ReplayReport:
        """Replay a recorded run on a rebuilt twin and compare its decisions (see
        :func:`replay_run`).

        Raises:
            LoopError: Unknown run, no provenance, or no way to rebuild its twin.
        """
        return replay_run(
            self.graph, run_id, playbooks=self.ctx.playbooks, settings=self.ctx.settings,
            twin_factory=twin_factory,
        )  # fmt: skip

    def runs(self) -> dict[str, str]:
        """Run id -> phase (``waiting_verification``, ``awaiting_approval``, ``done``)."""
        return {r: v.phase for r, v in self._runs.items()}

    def recover(self, run_ids: Sequence[str] | None = None) -> list[str]:
        """Load this loop's runs (all, or ``run_ids``) from the checkpointer (a controller
        restarted on the same store and network); unfinished ones resume on the next ticks.

        Returns:
            The ids of the unfinished runs loaded.

        Raises:
            LoopError: A run of ``run_ids`` is not in the store.
        """
        known = thread_ids(self.saver, f"{self.name}-")
        missing = sorted(set(run_ids or ()) - set(known))
        if missing:
            raise LoopError(f"no run(s) {missing} in the checkpoint store")
        unfinished = []
        for run_id in run_ids if run_ids is not None else known:
            if run_id in self._runs:
                continue
            view = run_view(snapshot(self.graph, run_id))
            self._runs[run_id] = view
            for iid, inc in view.values.get("incidents", {}).items():
                self._incident_run[iid] = run_id
                self.ctx.book.open.setdefault(inc["key"], iid)
                number = iid[1:]
                if number.isdigit():
                    self.ctx.book.counter = max(self.ctx.book.counter, int(number))
            if view.phase != "done":
                unfinished.append(run_id)
        return unfinished

    def incident_runs(self) -> dict[str, str]:
        """Incident id -> the run that handles it (saved by a network session)."""
        return dict(self._incident_run)

    def restore(self, *, book: IncidentBook, models: Mapping[str, Any],
                incident_runs: Mapping[str, str]) -> None:  # fmt: skip
        """Put back what a saved session kept besides the checkpoints (after :meth:`recover`):
        the incident book, the fitted models and caches, and which run handles which incident."""
        self.ctx.book = book
        self.ctx.models.update(models)
        self._incident_run.update(incident_runs)

    def close(self) -> None:
        """Close the checkpointer when the loop opened it."""
        if self._owned:
            close_checkpointer(self.saver)
