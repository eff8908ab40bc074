"""Anchored baseline (issue 13): official figures bundled, reproduced, shown; safe re-basing."""
from __future__ import annotations

import re
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import oloy_model as om
from oloy_model.demography.anchoring import tolerance_pct
from oloy_model.base.observations import bundled_observations, comparable, model_values
from oloy_model.base.schema import SCHEMA

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from bench_rebase import FOUR_COUNTIES, baseline_observations  # noqa: E402


@pytest.fixture(scope="module")
def baseline():
    return om.run("baseline")


def test_bundled_observations_keep_both_bases():
    table = bundled_observations()
    assert set(table["basis"]) == {"resident", "registered"}
    assert {"source", "quality", "moment", "quote"} <= set(table.columns)
    resident_2023 = table[(table.year == 2023) & (table.quantity == "population")].iloc[0]
    # Official year-end 2023 resident population of Dali prefecture (mirror of the bulletin figure).
    assert resident_2023["value"] == 3_342_000 and resident_2023["basis"] == "resident"
    assert (table.loc[table.quantity == "registered_population", "basis"] == "registered").all()


def test_baseline_reproduces_the_2023_year_end_total(baseline):
    # 3,342,000 residents at 31 December 2023 (data/observations, source dali_resident_2023_mirror);
    # the model's 1-November values interpolated to 31 December; tolerance 0.3% (issue 13).
    pop = baseline.projection.total("population", by=("region", "year"))
    total = pop.groupby("year")["population"].sum()
    year_end = total[2023] + 2 / 12 * (total[2024] - total[2023])
    assert year_end == pytest.approx(3_342_000, rel=0.003)


def test_every_resident_observation_within_its_tolerance(baseline):
    table = bundled_observations()
    usable = table[comparable(table)]
    assert len(usable) >= 1
    projected = model_values(baseline, usable)
    for row, value in zip(usable.itertuples(), projected):
        assert abs(value - row.value) / row.value * 100 <= tolerance_pct(row.region), row


def test_previous_assumption_is_kept_as_a_scenario():
    old = om.project("migration_2010_2020").total("population", by=("year",)).set_index("year")["population"]
    # The pre-anchoring baseline (issue 13: 3,260,106 on 2023-11-01), to 0.5% for the births-convention change.
    assert old[2023] == pytest.approx(3_260_106, rel=0.005)
    assert "migration_2010_2020" in om.list_scenarios()


def test_anchoring_is_plausible_by_county(baseline):
    new = baseline.projection.net_migration.groupby(["region", "year"])["net_migration"].sum()
    old = om.project("migration_2010_2020").net_migration.groupby(["region", "year"])["net_migration"].sum()
    # No county's migration changes direction in any year, and none grows in size except
    # through the shared out-migration multiplier (which is at most 1 here: the official
    # total is above the old path).
    assert (np.sign(new) == np.sign(old)).all()
    assert (new.abs() <= old.abs() + 1e-6).all()
    anchor = baseline.projection.assumptions.query("quantity == 'migration_anchor'").groupby("region")["value"].first()
    assert anchor["532901"] == 1.0  # the only in-migration county has no observation: unchanged
    assert ((anchor.drop("532901") > 0) & (anchor.drop("532901") < 1)).all()
    assert anchor.drop("532901").nunique() == 1  # one shared multiplier, the stated split


def test_scenarios_extending_baseline_inherit_the_anchoring():
    for name in ("high_fertility", "low_fertility", "no_three_child", "three_child_support"):
        scenario = om.load_scenario(name)
        assert scenario["migration.anchor"] == "observations", name
    assert om.load_scenario("migration_taper")["migration.anchor"] == "none"


def test_policy_scenarios_share_the_baselines_anchor(baseline):
    # The anchor is solved under status-quo fertility: a birth-policy scenario differs from the
    # baseline only by its births, and still reproduces the 2023 figure within its tolerance.
    def anchor(projection):
        return projection.assumptions.query("quantity == 'migration_anchor'").groupby("region")["value"].first()

    policy = om.project("three_child_support")
    pd.testing.assert_series_equal(anchor(policy), anchor(baseline.projection))
    total = policy.total("population", by=("year",)).set_index("year")["population"]
    assert total[2023] + 2 / 12 * (total[2024] - total[2023]) == pytest.approx(3_342_000, rel=0.003)


