"""The network session: a network, its closed loop, its memory and its clock, between commands.

A session lives in a state directory (default ``$AUTONET_HOME/network``)::

    session.json         what the network is (size, seed, backbone, layers), its id, generation
    state-<gen>.pkl      the network adapter (the twin) and the loop's own state, one pickle
    checkpoints.sqlite   the loop's LangGraph checkpoints (every run, durable on its own)
    lock                 held while a command works on the session (one writer at a time)

Saving writes a new ``state-<gen+1>.pkl`` next to the old one, then replaces ``session.json``
atomically (``os.replace``), so a crash mid-save leaves the previous state intact. What the
learning agent learned (priors) lives in the memory database under the session's id, not in
the pickle: it survives a restart and is read back from there.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import math
import os
import pickle
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from autonet.errors import BadInputError, ConflictError, NotFoundError, RefusedError
from autonet.platform.service.adapter import NetworkAdapter, ReplayAdapter, TwinAdapter

if TYPE_CHECKING:
    from autonet.agents.playbook import Memory
    from autonet.knowledge.memory.requests import StoredRequest
    from autonet.platform.loop import ClosedLoop
    from autonet.platform.service.requests import RequestService
    from autonet.twin import Twin

__all__ = [
    "FORMAT",
    "AdvanceReport",
    "NetworkSession",
    "NetworkSpec",
    "default_state_dir",
    "read_status",
    "session_meta",
]

logger = logging.getLogger(__name__)

FORMAT: Final = 1
LOOP_NAME: Final = "net"
MAX_SITES: Final = 2000
MAX_MINUTES: Final = 7 * 24 * 60
WARM_UP_STEPS: Final = 4  # one hour of KPIs before the loop starts, to compare against
_KEEP_STATES: Final = 2


def default_state_dir(settings: Any = None) -> Path:
    """``$AUTONET_HOME/network``."""
    from autonet.platform.config import get_settings

    return Path((settings or get_settings()).home) / "network"


@dataclass(frozen=True)
class NetworkSpec:
    """What network a session runs: how its topology is built.

    Raises:
        BadInputError: From :meth:`check`, with the field and what it expects.
    """

    sites: int = 30
    seed: int = 7
    backbone: str | None = None
    layers: str = "single"
    source: str = "twin"  # "twin": the twin is the network; "replay": imported operator data

    def check(self) -> NetworkSpec:
        """Validate the fields; returns self."""
        if isinstance(self.sites, bool) or not isinstance(self.sites, int):
            raise BadInputError(f"sites must be a whole number, got {self.sites!r}")
        if not 1 <= self.sites <= MAX_SITES:
            raise BadInputError(f"sites must be in 1..{MAX_SITES}, got {self.sites}")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise BadInputError(f"seed must be a whole number >= 0, got {self.seed!r}")
        if self.layers not in ("single", "dual"):
            raise BadInputError(f"layers must be 'single' or 'dual', got {self.layers!r}")
        if self.source not in ("twin", "replay"):
            raise BadInputError(f"source must be 'twin' or 'replay', got {self.source!r}")
        return self

    def topology_kwargs(self) -> dict[str, Any]:
        """Keyword arguments of :func:`autonet.twin.build_topology` (recorded for replay)."""
        out: dict[str, Any] = {"n_sites": self.sites, "seed": self.seed}
        if self.backbone:
            out["backbone"] = self.backbone
        if self.layers != "single":
            out["layers"] = self.layers
        return out


@dataclass
class AdvanceReport:
    """What the network and the loop did while the clock moved on."""

    start: datetime
    end: datetime
    steps: int
    opened: list[dict[str, Any]] = field(default_factory=list)
    applied: list[dict[str, Any]] = field(default_factory=list)
    verdicts: list[dict[str, Any]] = field(default_factory=list)
    escalated: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    waiting_approval: list[str] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    field_work: list[dict[str, Any]] = field(default_factory=list)
    observed: list[dict[str, Any]] = field(default_factory=list)  # replayed operator data

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        from autonet.agents.trace import plain

        return plain(asdict(self))


def _build_twin(spec: NetworkSpec) -> Twin:
    from autonet.twin import Twin, build_topology

    try:
        graph = build_topology(**spec.topology_kwargs())
    except FileNotFoundError as exc:
        raise BadInputError(f"backbone {spec.backbone!r}: {exc}") from None
    except (ValueError, KeyError) as exc:
        raise BadInputError(f"cannot build the network: {exc}") from None
    twin = Twin(graph, seed=spec.seed)
    twin.run(WARM_UP_STEPS)
    return twin


def _playbooks() -> dict[str, Any]:
    from autonet.agents.playbooks import PLAYBOOK_KINDS, make_playbook

    return {k: make_playbook(k) for k in PLAYBOOK_KINDS}


def _memory(settings: Any, scope: str) -> Memory:
    from autonet.agents.playbook import Memory
    from autonet.knowledge.memory import AuditLog, CaseStore, ModelRegistry, init_db
    from autonet.knowledge.memory.learned import LearnedStore

    engine = init_db(settings.resolved_database_url)
    return Memory(
        engine=engine,
        cases=CaseStore(engine),
        audit=AuditLog(engine),
        registry=ModelRegistry(engine),
        learned=LearnedStore(engine, scope),
    )


class NetworkSession:
    """One living network: the adapter (twin), the closed loop, the memory and the clock.

    Build with :meth:`start` or :meth:`load`; use as a context manager (``with
    NetworkSession.load() as s: ...``) so the session is locked while in use and saved after.
    """

    def __init__(self, root: Path, spec: NetworkSpec, session_id: str, generation: int,
                 created_at: str, adapter: NetworkAdapter, loop: ClosedLoop, memory: Memory,
                 settings: Any) -> None:  # fmt: skip
        self.root = root
        self.spec = spec
        self.id = session_id
        self.generation = generation
        self.created_at = created_at
        self.adapter = adapter
        self.twin = adapter.twin
        self.loop = loop
        self.memory = memory
        self.settings = settings
        self._lock: Any = None
        self._service: RequestService | None = None

    # -- life cycle ----------------------------------------------------------------------------
    @classmethod
    def exists(cls, root: Path | None = None) -> bool:
        """Whether a session is saved in ``root``."""
        return (Path(root or default_state_dir()) / "session.json").is_file()

    @classmethod
    def start(
        cls,
        root: Path | None = None,
        *,
        spec: NetworkSpec | None = None,
        replace: bool = False,
        settings: Any = None,
    ) -> NetworkSession:
        """Start a new network in ``root`` (saved before it is returned, and locked).

        Raises:
            ConflictError: A session exists there and ``replace`` is False.
            BadInputError: A bad spec (sites, seed, layers, backbone).
        """
        from autonet.platform.config import get_settings

        settings = settings or get_settings()
        root = Path(root or default_state_dir(settings))
        spec = (spec or NetworkSpec()).check()
        root.mkdir(parents=True, exist_ok=True)
        lock = _acquire(root)
        try:
            if cls.exists(root) and not replace:
                meta = _read_meta(root)
                raise ConflictError(
                    f"a network session already runs in {root} (started {meta.get('created_at')}, "
                    f"{meta['spec']['sites']} sites): use --replace to start a new one"
                )
            for old in [*root.glob("state-*.pkl"), *root.glob("checkpoints.sqlite*")]:
                old.unlink()
            twin = _build_twin(spec)
            session_id = f"{LOOP_NAME}-{uuid.uuid4().hex[:12]}"
            memory = _memory(settings, session_id)
            adapter: NetworkAdapter = TwinAdapter(twin)
            if spec.source == "replay":
                try:
                    adapter = ReplayAdapter.from_memory(twin, memory.engine)
                except BaseException:
                    memory.engine.dispose()
                    raise
            loop = _new_loop(root, adapter, _playbooks(), memory, spec)
            now = datetime.now(UTC).isoformat(timespec="seconds")
            session = cls(root, spec, session_id, 0, now, adapter, loop, memory, settings)
            session._lock = lock
            session.memory.audit.record("autonet", "network.start", reason=json.dumps(asdict(spec)),
                                        target=session_id)  # fmt: skip
            session.save()
            return session
        except BaseException:
            _release(lock)
            raise

    @classmethod
    def load(cls, root: Path | None = None, *, settings: Any = None) -> NetworkSession:
        """Load the session saved in ``root`` (locked until :meth:`close`).

        Raises:
            NotFoundError: No session there.
            BadInputError: The saved state is unreadable or of another format.
        """
        from autonet.platform.config import get_settings

        settings = settings or get_settings()
        root = Path(root or default_state_dir(settings))
        if not cls.exists(root):
            raise NotFoundError(
                f"no network session in {root}: start one with `autonet network start --sites 30`"
            )
        lock = _acquire(root)
        try:
            meta = _read_meta(root)
            spec = NetworkSpec(**meta["spec"]).check()
            state = _read_state(root / meta["state"])
            memory = _memory(settings, meta["id"])
            adapter = state["adapter"]
            loop = _new_loop(root, adapter, state["playbooks"], memory, spec)
            loop.recover()
            loop.restore(book=state["book"], models=state["models"],
                         incident_runs=state["incident_run"])  # fmt: skip
            priors = memory.learned.get("priors") if memory.learned else None
            if priors is not None:  # the database is the source of truth for learned state
                loop.ctx.models["priors"] = priors
            session = cls(root, spec, meta["id"], int(meta["generation"]), meta["created_at"],
                          adapter, loop, memory, settings)  # fmt: skip
            session._lock = lock
            return session
        except BaseException:
            _release(lock)
            raise

    def save(self) -> None:
        """Write the state atomically (new pickle, then ``session.json`` replaced)."""
        gen = self.generation + 1
        state = {
            "adapter": self.adapter,
            "playbooks": dict(self.loop.ctx.playbooks),
            "book": self.loop.ctx.book,
            "models": {k: v for k, v in self.loop.ctx.models.items() if k != "priors"},
            "incident_run": self.loop.incident_runs(),
        }
        name = f"state-{gen:06d}.pkl"
        tmp = self.root / f".{name}.tmp"
        with open(tmp, "wb") as fh:
            pickle.dump(state, fh, protocol=pickle.HIGHEST_PROTOCOL)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.root / name)
        meta = {
            "format": FORMAT,
            "id": self.id,
            "generation": gen,
            "state": name,
            "created_at": self.created_at,
            "saved_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "clock": self.twin.now.isoformat(),
            "spec": asdict(self.spec),
        }
        tmp_meta = self.root / ".session.json.tmp"
        tmp_meta.write_text(json.dumps(meta, indent=2) + "\n")
        os.replace(tmp_meta, self.root / "session.json")
        # what `network status` / `approvals list` show, read without loading the network
        tmp_status = self.root / ".status.json.tmp"
        tmp_status.write_text(json.dumps({"generation": gen, **self.status()}, default=str) + "\n")
        os.replace(tmp_status, self.root / "status.json")
        self.generation = gen
        states = sorted(self.root.glob("state-*.pkl"))
        for old in states[:-_KEEP_STATES]:
            old.unlink()

    def close(self) -> None:
        """Close the loop's checkpointer and the database; release the lock."""
        from autonet.platform.checkpoint import close_checkpointer

        try:
            close_checkpointer(self.loop.saver)
            self.memory.engine.dispose()
        finally:
            _release(self._lock)
            self._lock = None

    def __enter__(self) -> NetworkSession:
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        try:
            if exc_type is None:
                self.save()
        finally:
            self.close()

    # -- the front door ------------------------------------------------------------------------
    @property
    def service(self) -> RequestService:
        """The request service on this session's loop."""
        if self._service is None:
            from autonet.knowledge.memory.requests import RequestStore
            from autonet.platform.capabilities import CAPABILITIES, CapabilityContext
            from autonet.platform.service.requests import RequestService

            def context(*, caller: str, role: str, text: str = "",
                        request_id: str | None = None) -> Any:  # fmt: skip
                return CapabilityContext(loop=self.loop, memory=self.memory, actor=caller,
                                         role=role, text=text, request_id=request_id)  # fmt: skip

            self._service = RequestService(
                loop=self.loop,
                memory=self.memory,
                store=RequestStore(self.memory.engine),
                capabilities=CAPABILITIES,
                capability_context=context,
                session_id=self.id,
                confidence_threshold=float(self.settings.gate_confidence_threshold),
                settings=self.settings,
            )
        return self._service

    def submit(self, text: str | None = None, *, expression: Mapping[str, Any] | None = None,
               caller: str, role: str) -> StoredRequest:  # fmt: skip
        """Submit a request through the front door (see :meth:`RequestService.submit`)."""
        return self.service.submit(text, expression=expression, caller=caller, role=role)

    # -- the clock -----------------------------------------------------------------------------
    def advance(self, minutes: float) -> AdvanceReport:
        """Step the network ``minutes`` on (rounded up to whole steps); the loop runs on every tick.

        Raises:
            BadInputError: ``minutes`` is not a number in (0, 7 days].
        """
        if isinstance(minutes, bool) or not isinstance(minutes, int | float):
            raise BadInputError(f"minutes must be a number, got {minutes!r}")
        if not math.isfinite(minutes) or not 0 < minutes <= MAX_MINUTES:
            raise BadInputError(f"minutes must be in (0, {MAX_MINUTES}] (7 days), got {minutes}")
        steps = math.ceil(minutes / self.twin.step_minutes)
        report = AdvanceReport(start=self.twin.now, end=self.twin.now, steps=steps)
        for _ in range(steps):
            fed = self.adapter.step()
            if fed:
                report.observed.append({"at": self.twin.now, **fed})
            report.field_work.extend(self._field_work())
            tick = self.loop.tick()
            report.opened.extend(dict(i) for i in tick.opened)
            report.applied.extend(dict(a) for a in tick.applied)
            report.verdicts.extend(dict(v) for v in tick.verdicts)
            report.escalated.extend(tick.escalated)
            report.rejected.extend(tick.rejected)
        report.waiting_approval = sorted(
            r for r, phase in self.loop.runs().items() if phase == "awaiting_approval"
        )
        report.requests = [
            {"id": r.id, "status": r.status, "reason": r.reason} for r in self.service.sync()
        ]
        report.end = self.twin.now
        return report

    def _field_work(self) -> list[dict[str, Any]]:
        """The field crew works its orders (a repaired fault clears on the network)."""
        from autonet.knowledge.memory.work_orders import WorkOrderStore
        from autonet.platform.field import process_work_orders

        store = WorkOrderStore(self.memory.engine)
        done = process_work_orders(self.twin, store, self.twin.now, seed=self.spec.seed)
        return [w.as_dict() for w in done]

    # -- a test and demo tool ------------------------------------------------------------------
    def inject(self, spec: str, *, hours: float | None = None, role: str = "admin",
               by: str = "admin") -> dict[str, Any]:  # fmt: skip
        """Inject a fault ``TYPE@TARGET`` now (lasting ``hours``, or until field repair).

        Raises:
            RefusedError: The caller is not an admin.
            BadInputError: A malformed spec, an unknown type or target, bad hours.
        """
        from autonet.twin.events import FAULT_TYPES

        if role != "admin":
            raise RefusedError(f"injecting faults is an admin's test tool; role {role!r} may not")
        kind, at, target = spec.partition("@")
        if not at or not kind or not target or "@" in target:
            raise BadInputError(f"{spec!r} is not TYPE@TARGET (e.g. fibre_cut@S0003-AGG1--AGG2)")
        if kind not in FAULT_TYPES:
            raise BadInputError(f"unknown fault type {kind!r}: expected one of {list(FAULT_TYPES)}")
        steps = None
        if hours is not None:
            if isinstance(hours, bool) or not math.isfinite(hours) or not 0 < hours <= 168:
                raise BadInputError(f"hours must be in (0, 168], got {hours!r}")
            steps = max(1, math.ceil(hours * 60 / self.twin.step_minutes))
        record = self.twin.inject_fault(kind, target, duration_steps=steps)
        self.memory.audit.record(by[:120] or "admin", "network.inject", target=target,
                                 reason=f"{kind} injected for {hours or 'until repair'} h",
                                 details={"fault_id": record.fault_id})  # fmt: skip
        return {"fault_id": record.fault_id, "type": kind, "target": target,
                "until": "field repair" if steps is None else f"{hours} h"}  # fmt: skip

    # -- approvals -----------------------------------------------------------------------------
    def approvals(self) -> list[dict[str, Any]]:
        """Pending approvals: ``id`` (the run), incidents, requests, reasons, candidates."""
        from autonet.platform.service.status import approval_view

        return [approval_view(self.loop, p) for p in self.loop.pending_approvals()]

    def decide(
        self, approval_id: str, *, approve: bool, by: str, comment: str = ""
    ) -> dict[str, Any]:
        """Answer a pending approval; the run resumes at once.

        Raises:
            NotFoundError: No pending approval with that id.
            BadInputError: An empty ``by``.
        """
        if not isinstance(by, str) or not by.strip():
            raise BadInputError("--by must name the person who decides")
        pending = {p["run_id"] for p in self.loop.pending_approvals()}
        if approval_id not in pending:
            raise NotFoundError(
                f"no pending approval {approval_id!r}: pending are {sorted(pending) or 'none'} "
                "(see `autonet approvals list`)"
            )
        self.loop.approve(approval_id, approved=approve, by=by, comment=comment)
        verb = "approval.approved" if approve else "approval.denied"
        self.memory.audit.record(by[:120], verb, target=approval_id, run_id=approval_id,
                                 reason=comment)  # fmt: skip
        changed = self.service.sync()
        return {"id": approval_id, "approved": approve, "by": by,
                "requests": [{"id": r.id, "status": r.status} for r in changed],
                "phase": self.loop.runs().get(approval_id)}  # fmt: skip

    # -- reading -------------------------------------------------------------------------------
    def status(self, *, incidents: int = 20, requests: int = 10) -> dict[str, Any]:
        """What an operator sees: clock, active alarms, incidents, approvals, recent requests."""
        from autonet.platform.service.status import session_status

        return session_status(self, incidents=incidents, requests=requests)


