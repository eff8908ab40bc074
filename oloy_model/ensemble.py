"""Probabilistic projections: ``simulate(scenario, draws, seed) -> Ensemble``.

All draws run at once through the same kernel as the deterministic projection (the draw axis
leads the engine's arrays; no Python loop over draws). Only per-draw totals are kept
(population by age band, births, the need- and enrolment-weighted sums that demand needs),
not every cell, unless ``keep_cells=True``. With every standard deviation set to zero each
draw equals the deterministic projection bit for bit. See :mod:`oloy_model.stochastic` for
the models and their fits.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import ccmpp, estimates, mortality, stochastic
from .lifetable import life_table
from .migration import at_risk
from .population import SEXES
from .projection import Inputs, build_inputs
from .result import Result, norm_paths, run, uptake_parameters
from .demand import ratio_path
from .scenario import Scenario, load_scenario

STAT_NAMES = ("population", "age_0_2", "age_60plus", "age_80plus", "care_need", "enrolled", "births")
QUANTITIES = ("population", "age_0_2", "age_60plus", "age_80plus", "births")
SERVICES = ("elderly_beds", "nursing_beds", "childcare_places")
BASES = ("norm", "uptake")
PREFECTURE = "532900"
E0_GRID = np.linspace(-1.2, 1.2, 97)  # Brass alphas spanning about +-10 years of e0


@dataclass(frozen=True)
class Ensemble:
    """Draws of a scenario's projection, demand and gaps, kept as per-draw totals.

    Attributes
    ----------
    scenario : Scenario
    result : Result
        The deterministic run (capacity, ledger, deterministic gaps) the draws are set against.
    seed, draws : int
    regions : list[str]
        The counties, then ``532900`` (prefecture = sum of counties in every draw).
    years : ndarray
    stats : ndarray, shape (draws, years, regions + 1, len(STAT_NAMES))
    gap_draws : ndarray, shape (draws, years, regions + 1, 3 services, 2 bases)
    parameters : dict
        The standard deviations and AR coefficients used, with their fitted statistics.
    cells : ndarray or None
        (draws, years, counties, 2, 101) population when ``keep_cells`` was asked.
    """

    scenario: Scenario
    result: Result
    seed: int
    draws: int
    regions: list[str]
    years: np.ndarray
    stats: np.ndarray
    gap_draws: np.ndarray
    parameters: dict = field(default_factory=dict)
    cells: np.ndarray | None = None

    def quantiles(self, quantities: Sequence[str] = QUANTITIES,
                  probabilities: Sequence[float] = (0.1, 0.5, 0.9)) -> pd.DataFrame:
        """Quantiles of projected totals: ``[scenario, region, year, quantity, q10, q50, q90, mean]``."""
        parts = []
        for quantity in quantities:
            values = self.stats[..., STAT_NAMES.index(quantity)]  # (draws, years, regions)
            q = np.quantile(values, probabilities, axis=0)  # (p, years, regions)
            columns = {f"q{round(100 * p):02d}": q[i] for i, p in enumerate(probabilities)}
            frame = _frame(self.regions, self.years, columns | {"mean": values.mean(axis=0)})
            frame.insert(2, "quantity", quantity)
            parts.append(frame)
        table = pd.concat(parts, ignore_index=True)
        table.insert(0, "scenario", self.scenario.name)
        return table

    def demand_quantiles(self, probabilities: Sequence[float] = (0.1, 0.5, 0.9)) -> pd.DataFrame:
        """Quantiles of demand: ``[scenario, region, year, service, basis, q10, q50, q90]`` [places].

        Capacity is the same in every draw, so demand quantiles are gap quantiles plus capacity.
        """
        capacity = self.result.capacity.pivot_table(index="year", columns=["region", "service"], values="capacity")

        def columns(gap: np.ndarray, service: str) -> dict[str, np.ndarray]:
            counties = np.stack([capacity[(code, service)].reindex(self.years).to_numpy() for code in self.regions[:-1]],
                                axis=1)
            cap = np.concatenate([counties, counties.sum(axis=1, keepdims=True)], axis=1)  # (years, regions)
            q = np.quantile(gap, probabilities, axis=0) + cap[None]
            return {f"q{round(100 * p):02d}": q[i] for i, p in enumerate(probabilities)}

        return self._by_service_and_basis(columns)

    def gap_probabilities(self, threshold: float | None = None,
                          probabilities: Sequence[float] = (0.1, 0.5, 0.9)) -> pd.DataFrame:
        """``[scenario, region, year, service, basis, p_shortfall, p_shortfall_over_threshold,
        threshold, gap_p10, gap_p50, gap_p90]``: the probability that demand exceeds capacity,
        that it does so by more than ``threshold`` places, and gap quantiles [places]."""
        threshold = self.scenario["stochastic.shortfall_threshold"] if threshold is None else threshold

        def columns(gap: np.ndarray, service: str) -> dict[str, np.ndarray]:
            q = np.quantile(gap, probabilities, axis=0)
            return {"p_shortfall": np.mean(gap > 0.0, axis=0),
                    "p_shortfall_over_threshold": np.mean(gap > threshold, axis=0),
                    "threshold": np.full(gap.shape[1:], float(threshold))} | {
                f"gap_p{round(100 * p):02d}": q[i] for i, p in enumerate(probabilities)}

        return self._by_service_and_basis(columns)

    def _by_service_and_basis(self, columns) -> pd.DataFrame:
        """Long table of ``columns(gap_draws (draws, years, regions), service)`` per service and basis."""
        parts = []
        for s, service in enumerate(SERVICES):
            for b, basis in enumerate(BASES):
                frame = _frame(self.regions, self.years, columns(self.gap_draws[..., s, b], service))
                frame.insert(2, "service", service)
                frame.insert(3, "basis", basis)
                parts.append(frame)
        table = pd.concat(parts, ignore_index=True)
        table.insert(0, "scenario", self.scenario.name)
        return table


def _frame(regions: list[str], years: np.ndarray, columns: dict[str, np.ndarray]) -> pd.DataFrame:
    """(years, regions) arrays -> long frame [region, year, ...] sorted by region then year."""
    frame = pd.DataFrame({"region": np.repeat(np.array(regions, dtype=object), years.size),
                          "year": np.tile(years.astype(int), len(regions))})
    for name, values in columns.items():
        frame[name] = np.asarray(values).T.reshape(-1)
    return frame[["region", "year", *columns]]


def resolved_parameters(scenario: Scenario) -> dict:
    """The stochastic settings with ``auto`` replaced by the fitted values."""
    v = scenario.values
    fert, mort = stochastic.fit_fertility(), stochastic.fit_mortality()

    def pick(key: str, fitted: float) -> float:
        return fitted if v[key] == "auto" else float(v[key])

    return {
        "fertility_sd": pick("stochastic.fertility_sd", fert["sd"]),
        "fertility_ar": pick("stochastic.fertility_ar", fert["ar"]),
        "county_fertility_sd": pick("stochastic.county_fertility_sd",
                                    stochastic.county_fertility_sd(estimates.fertility_estimates())),
        "county_fertility_ar": float(v["stochastic.county_fertility_ar"]),
        "e0_sd": pick("stochastic.e0_sd", mort["sd"]),
        "migration_level_sd": float(v["stochastic.migration_level_sd"]),
        "migration_annual_sd": float(v["stochastic.migration_annual_sd"]),
        "migration_ar": float(v["stochastic.migration_ar"]),
        "uptake_sd": float(v["stochastic.uptake_sd"]),
        "fertility_fit": fert,
        "mortality_fit": mort,
    }


def _noise(rng: np.random.Generator, draws: int, steps: int, regions: int, p: dict) -> dict[str, np.ndarray]:
    """All random paths, drawn in a fixed order from one generator (same seed, same numbers)."""
    return {
        "tfr": stochastic.integrated_ar1_paths(rng, (draws,), steps, p["fertility_ar"], p["fertility_sd"]),
        "county_tfr": stochastic.ar1_paths(rng, (draws, regions), steps, p["county_fertility_ar"], p["county_fertility_sd"]),
        "e0": stochastic.random_walk_paths(rng, (draws,), steps, p["e0_sd"]),
        "migration_level": rng.standard_normal((draws, regions, 1)) * p["migration_level_sd"],
        "migration_annual": stochastic.ar1_paths(rng, (draws, regions), steps, p["migration_ar"], p["migration_annual_sd"]),
        "uptake": rng.standard_normal((draws, 2)) * p["uptake_sd"],
    }


def _survival_draws(inputs: Inputs, e0_noise: np.ndarray) -> np.ndarray:
    """Survival (draws, years, 2, 101) for e0 = scenario path + noise, by Brass alpha interpolation."""
    standards = mortality.standard_mx(inputs.years)  # (T, 2, 101)
    grid_mx = mortality.relational_grid(standards, E0_GRID)  # (T, 2, K, 101)
    sexes = np.broadcast_to(np.array(SEXES)[:, None], grid_mx.shape[1:3])
    table = life_table(grid_mx, np.broadcast_to(sexes, grid_mx.shape[:-1]))
    survival_grid = ccmpp.survival_from_life_table(table["lx"], table["Lx"], table["Tx"])
    e0_grid = table["ex"][..., 0]  # (T, 2, K), decreasing in alpha
    draws = e0_noise.shape[0]
    out = np.empty((draws,) + inputs.survival.shape)
    for t in range(inputs.years.size):
        for s in range(2):
            target = inputs.e0[t, s] + e0_noise[:, t]
            grid = e0_grid[t, s, ::-1]  # increasing
            position = np.interp(target, grid, np.arange(grid.size, dtype=float))
            low = np.clip(np.floor(position).astype(int), 0, grid.size - 2)
            weight = (position - low)[:, None]
            table_s = survival_grid[t, s, ::-1]
            out[:, t, s] = (1.0 - weight) * table_s[low] + weight * table_s[low + 1]
    return out


def simulate(scenario: Scenario | str, draws: int = 1000, seed: int = 1, *, keep_cells: bool = False,
             progress: Callable[[str], None] | None = None) -> Ensemble:
    """Run ``draws`` stochastic projections of a scenario at once and set them against capacity.

    Parameters
    ----------
    scenario : Scenario or str
    draws : int
        Number of draws (>= 1).
    seed : int
        Seed of ``numpy.random.default_rng``; the same seed gives the same numbers.
    keep_cells : bool
        Keep every population cell of every draw (memory: draws x 31 x 12 x 202 x 8 bytes).

    Notes
    -----
    Memory stays bounded: besides the current population (draws x 12 x 2 x 101) only per-draw
    totals are stored.
    """
    from .errors import OloyInputError

    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    if not isinstance(draws, int) or draws < 1:
        raise OloyInputError(f"draws={draws!r}; expected a whole number >= 1")
    result = run(scenario)
    inputs = build_inputs(scenario)
    p = resolved_parameters(scenario)
    steps, n_regions = inputs.years.size, len(inputs.codes)
    noise = _noise(np.random.default_rng(seed), draws, steps, n_regions, p)

    # Fertility: scenario TFR x exp(prefecture noise + county deviation); exactly the path when sd = 0.
    tfr = inputs.tfr[None, :, :] * np.exp(noise["tfr"][:, :, None] + np.swapaxes(noise["county_tfr"], 1, 2))
    schedule = inputs.asfr[0, 0] / inputs.tfr[0, 0] if inputs.tfr[0, 0] > 0 else None
    survival = inputs.survival[None] if p["e0_sd"] == 0 else _survival_draws(inputs, noise["e0"])
    migration_multiplier = np.exp(noise["migration_level"] + noise["migration_annual"])  # (D, R, T)

    uptake = uptake_parameters(scenario.values)
    weights = _weights(uptake)
    years = np.concatenate([[scenario["projection.base_year"]], inputs.years])
    stats = np.zeros((draws, years.size, n_regions + 1, len(STAT_NAMES)))
    population = np.broadcast_to(inputs.base, (draws,) + inputs.base.shape).copy()
    stats[:, 0, :n_regions, :-1] = _band_sums(population, weights)
    cells = np.empty((draws, years.size) + inputs.base.shape) if keep_cells else None
    if keep_cells:
        cells[:, 0] = population
    timing = scenario["projection.migration_timing"]
    uses_counts = bool(np.any(inputs.migration_counts))  # one basis is all zeros: skip its full-size arithmetic
    for t in range(steps):
        multiplier = migration_multiplier[:, :, t][:, :, None, None]
        if uses_counts:
            migrants = inputs.migration_counts[t] * multiplier + (inputs.migration_rates[t] * multiplier) * at_risk(population)
        else:
            migrants = (inputs.migration_rates[t] * multiplier) * at_risk(population)
        asfr = _asfr(inputs, tfr, schedule, t)
        surv = survival[:, t][:, None] if survival.shape[0] == draws else survival[0, t]
        out = ccmpp.step(population, surv, asfr, inputs.srb[t], migrants, migration_timing=timing, detail=False)
        population = out["population"]
        stats[:, t + 1, :n_regions, :-1] = _band_sums(population, weights)
        stats[:, t + 1, :n_regions, -1] = out["births"].sum(axis=-1)
        if keep_cells:
            cells[:, t + 1] = population
        if progress and (t + 1) % 10 == 0:
            progress(f"  draws: {years[t + 1]} done ({t + 1}/{steps} years)")
    stats[:, :, n_regions] = stats[:, :, :n_regions].sum(axis=2)
    gap_draws = _gaps(stats, years, inputs.codes, result, scenario, uptake, noise["uptake"])
    return Ensemble(scenario, result, seed, draws, list(inputs.codes) + [PREFECTURE], years, stats, gap_draws,
                    p, cells)


def _asfr(inputs: Inputs, tfr: np.ndarray, schedule: np.ndarray | None, t: int) -> np.ndarray:
    if schedule is None or np.all(tfr[:, t] == inputs.tfr[t]):
        return inputs.asfr[t]  # the deterministic rates, exactly
    return tfr[:, t, :, None] * schedule


def _weights(uptake: dict) -> np.ndarray:
    """(2*101, 6) weights turning a (sex, age) population into the stat sums."""
    ages = np.arange(101)
    columns = [np.ones(101), (ages <= 2) * 1.0, (ages >= 60) * 1.0, (ages >= 80) * 1.0, uptake["care_need"],
               np.where(ages <= 2, uptake["enrolment"][np.minimum(ages, 2)], 0.0)]
    single = np.stack(columns, axis=1)
    return np.concatenate([single, single], axis=0)


def _band_sums(population: np.ndarray, weights: np.ndarray) -> np.ndarray:
    flat = population.reshape(-1, weights.shape[0])
    return (flat @ weights).reshape(population.shape[:-2] + (weights.shape[1],))


def _gaps(stats: np.ndarray, years: np.ndarray, codes: list[str], result: Result, scenario: Scenario,
          uptake: dict, uptake_noise: np.ndarray) -> np.ndarray:
    """Gap draws (draws, years, regions + 1, services, bases) against the deterministic capacity."""
    v = scenario.values
    paths = norm_paths(v)
    col = {name: i for i, name in enumerate(STAT_NAMES)}
    elderly_ratio = ratio_path(years, paths["elderly_beds_per_1000_60plus"])[None, :, None]
    nursing_share = ratio_path(years, paths["nursing_share"])[None, :, None]
    child_ratio = ratio_path(years, paths["childcare_places_per_1000"])[None, :, None]
    takeup = uptake["institutional_takeup"] * np.exp(uptake_noise[:, 0])[:, None, None]
    enrol = np.exp(uptake_noise[:, 1])[:, None, None]
    residents = stats[..., col["care_need"]] * takeup
    demand = np.empty(stats.shape[:3] + (3, 2))
    demand[..., 0, 0] = stats[..., col["age_60plus"]] / 1000.0 * elderly_ratio
    demand[..., 1, 0] = demand[..., 0, 0] * nursing_share
    demand[..., 2, 0] = stats[..., col["population"]] / 1000.0 * child_ratio
    demand[..., 0, 1] = residents / uptake["elderly_occupancy"]
    demand[..., 1, 1] = residents * uptake["nursing_share_of_residents"] / uptake["elderly_occupancy"]
    demand[..., 2, 1] = stats[..., col["enrolled"]] * enrol / uptake["childcare_occupancy"]
    capacity = result.capacity.pivot_table(index="year", columns=["region", "service"], values="capacity")
    cap = np.zeros((years.size, len(codes) + 1, 3))
    for r, code in enumerate(codes):
        for s, service in enumerate(SERVICES):
            cap[:, r, s] = capacity[(code, service)].reindex(years).to_numpy()
    cap[:, -1] = cap[:, :-1].sum(axis=1)
    return demand - cap[None, :, :, :, None]
