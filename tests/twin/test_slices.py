"""Slices: spec validation, admission thresholds by hand, reservations and per-step slice KPIs."""

from __future__ import annotations

import math
from datetime import datetime

import networkx as nx
import numpy as np
import pytest

from autonet.twin.admission import assess_slice, resolve_cells, sizing_capacity_dl
from autonet.twin.builder import TopologyBuilder
from autonet.twin.compile import compile_topology
from autonet.twin.radio import RadioModel
from autonet.twin.slices import SliceError, SliceSpec, slice_reservations, slice_step
from autonet.twin.state import CompiledTopology, TwinState

MONDAY_NOON = datetime(2026, 1, 5, 12, 0)


def slice_topology(
    *, link_mbps: float = 1000.0, upf_mbps: float = 1000.0, edges: tuple[float, ...] = ()
) -> nx.Graph:
    """Site S1 (cells S1-C1, S1-C2, no neighbours) behind AR1.

    Transport: AR1 -1 ms- AGG1 -2 ms- CR1 -0 ms- DC1 (central UPF1). Optional edge DCs
    ``EDC<k>`` hang off AGG1 with the given link latencies, each hosting ``UPF-E<k>``.
    The central path of S1 is AR1--AGG1, AGG1--CR1, CR1--DC1: 3 ms.
    """
    b = TopologyBuilder()
    b.router("CR1", role="core").dc("DC1", router="CR1", latency_ms=0.0)
    b.nf("UPF1", "UPF", dc="DC1", capacity_mbps=upf_mbps)
    b.router("AGG1", role="aggregation")
    b.link("AGG1", "CR1", capacity_mbps=100_000.0, latency_ms=2.0)
    b.router("AR1").link("AR1", "AGG1", capacity_mbps=link_mbps, latency_ms=1.0)
    b.site("S1", 0.0, 0.0, router="AR1", region="north")
    b.cell(None, "S1").cell(None, "S1")
    for k, lat in enumerate(edges, start=1):
        b.dc(f"EDC{k}", router="AGG1", tier="edge", latency_ms=lat)
        b.nf(f"UPF-E{k}", "UPF", dc=f"EDC{k}", capacity_mbps=1000.0)
    return b.build()


def setup(**kw: object) -> tuple[CompiledTopology, TwinState]:
    topo = compile_topology(slice_topology(**kw))  # type: ignore[arg-type]
    return topo, TwinState.initial(topo)


CAP = np.array([1000.0, 1000.0])  # hand-chosen sizing capacity of S1-C1, S1-C2 (Mbit/s)


def spec(name: str = "s", **kw: object) -> SliceSpec:
    fields: dict[str, object] = {
        "slice_type": "eMBB",
        "guaranteed_dl_mbps": 100.0,
        "max_latency_ms": 50.0,
        "cells": ("S1-C1",),
    }
    fields.update(kw)
    return SliceSpec(name=name, **fields)  # type: ignore[arg-type]


def admit(topo: CompiledTopology, st: TwinState, sp: SliceSpec, demand: list[float]) -> None:
    feas = assess_slice(
        topo, st, sp, cell_demand_dl_mbps=demand, at=MONDAY_NOON, cell_capacity_dl_mbps=CAP
    )
    assert feas.ok, feas.reasons
    assert feas.slice_state is not None
    st.slices[sp.name] = feas.slice_state


# -- spec ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("fields", "fragment"),
    [
        ({"name": "bad name"}, "slice name 'bad name' is invalid"),
        ({"slice_type": "V2X"}, "slice_type = 'V2X' is invalid (expected one of"),
        ({"guaranteed_dl_mbps": 0}, "guaranteed_dl_mbps = 0 is invalid"),
        ({"guaranteed_dl_mbps": math.nan}, "guaranteed_dl_mbps = nan"),
        ({"max_latency_ms": -1.0}, "max_latency_ms = -1.0 is invalid"),
        ({"reliability_pct": 100.5}, "reliability_pct = 100.5 is invalid"),
        ({"cells": "S1-C1"}, "cells = 'S1-C1' is invalid (expected a list of cell ids)"),
        ({"cells": ("S1-C1", "S1-C1")}, "expected distinct"),
        ({"cells": (), "region": None}, "give exactly one of cells"),
        ({"region": "north"}, "give exactly one of cells"),
        ({"start_hour": 24}, "start_hour = 24 is invalid (expected an integer hour in 0..23)"),
        ({"end_hour": 0}, "end_hour = 0 is invalid"),
        ({"weekdays": (7,)}, "weekdays = (7,) is invalid"),
        ({"weekdays": ()}, "weekdays = () is invalid"),
    ],
)
def test_spec_rejects_bad_fields_naming_them(fields: dict[str, object], fragment: str) -> None:
    base: dict[str, object] = {
        "name": "s",
        "slice_type": "eMBB",
        "guaranteed_dl_mbps": 10.0,
        "max_latency_ms": 20.0,
        "cells": ("S1-C1",),
    }
    base.update(fields)
    with pytest.raises(SliceError, match=None) as err:
        SliceSpec(**base)  # type: ignore[arg-type]
    assert fragment in str(err.value)


