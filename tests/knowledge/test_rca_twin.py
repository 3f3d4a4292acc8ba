"""Root-cause localisation of faults injected into a real twin (only the alarms are shown)."""

from __future__ import annotations

import pytest

from autonet.knowledge.rca import RootCauseLocator
from autonet.twin.builder import chain_topology, three_cell_topology
from autonet.twin.engine import Twin

# (fault type, target) on the chain: AGG1 - AR1 - AR2, AGG1 - AR3, core CR1 - DC1 (UPF1).
CASES = [
    ("cell_outage", "S2-C1"),
    ("site_power_failure", "S3"),
    ("fibre_cut", "AGG1--AR1"),
    ("fibre_cut", "AR1--AR2"),
    ("link_congestion", "AGG1--AR3"),
    ("interference", "S1-C2"),
    ("upf_overload", "UPF1"),
    ("misconfiguration", "S3-C1"),
]


def _observed(twin: Twin) -> list[dict]:
    # What an operator sees: type, node and time; never fault_id or root.
    return [
        {"alarm_id": f"X{k}", "alarm_type": a.alarm_type, "node": a.node, "raised_at": a.raised_at}
        for k, a in enumerate(twin.alarms)
    ]


@pytest.fixture(scope="module")
def base() -> Twin:
    return Twin(chain_topology(cells_per_site=2), seed=3)


@pytest.mark.parametrize(("fault_type", "target"), CASES)
def test_each_injected_fault_is_top1(base: Twin, fault_type: str, target: str) -> None:
    twin = base.clone()
    record = twin.inject_fault(fault_type, target)
    twin.run(5)  # a power failure's battery lasts 60 min: let the site go dark
    top = RootCauseLocator().fit(twin.compiled.graph).locate(_observed(twin))[0]
    assert (top.node, top.fault_type, top.domain) == (
        record.root_node,
        record.fault_type,
        record.domain,
    )


def test_fibre_cut_explains_exactly_the_affected_nodes(base: Twin) -> None:
    twin = base.clone()
    record = twin.inject_fault("fibre_cut", "AGG1--AR1", missing_prob=0.0)
    twin.step()
    top = RootCauseLocator().fit(twin.compiled.graph).locate(_observed(twin))[0]
    assert (
        set(top.explained)
        == set(record.affected)
        == {"S1", "S1-C1", "S1-C2", "S2", "S2-C1", "S2-C2"}
    )


def test_two_concurrent_twin_faults_are_the_top2() -> None:
    twin = Twin(three_cell_topology(), seed=5)
    first = twin.inject_fault("cell_outage", "S1-C1")
    twin.step()
    second = twin.inject_fault("fibre_cut", "AR3--AGG1")
    twin.step()
    found = RootCauseLocator().fit(twin.compiled.graph).locate(_observed(twin))
    assert {h.node for h in found[:2]} == {first.root_node, second.root_node}
