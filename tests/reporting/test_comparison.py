"""Comparisons of the regions of an area (issue 17, item 6) and the outputs of an area run."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import oloy_model as om
from oloy_model.base import national
from oloy_model.base.errors import DemographicWarning
from oloy_model.demography.population import base_population, region_codes
from oloy_model.reporting.comparison import area_comparison, census_share_60plus, children
from oloy_model.runner import run_area

YUNNAN, DEHONG = "530000", "533100"


def _run(area, **values):
    scenario = om.load_scenario("baseline").with_values({"projection.area": area, "projection.horizon": 2035} | values)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DemographicWarning)
        return om.run(scenario)


@pytest.fixture(scope="module")
def dehong():
    return _run(DEHONG)


def _independent_shares(area: str) -> pd.Series:
    """60+ share [percent] per prefecture from the national county cells, grouped by the tree's parent."""
    cells = national.leaf_groups(area, 2020)
    parent = national.national_regions(2020).set_index("region")["parent"]
    cells = cells.assign(prefecture=cells["region"].map(parent))
    total = cells.groupby("prefecture")["population"].sum()
    old = cells[cells["age_start"] >= 60].groupby("prefecture")["population"].sum()
    return 100 * old / total


def test_yunnan_has_16_prefectures_with_census_shares():
    shares = census_share_60plus(YUNNAN)
    assert len(shares) == 16 and list(shares.index) == children(YUNNAN)
    pd.testing.assert_series_equal(shares, _independent_shares(YUNNAN).loc[shares.index], check_names=False,
                                   rtol=1e-12)


def test_dali_row_is_the_bundled_census():
    dali = base_population()  # the bundled Dali census base (every 2020 cell exact)
    expected = 100 * dali.loc[dali["age"] >= 60, "population"].sum() / dali["population"].sum()
    assert census_share_60plus(YUNNAN)["532900"] == pytest.approx(expected, rel=1e-12)


def test_comparison_of_a_prefecture_measures(dehong):
    table = area_comparison(dehong)
    assert sorted(table["region"]) == region_codes(DEHONG) and len(table) == 5
    assert table["share_60plus_2020"].is_monotonic_decreasing
    assert list(table["rank_share_60plus_2020"]) == [1, 2, 3, 4, 5]
    pop = dehong.projection.population
    row = table.iloc[0]
    cell = pop[pop["region"] == row["region"]]
    old = cell[cell["age"] >= 60].groupby("year")["population"].sum()
    young = cell[cell["age"] <= 2].groupby("year")["population"].sum()
    assert row["growth_60plus_2035"] == pytest.approx(100 * (old[2035] / old[2020] - 1), rel=1e-12)
    assert row["decline_0_2_2030"] == pytest.approx(100 * (1 - young[2030] / young[2020]), rel=1e-12)
    gap_columns = [c for c in table.columns if c.startswith("gap_")]
    assert gap_columns and table[gap_columns].isna().all().all()  # no ledger: no gaps, not zero


def test_comparison_has_gaps_with_a_ledger(tmp_path):
    codes = region_codes(DEHONG)
    ledger = pd.DataFrame({"id": codes, "region": codes, "service": "childcare_places", "type": "public",
                           "year": 2020, "places": 100.0, "status": "existing"})
    path = tmp_path / "ledger.csv"
    ledger.to_csv(path, index=False)
    result = _run(DEHONG, **{"capacity.ledger_file": str(path)})
    table = area_comparison(result)
    assert table["gap_2030_childcare_places_norm"].notna().all()
    # beds are not in the ledger: their capacity is unknown, so no bed gaps (never zero capacity)
    assert table["gap_2030_elderly_beds_uptake"].isna().all()
    assert set(result.gaps["service"]) == {"childcare_places"}
    assert any("no row for elderly_beds, nursing_beds" in note for note in result.notes)


@pytest.mark.slow
def test_area_run_writes_outputs_without_gaps(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DemographicWarning)
        folder = run_area(["baseline"], DEHONG, tmp_path / "out", figures=False, progress=lambda _: None)
    note = (folder / "NOTE.md").read_text(encoding="utf-8")
    assert note.startswith("# 德宏傣族景颇族自治州 533100") and "No capacity ledger for area 533100" in note
    gaps = pd.read_csv(folder / "baseline" / "gaps.csv")
    assert gaps.empty and "gap" in gaps.columns
    comparison = pd.read_csv(folder / "comparison_all_scenarios.csv", dtype={"region": str})
    assert len(comparison) == 5
    summary = pd.read_csv(folder / "baseline" / "summary.csv", dtype={"region": str})
    assert DEHONG in set(summary["region"]) and "532900" not in set(summary["region"])
    assert summary.loc[summary["region"] == DEHONG, "region_name_zh"].iloc[0] == "德宏傣族景颇族自治州"
    assert (folder / "oloy_results.xlsx").is_file() and (folder / "report.md").is_file()


@pytest.mark.slow
def test_yunnan_comparison_table():
    result = _run(YUNNAN)
    table = area_comparison(result)
    assert len(table) == 16
    np.testing.assert_allclose(table.set_index("region")["share_60plus_2020"],
                               _independent_shares(YUNNAN).loc[table["region"]].to_numpy(), rtol=1e-12)
    assert table["share_60plus_2020"].is_monotonic_decreasing