def test_window_including_one_that_wraps_midnight() -> None:
    office = spec(start_hour=8, end_hour=18, weekdays=(0, 1, 2, 3, 4))
    assert office.active_at(datetime(2026, 1, 5, 8, 0))  # Monday 08:00
    assert not office.active_at(datetime(2026, 1, 5, 18, 0))
    assert not office.active_at(datetime(2026, 1, 10, 12, 0))  # Saturday
    night = spec(start_hour=22, end_hour=6, weekdays=(4,))  # Friday night
    assert night.active_at(datetime(2026, 1, 9, 23, 0))  # Friday 23:00
    assert night.active_at(datetime(2026, 1, 10, 5, 59))  # Saturday 05:59 (Friday's window)
    assert not night.active_at(datetime(2026, 1, 9, 5, 0))  # Friday 05:00 is Thursday's
    assert not night.active_at(datetime(2026, 1, 10, 6, 0))


def test_cells_from_region_and_unknown_names() -> None:
    topo, _ = setup()
    assert resolve_cells(topo, spec(cells=(), region="north")).tolist() == [0, 1]
    with pytest.raises(SliceError, match=r"no site in region 'south' \(regions: \['north'\]\)"):
        resolve_cells(topo, spec(cells=(), region="south"))
    with pytest.raises(SliceError, match=r"unknown cell ids \['X'\]"):
        resolve_cells(topo, spec(cells=("X",)))


# -- admission -------------------------------------------------------------------------------
def test_prb_threshold_by_hand() -> None:
    # cap 1000, best-effort 600 (0.6), another slice holds 100 (0.1): 0.3 of S1-C1 is free.
    topo, st = setup(link_mbps=100_000.0, upf_mbps=100_000.0)
    admit(topo, st, spec("other", guaranteed_dl_mbps=100.0), [600.0, 0.0])
    demand = [600.0, 0.0]
    fits = assess_slice(
        topo, st, spec(guaranteed_dl_mbps=300.0), cell_demand_dl_mbps=demand, at=MONDAY_NOON,
        cell_capacity_dl_mbps=CAP,
    )  # fmt: skip
    assert fits.ok and fits.prb_share == {"S1-C1": pytest.approx(0.3)}
    too_much = assess_slice(
        topo, st, spec(guaranteed_dl_mbps=301.0), cell_demand_dl_mbps=demand, at=MONDAY_NOON,
        cell_capacity_dl_mbps=CAP,
    )  # fmt: skip
    assert not too_much.ok
    assert too_much.reasons == (
        "PRB: cell 'S1-C1' needs 0.301 of its PRBs (301 of 1000.0 Mbit/s) but only 0.300 is "
        "free (best-effort load 0.600, reserved by other slices 0.100)",
    )
    # modifying "other" ignores its own reservation: 0.4 is free for it
    assert assess_slice(
        topo, st, spec("other", guaranteed_dl_mbps=400.0), cell_demand_dl_mbps=demand,
        at=MONDAY_NOON, cell_capacity_dl_mbps=CAP, exclude="other",
    ).ok  # fmt: skip


def test_transport_threshold_by_hand() -> None:
    # AR1--AGG1 carries 1000: best-effort 300 + 100 (both cells), slice 2 cells x g.
    topo, st = setup(link_mbps=1000.0, upf_mbps=100_000.0)
    demand = [300.0, 100.0]
    ok = assess_slice(
        topo, st, spec(guaranteed_dl_mbps=300.0, cells=("S1-C1", "S1-C2")),
        cell_demand_dl_mbps=demand, at=MONDAY_NOON, cell_capacity_dl_mbps=CAP,
    )  # fmt: skip
    assert ok.ok
    assert ok.path_latency_ms == {"S1": pytest.approx(3.0)}
    st.link_background_mbps[topo.link_index["AR1--AGG1"]] = 10.0
    bad = assess_slice(
        topo, st, spec(guaranteed_dl_mbps=300.0, cells=("S1-C1", "S1-C2")),
        cell_demand_dl_mbps=demand, at=MONDAY_NOON, cell_capacity_dl_mbps=CAP,
    )  # fmt: skip
    assert bad.reasons == (
        "transport: link 'AR1--AGG1' needs 600.0 Mbit/s for the slice but only 590.0 is free "
        "(capacity 1000.0, background 10.0, best-effort load 400.0, reserved by other slices "
        "0.0)",
    )


