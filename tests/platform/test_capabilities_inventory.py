"""Inventory from the topology: cells, sites, links, UPFs and regions, nothing invented."""

from __future__ import annotations

import pytest
from langgraph.checkpoint.memory import InMemorySaver
from loop_helpers import UpfPlaybook, small_twin

from autonet.platform.capabilities import CapabilityContext, CapabilityError, inventory
from autonet.platform.loop import ClosedLoop


@pytest.fixture(scope="module")
def ctx() -> CapabilityContext:
    loop = ClosedLoop(small_twin(n_sites=6), [UpfPlaybook()], checkpointer=InMemorySaver())
    return CapabilityContext(loop, None)


def test_cell_record_is_the_graph_and_the_live_state(ctx: CapabilityContext) -> None:
    G = ctx.twin.compiled.graph
    node = G.nodes["S0002-C2"]
    out = inventory(ctx, {"target": "S0002-C2"})
    assert (out["kind"], out["site"], out["sector"], out["band"]) == (
        "cell", "S0002", node["sector"], node["band"],
    )  # fmt: skip
    assert out["region"] == G.nodes["S0002"]["region"]
    assert out["prbs"] == {"planned": node["prbs"], "now": node["prbs"]}
    assert out["state"] == "on"
    nbrs = {n["cell"] for n in out["neighbours"]}
    assert nbrs and "S0002-C2" not in nbrs and nbrs <= set(ctx.twin.compiled.cell_ids)
    assert out["not_recorded"] == ["vendor", "hardware", "software_version", "installed_on"]


def test_site_link_upf_and_region(ctx: CapabilityContext) -> None:
    topo = ctx.twin.compiled
    site = inventory(ctx, {"target": "S0001"})
    assert [c["id"] for c in site["cells"]] == ["S0001-C1", "S0001-C2", "S0001-C3"]
    assert site["router"] == topo.graph.nodes["S0001"]["router"] and site["backhaul_links"]
    link = inventory(ctx, {"target": "L0002"})
    assert (link["id"], link["kind"]) == (topo.link_ids[1], "link")
    assert link["capacity_mbps"]["planned"] == pytest.approx(float(topo.link_capacity_mbps[1]))
    upf = inventory(ctx, {"target": topo.upf_ids[0]})
    assert upf["sites_served"] == topo.n_sites  # one UPF serves this small network
    region = site["region"]
    out = inventory(ctx, {"target": region})
    in_region = [s for s in topo.site_ids if topo.graph.nodes[s].get("region") == region]
    assert (out["sites"], out["cells"]) == (len(in_region), 3 * len(in_region))


def test_unknown_target_says_what_is_expected(ctx: CapabilityContext) -> None:
    with pytest.raises(CapabilityError, match=r"unknown target 'S0099': expected a cell"):
        inventory(ctx, {"target": "S0099"})
