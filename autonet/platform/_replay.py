"""Replay a recorded run: rebuild its twin from the provenance, re-run the graph, compare.

A run records how its twin was built and everything that changed it (faults, traffic events,
actions, with their twin times) at its start and at each verification. Replay builds the same
twin, plays that log forward step by step, re-runs the graph on an in-memory saver (with the
recorded human answers) and compares the decisions: the chosen actions per incident and attempt.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from langchain_core.runnables import RunnableConfig

from autonet.agents._whatif import actions_key
from autonet.agents.playbook import LoopContext, LoopSettings, Playbook
from autonet.platform._runs import LoopError, snapshot

__all__ = [
    "ReplayReport",
    "decisions_of",
    "rebuild_twin",
    "replay_run",
    "replay_state",
    "settings_from",
    "settings_record",
    "twin_at",
]

TwinFactory = Callable[[Mapping[str, Any]], Any]


@dataclass
class ReplayReport:
    """The outcome of a replay: identical decisions, or the differences."""

    run_id: str
    identical: bool
    original: list[dict[str, Any]]
    replayed: list[dict[str, Any]]
    differences: list[str] = field(default_factory=list)


def settings_record(settings: LoopSettings) -> dict[str, Any]:
    """The loop settings as JSON-ready data (recorded in each run's provenance)."""
    out = dict(vars(settings))
    out["require_approval_kinds"] = sorted(settings.require_approval_kinds)
    users = settings.approval_users
    out["approval_users"] = None if users == float("inf") else users
    return out


def settings_from(record: Mapping[str, Any] | None) -> LoopSettings:
    """The loop settings recorded by :func:`settings_record` (defaults when None)."""
    if not record:
        return LoopSettings()
    values = dict(record)
    values["require_approval_kinds"] = frozenset(values.get("require_approval_kinds") or ())
    if values.get("approval_users") is None:
        values["approval_users"] = float("inf")
    return LoopSettings(**values)


def decisions_of(values: Mapping[str, Any]) -> list[dict[str, Any]]:
    """``[{"incident", "attempt", "chosen", "needs_approval", "scores"}]`` of a run's state."""
    out = []
    for iid, made in sorted((values.get("decisions") or {}).items()):
        for d in made:
            chosen = d.get("chosen")
            out.append(
                {
                    "incident": iid,
                    "attempt": d["attempt"],
                    "chosen": actions_key(chosen["actions"]) if chosen else None,
                    "needs_approval": d["needs_approval"],
                    "scores": {
                        c["id"]: round(c["score"], 6) for c in d["candidates"] if "score" in c
                    },
                }
            )
    return out


def rebuild_twin(provenance: Mapping[str, Any], twin_factory: TwinFactory | None = None) -> Any:
    """A new twin at step 0 as the recorded one was built.

    Raises:
        ValueError: No topology parameters were recorded and no factory is given.
    """
    if twin_factory is not None:
        return twin_factory(provenance)
    params = provenance.get("topology")
    if not params:
        raise ValueError(
            "the run recorded no topology parameters (ClosedLoop(topology=...)); "
            "pass a twin factory to rebuild its twin"
        )
    from autonet.twin import Twin, build_topology

    return Twin(
        build_topology(**params),
        seed=int(provenance["seed"]),
        start=datetime.fromisoformat(provenance["start"]),
        step_minutes=int(provenance["step_minutes"]),
    )


class _Player:
    """Plays a twin's change log forward on a rebuilt twin (skipping the replayed run's own
    actions, which the replayed graph applies itself)."""

    def __init__(self, twin: Any, run_id: str) -> None:
        self.twin = twin
        self.prefix = f"{run_id}/"
        self.faults: dict[str, Any] = {}
        self.cleared: set[str] = set()
        self.actions: dict[str, str] = {}  # original action id -> replayed id
        self.own: set[str] = set()
        self.events: set[str] = set()

    def catch_up(self, log: Mapping[str, Any]) -> None:
        """Step the twin to the log's step index, applying its changes at their times."""
        target = int(log["step_index"])
        for a in log["actions"]:
            if (a.get("key") or "").startswith(self.prefix):
                self.own.add(a["action_id"])
        while True:
            self._apply_now(log)
            if self.twin.step_index >= target:
                return
            self.twin.step()

    def _apply_now(self, log: Mapping[str, Any]) -> None:
        from datetime import timedelta

        twin = self.twin
        now = twin.now.isoformat()
        for e in log["events"]:
            tag = f"{e['name']}@{e['start']}"
            if tag not in self.events:
                self.events.add(tag)
                twin.add_event(e["cells"], datetime.fromisoformat(e["start"]),
                               datetime.fromisoformat(e["end"]), e["multiplier"], e["name"],
                               ramp=timedelta(seconds=e["ramp_s"]))  # fmt: skip
        for f in log["faults"]:  # cleared by hand (a timed fault clears itself, as before)
            fid = f["fault_id"]
            timed = f["params"].get("duration_steps") is not None
            if f["end"] == now and fid in self.faults and fid not in self.cleared and not timed:
                self.cleared.add(fid)
                twin.clear_fault(self.faults[fid])
        for f in log["faults"]:
            if f["start"] == now and f["fault_id"] not in self.faults:
                params = dict(f["params"])
                target = params.pop("target", f["target"])
                rec = twin.inject_fault(f["fault_type"], target, **params)
                self.faults[f["fault_id"]] = rec.fault_id
        for a in log["actions"]:
            aid = a["action_id"]
            if a["at"] != now or aid in self.actions or aid in self.own:
                continue
            if a["kind"] == "undo":
                if a["undoes"] in self.own:
                    continue
                rec = twin.undo(self.actions[a["undoes"]])
            else:
                rec = twin.apply(a["kind"], a["target"], key=a.get("key"), **a["params"])
            self.actions[aid] = rec.action_id


def twin_at(provenance: Mapping[str, Any], run_id: str = "") -> Any:
    """The twin rebuilt and played forward to the moment recorded by ``provenance``."""
    twin = rebuild_twin(provenance)
    _Player(twin, run_id).catch_up(provenance)
    return twin


def _approval_for(original: Mapping[str, Any], payload: Mapping[str, Any]) -> dict[str, Any]:
    for iid in payload.get("incident_ids", []):
        for d in (original.get("decisions") or {}).get(iid, []):
            if d.get("approval") is not None:
                return dict(d["approval"])
    raise ValueError("the original run has no recorded answer to this approval request")


def replay_state(
    original: Mapping[str, Any],
    *,
    playbooks: Mapping[str, Playbook] | Sequence[Playbook],
    settings: LoopSettings | None = None,
    twin_factory: TwinFactory | None = None,
) -> ReplayReport:
    """Replay the run whose final state values are ``original`` and compare its decisions.

    Raises:
        ValueError: The run has no provenance, or its twin cannot be rebuilt.
    """
    from langgraph.checkpoint.memory import InMemorySaver
    from langgraph.types import Command

    from autonet.platform.graph import build_graph

    run_id = original["run_id"]
    provenance = original.get("provenance")
    if not provenance:
        raise ValueError(f"run {run_id!r} recorded no provenance: it cannot be replayed")
    pbs = playbooks if isinstance(playbooks, Mapping) else {p.kind: p for p in playbooks}
    twin = rebuild_twin(provenance, twin_factory)
    player = _Player(twin, run_id)
    player.catch_up(provenance)
    settings = settings or settings_from(provenance.get("settings"))
    ctx = LoopContext(twin=twin, playbooks=pbs, settings=settings)
    ctx.models["priors"] = copy.deepcopy(provenance.get("priors") or {})
    graph = build_graph(checkpointer=InMemorySaver())
    config: RunnableConfig = {"configurable": {"thread_id": run_id}}
    payload: Any = {
        "run_id": run_id,
        "requests": list(original.get("requests") or []),
        "incidents": dict(original["incidents"]),
        "provenance": provenance,
    }
    logs = original.get("twin_log") or {}
    verified = 0
    while True:
        graph.invoke(payload, config, context=ctx)
        snap = graph.get_state(config)
        if snap.interrupts:
            payload = Command(resume=_approval_for(original, snap.interrupts[0].value))
        elif "verification" in (snap.next or ()):
            log = logs.get(f"verify-{verified}")
            if log is None:
                break  # the original run had not been verified yet
            player.catch_up(log)
            verified += 1
            payload = None
        else:
            break
    mine, theirs = decisions_of(snap.values), decisions_of(original)
    diffs = [
        f"{a['incident']} attempt {a['attempt']}: original {a['chosen']} vs replay {b['chosen']}"
        for a, b in zip(theirs, mine, strict=False)
        if a != b
    ]
    if len(mine) != len(theirs):
        diffs.append(f"original made {len(theirs)} decision(s), the replay {len(mine)}")
    return ReplayReport(run_id, not diffs, theirs, mine, diffs)


def replay_run(
    graph_or_saver: Any,
    run_id: str,
    *,
    playbooks: Sequence[Playbook] | Mapping[str, Playbook],
    settings: LoopSettings | None = None,
    twin_factory: TwinFactory | None = None,
) -> ReplayReport:
    """Replay the recorded run ``run_id`` from its trace and provenance and compare decisions.

    Args:
        graph_or_saver: The graph that ran it, or the checkpointer holding it.
        run_id: The run (thread) id.
        playbooks: The playbooks the run used (deterministic, as the protocol requires).
        settings: The loop settings (default: those the run recorded).
        twin_factory: Builds the step-0 twin from the provenance (default: ``build_topology``
            with the recorded ``topology`` parameters).

    Raises:
        LoopError: Unknown run, no provenance, or no way to rebuild its twin.
    """
    from autonet.platform.graph import build_graph

    graph = graph_or_saver
    if not hasattr(graph_or_saver, "get_state"):
        graph = build_graph(checkpointer=graph_or_saver)
    values = snapshot(graph, run_id).values
    if not values:
        raise LoopError(f"no run {run_id!r} in the checkpoint store")
    try:
        return replay_state(
            values, playbooks=playbooks, settings=settings, twin_factory=twin_factory
        )
    except ValueError as exc:
        raise LoopError(f"cannot replay {run_id!r}: {exc}") from None
