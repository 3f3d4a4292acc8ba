"""Generate the telecom routing dataset: 3,200 instances split 2,400 / 400 / 400, reproducibly."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from autonet.platform.gate.cards import AgentRegistry
from autonet.platform.gate.catalog import benchmark_registry
from autonet.platform.gate.dataset import phrases, surface
from autonet.platform.gate.dataset.templates import CALL_TEMPLATES, Template, render

__all__ = ["SPLIT_SIZES", "generate"]

SPLIT_SIZES: dict[str, int] = {"train": 2400, "val": 400, "test": 400}
_SPLIT_SEEDS = {"train": 11, "val": 23, "test": 37}

# Share of each kind of instance (sums to 1).
_MIX: tuple[tuple[str, float], ...] = (
    ("call", 0.36),
    ("call_context", 0.04),
    ("plan_carry", 0.13),
    ("plan_pair", 0.10),
    ("plan_multi", 0.03),
    ("knowledge", 0.09),
    ("out_of_scope", 0.05),
    ("no_suitable_agent", 0.04),
    ("sensitive", 0.10),
    ("role_violation", 0.06),
)

Instance = dict[str, Any]


def _visible(items: list[Any] | tuple[Any, ...], split: str) -> list[Any]:
    """The training split never sees the last phrasing of a list (held out for val/test)."""
    return list(items[:-1]) if split == "train" and len(items) > 2 else list(items)


class _Maker:
    def __init__(self, split: str, registry: AgentRegistry) -> None:
        self.split = split
        self.rng = random.Random(_SPLIT_SEEDS[split])
        self.registry = registry

    # -- helpers ----------------------------------------------------------------------------
    def _role_for(self, agents: list[str]) -> str:
        allowed = set.intersection(*(set(self.registry.get(a).roles) for a in agents))
        weights = {"operator": 6, "engineer": 2, "admin": 1, "viewer": 2}
        options = sorted(allowed)
        return self.rng.choices(options, [weights[r] for r in options])[0]

    def _candidates(self, gold: list[str], *, size: int | None = None) -> list[str]:
        size = size or self.rng.randint(3, 6)
        pool: list[str] = []
        for agent in gold:
            pool += [o for o in phrases.OVERLAPS.get(agent, ()) if o not in gold]
        self.rng.shuffle(pool)
        chosen = list(dict.fromkeys(gold + pool))[: max(size, len(gold))]
        others = [n for n in self.registry.names() if n not in chosen]
        self.rng.shuffle(others)
        chosen += others[: max(0, size - len(chosen))]
        self.rng.shuffle(chosen)
        return chosen

    def _call(self, agent: str) -> tuple[str, dict[str, Any], list[str]]:
        template: Template = self.rng.choice(_visible(CALL_TEMPLATES[agent], self.split))
        return render(self.rng, template)

    def _finish(self, text: str, spans: list[str], gold: dict[str, Any], **fields: Any) -> Instance:
        query, tags = surface.noisy(self.rng, text, spans)
        full_gold = {"action": gold["action"], "agent": None, "arguments": {}, "plan": []}
        full_gold.update(gold)
        record: Instance = {
            "query": query,
            "role": fields.pop("role", "operator"),
            "context": fields.pop("context", {}),
            "candidates": fields.pop("candidates"),
            "gold": full_gold,
            "tags": sorted(set(fields.pop("tags", [])) | set(tags)),
        }
        return record

    # -- instance kinds -------------------------------------------------------------------------
    def call(self) -> Instance:
        agent = self.rng.choice(list(CALL_TEMPLATES))
        text, args, spans = self._call(agent)
        gold = {"action": "CALL_AGENT", "agent": agent, "arguments": args}
        tags = ["call"]
        if any(m in text for m in ("first-line", "then-current", "next-hour", "first alarms")):
            tags.append("deceptive_sequential")
        return self._finish(
            text,
            spans,
            gold,
            role=self._role_for([agent]),
            candidates=self._candidates([agent]),
            tags=tags,
        )

    def call_context(self) -> Instance:
        """The request leans on context: "this site", "my region"."""
        if self.rng.random() < 0.5:
            agent = self.rng.choice(["kpi_reader", "alarm_reader", "rca_locator"])
            _, site = surface.site(self.rng)
            kpi_text, kpi = surface.kpi(self.rng)
            text, args = {
                "kpi_reader": (f"show {kpi_text} for this site", {"target": site, "kpi": kpi}),
                "alarm_reader": ("any alarms on this site?", {"target": site}),
                "rca_locator": ("find the root cause at this site", {"target": site}),
            }[agent]
            context: dict[str, Any] = {"site": site}
            spans = [kpi_text]
        else:
            agent = "energy_planner"
            _, region = surface.region(self.rng)
            win_text, win = surface.window(self.rng)
            text = self.rng.choice(["save energy in my region {w}", "plan cell sleep here {w}"])
            text = text.format(w=win_text)
            args, context, spans = {"region": region, "window": win}, {"region": region}, [win_text]
        gold = {"action": "CALL_AGENT", "agent": agent, "arguments": args}
        return self._finish(
            text,
            spans,
            gold,
            role=self._role_for([agent]),
            context=context,
            candidates=self._candidates([agent]),
            tags=["call", "context"],
        )

    def plan_carry(self) -> Instance:
        """A plan whose later steps act on the first step's target."""
        first = self.rng.choice(list(phrases.PLAN_OPENERS))
        text_a, args_a, spans = render(
            self.rng, self.rng.choice(_visible(phrases.PLAN_OPENERS[first], self.split))
        )
        target = args_a["target"]
        followers = [a for a in phrases.PLAN_FOLLOWUPS if a != first]
        n_steps = 3 if self.rng.random() < 0.3 else 2
        agents = [first, *self.rng.sample(followers, n_steps - 1)]
        texts, steps = [text_a], [{"agent": first, "arguments": args_a}]
        for agent in agents[1:]:
            options = _visible(phrases.PLAN_FOLLOWUPS[agent], self.split)
            text, args, more = render(self.rng, self.rng.choice(options))
            args = {"target": target, **args}
            texts.append(text)
            steps.append({"agent": agent, "arguments": args})
            spans += more
        return self._plan(texts, steps, spans, tags=["plan", "carry_over"])

    def plan_pair(
        self, markers: tuple[str, ...] = phrases.MARKERS_2, tag: str = "plan"
    ) -> Instance:
        agents = self.rng.sample(list(CALL_TEMPLATES), 2)
        texts, steps, spans = [], [], []
        for agent in agents:
            text, args, more = self._call(agent)
            texts.append(text)
            steps.append({"agent": agent, "arguments": args})
            spans += more
        return self._plan(texts, steps, spans, tags=[tag], markers=markers)

    def plan_multi(self) -> Instance:
        return self.plan_pair(phrases.MULTI_INTENT_2, tag="multi_intent")

    def _plan(
        self,
        texts: list[str],
        steps: list[dict[str, Any]],
        spans: list[str],
        *,
        tags: list[str],
        markers: tuple[str, ...] | None = None,
    ) -> Instance:
        if markers is None:
            markers = phrases.MARKERS_3 if len(texts) == 3 else phrases.MARKERS_2
        marker = self.rng.choice(_visible(markers, self.split))
        text = marker.format(**dict(zip("abc", texts, strict=False)))
        agents = [s["agent"] for s in steps]
        gold = {"action": "MULTI_AGENT_PLAN", "plan": steps}
        return self._finish(
            text,
            spans,
            gold,
            role=self._role_for(agents),
            candidates=self._candidates(agents),
            tags=tags,
        )

    def knowledge(self) -> Instance:
        template = self.rng.choice(_visible(phrases.KNOWLEDGE, self.split))
        text, _, spans = render(self.rng, (template, {}))
        gold = {"action": "DIRECT_ANSWER"}
        near = ["kpi_explainer", "kpi_reader", "rca_locator", "slice_provisioner"]
        cands = self._candidates([self.rng.choice(near)])
        return self._finish(
            text,
            spans,
            gold,
            role=self.rng.choice(["viewer", "operator", "engineer"]),
            candidates=cands,
            tags=["direct", "knowledge"],
        )

    def out_of_scope(self) -> Instance:
        text = self.rng.choice(_visible(phrases.OUT_OF_SCOPE, self.split))
        return self._finish(
            text,
            [],
            {"action": "DIRECT_ANSWER"},
            candidates=self._candidates([]),
            tags=["direct", "out_of_scope"],
        )

    def no_suitable_agent(self) -> Instance:
        """A real request whose capable agent is not among the candidates."""
        agent = self.rng.choice(list(CALL_TEMPLATES))
        text, _, spans = self._call(agent)
        related = {agent, *phrases.OVERLAPS.get(agent, ())}
        others = [n for n in self.registry.names() if n not in related]
        cands = self.rng.sample(others, self.rng.randint(2, 4))
        return self._finish(
            text,
            spans,
            {"action": "DIRECT_ANSWER"},
            candidates=cands,
            tags=["direct", "no_suitable_agent"],
        )

    def sensitive(self) -> Instance:
        template = self.rng.choice(_visible(phrases.SENSITIVE, self.split))
        text, _, spans = render(self.rng, (template, {}))
        near = ["change_executor", "config_pusher", "cell_locker", "customer_care", "kpi_reader"]
        return self._finish(
            text,
            spans,
            {"action": "ESCALATE"},
            role=self.rng.choice(["operator", "engineer", "admin"]),
            candidates=self._candidates([self.rng.choice(near)]),
            tags=["escalate", "sensitive"],
        )

    def role_violation(self) -> Instance:
        agent = self.rng.choice(
            [
                "cell_locker",
                "config_pusher",
                "model_retrainer",
                "billing",
                "change_executor",
                "slice_provisioner",
                "energy_planner",
                "slice_releaser",
                "change_rollback",
            ]
        )
        allowed = self.registry.get(agent).roles
        role = self.rng.choice(sorted({"viewer", "operator", "engineer"} - allowed))
        text, _, spans = self._call(agent)
        return self._finish(
            text,
            spans,
            {"action": "ESCALATE"},
            role=role,
            candidates=self._candidates([agent]),
            tags=["escalate", "role_violation"],
        )


def generate(split: str, *, registry: AgentRegistry | None = None) -> list[Instance]:
    """The instances of one split (``train``, ``val`` or ``test``), identical on every run."""
    if split not in SPLIT_SIZES:
        raise ValueError(f"unknown split {split!r}; expected one of {list(SPLIT_SIZES)}")
    maker = _Maker(split, registry or benchmark_registry())
    size = SPLIT_SIZES[split]
    counts = {kind: round(share * size) for kind, share in _MIX}
    counts["call"] += size - sum(counts.values())
    kinds: list[str] = [kind for kind, n in counts.items() for _ in range(n)]
    maker.rng.shuffle(kinds)
    makers: dict[str, Callable[[], Instance]] = {kind: getattr(maker, kind) for kind in counts}
    out = []
    for index, kind in enumerate(kinds):
        record = makers[kind]()
        out.append({"id": f"{split}-{index:05d}", "split": split, **record})
    return out
