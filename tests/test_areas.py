"""Areas of China: the national tables, the listing, and the area-aware census base."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import oloy_model as om
from oloy_model.base import hierarchy, national as areas
from oloy_model.demography import population
from oloy_model.cli import main

KEYS = ["region", "sex", "age_start"]


def _dali() -> str:
    return hierarchy.area_code()


@pytest.mark.parametrize("year", [2020, 2010])
def test_bundled_dali_rows_are_the_national_rows(year):
    """The bundled Dali files are the national table's rows for the same codes, cell for cell."""
    bundled = population.census_age_groups(year).assign(level="county")
    for level in ("prefecture", "province"):
        bundled = pd.concat([bundled, population.census_age_groups(year, level=level)])
    national = areas.national_groups(year)
    joined = bundled.merge(national, on=KEYS, how="left", suffixes=("", "_national"), validate="one_to_one")
    assert len(joined) == 14 * 2 * 19
    assert (joined["population"] == joined["population_national"]).all()


def test_listing_and_search():
    table = om.areas()
    assert list(table.columns) == areas.AREA_COLUMNS
    assert table["level"].value_counts().to_dict() == {"prefecture": 342, "province": 31, "nation": 1}
    dali = om.areas(_dali())
    assert len(dali) == 1 and dali.iloc[0]["counties"] == 12 and dali.iloc[0]["population_2020"] == 3_337_559
    assert list(om.areas("大理")["region"]) == [_dali()]
    yunnan = om.areas(_dali()[:2])
    assert (yunnan["region"].str[:2] == _dali()[:2]).all() and len(yunnan) == 17  # province + 16 prefectures
    nation = table[table["level"] == "nation"].iloc[0]
    assert nation["population_2020"] == table[table["level"] == "province"]["population_2020"].sum()
    assert nation["counties"] == table[table["level"] == "province"]["counties"].sum()


def test_every_county_belongs_to_one_prefecture_and_one_province():
    tree = areas.area_tree(om.areas().query("level == 'nation'")["region"].iloc[0])
    parent = {region: up for region, up, _ in tree}
    levels = {region: level for region, _, level in tree}
    for leaf in areas.leaves(tree[0][0]):
        chain = []
        up = parent[leaf]
        while up:
            chain.append(levels[up])
            up = parent[up]
        assert chain[-2:] == ["province", "nation"], leaf
        assert chain.count("prefecture") == (levels[leaf] == "county"), leaf


@pytest.mark.slow
def test_data_notes_list_prefectures_whose_counties_do_not_add_up():
    notes = areas.data_notes()
    prefectures = notes[notes["level"] == "prefecture"]
    assert len(prefectures) == 26 and (prefectures["difference"] < 0).all()
    assert _dali() not in set(notes["region"])
    # the scenic area coded outside the hierarchy (五台山, in 忻州市) is placed by its prefecture's name
    assert "忻州市" not in set(notes["name_zh"])


def test_bad_area_is_a_clear_error():
    with pytest.raises(om.OloyInputError, match=r"area '999900' is not a nation, province or prefecture"):
        om.base_population(area="999900")
    with pytest.raises(om.OloyInputError, match="not a nation, province or prefecture"):
        hierarchy.hierarchy(area=_dali()[:4] + "01")  # a county is not an area


def test_default_area_by_code_is_the_bundled_area():
    pd.testing.assert_frame_equal(om.base_population(area=_dali()), om.base_population())
    pd.testing.assert_frame_equal(om.regions(_dali()), om.regions())


def test_province_is_three_levels_and_sums_into_every_ancestor():
    province = _dali()[:2] + "0000"
    tree = hierarchy.hierarchy(province)
    assert tree["level"].value_counts().to_dict() == {"county": 129, "prefecture": 16, "province": 1}
    pop = om.base_population(area=province)
    table = hierarchy.with_parent_totals(pop, ["sex", "age"], ["population"], area=province)
    top = table[table["region"] == province]
    assert top["population"].sum() == pytest.approx(47_209_277, rel=1e-12)
    dali = table[table["region"] == _dali()]["population"].sum()
    assert dali == pytest.approx(3_337_559, rel=1e-12)


def _cells(frame: pd.DataFrame) -> pd.Series:
    return frame.set_index(KEYS)["population"].sort_index()


# Every province (about 3 minutes in all): slow.
PROVINCES = sorted(areas.national_regions(2020).query("level == 'province'")["region"])


@pytest.mark.slow
@pytest.mark.parametrize("province", PROVINCES)
def test_every_province_reproduces_every_census_cell(province):
    """Single years reproduce each county x sex x age-group cell (relative 1e-6); county sums
    equal the area totals in every cell; prefectures whose published row is not a data note
    equal their published row in every cell."""
    pop = om.base_population(area=province)
    census = areas.leaf_groups(province)
    grouped = population.to_census_groups(pop)
    mine, published = _cells(grouped), _cells(census)
    assert mine.index.equals(published.index)
    np.testing.assert_allclose(mine.to_numpy(), published.to_numpy(), rtol=1e-6, atol=0)
    noted = set(areas.data_notes()["region"])
    national = areas.national_groups(2020)
    for level in ("province", "prefecture"):
        summed = population.census_age_groups(level=level, area=province)
        direct = {}
        for region in summed["region"].unique():
            cells = census[census["region"].isin(areas.leaves(region))]
            direct[region] = cells.groupby(["sex", "age_start"])["population"].sum()
            from_pop = grouped[grouped["region"].isin(areas.leaves(region))].groupby(["sex", "age_start"])["population"].sum()
            np.testing.assert_allclose(from_pop.to_numpy(), direct[region].to_numpy(), rtol=1e-6, atol=0)
            if region not in noted and region in set(national["region"]):
                row = national[national["region"] == region].set_index(["sex", "age_start"])["population"]
                assert (row.sort_index() == direct[region].sort_index()).all(), region
        assert (summed.set_index(["region", "sex", "age_start"])["population"].sort_index()
                == pd.concat(direct, names=["region"]).sort_index()).all()


