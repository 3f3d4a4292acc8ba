"""The digital twin: RAN, transport, core and edge as data and physics.

Build a topology (``build_topology``, ``TopologyBuilder``, ``load_backbone``), run it in a ``Twin``
(vectorised time steps, KPIs named after 3GPP TS 28.552), break it with faults
(``Twin.inject_fault``), change it only through actions (``Twin.apply`` / ``Twin.undo``) and
try what-ifs on ``Twin.clone()`` (a copy with the ground truth, for evaluation) or
``Twin.whatif_clone()`` (what the loop observed plus its hypotheses, for decisions).
``Change`` records live in ``faults``/``actions`` modules.
"""

from __future__ import annotations

from autonet.twin.action_catalogue import (
    ACTIONS,
    ActionSpec,
    Param,
    action_catalogue,
)
from autonet.twin.actions import (
    ActionError,
    ActionRecord,
    apply_action,
    slice_feasibility,
    undo_action,
)
from autonet.twin.admission import (
    Feasibility,
    assess_slice,
    best_effort_loads,
    link_graph,
    resolve_cells,
    routes_to,
    sizing_capacity_dl,
)
from autonet.twin.backbone import (
    BACKBONE_DEFAULT_CAPACITY_MBPS,
    EARTH_RADIUS_KM,
    great_circle_km,
    load_backbone,
    resolve_backbone,
)
from autonet.twin.builder import (
    BANDS,
    FIBRE_MS_PER_KM,
    FORWARDING_MS,
    BandProfile,
    TopologyBuilder,
    chain_topology,
    link_latency_ms,
    three_cell_topology,
)
from autonet.twin.compile import (
    compile_topology,
    route_sites,
    shortest_link_path,
)
from autonet.twin.dimensioning import (
    MIN_CAPACITY_MBPS,
    PLANNING_SIGMAS,
    PLANNING_UTILISATION,
    STANDARD_CAPACITIES_MBPS,
    UPF_INSTANCE_MBPS,
    dimension,
    required_capacity_mbps,
    standard_capacity_mbps,
)
from autonet.twin.energy import (
    PowerModel,
)
from autonet.twin.engine import (
    Twin,
)
from autonet.twin.events import (
    ALARM_TYPES,
    FAULT_TYPES,
    Alarm,
    FaultRecord,
    FaultType,
    Severity,
)
from autonet.twin.fault_catalogue import (
    COMMON_PARAMS,
    FAULT_PARAMS,
    FAULT_TARGETS,
    SEVERITY,
    STACKABLE,
    FaultError,
    FaultPlan,
    check_params,
    plan_fault,
    resolve_target,
    site_nodes,
)
from autonet.twin.faults import (
    active_faults,
)
from autonet.twin.faults import clear as clear_fault
from autonet.twin.faults import inject as inject_fault
from autonet.twin.geometry import (
    DEFAULT_ISD_KM,
    INTRA_SITE_OVERLAP,
    antenna_gain,
    assign_regions,
    layout_sites,
    neighbour_pairs,
    sector_azimuths,
)
from autonet.twin.kpis import (
    CELL_COUNTERS,
    COUNTERS,
    LINK_COUNTERS,
    UPF_COUNTERS,
    Counter,
    counter_table,
)
from autonet.twin.observed import (
    OUTAGE_CAUSES,
    ExpectedEvent,
    ObservedCloneError,
    observed_clone,
)
from autonet.twin.radio import (
    TDD_BANDS,
    RadioModel,
    prb_bandwidth_hz,
)
from autonet.twin.results import (
    SimResult,
    StepResult,
)
from autonet.twin.schema import (
    AREA_TYPES,
    DOMAINS,
    NODE_KINDS,
    RELATIONS,
    AreaType,
    CellAttrs,
    DataCentreAttrs,
    Domain,
    LinkAttrs,
    NeighbourAttrs,
    NetworkFunctionAttrs,
    NodeKind,
    Relation,
    RouterAttrs,
    SiteAttrs,
)
from autonet.twin.slices import (
    EDGE_UPF_BOUND_MS,
    RAN_LATENCY_MS,
    SLICE_KPIS,
    SLICE_TYPES,
    SliceError,
    SliceSpec,
    SliceState,
    slice_reservations,
    slice_step,
)
from autonet.twin.state import (
    AREA_CODES,
    UPF_TIERS,
    CompiledTopology,
    TwinState,
)
from autonet.twin.store import (
    KpiStore,
)
from autonet.twin.topology import (
    DEFAULT_AREA_MIX,
    MAX_SITES,
    TILT_RANGE_DEG,
    build_topology,
)
from autonet.twin.traffic import (
    PROFILES,
    TrafficEvent,
    TrafficModel,
    TrafficSample,
)
from autonet.twin.transport import (
    CHAIN_LENGTH,
    SITES_PER_AGGREGATION,
    TransportPlan,
    microwave_latency_ms,
    plan_transport,
)
from autonet.twin.validate import (
    TopologyError,
    upf_reachability,
    validate_backbone,
    validate_topology,
)

