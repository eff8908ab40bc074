"""The orchestrator: API contract, invariants on the full run, golden snapshot."""
from __future__ import annotations

import importlib.util
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import oloy_model as om
from oloy_model.reporting.summary import summary_table

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def baseline():
    return om.project("baseline")


def test_api_columns_and_years(baseline):
    assert list(baseline.population.columns) == ["scenario", "region", "year", "sex", "age", "population"]
    assert list(baseline.births.columns) == ["scenario", "region", "year", "sex", "births"]
    assert list(baseline.deaths.columns) == ["scenario", "region", "year", "sex", "age", "deaths"]
    assert list(baseline.net_migration.columns) == ["scenario", "region", "year", "sex", "age", "net_migration"]
    assert baseline.population["year"].min() == 2020 and baseline.population["year"].max() == 2050
    assert baseline.births["year"].min() == 2021
    assert len(baseline.population) == 12 * 31 * 2 * 101
    assert (baseline.population["population"] >= 0).all()


def test_base_year_is_the_census(baseline):
    first = baseline.population[baseline.population.year == 2020].drop(columns=["scenario", "year"])
    pd.testing.assert_frame_equal(first.reset_index(drop=True), om.base_population(), check_dtype=False)


def test_balancing_equation_per_region_and_sex(baseline):
    pop = baseline.population.groupby(["region", "sex", "year"])["population"].sum().unstack("year")
    births = baseline.births.set_index(["region", "sex", "year"])["births"].unstack("year")
    deaths = baseline.deaths.groupby(["region", "sex", "year"])["deaths"].sum().unstack("year")
    migration = baseline.net_migration.groupby(["region", "sex", "year"])["net_migration"].sum().unstack("year")
    for year in range(2021, 2051):
        expected = pop[year - 1] + births[year] - deaths[year] + migration[year]
        np.testing.assert_allclose(pop[year], expected, rtol=1e-9)


def test_counties_sum_to_prefecture(baseline):
    table = summary_table(baseline)
    wide = table.pivot_table(index=["year", "quantity"], columns="region", values="value")
    np.testing.assert_allclose(wide.drop(columns="532900").sum(axis=1), wide["532900"], rtol=1e-12)


def test_identical_scenarios_give_identical_numbers(tmp_path):
    text = (ROOT / "scenarios" / "baseline.toml").read_text(encoding="utf-8").replace('name = "baseline"', 'name = "copy"')
    path = tmp_path / "copy.toml"
    path.write_text(text, encoding="utf-8")
    one, two = om.project("baseline"), om.project(path)
    assert one.scenario.content_hash == two.scenario.content_hash
    np.testing.assert_array_equal(one.population["population"].to_numpy(), two.population["population"].to_numpy())
    assert set(two.population["scenario"]) == {"copy"}


def test_zero_migration_scenario_has_no_migrants():
    scenario = om.load_scenario("baseline").with_values({"migration.scale": 0.0},
                                                         name="closed")
    result = om.project(scenario)
    assert np.all(result.net_migration["net_migration"] == 0)


def test_long_horizon_and_extreme_out_migration_stay_non_negative():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", om.DemographicWarning)
        scenario = om.load_scenario("baseline").with_values(
            {"projection.horizon": 2100, "migration.basis": "counts", "migration.scale": 5.0})
        result = om.project(scenario)
    assert any("plausible range" in str(w.message) for w in caught)
    assert (result.population["population"] >= 0).all()
    assert result.population["year"].max() == 2100
    capped = [w for w in caught if "capped" in str(w.message)]
    assert capped and "region 5329" in str(capped[0].message) and "age" in str(capped[0].message)


def _update_golden():
    spec = importlib.util.spec_from_file_location("update_golden", ROOT / "scripts" / "update_golden.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_golden_snapshot(baseline):
    """The bundled baseline run, pinned. Regenerate only with scripts/update_golden.py and a
    CHANGELOG entry. Tolerance 1e-6 relative (platform floating-point differences)."""
    golden = pd.read_csv(ROOT / "tests" / "golden" / "baseline.csv", dtype={"region": str})
    mine = _update_golden().golden_table()
    assert list(mine.columns) == list(golden.columns) and len(mine) == len(golden)
    pd.testing.assert_frame_equal(mine[["scenario", "region", "year", "quantity"]],
                                  golden[["scenario", "region", "year", "quantity"]])
    np.testing.assert_allclose(mine["value"], golden["value"], rtol=1e-6, atol=1e-6)


def test_golden_planning_snapshot():
    """Gaps, shortfalls and indicators of the baseline run (every region, service, basis and
    indicator; years of the population snapshot), pinned like the population snapshot: same
    rows, values within 1e-6 relative, missing values (no shortfall, no target) in the same places."""
    module = _update_golden()
    golden = pd.read_csv(ROOT / "tests" / "golden" / "baseline_planning.csv", dtype=str, keep_default_na=False)
    mine = module.golden_planning_table()
    ids = module.PLANNING_COLUMNS[:-1]
    assert list(mine.columns) == list(golden.columns)
    pd.testing.assert_frame_equal(mine[ids].astype(str), golden[ids], check_dtype=False)
    expected = pd.to_numeric(golden["value"].replace("", np.nan)).to_numpy()
    np.testing.assert_allclose(mine["value"].to_numpy(), expected, rtol=1e-6, atol=1e-6)
    assert np.array_equal(np.isnan(mine["value"].to_numpy()), np.isnan(expected))
