"""The orchestrator: ``project(scenario) -> Projection``. It wires the pure modules together
and holds no formula of its own.

"Population in year t" is the population at 00:00 on 1 November of year t (the census
moment, 2020-11-01, and its anniversaries). The flows of year t (births, deaths, net
migration) are those of the step from 1 November t-1 to 1 November t; rates of calendar year
t are used for that step (ten of its twelve months fall in t).
"""
from __future__ import annotations

import dataclasses
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import ccmpp, estimates, fertility
from .caching import read_only_cache
from .dimensions import AGES, N_AGES, SEXES
from .errors import DemographicWarning
from .hierarchy import area_code
from .inert import taper_weights
from .migration import at_risk
from .population import base_population
from .scenario import Scenario, load_scenario
from .tidy import to_frame


@dataclass(frozen=True)
class Projection:
    """Result of :func:`project` (tidy long DataFrames, see the API contract).

    Attributes
    ----------
    scenario : Scenario
    population : DataFrame [scenario, region, year, sex, age, population]
    births : DataFrame [scenario, region, year, sex, births]
    deaths : DataFrame [scenario, region, year, sex, age, deaths]
    net_migration : DataFrame [scenario, region, year, sex, age, net_migration]
    assumptions : DataFrame [scenario, region, year, quantity, value]
        The paths used: ``tfr`` by region, ``e0_female`` / ``e0_male`` and ``srb``
        (the prefecture's region), ``migration_scale``; ``migration_anchor`` by region when the
        scenario is anchored (the multiplier on each county's 2010-2020 schedule).
    """

    scenario: Scenario
    population: pd.DataFrame
    births: pd.DataFrame
    deaths: pd.DataFrame
    net_migration: pd.DataFrame
    assumptions: pd.DataFrame

    def total(self, frame: str = "population", by: tuple[str, ...] = ("scenario", "region", "year")) -> pd.DataFrame:
        """Sum a table over the other index columns (e.g. prefecture totals by year)."""
        table = getattr(self, frame)
        value = table.columns[-1]
        return table.groupby(list(by), as_index=False)[value].sum()


@dataclass(frozen=True)
class Inputs:
    """Arrays for the kernel, built from a scenario (regions x sexes x ages)."""

    codes: list[str]
    years: np.ndarray  # years of the steps' ends: base+1 .. horizon
    base: np.ndarray  # (R, 2, 101)
    survival: np.ndarray  # (T, 2, 101)
    asfr: np.ndarray  # (T, R, 101)
    srb: np.ndarray  # (T,)
    migration_rates: np.ndarray  # (T, R, 2, 101) per person at risk (basis = rates), else zeros
    migration_counts: np.ndarray  # (T, R, 2, 101) persons (basis = counts), else zeros
    tfr: np.ndarray  # (T, R)
    e0: np.ndarray  # (T, 2)
    migration_scale: np.ndarray  # (T,)
    migration_anchor: np.ndarray | None = None  # (R,) anchoring multipliers (None = not anchored)


def _base_cube(values) -> tuple[list[str], np.ndarray]:
    path = values["projection.base_population_file"] or None
    pop = base_population(values["projection.base_year"], method=values["projection.base_method"],
                          open_age_method=values["projection.open_age_method"], path=path)
    return estimates.population_cube(pop)


def scale_path(years: np.ndarray, values) -> np.ndarray:
    """Migration multiplier by year [-]: ``scale`` in every year without a taper
    (``taper_start = taper_end``); with one, ``scale`` until taper_start, linear to
    ``scale_end`` at taper_end, ``scale_end`` after (:func:`oloy_model.inert.taper_weights`)."""
    weight = taper_weights(years, values)
    return (1 - weight) * values["migration.scale"] + weight * values["migration.scale_end"]


