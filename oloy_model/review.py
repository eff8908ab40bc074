"""Review tools: evaluate against observations, calibrate (re-base), decompose plan vs actual.

Calibration (:func:`calibrate`) adjusts up to three components so that the projection
reproduces observed totals and events after the census, then projects forward from the
calibrated scenario:

* fertility level: a multiplier ``f`` on Dali's TFR level ratio to China (bounds 0.3-3);
* mortality level: a shift ``d`` [years] of the base-year e0 (bounds -10..10);
* county net migration: a multiplier ``m_r`` per county on its migration schedule (bounds -2..4).

Method: bounded non-linear least squares (scipy ``least_squares``, trust-region reflective)
on the relative errors ``(model - observed) / observed`` of every observation, plus a small
ridge penalty pulling each parameter toward the scenario (``f = 1``, ``d = 0``, ``m = 1``;
weight ``regularisation`` on ``(theta - prior) / scale`` with scales 0.2, 2 years, 0.5), so
that parameters the observations do not inform stay at the scenario's values. The calibrated
parameters are written back as scenario keys (``fertility.level_ratio``,
``mortality.e0_base``, ``migration.county_scale``): the re-based projection is an ordinary
scenario run.

Decomposition (:func:`decompose`): the difference between the plan-base gap and the re-based
gap in a target year is split by sequential replacement (Andreev, Shkolnikov & Begun 2002,
"Algorithm for decomposition of differences between aggregate demographic measures",
Demographic Research 7:499-522, in its stepwise form) in the order births (fertility), deaths
(mortality), migration, norms, capacity; the components add up exactly to the total. The
order matters a little (interactions go to the later component); it is fixed and stated.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import least_squares

from . import estimates, fertility
from . import measures as ev
from .ccmpp import survival_from_mx
from .errors import OloyInputError
from .observations import POPULATION_BANDS, PREFECTURE, model_values
from .projection import Inputs, Projection, build_inputs, run_kernel, tfr_paths
from .result import Result, run
from .scenario import Scenario, load_scenario

SCALES = {"fertility": 0.2, "mortality": 2.0, "migration": 0.5}
BOUNDS = {"fertility": (0.3, 3.0), "mortality": (-10.0, 10.0), "migration": (-2.0, 4.0)}


def evaluate(result_or_projection, observations: pd.DataFrame, by: Sequence[str] = ("region", "quantity")) -> pd.DataFrame:
    """Measures of the projection against observations, by any grouping (tidy table).

    Parameters
    ----------
    result_or_projection : Result or Projection
        Capacity quantities (``elderly_beds``, ``childcare_places``) need a Result.
    observations : DataFrame [region, year, quantity, value, source]
    by : columns of the row-level table to group by (``()`` for one overall row)
    """
    table = evaluation_errors(result_or_projection, observations)
    if isinstance(by, str) or not all(isinstance(column, str) and column in table.columns for column in by):
        raise OloyInputError(f"evaluate: by = {by!r}; expected a sequence of columns of the row-level table "
                             f"{list(table.columns)}")
    summary = ev.summarise(table, by)
    summary.insert(0, "scenario", table["scenario"].iloc[0] if len(table) else "")
    return summary


def evaluation_errors(result_or_projection, observations: pd.DataFrame) -> pd.DataFrame:
    """Row-level table: observations with the projected value, error, PE and APE."""
    if isinstance(result_or_projection, Rebase):
        raise TypeError("evaluate: got a Rebase; pass its .result (the re-based run) or its .plan")
    if not isinstance(result_or_projection, (Result, Projection)):
        raise TypeError(f"evaluate: expected a Result (om.run) or a Projection (om.project), "
                        f"got {type(result_or_projection).__name__}")
    check_observations_frame(observations, "evaluate")
    result = result_or_projection if isinstance(result_or_projection, Result) else _ProjectionOnly(result_or_projection)
    projected = model_values(result, observations)
    table = pd.concat([observations.drop(columns="value").reset_index(drop=True),
                       ev.errors(projected.to_numpy(), observations["value"].to_numpy())], axis=1)
    table.insert(0, "scenario", result.projection.scenario.name)
    return table


OBSERVATION_COLUMNS = ("region", "year", "quantity", "value")


def check_observations_frame(observations, caller: str) -> None:
    """An observations table passed in code: a DataFrame with the columns and at least one row."""
    if not isinstance(observations, pd.DataFrame):
        raise TypeError(f"{caller}: observations must be a DataFrame (om.load_observations), "
                        f"got {type(observations).__name__}")
    missing = [c for c in OBSERVATION_COLUMNS if c not in observations.columns]
    if missing:
        raise OloyInputError(f"{caller}: observations table is missing column(s) {missing}; expected columns "
                             f"{list(OBSERVATION_COLUMNS)} + ['source'] (read the file with om.load_observations)")
    if observations.empty:
        raise OloyInputError(f"{caller}: observations table has no rows; expected at least one observation")


@dataclass(frozen=True)
class _ProjectionOnly:
    projection: object

    @property
    def capacity(self):
        raise OloyInputError("capacity observations need a Result (om.run), not a Projection")


@dataclass(frozen=True)
class Calibration:
    """Result of :func:`calibrate`.

    Attributes
    ----------
    scenario : Scenario
        The calibrated scenario (re-based parameters as scenario keys).
    parameters : DataFrame [parameter, region, prior, calibrated, lower, upper, fitted]
    fit : DataFrame
        Each observation with the projected value before and after, and the errors.
    success : bool
    message : str
    """

    scenario: Scenario
    parameters: pd.DataFrame
    fit: pd.DataFrame
    success: bool
    message: str


class _FastModel:
    """Re-runs the kernel with adjusted fertility, mortality and migration, without DataFrames."""

    def __init__(self, scenario: Scenario, horizon: int):
        self.scenario = scenario.with_values({"projection.horizon": horizon})
        self.inputs = build_inputs(self.scenario)
        self.values = dict(self.scenario.values)
        self.ratio0 = (estimates.prefecture_tfr_ratio() if self.values["fertility.level_ratio"] == "auto"
                       else self.values["fertility.level_ratio"])
        self.schedule = fertility.age_schedule(self.values["fertility.schedule_year"])
        self.exposure = self.inputs.base[:, 0, :] @ self.schedule

    def inputs_for(self, f: float, d: float, m: np.ndarray) -> Inputs:
        v = self.values | {"fertility.level_ratio": self.ratio0 * f}
        tfr = tfr_paths(self.inputs.years, self.inputs.codes, v, exposure=self.exposure)
        gap = None if v["mortality.sex_gap"] == "auto" else v["mortality.sex_gap"]
        srb = self.inputs.srb[0]
        mx = estimates.mortality_rates(self.inputs.years, e0_base=v["mortality.e0_base"] + d,
                                       base_year=v["projection.base_year"], sex_gap=gap, srb=srb,
                                       trend=v["mortality.trend"], annual_gain=v["mortality.annual_gain"])
        return dataclasses.replace(self.inputs, survival=survival_from_mx(mx), asfr=fertility.asfr(tfr, self.schedule),
                                   tfr=tfr, migration_rates=self.inputs.migration_rates * m[None, :, None, None],
                                   migration_counts=self.inputs.migration_counts * m[None, :, None, None])

    def series(self, f: float, d: float, m: np.ndarray):
        inputs = self.inputs_for(f, d, m)
        arrays = run_kernel(inputs, migration_timing=self.values["projection.migration_timing"])
        years = np.concatenate([[self.values["projection.base_year"]], inputs.years])
        codes = list(inputs.codes) + [PREFECTURE]
        pop = arrays["population"]  # (years, R, 2, 101)

        def frame(values: np.ndarray, frame_years: np.ndarray) -> pd.DataFrame:
            values = np.concatenate([values, values.sum(axis=1, keepdims=True)], axis=1)  # add prefecture
            return pd.DataFrame({"region": np.tile(codes, frame_years.size), "year": np.repeat(frame_years, len(codes)),
                                 "value": values.reshape(-1)})

        def provider(quantity: str) -> pd.DataFrame:
            if quantity in POPULATION_BANDS:
                low, high = POPULATION_BANDS[quantity]
                return frame(pop[..., low:high + 1].sum(axis=(-2, -1)), years)
            if quantity in ("births", "deaths"):
                flows = arrays[quantity]
                return frame(flows.sum(axis=-1) if quantity == "births" else flows.sum(axis=(-2, -1)), inputs.years)
            raise OloyInputError(f"calibration cannot use {quantity!r} observations (capacity is not calibrated)")

        return provider


def calibrate(scenario: Scenario | str, observations: pd.DataFrame, *, fertility_level: bool = True,
              mortality_level: bool = True, migration: bool = True, regularisation: float = 1e-6) -> Calibration:
    """Adjust fertility level, mortality level and county migration to reproduce observations.

    Parameters
    ----------
    scenario : Scenario or str
        The plan-base scenario (its values are the priors).
    observations : DataFrame
        From :func:`oloy_model.load_observations`; population and event quantities are
        used (capacity quantities are ignored here; see :func:`rebase`).
    fertility_level, mortality_level, migration : bool
        Which components to adjust (each optional).
    regularisation : float
        Weight of the pull toward the scenario's values (see module docstring).
    """
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    check_observations_frame(observations, "calibrate")
    demographic = observations[~observations["quantity"].isin(["elderly_beds", "childcare_places"])]
    demographic = demographic[demographic["value"].notna() & (demographic["value"] > 0)].reset_index(drop=True)
    if demographic.empty:
        raise OloyInputError("calibrate: no population or event observations to calibrate on")
    horizon = int(demographic["year"].max()) + 1
    model = _FastModel(scenario, max(horizon, scenario["projection.base_year"] + 1))
    n_regions = len(model.inputs.codes)
    switches = [fertility_level, mortality_level] + [migration] * n_regions
    prior = np.array([1.0, 0.0] + [1.0] * n_regions)
    scales = np.array([SCALES["fertility"], SCALES["mortality"]] + [SCALES["migration"]] * n_regions)
    lower = np.array([BOUNDS["fertility"][0], BOUNDS["mortality"][0]] + [BOUNDS["migration"][0]] * n_regions)
    upper = np.array([BOUNDS["fertility"][1], BOUNDS["mortality"][1]] + [BOUNDS["migration"][1]] * n_regions)
    free = np.flatnonzero(switches)
    if free.size == 0:
        raise OloyInputError("calibrate: nothing to adjust (all components switched off)")
    observed = demographic["value"].to_numpy(float)

    def full(theta_free: np.ndarray) -> np.ndarray:
        theta = prior.copy()
        theta[free] = theta_free
        return theta

    def predicted(theta: np.ndarray) -> np.ndarray:
        provider = model.series(theta[0], theta[1], theta[2:])
        return model_values(None, demographic, series=provider).to_numpy()

    def residuals(theta_free: np.ndarray) -> np.ndarray:
        theta = full(theta_free)
        fit = (predicted(theta) - observed) / observed
        penalty = np.sqrt(regularisation) * (theta[free] - prior[free]) / scales[free]
        return np.concatenate([fit, penalty])

    before = predicted(prior)
    solution = least_squares(residuals, prior[free], bounds=(lower[free], upper[free]), x_scale=scales[free],
                             method="trf", xtol=1e-12, ftol=1e-14, gtol=1e-14, diff_step=1e-7)
    theta = full(solution.x)
    after = predicted(theta)
    calibrated = _calibrated_scenario(scenario, model, theta)
    names = ["fertility_level_multiplier", "e0_shift_years"] + ["migration_multiplier"] * n_regions
    regions = [PREFECTURE, PREFECTURE] + list(model.inputs.codes)
    parameters = pd.DataFrame({"parameter": names, "region": regions, "prior": prior, "calibrated": theta,
                               "lower": lower, "upper": upper, "fitted": switches})
    fit = demographic.assign(projected_before=before, projected_after=after,
                             pe_before=100 * (before - observed) / observed, pe_after=100 * (after - observed) / observed)
    return Calibration(calibrated, parameters, fit, bool(solution.success), str(solution.message))


def _calibrated_scenario(scenario: Scenario, model: _FastModel, theta: np.ndarray) -> Scenario:
    v = scenario.values
    county_scale = dict(v["migration.county_scale"])
    for code, multiplier in zip(model.inputs.codes, theta[2:]):
        county_scale[code] = county_scale.get(code, 1.0) * float(multiplier)
    changes = {"fertility.level_ratio": float(model.ratio0 * theta[0]),
               "mortality.e0_base": float(v["mortality.e0_base"] + theta[1]),
               "migration.county_scale": county_scale}
    return scenario.with_values(changes, name=f"{scenario.name}_rebased")


@dataclass(frozen=True)
class Rebase:
    """A re-based run: calibration plus capacity delivered versus planned."""

    calibration: Calibration
    plan: Result
    result: Result
    ledger: pd.DataFrame


def capacity_adjustments(plan: Result, observations: pd.DataFrame) -> pd.DataFrame:
    """Ledger rows moving capacity to the observed stock from the latest observed year on.

    County observations adjust their county; a prefecture observation (532900) is spread
    over the counties without their own observation in proportion to planned capacity.
    """
    from .capacity import LEDGER_COLUMNS

    rows = []
    cap = plan.capacity.set_index(["region", "service", "year"])["capacity"]
    capacity_obs = observations[observations["quantity"].isin(["elderly_beds", "childcare_places"])
                                & observations["value"].notna()]
    for service, group in capacity_obs.groupby("quantity"):
        year = int(group["year"].max())
        latest = group[group["year"] == year]
        counties = latest[latest["region"] != PREFECTURE]
        for row in counties.itertuples():
            rows.append((row.region, service, year, row.value - cap[(row.region, service, year)], row.source))
        prefecture = latest[latest["region"] == PREFECTURE]
        if len(prefecture):
            others = [r for r in plan.capacity["region"].unique() if r not in set(counties["region"])]
            planned = np.array([cap[(r, service, year)] for r in others])
            remaining = prefecture["value"].iloc[0] - sum(cap[(r, service, year)] for r in counties["region"]) 
            share = planned / planned.sum() if planned.sum() > 0 else np.full(len(others), 1 / len(others))
            for region, planned_r, weight in zip(others, planned, share):
                rows.append((region, service, year, remaining * weight - planned_r, prefecture["source"].iloc[0]))
    records = [{"id": f"observed-{service}-{region}-{year}", "region": region, "service": service,
                "type": "observed_adjustment", "year": year, "places": abs(change), "cost_10k_yuan": np.nan,
                "status": "planned" if change >= 0 else "closure", "source": source, "quality": "official"}
               for region, service, year, change, source in rows if abs(change) > 0]
    return pd.DataFrame(records, columns=LEDGER_COLUMNS)


def rebase(scenario: Scenario | str, observations: pd.DataFrame, **calibrate_options) -> Rebase:
    """Calibrate to the observations and run forward with capacity as delivered."""
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    plan = run(scenario)
    calibration = calibrate(scenario, observations, **calibrate_options)
    adjustments = capacity_adjustments(plan, observations)
    ledger = pd.concat([plan.ledger, adjustments], ignore_index=True) if len(adjustments) else plan.ledger
    return Rebase(calibration, plan, run(calibration.scenario, ledger=ledger), ledger)


COMPONENTS = ("births", "deaths", "migration", "norms", "capacity")


def decompose(rebased: Rebase, region: str, year: int) -> pd.DataFrame:
    """Waterfall of the gap change from the plan base to the re-based run (see module docstring).

    Returns
    -------
    DataFrame [region, year, service, basis, component, change]
        Components ``plan_gap``, births, deaths, migration, norms, capacity and
        ``rebased_gap``; the five middle components add up exactly to the difference.
    """
    if not isinstance(rebased, Rebase):
        raise TypeError(f"decompose: expected the re-based run of om.rebase(scenario, observations), got "
                        f"{type(rebased).__name__}; a plain Result has no plan base to decompose against")
    if not isinstance(region, str) or region not in set(rebased.result.gaps["region"]):
        raise OloyInputError(f"decompose: region = {region!r}; expected a division code as a string, one of "
                             f"{sorted(set(rebased.result.gaps['region']))}")
    if isinstance(year, np.integer):
        year = int(year)
    if isinstance(year, bool) or not isinstance(year, int):
        raise TypeError(f"decompose: year = {year!r}; expected a whole number (a projected year)")
    plan_scenario, target = rebased.plan.scenario, rebased.calibration.scenario
    demand_keys = [k for k in target.values if k.startswith("demand.")]
    steps = [
        {"fertility.level_ratio": target["fertility.level_ratio"]},
        {"mortality.e0_base": target["mortality.e0_base"]},
        {"migration.county_scale": target["migration.county_scale"]},
        {k: target[k] for k in demand_keys},
    ]
    gaps = [_gap(rebased.plan, region, year)]
    values: dict = {}
    for change in steps:
        values |= change
        gaps.append(_gap(run(plan_scenario.with_values(values, name=plan_scenario.name)), region, year))
    gaps.append(_gap(rebased.result, region, year))
    rows = []
    for key in gaps[0].index:
        rows.append({"service": key[0], "basis": key[1], "component": "plan_gap", "change": gaps[0][key]})
        for component, before, after in zip(COMPONENTS, gaps[:-1], gaps[1:]):
            rows.append({"service": key[0], "basis": key[1], "component": component, "change": after[key] - before[key]})
        rows.append({"service": key[0], "basis": key[1], "component": "rebased_gap", "change": gaps[-1][key]})
    table = pd.DataFrame(rows)
    table.insert(0, "year", year)
    table.insert(0, "region", region)
    return table


def _gap(result: Result, region: str, year: int) -> pd.Series:
    gaps = result.gaps
    cell = gaps[(gaps["region"] == region) & (gaps["year"] == year)]
    if cell.empty:
        raise OloyInputError(f"decompose: no gaps for region {region!r} in {year}")
    return cell.set_index(["service", "basis"])["gap"]
