"""No inert keys: every numeric scenario key changes the result, or is documented as inert.

The keys come from the schema, so a new key is covered automatically. For each key a value
inside its valid range (and different from the default) is set on a base scenario; the test
asserts that the projection, the gaps or (for ``stochastic.*``) a small ensemble change, or
that the schema documents the key as inert under the base settings and validation warns
(:class:`~oloy_model.base.errors.InertKeyWarning`) -- and then that the key does act under the
settings in ``ACTIVATE``. A warning for a key that does act fails too (no false alarms).
"""
from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest

import oloy_model as om
from oloy_model.planning import workforce
from oloy_model.base.errors import InertKeyWarning
from oloy_model.base.schema import EFFECT_SCHEMA, SCHEMA

HORIZON = 2050  # past 2035 (every norm path point in use) and past every plan.horizon the test tries
EFFECT = {"name": "probe", "onset": 2024.5, "peak": 0.1, "ramp_years": 2.0, "plateau_years": 2.0,
          "decay_years": 5.0, "floor": 0.05}
NUMERIC = ("float", "int", "auto_float", "region_map")
SCENARIO_KEYS = [k for k, key in SCHEMA.items() if key.type in NUMERIC and key.minimum is not None
                 and key.minimum != key.maximum]
FIXED_KEYS = [k for k, key in SCHEMA.items() if key.type in NUMERIC and key.minimum == key.maximum]
EFFECT_KEYS = [k for k, key in EFFECT_SCHEMA.items() if key.type in NUMERIC]

# Settings under which a key that is inert at the base settings acts (one entry per such key).
ACTIVATE = {
    "fertility.offset_start": {"fertility.tfr_offset": 0.2},
    "mortality.annual_gain": {"mortality.trend": "constant"},
    "migration.scale_end": {"migration.taper_start": 2020, "migration.taper_end": 2035},
    "migration.taper_start": {"migration.scale_end": 0.5, "migration.taper_end": 2100},
    "migration.taper_end": {"migration.scale_end": 0.5},
}


@pytest.fixture(scope="module")
def base():
    return om.load_scenario("baseline").with_values({"projection.horizon": HORIZON})


def candidates(key) -> list:
    """Values in the valid range, different from the default, nearest first."""
    low, high = key.minimum, key.maximum
    default = key.default if isinstance(key.default, (int, float)) and not isinstance(key.default, bool) else None
    centre = default if default is not None else (low + high) / 2
    step = (high - low) / 10
    values = [centre + step, centre - step, low, high, (low + high) / 2]
    if key.type == "int":
        values = [int(round(v)) for v in values]
    return [v for v in values if low <= v <= high and v != default]


def perturb(scenario, name, key):
    """The first candidate that validates: (value, scenario, inert warnings), or None."""
    for value in candidates(key):
        change = {name: {"532901": value} if key.type == "region_map" else value}
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                changed = scenario.with_values(change)
        except om.OloyInputError:
            continue  # valid alone, not with the base settings (e.g. taper_start > taper_end)
        return value, changed, [w for w in caught if issubclass(w.category, InertKeyWarning)
                                and f"'{name}'" in str(w.message)]
    return None


