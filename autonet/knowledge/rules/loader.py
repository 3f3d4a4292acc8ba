"""Load policy YAML files into a validated PolicySet, with errors naming file, policy and field."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import TypeAdapter, ValidationError

from autonet.errors import BadInputError
from autonet.knowledge.rules.model import Guard, OperationalPolicy, PolicySet

__all__ = ["PolicyError", "load_default_policies", "load_policies", "parse_policies"]

_GUARD = TypeAdapter(Guard)
_TOP_KEYS = {"version", "operational", "guards"}


class PolicyError(BadInputError):
    """A policy file is malformed; the message names the file, the policy and the field."""


def _describe(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"] if not str(p).startswith("function-"))
        msg = err["msg"].removeprefix("Value error, ")
        given = err.get("input")
        shown = (
            f" (got {given!r})" if not isinstance(given, dict | list) and given is not None else ""
        )
        parts.append(f"field {loc or '(policy)'}: {msg}{shown}")
    return "; ".join(parts)


def parse_policies(data: Any, *, source: str = "<policies>") -> PolicySet:
    """Validate an already-parsed YAML/JSON document into a PolicySet.

    Raises:
        PolicyError: naming ``source``, the policy id (or index) and the field at fault.
    """
    if not isinstance(data, dict):
        raise PolicyError(
            f"{source}: expected a mapping with keys 'version', 'operational', 'guards', "
            f"got {type(data).__name__}"
        )
    unknown = sorted(set(data) - _TOP_KEYS)
    if unknown:
        raise PolicyError(
            f"{source}: unknown top-level key {unknown[0]!r}; expected {sorted(_TOP_KEYS)}"
        )
    if data.get("version", 1) != 1:
        raise PolicyError(f"{source}: field version: expected 1, got {data['version']!r}")
    operational = [
        _one(item, index, source, "operational", OperationalPolicy.model_validate)
        for index, item in enumerate(_items(data, "operational", source))
    ]
    guards = [
        _one(item, index, source, "guard", _GUARD.validate_python)
        for index, item in enumerate(_items(data, "guards", source))
    ]
    try:
        return PolicySet(operational=operational, guards=guards)
    except ValidationError as exc:
        raise PolicyError(f"{source}: {_describe(exc)}") from None


def _items(data: dict[str, Any], key: str, source: str) -> list[Any]:
    items = data.get(key) or []
    if not isinstance(items, list):
        raise PolicyError(f"{source}: field {key}: expected a list of policies, got {items!r}")
    return items


def _one(item: Any, index: int, source: str, kind: str, validate: Any) -> Any:
    name = f"#{index}"
    if isinstance(item, dict) and isinstance(item.get("id"), str):
        name = repr(item["id"])
    try:
        return validate(item)
    except ValidationError as exc:
        raise PolicyError(f"{source}: {kind} policy {name}: {_describe(exc)}") from None


def load_policies(*paths: str | Path) -> PolicySet:
    """Load and merge policy YAML files (ids must be unique across them).

    Raises:
        FileNotFoundError: a file does not exist.
        PolicyError: a file is not valid YAML or a policy is invalid.
    """
    if not paths:
        raise ValueError("load_policies: expected at least one policy file")
    merged = PolicySet()
    for path in map(Path, paths):
        if not path.is_file():
            raise FileNotFoundError(f"policy file {path} does not exist")
        merged = _merge(merged, _parse_text(path.read_text(encoding="utf-8"), str(path)), str(path))
    return merged


def load_default_policies() -> PolicySet:
    """The shipped policy set for the four scenarios (``default_policies.yaml``)."""
    text = resources.files(__package__).joinpath("default_policies.yaml").read_text("utf-8")
    return _parse_text(text, "default_policies.yaml")


def _parse_text(text: str, source: str) -> PolicySet:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise PolicyError(f"{source}: not valid YAML{where}: {problem}") from None
    return parse_policies(data, source=source)


def _merge(left: PolicySet, right: PolicySet, source: str) -> PolicySet:
    try:
        return left.merged(right)
    except ValidationError as exc:
        raise PolicyError(f"{source}: {_describe(exc)}") from None