def read_status(root: Path | None = None, *, settings: Any = None) -> dict[str, Any]:
    """The status saved with the session's last state (what :meth:`NetworkSession.status`
    returned then), read without loading the network: the fast path of ``network status``.

    Raises:
        NotFoundError: No session in ``root``.
        BadInputError: The session's files are unreadable.
    """
    root = Path(root or default_state_dir(settings))
    if not NetworkSession.exists(root):
        raise NotFoundError(
            f"no network session in {root}: start one with `autonet network start --sites 30`"
        )
    meta = _read_meta(root)
    path = root / "status.json"
    try:
        status = json.loads(path.read_text())
    except (OSError, ValueError):
        status = None
    if not isinstance(status, dict) or status.get("generation") != meta["generation"]:
        with NetworkSession.load(root, settings=settings) as session:  # written by an older save
            return session.status()
    status.pop("generation", None)
    return status


def session_meta(root: Path | None = None, *, settings: Any = None) -> dict[str, Any]:
    """``session.json`` of the session in ``root`` (its id, spec, clock).

    Raises:
        NotFoundError: No session in ``root``.
        BadInputError: The file is unreadable.
    """
    root = Path(root or default_state_dir(settings))
    if not NetworkSession.exists(root):
        raise NotFoundError(
            f"no network session in {root}: start one with `autonet network start --sites 30`"
        )
    return _read_meta(root)


