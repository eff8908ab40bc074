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

from ..base.caching import read_only_cache
from ..base.dimensions import AGES, N_AGES, SEXES
from ..base.errors import DemographicWarning
from ..base.hierarchy import area_code, area_level
from ..base.inert import taper_weights
from ..base.scenario import load_scenario, Scenario
from ..base.tidy import to_frame
from . import ccmpp, fertility, local_estimates as estimates
from .anchoring import anchor_horizon, anchor_observations, solve_anchor
from .assumptions import Fertility, Migration, ProjectionSettings, resolve
from .crosswalk import area_crosswalk
from .migration import at_risk
from .population import base_population



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


def _base_cube(settings: ProjectionSettings) -> tuple[list[str], np.ndarray]:
    path = settings.base_population_file
    pop = base_population(settings.base_year, method=settings.base_method,
                          open_age_method=settings.open_age_method, path=path, area=settings.area)
    return estimates.population_cube(pop)


def _unit_order(codes: list[str], units: list[str], area: str | None) -> list[int]:
    """Position in ``units`` of each county's estimate (its own, or its crosswalk unit's)."""
    if area is None:
        return [units.index(code) for code in codes]
    walk = area_crosswalk(area)
    unit_of = dict(zip(walk["region_2020"], walk["unit"]))
    return [units.index(unit_of[code]) for code in codes]


def scale_path(years: np.ndarray, migration: Migration) -> np.ndarray:
    """Migration multiplier by year [-]: ``scale`` in every year without a taper
    (``taper_start = taper_end``); with one, ``scale`` until taper_start, linear to
    ``scale_end`` at taper_end, ``scale_end`` after (:func:`oloy_model.base.inert.taper_weights`)."""
    weight = taper_weights(years, migration.taper_start, migration.taper_end)
    return (1 - weight) * migration.scale + weight * migration.scale_end


