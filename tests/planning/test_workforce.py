"""Staff and home care (oloy_model.planning.workforce) against hand-computed values on a two-county example."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import oloy_model as om
from oloy_model.planning import workforce as wf


def test_array_functions_by_hand():
    # county A: 300 residents, 55% nursing-type; county B: 120 residents
    assert wf.care_staff(np.array([300.0, 120.0]), 0.55, 3.0, 6.0) == pytest.approx([300 * .55 / 3 + 300 * .45 / 6,
                                                                                    120 * .55 / 3 + 120 * .45 / 6])
    assert wf.care_staff(np.array([300.0]), 0.55, 3.0, 6.0)[0] == pytest.approx(55.0 + 22.5)
    # nursery classes 1:3, 1:5, 1:7 (NHC 2019): A enrols 6, 20, 70 children at ages 0, 1, 2
    assert wf.childcare_staff(np.array([[6.0, 20.0, 70.0], [0.0, 5.0, 14.0]]), np.array([3.0, 5.0, 7.0])) == \
        pytest.approx([2 + 4 + 10, 1 + 2])
    assert wf.social_workers(np.array([50_000.0, 12_500.0]), 8.0) == pytest.approx([400.0, 100.0])
    residents, home = wf.home_care_need(np.array([1000.0, 400.0]), 0.0073 / 0.0234)
    assert residents == pytest.approx([1000 * 0.0073 / 0.0234, 400 * 0.0073 / 0.0234])
    assert home == pytest.approx([1000 - residents[0], 400 - residents[1]])


class _Two:
    """A two-county stand-in for a Result: only the attributes the tidy wrappers read."""

    def __init__(self, scenario, population, ledger):
        self.scenario = scenario
        self.projection = type("P", (), {"population": population})()
        self.ledger = ledger


def test_tidy_wrappers_on_two_counties():
    scenario = om.load_scenario("next_plan")
    ages = np.arange(101)
    rows = []
    for region, scale in (("532901", 1.0), ("532922", 0.5)):
        for sex in ("female", "male"):
            rows.append(pd.DataFrame({"scenario": "next_plan", "region": region, "year": 2030, "sex": sex, "age": ages,
                                      "population": 100.0 * scale}))
    population = pd.concat(rows, ignore_index=True)
    ledger = pd.DataFrame({"id": ["c1"], "region": ["532901"], "service": ["elderly_beds"], "type": ["community"],
                           "year": [2023], "places": [40.0], "cost_10k_yuan": [np.nan], "status": ["planned"],
                           "source": ["test"], "quality": ["test"]})
    fake = _Two(scenario, population, ledger)
    from oloy_model.demography.assumptions import resolve
    from oloy_model.planning.result import uptake_parameters

    up = uptake_parameters(resolve(scenario).demand)
    need_a = 200.0 * up["care_need"].sum()  # 100 women + 100 men at every age
    residents_a = need_a * up["institutional_takeup"]
    enrolled_a = 200.0 * up["enrolment"]
    table = wf.workforce_table(fake).set_index("region")
    assert table.loc["532901", "residents"] == pytest.approx(residents_a)
    assert table.loc["532901", "care_staff"] == pytest.approx(residents_a * 0.55 / 3 + residents_a * 0.45 / 6)
    assert table.loc["532901", "social_workers"] == pytest.approx(200 * 41 * 8 / 1000)
    assert table.loc["532901", "childcare_staff"] == pytest.approx(np.sum(enrolled_a / [3, 5, 7]))
    assert table.loc["532922", "care_staff"] == pytest.approx(table.loc["532901", "care_staff"] / 2)
    assert table.loc["532900", "care_staff"] == pytest.approx(1.5 * table.loc["532901", "care_staff"])
    home = wf.home_care_table(fake).set_index("region")
    assert home.loc["532901", "at_home"] == pytest.approx(need_a - residents_a)
    assert home.loc["532901", "community_beds"] == 40 and home.loc["532922", "community_beds"] == 0
    assert home.loc["532900", "integrated_centres_target"] == 2 and home.loc["532901", "coverage_target_percent"] == 90
