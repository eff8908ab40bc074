"""Fertility: age schedule, policy effect, and reverse survival recovering a known TFR."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import oloy_model as om
from oloy_model import ccmpp
from oloy_model.demography import fertility, mortality
from oloy_model.base import resources


def test_schedule_is_a_distribution_over_15_49():
    share = fertility.age_schedule(2020)
    assert share.sum() == pytest.approx(1.0)
    assert np.all(share[:15] == 0) and np.all(share[50:] == 0) and np.all(share >= 0)


def test_schedule_mean_age_matches_wpp_groups():
    """Mean age at childbearing of the single-year schedule within 0.15 years of the WPP 2024
    China 5-year distribution (midpoints a+2.5) for the same year."""
    table = resources.read_bundled("wpp2024/asfr_percent5.csv")
    for year in (2010, 2020):
        rows = table[(table.year == year) & table.age_start.between(15, 45)]
        wpp_mean = np.average(rows.age_start + 2.5, weights=rows.percent)
        mine = np.sum((np.arange(101) + 0.5) * fertility.age_schedule(year))
        assert mine == pytest.approx(wpp_mean, abs=0.15)


def test_policy_effect_timing():
    years = np.arange(2018, 2040)
    effect = fertility.policy_effect(years, onset=2021.5, peak=0.2, ramp_years=2, plateau_years=3,
                                     decay_years=5, floor=0.05)
    by_year = dict(zip(years, effect))
    assert by_year[2020] == 0 and by_year[2021] == 0  # mid-2021 onset: nothing in 2021's births
    assert by_year[2022] == pytest.approx(0.1)  # half way up the ramp
    assert by_year[2024] == pytest.approx(0.2) and by_year[2026] == pytest.approx(0.2)
    assert by_year[2031] == pytest.approx(0.05) and by_year[2039] == pytest.approx(0.05)
    assert np.all(np.diff(effect[(years >= 2026) & (years <= 2031)]) <= 0)


def test_wpp_tfr_variants():
    years = np.array([2020, 2023, 2050])
    medium, low, high = (fertility.wpp_tfr(years, v) for v in ("medium", "low", "high"))
    np.testing.assert_allclose(medium[:2], low[:2])  # estimates before 2024
    assert low[2] == pytest.approx(medium[2] - 0.5, abs=1e-3) and high[2] == pytest.approx(medium[2] + 0.5, abs=1e-3)


def test_reverse_survival_recovers_a_known_tfr():
    """Project a synthetic population five years with TFR 1.6, no migration; reverse survival
    applied to the result recovers 1.6 in each of the five years (tolerance 2%, the error of
    reverse-surviving women with single-year survivorship)."""
    mx = mortality.standard_mx([2020])[0]
    schedule = fertility.age_schedule(2020)
    ages = np.arange(101)
    base = np.stack([20000 * np.exp(-ages / 60.0)] * 2)
    survival = ccmpp.survival_from_mx(mx)
    population = base
    for _ in range(6):
        population = ccmpp.step(population, survival, fertility.asfr(1.6, schedule), 1.05,
                                np.zeros_like(population))["population"]
    frame = pd.DataFrame({"region": "X", "sex": np.repeat(["female", "male"], 101),
                          "age": np.tile(ages, 2), "population": population.reshape(-1)})
    result = fertility.reverse_survival_tfr(frame, mx, schedule)
    np.testing.assert_allclose(result["tfr"], 1.6, rtol=0.02)


def test_variants_phase_in_smoothly_and_keep_the_un_steps_as_an_option():
    years = np.arange(2023, 2040)
    medium = fertility.wpp_tfr(years, "medium")
    for variant, sign in (("low", -1), ("high", 1)):
        smooth = fertility.wpp_tfr(years, variant)
        steps = fertility.wpp_tfr(years, variant, "un_steps")
        # UN WPP 2024 variants: medium -/+ 0.25 (2024-2028), 0.4 (2029-2033), 0.5 from 2034.
        np.testing.assert_allclose((steps - medium)[years == 2024], sign * 0.25, atol=1e-9)
        np.testing.assert_allclose((steps - medium)[years == 2030], sign * 0.4, atol=1e-9)
        np.testing.assert_allclose((steps - medium)[years >= 2034], sign * 0.5, atol=1e-9)
        # Smooth: same in 2023 (estimate) and from 2034 on; a constant relative change between.
        np.testing.assert_allclose(smooth[years == 2023], medium[years == 2023], rtol=1e-12)
        np.testing.assert_allclose(smooth[years >= 2034], steps[years >= 2034], rtol=1e-12)
        log_ratio = np.diff(np.log(smooth / medium)[(years >= 2023) & (years <= 2034)])
        np.testing.assert_allclose(log_ratio, log_ratio[0], rtol=1e-9)
    with pytest.raises(om.OloyInputError, match="phasing 'stepwise' not known"):
        fertility.wpp_tfr(years, "low", "stepwise")


def test_no_bundled_scenario_makes_births_jump_after_the_wpp_estimates():
    """Planners read jumps in births as errors: after 2023 (the last WPP estimate) no bundled
    scenario changes prefecture births by more than 8% from one year to the next, except in
    the year after a documented policy onset (a [[fertility.effects]] entry or tfr_offset)."""
    import warnings

    for name in om.list_scenarios():
        scenario = om.load_scenario(name)
        onsets = {int(np.floor(effect["onset"] + 0.5)) for effect in scenario["fertility.effects"]}
        if scenario["fertility.tfr_offset"]:
            onsets.add(scenario["fertility.offset_start"])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", om.DemographicWarning)
            births = om.project(scenario).births.groupby("year")["births"].sum()
        change = (births / births.shift(1) - 1).loc[2024:]
        jumps = change[change.abs() > 0.08]
        assert all(year in onsets or year - 1 in onsets for year in jumps.index), (name, jumps.round(3).to_dict())