def _obs(tmp_path, text):
    path = tmp_path / "bulletin.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_registered_row_is_accepted_shown_and_not_fitted(tmp_path):
    path = _obs(tmp_path, "region,year,quantity,value,basis,source\n"
                          "532900,2022,registered_population,3646000,registered,my bulletin\n"
                          "532901,2022,births,4100,registered,my bulletin\n"
                          "532900,2022,population,3343000,resident,my bulletin\n")
    observations = om.load_observations(path)
    assert list(observations["basis"]) == ["registered", "registered", "resident"]
    calibration = om.calibrate("baseline", observations)
    assert list(calibration.fit["quantity"]) == ["population"]
    assert calibration.not_fitted["reason"].str.contains("registered").sum() == 2
    result = om.run(om.load_scenario("baseline").with_values({"projection.observations_file": str(path)}))
    shown = result.evaluation
    assert len(shown) == 3 and shown["projected"].isna().sum() == 2
    assert shown.loc[shown.basis == "registered", "note"].str.contains("not comparable").all()


def test_user_figures_re_anchor_the_baseline(tmp_path):
    path = _obs(tmp_path, "region,year,quantity,value\n532900,2024,population,3340000\n")
    scenario = om.load_scenario("baseline").with_values({"migration.anchor_file": str(path)})
    pop = om.project(scenario).total("population", by=("year",)).set_index("year")["population"]
    for year, observed in ((2023, 3_342_000), (2024, 3_340_000)):
        year_end = pop[year] + 2 / 12 * (pop[year + 1] - pop[year])
        assert year_end == pytest.approx(observed, rel=0.003)


def test_registered_population_must_be_registered_basis(tmp_path):
    path = _obs(tmp_path, "region,year,quantity,value,basis\n532900,2022,registered_population,3646000,resident\n")
    with pytest.raises(om.OloyInputError, match=r"column 'basis'.*registered"):
        om.load_observations(path)


CASES = {
    "x1.02": lambda result: baseline_observations(result, 1.02),
    "x1.005": lambda result: baseline_observations(result, 1.005),
    "x0.98": lambda result: baseline_observations(result, 0.98),
    "four_counties": lambda result: baseline_observations(result, 1.0, ("population",), FOUR_COUNTIES),
}


def _within_schema(scenario) -> None:
    for key in ("fertility.level_ratio", "mortality.e0_base"):
        if scenario[key] != "auto":
            assert SCHEMA[key].minimum <= scenario[key] <= SCHEMA[key].maximum, key
    for code, value in scenario["migration.county_scale"].items():
        assert 0.0 <= value <= SCHEMA["migration.county_scale"].maximum, code


@pytest.mark.slow
@pytest.mark.parametrize("case", list(CASES))
def test_rebase_cases_are_safe(baseline, case):
    observations = CASES[case](baseline)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        rebased = om.rebase("baseline", observations)
    calibration = rebased.calibration
    _within_schema(calibration.scenario)
    parameters = calibration.parameters
    assert (parameters["at_bound"] != "").sum() == len(calibration.bound_hits)
    if calibration.bound_hits:
        assert any("ended on a bound" in str(w.message) for w in caught)
    # Each distinct warning once (messages that differ only in numbers are the same warning).
    templates = [re.sub(r"-?\d[\d,.]*", "#", str(w.message)) for w in caught]
    assert len(templates) == len(set(templates)), templates
    # Totals alone never move fertility or mortality: they stay at the scenario's values.
    if case == "four_counties":
        fixed = parameters[parameters.parameter != "migration_multiplier"]
        assert not fixed["fitted"].any() and (fixed["calibrated"] == fixed["prior"]).all()
        moved = parameters[(parameters.parameter == "migration_multiplier") & parameters.fitted]
        assert set(moved["region"]) == set(FOUR_COUNTIES)
        unobserved = parameters[(parameters.parameter == "migration_multiplier") & ~parameters.region.isin(list(FOUR_COUNTIES))]
        assert (unobserved["calibrated"] == 1.0).all()
    else:
        e0 = parameters.set_index("parameter").loc["e0_shift_years", "calibrated"]
        assert abs(e0) < 2.0  # deaths inform mortality; no wild shift absorbing migration
        ratio = calibration.scenario["fertility.level_ratio"]
        assert ratio != "auto" and SCHEMA["fertility.level_ratio"].plausible[0] <= ratio <= SCHEMA["fertility.level_ratio"].plausible[1]


