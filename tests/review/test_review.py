"""Observations, evaluation measures, calibration, decomposition and the 2010-2020 backtest."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import oloy_model as om
from oloy_model.review import backtest, measures
from oloy_model.base.observations import model_series, model_values

# The synthetic truth perturbs the un-anchored 2010-2020 migration scenario: the anchored
# baseline would re-anchor the truth's migration to the official 2023 figure.
BASE = "migration_2010_2020"
TRUTH = {"fertility.level_ratio": 1.05, "mortality.e0_base": 77.5,
         "migration.county_scale": {"532901": 1.5, "532925": 0.6}}


def test_measures_by_hand():
    table = measures.errors(np.array([110.0, 90.0, 5.0, 3.0, 50.0]), np.array([100.0, 100.0, 0.0, np.nan, 50.0]))
    row = measures.measures(table)
    # errors: +10, -10, +5 (observed 0), missing, 0; PE: +10, -10, (none), (none), 0
    assert row["n"] == 4 and row["n_missing"] == 1 and row["n_zero"] == 1
    assert row["mape"] == pytest.approx((10 + 10 + 0) / 3)
    assert row["median_ape"] == pytest.approx(10.0)
    assert row["mean_pe"] == pytest.approx(0.0)
    assert row["wmape"] == pytest.approx(100 * 25 / 250)
    assert row["rmse"] == pytest.approx(np.sqrt((100 + 100 + 25 + 0) / 4))
    assert row["share_ape_under_1pct"] == pytest.approx(1 / 3) and row["share_ape_under_5pct"] == pytest.approx(1 / 3)


def test_summarise_by_group():
    table = measures.errors(np.array([101.0, 99.0, 120.0]), np.array([100.0, 100.0, 100.0]))
    table["region"] = ["a", "a", "b"]
    out = measures.summarise(table, by=("region",)).set_index("region")
    assert out.loc["a", "mape"] == pytest.approx(1.0) and out.loc["b", "mape"] == pytest.approx(20.0)


OBS_HEADER = "region,year,quantity,value,source\n"


def _obs(tmp_path, rows):
    path = tmp_path / "obs.csv"
    path.write_text(OBS_HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("row,needle", [
    ("532999,2022,population,100,x", r"column 'region'.*532999"),
    ("532901,2022,people,100,x", r"column 'quantity'.*people"),
    ("532901,2022,population,-5,x", r"column 'value'.*-5"),
    ("532901,2150,population,100,x", r"column 'year'.*2150"),
    ("532901,2021,births,5000,x", r"duplicated \(region, year, quantity, basis\)"),
])
def test_bad_observation_rows(tmp_path, row, needle):
    path = _obs(tmp_path, ["532901,2021,births,5000,x", row])
    with pytest.raises(om.OloyInputError, match=needle):
        om.load_observations(path)


def test_observations_in_a_scenario_are_evaluated(tmp_path):
    path = _obs(tmp_path, ["532900,2022,population,3300000,yearbook", "532901,2022,births,", "532900,2022,elderly_beds,12500,x"])
    scenario = tmp_path / "s.toml"
    scenario.write_text(f'extends = "baseline"\n[projection]\nobservations_file = "{path.name}"\n', encoding="utf-8")
    result = om.run(scenario)
    table = result.evaluation
    assert list(table["quantity"]) == ["population", "births", "elderly_beds"]
    assert np.isnan(table.loc[1, "pe"]) and table.loc[0, "projected"] > 3_000_000
    summary = om.evaluate(result, om.load_observations(path), by=("quantity",)).set_index("quantity")
    assert summary.loc["births", "n_missing"] == 1


@pytest.fixture(scope="module")
def synthetic():
    truth = om.load_scenario(BASE).with_values(TRUTH, name="truth")
    result = om.run(truth)
    rows = []
    for quantity in ("population", "births", "deaths"):
        series = model_series(result, quantity)
        rows.append(series[series["year"].between(2021, 2024) & (series["region"] != "532900")].assign(quantity=quantity))
    observations = pd.concat(rows).assign(source="synthetic")[["region", "year", "quantity", "value", "source"]]
    observations = observations.reset_index(drop=True)
    observations["value"] = model_values(result, observations).to_numpy()
    return observations


@pytest.mark.slow
def test_calibration_recovers_known_parameters(synthetic):
    calibration = om.calibrate(BASE, synthetic)
    assert calibration.success
    parameters = calibration.parameters.set_index(["parameter", "region"])["calibrated"]
    from oloy_model.demography import local_estimates as estimates

    assert parameters[("fertility_level_multiplier", "532900")] == pytest.approx(1.05 / estimates.prefecture_tfr_ratio(), rel=2e-3)
    assert parameters[("e0_shift_years", "532900")] == pytest.approx(77.5 - 76.56, abs=0.02)
    assert parameters[("migration_multiplier", "532901")] == pytest.approx(1.5, abs=0.01)
    assert parameters[("migration_multiplier", "532925")] == pytest.approx(0.6, abs=0.01)
    assert calibration.scenario["fertility.level_ratio"] == pytest.approx(1.05, rel=2e-3)
    # The calibrated scenario, run normally, reproduces every observation to < 0.1%.
    check = om.evaluate(om.run(calibration.scenario), synthetic, by=())
    assert check["mape"].iloc[0] < 0.1 and (calibration.fit["pe_after"].abs() < 0.1).all()
    assert (calibration.fit["pe_before"].abs() > 1).any()


def test_components_can_be_switched_off(synthetic):
    calibration = om.calibrate(BASE, synthetic, migration=False, mortality_level=False)
    parameters = calibration.parameters
    assert (parameters.loc[parameters.parameter == "migration_multiplier", "calibrated"] == 1.0).all()
    assert parameters.loc[parameters.parameter == "e0_shift_years", "calibrated"].iloc[0] == 0.0


@pytest.mark.slow
def test_decomposition_adds_up_exactly(synthetic):
    observations = pd.concat([synthetic, pd.DataFrame({"region": ["532900"], "year": [2024], "quantity": ["elderly_beds"],
                                                       "value": [15000.0], "source": ["synthetic"]})], ignore_index=True)
    rebased = om.rebase(BASE, observations)
    table = om.decompose(rebased, "532901", 2030)
    for _, cell in table.groupby(["service", "basis"]):
        cell = cell.set_index("component")["change"]
        parts = cell[["births", "deaths", "migration", "norms", "capacity"]].sum()
        assert parts == pytest.approx(cell["rebased_gap"] - cell["plan_gap"], abs=1e-9)
    capacity = table[(table.component == "capacity") & (table.service == "elderly_beds")]["change"]
    assert (capacity != 0).all()  # 15,000 delivered vs about 16,450 planned by 2024 changes the gap
    total = rebased.result.capacity.query("year == 2024 and service == 'elderly_beds'")["capacity"].sum()
    assert total == pytest.approx(15000.0)
    from oloy_model.reporting import figures

    figure, data = figures.waterfall(table, "elderly_beds", "norm")
    assert list(data["component"]) == ["plan_gap", "births", "deaths", "migration", "norms", "capacity", "rebased_gap"]


def test_backtest_from_2010():
    tables = backtest.backtest()
    errors = tables["errors"]
    # The 2010 base projected with no migration misses the 2020 census total by the decade's net migration.
    prefecture = errors.query("rule == 'none' and band == 'total' and region == '532900'").iloc[0]
    assert prefecture["observed"] == 3_337_559
    assert 5 < prefecture["pe"] < 10
    assert (errors["observed"] > 0).all()
    measures_table = tables["measures"].set_index(["rule", "band"])
    # Migration dominates the county error of the total: adding it cuts the MAPE sharply.
    assert measures_table.loc[("observed", "total"), "mape"] < 0.5 * measures_table.loc[("none", "total"), "mape"]
    assert tables["assumptions"]["value"].iloc[0] > 70  # e0 female 2010 from the census CDR


def test_backtest_cli(capsys, tmp_path):
    from oloy_model.cli import main

    assert main(["backtest", "--out", str(tmp_path / "bt")]) == 0
    out = capsys.readouterr().out
    assert "mape" in out and (tmp_path / "bt" / "backtest_errors.csv").is_file()
    assert (tmp_path / "bt" / "manifest.json").is_file()
