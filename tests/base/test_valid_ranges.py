"""The valid range is the contract: every value inside the documented ranges runs.

A seeded property test samples scenarios uniformly inside every key's valid range (the
schema's, so new keys are covered) and the documented cross-key constraints, and asserts
that each runs to completion with finite, non-negative populations, demand and capacity.
Most draws use a short horizon (2021-2024) to stay cheap; every fortieth samples the full horizon range
(marked ``slow``: about 2-4 minutes on a shared machine).
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import oloy_model as om
from oloy_model.cli import main
from oloy_model.base.schema import EFFECT_SCHEMA, SCHEMA

N_SCENARIOS = 200
SEED = 20240611
REGIONS = om.regions()["region"].tolist()


def uniform(rng, key):
    if key.type == "int":
        return int(rng.integers(int(key.minimum), int(key.maximum) + 1))
    return float(rng.uniform(key.minimum, key.maximum))


def sample(rng: np.random.Generator, long: bool) -> dict:
    """One scenario's values, uniform inside the valid ranges and the documented constraints."""
    values = {}
    for name, key in SCHEMA.items():
        if key.type in ("float", "int") and key.minimum is not None:
            values[name] = uniform(rng, key)
        elif key.type == "auto_float":
            values[name] = "auto" if rng.random() < 0.3 else uniform(rng, key)
        elif key.type == "choice":
            values[name] = str(rng.choice(key.choices))
        elif key.type == "bool":
            values[name] = bool(rng.random() < 0.5)
        elif key.type == "region_map":
            chosen = rng.choice(REGIONS, size=int(rng.integers(0, 4)), replace=False)
            values[name] = {str(code): uniform(rng, key) for code in chosen}
    values["fertility.effects"] = [{field: uniform(rng, key) for field, key in EFFECT_SCHEMA.items()
                                    if key.type == "float"} for _ in range(int(rng.integers(0, 3)))]
    # Documented constraints (schema.CONSTRAINTS): sample the dependent key inside its allowed part.
    if not long:
        values["projection.horizon"] = int(rng.integers(2021, 2025))
    start, end = sorted((values["migration.taper_start"], values["migration.taper_end"]))
    values["migration.taper_start"], values["migration.taper_end"] = start, end
    values["demand.care_need_share_60plus"] = float(rng.uniform(0.0, min(0.5, values["demand.care_need_cap"])))
    values["demand.institutional_share_60plus"] = float(rng.uniform(0.0, min(0.2, values["demand.care_need_share_60plus"])))
    decision_key, horizon_key = SCHEMA["plan.decision_year"], SCHEMA["plan.horizon"]
    decision = int(rng.integers(decision_key.minimum, decision_key.maximum + 1))
    values["plan.decision_year"] = decision
    values["plan.horizon"] = int(rng.integers(max(decision + 1, horizon_key.minimum), horizon_key.maximum + 1))
    return values


def check_result(result):
    for frame, column in ((result.projection.population, "population"), (result.projection.births, "births"),
                          (result.capacity, "capacity"),
                          (result.demand, "demand")):
        data = frame[column].to_numpy(float)
        assert np.all(np.isfinite(data)) and np.all(data >= 0), column
    assert not np.isinf(result.indicators["value"].to_numpy(float)).any()


@pytest.mark.slow
def test_random_scenarios_inside_the_valid_ranges_run():
    rng = np.random.default_rng(SEED)
    base = om.load_scenario("baseline")
    seen_long = []
    for index in range(N_SCENARIOS):
        long = index % 40 == 0
        values = sample(rng, long)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", om.DemographicWarning)
            scenario = base.with_values(values, name=f"random_{index}")
            result = om.run(scenario)
        check_result(result)
        deaths = result.projection.deaths["deaths"].to_numpy()
        assert np.all(np.isfinite(deaths)) and deaths.min() > -1e-6  # deaths are a difference: rounding only
        seen_long.append(values["projection.horizon"])
    assert max(seen_long) > 2080  # the long draws reach far into the horizon range


