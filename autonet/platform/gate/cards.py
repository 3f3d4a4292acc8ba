"""Agent cards and the agent registry AgentGate routes over."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from enum import StrEnum
from typing import Any, Literal

import jsonschema
from jsonschema import Draft202012Validator
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from autonet.errors import BadInputError

__all__ = [
    "DOMAINS",
    "ROLES",
    "AgentCard",
    "AgentRegistry",
    "Domain",
    "RegistryError",
    "Risk",
    "validate_arguments",
]

ROLES: tuple[str, ...] = ("viewer", "operator", "engineer", "admin")

Domain = Literal["ran", "transport", "core", "edge", "cross_domain", "knowledge", "external"]
DOMAINS: tuple[str, ...] = (
    "ran",
    "transport",
    "core",
    "edge",
    "cross_domain",
    "knowledge",
    "external",
)


class Risk(StrEnum):
    """How much an agent's capability can change the network."""

    READ = "read"
    CHANGE = "change"
    HIGH_IMPACT = "high_impact"


class RegistryError(BadInputError):
    """An agent card or a registry is invalid (names the card and what is wrong)."""


class AgentCard(BaseModel):
    """One agent capability: what it does, its argument schema, domain, risk and allowed roles."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(pattern=r"^[a-z][a-z0-9_]{1,63}$")
    description: str = Field(min_length=1)
    parameters: dict[str, Any]
    domain: Domain
    risk: Risk
    roles: frozenset[str]
    keywords: tuple[str, ...] = ()
    provider: str = "autonet"

    @field_validator("description")
    @classmethod
    def _non_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("description must not be blank")
        return value

    @field_validator("parameters")
    @classmethod
    def _json_schema(cls, value: dict[str, Any]) -> dict[str, Any]:
        try:
            Draft202012Validator.check_schema(value)
        except jsonschema.SchemaError as exc:
            raise ValueError(f"parameters is not a valid JSON Schema: {exc.message}") from exc
        if value.get("type") != "object":
            raise ValueError("parameters must be a JSON Schema with type 'object'")
        props = value.get("properties", {})
        if not isinstance(props, dict):
            raise ValueError("parameters.properties must be an object")
        missing = [name for name in value.get("required", []) if name not in props]
        if missing:
            raise ValueError(f"parameters.required names undefined properties: {missing}")
        return value

    @field_validator("roles")
    @classmethod
    def _known_roles(cls, value: frozenset[str]) -> frozenset[str]:
        if not value:
            raise ValueError(f"roles must name at least one of {list(ROLES)}")
        unknown = sorted(value - set(ROLES))
        if unknown:
            raise ValueError(f"unknown roles {unknown}; expected a subset of {list(ROLES)}")
        return value

    @property
    def required(self) -> tuple[str, ...]:
        """Names of the required arguments."""
        return tuple(self.parameters.get("required", ()))

    @property
    def properties(self) -> dict[str, Any]:
        """The argument properties of the schema (name -> sub-schema)."""
        props = self.parameters.get("properties", {})
        return dict(props) if isinstance(props, dict) else {}


def _coerce_card(item: AgentCard | Mapping[str, Any], index: int) -> AgentCard:
    if isinstance(item, AgentCard):
        return item
    if not isinstance(item, Mapping):
        raise RegistryError(f"card #{index}: expected an AgentCard or a mapping, got {type(item)}")
    try:
        return AgentCard.model_validate(dict(item))
    except ValidationError as exc:
        name = item.get("name", f"#{index}")
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        raise RegistryError(f"agent card {name!r} is invalid: {problems}") from exc


class AgentRegistry:
    """An immutable, ordered set of agent cards, looked up by name."""

    def __init__(self, cards: Iterable[AgentCard | Mapping[str, Any]]) -> None:
        items: dict[str, AgentCard] = {}
        for index, raw in enumerate(cards):
            card = _coerce_card(raw, index)
            if card.name in items:
                raise RegistryError(f"duplicate agent name {card.name!r} in the registry")
            items[card.name] = card
        if not items:
            raise RegistryError("the agent registry is empty; register at least one agent card")
        self._cards = items
        self._version = hash(
            tuple(sorted((c.name, c.description, c.keywords) for c in items.values()))
        )

    @property
    def version(self) -> int:
        """A fingerprint of the cards' text (changes when the registry's content changes)."""
        return self._version

    def get(self, name: str) -> AgentCard:
        """The card called ``name``; raises RegistryError naming the known agents if absent."""
        try:
            return self._cards[name]
        except KeyError:
            raise RegistryError(
                f"unknown agent {name!r}; known agents: {sorted(self._cards)}"
            ) from None

    def __contains__(self, name: object) -> bool:
        return name in self._cards

    def __iter__(self) -> Iterator[AgentCard]:
        return iter(self._cards.values())

    def __len__(self) -> int:
        return len(self._cards)

    def __repr__(self) -> str:
        return f"AgentRegistry({len(self)} cards: {', '.join(self._cards)})"

    def names(self) -> list[str]:
        """The agents' names, in registration order."""
        return list(self._cards)

    def subset(self, names: Iterable[str]) -> AgentRegistry:
        """A registry restricted to ``names`` (order of ``names``); unknown names are an error."""
        wanted = list(dict.fromkeys(names))
        unknown = [name for name in wanted if name not in self._cards]
        if unknown:
            raise RegistryError(f"unknown agents {unknown}; known agents: {sorted(self._cards)}")
        return AgentRegistry(self._cards[name] for name in wanted)


def validate_arguments(card: AgentCard, args: Mapping[str, Any]) -> list[str]:
    """Validate ``args`` against ``card``'s JSON Schema; readable errors, [] when valid."""
    validator = _validator(card)
    if validator.is_valid(dict(args)):
        return []
    errors = sorted(validator.iter_errors(dict(args)), key=lambda e: list(e.absolute_path))
    out: list[str] = []
    for err in errors:
        where = ".".join(str(p) for p in err.absolute_path) or "(arguments)"
        out.append(f"{card.name}.{where}: {err.message}")
    return out


_VALIDATORS: dict[int, tuple[AgentCard, Draft202012Validator]] = {}


def _validator(card: AgentCard) -> Draft202012Validator:
    # Compiling a validator costs ~100 us; cards are frozen, so cache one per card object.
    key = id(card)
    hit = _VALIDATORS.get(key)
    if hit is not None and hit[0] is card:
        return hit[1]
    validator = Draft202012Validator(
        card.parameters, format_checker=Draft202012Validator.FORMAT_CHECKER
    )
    if len(_VALIDATORS) > 4096:
        _VALIDATORS.clear()
    _VALIDATORS[key] = (card, validator)
    return validator
