"""Demand: a hand-computed example, calibration to the published rates."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import oloy_model as om
from oloy_model.planning import demand
from oloy_model.demography.assumptions import resolve
from oloy_model.planning.result import uptake_parameters


def tiny_population() -> pd.DataFrame:
    """Two counties, three ages (0, 2 and 70), one sex, one year."""
    return pd.DataFrame({
        "scenario": "t", "region": ["A", "A", "A", "B", "B", "B"], "year": 2025, "sex": "female",
        "age": [0, 2, 70] * 2, "population": [100.0, 300.0, 2000.0, 50.0, 50.0, 400.0],
    })


def test_norm_demand_by_hand():
    paths = {"elderly_beds_per_1000_60plus": {2020: 20.0, 2025: 25.0},
             "nursing_share": {2025: 0.5}, "childcare_places_per_1000": {2025: 4.5}}
    table = demand.norm_demand(tiny_population(), paths).set_index(["region", "service"])["demand"]
    assert table[("A", "elderly_beds")] == pytest.approx(2000 * 25 / 1000)  # 50 beds
    assert table[("B", "elderly_beds")] == pytest.approx(400 * 25 / 1000)  # 10 beds
    assert table[("A", "nursing_beds")] == pytest.approx(25.0)
    assert table[("A", "childcare_places")] == pytest.approx(2400 * 4.5 / 1000)  # 10.8 places
    assert table[("B", "childcare_places")] == pytest.approx(500 * 4.5 / 1000)  # 2.25 places


def test_uptake_demand_by_hand():
    need = np.zeros(101)
    need[70] = 0.1
    table = demand.uptake_demand(tiny_population(), care_need=need, institutional_takeup=0.5,
                                 nursing_share_of_residents=0.6, elderly_occupancy=0.8,
                                 enrolment=np.array([0.02, 0.1, 0.2]), childcare_occupancy=0.5)
    table = table.set_index(["region", "service"])["demand"]
    # A: 2000 x 0.1 in need x 0.5 in institutions = 100 residents / 0.8 = 125 beds; 60% of them nursing.
    assert table[("A", "elderly_beds")] == pytest.approx(125.0)
    assert table[("A", "nursing_beds")] == pytest.approx(75.0)
    # A: (100 x 0.02 + 300 x 0.2) children / 0.5 = 124 places; B: (50 x 0.02 + 50 x 0.2) / 0.5 = 22.
    assert table[("A", "childcare_places")] == pytest.approx(124.0)
    assert table[("B", "childcare_places")] == pytest.approx(22.0)


def test_ratio_path_interpolates_and_holds():
    np.testing.assert_allclose(demand.ratio_path(np.array([2019, 2020, 2023, 2025, 2040]), {2020: 20, 2025: 25}),
                               [20, 20, 23, 25, 25])


def test_uptake_parameters_reproduce_published_rates_on_2020():
    """Calibration on the 2020 census base: 2.34% of 60+ unable to care for themselves
    (2020 census long form, Guo et al. 2022), 0.73% of 60+ in institutions, and 7.86% of
    children 0-2 enrolled (NHC 2025). Tolerance 1e-9 (exact by construction)."""
    scenario = om.load_scenario("baseline")
    params = uptake_parameters(resolve(scenario).demand)
    pop = om.base_population().groupby("age")["population"].sum().to_numpy()
    old = pop[60:].sum()
    need_share = np.sum(pop * params["care_need"]) / old
    assert need_share == pytest.approx(0.0234, abs=1e-9)
    assert need_share * params["institutional_takeup"] == pytest.approx(0.0073, abs=1e-9)
    assert np.sum(pop[:3] * params["enrolment"]) / pop[:3].sum() == pytest.approx(0.0786, abs=1e-9)
    assert np.all(np.diff(params["care_need"][60:]) >= 0) and params["care_need"][59] == 0


def test_schema_defaults_match_the_parameter_file():
    """The demand defaults in the scenario schema are the values of data/plan/demand_parameters.csv."""
    from oloy_model.base.resources import read_bundled
    from oloy_model.base.schema import SCHEMA

    table = read_bundled("plan/demand_parameters.csv").set_index("parameter")["value"]
    pairs = {"care_need_share_60plus": "demand.care_need_share_60plus",
             "care_need_age_slope": "demand.care_need_age_slope", "care_need_cap": "demand.care_need_cap",
             "institutional_share_60plus": "demand.institutional_share_60plus",
             "target_occupancy_elderly": "demand.elderly_occupancy",
             "nursing_need_share_of_residents": "demand.nursing_share_of_residents",
             "childcare_enrolment_2025": "demand.childcare_enrolment",
             "target_occupancy_childcare": "demand.childcare_occupancy"}
    for parameter, key in pairs.items():
        assert SCHEMA[key].default == pytest.approx(table[parameter]), parameter
    from oloy_model.planning.result import ENROLMENT_SHAPE

    np.testing.assert_allclose(ENROLMENT_SHAPE, table[[f"childcare_age_shape_{a}" for a in range(3)]].to_numpy())


def test_array_formulas_by_hand():
    """The one place of the demand formulas (tidy path and draws): 2,000 aged 60+ x 30 per 1,000 =
    60 beds, half nursing = 30; 10,000 residents x 4 per 1,000 = 40 places; 100 residents /
    0.8 occupancy = 125 beds, x 0.4 = 50 nursing; 45 enrolled / 0.9 = 50 places."""
    norm = demand.norm_from_totals(np.array([2000.0]), np.array([10000.0]), np.array([30.0]), np.array([0.5]), np.array([4.0]))
    np.testing.assert_allclose(np.concatenate(norm), [60.0, 30.0, 40.0])
    uptake = demand.uptake_from_totals(np.array([100.0]), np.array([45.0]), nursing_share_of_residents=0.4,
                                elderly_occupancy=0.8, childcare_occupancy=0.9)
    np.testing.assert_allclose(np.concatenate(uptake), [125.0, 50.0, 50.0])