def test_upf_threshold_by_hand() -> None:
    topo, st = setup(link_mbps=100_000.0, upf_mbps=500.0)
    st.upf_instances[0] = 2  # 2 x 500 = 1000 Mbit/s
    ok = assess_slice(
        topo, st, spec(guaranteed_dl_mbps=400.0), cell_demand_dl_mbps=[300.0, 300.0],
        at=MONDAY_NOON, cell_capacity_dl_mbps=CAP,
    )  # fmt: skip
    assert ok.ok
    bad = assess_slice(
        topo, st, spec(guaranteed_dl_mbps=401.0), cell_demand_dl_mbps=[300.0, 300.0],
        at=MONDAY_NOON, cell_capacity_dl_mbps=CAP,
    )  # fmt: skip
    assert len(bad.reasons) == 1 and bad.reasons[0].startswith(
        "UPF: 'UPF1' needs 401.0 Mbit/s for the slice but only 400.0 is free (capacity 1000.0"
    )


def test_latency_threshold_by_hand() -> None:
    topo, st = setup()
    # eMBB: 4 ms radio budget + 3 ms transport = 7 ms
    zero = [0.0, 0.0]
    assert assess_slice(
        topo, st, spec(max_latency_ms=7.0), cell_demand_dl_mbps=zero, at=MONDAY_NOON
    ).ok
    bad = assess_slice(topo, st, spec(max_latency_ms=6.9), cell_demand_dl_mbps=zero, at=MONDAY_NOON)
    assert bad.reasons == (
        "latency: site 'S1' reaches UPF 'UPF1' in 3.000 ms; with the 4 ms eMBB radio budget "
        "that is 7.000 ms > max_latency_ms 6.9",
    )


def test_low_latency_urllc_needs_an_edge_upf() -> None:
    topo, st = setup()
    urllc = spec(slice_type="URLLC", guaranteed_dl_mbps=10.0, max_latency_ms=5.0)
    feas = assess_slice(topo, st, urllc, cell_demand_dl_mbps=[0.0, 0.0], at=MONDAY_NOON)
    assert not feas.ok and "needs an edge UPF and the topology has none" in feas.reasons[0]


def test_urllc_picks_the_nearest_edge_upf_that_passes_every_check() -> None:
    # EDC1 0.2 ms from AGG1, EDC2 0.4 ms: S1 reaches them in 1.2 / 1.4 ms (+0.5 ms radio).
    topo, st = setup(edges=(0.2, 0.4))
    zero = [0.0, 0.0]
    urllc = spec(slice_type="URLLC", guaranteed_dl_mbps=10.0, max_latency_ms=1.7)
    feas = assess_slice(topo, st, urllc, cell_demand_dl_mbps=zero, at=MONDAY_NOON)
    assert feas.ok and feas.upf == "UPF-E1"
    assert feas.path_latency_ms == {"S1": pytest.approx(1.2)}
    # UPF-E1 has no room left: UPF-E2 (1.9 ms in all) is chosen when the bound allows it...
    st.upf_background_mbps[topo.upf_index["UPF-E1"]] = 995.0
    assert assess_slice(
        topo, st, spec(slice_type="URLLC", guaranteed_dl_mbps=10.0, max_latency_ms=1.9),
        cell_demand_dl_mbps=zero, at=MONDAY_NOON,
    ).upf == "UPF-E2"  # fmt: skip
    # ...and when it does not, every edge UPF's problem is reported
    bad = assess_slice(topo, st, urllc, cell_demand_dl_mbps=zero, at=MONDAY_NOON)
    assert not bad.ok and bad.upf == "UPF-E1" and len(bad.reasons) == 2
    assert bad.reasons[0].startswith("UPF: 'UPF-E1' needs 10.0 Mbit/s")
    assert bad.reasons[0].endswith("[edge UPF 'UPF-E1']")
    assert bad.reasons[1].startswith("latency: site 'S1' reaches UPF 'UPF-E2' in 1.400 ms")
    assert bad.reasons[1].endswith("[edge UPF 'UPF-E2']")