def tfr_paths(years: np.ndarray, codes: list[str], values, exposure: np.ndarray) -> np.ndarray:
    """County TFR (T, R): ratio x WPP China path + offset + policy effect, times county multipliers.

    ``exposure`` (R,) weights the multipliers (women 15-49 x the age schedule in the base),
    so that their weighted mean is 1 and the prefecture follows the stated path.
    """
    ratio = estimates.prefecture_tfr_ratio() if values["fertility.level_ratio"] == "auto" else values["fertility.level_ratio"]
    prefecture = ratio * fertility.wpp_tfr(years, values["fertility.tfr_variant"], values["fertility.variant_phasing"])
    prefecture = prefecture + np.where(years >= values["fertility.offset_start"], values["fertility.tfr_offset"], 0.0)
    for effect in values["fertility.effects"]:
        prefecture = prefecture + fertility.policy_effect(
            years, onset=effect["onset"], peak=effect["peak"], ramp_years=effect["ramp_years"],
            plateau_years=effect["plateau_years"], decay_years=effect["decay_years"], floor=effect["floor"])
    multipliers = np.ones(len(codes))
    if values["fertility.county_differentials"]:
        multipliers = estimates.county_tfr_multipliers().reindex(codes).fillna(1.0).to_numpy()
        # Normalise so the prefecture's exposure-weighted TFR stays on the stated path.
        if np.sum(exposure) > 0:  # no women at childbearing ages: no births to keep on the path
            multipliers = multipliers / np.average(multipliers, weights=exposure)
    overrides = values["fertility.county_multipliers"]
    multipliers = np.array([overrides.get(code, m) for code, m in zip(codes, multipliers)])
    tfr = np.maximum(prefecture[:, None] * multipliers[None, :], 0.0)
    if np.any(tfr > 3.0):
        warnings.warn(f"TFR above 3 in {int(np.sum(tfr > 3.0))} county-years (max {tfr.max():.2f})",
                      DemographicWarning, stacklevel=3)
    return tfr


def build_inputs(scenario: Scenario) -> Inputs:
    """Turn a scenario into kernel arrays (cached by content hash)."""
    return _build_inputs_cached(scenario.content_hash, scenario)


@read_only_cache(maxsize=16)
def _build_inputs_cached(_hash: str, scenario: Scenario) -> Inputs:
    v = scenario.values
    codes, base = _base_cube(v)
    years = np.arange(v["projection.base_year"] + 1, v["projection.horizon"] + 1)
    srb_value = estimates.census_srb() if v["fertility.srb"] == "auto" else v["fertility.srb"]
    gap = None if v["mortality.sex_gap"] == "auto" else v["mortality.sex_gap"]
    e0 = estimates.e0_targets(years, e0_base=v["mortality.e0_base"], base_year=v["projection.base_year"],
                              sex_gap=gap, srb=srb_value, trend=v["mortality.trend"],
                              annual_gain=v["mortality.annual_gain"])
    if np.any(e0 > 95):
        warnings.warn(f"life expectancy above 95 years (max {e0.max():.1f})", DemographicWarning, stacklevel=3)
    mx = estimates.mortality_rates(years, e0_base=v["mortality.e0_base"], base_year=v["projection.base_year"],
                                   sex_gap=gap, srb=srb_value, trend=v["mortality.trend"],
                                   annual_gain=v["mortality.annual_gain"])
    survival = ccmpp.survival_from_mx(mx)
    schedule = fertility.age_schedule(v["fertility.schedule_year"])
    tfr = tfr_paths(years, codes, v, exposure=base[:, 0, :] @ schedule)
    scale = scale_path(years, v)
    migration = estimates.migration_estimates()
    order = [migration["codes"].index(code) for code in codes]
    shape = (years.size, len(codes), 2, N_AGES)
    rates = np.zeros(shape)
    counts = np.zeros(shape)
    county_scale = np.array([v["migration.county_scale"].get(code, 1.0) for code in codes])
    factor = scale[:, None, None, None] * county_scale[None, :, None, None]
    if v["migration.basis"] == "rates":
        rates = factor * migration["rates"][order][None]
    else:
        counts = factor * migration["counts"][order][None]
    inputs = Inputs(codes, years, base, survival, fertility.asfr(tfr, schedule), np.full(years.size, srb_value),
                    rates, counts, tfr, e0, scale)
    if v["migration.anchor"] != "observations":
        return inputs
    from .anchoring import anchor_horizon, anchor_observations

    observations = anchor_observations(v)
    if not observations.empty and anchor_horizon(observations) > v["projection.horizon"]:
        # A horizon before the last official figure: solve on a projection that reaches it,
        # so a short run has the same anchored path as the full one.
        longer = build_inputs(scenario.with_values({"projection.horizon": anchor_horizon(observations)}))
        if longer.migration_anchor is None:
            return inputs
        return dataclasses.replace(scaled_migration(inputs, longer.migration_anchor),
                                   migration_anchor=longer.migration_anchor)
    # Anchor under status-quo fertility and migration: birth-policy effects, offsets, the
    # high/low variants and the migration multipliers (scale, taper, county_scale) apply on top
    # of the anchored level, so a scenario differs from its anchored base only by what it states.
    status_quo = dict(v) | {"fertility.effects": (), "fertility.tfr_offset": 0.0, "fertility.tfr_variant": "medium"}
    reference = fertility.asfr(tfr_paths(years, codes, status_quo, exposure=base[:, 0, :] @ schedule), schedule)
    key = "rates" if v["migration.basis"] == "rates" else "counts"
    unscaled, zero = np.broadcast_to(migration[key][order][None], shape), np.zeros(shape)
    plain = dataclasses.replace(inputs, migration_rates=unscaled if key == "rates" else zero,
                                migration_counts=zero if key == "rates" else unscaled)
    multipliers = _anchor_multipliers(plain, v, observations, reference)
    if multipliers is None:
        return inputs
    return dataclasses.replace(scaled_migration(inputs, multipliers), migration_anchor=multipliers)


