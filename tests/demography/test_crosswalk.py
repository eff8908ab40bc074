"""County crosswalk 2010 -> 2020 and the migration residual of its stable units."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import oloy_model as om
from oloy_model.demography import crosswalk, local_estimates as estimates, fertility
from oloy_model.base import hierarchy
from oloy_model.base import national

YEARS = np.arange(2011, 2021)


def _yunnan() -> str:
    return hierarchy.area_code()[:2] + "0000"


def test_every_yunnan_county_has_a_counterpart_or_a_documented_group():
    walk = crosswalk.area_crosswalk(_yunnan())
    counties = national.leaves(_yunnan())
    assert len(counties) == 129
    rows = walk[walk["region_2020"].isin(counties)]
    assert set(rows["region_2020"]) == set(counties)
    paired = rows[rows["method"].isin(["code", "name"])]
    grouped = rows[rows["method"].isin(["group", "prefecture"])]
    assert (paired["region_2010"] != "").all() and (rows["unit"] != "").all()
    assert set(paired["region_2020"]) | set(grouped["region_2020"]) == set(counties)
    # the 13 codes new in 2020 are counties turned districts or cities, matched by name
    renamed = rows[rows["method"] == "name"]
    assert len(renamed) == 13 and set(renamed["region_2020"]).isdisjoint(national.leaves(_yunnan(), 2010))
    assert dict(zip(renamed["name_2010"], renamed["name_2020"]))["呈贡县"] == "呈贡区"


@pytest.mark.slow
def test_national_crosswalk_covers_both_censuses_once():
    walk = crosswalk.crosswalk()
    nation = om.areas().query("level == 'nation'")["region"].iloc[0]
    assert set(walk["method"]) <= set(crosswalk.METHODS)
    assert set(walk.loc[walk["region_2020"] != "", "region_2020"]) == set(national.leaves(nation))
    assert set(walk.loc[walk["region_2010"] != "", "region_2010"]) == set(national.leaves(nation, 2010))
    assert not walk.loc[walk["region_2020"] != "", "region_2020"].duplicated().any()
    assert not walk.loc[walk["region_2010"] != "", "region_2010"].duplicated().any()
    # a stable unit never spans two 2020 prefectures
    prefecture = {leaf: up for leaf, up, _ in national.area_tree(nation)}
    members = walk[walk["region_2020"] != ""]
    assert (members.groupby("unit")["region_2020"].agg(lambda s: s.map(prefecture).nunique()) == 1).all()


def test_unit_totals_are_the_member_totals():
    walk = crosswalk.crosswalk()
    for year in (2010, 2020):
        groups = national.national_groups(year)
        leaves = groups[groups["region"].isin(walk[f"region_{year}"])]
        units = crosswalk.to_units(leaves[["region", "sex", "age_start", "population"]], year, walk)
        assert units["population"].sum() == leaves["population"].sum()


def _cube(pop: pd.DataFrame) -> tuple[list[str], np.ndarray]:
    return estimates.population_cube(pop)


@pytest.mark.parametrize("province", ["140000", "530000"])
def test_residual_of_a_crosswalked_group_is_the_residual_of_its_total(province):
    """Project every 2010 member separately and the group's total once (same rates): the group
    residual (2020 members' total minus the projections) is the same either way."""
    walk = crosswalk.area_crosswalk(province)
    start = om.base_population(2010, area=province)
    end = om.base_population(2020, area=province)
    mx = estimates.mortality_rates(YEARS)
    srb = 1.06
    units_start = _cube(crosswalk.to_units(start, 2010, walk))
    units_end = _cube(crosswalk.to_units(end, 2020, walk))
    assert units_start[0] == units_end[0]
    tfr = np.repeat(fertility.wpp_tfr(YEARS)[:, None], len(units_start[0]), axis=1)
    _, _, residual, _ = estimates.cohort_residual(units_start[1], units_end[1], mx, tfr, srb, YEARS)
    codes10, cube10 = _cube(start)
    tfr10 = np.repeat(fertility.wpp_tfr(YEARS)[:, None], len(codes10), axis=1)
    projected, _ = estimates.project_without_migration(cube10, mx, tfr10, srb, YEARS)
    checked = 0
    for u, unit in enumerate(units_start[0]):
        rows = walk[walk["unit"] == unit]
        members10 = [codes10.index(c) for c in rows["region_2010"] if c]
        end_total = units_end[1][u]
        by_members = (np.add.reduceat(end_total, estimates.migration.GROUP_STARTS, axis=-1)
                      - np.add.reduceat(projected[members10].sum(axis=0), estimates.migration.GROUP_STARTS, axis=-1))
        np.testing.assert_allclose(residual[u], by_members, rtol=1e-9, atol=1e-6)
        checked += len(members10) > 1
    assert checked > 0 or province == "530000"


def test_area_estimates_run_on_the_crosswalk_units():
    """Another prefecture (德宏州, 5 counties): fertility by reverse survival and the migration
    residual on its units; the default mortality level is the ISMR default; Dali by its code
    is the bundled estimate."""
    area = om.areas("德宏")["region"].iloc[0]
    result = estimates.migration_estimates(area=area)
    walk = crosswalk.area_crosswalk(area)
    assert result["codes"] == sorted(set(walk["unit"]))
    summary = result["summary"]
    assert summary["census_2020"] == pytest.approx(om.areas(area)["population_2020"].iloc[0], rel=1e-9)
    members_2010 = set(walk["region_2010"]) - {""}
    groups_2010 = national.national_groups(2010)
    published_2010 = groups_2010.loc[groups_2010["region"].isin(members_2010), "population"].sum()
    assert summary["census_2010"] == pytest.approx(published_2010, rel=1e-9)
    residual = result["residual"]
    assert residual["residual"].sum() == pytest.approx(summary["net_migration_residual"], rel=1e-9)
    tfr = estimates.fertility_estimates(area=area)
    assert set(tfr["region"]) == set(result["codes"]) | {area}
    assert 0.5 < estimates.prefecture_tfr_ratio(area=area) < 3.0
    # the bundled area named by its code is the bundled area (same estimates, same numbers)
    by_code, bundled = estimates.migration_estimates(area=hierarchy.area_code()), estimates.migration_estimates()
    assert by_code["codes"] == bundled["codes"] and np.array_equal(by_code["rates"], bundled["rates"])
