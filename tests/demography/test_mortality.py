"""Mortality: graduation of the WPP standard, Brass logit calibration, e0 paths."""
from __future__ import annotations

import numpy as np
import pytest

from oloy_model.demography import local_estimates as estimates, lifetable, mortality
from oloy_model.base import resources

SEXES = np.array(["female", "male"])


@pytest.mark.parametrize("sex", ["female", "male"])
def test_single_year_standard_keeps_e0_of_the_abridged_table(sex):
    """Graduating WPP 2020-2025 nmx to single years moves e0 by under 0.2 years."""
    table = resources.read_bundled("wpp2024/mx5.csv")
    mx5 = table[(table.period_start == 2020) & (table.sex == sex)].sort_values("age_start")["mx"].to_numpy()
    single = mortality.single_year_from_abridged(mx5, sex)
    assert single.shape == (101,) and np.all(single > 0)
    assert np.all(np.diff(single[40:]) > 0)  # rising with age in adulthood
    abridged = lifetable.e0(mx5, sex, widths=lifetable.abridged_widths())
    assert lifetable.e0(single, sex) == pytest.approx(abridged, abs=0.2)


def test_brass_alpha_zero_returns_the_standard():
    standard = mortality.standard_mx([2020])[0, 1]
    same = mortality.relational_mx(standard, "male", 0.0)
    np.testing.assert_allclose(same[1:100], standard[1:100], rtol=1e-6)


@pytest.mark.parametrize("target", [70.0, 76.56, 85.0])
def test_calibration_hits_the_target_e0(target):
    standard = mortality.standard_mx([2020])[0, 0]
    alpha = mortality.calibrate_alpha(standard, "female", target)
    assert lifetable.e0(mortality.relational_mx(standard, "female", alpha), "female") == pytest.approx(target, abs=1e-6)


def test_dali_2020_both_sex_e0_is_the_plan_figure():
    """Dali plan 2022: e0 = 76.56 in 2020. The birth-weighted both-sex e0 of the model's
    2020 tables reproduces it (tolerance 1e-6 years) with the WPP China sex gap (5.75)."""
    mx = estimates.mortality_rates(np.array([2020]))[0]
    e0 = lifetable.e0(mx, SEXES)
    srb = estimates.census_srb()
    assert (e0[0] + srb * e0[1]) / (1 + srb) == pytest.approx(76.56, abs=1e-6)
    assert e0[0] - e0[1] == pytest.approx(5.7542, abs=1e-6)
    assert srb == pytest.approx(93_602 / 88_712, rel=1e-12)  # 2020 census, prefecture, ages 0-4


def test_e0_path_follows_wpp_gains():
    years = np.array([2020, 2030, 2050])
    path = mortality.e0_path(years, 2020, (80.0, 74.0))
    wpp = mortality.wpp_e0()
    np.testing.assert_allclose(path[1] - path[0], wpp.loc[2030].to_numpy() - wpp.loc[2020].to_numpy())
    constant = mortality.e0_path(years, 2020, (80.0, 74.0), trend="constant", annual_gain=0.1)
    np.testing.assert_allclose(constant[2], [83.0, 77.0])


def test_smr_of_the_standard_population_is_one():
    pop = __import__("oloy_model").base_population(2010)
    mx = mortality.standard_mx([2010])[0]
    sex = pop["sex"].map({"female": 0, "male": 1}).to_numpy()
    expected = pop.assign(d=pop["population"] * mx[sex, pop["age"].to_numpy()]).groupby("region")["d"].sum()
    table = mortality.county_smr(pop, expected, mx)
    np.testing.assert_allclose(table["smr"], 1.0)
