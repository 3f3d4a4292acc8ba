"""Dual-layer RAN: n28 coverage cells under n78 capacity cells, per-band power, demand split."""

from __future__ import annotations

import numpy as np
import pytest

from autonet.twin import TrafficModel, Twin, build_topology
from autonet.twin.energy import CellPowerModel, PowerModel
from autonet.twin.validate import TopologyError

URBAN = (1.0, 0.0, 0.0)


def _dual(n_sites: int = 3) -> Twin:
    return Twin(build_topology(n_sites=n_sites, seed=3, area_mix=URBAN, layers="dual"), seed=3)


def test_single_layer_default_is_unchanged() -> None:
    single = build_topology(n_sites=12, seed=5)
    again = build_topology(n_sites=12, seed=5, layers="single")
    cells = sorted(n for n, k in single.nodes(data="kind") if k == "cell")
    # 12 sites x 3 sectors, ids S0001-C1..S0012-C3, and the same graph either way
    assert len(cells) == 36
    assert cells[:3] == ["S0001-C1", "S0001-C2", "S0001-C3"]
    assert sorted(again.nodes) == sorted(single.nodes)
    assert sorted(map(sorted, again.edges)) == sorted(map(sorted, single.edges))
    assert not any("layer" in d for _, d in single.nodes(data=True))
    assert type(Twin(single).power) is PowerModel


def test_dual_layer_adds_coverage_sectors_4_to_6() -> None:
    G = build_topology(n_sites=2, seed=3, area_mix=URBAN, layers="dual")
    cells = sorted(n for n, k in G.nodes(data="kind") if k == "cell")
    assert cells == [f"S000{s}-C{k}" for s in (1, 2) for k in range(1, 7)]
    cap, cov = G.nodes["S0001-C2"], G.nodes["S0001-C5"]
    assert (cap["band"], cov["band"]) == ("n78", "n28")
    assert cov["azimuth_deg"] == cap["azimuth_deg"] and cov["partner"] == "S0001-C2"
    assert cap["demand_share"] + cov["demand_share"] == 1.0
    edge = G.edges["S0001-C2", "S0001-C5"]
    assert edge["overlap"] == 1.0 and edge["overlap_from"] == {"S0001-C5": 0.7}


def test_rural_sites_keep_one_layer() -> None:
    G = build_topology(n_sites=4, seed=3, area_mix=(0.0, 0.0, 1.0), layers="dual")
    assert sum(1 for _, k in G.nodes(data="kind") if k == "cell") == 12


def test_sleeping_capacity_cell_moves_all_users_to_its_coverage_cell() -> None:
    twin = _dual()
    c = twin.compiled
    cap, cov = c.cell_index["S0001-C1"], c.cell_index["S0001-C4"]
    # the neighbour rows: C1's users are fully covered by C4, C4's by C1 only to 0.7
    nb, ov = c.neighbours_of(cap)
    assert float(ov[list(nb).index(cov)]) == 1.0
    nb, ov = c.neighbours_of(cov)
    assert float(ov[list(nb).index(cap)]) == pytest.approx(0.7)

    ref = twin.clone()
    ref.step()
    users_ref = ref.kpi_array("RRC.ConnMean", "cell")[-1]
    twin.apply("sleep", "S0001-C1")
    twin.step()
    users = twin.kpi_array("RRC.ConnMean", "cell")[-1]
    lost = twin.kpi_array("KQI.LostUsers", "cell")[-1]
    assert users[cap] == 0.0
    assert float(lost.sum()) == 0.0  # none lost
    # C1's users spread over its neighbours by C1's row of overlaps: C4 gets 1.0 / row sum
    nb, ov = c.neighbours_of(cap)
    gained = users - users_ref
    assert float(gained.sum()) == pytest.approx(0.0, abs=1e-3)  # users conserved
    share = 1.0 / float(ov.sum())
    assert float(gained[cov]) == pytest.approx(share * float(users_ref[cap]), rel=1e-5)


def test_sleeping_capacity_cell_draws_deep_sleep_power() -> None:
    twin = _dual()
    assert isinstance(twin.power, CellPowerModel)
    cap, cov = twin.compiled.cell_index["S0001-C1"], twin.compiled.cell_index["S0001-C4"]
    twin.apply("sleep", "S0001-C1")
    twin.apply("sleep", "S0001-C4")
    twin.step()
    power = twin.kpi_array("PEE.AvgPower", "cell")[-1]
    energy = twin.kpi_array("PEE.Energy", "cell")[-1]
    # n78 AAU deep sleep 40 W, n28 EARTH sleep 75 W; 15-minute step: 10 Wh and 18.75 Wh
    assert (float(power[cap]), float(power[cov])) == (40.0, 75.0)
    assert float(energy[cap]) == pytest.approx(10.0)
    assert float(energy[cov]) == pytest.approx(18.75)


def test_per_band_active_power_by_hand() -> None:
    twin = _dual(1)
    twin.step()
    c = twin.compiled
    load = twin.kpi_array("RRU.PrbUsedDl", "cell")[-1] / 100.0
    power = twin.kpi_array("PEE.AvgPower", "cell")[-1]
    for cid, p0, slope in (("S0001-C2", 300.0, 25.0), ("S0001-C5", 130.0, 4.7)):
        i = c.cell_index[cid]
        assert float(power[i]) == pytest.approx(p0 + slope * float(load[i]) * 20.0, rel=1e-5)


def test_demand_split_75_25_within_a_sector() -> None:
    G = build_topology(n_sites=2, seed=3, area_mix=URBAN, layers="dual")
    twin = Twin(G, seed=3, traffic=TrafficModel(noise_sigma=0.0))
    twin.step()
    users = twin.kpi_array("RRC.ConnMean", "cell")[-1]
    c = twin.compiled
    # one per-sector draw of the cell scale, 0.75 of it on n78 and 0.25 on n28
    for s in (1, 2):
        for k in (1, 2, 3):
            cap, cov = c.cell_index[f"S000{s}-C{k}"], c.cell_index[f"S000{s}-C{k + 3}"]
            assert float(users[cap]) == pytest.approx(3.0 * float(users[cov]), rel=1e-5)


def test_wake_delay_is_one_step() -> None:
    twin = _dual(1)
    twin.apply("sleep", "S0001-C1")
    twin.step()
    twin.apply("wake", "S0001-C1")
    twin.step()  # waking: idle power, not serving
    twin.step()
    i = twin.compiled.cell_index["S0001-C1"]
    avail = twin.kpi_array("KQI.Available", "cell")[:, i]
    power = twin.kpi_array("PEE.AvgPower", "cell")[:, i]
    assert avail.tolist() == [0.0, 0.0, 1.0]
    assert float(power[1]) == 300.0


def test_bad_layers_is_rejected() -> None:
    with pytest.raises(TopologyError, match="layers must be one of"):
        build_topology(n_sites=3, layers="triple")


def test_row_directed_overlap_in_compile() -> None:
    G = build_topology(n_sites=1, seed=3, area_mix=URBAN, layers="dual")
    c = Twin(G).compiled
    nbr = np.zeros((c.n_cells, c.n_cells))
    for i in range(c.n_cells):
        nb, ov = c.neighbours_of(i)
        nbr[i, nb] = ov
    assert not np.allclose(nbr, nbr.T)  # asymmetric only on the co-sector pairs
    for k in (1, 2, 3):
        a, b = c.cell_index[f"S0001-C{k}"], c.cell_index[f"S0001-C{k + 3}"]
        assert (nbr[a, b], round(nbr[b, a], 6)) == (1.0, 0.7)
