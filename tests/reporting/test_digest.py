"""The one-page summary: every number is the model's own (Result.gaps / Result.shortfalls)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import oloy_model as om
from oloy_model.reporting import digest

NAMES = ["baseline", "three_child_support", "zero_migration"]


@pytest.fixture(scope="module")
def results():
    return [om.run(name) for name in NAMES]


@pytest.fixture(scope="module")
def table(results):
    return digest.county_digest(results)


def test_digest_rows_are_the_gaps_and_shortfalls(results, table):
    baseline = results[0]
    assert len(table) == 13 * 3 * 2 and table["region"].iloc[-1] == "532900"
    gaps = baseline.gaps.set_index(["region", "service", "basis", "year"])
    first = baseline.shortfalls.set_index(["region", "service", "basis"])["first_shortfall_year"]
    for row in table.itertuples():
        key = (row.region, row.service, row.basis)
        assert row.gap_2030 == gaps.loc[key + (2030,), "gap"] and row.gap_2035 == gaps.loc[key + (2035,), "gap"]
        assert row.cost_to_close_2030_10k_yuan == gaps.loc[key + (2030,), "cost_to_close_10k_yuan"]
        assert (pd.isna(row.first_shortfall_year) and pd.isna(first.loc[key])) or \
            row.first_shortfall_year == first.loc[key]
        if pd.notna(row.first_shortfall_year):
            assert row.first_shortfall_gap == gaps.loc[key + (row.first_shortfall_year,), "gap"] > 0.5
        every = [r.gaps.set_index(["region", "service", "basis", "year"]).loc[key + (2030,), "gap"] for r in results]
        assert (row.gap_2030_lowest, row.gap_2030_highest) == (min(every), max(every))
    assert table["p_shortfall_2030"].isna().all()  # no draws
    assert table["region_name_zh"].str.contains("[\u4e00-\u9fff]").all()


def test_sentences_quote_the_prefecture_gaps(results, table):
    comparison = digest.scenario_comparison(results)
    lines = digest.summary_sentences(table, comparison, "baseline")
    gaps = results[0].gaps
    prefecture = gaps[(gaps["region"] == "532900") & (gaps["year"] == 2030)].set_index(["service", "basis"])["gap"]
    for (zh, en), service in zip(lines, digest.SERVICES):
        assert zh.startswith(digest.SERVICES[service][0]) and en.lower().startswith(digest.SERVICES[service][1][:8])
        for basis in digest.BASES:
            value = prefecture.loc[(service, basis)]
            words = "short by" if value > 0.5 else "surplus of"
            assert f"{words} {abs(value):,.0f} in 2030" in en
            assert f"2030年{'缺口' if value > 0.5 else '富余'}{abs(value):,.0f}" in zh


def test_binding_service_is_short_on_both_bases(results, table):
    binding = digest.binding_services(table)
    gaps = results[0].gaps
    prefecture = gaps[gaps["region"] == "532900"].set_index(["service", "basis", "year"])["gap"]
    for service in digest.SERVICES:
        both = [y for y in digest.YEARS if all(prefecture.loc[(service, b, y)] > 0.5 for b in digest.BASES)]
        assert binding.get(service) == (both[0] if both else None)


def test_comparison_counts_counties_short(results):
    comparison = digest.scenario_comparison(results)
    assert len(comparison) == len(NAMES) * 3 * 2
    for result in results:
        gaps = result.gaps[(result.gaps["year"] == 2030) & (result.gaps["region"] != "532900")]
        counts = gaps.assign(short=gaps["gap"] > 0.5).groupby(["service", "basis"])["short"].sum()
        rows = comparison[comparison["scenario"] == result.scenario.name].set_index(["service", "basis"])
        np.testing.assert_array_equal(rows["counties_short_2030"].sort_index(), counts.sort_index())
        prefecture = result.gaps[(result.gaps["year"] == 2030) & (result.gaps["region"] == "532900")]
        np.testing.assert_array_equal(rows["gap_2030"].sort_index(),
                                      prefecture.set_index(["service", "basis"])["gap"].sort_index())


def test_probability_of_a_shortfall_comes_from_the_draws(results):
    ensemble = om.simulate("baseline", draws=40, seed=3, progress=lambda message: None)
    table = digest.county_digest(results, [ensemble])
    probabilities = ensemble.gap_probabilities()
    expected = probabilities[probabilities["year"] == 2030].set_index(["region", "service", "basis"])["p_shortfall"]
    got = table.set_index(["region", "service", "basis"])["p_shortfall_2030"]
    pd.testing.assert_series_equal(got.sort_index(), expected.reindex(got.index).sort_index(), check_names=False)
    lines = digest.summary_sentences(table, digest.scenario_comparison(results), "baseline")
    value = expected.loc[("532900", "elderly_beds", "norm")]
    assert f"probability of a 2030 shortfall {value:.0%}" in lines[0][1]


@pytest.mark.parametrize("value, whole, signed", [(-0.4, "0", "0"), (-0.0, "0", "0"), (0.4, "0", "0"),
                                                  (-0.6, "-1", "-1"), (1234.5, "1,234", "+1,234"),
                                                  (-2500.2, "-2,500", "-2,500")])
def test_numbers_never_read_minus_zero(value, whole, signed):
    from oloy_model.reporting.report import _number

    assert digest.whole(value) == whole and digest._signed(value) == signed
    assert digest.no_negative_zero(f"{value:,.2f}") == ("0.00" if abs(value) < 0.005 else f"{value:,.2f}")
    assert _number(-0.001) == "0.00" and _number(-0.3) == "-0.30" and _number(-0.0) == "0"
