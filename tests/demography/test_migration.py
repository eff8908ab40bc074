"""Migration: decade accounting matrix, Rogers-Castro fit, county residuals."""
from __future__ import annotations

import numpy as np
import pytest

from oloy_model.demography import local_estimates as estimates, migration


def test_decade_matrix_counts_each_cohort_ten_flows():
    matrix = migration.decade_matrix()
    single = np.zeros((101, 101))
    ages = np.arange(101)
    # Cohort aged a at the end met flows at ages max(0, a-9)..a: 10 flows from age 9 on.
    per_age = migration.decade_matrix(starts=ages)
    assert np.all(per_age.sum(axis=1)[9:100] == 10)
    assert per_age.sum(axis=1)[3] == 4
    assert matrix.shape == (18, 101)
    np.testing.assert_allclose(matrix.sum(axis=0)[:90], 10.0)  # every flow age lands in ten cohorts
    del single


def test_fit_recovers_a_known_schedule():
    """Residuals generated from a Rogers-Castro schedule are reproduced (>= 99% explained)."""
    ages = np.arange(101)
    truth = migration.rogers_castro(ages, a1=-0.01, alpha1=0.1, a2=-0.04, alpha2=0.12, mu2=20, lambda2=0.4, c=-0.001)
    exposure = 5000 * np.exp(-ages / 50.0)
    residual = migration.decade_matrix() @ (truth * exposure)
    weights = 1 / np.sqrt(migration.group_sum(exposure * 10))
    rates, fit = migration.fit_schedule(residual, exposure, weights)
    assert fit["explained"] > 0.99
    np.testing.assert_allclose(rates[:80], truth[:80], atol=0.004)


def test_county_residuals_add_up_and_match_census_accounting():
    result = estimates.migration_estimates()
    summary = result["summary"]
    assert summary["census_2010"] == 3_456_323 and summary["census_2020"] == 3_337_559
    assert summary["published_change"] == -118_764
    residual = result["residual"]
    assert residual["residual"].sum() == pytest.approx(summary["net_migration_residual"])
    # The residual is census minus expected, cell by cell.
    np.testing.assert_allclose(residual["census_2020"] - residual["expected_2020"], residual["residual"])
    # Dali City gained, every other county lost (data brief section 2).
    by_county = residual.groupby("region")["residual"].sum()
    assert by_county["532901"] > 0 and (by_county.drop("532901") < 0).all()
    # The fitted schedules explain most of each county's residual.
    assert (result["fits"]["explained"] > 0.85).all()