def test_cli_lists_and_searches_areas(capsys):
    assert main(["areas", "大理"]) == 0
    out = capsys.readouterr().out
    assert _dali() in out and "3,337,559" in out and "12" in out
    assert main(["areas", "no such place"]) == 2
    assert "no area matches" in capsys.readouterr().err


@pytest.mark.slow
def test_another_area_projects_and_the_full_run_has_no_gaps(tmp_path, capsys):
    """德宏州: the projection runs (base = census cells, no anchoring, ISMR mortality), the
    full run has no gaps without a ledger (never zero capacity) and says so, and
    `oloy run --area` writes the tables and a note."""
    area = om.areas("德宏")["region"].iloc[0]
    scenario = om.load_scenario("baseline").with_values({"projection.area": area, "projection.horizon": 2025})
    with pytest.warns(om.DemographicWarning, match="applies only to the bundled area"):
        projection = om.project(scenario)
    base = projection.population[projection.population["year"] == 2020]
    assert set(base["region"]) == set(areas.leaves(area))
    assert base["population"].sum() == pytest.approx(om.areas(area)["population_2020"].iloc[0], rel=1e-9)
    e0 = projection.assumptions.query("quantity == 'e0_female' and year == 2021")
    assert list(e0["region"]) == [area]
    with pytest.warns(om.DemographicWarning, match="No capacity ledger"):
        result = om.run(scenario)
    assert result.gaps.empty and result.capacity.empty and "No capacity ledger" in result.notes[0]
    out = tmp_path / "out"
    assert main(["run", "baseline", "--area", area, "--out", str(out), "--no-figures"]) == 0
    note = (out / "NOTE.md").read_text(encoding="utf-8")
    assert "gaps, shortfalls and indicators are absent" in note and "estimated (national level x ISMR)" in note
    assert (out / "baseline" / "population.csv").is_file()
    assert pd.read_csv(out / "baseline" / "gaps.csv").empty
    assert main(["run", "baseline", "--area", "999900", "--out", str(tmp_path / "bad")]) == 2
    assert "not a nation, province or prefecture" in capsys.readouterr().err


def test_other_areas_default_to_mixed_migration_and_gains_do_not_compound():
    """Outside the bundled area net losses are rates and net gains fixed counts (docs/areas.md):
    a growing in-migration county's gain stays the 2010-2020 annual count instead of compounding."""
    from oloy_model.demography import local_estimates
    from oloy_model.demography.assumptions import resolve
    from oloy_model.demography.projection import migration_parts

    dehong = om.load_scenario("baseline").with_values({"projection.area": "533100"})
    assert resolve(dehong).migration.basis == "mixed"
    assert resolve(om.load_scenario("baseline")).migration.basis == "rates"  # the bundled area keeps its own
    stated = dehong.with_values({"migration.basis": "counts"})
    assert resolve(stated).migration.basis == "counts"

    estimates = local_estimates.migration_estimates(area="533100")
    order = list(range(len(estimates["codes"])))
    rates, counts = migration_parts(estimates, order, "mixed")
    gains = estimates["counts"] > 0
    assert np.array_equal(counts[gains], estimates["counts"][gains]) and not counts[~gains].any()
    assert np.array_equal(rates[~gains], estimates["rates"][~gains]) and not rates[gains].any()

    flows = om.project(dehong).net_migration
    inflow = flows[flows["net_migration"] > 0].groupby("year")["net_migration"].sum()
    # every gain cell keeps its count (a cell may turn from loss to gain only through rates; none do)
    assert inflow.max() <= estimates["counts"][gains].sum() * (1 + 1e-9)


def test_a_multi_county_units_counts_are_shared_not_copied():
    """A county in a crosswalk unit of several counties takes the unit's rates and its share
    (2020 population at risk) of the unit's counts: the unit's net migrants are counted once.
    Copied to every county, China's annual gains were 78 million instead of 15 million."""
    from oloy_model.demography import local_estimates
    from oloy_model.demography.projection import _unit_order, build_inputs

    area = "460000"  # Hainan: one unit of several counties (codes changed between the censuses)
    scenario = om.load_scenario("baseline").with_values({"projection.area": area, "migration.basis": "counts"})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", om.DemographicWarning)
        inputs = build_inputs(scenario)
    estimates = local_estimates.migration_estimates(area=area)
    order = np.asarray(_unit_order(inputs.codes, estimates["codes"], area))
    shared = [unit for unit in set(order) if (order == unit).sum() > 1]
    assert shared
    for unit in shared:
        np.testing.assert_allclose(inputs.migration_counts[0][order == unit].sum(axis=0), estimates["counts"][unit],
                                   rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(inputs.migration_counts[0].sum(), estimates["counts"].sum(), rtol=1e-12)