def fingerprint(scenario, stochastic: bool = False, name: str = "") -> list[np.ndarray]:
    """The projection and the gaps, or for stochastic keys a small ensemble's summaries; for
    ``plan.*`` keys the build schedule (with a small ensemble for the risk, which acts only
    through one) and for ``workforce.*`` keys the staff and home-care tables."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if name.startswith("plan."):
            ensemble = om.simulate(scenario, draws=20, seed=7) if name == "plan.risk" else None
            plan = om.plan_additions(scenario, ensemble=ensemble)
            return [plan.schedule.select_dtypes("number").to_numpy(), plan.stranded.select_dtypes("number").to_numpy()]
        if name.startswith("workforce."):
            result = om.run(scenario)
            return [workforce.workforce_table(result).select_dtypes("number").to_numpy(),
                    workforce.home_care_table(result).select_dtypes("number").to_numpy()]
        if stochastic:
            ensemble = om.simulate(scenario.with_values({"projection.horizon": 2024}), draws=3, seed=7)
            return [ensemble.quantiles().select_dtypes("number").to_numpy(),
                    ensemble.gap_probabilities().select_dtypes("number").to_numpy()]
        result = om.run(scenario)
    return [result.projection.population["population"].to_numpy(),
            result.gaps[["demand", "capacity"]].to_numpy()]


def differs(a: list[np.ndarray], b: list[np.ndarray]) -> bool:
    return any(x.shape != y.shape or not np.array_equal(x, y, equal_nan=True) for x, y in zip(a, b))


def check_key(base_scenario, name, key, *, effect=False):
    label = f"fertility.effects[0].{name}" if effect else name
    stochastic = name.startswith("stochastic.")
    probe = _perturb_effect(base_scenario, name, key) if effect else perturb(base_scenario, name, key)
    if probe is not None:
        value, changed, warned = probe
        acts = differs(fingerprint(base_scenario, stochastic, name), fingerprint(changed, stochastic, name))
        assert acts != bool(warned), (f"{label} = {value!r}: " + ("acts but validation warns it is inert" if acts else
                                      "has no effect and no InertKeyWarning; document it in the schema's 'inert'"))
        if acts:
            return
    # Inert (or not settable alone) at the base settings: documented, and acting elsewhere.
    from oloy_model.base.inert import RULES

    assert key.inert, f"{label} is inert at the base settings but the schema documents no condition"
    assert effect or RULES[name](base_scenario.values), f"{label}: the documented condition does not hold here"
    activation = ACTIVATE.get(label)
    assert activation, f"{label} is inert at the base settings: add settings under which it acts to ACTIVATE"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InertKeyWarning)
        active = base_scenario.with_values(activation)
    probe = perturb(active, name, key)
    assert probe is not None and not probe[2], f"{label} cannot be set, or warns, under {activation}"
    assert differs(fingerprint(active, stochastic, name), fingerprint(probe[1], stochastic, name)), \
        f"{label} has no effect under {activation}"


# The build schedule's levers (rate caps, conversions) act only when the plan has to build and
# the caps bind: a base where every service falls short on the norm basis, with tight caps.
PLAN_STRESS = {"demand.elderly_beds_per_1000_2035": 45.0, "demand.nursing_share_2035": 0.8,
               "demand.childcare_per_1000_2035": 9.0, "plan.max_open_rate_elderly": 0.05,
               "plan.max_open_rate_childcare": 0.05}
# Childcare conversions act only where childcare is in surplus and beds are short (the baseline).
UNSTRESSED_PLAN_KEYS = ("plan.childcare_places_per_bed",)


@pytest.mark.slow  # a projection (plan.* keys: a build-schedule MILP) per key and value: about 65 s
@pytest.mark.parametrize("name", SCENARIO_KEYS)
def test_every_numeric_key_acts_or_is_documented_inert(base, name):
    stressed = name.startswith("plan.") and name not in UNSTRESSED_PLAN_KEYS
    check_key(base.with_values(PLAN_STRESS) if stressed else base, name, SCHEMA[name])


def _perturb_effect(scenario, name, key):
    for value in candidates(key):
        effect = EFFECT | {name: value}
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                changed = scenario.with_values({"fertility.effects": [effect]})
        except om.OloyInputError:
            continue
        return value, changed, [w for w in caught if issubclass(w.category, InertKeyWarning)
                                and f".{name}'" in str(w.message)]
    return None


@pytest.mark.parametrize("name", EFFECT_KEYS)
def test_every_numeric_effect_key_acts(base, name):
    with_effect = base.with_values({"fertility.effects": [EFFECT]})
    check_key(with_effect, name, EFFECT_SCHEMA[name], effect=True)


def test_fixed_keys_have_a_single_valid_value():
    """Keys whose range is one value (base_year) cannot be perturbed: the range says so."""
    for name in FIXED_KEYS:
        assert SCHEMA[name].minimum == SCHEMA[name].maximum == SCHEMA[name].default


@pytest.mark.parametrize("name, settings, changes", [
    ("mortality.annual_gain", {}, {"mortality.annual_gain": 0.3}),
    ("migration.scale_end", {}, {"migration.scale_end": 0.5}),
    ("migration.taper_end", {}, {"migration.taper_end": 2030}),
    ("fertility.offset_start", {}, {"fertility.offset_start": 2030}),
    ("fertility.tfr_offset", {"fertility.offset_start": HORIZON + 5}, {"fertility.tfr_offset": 0.3}),
    ("demand.nursing_share_2035", {"projection.horizon": 2025}, {"demand.nursing_share_2035": 0.7}),
    ("migration.scale", {"migration.scale_end": 0.5, "migration.taper_end": 2021}, {"migration.scale": 2.0}),
])
def test_inert_warning_names_the_key_and_the_condition(base, name, settings, changes):
    scenario = base.with_values(settings)
    with pytest.warns(InertKeyWarning, match=rf"'{name}' is set but has no effect when .*{re.escape(SCHEMA[name].inert[:12])}"):
        scenario.with_values(changes)


def test_readme_example_changes_the_projection(base):
    """Issue 11 item 6: migration.scale alone used to return the baseline to the last digit."""
    half = base.with_values({"migration.scale": 0.5}, name="half_migration")
    one, two = om.project(base), om.project(half)
    assert not np.allclose(one.net_migration["net_migration"], two.net_migration["net_migration"])
    path = two.assumptions[two.assumptions["quantity"] == "migration_scale"]["value"]
    assert (path == 0.5).all() and len(path) == HORIZON - 2020


def test_bundled_scenarios_set_no_inert_key():
    for name in om.list_scenarios():
        with warnings.catch_warnings():
            warnings.simplefilter("error", InertKeyWarning)
            om.load_scenario(name)


def test_every_documented_inert_condition_has_a_rule():
    from oloy_model.base.inert import EFFECT_RULES, RULES

    assert {k for k, key in SCHEMA.items() if key.inert} == set(RULES)
    assert {k for k, key in EFFECT_SCHEMA.items() if key.inert} == set(EFFECT_RULES)
