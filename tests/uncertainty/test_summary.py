"""Ensemble summaries reduced partition by partition (issue 17 item 5: a national ensemble that fits).

The reference is always ``om.simulate`` (every county's draws kept): the summary's county rows
and single-partition regions must equal its tables bit for bit, spanning regions to rounding.
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import oloy_model as om
from oloy_model.base.hierarchy import hierarchy, leaf_codes
from oloy_model.cli import main
from oloy_model.planning.capacity import need_ledger
from oloy_model.uncertainty import summary as sm

TABLES = ("quantiles", "gap_probabilities", "demand_quantiles")
NINGXIA = "640000"  # a small province: 22 counties in 5 prefectures


def _quietly(function, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", om.DemographicWarning)
        return function(*args, **kwargs)


@pytest.fixture(scope="module")
def dali():
    return om.simulate("baseline", draws=24, seed=4)


@pytest.fixture(scope="module")
def ningxia():
    """Ningxia with a what-if ledger on the uptake basis, Yinchuan's (6401xx) childcare rows removed."""
    scenario = om.load_scenario("baseline").with_values({"projection.area": NINGXIA})
    result = _quietly(om.run, scenario)
    ledger = need_ledger(result.demand, 2030, regions=leaf_codes(NINGXIA), basis="uptake")
    ledger = ledger[~(ledger["region"].str.startswith("6401") & (ledger["service"] == "childcare_places"))]
    ensemble = _quietly(om.simulate, scenario, draws=16, seed=2, ledger=ledger)
    return scenario, ledger, ensemble


@pytest.mark.parametrize("partition", ["prefecture", "county"])
def test_dali_summary_equals_the_ensemble_tables_bit_for_bit(dali, partition):
    summary = sm.summarize("baseline", draws=24, seed=4, partition=partition)
    assert summary.regions == dali.regions
    np.testing.assert_array_equal(summary.uptake_noise, dali.uptake_noise)
    for table in TABLES:
        assert getattr(summary, table)().equals(getattr(dali, table)()), table


@pytest.mark.parametrize("partition", ["prefecture", "province", "county"])
def test_area_summary_rows_equal_the_ensemble_and_add_every_upper_region(ningxia, partition):
    scenario, ledger, ensemble = ningxia
    summary = _quietly(sm.summarize, scenario, draws=16, seed=2, ledger=ledger, partition=partition)
    uppers = [r for r in hierarchy(NINGXIA)["region"] if r not in leaf_codes(NINGXIA)]
    assert summary.regions[:-1] == ensemble.regions[:-1] + sorted(set(uppers) - {NINGXIA})
    assert summary.regions[-1] == NINGXIA
    for table in TABLES:
        ours, theirs = getattr(summary, table)(), getattr(ensemble, table)()
        counties = ours[ours["region"].isin(ensemble.regions[:-1])].reset_index(drop=True)
        assert counties.equals(theirs[theirs["region"] != NINGXIA].reset_index(drop=True)), table
        area = ours[ours["region"] == NINGXIA].reset_index(drop=True)
        expected = theirs[theirs["region"] == NINGXIA].reset_index(drop=True)
        pd.testing.assert_frame_equal(area, expected, check_exact=False, rtol=1e-12)  # partition-order sums


def test_a_prefecture_row_is_the_quantile_of_its_counties_summed_draw_by_draw(ningxia):
    scenario, ledger, ensemble = ningxia
    summary = _quietly(sm.summarize, scenario, draws=16, seed=2, ledger=ledger, partition="county")
    members = [i for i, code in enumerate(ensemble.regions[:-1]) if code.startswith("6402")]
    totals = ensemble.stats[:, :, members, 0].sum(axis=2)  # population (draws, years)
    row = summary.quantiles().query("region == '640200' and quantity == 'population'")
    np.testing.assert_allclose(row["q90"], np.quantile(totals, 0.9, axis=0), rtol=1e-12)
    summed_quantiles = sum(np.quantile(ensemble.stats[:, :, i, 0], 0.9, axis=0) for i in members)
    assert not np.allclose(row["q90"].to_numpy()[1:], summed_quantiles[1:], rtol=1e-6)  # never sums of quantiles


