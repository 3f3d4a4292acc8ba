"""Domain knowledge as typed records: KPI definitions, fault playbooks and a glossary."""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

__all__ = [
    "DomainDataError",
    "GlossaryTerm",
    "KpiDefinition",
    "Playbook",
    "PlaybookAction",
    "load_glossary",
    "load_kpis",
    "load_playbooks",
]


class DomainDataError(ValueError):
    """A knowledge file is malformed; the message names the file, entry and field."""


@dataclass(frozen=True)
class KpiDefinition:
    """One counter or KPI: what it measures, how it is computed, what good looks like."""

    name: str
    title: str
    unit: str
    level: str
    standard: str
    definition: str
    formula: str
    good: str
    watch: str
    related_faults: tuple[str, ...] = ()


@dataclass(frozen=True)
class PlaybookAction:
    """One remediation step: an action kind of the twin's catalogue and why it helps."""

    action: str
    why: str


@dataclass(frozen=True)
class Playbook:
    """How to recognise, diagnose, heal and verify one fault type."""

    fault_type: str
    title: str
    domain: str
    summary: str
    root_alarms: tuple[str, ...]
    symptom_alarms: tuple[str, ...]
    kpi_signature: str
    diagnosis: tuple[str, ...]
    remediation: tuple[PlaybookAction, ...]
    verification: str
    escalation: str


@dataclass(frozen=True)
class GlossaryTerm:
    """A telecom term with its expansion, aliases and definition."""

    term: str
    definition: str
    expansion: str = ""
    aliases: tuple[str, ...] = field(default_factory=tuple)


def _read(path: Path | None, default: str) -> tuple[list[Any], str]:
    if path is None:
        source = f"autonet.knowledge.domain/{default}"
        text = resources.files("autonet.knowledge.domain").joinpath(default).read_text()
    else:
        source = str(path)
        if not Path(path).is_file():
            raise FileNotFoundError(f"knowledge file {path} does not exist")
        text = Path(path).read_text()
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise DomainDataError(f"{source}: not valid YAML ({exc})") from exc
    if not isinstance(data, list) or not data:
        raise DomainDataError(f"{source}: expected a non-empty list of entries")
    return data, source


def _fields(entry: Any, index: int, source: str, required: tuple[str, ...]) -> dict[str, Any]:
    if not isinstance(entry, dict):
        raise DomainDataError(f"{source}: entry {index + 1}: expected a mapping")
    for name in required:
        value = entry.get(name)
        if not isinstance(value, str) or not value.strip():
            label = entry.get(required[0], f"#{index + 1}")
            raise DomainDataError(
                f"{source}: entry {label!r}: field {name!r} must be a non-empty string"
            )
    return entry


def _strings(entry: dict[str, Any], name: str, source: str, label: str) -> tuple[str, ...]:
    value = entry.get(name, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise DomainDataError(
            f"{source}: entry {label!r}: field {name!r} must be a list of strings"
        )
    return tuple(value)


def _unique(names: list[str], source: str) -> None:
    seen: set[str] = set()
    for name in names:
        if name.lower() in seen:
            raise DomainDataError(f"{source}: {name!r} is defined twice")
        seen.add(name.lower())


def load_kpis(path: Path | None = None) -> tuple[KpiDefinition, ...]:
    """KPI definitions from ``path`` or the packaged ``kpis.yaml``."""
    data, source = _read(path, "kpis.yaml")
    keys = ("name", "title", "unit", "level", "standard", "definition", "formula", "good", "watch")
    out = []
    for i, raw in enumerate(data):
        entry = _fields(raw, i, source, keys)
        related = _strings(entry, "related_faults", source, entry["name"])
        out.append(KpiDefinition(**{k: entry[k] for k in keys}, related_faults=related))
    _unique([k.name for k in out], source)
    return tuple(out)


def load_playbooks(path: Path | None = None) -> tuple[Playbook, ...]:
    """Fault playbooks from ``path`` or the packaged ``playbooks.yaml``."""
    data, source = _read(path, "playbooks.yaml")
    keys = ("fault_type", "title", "domain", "summary", "kpi_signature", "verification",
            "escalation")  # fmt: skip
    out = []
    for i, raw in enumerate(data):
        entry = _fields(raw, i, source, keys)
        label = entry["fault_type"]
        steps = entry.get("remediation")
        if not isinstance(steps, list) or not steps:
            raise DomainDataError(f"{source}: entry {label!r}: field 'remediation' must be a list")
        actions = []
        for j, step in enumerate(steps):
            if not isinstance(step, dict) or not all(
                isinstance(step.get(k), str) and step[k] for k in ("action", "why")
            ):
                raise DomainDataError(
                    f"{source}: entry {label!r}: remediation {j + 1} needs 'action' and 'why'"
                )
            actions.append(PlaybookAction(step["action"], step["why"]))
        out.append(
            Playbook(
                **{k: entry[k] for k in keys},
                root_alarms=_strings(entry, "root_alarms", source, label),
                symptom_alarms=_strings(entry, "symptom_alarms", source, label),
                diagnosis=_strings(entry, "diagnosis", source, label),
                remediation=tuple(actions),
            )
        )
    _unique([p.fault_type for p in out], source)
    return tuple(out)


def load_glossary(path: Path | None = None) -> tuple[GlossaryTerm, ...]:
    """Glossary terms from ``path`` or the packaged ``glossary.yaml``."""
    data, source = _read(path, "glossary.yaml")
    out = []
    for i, raw in enumerate(data):
        entry = _fields(raw, i, source, ("term", "definition"))
        expansion = entry.get("expansion", "")
        if not isinstance(expansion, str):
            raise DomainDataError(f"{source}: entry {entry['term']!r}: 'expansion' must be text")
        out.append(
            GlossaryTerm(
                term=entry["term"],
                definition=entry["definition"],
                expansion=expansion,
                aliases=_strings(entry, "aliases", source, entry["term"]),
            )
        )
    _unique([t.term for t in out], source)
    return tuple(out)
