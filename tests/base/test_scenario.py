"""Scenario files: bundled set, validation errors, hashing, policy effects where planners look."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

import oloy_model as om
from oloy_model.cli import main
from oloy_model.base.schema import SCHEMA

ROOT = Path(__file__).resolve().parents[2]

# Pinned content hash of the bundled baseline. It changes only with the data, the schema
# defaults or HASH_VERSION, and every such change is recorded in CHANGELOG.md.
BASELINE_HASH = "ca90f40480f59d69b9b235b010fa5d95fad77ac9146ece572034e5bc195405a9"


def test_at_least_five_bundled_scenarios_all_valid():
    names = om.list_scenarios()
    assert len(names) >= 5 and "baseline" in names
    for name in names:
        scenario = om.load_scenario(name)
        assert scenario.name == name
        assert scenario["scenario.description"] and scenario["scenario.rationale"]


def test_content_hash_is_pinned_and_name_independent(tmp_path):
    baseline = om.load_scenario("baseline")
    assert baseline.content_hash == BASELINE_HASH
    copy = tmp_path / "renamed.toml"
    copy.write_text('name = "renamed"\nextends = "baseline"\n[scenario]\ndescription = "other words"\n', encoding="utf-8")
    assert om.load_scenario(copy).content_hash == BASELINE_HASH
    changed = baseline.with_values({"fertility.tfr_variant": "low"})
    assert changed.content_hash != BASELINE_HASH


@pytest.fixture(scope="module")
def births_by_scenario():
    return {name: om.project(name).births.groupby("year")["births"].sum() for name in om.list_scenarios()}


def test_births_differ_by_at_least_two_percent_in_2026_2030(births_by_scenario):
    base = births_by_scenario["baseline"].loc[2026:2030].sum()
    ratios = {n: b.loc[2026:2030].sum() / base for n, b in births_by_scenario.items()}
    assert max(ratios.values()) >= 1.02 and min(ratios.values()) <= 0.98
    assert ratios["three_child_support"] > 1.02


def test_three_child_extra_births_reach_ages_0_2_with_the_right_lag():
    base, policy = om.project("baseline").population, om.project("three_child_support").population
    key = ["year", "age"]
    diff = (policy.groupby(key)["population"].sum() - base.groupby(key)["population"].sum())
    # Effect from mid-2021: nothing born in the step ending 2021-11-01 is extra ...
    assert abs(diff[(2021, 0)]) < 1e-6 and abs(diff[(2022, 1)]) < 1e-6 and abs(diff[(2023, 2)]) < 1e-6
    # ... births of the step ending 2022 are: age 0 in 2022, 1 in 2023, 2 in 2024.
    assert diff[(2022, 0)] > 100 and diff[(2023, 1)] > 100 and diff[(2024, 2)] > 100
    assert diff[(2024, 2)] < diff[(2022, 0)]  # the same cohort, thinned by mortality and migration


def _write(tmp_path, text, name="bad.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _numeric_keys():
    return [k for k, spec in SCHEMA.items() if spec.type in ("float", "int", "auto_float")]


MALFORMED = {
    "invalid_toml": ("[fertility\ntfr_variant = 1", "not valid TOML"),
    "unknown_key": ("[fertility]\ntfr_varient = 'low'", "fertility.tfr_varient"),
    "unknown_section": ("[fertilty]\ntfr_variant = 'low'", "fertilty"),
    "out_of_range": ("[projection]\nhorizon = 2200", "projection.horizon"),
    "horizon_before_base": ("[projection]\nhorizon = 2010", "projection.horizon"),
    "bad_choice": ("[fertility]\ntfr_variant = 'medium-high'", "fertility.tfr_variant"),
    "missing_extends": ("extends = 'nowhere.toml'", "extends"),
    "missing_file": ("[projection]\nbase_population_file = 'missing.csv'", "projection.base_population_file"),
    "unknown_region": ("[migration]\ncounty_scale = {532999 = 0.5}", "migration.county_scale.532999"),
    "bad_effect_key": ("[[fertility.effects]]\npeek = 0.1", "fertility.effects[0].peek"),
    "bad_effect_value": ("[[fertility.effects]]\npeak = 'big'", "fertility.effects[0].peak"),
    "bool_as_number": ("[fertility]\ncounty_differentials = 1", "fertility.county_differentials"),
    "taper_backwards": ("[migration]\ntaper_start = 2030\ntaper_end = 2025", "migration.taper_end"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_files_exit_2_naming_the_key(tmp_path, capsys, case):
    text, needle = MALFORMED[case]
    path = _write(tmp_path, text)
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert needle in err and str(path) in err and "Traceback" not in err
    with pytest.raises(om.OloyInputError):
        om.load_scenario(path)


@pytest.mark.parametrize("key", _numeric_keys())
def test_every_numeric_key_rejects_a_string(tmp_path, capsys, key):
    section, name = key.split(".")
    path = _write(tmp_path, f'[{section}]\n{name} = "{"many" if SCHEMA[key].type != "auto_float" else "autom"}"\n')
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"'{key}'" in err and "expected" in err and "Traceback" not in err


def test_implausible_values_warn_but_validate(tmp_path, capsys):
    path = _write(tmp_path, "[mortality]\ne0_base = 97.0\n", "odd.toml")
    with pytest.warns(om.DemographicWarning, match="mortality.e0_base"):
        om.load_scenario(path)
    assert main(["validate", str(path)]) == 0
    assert "plausible range" in capsys.readouterr().err


def test_extends_cycle_is_an_error(tmp_path):
    _write(tmp_path, "extends = 'b.toml'\n", "a.toml")
    _write(tmp_path, "extends = 'a.toml'\n", "b.toml")
    with pytest.raises(om.OloyInputError, match="cycle"):
        om.load_scenario(tmp_path / "a.toml")


def test_unknown_bundled_name_suggests():
    with pytest.raises(om.OloyInputError, match="did you mean.*baseline"):
        om.load_scenario("baseline2")


def test_docs_are_generated_from_the_schema():
    spec = importlib.util.spec_from_file_location("update_docs", ROOT / "scripts" / "update_docs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert (ROOT / "docs" / "scenarios.md").read_text(encoding="utf-8") == module.render()


def test_county_overrides_apply():
    scenario = om.load_scenario("baseline").with_values({"fertility.county_multipliers": {"532901": 1.5},
                                                         "migration.county_scale": {"532922": 0.0}})
    result = om.project(scenario)
    tfr = result.assumptions.query("quantity == 'tfr' and year == 2030").set_index("region")["value"]
    base = om.project("baseline").assumptions.query("quantity == 'tfr' and year == 2030").set_index("region")["value"]
    assert tfr["532901"] > base["532901"] * 1.5  # 1.5 replaces the estimated 0.82
    assert np.all(result.net_migration.query("region == '532922'")["net_migration"] == 0)
