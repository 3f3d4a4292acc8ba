"""The words operators use and the normalised values AgentGate grounds them to.

This module is data: the slot extractor (``slots.py``) parses text with it, the routing dataset
is generated from it, and agent cards constrain their arguments to it. One normalisation rule per
slot, so a gold argument and an extracted argument can be compared exactly:

- throughput / bandwidth -> ``throughput_mbps`` (Mbit/s, float; "0.2 Gbps" -> 200.0, "500 kbps" ->
  0.5; a capital-B byte unit "MB/s", "MBps", "KB/s" is multiplied by 8)
- latency -> ``latency_ms`` (milliseconds, float; "0.5 s" -> 500.0, "800 us" -> 0.8)
- reliability -> ``reliability_pct`` (percent, float; "five nines" -> 99.999)
- durations and look-back periods -> minutes, int (``period_min``, ``horizon_min``,
  ``duration_min``)
- time windows -> ``{"start": "HH:MM", "end": "HH:MM"}`` (24 h clock; "8-18" -> 08:00..18:00,
  "tonight" -> 22:00..06:00)
- day sets -> a list of three-letter lower-case days in week order
- percentages of saving or loss -> float percent (``target_saving_pct``, ``max_kqi_loss_pct``)
- KPI names -> the TS 28.552 counter (``RRU.PrbUsedDl``) or the twin's KQI name
- ids: site ``S0012`` (four digits, upper case), cell ``S0012-C2``, transport link ``L0042``,
  slice ``SL-007``, change ``CHG-0042``, intent ``INT-0042``, ticket ``TT-12345``
- regions: north, south, east, west, centre; places (slice and event areas) as in ``PLACES``
- change values -> ``value`` (float, signed) with ``mode`` ``relative`` ("by 2") or ``absolute``
  ("to 4"); a relative value carries the sign of its direction word: electrical downtilt grows
  as the beam points further down, so "downtilt" / "tilt down" / "increase the tilt" are +,
  "uptilt" / "tilt up" / "reduce the tilt" are -; for TX power "raise" / "boost" / "up" are +,
  "lower" / "cut" / "down" are - (``DIRECTION_WORDS``, ``TILT_DIRECTION_WORDS``); an absolute
  TX power in dBm is converted to W ("43 dBm" -> 19.95)
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "BYTE_UNITS",
    "CHANGE_ACTIONS",
    "CHANGE_MODES",
    "DAYS",
    "DAY_SETS",
    "DIRECTION_WORDS",
    "DURATION_UNITS_MIN",
    "ID_PATTERNS",
    "KPI_ALIASES",
    "KPI_NAMES",
    "LATENCY_UNITS_MS",
    "MODELS",
    "MODEL_ALIASES",
    "NAMED_WINDOWS",
    "PLACES",
    "PRIORITIES",
    "REGIONS",
    "REGION_ALIASES",
    "RELIABILITY_WORDS",
    "ROLES",
    "SEVERITIES",
    "SLICE_TYPES",
    "SLICE_TYPE_ALIASES",
    "THROUGHPUT_UNITS_MBPS",
    "TILT_DIRECTION_WORDS",
]

ROLES: Final[tuple[str, ...]] = ("viewer", "operator", "engineer", "admin")

# Canonical KPI name -> the ways people write it (lower case; matched on word boundaries).
KPI_ALIASES: Final[dict[str, tuple[str, ...]]] = {
    "RRU.PrbUsedDl": (
        "rru.prbuseddl",
        "prb usage",
        "prb utilisation",
        "prb utilization",
        "prb util",
        "prb load",
        "dl prb",
        "downlink prb",
        "resource block usage",
        "prb use",
    ),
    "RRU.PrbUsedUl": ("rru.prbusedul", "ul prb", "uplink prb", "uplink resource block usage"),
    "RRC.ConnMean": (
        "rrc.connmean",
        "connected users",
        "rrc connections",
        "active users",
        "ue count",
        "number of users",
        "user count",
        "connected ues",
    ),
    "DRB.UEThpDl": (
        "drb.uethpdl",
        "dl throughput",
        "downlink throughput",
        "user throughput",
        "dl thp",
        "dl tput",
        "download speed",
    ),
    "DRB.UEThpUl": ("drb.uethpul", "ul throughput", "uplink throughput", "ul thp", "ul tput"),
    "PEE.AvgPower": ("pee.avgpower", "power draw", "power consumption", "avg power", "energy use"),
    "KQI.DropRate": ("kqi.droprate", "drop rate", "call drops", "dropped sessions", "drops"),
    "KQI.LatencyMs": ("kqi.latencyms", "latency", "delay", "rtt"),
    "KQI.BlockedUsers": ("kqi.blockedusers", "blocked users", "blocking", "blocked sessions"),
    "TN.LinkUtil": (
        "tn.linkutil",
        "link utilisation",
        "link utilization",
        "link load",
        "backhaul load",
    ),
    "UPF.Load": ("upf.load", "upf load", "user plane load"),
}
KPI_NAMES: Final[tuple[str, ...]] = tuple(KPI_ALIASES)

REGIONS: Final[tuple[str, ...]] = ("north", "south", "east", "west", "centre")
REGION_ALIASES: Final[dict[str, str]] = {
    "north": "north",
    "northern": "north",
    "south": "south",
    "southern": "south",
    "east": "east",
    "eastern": "east",
    "west": "west",
    "western": "west",
    "centre": "centre",
    "center": "centre",
    "central": "centre",
    "downtown": "centre",
}

# Named areas of interest for slices and events -> canonical place name.
PLACES: Final[dict[str, str]] = {
    "port area": "port",
    "port": "port",
    "harbour": "port",
    "harbor": "port",
    "stadium": "stadium",
    "arena": "stadium",
    "airport": "airport",
    "factory": "factory",
    "plant": "factory",
    "campus": "campus",
    "university": "campus",
    "hospital": "hospital",
    "trade fair": "fairground",
    "fairground": "fairground",
    "exhibition centre": "fairground",
    "old town": "old_town",
    "train station": "station",
    "station": "station",
    "business park": "business_park",
}

SLICE_TYPES: Final[tuple[str, ...]] = ("URLLC", "eMBB", "mMTC")
SLICE_TYPE_ALIASES: Final[dict[str, str]] = {
    "urllc": "URLLC",
    "ultra reliable": "URLLC",
    "ultra-reliable": "URLLC",
    "embb": "eMBB",
    "broadband": "eMBB",
    "enhanced mobile broadband": "eMBB",
    "mmtc": "mMTC",
    "massive iot": "mMTC",
    "iot": "mMTC",
}

# Unit -> multiplier to Mbit/s. Lower-case keys are bits; keys with a capital B are bytes.
THROUGHPUT_UNITS_MBPS: Final[dict[str, float]] = {
    "kbps": 0.001,
    "kbit/s": 0.001,
    "kb/s": 0.001,
    "kilobits/s": 0.001,
    "kbits/s": 0.001,
    "mbps": 1.0,
    "mbit/s": 1.0,
    "mbits/s": 1.0,
    "mb/s": 1.0,
    "megabits/s": 1.0,
    "mbit": 1.0,
    "gbps": 1000.0,
    "gbit/s": 1000.0,
    "gb/s": 1000.0,
    "gigabits/s": 1000.0,
}
# Byte units, matched case-sensitively before the bit units above.
BYTE_UNITS: Final[dict[str, float]] = {
    "KB/s": 0.008,
    "KBps": 0.008,
    "MB/s": 8.0,
    "MBps": 8.0,
    "GB/s": 8000.0,
    "GBps": 8000.0,
}

LATENCY_UNITS_MS: Final[dict[str, float]] = {
    "ms": 1.0,
    "msec": 1.0,
    "millisecond": 1.0,
    "milliseconds": 1.0,
    "s": 1000.0,
    "sec": 1000.0,
    "second": 1000.0,
    "seconds": 1000.0,
    "us": 0.001,
    "µs": 0.001,
    "microseconds": 0.001,
}
RELIABILITY_WORDS: Final[dict[str, float]] = {
    "three nines": 99.9,
    "four nines": 99.99,
    "five nines": 99.999,
    "six nines": 99.9999,
}
DURATION_UNITS_MIN: Final[dict[str, int]] = {
    "min": 1,
    "mins": 1,
    "minute": 1,
    "minutes": 1,
    "m": 1,
    "h": 60,
    "hr": 60,
    "hrs": 60,
    "hour": 60,
    "hours": 60,
    "d": 1440,
    "day": 1440,
    "days": 1440,
    "week": 10080,
    "weeks": 10080,
    "w": 10080,
}

DAYS: Final[tuple[str, ...]] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_SETS: Final[dict[str, tuple[str, ...]]] = {
    "weekdays": DAYS[:5],
    "working days": DAYS[:5],
    "mon-fri": DAYS[:5],
    "weekends": DAYS[5:],
    "weekend": DAYS[5:],
    "every day": DAYS,
    "daily": DAYS,
}
NAMED_WINDOWS: Final[dict[str, dict[str, str]]] = {
    "tonight": {"start": "22:00", "end": "06:00"},
    "overnight": {"start": "22:00", "end": "06:00"},
    "at night": {"start": "22:00", "end": "06:00"},
    "business hours": {"start": "08:00", "end": "18:00"},
    "office hours": {"start": "08:00", "end": "18:00"},
}

ID_PATTERNS: Final[dict[str, str]] = {
    # Normalised forms (the extractor accepts looser spellings, e.g. "s12-c2", "site 12").
    "cell": r"S\d{4}-C[1-3]",
    "site": r"S\d{4}",
    "link": r"L\d{4}",
    "slice": r"SL-\d{3}",
    "change": r"CHG-\d{4}",
    "intent": r"INT-\d{4}",
    "ticket": r"TT-\d{5}",
}

CHANGE_ACTIONS: Final[tuple[str, ...]] = (
    "offload",
    "tilt",
    "tx_power",
    "sleep",
    "wake",
    "reroute",
    "capacity_boost",
    "upf_scale_out",
    "restart",
)
#: How a change's ``value`` applies: added to the current value, or the value to set.
CHANGE_MODES: Final[tuple[str, ...]] = ("relative", "absolute")
#: Stems of direction words before "by N" -> the sign of the change (a word matches a stem
#: alone or inflected: "reduce", "reduced", "reducing"; "update" is not "up").
DIRECTION_WORDS: Final[dict[str, int]] = {
    "increas": 1,
    "rais": 1,
    "boost": 1,
    "add": 1,
    "more": 1,
    "higher": 1,
    "up": 1,
    "decreas": -1,
    "reduc": -1,
    "lower": -1,
    "cut": -1,
    "drop": -1,
    "less": -1,
    "down": -1,
}
#: In a tilt change "up" and "down" name the beam's direction, not the tilt value's: an uptilt
#: lowers the electrical downtilt. These override ``DIRECTION_WORDS`` there.
TILT_DIRECTION_WORDS: Final[dict[str, int]] = {"downtilt": 1, "uptilt": -1, "down": 1, "up": -1}
SEVERITIES: Final[tuple[str, ...]] = ("critical", "major", "minor", "warning")
PRIORITIES: Final[tuple[str, ...]] = ("P1", "P2", "P3", "P4")
MODELS: Final[tuple[str, ...]] = ("forecaster", "anomaly_detector", "rca_priors", "causal_graph")
MODEL_ALIASES: Final[dict[str, str]] = {
    "kpi forecaster": "forecaster",
    "forecast model": "forecaster",
    "forecaster": "forecaster",
    "anomaly detector": "anomaly_detector",
    "anomaly model": "anomaly_detector",
    "rca priors": "rca_priors",
    "root-cause priors": "rca_priors",
    "alarm causal graph": "causal_graph",
    "causal graph": "causal_graph",
}
