"""compile_topology: arrays, neighbour CSR, backhaul paths, UPF choice, read-only result."""

from __future__ import annotations

import numpy as np
import pytest

from autonet.twin.builder import TopologyBuilder, chain_topology, three_cell_topology
from autonet.twin.compile import compile_topology, shortest_link_path
from autonet.twin.state import CompiledTopology, TwinState


def _links(topo: CompiledTopology, site: int) -> list[str]:
    hops = topo.path_idx[topo.path_ptr[site] : topo.path_ptr[site + 1]]
    return [topo.link_ids[i] for i in hops]


def test_three_cell_arrays() -> None:
    topo = compile_topology(three_cell_topology())
    assert topo.cell_ids == ["S1-C1", "S2-C1", "S3-C1"]
    assert topo.cell_area.tolist() == [0, 1, 2]
    assert topo.cell_tdd.tolist() == [True, True, False]
    assert topo.cell_prbs.tolist() == [273, 273, 106]
    # neighbours, symmetric: S1~S2 0.3, S2~S3 0.2
    assert topo.neighbours_of(1)[0].tolist() == [0, 2]
    assert topo.neighbours_of(1)[1].tolist() == pytest.approx([0.3, 0.2])
    assert topo.neighbours_of(0)[0].tolist() == [1]
    assert _links(topo, 0) == ["AR1--AGG1", "AGG1--CR1", "CR1--DC1"]
    assert topo.site_upf.tolist() == [0, 0, 0] and topo.upf_ids == ["UPF1"]
    assert topo.cells_of_site(2).tolist() == [2]
    with pytest.raises(ValueError, match="read-only"):
        topo.cell_prbs[0] = 1


def test_sites_behind_a_link_follow_the_paths() -> None:
    topo = compile_topology(chain_topology())
    behind = {lid: [topo.site_ids[s] for s in topo.sites_using_link(i)]
              for lid, i in topo.link_index.items()}  # fmt: skip
    assert behind["AR1--AR2"] == ["S2"]
    assert behind["AGG1--AR1"] == ["S1", "S2"]
    assert behind["AGG1--CR1"] == ["S1", "S2", "S3"]


def test_nearest_upf_wins_and_an_edge_upf_wins_a_tie() -> None:
    b = TopologyBuilder()
    b.router("CR1", role="core").dc("DC1", router="CR1").nf("UPF-C", "UPF", dc="DC1")
    b.router("AGG1", role="aggregation").link("AGG1", "CR1", latency_ms=1.0)
    b.dc("EDGE1", router="AGG1", tier="edge", latency_ms=1.0).nf("UPF-E", "UPF", dc="EDGE1")
    b.router("AR1").link("AR1", "AGG1", latency_ms=0.1)
    b.site("S1", 0, 0, router="AR1").cell(None, "S1")
    topo = compile_topology(b.build())
    # AR1 -> EDGE1: 0.1 + 1.0 ms; AR1 -> DC1: 0.1 + 1.0 + 0.05 ms: the edge UPF is nearer
    assert topo.upf_ids[topo.site_upf[0]] == "UPF-E"
    assert _links(topo, 0) == ["AR1--AGG1", "AGG1--EDGE1"]
    assert topo.upf_tier.tolist() == [0, 1]


def test_shortest_link_path_avoids_links_and_reports_no_path() -> None:
    topo = compile_topology(chain_topology())
    src, dst = topo.site_router[1], topo.upf_dc[0]
    path = shortest_link_path(topo, int(src), int(dst))
    assert [topo.link_ids[i] for i in path] == ["AR1--AR2", "AGG1--AR1", "AGG1--CR1", "CR1--DC1"]
    with pytest.raises(LookupError, match="no transport path"):
        shortest_link_path(topo, int(src), int(dst), avoid=[topo.link_index["AR1--AR2"]])
    up = np.ones(topo.n_links, dtype=bool)
    up[topo.link_index["AGG1--CR1"]] = False
    with pytest.raises(LookupError):
        shortest_link_path(topo, int(src), int(dst), link_up=up)


def test_initial_state_is_the_plan() -> None:
    topo = compile_topology(three_cell_topology())
    st = TwinState.initial(topo)
    assert st.cell_on.all() and not st.cell_asleep.any() and st.link_up.all()
    assert st.cell_tx_w.tolist() == topo.cell_max_tx_w.tolist()
    assert st.path_idx.tolist() == topo.path_idx.tolist() and st.cell_prbs.flags.writeable