def tfr_paths(years: np.ndarray, codes: list[str], fert: Fertility, exposure: np.ndarray,
              area: str | None = None) -> np.ndarray:
    """County TFR (T, R): ratio x WPP China path + offset + policy effect, times county multipliers.

    ``exposure`` (R,) weights the multipliers (women 15-49 x the age schedule in the base),
    so that their weighted mean is 1 and the prefecture follows the stated path. ``area``: the
    modelled area (None = the bundled one); elsewhere a county takes its crosswalk unit's multiplier.
    """
    prefecture = fert.level_ratio * fertility.wpp_tfr(years, fert.tfr_variant, fert.variant_phasing)
    prefecture = prefecture + np.where(years >= fert.offset_start, fert.tfr_offset, 0.0)
    for effect in fert.effects:
        prefecture = prefecture + fertility.policy_effect(
            years, onset=effect.onset, peak=effect.peak, ramp_years=effect.ramp_years,
            plateau_years=effect.plateau_years, decay_years=effect.decay_years, floor=effect.floor)
    multipliers = np.ones(len(codes))
    if fert.county_differentials:
        estimated = estimates.county_tfr_multipliers(area=area)
        if area is not None:  # by crosswalk unit: each county takes its unit's multiplier
            estimated = estimated.iloc[_unit_order(codes, list(estimated.index), area)].set_axis(codes)
        multipliers = estimated.reindex(codes).fillna(1.0).to_numpy()
        # Normalise so the prefecture's exposure-weighted TFR stays on the stated path.
        if np.sum(exposure) > 0:  # no women at childbearing ages: no births to keep on the path
            multipliers = multipliers / np.average(multipliers, weights=exposure)
    overrides = fert.county_multipliers
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
    a = resolve(scenario)
    codes, base = _base_cube(a.projection)
    years = np.arange(a.projection.base_year + 1, a.projection.horizon + 1)
    srb_value = a.fertility.srb
    gap = a.mortality.sex_gap
    e0 = estimates.e0_targets(years, e0_base=a.mortality.e0_base, base_year=a.projection.base_year,
                              sex_gap=gap, srb=srb_value, trend=a.mortality.trend,
                              annual_gain=a.mortality.annual_gain)
    if np.any(e0 > 95):
        warnings.warn(f"life expectancy above 95 years (max {e0.max():.1f})", DemographicWarning, stacklevel=3)
    mx = estimates.mortality_rates(years, e0_base=a.mortality.e0_base, base_year=a.projection.base_year,
                                   sex_gap=gap, srb=srb_value, trend=a.mortality.trend,
                                   annual_gain=a.mortality.annual_gain)
    survival = ccmpp.survival_from_mx(mx)
    schedule = fertility.age_schedule(a.fertility.schedule_year)
    area = a.projection.area
    tfr = tfr_paths(years, codes, a.fertility, exposure=base[:, 0, :] @ schedule, area=area)
    scale = scale_path(years, a.migration)
    migration = (estimates.migration_estimates() if area is None
                 else estimates.migration_estimates(area=area, e0_base=a.mortality.e0_base))
    order = _unit_order(codes, migration["codes"], area)
    shape = (years.size, len(codes), 2, N_AGES)
    rate_part, count_part = migration_parts(migration, order, a.migration.basis, unit_shares(base, order))
    county_scale = np.array([a.migration.county_scale.get(code, 1.0) for code in codes])
    factor = scale[:, None, None, None] * county_scale[None, :, None, None]
    rates = factor * rate_part[None] if rate_part.any() else np.zeros(shape)
    counts = factor * count_part[None] if count_part.any() else np.zeros(shape)
    inputs = Inputs(codes, years, base, survival, fertility.asfr(tfr, schedule), np.full(years.size, srb_value),
                    rates, counts, tfr, e0, scale)
    if area is not None and area_level(area) == "nation" and a.migration.basis != "rates":
        inputs = closed_area_migration(inputs, migration_timing=a.projection.migration_timing)
    if a.migration.anchor != "observations":
        return inputs
    if area is not None:  # the bundled official figures are the bundled area's
        warnings.warn(f"projection.area {area}: migration.anchor = 'observations' applies only to the bundled area "
                      "(its official figures); this area runs unanchored", DemographicWarning, stacklevel=3)
        return inputs

    observations = anchor_observations(a)
    if not observations.empty and anchor_horizon(observations) > a.projection.horizon:
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
    status_quo = dataclasses.replace(a.fertility, effects=(), tfr_offset=0.0, tfr_variant="medium")
    reference = fertility.asfr(tfr_paths(years, codes, status_quo, exposure=base[:, 0, :] @ schedule, area=area),
                               schedule)
    plain = dataclasses.replace(inputs, migration_rates=np.broadcast_to(rate_part[None], shape),
                                migration_counts=np.broadcast_to(count_part[None], shape))
    multipliers = _anchor_multipliers(plain, a.projection, observations, reference)
    if multipliers is None:
        return inputs
    return dataclasses.replace(scaled_migration(inputs, multipliers), migration_anchor=multipliers)


def unit_shares(base: np.ndarray, order: list[int]) -> np.ndarray:
    """Each county's share (R, 2, 101) of its crosswalk unit's 2020 population at risk, by cell.

    ``order`` gives each county's unit (:func:`_unit_order`); a county alone in its unit has
    share 1. A cell where the whole unit has nobody at risk is split equally.
    """
    exposure = at_risk(base)
    units = np.asarray(order)
    totals = np.zeros((units.max() + 1,) + exposure.shape[1:])
    np.add.at(totals, units, exposure)
    members = np.bincount(units)[units][:, None, None].astype(float)
    unit_total = totals[units]
    return np.where(unit_total > 0, exposure / np.where(unit_total > 0, unit_total, 1.0), 1.0 / members)


