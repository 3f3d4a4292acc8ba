"""Root-cause localisation: the smallest set of upstream faults that explains the symptoms."""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from typing import Any

import networkx as nx
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from autonet.knowledge.rca._candidates import Candidate, Scoring, gain
from autonet.knowledge.rca._generic import generic_candidates
from autonet.knowledge.rca._twin import twin_candidates
from autonet.knowledge.rca.dependency import DependencyIndex, build_index, is_twin_graph
from autonet.knowledge.rca.explain import to_hypothesis
from autonet.knowledge.rca.hypothesis import Hypothesis, RCAInputError, Symptom
from autonet.knowledge.rca.priors import normalize_priors
from autonet.knowledge.rca.signatures import KPI_ANOMALY
from autonet.knowledge.rca.symptoms import anomalies_to_symptoms, to_symptoms
from autonet.twin.events import ALARM_TYPES

__all__ = ["RootCauseLocator"]

logger = logging.getLogger(__name__)


class RootCauseLocator(BaseEstimator):
    """Rank root-cause hypotheses for the alarms (and KPI anomalies) of one window.

    Abduction over the topology: every element upstream of a symptom is a candidate cause; a
    candidate's score is the log-likelihood ratio of "this fault" against "background noise"
    for what it predicts (its root alarm, and a symptom on every unit that depends on it:
    the sites behind a link, the cells of a site, the sites a UPF serves), with symptoms only
    counted from ``precedence_slack_s`` before to ``window_s`` after the root alarm. The ranking
    is greedy set cover: each next hypothesis is the one that adds the most to those above it,
    so two concurrent faults come out as the top two, and a hypothesis that only re-explains
    what a better one explains drops below. Once nothing adds to the explanation, the rest
    are the alternatives (score <= 0), ordered by how much each would explain on its own.

    On a twin topology (every node has a schema ``kind``) the fault types are those of
    ``events.FAULT_TYPES`` with the signatures of ``signatures.FAULT_SIGNATURES``; on a plain
    device graph (an adjacency matrix) each alarm is a candidate root of the alarms within
    ``max_hops`` of it, weighted by the alarm-type ``priors`` (uniform without them; a zero
    strength forbids the pair). On a twin topology, priors let a fault also explain alarm
    types its signature does not list, near its root, weighted by their strength.

    Args:
        max_hypotheses: how many hypotheses to return at most.
        window_s: how long after a root alarm its symptoms may arrive (seconds).
        precedence_slack_s: how much earlier than the root alarm a symptom may be stamped
            (clock skew, polling) and still be its effect.
        priors: optional alarm-type causal strengths, cause -> effect in [0, 1] (nested mapping,
            DataFrame, or square array with ``prior_types``), e.g. from a causal learner.
        prior_types: the type names of an array's rows/columns.
        max_hops: plain graphs only: how far (in hops) an alarm's effects may reach.
        p_noise: probability that a unit shows a symptom with no fault (background noise).
        p_root: probability that a fault raises its root alarm.
    """

    def __init__(
        self,
        *,
        max_hypotheses: int = 5,
        window_s: float = 300.0,
        precedence_slack_s: float = 5.0,
        priors: Any = None,
        prior_types: Sequence[str] | None = None,
        max_hops: int = 1,
        p_noise: float = 0.02,
        p_root: float = 0.95,
    ) -> None:
        self.max_hypotheses = max_hypotheses
        self.window_s = window_s
        self.precedence_slack_s = precedence_slack_s
        self.priors = priors
        self.prior_types = prior_types
        self.max_hops = max_hops
        self.p_noise = p_noise
        self.p_root = p_root

    def _check_params(self) -> None:
        checks = [
            (
                "max_hypotheses",
                isinstance(self.max_hypotheses, int) and self.max_hypotheses >= 1,
                "an integer >= 1",
            ),
            ("window_s", _positive(self.window_s), "a finite number > 0"),
            (
                "precedence_slack_s",
                _positive(self.precedence_slack_s, zero=True),
                "a finite number >= 0",
            ),
            ("max_hops", isinstance(self.max_hops, int) and self.max_hops >= 0, "an integer >= 0"),
            ("p_noise", _positive(self.p_noise) and self.p_noise < 1, "in (0, 1)"),
            (
                "p_root",
                _positive(self.p_root) and self.p_noise < self.p_root < 1,
                "in (p_noise, 1)",
            ),
        ]
        for name, ok, expected in checks:
            if not ok:
                raise RCAInputError(f"{name}={getattr(self, name)!r}; expected {expected}")

    def fit(
        self,
        topology: nx.Graph,
        *,
        site_paths: Mapping[str, Sequence[str]] | None = None,
        site_upf: Mapping[str, str] | None = None,
    ) -> RootCauseLocator:
        """Index the topology's dependencies (and validate the hyperparameters and priors).

        Args:
            topology: a twin-schema graph, or any graph of devices (node ids are compared as
                strings with the alarms' nodes).
            site_paths, site_upf: twin graphs only: the current backhaul paths / serving UPFs
                when they differ from the latency-shortest ones (see ``build_index``).

        Returns:
            self.

        Raises:
            RCAInputError: bad hyperparameters, priors, or topology (named).
        """
        self._check_params()
        if not isinstance(topology, nx.Graph) or topology.number_of_nodes() == 0:
            raise RCAInputError("topology must be a non-empty networkx graph")
        self.priors_ = normalize_priors(self.priors, self.prior_types)
        self.twin_ = is_twin_graph(topology)
        if self.twin_:
            self.index_: DependencyIndex | None = build_index(
                topology, site_paths=site_paths, site_upf=site_upf
            )
            self.elements_ = set(self.index_.kind)
            self.graph_ = topology
        else:
            self.index_ = None
            self.graph_ = nx.relabel_nodes(topology, str) if _non_str(topology) else topology
            self.elements_ = {str(n) for n in self.graph_.nodes}
        self._hops: dict[str, dict[str, int]] = {}
        return self

    def locate(self, alarms: Any, anomalies: Any = None) -> list[Hypothesis]:
        """Rank root-cause hypotheses for these alarms (and KPI anomalies).

        Args:
            alarms: ``events.Alarm`` objects, mappings with their fields, or an alarm-log
                ``DataFrame`` (twin or ../shared/data/alarms format). Pass one window's worth.
            anomalies: optional KPI anomalies (``object, time, score`` [, ``kpis``]), used as
                soft symptoms of weight ``score / (1 + score)``.

        Returns:
            Up to ``max_hypotheses`` hypotheses, best first; empty when there is no symptom
            (an empty window is a healthy network, not an error).

        Raises:
            NotFittedError: before ``fit``.
            RCAInputError: unreadable alarms/anomalies, or nodes the topology does not have
                (all named).
        """
        check_is_fitted(
            self, "elements_", msg="RootCauseLocator is not fitted; call fit(topology) first"
        )
        symptoms = to_symptoms(alarms) + anomalies_to_symptoms(anomalies)
        unknown = sorted({s.node for s in symptoms} - self.elements_)
        if unknown:
            shown = ", ".join(repr(n) for n in unknown[:10])
            more = f" and {len(unknown) - 10} more" if len(unknown) > 10 else ""
            raise RCAInputError(
                f"{len(unknown)} alarm/anomaly node(s) are not in the topology: {shown}{more} "
                "(is it the topology of this alarm log?)"
            )
        if self.twin_:
            self._check_types(symptoms)
        if not symptoms:
            return []
        symptoms.sort(key=lambda s: (s.time_s, s.symptom_id))
        candidates, scoring = self._candidates(symptoms)
        return self._rank(candidates, symptoms, scoring)

    # -- internals -----------------------------------------------------------------------------
    def _check_types(self, symptoms: list[Symptom]) -> None:
        known = set(ALARM_TYPES) | {KPI_ANOMALY} | set(self.priors_)
        for row in self.priors_.values():
            known.update(row)
        unknown = sorted({s.alarm_type for s in symptoms} - known)
        if unknown:
            raise RCAInputError(
                f"alarm type(s) {unknown[:10]} are not alarms of the twin (events.ALARM_TYPES) "
                "nor named in the priors; on a twin topology use those names"
            )

    def _candidates(self, symptoms: list[Symptom]) -> tuple[list[Candidate], Scoring]:
        if self.index_ is not None:
            odds = math.log(self.p_root / self.p_noise)
            scoring = Scoring(
                root_hit=odds,
                root_miss=math.log((1 - self.p_root) / (1 - self.p_noise)),
                first_bonus=0.5,
                optional_hit=0.5,
                extra_hit=0.05,
            )
            cands = twin_candidates(
                symptoms,
                self.index_,
                self.priors_,
                window_s=self.window_s,
                slack_s=self.precedence_slack_s,
                p_noise=self.p_noise,
            )
            return cands, scoring
        scoring = Scoring(
            root_hit=1.0, root_miss=0.0, first_bonus=0.25, optional_hit=1.0, extra_hit=0.0
        )
        has_priors = self.priors is not None
        priors = self.priors_

        def strength(a: str, b: str) -> float:
            return priors.get(a, {}).get(b, 0.0) if has_priors else 0.5

        cands = generic_candidates(
            symptoms,
            self._hops_from,
            strength,
            lambda n: str(self.graph_.nodes[n].get("domain", "unknown")),
            window_s=self.window_s,
            slack_s=self.precedence_slack_s,
        )
        return cands, scoring

    def _hops_from(self, node: str) -> Mapping[str, int]:
        if node not in self._hops:
            self._hops[node] = dict(
                nx.single_source_shortest_path_length(self.graph_, node, cutoff=self.max_hops)
            )
        return self._hops[node]

    def _rank(
        self, candidates: list[Candidate], symptoms: list[Symptom], scoring: Scoring
    ) -> list[Hypothesis]:
        explained: set[int] = set()
        remaining = list(candidates)
        out: list[Hypothesis] = []
        while remaining and len(out) < self.max_hypotheses:
            scored = [(gain(c, explained, symptoms, scoring), c) for c in remaining]
            best_gain, best = min(scored, key=lambda gc: _order(gc[0], gc[1]))
            if best_gain <= 0:
                # Nothing adds to the explanation any more: list the alternatives by how much
                # each would explain on its own (the runner-up explanations of the same
                # symptoms), still reporting what each adds (<= 0).
                _, best_gain, best = min(
                    ((gain(c, set(), symptoms, scoring), g, c) for g, c in scored),
                    key=lambda sgc: _order(sgc[0], sgc[2]),
                )
            # Other episodes of the same fault on the same element (a warning, then the
            # outage; a flapping link) belong to this hypothesis, not to the next ones.
            same = [
                c for c in remaining if (c.element, c.fault_type) == (best.element, best.fault_type)
            ]
            remaining = [c for c in remaining if c not in same]
            out.append(
                to_hypothesis(
                    best,
                    best_gain,
                    symptoms,
                    explained,
                    rank=len(out) + 1,
                    index=self.index_,
                    episodes=[c for c in same if c is not best],
                )
            )
            for c in same:
                explained |= c.members()
        logger.debug("ranked %d of %d candidates", len(out), len(candidates))
        return out


def _order(g: float, c: Candidate) -> tuple[float, int, float, str, str]:
    # Highest gain; then one whose root alarm was seen; then the earliest; then by name.
    return (-round(g, 9), -int(bool(c.root)), c.t0, c.element, c.fault_type)


def _positive(value: Any, *, zero: bool = False) -> bool:
    ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    return ok and (value >= 0 if zero else value > 0)


def _non_str(G: nx.Graph) -> bool:
    return any(not isinstance(n, str) for n in G.nodes)
