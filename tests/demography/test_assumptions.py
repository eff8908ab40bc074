"""The typed, resolved assumptions (oloy_model.demography.assumptions): one field per schema key,
"auto" resolved in one place, immutable, cached; no module reads a scenario by string key."""
from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

import oloy_model as om
from oloy_model.demography import local_estimates as estimates
from oloy_model.demography import variability
from oloy_model.uncertainty import stochastic
from oloy_model.demography.assumptions import AUTO, SECTION_TYPES, Effect, resolve
from oloy_model.base.schema import EFFECT_SCHEMA, SCHEMA, SECTIONS

PACKAGE = Path(om.__file__).parent


def _typed_keys() -> list[str]:
    return [f"{section}.{f.name}" for section, cls in SECTION_TYPES.items() for f in dataclasses.fields(cls)]


def test_every_schema_key_has_exactly_one_typed_field_and_vice_versa():
    keys = _typed_keys()
    assert len(keys) == len(set(keys))
    assert sorted(keys) == sorted(SCHEMA)
    assert tuple(SECTION_TYPES) == SECTIONS


def test_every_effect_key_has_one_field():
    assert [f.name for f in dataclasses.fields(Effect)] == list(EFFECT_SCHEMA)


def test_auto_resolvers_are_exactly_the_auto_keys_plus_none_else():
    auto_keys = {name for name, key in SCHEMA.items() if key.type == "auto_float"}
    assert set(AUTO) == auto_keys


def test_every_section_is_an_attribute_of_the_assumptions():
    a = resolve(om.load_scenario("baseline"))
    for section, cls in SECTION_TYPES.items():
        assert isinstance(getattr(a, section), cls), section


def test_auto_values_resolve_to_the_models_estimates():
    sc = om.load_scenario("baseline")
    assert sc["fertility.level_ratio"] == "auto" and sc["mortality.sex_gap"] == "auto"  # the premise
    a = resolve(sc)
    assert a.fertility.level_ratio == estimates.prefecture_tfr_ratio()
    assert a.fertility.srb == estimates.census_srb()
    assert a.mortality.sex_gap == estimates.wpp_sex_gap(a.projection.base_year)
    assert a.demand.elderly_beds_per_1000_2030 is None
    assert 2030 not in a.demand.norm_paths["elderly_beds_per_1000_60plus"]
    assert a.stochastic.fertility_sd == variability.fit_fertility()["sd"]
    assert a.stochastic.e0_sd == variability.fit_mortality()["sd"]


def test_stated_values_are_kept_and_typed():
    sc = om.load_scenario("baseline").with_values({
        "fertility.level_ratio": 1.1, "mortality.sex_gap": 4, "demand.nursing_share_2030": 0.6,
        "stochastic.e0_sd": 0.2, "migration.county_scale": {"532901": 0.5},
        "fertility.effects": [{"name": "x", "peak": 0.1}]})
    a = resolve(sc)
    assert a.fertility.level_ratio == 1.1
    assert a.mortality.sex_gap == 4.0 and isinstance(a.mortality.sex_gap, float)
    assert a.demand.norm_paths["nursing_share"][2030] == 0.6
    assert a.stochastic.e0_sd == 0.2
    assert dict(a.migration.county_scale) == {"532901": 0.5}
    assert a.fertility.effects == (Effect("x", EFFECT_SCHEMA["onset"].default, 0.1, 1.0, 0.0, 0.0, 0.0),)
    assert a.capacity.ledger_file is None and a.projection.observations_file is None  # "" = no file


def test_assumptions_are_immutable():
    a = resolve(om.load_scenario("baseline"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.fertility.level_ratio = 2.0
    with pytest.raises(TypeError):
        a.migration.county_scale["532901"] = 2.0


def test_resolve_is_cached_per_scenario_content():
    sc = om.load_scenario("baseline")
    assert resolve(sc) is resolve(om.load_scenario("baseline"))
    changed = sc.with_values({"mortality.e0_base": 78.0})
    assert resolve(changed).mortality.e0_base == 78.0
    assert resolve(sc).mortality.e0_base == 76.56
    described = sc.with_values({"scenario.description": "another text"})
    assert resolve(described).scenario.description == "another text"  # not in the hash, still not shared


def test_resolve_rejects_a_non_scenario():
    with pytest.raises(TypeError, match="resolve: expected a Scenario"):
        resolve({"projection.horizon": 2030})


# Reading a subscript with a literal "section.key" (SCHEMA[...] metadata look-ups and
# assignments to a dict of scenario changes excepted).
LOOKUP = re.compile(r"""(?<=[\w)\]])(?<!SCHEMA)\[\s*f?["'](?:%s)\.[A-Za-z0-9_{}]+["']\s*\](?!\s*=[^=])"""
                    % "|".join(SECTIONS))
# Validation works on the raw mapping before a Scenario exists; resolve() is the one reader.
READERS = {"assumptions.py", "scenario.py", "inert.py", "schema.py"}


def test_no_module_reads_scenario_values_by_string_key():
    found = [f"{path.relative_to(PACKAGE)}:{number}: {line.strip()}"
             for path in sorted(PACKAGE.rglob("*.py")) if path.name not in READERS
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if LOOKUP.search(line)]
    assert found == []


def test_the_lookup_pattern_finds_a_lookup():
    """The grep above can fail: it matches the forms the modules used before."""
    for line in ('v["fertility.srb"]', "v['plan.horizon']", 'scenario["projection.base_year"]',
                 'v[f"workforce.children_per_carer_age{age}"]'):
        assert LOOKUP.search(line), line
    for line in ('SCHEMA["migration.county_scale"]', 'changes["mortality.e0_base"] = 1.0', '[["plan.basis"]]'):
        assert not LOOKUP.search(line), line
