"""Import of operator data (topology, KPI series, alarm logs) into the memory database."""

from autonet.knowledge.io._base import (
    Importer,
    ImportReport,
    ProgressCallback,
    Validated,
    topology_nodes,
)
from autonet.knowledge.io.alarms import ALARM_FORMATS, SEVERITIES, AlarmImporter, import_alarms
from autonet.knowledge.io.errors import ImportValidationError, RowError
from autonet.knowledge.io.kpis import KPI_COLUMNS, KpiImporter, import_kpis
from autonet.knowledge.io.topology import EDGE_LIST_COLUMNS, TopologyImporter, import_topology

__all__ = [
    "ALARM_FORMATS",
    "EDGE_LIST_COLUMNS",
    "KPI_COLUMNS",
    "SEVERITIES",
    "AlarmImporter",
    "ImportReport",
    "ImportValidationError",
    "Importer",
    "KpiImporter",
    "ProgressCallback",
    "RowError",
    "TopologyImporter",
    "Validated",
    "import_alarms",
    "import_kpis",
    "import_topology",
    "topology_nodes",
]