@pytest.mark.parametrize("factor", [1.002, 1.005])
def test_population_totals_alone_leave_fertility_at_its_prior(factor):
    observations = bundled_observations()
    observations.loc[observations.quantity == "population", "value"] *= factor
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        calibration = om.calibrate("baseline", observations)
    assert len(caught) == len(calibration.bound_hits)  # the bound hit is announced once, nothing else
    parameters = calibration.parameters.set_index("parameter")
    assert parameters.loc["fertility_level_multiplier", "calibrated"] == 1.0
    assert parameters.loc["e0_shift_years", "calibrated"] == 0.0
    assert om.load_scenario("baseline")["fertility.level_ratio"] == calibration.scenario["fertility.level_ratio"]
    if factor == 1.002:
        assert calibration.fit["pe_after"].abs().max() < 0.01 and not calibration.bound_hits
    else:
        # +0.5% needs more than stopping the out-migration counties' remaining loss: the
        # shared multiplier ends on its lower bound (0) and says so; Dali City is not moved.
        assert len(calibration.bound_hits) == 1 and "out-migration counties" in calibration.bound_hits[0]
        assert calibration.fit["pe_after"].abs().max() < calibration.fit["pe_before"].abs().max()
        assert parameters.set_index("region").loc["532901", "calibrated"] == 1.0


@pytest.mark.slow
def test_one_command_with_next_years_figures(tmp_path):
    from oloy_model.cli import main

    path = _obs(tmp_path, "region,year,quantity,value,basis,source\n"
                          "532900,2024,population,3338000,resident,2024 bulletin\n"
                          "532900,2024,registered_population,3640000,registered,2024 bulletin\n")
    out = tmp_path / "out"
    assert main(["run", "baseline", "--no-figures", "--observations", str(path), "--out", str(out)]) == 0
    table = pd.read_excel(out / "oloy_results.xlsx", sheet_name="official_statistics")
    row = table[(table.year == 2024) & (table.quantity == "population")].iloc[0]
    assert abs(row["error_pct"]) <= 0.3 and "within tolerance" in row["status"]
    assert table.loc[table.basis == "registered", "status"].str.startswith("not comparable").all()
    assert (table.year == 2023).any()  # the bundled figures stay


def test_bad_observations_file_exits_2(tmp_path, capsys):
    from oloy_model.cli import main

    path = _obs(tmp_path, "region,year,quantity,value,basis\n532900,2024,population,3338000,census\n")
    assert main(["run", "baseline", "--no-figures", "--observations", str(path), "--out", str(tmp_path / "o")]) == 2
    assert "column 'basis'" in capsys.readouterr().err


def test_report_section_states_what_anchoring_changed(baseline):
    from oloy_model.reporting.report import official_section

    caption, paragraph, tables = official_section([baseline])
    assert "registered" in caption
    official, changes = tables[0][1], tables[1][1]
    assert len(official) == len(bundled_observations())
    assert official["model"].isna().sum() == (~comparable(bundled_observations())).sum()
    row = changes.set_index(["item", "year"]).loc[("population (31 Dec)", 2023)]
    # The paragraph is computed from the table: both 31 December 2023 values appear in it.
    assert f"{row['anchored']:,.0f}" in paragraph and f"{row['previous']:,.0f}" in paragraph
    assert {"gap elderly_beds (norm)", "gap childcare_places (uptake)"} <= set(changes["item"])