def test_unknown_capacity_has_no_gap_rows_in_the_county_or_above(ningxia):
    scenario, ledger, _ = ningxia
    gaps = _quietly(sm.summarize, scenario, draws=16, seed=2, ledger=ledger).gap_probabilities()
    childcare = gaps[gaps["service"] == "childcare_places"]
    assert not childcare["region"].str.startswith("6401").any()  # no ledger rows: unknown, not zero
    assert NINGXIA not in set(childcare["region"])  # the province holds Yinchuan
    assert "640200" in set(childcare["region"])  # a prefecture with every county known
    beds = gaps[(gaps["service"] == "elderly_beds") & (gaps["basis"] == "uptake")]
    assert {"640100", NINGXIA} <= set(beds["region"])
    assert gaps["p_shortfall"].between(0, 1).all() and gaps["p_shortfall"].notna().all()
    norm_beds = gaps[(gaps["service"] == "elderly_beds") & (gaps["basis"] == "norm")]
    assert norm_beds.empty  # no national beds-per-1,000 norm: no norm demand, so no norm gap (not zero)


def test_the_reduction_does_not_depend_on_the_order_tasks_finish(ningxia):
    scenario, ledger, _ = ningxia
    tasks, finish = _quietly(sm.plan_tasks, scenario, 16, 2, ledger=ledger, partition="county")
    results = [sm.summarize_partition(task, 2, 16) for task in tasks]
    ordered, reversed_ = (sm.Reduction([t.partition for t in tasks], 16, tasks[0].projector.years.size)
                          for _ in range(2))
    for i, result in enumerate(results):
        ordered.add(i, result)
    for i in reversed(range(len(results))):
        reversed_.add(i, results[i])
        assert reversed_.complete == (i == 0)
    np.testing.assert_array_equal(ordered.totals, reversed_.totals)
    assert finish(ordered).quantiles().equals(finish(reversed_).quantiles())


def test_partitions_follow_the_hierarchy():
    codes = leaf_codes(NINGXIA)
    parts = sm.partitions(codes, NINGXIA, "prefecture")
    assert [p.key for p in parts] == ["640100", "640200", "640300", "640400", "640500"]
    assert all(list(p.inner) == [p.key] and list(p.spanning) == [NINGXIA] for p in parts)
    assert sorted(i for p in parts for i in p.positions) == list(range(len(codes)))
    (whole,) = sm.partitions(codes, NINGXIA, "province")
    assert list(whole.inner)[-1] == NINGXIA and not whole.spanning
    single = sm.partitions(codes, NINGXIA, "county")
    assert len(single) == len(codes) and all(not p.inner for p in single)
    with pytest.raises(om.OloyInputError, match="partition='city'"):
        sm.partitions(codes, NINGXIA, "city")


def test_a_prefecture_level_city_without_counties_is_a_partition_alone():
    parts = {p.key: p for p in sm.partitions(leaf_codes("440000"), "440000", "prefecture")}
    dongguan = parts["441900"]  # a leaf of Guangdong with no prefecture above it
    assert len(dongguan.positions) == 1 and not dongguan.inner and list(dongguan.spanning) == ["440000"]
    assert "440000" not in parts


@pytest.mark.parametrize("kwargs, match", [
    ({"partition": "city"}, "partition='city'"),
    ({"probabilities": (0.1, 1.5)}, r"probabilities=\(0.1, 1.5\)"),
    ({"probabilities": "q50"}, "probabilities='q50'"),
    ({"quantities": ["population", "GDP"]}, "quantities="),
    ({"probabilities": 0.5}, "probabilities=0.5"),
    ({"probabilities": [0.1, 0.101]}, r"name the columns \['q10', 'q10'\]"),
    ({"threshold": -1}, "threshold=-1"),
    ({"threshold": float("nan")}, "threshold=nan"),
    ({"draws": 0}, "draws=0"),
    ({"draws": 100_001}, "draws=100,001"),
    ({"seed": -1}, "seed=-1"),
])
def test_bad_arguments_are_input_errors(kwargs, match):
    arguments = {"draws": 4, "seed": 1} | kwargs
    with pytest.raises(om.OloyInputError, match=match):
        sm.summarize("baseline", **arguments)


def test_a_partition_too_large_for_a_task_is_refused_before_any_draw():
    with pytest.raises(om.OloyInputError, match="partition 532900 .* GiB of per-draw totals in one task"):
        sm.summarize("baseline", draws=90_000, seed=1)