def test_coverage_and_down_backhaul_are_reasons() -> None:
    topo, st = setup()
    st.cell_asleep[1] = True
    st.link_up[topo.link_index["AGG1--CR1"]] = False
    feas = assess_slice(
        topo, st, spec(cells=("S1-C1", "S1-C2")), cell_demand_dl_mbps=[0, 0], at=MONDAY_NOON
    )
    assert feas.reasons == (
        "coverage: cell 'S1-C2' is asleep",
        "transport: site 'S1' backhaul path crosses link(s) ['AGG1--CR1'] (down)",
    )


def test_bad_demand_array_is_rejected() -> None:
    topo, st = setup()
    with pytest.raises(SliceError, match="cell_demand_dl_mbps must hold 2 finite values"):
        assess_slice(topo, st, spec(), cell_demand_dl_mbps=[1.0], at=MONDAY_NOON)
    with pytest.raises(SliceError, match="cell_capacity_dl_mbps must hold 2 finite values"):
        assess_slice(
            topo, st, spec(), cell_demand_dl_mbps=[1, 1], at=MONDAY_NOON,
            cell_capacity_dl_mbps=[-1.0, 5.0],
        )  # fmt: skip


def test_sizing_capacity_is_nominal_without_neighbours_and_lower_with_them() -> None:
    topo, st = setup()
    radio = RadioModel()
    assert np.allclose(sizing_capacity_dl(topo, st, radio), topo.cell_capacity_dl_mbps)
    b = TopologyBuilder()
    b.router("CR1", role="core").dc("DC1", router="CR1").nf("U", "UPF", dc="DC1")
    b.site("S1", 0, 0, router="CR1").cell(None, "S1").cell(None, "S1")
    b.neighbour("S1-C1", "S1-C2", overlap=0.3)
    t2 = compile_topology(b.build())
    # urban SINR 14 dB minus 10 log10(1 + 3 x 0.3) = 2.788 dB -> 11.212 dB
    se = 0.75 * math.log2(1 + 10 ** (1.1212 / 1.0))
    want = 273 * float(t2.cell_prb_bits_dl[0]) * se / 1e6
    got = sizing_capacity_dl(t2, TwinState.initial(t2), radio)
    assert got[0] == pytest.approx(want, rel=1e-4)


# -- reservations and per-step KPIs ------------------------------------------------------------
def test_reservations_sum_per_cell_link_and_upf_inside_windows() -> None:
    topo, st = setup(link_mbps=100_000.0, upf_mbps=100_000.0)
    admit(topo, st, spec("a", guaranteed_dl_mbps=100.0), [0, 0])
    admit(topo, st, spec("b", guaranteed_dl_mbps=50.0, cells=("S1-C1", "S1-C2"),
                         start_hour=18, end_hour=22), [0, 0])  # fmt: skip
    cell, link, upf = slice_reservations(topo, st)
    assert cell.tolist() == pytest.approx([0.15, 0.05])
    ar1 = topo.link_index["AR1--AGG1"]
    assert link[ar1] == pytest.approx(200.0) and upf.tolist() == pytest.approx([200.0])
    cell, link, upf = slice_reservations(topo, st, MONDAY_NOON)  # "b" is closed at noon
    assert cell.tolist() == pytest.approx([0.1, 0.0]) and link[ar1] == pytest.approx(100.0)