TIME_FIELDS = ("years", "survival", "asfr", "srb", "migration_rates", "migration_counts", "tfr", "e0", "migration_scale")


def scaled_migration(inputs: Inputs, multipliers: np.ndarray) -> Inputs:
    """Inputs with each region's net migration times ``multipliers`` (R,)."""
    factor = np.asarray(multipliers, dtype=float)[None, :, None, None]
    return dataclasses.replace(inputs, migration_rates=inputs.migration_rates * factor,
                               migration_counts=inputs.migration_counts * factor)


def _anchor_multipliers(inputs: Inputs, v, observations: pd.DataFrame,
                        reference_asfr: np.ndarray) -> np.ndarray | None:
    """County multipliers (R,) on ``inputs``' migration with which the projection reproduces
    the official population figures ``observations`` (:mod:`oloy_model.anchoring`) under the
    status-quo fertility ``reference_asfr``; None when there is nothing to anchor."""
    from .anchoring import anchor_horizon, solve_anchor

    if observations.empty or not (inputs.migration_rates.any() or inputs.migration_counts.any()):
        return None
    steps = int(anchor_horizon(observations) - v["projection.base_year"])
    short = dataclasses.replace(inputs, **{name: getattr(inputs, name)[:steps] for name in TIME_FIELDS})
    short = dataclasses.replace(short, asfr=reference_asfr[:steps])
    timing, base_year = v["projection.migration_timing"], v["projection.base_year"]

    def simulate(multipliers: np.ndarray) -> dict:
        return run_kernel(scaled_migration(short, multipliers), migration_timing=timing)

    first = inputs.migration_counts[0] + inputs.migration_rates[0] * at_risk(inputs.base)
    multipliers, _ = solve_anchor(simulate, inputs.codes, base_year, observations, first.sum(axis=(1, 2)),
                                  np.ones(len(inputs.codes)))  # solved for the status quo: no county_scale
    return multipliers