def test_a_ledger_outside_the_area_is_refused(ningxia):
    scenario, ledger, _ = ningxia
    wrong = ledger.assign(region=ledger["region"].str.replace("^64", "53", regex=True))
    with pytest.raises(om.OloyInputError, match=r"ledger argument .* column 'region' has bad values \(line 2: '53"):
        _quietly(sm.summarize, scenario, draws=2, ledger=wrong)


def test_without_a_ledger_only_quantiles_exist():
    scenario = om.load_scenario("baseline").with_values({"projection.area": "533100"})
    summary = _quietly(sm.summarize, scenario, draws=4, seed=1)
    assert not summary.has_capacity and not summary.quantiles().empty
    with pytest.raises(om.OloyInputError, match="no capacity ledger for area 533100"):
        summary.gap_probabilities()


@pytest.mark.parametrize("change, match", [
    ({"places": np.nan}, "column 'places' has bad values .* expected a finite number"),
    ({"places": np.inf}, "column 'places' has bad values .* expected a finite number"),
    ({"places": -5.0}, "column 'places' has bad values .* expected a value >= 0"),
    ({"places": 1e12}, "column 'places' has bad values .* expected a value <= 100000"),
    ({"status": "dreaming"}, "column 'status' has bad values"),
    ({"year": 2200}, "column 'year' has bad values"),
    ({"id": "same"}, "duplicate|more than once|unique"),
], ids=lambda value: str(value)[:20])
def test_a_ledger_frame_gets_the_checks_of_a_ledger_file(ningxia, change, match):
    """A DataFrame ledger is checked as a CSV ledger is: a NaN place is not zero capacity."""
    scenario, ledger, _ = ningxia
    bad = ledger.copy()
    for column, value in change.items():
        if column == "id":
            bad[column] = value
        else:
            bad.loc[bad.index[1], column] = value
    with pytest.raises(om.OloyInputError, match=match):
        _quietly(sm.summarize, scenario, draws=2, ledger=bad)
    with pytest.raises(om.OloyInputError, match=match):
        _quietly(om.run, scenario, ledger=bad)


def test_need_ledger_is_labelled_and_meets_the_central_need(ningxia):
    scenario, ledger, _ = ningxia
    assert set(ledger["quality"]) == {"assumption"} and set(ledger["type"]) == {"what-if"}
    assert ledger["source"].str.contains("not capacity data").all()
    result = _quietly(om.run, scenario, ledger=ledger)
    row = result.demand.query("region == '640202' and year == 2030 and service == 'elderly_beds' and basis == 'uptake'")
    gap = result.gaps.query("region == '640202' and year == 2030 and service == 'elderly_beds' and basis == 'uptake'")
    assert abs(gap["gap"].iloc[0]) <= 0.5 and row["demand"].iloc[0] > 0  # met up to rounding
    with pytest.raises(om.OloyInputError, match=r"need_ledger: year=2200; expected a whole number among the demand.s years 2020..2050"):
        need_ledger(result.demand, 2200, regions=leaf_codes(NINGXIA))


def test_cli_area_draws_write_the_summary_tables(tmp_path, capsys):
    scenario = om.load_scenario("baseline").with_values({"projection.area": "533100"})
    result = _quietly(om.run, scenario)
    ledger_path = tmp_path / "ledger.csv"
    need_ledger(result.demand, 2030, regions=leaf_codes("533100"), basis="uptake").to_csv(ledger_path, index=False)
    toml = tmp_path / "dehong.toml"
    toml.write_text(f'name = "dehong"\n[projection]\narea = "533100"\n[capacity]\nledger_file = "{ledger_path}"\n',
                    encoding="utf-8")
    out = tmp_path / "out"
    assert main(["run", str(toml), "--draws", "8", "--seed", "5", "--no-figures", "--out", str(out)]) == 0
    written = pd.read_csv(out / "dehong" / "gap_probabilities.csv", dtype={"region": str})
    expected = _quietly(sm.summarize, om.load_scenario(toml), draws=8, seed=5).gap_probabilities()
    assert written[["region", "year", "service", "basis"]].equals(expected[["region", "year", "service", "basis"]])
    np.testing.assert_allclose(written["p_shortfall"], expected["p_shortfall"], atol=1e-6)
    assert (out / "dehong" / "quantiles.csv").exists() and (out / "dehong" / "demand_quantiles.csv").exists()
    assert "Ensemble: 8 draws, seed 5" in (out / "NOTE.md").read_text(encoding="utf-8")
    sheets = pd.read_excel(out / "oloy_results.xlsx", sheet_name=None, dtype={"region": str})
    probability = sheets["shortfall_probability"]
    assert set(probability["region"]) == {"533100"} | set(pd.read_csv(out / "comparison_all_scenarios.csv",
                                                                       dtype={"region": str})["region"])
    assert set(probability["year"]) == {2025, 2026, 2027, 2028, 2029, 2030, 2035, 2040, 2050}
    row = probability.query("region == '533100' and year == 2035 and service == 'elderly_beds' and basis == 'uptake'")
    np.testing.assert_allclose(row["p_shortfall"], expected.query(
        "region == '533100' and year == 2035 and service == 'elderly_beds' and basis == 'uptake'")["p_shortfall"])
    assert not sheets["uncertainty"].empty


