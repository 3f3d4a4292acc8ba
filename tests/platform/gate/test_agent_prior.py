"""The agent prior restricted to candidates equals the full prior's entries for them."""

from __future__ import annotations

import pytest

from autonet.platform.gate.embedded import load_model


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("find the root cause at S0012", ["rca_locator", "ticketing"]),
        ("open a ticket for S0007", ["ticketing", "field_dispatch", "not_an_agent"]),
    ],
)
def test_restricted_prior_is_the_full_prior_subset(text: str, names: list[str]) -> None:
    model = load_model()
    vec = model.text_vector(None, text)
    full = model.agent_prior(vec)
    part = model.agent_prior(vec, names)
    assert set(part) == {n for n in names if n in full}
    for name, value in part.items():
        assert value == full[name]
    # a probability over the known agents
    assert sum(full.values()) == pytest.approx(1.0)