def run_kernel(inputs: Inputs, *, migration_timing: str = "half") -> dict[str, np.ndarray]:
    """Project all regions through all steps (:func:`oloy_model.ccmpp.project_steps`); arrays
    with a leading year axis: population (T+1, R, 2, 101), births, deaths, net_migration (T, ...)."""
    def migrants(t: int, population: np.ndarray) -> np.ndarray:
        return inputs.migration_counts[t] + inputs.migration_rates[t] * at_risk(population)

    arrays = ccmpp.project_steps(inputs.base, inputs.survival, inputs.asfr, inputs.srb, migrants,
                                 migration_timing=migration_timing, steps=inputs.years.size,
                                 capped_where=lambda t: f"year {inputs.years[t]}",
                                 cell_label=lambda i: f"region {inputs.codes[i[0]]} {SEXES[i[1]]} age {i[2]}")
    return {key: arrays[key] for key in ccmpp.DETAIL}


def project(scenario: Scenario | str) -> Projection:
    """Project every county by sex and single year of age under a scenario.

    Parameters
    ----------
    scenario : Scenario or str
        A loaded scenario, a bundled name (``"baseline"``) or a path to a TOML file.

    Returns
    -------
    Projection
        Deterministic: the same scenario gives identical tables.

    Notes
    -----
    Cohort-component method (Preston, Heuveline & Guillot 2001, ch. 6) in annual steps from
    the census date; see ``docs/methods.md`` for every component and its source.
    """
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    inputs = build_inputs(scenario)
    arrays = run_kernel(inputs, migration_timing=scenario["projection.migration_timing"])
    all_years = np.concatenate([[scenario["projection.base_year"]], inputs.years])
    name = scenario.name
    return Projection(
        scenario=scenario,
        population=_long(arrays["population"], name, inputs.codes, all_years, "population"),
        births=_long_births(arrays["births"], name, inputs.codes, inputs.years),
        deaths=_long(arrays["deaths"], name, inputs.codes, inputs.years, "deaths"),
        net_migration=_long(arrays["net_migration"], name, inputs.codes, inputs.years, "net_migration"),
        assumptions=_assumptions(inputs, name),
    )


def _long(cube: np.ndarray, name: str, codes: list[str], years: np.ndarray, value: str) -> pd.DataFrame:
    """(year, region, sex, age) array -> [scenario, region, year, sex, age, value], sorted."""
    axes = {"region": codes, "year": years.astype(int), "sex": SEXES, "age": AGES}
    return to_frame(axes, {value: np.transpose(cube, (1, 0, 2, 3))}, scenario=name)


def _long_births(cube: np.ndarray, name: str, codes: list[str], years: np.ndarray) -> pd.DataFrame:
    """(year, region, sex) array -> [scenario, region, year, sex, births], sorted."""
    axes = {"region": codes, "year": years.astype(int), "sex": SEXES}
    return to_frame(axes, {"births": np.transpose(cube, (1, 0, 2))}, scenario=name)


def _assumptions(inputs: Inputs, name: str) -> pd.DataFrame:
    rows = [pd.DataFrame({"region": code, "year": inputs.years, "quantity": "tfr", "value": inputs.tfr[:, r]})
            for r, code in enumerate(inputs.codes)]
    for s, sex in enumerate(SEXES):
        rows.append(pd.DataFrame({"region": area_code(), "year": inputs.years, "quantity": f"e0_{sex}",
                                  "value": inputs.e0[:, s]}))
    rows.append(pd.DataFrame({"region": area_code(), "year": inputs.years, "quantity": "srb", "value": inputs.srb}))
    rows.append(pd.DataFrame({"region": area_code(), "year": inputs.years, "quantity": "migration_scale",
                              "value": inputs.migration_scale}))
    if inputs.migration_anchor is not None:
        rows += [pd.DataFrame({"region": code, "year": inputs.years, "quantity": "migration_anchor",
                               "value": inputs.migration_anchor[r]}) for r, code in enumerate(inputs.codes)]
    table = pd.concat(rows, ignore_index=True)
    table.insert(0, "scenario", name)
    return table