def migration_parts(migration: dict, order: list[int], basis: str,
                    shares: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The 2010-2020 schedule (:func:`oloy_model.demography.local_estimates.migration_estimates`)
    of the regions ``order`` split into rates [per person at risk] and counts [persons per year],
    each (R, 2, 101), by ``migration.basis``. A county in a multi-county crosswalk unit takes its
    unit's rates, and its ``shares`` (:func:`unit_shares`) of the unit's counts: the unit's net
    migrants are counted once, not once per county (default: every county its own unit).

    * ``rates``: all of it as rates on the cohort at risk; ``counts``: all as fixed annual counts;
    * ``mixed``: net losses as rates, net gains as counts. A net loss comes from the region's own
      population, so it scales with it; a net gain comes from everywhere else, so it does not
      compound with the region's growth (net rates of a growing in-migration region compound
      without bound: Rogers 1990, "Requiem for the net migrant", Geographical Analysis 22:283-300).
      Rates and counts of a cell have the same sign (one residual), so the split is by cell.
    """
    rates, counts = migration["rates"][order], migration["counts"][order]
    if shares is not None:
        counts = counts * shares
    if basis == "rates":
        return rates, np.zeros_like(counts)
    if basis == "counts":
        return np.zeros_like(rates), counts
    gains = counts > 0
    return np.where(gains, 0.0, rates), np.where(gains, counts, 0.0)


CLOSED_AREA_PASSES = 6  # each pass cuts the imbalance about fivefold: 15% of the gross flow after 1, 0.04% after 6


def closed_area_migration(inputs: Inputs, *, migration_timing: str = "half") -> Inputs:
    """Net migration of a closed area (the nation) balanced to zero in every year, sex and age.

    The counties' 2010-2020 net migration, projected on the ``mixed`` (or ``counts``) basis,
    does not net out over the nation: net gains are fixed counts while net losses are rates on
    shrinking cohorts, and the residual holds errors that are not migration (children counted
    in 2020 beyond the births of the decade's estimated fertility, the 2010 census's undercount
    of young children): about +2 million "migrants" a year aged 0-9. Within the nation, county
    gains and losses are each other's, so their sum must be zero (international migration,
    about -0.3 million a year in WPP 2024, is left out). The imbalance ``I`` of each year, sex
    and age is split between gains ``G`` and losses ``L`` in proportion to their size (gains
    times ``1 - I / (G + |L|)``, losses times ``1 + I / (G + |L|)``): the proportional
    adjustment of components to a control total (Smith, Tayman & Swanson 2013, *A
    Practitioner's Guide to State and Local Population Projections*, Springer, ch. 13;
    factors stay within [0, 2], so no county's flow is blown up). Losses depend on the
    projected cohorts, so the factors are found over :data:`CLOSED_AREA_PASSES` projections
    (measured for China's baseline: the net over the nation is at most 0.04% of the gross
    county flows in any year, and more passes do not lower it; national population 2050:
    1,221 million, against 1,421 million unbalanced and 1,255 million in WPP 2024's medium
    variant). The result stays a per-county input, so draws and partitions remain independent.
    """
    gain_factor = np.ones(inputs.migration_rates.shape[:1] + inputs.migration_rates.shape[2:])  # (T, 2, 101)
    loss_factor = np.ones_like(gain_factor)
    for _ in range(CLOSED_AREA_PASSES):
        gains, losses = np.zeros_like(gain_factor), np.zeros_like(gain_factor)
        balanced = _scaled_by_cell(inputs, gain_factor, loss_factor)

        def migrants(t: int, population: np.ndarray) -> np.ndarray:
            flow = balanced.migration_counts[t] + balanced.migration_rates[t] * at_risk(population)
            gains[t] = np.where(flow > 0, flow, 0.0).sum(axis=0)
            losses[t] = np.where(flow < 0, flow, 0.0).sum(axis=0)
            return flow

        ccmpp.project_steps(inputs.base, inputs.survival, inputs.asfr, inputs.srb, migrants,
                            migration_timing=migration_timing, steps=inputs.years.size, record=())
        gross = gains - losses
        imbalance = np.divide(gains + losses, gross, out=np.zeros_like(gross), where=gross > 0)
        gain_factor, loss_factor = gain_factor * (1 - imbalance), loss_factor * (1 + imbalance)
    return _scaled_by_cell(inputs, gain_factor, loss_factor)


def _scaled_by_cell(inputs: Inputs, gain_factor: np.ndarray, loss_factor: np.ndarray) -> Inputs:
    """Inputs with positive flows times ``gain_factor`` and negative ones times ``loss_factor``
    (each (T, 2, 101)); a rate or count keeps its sign, so the sign tells gain from loss."""
    def scaled(values: np.ndarray) -> np.ndarray:
        return values * np.where(values > 0, gain_factor[:, None], loss_factor[:, None])

    return dataclasses.replace(inputs, migration_rates=scaled(inputs.migration_rates),
                               migration_counts=scaled(inputs.migration_counts))


TIME_FIELDS = ("years", "survival", "asfr", "srb", "migration_rates", "migration_counts", "tfr", "e0", "migration_scale")


def scaled_migration(inputs: Inputs, multipliers: np.ndarray) -> Inputs:
    """Inputs with each region's net migration times ``multipliers`` (R,)."""
    factor = np.asarray(multipliers, dtype=float)[None, :, None, None]
    return dataclasses.replace(inputs, migration_rates=inputs.migration_rates * factor,
                               migration_counts=inputs.migration_counts * factor)


def _anchor_multipliers(inputs: Inputs, settings: ProjectionSettings, observations: pd.DataFrame,
                        reference_asfr: np.ndarray) -> np.ndarray | None:
    """County multipliers (R,) on ``inputs``' migration with which the projection reproduces
    the official population figures ``observations`` (:mod:`oloy_model.demography.anchoring`) under the
    status-quo fertility ``reference_asfr``; None when there is nothing to anchor."""
    if observations.empty or not (inputs.migration_rates.any() or inputs.migration_counts.any()):
        return None
    steps = int(anchor_horizon(observations) - settings.base_year)
    short = dataclasses.replace(inputs, **{name: getattr(inputs, name)[:steps] for name in TIME_FIELDS})
    short = dataclasses.replace(short, asfr=reference_asfr[:steps])
    timing, base_year = settings.migration_timing, settings.base_year

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
    settings = resolve(scenario).projection
    arrays = run_kernel(inputs, migration_timing=settings.migration_timing)
    all_years = np.concatenate([[settings.base_year], inputs.years])
    name = scenario.name
    return Projection(
        scenario=scenario,
        population=_long(arrays["population"], name, inputs.codes, all_years, "population"),
        births=_long_births(arrays["births"], name, inputs.codes, inputs.years),
        deaths=_long(arrays["deaths"], name, inputs.codes, inputs.years, "deaths"),
        net_migration=_long(arrays["net_migration"], name, inputs.codes, inputs.years, "net_migration"),
        assumptions=_assumptions(inputs, name, area_code(resolve(scenario).projection.area)),
    )


def _long(cube: np.ndarray, name: str, codes: list[str], years: np.ndarray, value: str) -> pd.DataFrame:
    """(year, region, sex, age) array -> [scenario, region, year, sex, age, value], sorted."""
    axes = {"region": codes, "year": years.astype(int), "sex": SEXES, "age": AGES}
    return to_frame(axes, {value: np.transpose(cube, (1, 0, 2, 3))}, scenario=name)


def _long_births(cube: np.ndarray, name: str, codes: list[str], years: np.ndarray) -> pd.DataFrame:
    """(year, region, sex) array -> [scenario, region, year, sex, births], sorted."""
    axes = {"region": codes, "year": years.astype(int), "sex": SEXES}
    return to_frame(axes, {"births": np.transpose(cube, (1, 0, 2))}, scenario=name)


def _assumptions(inputs: Inputs, name: str, root: str) -> pd.DataFrame:
    rows = [pd.DataFrame({"region": code, "year": inputs.years, "quantity": "tfr", "value": inputs.tfr[:, r]})
            for r, code in enumerate(inputs.codes)]
    for s, sex in enumerate(SEXES):
        rows.append(pd.DataFrame({"region": root, "year": inputs.years, "quantity": f"e0_{sex}",
                                  "value": inputs.e0[:, s]}))
    rows.append(pd.DataFrame({"region": root, "year": inputs.years, "quantity": "srb", "value": inputs.srb}))
    rows.append(pd.DataFrame({"region": root, "year": inputs.years, "quantity": "migration_scale",
                              "value": inputs.migration_scale}))
    if inputs.migration_anchor is not None:
        rows += [pd.DataFrame({"region": code, "year": inputs.years, "quantity": "migration_anchor",
                               "value": inputs.migration_anchor[r]}) for r, code in enumerate(inputs.codes)]
    table = pd.concat(rows, ignore_index=True)
    table.insert(0, "scenario", name)
    return table


