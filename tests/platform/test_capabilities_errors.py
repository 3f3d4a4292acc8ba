"""Capabilities refuse bad input with a message that says what is wrong and what is expected."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from langgraph.checkpoint.memory import InMemorySaver
from loop_helpers import UpfPlaybook, small_twin

from autonet.agents.playbook import Memory
from autonet.errors import BadInputError
from autonet.knowledge.memory import AuditLog, CaseStore, init_db
from autonet.platform.capabilities import (
    CAPABILITIES,
    CapabilityContext,
    CapabilityError,
    field_dispatch,
    kpi_explainer,
    model_retrainer,
    resolve_target,
)
from autonet.platform.loop import ClosedLoop


@pytest.fixture
def ctx(tmp_path: Path) -> Iterator[CapabilityContext]:
    engine = init_db(f"sqlite:///{tmp_path / 'memory.db'}")
    memory = Memory(engine=engine, cases=CaseStore(engine), audit=AuditLog(engine))
    loop = ClosedLoop(small_twin(n_sites=6), [UpfPlaybook()], checkpointer=InMemorySaver())
    yield CapabilityContext(loop, memory, actor="ana")
    engine.dispose()


def test_capability_error_is_bad_input() -> None:
    assert issubclass(CapabilityError, BadInputError)
    assert {"ticketing", "field_dispatch", "inventory", "event_calendar", "kpi_explainer",
            "model_retrainer", "kpi_reader"} <= set(CAPABILITIES)  # fmt: skip


def test_too_little_history(ctx: CapabilityContext) -> None:
    # small_twin() recorded 2 steps: the last hour (4 steps) and a usual level are missing
    with pytest.raises(CapabilityError, match=r"needs at least 8 recorded steps.* has 2"):
        kpi_explainer(ctx, {"target": "S0001", "kpi": "RRU.PrbUsedDl"})
    with pytest.raises(CapabilityError, match=r"two days of recorded history \(192 steps"):
        model_retrainer(ctx, {"model": "forecaster"})


def test_wrong_level_and_unsupported_model(ctx: CapabilityContext) -> None:
    with pytest.raises(CapabilityError, match=r"TN\.LinkUtil is a link counter; S0001 is a cell"):
        kpi_explainer(ctx, {"target": "S0001", "kpi": "TN.LinkUtil"})
    with pytest.raises(CapabilityError, match="retraining 'rca_priors' is not available"):
        model_retrainer(ctx, {"model": "rca_priors"})


def test_crews_go_to_sites_cells_and_links_only(ctx: CapabilityContext) -> None:
    with pytest.raises(CapabilityError, match=r"a crew goes to a site, cell or link; .* a region"):
        field_dispatch(ctx, {"target": "centre"})


def test_resolve_target_forms(ctx: CapabilityContext) -> None:
    twin = ctx.twin
    assert resolve_target(twin, "S0002") == ("cell", ["S0002-C1", "S0002-C2", "S0002-C3"])
    assert resolve_target(twin, "L0001") == ("link", [twin.compiled.link_ids[0]])
    n = len(twin.compiled.link_ids)
    with pytest.raises(CapabilityError, match=f"a link \\(L0001..L{n:04d}\\)"):
        resolve_target(twin, f"L{n + 1:04d}")
