"""The region hierarchy: regions() carries parent and level, one function sums into parents,
and no division code is written in the package's code."""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

import oloy_model as om
from oloy_model.base.resources import data_dir
from oloy_model.base import hierarchy as h

PACKAGE = Path(__file__).resolve().parents[2] / "oloy_model"
SIX_DIGITS = re.compile(r"(?<![\w#.])\d{6}(?![\w.])")  # not colours (#999999) or decimals


def test_regions_carry_parent_and_level():
    table = om.regions()
    assert list(table.columns[:3]) == ["region", "name_zh", "name_en"]
    assert {"parent", "level"} <= set(table.columns) and len(table) == 12
    assert (table["level"] == "county").all() and (table["parent"] == h.area_code()).all()
    tree = h.hierarchy()
    root = tree[tree["parent"] == ""]
    assert list(root["region"]) == [h.area_code()] and list(root["level"]) == ["prefecture"]


def test_the_area_is_the_prefecture_of_the_census_table():
    """The root derived from the codes is the census tabulation's one prefecture row."""
    levels = pd.read_csv(PACKAGE.parent / "data" / "census7" / "population_by_age_group.csv", dtype={"region": str})
    assert set(levels.loc[levels["level"] == "prefecture", "region"]) == {h.area_code()}


def test_parent_totals_sum_the_counties():
    pop = om.base_population()
    table = h.with_parent_totals(pop, ["sex", "age"], ["population"])
    top = table[table["region"] == h.area_code()].set_index(["sex", "age"])["population"]
    assert len(table) == len(pop) + len(top) and list(table.columns) == list(pop.columns)
    pd.testing.assert_series_equal(top, pop.groupby(["sex", "age"])["population"].sum(), check_names=False)


@pytest.fixture
def province(monkeypatch):
    """A three-level area: two prefectures (one with two counties) of one province."""
    leaves = pd.DataFrame({"region": ["530102", "530103", "532901"]})
    levels = pd.DataFrame({"region": ["530000", "530100", "532900", "530102", "530103", "532901"],
                           "level": ["province", "prefecture", "prefecture", "county", "county", "county"]})
    tables = {h.LEAVES_FILE: leaves, h.LEVELS_FILE: levels}
    monkeypatch.setattr(h, "read_bundled", lambda name: tables[name].copy())
    h._hierarchy.cache_clear()
    h.area_code.cache_clear()
    yield
    h._hierarchy.cache_clear()
    h.area_code.cache_clear()


def test_three_levels_sum_into_every_ancestor(province):
    assert h.area_code() == "530000"
    tree = h.hierarchy().set_index("region")
    assert tree.loc["530102", "parent"] == "530100" and tree.loc["530100", "parent"] == "530000"
    table = pd.DataFrame({"region": ["530102", "530103", "532901"] * 2, "year": [2020] * 3 + [2021] * 3,
                          "value": [1.0, 2.0, 4.0, 10.0, 20.0, 40.0]})
    totals = h.with_parent_totals(table, ["year"], ["value"]).set_index(["region", "year"])["value"]
    assert totals[("530100", 2020)] == 3.0 and totals[("532900", 2021)] == 40.0
    assert totals[("530000", 2020)] == 7.0 and totals[("530000", 2021)] == 70.0
    assert len(totals) == 6 + 2 * 3


def test_parent_codes_follow_gb_t_2260():
    assert [h.parent_code(c) for c in ("532901", "532900", "530000")] == ["532900", "530000", ""]


def _code_literals(source: str) -> list[str]:
    """6-digit numbers in the code: string and number constants, docstrings and comments included."""
    return SIX_DIGITS.findall(source)


def test_the_literal_finder_finds_a_code():
    assert _code_literals('PREFECTURE = "532900"  # Dali\nx = 1_000_000; y = 0.123456; c = "#999999"') == ["532900"]


def test_no_division_code_in_the_package():
    """Division codes live in data/ and tests/ only (issue 16): the area comes from the data."""
    found = {path.name: _code_literals(path.read_text(encoding="utf-8")) for path in sorted(PACKAGE.glob("*.py"))}
    assert {name: codes for name, codes in found.items() if codes} == {}


def test_area_names_come_from_the_data():
    names = h.area_names()
    table = pd.read_csv(data_dir() / h.NAMES_FILE, dtype={"region": str}).set_index("region")
    row = table.loc[h.area_code()]
    assert names == (row["name_zh"], row["name_en"], row["short_zh"], row["short_en"])
    # nbs_division_codes: 532900 is 大理白族自治州 (short form 大理州)
    assert names[0] == "大理白族自治州" and names[2] == "大理州" and h.area_level() == "prefecture"


REPORTING = ("reporting/figures.py", "reporting/plotting.py", "reporting/render.py", "reporting/report.py",
             "reporting/digest.py", "reporting/plan_outputs.py", "runner.py", "reporting/workbook.py")


def test_no_area_name_in_the_reporting_code():
    """Titles and labels take the area's names from the data (issue 16), not from literals."""
    found = {name: [word for word in ("大理", "Dali") if word in (PACKAGE / name).read_text(encoding="utf-8")
                    .split('"""', 2)[-1]]  # the module docstring may describe the bundled area
             for name in REPORTING}
    assert {name: words for name, words in found.items() if words} == {}
