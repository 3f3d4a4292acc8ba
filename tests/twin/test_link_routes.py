"""The compiled-Dijkstra routes equal networkx's on the twin's transport graph."""

from __future__ import annotations

import numpy as np

from autonet.twin import Twin, build_topology
from autonet.twin.admission_inputs import link_graph, link_routes, routes_to


def test_link_routes_match_networkx_with_and_without_a_cut_link() -> None:
    twin = Twin(build_topology(n_sites=40, seed=3), seed=3)
    topo, st = twin.compiled, twin.state
    routers = sorted(set(topo.site_router.tolist()))
    for dc in sorted(set(topo.upf_dc.tolist())):
        for avoid in ((), (0,), (int(topo.n_links) - 1,)):
            expected = routes_to(link_graph(topo, st.link_up, avoid=avoid), dc, routers)
            assert link_routes(topo, st.link_up, dc, routers, avoid=avoid) == expected


def test_unreachable_sources_get_none_and_the_destination_an_empty_path() -> None:
    twin = Twin(build_topology(n_sites=10, seed=1), seed=1)
    topo = twin.compiled
    down = np.zeros(topo.n_links, dtype=np.bool_)  # every link down: nothing reachable
    dc = int(topo.upf_dc[0])
    router = int(topo.site_router[0])
    assert link_routes(topo, down, dc, [router, dc]) == [None, []]
