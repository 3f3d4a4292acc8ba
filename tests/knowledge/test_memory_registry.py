"""Model registry and retraining with real scikit-learn estimators on real (synthetic) data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import sqlalchemy as sa
from sklearn.linear_model import Ridge
from sklearn.metrics import mean_absolute_error
from sqlalchemy import Engine

from autonet.knowledge.io import import_kpis
from autonet.knowledge.memory import (
    AuditEntry,
    CaseStore,
    ModelRegistry,
    NewCase,
    Retrainer,
    SymptomSignature,
    session_scope,
)


def _regime(slope: float, intercept: float, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.0, 10.0, size=(n, 1))
    return x, slope * x[:, 0] + intercept + rng.normal(0.0, 0.1, n)


def test_versions_promote_load_and_roll_back(engine: Engine, tmp_path: Path) -> None:
    registry = ModelRegistry(engine, actor="tester")
    X, y = _regime(2.0, 1.0, 50, seed=1)
    first = Ridge(alpha=1.0).fit(X, y)
    second = Ridge(alpha=100.0).fit(X, y)
    v1 = registry.save("prb", first, metrics={"mae": 0.1})
    v2 = registry.save("prb", second, metrics={"mae": 0.3})
    assert (v1.version, v1.status, v2.version, v2.status) == (1, "candidate", 2, "candidate")
    assert registry.active("prb") is None
    with pytest.raises(LookupError, match="no active version"):
        registry.load("prb")

    registry.promote("prb", 1, reason="baseline")
    registry.promote("prb", 2, reason="newer")
    assert [(v.version, v.status) for v in registry.versions("prb")] == [
        (1, "retired"),
        (2, "active"),
    ]
    np.testing.assert_allclose(registry.load("prb").predict(X), second.predict(X))
    np.testing.assert_allclose(registry.load("prb", 1).predict(X), first.predict(X))

    back = registry.rollback("prb", reason="v2 degraded")
    assert (back.version, back.status) == (1, "active")
    np.testing.assert_allclose(registry.load("prb").predict(X), first.predict(X))
    with pytest.raises(LookupError, match="no earlier active version"):
        registry.rollback("prb")
    assert registry.versions("prb")[0].metrics == {"mae": 0.1}
    assert registry.versions("prb")[0].params["alpha"] == "1.0"

    with session_scope(engine) as session:
        audit = session.execute(
            sa.select(
                AuditEntry.actor, AuditEntry.action, AuditEntry.target, AuditEntry.reason
            ).order_by(AuditEntry.id)
        ).all()
    assert [tuple(a) for a in audit] == [
        ("tester", "model.promote", "prb v1", "baseline"),
        ("tester", "model.promote", "prb v2", "newer"),
        ("tester", "model.rollback", "prb v1", "v2 degraded"),
    ]


def test_artefact_files_are_checked_against_their_hash(engine: Engine, tmp_path: Path) -> None:
    registry = ModelRegistry(engine, artefact_dir=tmp_path / "models")
    X, y = _regime(2.0, 1.0, 20, seed=2)
    registry.save("m", Ridge().fit(X, y), promote=True)
    (path,) = (tmp_path / "models").iterdir()
    assert registry.load("m").predict(X).shape == (20,)
    path.write_bytes(path.read_bytes() + b"tampered")
    with pytest.raises(ValueError, match="SHA-256"):
        registry.load("m")


def test_registry_refuses_bad_input(engine: Engine) -> None:
    registry = ModelRegistry(engine)
    with pytest.raises(ValueError, match="metric 'mae' must be finite"):
        registry.save("m", Ridge(), metrics={"mae": float("nan")})
    with pytest.raises(ValueError, match="model name"):
        registry.save("", Ridge())
    with pytest.raises(LookupError, match="has no version 7"):
        registry.promote("m", 7)
    assert registry.versions("m") == []


def _retrainer(engine: Engine, **kwargs: object) -> Retrainer:
    return Retrainer(ModelRegistry(engine), "kpi", lambda: Ridge(alpha=1.0), **kwargs)  # type: ignore[arg-type]


def test_refit_on_shifted_data_is_better_and_promoted(engine: Engine) -> None:
    X_old, y_old = _regime(2.0, 1.0, 200, seed=3)
    X_new, y_new = _regime(-1.0, 20.0, 200, seed=4)  # the relation changed
    X_hold, y_hold = _regime(-1.0, 20.0, 100, seed=5)
    retrainer = _retrainer(engine)
    first = retrainer.retrain(X_old, y_old, X_hold, y_hold)
    assert (first.promoted, first.new_version, first.previous_version) == (True, 1, None)

    result = retrainer.retrain(X_new, y_new, X_hold, y_hold)
    # The same fits done here, independently of the code under test.
    old_mae = mean_absolute_error(y_hold, Ridge(alpha=1.0).fit(X_old, y_old).predict(X_hold))
    new_mae = mean_absolute_error(y_hold, Ridge(alpha=1.0).fit(X_new, y_new).predict(X_hold))
    assert new_mae < 0.2 < 5.0 < old_mae  # by construction: noise 0.1 vs a changed relation
    assert result.promoted
    assert result.new_score == pytest.approx(new_mae)
    assert result.previous_score == pytest.approx(old_mae)
    versions = retrainer.registry.versions("kpi")
    assert [(v.version, v.status) for v in versions] == [(1, "retired"), (2, "active")]
    assert versions[1].metrics["holdout_mae"] == pytest.approx(new_mae)
    assert versions[1].metrics["previous_holdout_mae"] == pytest.approx(old_mae)


def test_worse_refit_is_kept_but_not_promoted(engine: Engine) -> None:
    X, y = _regime(2.0, 1.0, 200, seed=6)
    X_hold, y_hold = _regime(2.0, 1.0, 100, seed=7)
    retrainer = _retrainer(engine)
    retrainer.retrain(X, y, X_hold, y_hold)
    # Fresh data whose labels lost their relation to X (a broken feed): the refit is worse.
    X_bad, y_bad = _regime(2.0, 1.0, 200, seed=8)
    y_bad = np.random.default_rng(9).permutation(y_bad)
    result = retrainer.retrain(X_bad, y_bad, X_hold, y_hold)
    old_mae = mean_absolute_error(y_hold, Ridge(alpha=1.0).fit(X, y).predict(X_hold))
    bad_mae = mean_absolute_error(y_hold, Ridge(alpha=1.0).fit(X_bad, y_bad).predict(X_hold))
    assert old_mae < 0.2 < 2.0 < bad_mae
    assert not result.promoted
    assert (result.new_score, result.previous_score) == (
        pytest.approx(bad_mae),
        pytest.approx(old_mae),
    )
    assert [(v.version, v.status) for v in retrainer.registry.versions("kpi")] == [
        (1, "active"),
        (2, "candidate"),
    ]


def test_retraining_is_due_only_after_enough_new_verified_cases(engine: Engine) -> None:
    retrainer = _retrainer(engine, min_new_cases=2, min_new_samples=1_000)
    X, y = _regime(2.0, 1.0, 50, seed=10)
    calls: list[int] = []

    def data() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        calls.append(1)
        return X[:40], y[:40], X[40:], y[40:]

    assert retrainer.due()  # no model yet
    assert retrainer.maybe_retrain(data) is not None
    assert not retrainer.due()
    assert retrainer.maybe_retrain(data) is None
    store = CaseStore(engine)
    store.add(NewCase(SymptomSignature(alarm_types={"LINK_DOWN"}), verdict="verified"))
    store.add(NewCase(SymptomSignature(alarm_types={"LINK_DOWN"}), verdict="pending"))
    pending = retrainer.pending()
    assert (pending.verified_cases, pending.kpi_samples) == (1, 0)
    assert not retrainer.due()
    store.add(NewCase(SymptomSignature(alarm_types={"LINK_DOWN"}), verdict="verified"))
    assert retrainer.due()
    assert retrainer.maybe_retrain(data) is not None
    assert len(calls) == 2


def test_retrainer_refuses_bad_data(engine: Engine) -> None:
    retrainer = _retrainer(engine)
    X, y = _regime(2.0, 1.0, 10, seed=11)
    with pytest.raises(ValueError, match="holdout data needs as many rows"):
        retrainer.retrain(X, y, X[:0], y[:0])
    with pytest.raises(ValueError, match="train data needs as many rows"):
        retrainer.retrain(X, y[:5], X, y)
    with pytest.raises(ValueError, match="min_improvement"):
        _retrainer(engine, min_improvement=1.5)
    assert retrainer.registry.versions("kpi") == []


def test_retraining_is_due_after_enough_imported_kpi_samples(
    engine: Engine, tmp_path: Path
) -> None:
    retrainer = _retrainer(engine, min_new_cases=100, min_new_samples=3)
    X, y = _regime(2.0, 1.0, 20, seed=12)
    retrainer.retrain(X[:15], y[:15], X[15:], y[15:])
    path = tmp_path / "k.csv"
    path.write_text("time,object,counter,value\n0,C1,x,1\n60,C1,x,2\n")
    import_kpis(engine, path)
    assert retrainer.pending().kpi_samples == 2
    assert not retrainer.due()
    path.write_text("time,object,counter,value\n120,C1,x,3\n")
    import_kpis(engine, path)
    assert retrainer.pending().kpi_samples == 3
    assert retrainer.due()