def test_slice_step_kpis_by_hand() -> None:
    topo, st = setup()
    admit(topo, st, spec("a", guaranteed_dl_mbps=100.0), [0, 0])  # share 0.1 of 1000
    full = slice_step(topo, st, when=MONDAY_NOON, cell_capacity_dl_mbps=[1000.0, 1000.0])
    assert full["a"] == {
        "SLICE.Active": 1.0,
        "SLICE.GuaranteedDlMbps": 100.0,
        "SLICE.DeliveredDlMbps": pytest.approx(100.0),
        "SLICE.CellsBelow": 0.0,
        "SLICE.LatencyMs": pytest.approx(7.0),
        "SLICE.SlaMet": 1.0,
    }
    weak = slice_step(topo, st, when=MONDAY_NOON, cell_capacity_dl_mbps=[800.0, 1000.0])["a"]
    assert weak["SLICE.DeliveredDlMbps"] == pytest.approx(80.0)
    assert weak["SLICE.CellsBelow"] == 1.0 and weak["SLICE.SlaMet"] == 0.0
    queued = slice_step(
        topo, st, when=MONDAY_NOON, cell_capacity_dl_mbps=[1000.0, 1000.0],
        link_delay_ms=np.full(topo.n_links, 0.5),
    )["a"]  # fmt: skip
    assert queued["SLICE.LatencyMs"] == pytest.approx(8.5)  # 3 hops x 0.5 ms queueing
    st.link_background_mbps[topo.link_index["AR1--AGG1"]] = 950.0  # 50 left for 100 reserved
    squeezed = slice_step(topo, st, when=MONDAY_NOON, cell_capacity_dl_mbps=[1000.0, 1000.0])
    assert squeezed["a"]["SLICE.DeliveredDlMbps"] == pytest.approx(50.0)
    st.link_up[topo.link_index["AR1--AGG1"]] = False
    cut = slice_step(topo, st, when=MONDAY_NOON, cell_capacity_dl_mbps=[1000.0, 1000.0])["a"]
    assert cut["SLICE.DeliveredDlMbps"] == 0.0 and cut["SLICE.LatencyMs"] == math.inf
    assert cut["SLICE.SlaMet"] == 0.0


def test_slice_step_outside_the_window_owes_nothing() -> None:
    topo, st = setup()
    admit(topo, st, spec("a", start_hour=18, end_hour=20), [0, 0])
    out = slice_step(topo, st, when=MONDAY_NOON, cell_capacity_dl_mbps=[0.0, 0.0])["a"]
    assert out["SLICE.Active"] == 0.0 and out["SLICE.SlaMet"] == 1.0
    assert math.isnan(out["SLICE.LatencyMs"])
    assert slice_step(topo, TwinState.initial(topo), when=MONDAY_NOON,
                      cell_capacity_dl_mbps=[0.0, 0.0]) == {}  # fmt: skip


def test_slice_state_equality_and_copy() -> None:
    topo, st = setup()
    admit(topo, st, spec("a"), [0, 0])
    copied = st.copy()
    assert copied.slices["a"] == st.slices["a"] and st.equals(copied)
    assert copied.slices["a"] is not st.slices["a"]


def test_explicit_link_and_upf_load_forecasts_replace_the_derived_ones() -> None:
    topo, st = setup(link_mbps=1000.0, upf_mbps=1000.0)
    link = np.zeros(topo.n_links)
    link[topo.link_index["AR1--AGG1"]] = 950.0  # the simultaneous peak, not the sum of peaks
    feas = assess_slice(
        topo, st, spec(guaranteed_dl_mbps=60.0), cell_demand_dl_mbps=[0.0, 0.0],
        at=MONDAY_NOON, link_load_mbps=link, upf_load_mbps=[0.0],
    )  # fmt: skip
    assert feas.reasons == (
        "transport: link 'AR1--AGG1' needs 60.0 Mbit/s for the slice but only 50.0 is free "
        "(capacity 1000.0, background 0.0, best-effort load 950.0, reserved by other slices "
        "0.0)",
    )
    with pytest.raises(SliceError, match=r"upf_load_mbps must hold 1 finite values >= 0"):
        assess_slice(
            topo, st, spec(), cell_demand_dl_mbps=[0.0, 0.0], at=MONDAY_NOON,
            upf_load_mbps=[1.0, 2.0],
        )  # fmt: skip


def test_long_reason_lists_are_capped_per_kind() -> None:
    b = TopologyBuilder()
    b.router("CR1", role="core").dc("DC1", router="CR1").nf("U", "UPF", dc="DC1")
    b.site("S1", 0, 0, router="CR1")
    for k in range(7):
        b.cell(None, "S1", azimuth_deg=50.0 * k)
    topo = compile_topology(b.build())
    st = TwinState.initial(topo)
    feas = assess_slice(
        topo, st, spec(cells=(), region="centre", guaranteed_dl_mbps=10.0),
        cell_demand_dl_mbps=np.full(7, 995.0), at=MONDAY_NOON,
        cell_capacity_dl_mbps=np.full(7, 1000.0),
    )  # fmt: skip
    assert len(feas.reasons) == 6
    assert [r.split(":")[0] for r in feas.reasons[:5]] == ["PRB"] * 5
    assert feas.reasons[5] == "PRB: ... and 2 more"