# -- the cases named in issue 11 (item 8) and the documented rules of item 7 ----------------------

def short(changes):
    return om.load_scenario("baseline").with_values({"projection.horizon": 2023} | changes)


def test_zero_care_need_with_zero_institutional_share_runs():
    result = om.run(short({"demand.care_need_share_60plus": 0.0, "demand.institutional_share_60plus": 0.0}))
    uptake = result.demand[(result.demand["basis"] == "uptake") & (result.demand["service"] != "childcare_places")]
    assert (uptake["demand"] == 0).all()
    check_result(result)


def test_constant_loss_of_a_year_a_year_to_2100_runs_with_a_warning():
    scenario = om.load_scenario("baseline").with_values(
        {"projection.horizon": 2100, "mortality.trend": "constant", "mortality.annual_gain": -1.0})
    with pytest.warns(om.DemographicWarning, match="capped"):
        projection = om.project(scenario)
    assert np.isfinite(projection.population["population"]).all()
    e0 = projection.assumptions[projection.assumptions["quantity"].str.startswith("e0")]["value"]
    assert e0.min() == pytest.approx(30.0)


def test_highest_e0_without_sex_gap_runs():
    with pytest.warns(om.DemographicWarning, match="capped"):
        projection = om.project(short({"mortality.e0_base": 100.0, "mortality.sex_gap": 0.0}))
    assert np.isfinite(projection.population["population"]).all()


@pytest.mark.parametrize("regions", ["all", "one"])
def test_zero_population_gives_nan_indicators_not_inf(tmp_path, regions):
    pop = om.base_population()
    if regions == "one":
        pop = pop[pop["region"] == "532901"]
    pop = pop.assign(population=0.0)
    path = tmp_path / "zeros.csv"
    pop.to_csv(path, index=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", om.DemographicWarning)
        result = om.run(short({"projection.base_population_file": str(path)}))
    check_result(result)
    indicators = result.indicators
    empty = indicators[(indicators["region"] == "532901") & (indicators["indicator"] == "elderly_beds_per_1000_60plus")]
    assert empty["value"].isna().all() and empty["met"].isna().all()
    assert not (indicators["met"].fillna(False) & indicators["value"].isna()).any()


def test_cli_run_with_zero_care_need_exits_0(tmp_path):
    path = tmp_path / "no_need.toml"
    path.write_text('extends = "baseline"\n[projection]\nhorizon = 2022\n[demand]\ncare_need_share_60plus = 0.0\n'
                    'institutional_share_60plus = 0.0\n', encoding="utf-8")
    assert main(["run", str(path), "--out", str(tmp_path / "out"), "--no-figures"]) == 0


def test_childcare_enrolment_maximum_enrols_at_most_every_child():
    """At the valid maximum the assumed age shape enrols no more than all children aged 2."""
    from oloy_model.demography.assumptions import resolve
    from oloy_model.planning.result import uptake_parameters

    demand = resolve(short({"demand.childcare_enrolment": SCHEMA["demand.childcare_enrolment"].maximum})).demand
    assert uptake_parameters(demand)["enrolment"].max() <= 1.0


@pytest.mark.slow
@pytest.mark.parametrize("horizon", [2021, 2025])
def test_cli_run_with_figures_and_report_for_a_short_horizon(tmp_path, horizon):
    """Every horizon in the valid range gives the full outputs: the summary, the workbook, the
    maps (only when 2030 is projected) and the anchoring paragraph skip the years not projected."""
    path = tmp_path / "short.toml"
    path.write_text(f'name = "short"\nextends = "baseline"\n[projection]\nhorizon = {horizon}\n', encoding="utf-8")
    assert main(["run", str(path), "--out", str(tmp_path / "out")]) == 0
    assert (tmp_path / "out" / "report.html").is_file() and (tmp_path / "out" / "oloy_results.xlsx").is_file()
