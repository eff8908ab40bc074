"""The vectorised Rogers-Castro fit against the per-schedule fit (issue 17, item 4).

Tolerance (docs/areas.md, "Scale"): where both fits reach the same minimum (Rogers-Castro
cost within 1e-6 relative), the final annual rates agree within 1e-4 per person-year; the
vectorised fit never ends at a cost more than 1e-6 above the per-schedule fit's on these
schedules. On Yunnan's 258 schedules (docs/areas.md): 170 at the same minimum (rates within
1.9e-4), 79 lower, 9 higher (different local minima).
"""
import numpy as np
import pytest

from oloy_model.demography import migration, migration_batch


def _schedules():
    """Decade residuals of known Rogers-Castro schedules on a realistic exposure, with noise."""
    rng = np.random.default_rng(17)
    ages = np.arange(101)
    exposure = 8000.0 * np.exp(-ages / 45.0)
    design = migration.decade_matrix() * exposure[None, :]
    truths = [(0.004, 0.1, 0.03, 0.12, 21.0, 0.4, -0.001), (-0.002, 0.2, -0.02, 0.08, 19.0, 0.6, 0.0005),
              (0.001, 0.05, 0.015, 0.15, 25.0, 0.3, -0.002), (0.0, 0.1, -0.01, 0.1, 23.0, 0.5, 0.0)]
    residual = np.stack([design @ migration.rogers_castro(ages, *p) for p in truths])
    residual += rng.normal(0.0, 30.0, residual.shape)
    weights = 1.0 / np.sqrt(np.maximum(design.sum(axis=1) * 10.0, 1.0))
    return residual, np.tile(exposure, (len(truths), 1)), np.tile(weights, (len(truths), 1))


def _prior_cost(rates, residual, exposure, weights):
    fitted = np.einsum("ga,ba->bg", migration.decade_matrix(), rates * exposure)
    return 0.5 * np.sum(((fitted - residual) * weights) ** 2, axis=1)


def test_batched_fit_agrees_with_per_schedule_fit():
    residual, exposure, weights = _schedules()
    rates, fit = migration_batch.fit_schedules(residual, exposure, weights)
    singles = [migration.fit_schedule(residual[k], exposure[k], weights[k]) for k in range(len(residual))]
    prior_single = np.stack([s[1]["prior_rates"] for s in singles])
    cost_batch = _prior_cost(fit["prior_rates"], residual, exposure, weights)
    cost_single = _prior_cost(prior_single, residual, exposure, weights)
    assert np.all(cost_batch <= cost_single * (1 + 1e-6))
    same = np.abs(cost_batch / cost_single - 1) <= 1e-6
    assert same.any()
    single_rates = np.stack([s[0] for s in singles])
    assert np.max(np.abs(rates - single_rates)[same]) < 1e-4
    assert np.allclose(fit["explained"][same], [s[1]["explained"] for s in np.array(singles, dtype=object)[same]],
                       atol=1e-6)


def test_batched_fit_respects_bounds_and_returns_every_schedule():
    residual, exposure, weights = _schedules()
    rates, fit = migration_batch.fit_schedules(residual, exposure, weights)
    lower, upper = migration._SHAPE_BOUNDS
    for k, name in enumerate(("alpha1", "alpha2", "mu2", "lambda2")):
        assert np.all((fit[name] >= lower[k]) & (fit[name] <= upper[k])), name
    assert rates.shape == exposure.shape and np.all(np.isfinite(rates))


@pytest.mark.parametrize("size", [1, 5])
def test_cholesky_solve_matches_numpy(size):
    rng = np.random.default_rng(size)
    factor = rng.normal(size=(size, 30, 8))
    lhs = factor @ factor.transpose(0, 2, 1) + np.eye(30)
    rhs = rng.normal(size=(size, 30))
    expected = np.linalg.solve(lhs, rhs[..., None])[..., 0]
    assert np.allclose(migration_batch._cholesky_solve(lhs, rhs), expected, rtol=1e-10, atol=1e-12)


def test_implausible_batched_fit_falls_back_to_the_per_schedule_fit(monkeypatch):
    """Rates beyond RATE_LIMIT are replaced by the per-schedule fit (module docstring rule)."""
    residual, exposure, weights = _schedules()
    monkeypatch.setattr(migration_batch, "RATE_LIMIT", 0.0)  # every schedule counts as implausible
    rates, fit = migration_batch.fit_schedules(residual, exposure, weights)
    for k in range(len(residual)):
        single, params = migration.fit_schedule(residual[k], exposure[k], weights[k])
        assert np.array_equal(rates[k], single)
        assert fit["a1"][k] == params["rogers_castro"]["a1"]
        assert np.isclose(fit["explained"][k], params["explained"], rtol=1e-12)