def _new_loop(root: Path, adapter: NetworkAdapter, playbooks: Mapping[str, Any], memory: Memory,
              spec: NetworkSpec) -> ClosedLoop:  # fmt: skip
    from autonet.platform.checkpoint import open_checkpointer
    from autonet.platform.loop import ClosedLoop

    saver = open_checkpointer(str(root / "checkpoints.sqlite"))
    return ClosedLoop(adapter.twin, playbooks, memory=memory, checkpointer=saver, name=LOOP_NAME,
                      topology=spec.topology_kwargs(), network=adapter)  # fmt: skip


def _read_meta(root: Path) -> dict[str, Any]:
    path = root / "session.json"
    try:
        meta = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise BadInputError(f"the session file {path} is unreadable ({exc}): start anew with "
                            "`autonet network start --replace`") from None  # fmt: skip
    if not isinstance(meta, dict) or meta.get("format") != FORMAT or "state" not in meta:
        raise BadInputError(f"{path} is not a session file of format {FORMAT}: start anew with "
                            "`autonet network start --replace`")  # fmt: skip
    return meta


def _read_state(path: Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as fh:
            state = pickle.load(fh)  # our own file, written by save(); never a user's upload
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError) as exc:
        raise BadInputError(f"the session state {path} is unreadable ({exc}): start anew with "
                            "`autonet network start --replace`") from None  # fmt: skip
    if not isinstance(state, dict) or "adapter" not in state:
        raise BadInputError(f"{path} holds no network state")
    return state


def _acquire(root: Path) -> Any:
    fh = open(root / "lock", "a+")  # noqa: SIM115 - held open until _release
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        fh.close()
        raise ConflictError(f"another command is using the network session in {root}; "
                            "wait for it to finish") from None  # fmt: skip
    return fh


def _release(lock: Any) -> None:
    if lock is not None:
        with contextlib.suppress(OSError):
            fcntl.flock(lock, fcntl.LOCK_UN)
        lock.close()


@contextlib.contextmanager
def open_session(root: Path | None = None, *, settings: Any = None) -> Iterator[NetworkSession]:
    """Load the session, yield it, save it when the block ends without an error."""
    with NetworkSession.load(root, settings=settings) as session:
        yield session