def test_cli_area_observations_is_refused(tmp_path, capsys):
    assert main(["run", "baseline", "--area", "533100", "--observations", "x.csv", "--out", str(tmp_path / "o")]) == 2
    assert "--observations is not supported outside the bundled area" in capsys.readouterr().err


@pytest.mark.slow  # starts a Dask LocalCluster of two worker processes (about 5 s)
def test_summary_on_dask_equals_in_process_bit_for_bit(ningxia):
    pytest.importorskip("distributed")
    from oloy_model.uncertainty.distributed import summarize_distributed

    scenario, ledger, _ = ningxia
    local = _quietly(sm.summarize, scenario, draws=16, seed=2, ledger=ledger, partition="county")
    remote = _quietly(summarize_distributed, scenario, draws=16, seed=2, ledger=ledger, partition="county",
                      n_workers=2)
    assert remote.regions == local.regions
    for table in TABLES:
        assert getattr(remote, table)().equals(getattr(local, table)()), table


@pytest.mark.parametrize("kwargs, match", [
    ({"year": 2200}, "year=2200"),
    ({"year": "2030"}, "year='2030'"),
    ({"basis": "foo"}, "basis='foo'"),
    ({"regions": []}, r"regions=\[\]"),
    ({"regions": ["110101"]}, r"regions \['110101'\] \(1 codes\) have no demand rows"),
])
def test_need_ledger_names_the_wrong_argument(ningxia, kwargs, match):
    scenario, _, _ = ningxia
    demand = _quietly(om.run, scenario).demand
    arguments = {"year": 2030, "regions": leaf_codes(NINGXIA), "basis": "uptake"} | kwargs
    year = arguments.pop("year")
    with pytest.raises(om.OloyInputError, match=match):
        need_ledger(demand, year, **arguments)
    with pytest.raises(om.OloyInputError, match="expected Result.demand"):
        need_ledger([1, 2], 2030, regions=["640104"])


def test_cli_area_draws_above_the_maximum_name_the_maximum(tmp_path, capsys):
    assert main(["run", "baseline", "--area", "533100", "--draws", "100001", "--out", str(tmp_path / "o")]) == 2
    assert "--draws 100,001 is above the maximum of 100,000 draws" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


@pytest.mark.slow  # waits for the connection to fail
def test_an_unreachable_scheduler_is_an_input_error():
    pytest.importorskip("distributed")
    from oloy_model.uncertainty.distributed import summarize_distributed

    with pytest.raises(om.OloyInputError, match="Dask scheduler 'tcp://127.0.0.1:1': cannot connect"):
        summarize_distributed("baseline", draws=2, address="tcp://127.0.0.1:1")


@pytest.mark.slow  # waits for the connection to fail
def test_cli_refuses_an_unreachable_scheduler_before_any_work(tmp_path, capsys):
    pytest.importorskip("distributed")
    out = tmp_path / "o"
    assert main(["run", "baseline", "--area", "533100", "--draws", "4", "--dask", "tcp://127.0.0.1:1",
                 "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "Dask scheduler 'tcp://127.0.0.1:1': cannot connect" in err and "projecting" not in err
    assert not out.exists()
