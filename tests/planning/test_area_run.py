"""om.run outside the bundled area (issue 17 item 3): national norms, gaps only with a user ledger."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import oloy_model as om
from oloy_model.base.errors import DemographicWarning
from oloy_model.base.resources import read_bundled
from oloy_model.demography.population import base_population, region_codes
from oloy_model.planning.result import uptake_parameters
from oloy_model.demography.assumptions import resolve

AREA = "533100"  # 德宏州, 5 county-level units


def _scenario(**values):
    return om.load_scenario("baseline").with_values({"projection.area": AREA, "projection.horizon": 2035} | values)


@pytest.fixture(scope="module")
def no_ledger():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = om.run(_scenario())
    return result, [str(w.message) for w in caught if issubclass(w.category, DemographicWarning)]


@pytest.fixture(scope="module")
def ledger_file(tmp_path_factory):
    codes = region_codes(AREA)
    rows = [(f"e{i}", code, "elderly_beds", "public", 2020, 100.0 * (i + 1), "existing") for i, code in enumerate(codes)]
    rows += [(f"n{i}", code, "nursing_beds", "public", 2020, 40.0, "existing") for i, code in enumerate(codes)]
    rows += [(f"c{i}", code, "childcare_places", "public", 2020, 50.0, "existing") for i, code in enumerate(codes)]
    rows += [("c-new", codes[0], "childcare_places", "private", 2024, 200.0, "planned")]
    path = tmp_path_factory.mktemp("ledger") / "dehong_ledger.csv"
    pd.DataFrame(rows, columns=["id", "region", "service", "type", "year", "places", "status"]).to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def with_ledger(ledger_file):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DemographicWarning)
        return om.run(_scenario(**{"capacity.ledger_file": str(ledger_file)}))


def test_without_ledger_gaps_are_absent_not_zero(no_ledger):
    result, messages = no_ledger
    for table in (result.ledger, result.capacity, result.gaps, result.shortfalls, result.indicators):
        assert table.empty
    assert "cost_to_close_10k_yuan" in result.gaps.columns and "first_shortfall_year" in result.shortfalls.columns
    assert any("No capacity ledger for area 533100" in m for m in messages)
    assert result.notes[0].startswith("No capacity ledger for area 533100")
    assert not result.demand.empty  # demand exists; only capacity is unknown


def test_norm_demand_on_national_norms(no_ledger):
    result, _ = no_ledger
    norms = read_bundled("plan/national_norms.csv").set_index("key")["value"]
    norm = result.demand[result.demand["basis"] == "norm"]
    # no national rate of beds per 1,000 aged 60+: no norm demand for beds (never invented)
    assert pd.isna(norms["demand.elderly_beds_per_1000_2025"])
    assert set(norm["service"]) == {"childcare_places"}
    population = result.projection.population
    total = population[population["year"] == 2030].groupby("region")["population"].sum()
    got = norm[norm["year"] == 2030].set_index("region")["demand"]
    np.testing.assert_allclose(got.loc[total.index], total * norms["demand.childcare_per_1000_2025"] / 1000, rtol=1e-12)
    assert any("national_norms.csv" in note for note in result.notes)


def test_stated_norm_is_used_outside_dali():
    a = resolve(_scenario(**{"demand.elderly_beds_per_1000_2025": 30.0}))
    assert a.demand.norm_paths["elderly_beds_per_1000_60plus"] == {2025: 30.0}
    assert resolve(om.load_scenario("baseline")).demand.norm_paths["elderly_beds_per_1000_60plus"] == {
        2020: 20.0, 2025: 25.0, 2035: 25.0}


def test_uptake_calibrated_on_the_area():
    d = resolve(_scenario()).demand
    here, dali = uptake_parameters(d, AREA), uptake_parameters(d)
    pop = base_population(area=AREA).groupby("age")["population"].sum().to_numpy()
    assert np.sum(pop * here["care_need"]) / pop[60:].sum() == pytest.approx(d.care_need_share_60plus, rel=1e-9)
    assert not np.allclose(here["care_need"], dali["care_need"])


def test_with_a_user_ledger_gaps_exist(with_ledger):
    result = with_ledger
    assert not result.gaps.empty and not result.indicators.empty
    assert AREA in set(result.gaps["region"]) and set(region_codes(AREA)) <= set(result.gaps["region"])
    cell = result.gaps[(result.gaps["region"] == AREA) & (result.gaps["year"] == 2025)
                       & (result.gaps["service"] == "childcare_places") & (result.gaps["basis"] == "norm")]
    assert cell["capacity"].iloc[0] == 5 * 50 + 200
    assert cell["cost_to_close_10k_yuan"].isna().all()  # no unit cost outside Dali


def test_indicators_use_national_targets(with_ledger):
    norms = read_bundled("plan/national_norms.csv").set_index("key")["value"]
    targets = with_ledger.indicators.groupby("indicator")["target"].first()
    assert targets["nursing_share_of_elderly_beds"] == pytest.approx(100 * norms["demand.nursing_share_2025"])
    assert targets["childcare_places_per_1000"] == pytest.approx(norms["demand.childcare_per_1000_2025"])
    assert pd.isna(targets["elderly_beds_per_1000_60plus"])
    assert with_ledger.indicators.loc[with_ledger.indicators["indicator"] == "elderly_beds_per_1000_60plus",
                                      "met"].isna().all()


def test_counties_without_ledger_rows_have_no_gaps_not_zero_capacity(tmp_path):
    """A county the ledger never mentions for a service has unknown capacity: its gaps and the
    upper totals of that service are absent, with a warning naming it (never a gap = demand)."""
    codes = region_codes(AREA)
    rows = [(f"c{i}", code, "childcare_places", "public", 2020, 50.0, "existing") for i, code in enumerate(codes[:2])]
    path = tmp_path / "partial.csv"
    pd.DataFrame(rows, columns=["id", "region", "service", "type", "year", "places", "status"]).to_csv(path, index=False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = om.run(_scenario(**{"capacity.ledger_file": str(path)}))
    gaps = result.gaps[result.gaps["service"] == "childcare_places"]
    assert set(gaps["region"]) == set(codes[:2])  # listed counties only: no area total, no zero-capacity county
    messages = " ".join(str(w.message) for w in caught if issubclass(w.category, DemographicWarning))
    assert all(code in messages for code in codes[2:]) and any(codes[2] in note for note in result.notes)