__all__ = [
    "ACTIONS",
    "ALARM_TYPES",
    "AREA_CODES",
    "AREA_TYPES",
    "BACKBONE_DEFAULT_CAPACITY_MBPS",
    "BANDS",
    "CELL_COUNTERS",
    "CHAIN_LENGTH",
    "COMMON_PARAMS",
    "COUNTERS",
    "DEFAULT_AREA_MIX",
    "DEFAULT_ISD_KM",
    "DOMAINS",
    "EARTH_RADIUS_KM",
    "EDGE_UPF_BOUND_MS",
    "FAULT_PARAMS",
    "FAULT_TARGETS",
    "FAULT_TYPES",
    "FIBRE_MS_PER_KM",
    "FORWARDING_MS",
    "INTRA_SITE_OVERLAP",
    "LINK_COUNTERS",
    "MAX_SITES",
    "MIN_CAPACITY_MBPS",
    "NODE_KINDS",
    "OUTAGE_CAUSES",
    "PLANNING_SIGMAS",
    "PLANNING_UTILISATION",
    "PROFILES",
    "RAN_LATENCY_MS",
    "RELATIONS",
    "SEVERITY",
    "SITES_PER_AGGREGATION",
    "SLICE_KPIS",
    "SLICE_TYPES",
    "STACKABLE",
    "STANDARD_CAPACITIES_MBPS",
    "TDD_BANDS",
    "TILT_RANGE_DEG",
    "UPF_COUNTERS",
    "UPF_INSTANCE_MBPS",
    "UPF_TIERS",
    "ActionError",
    "ActionRecord",
    "ActionSpec",
    "Alarm",
    "AreaType",
    "BandProfile",
    "CellAttrs",
    "CompiledTopology",
    "Counter",
    "DataCentreAttrs",
    "Domain",
    "ExpectedEvent",
    "FaultError",
    "FaultPlan",
    "FaultRecord",
    "FaultType",
    "Feasibility",
    "KpiStore",
    "LinkAttrs",
    "NeighbourAttrs",
    "NetworkFunctionAttrs",
    "NodeKind",
    "ObservedCloneError",
    "Param",
    "PowerModel",
    "RadioModel",
    "Relation",
    "RouterAttrs",
    "Severity",
    "SimResult",
    "SiteAttrs",
    "SliceError",
    "SliceSpec",
    "SliceState",
    "StepResult",
    "TopologyBuilder",
    "TopologyError",
    "TrafficEvent",
    "TrafficModel",
    "TrafficSample",
    "TransportPlan",
    "Twin",
    "TwinState",
    "action_catalogue",
    "active_faults",
    "antenna_gain",
    "apply_action",
    "assess_slice",
    "assign_regions",
    "best_effort_loads",
    "build_topology",
    "chain_topology",
    "check_params",
    "clear_fault",
    "compile_topology",
    "counter_table",
    "dimension",
    "great_circle_km",
    "inject_fault",
    "layout_sites",
    "link_graph",
    "link_latency_ms",
    "load_backbone",
    "microwave_latency_ms",
    "neighbour_pairs",
    "observed_clone",
    "plan_fault",
    "plan_transport",
    "prb_bandwidth_hz",
    "required_capacity_mbps",
    "resolve_backbone",
    "resolve_cells",
    "resolve_target",
    "route_sites",
    "routes_to",
    "sector_azimuths",
    "shortest_link_path",
    "site_nodes",
    "sizing_capacity_dl",
    "slice_feasibility",
    "slice_reservations",
    "slice_step",
    "standard_capacity_mbps",
    "three_cell_topology",
    "undo_action",
    "upf_reachability",
    "validate_backbone",
    "validate_topology",
]
