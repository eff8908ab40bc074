"""Review tools: evaluate against observations, calibrate (re-base), decompose plan vs actual.

Calibration (:func:`calibrate`) adjusts up to three components so that the projection
reproduces observed totals and events after the census, then projects forward from the
calibrated scenario:

* fertility level: a multiplier ``f`` on Dali's TFR level ratio to China;
* mortality level: a shift ``d`` [years] of the base-year e0;
* county net migration: multipliers on the counties' migration schedules.

Bounds are the schema's valid ranges of the keys the fit writes (``fertility.level_ratio``
0.3..3, ``mortality.e0_base`` 40..100, ``migration.county_scale`` 0..5): a parameter that
ends on a bound is reported (``Calibration.bound_hits`` and a warning), never an error.

Identification: each component is fitted only from the observations that inform it, and
otherwise stays at the scenario's value: fertility from births and population aged 0-2,
mortality from deaths and population aged 60+, migration from population totals. A
population total alone cannot separate the three (the same total follows from more births,
fewer deaths or more migrants); the post-census evidence (Dali level since the census while
its migration swung; :mod:`oloy_model.demography.anchoring`) puts such a discrepancy in migration.
County migration multipliers follow :func:`oloy_model.demography.anchoring.migration_groups`: a county
with its own population observation has its own multiplier; prefecture totals move only the
out-migration counties without their own observation, by one common multiplier; a county
without observations is otherwise never moved.

Method: bounded non-linear least squares (:func:`oloy_model.demography.anchoring.bounded_fit`) on the
relative errors ``(model - observed) / observed`` of every comparable observation (resident
basis, from the base year on; registered-basis rows are listed in ``Calibration.not_fitted``),
plus a small ridge penalty pulling each parameter toward the scenario (``f = 1``, ``d = 0``,
``m = 1``; weight ``regularisation`` on ``(theta - prior) / scale`` with scales 0.2, 2 years,
0.5). Repeated warnings of the many trial projections are shown once each with a count.
The calibrated parameters are written back as scenario keys (``fertility.level_ratio``,
``mortality.e0_base``, ``migration.county_scale``, with any anchoring folded into the county
scales and ``migration.anchor = "none"``): the re-based projection is an ordinary scenario run.

Decomposition (:func:`decompose`): the difference between the plan-base gap and the re-based
gap in a target year is split by sequential replacement (Andreev, Shkolnikov & Begun 2002,
"Algorithm for decomposition of differences between aggregate demographic measures",
Demographic Research 7:499-522, in its stepwise form) in the order births (fertility), deaths
(mortality), migration, norms, capacity; the components add up exactly to the total. The
order matters a little (interactions go to the later component); it is fixed and stated.
"""
from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..base.caching import read_only_cache
from ..base.errors import DemographicWarning, OloyInputError
from ..base.hierarchy import area_code
from ..base.observations import ArrayMatcher, comparable, model_values, not_comparable_reason
from ..base.scenario import load_scenario, Scenario
from ..base.schema import SCHEMA
from ..demography import fertility, local_estimates as estimates
from ..demography.anchoring import bounded_fit, county_multipliers, group_bounds, migration_groups, warnings_once
from ..demography.assumptions import resolve
from ..demography.ccmpp import survival_from_mx
from ..demography.migration import at_risk
from ..demography.projection import build_inputs, Inputs, Projection, run_kernel, scaled_migration, tfr_paths
from ..planning.capacity import LEDGER_COLUMNS
from ..planning.result import Result, run
from . import measures as ev

SCALES = {"fertility": 0.2, "mortality": 2.0, "migration": 0.5}


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
    table = table[table["note"] == ""]  # registered basis and pre-base rows are shown, not measured
    summary = ev.summarise(table, by)
    summary.insert(0, "scenario", table["scenario"].iloc[0] if len(table) else "")
    return summary


def evaluation_errors(result_or_projection, observations: pd.DataFrame) -> pd.DataFrame:
    """Row-level table: observations with the projected value, error, PE and APE.

    Rows that are not comparable (registered basis, before the base year) have no projected
    value and say why in ``note``.
    """
    if isinstance(result_or_projection, Rebase):
        raise TypeError("evaluate: got a Rebase; pass its .result (the re-based run) or its .plan")
    if not isinstance(result_or_projection, (Result, Projection)):
        raise TypeError(f"evaluate: expected a Result (om.run) or a Projection (om.project), "
                        f"got {type(result_or_projection).__name__}")
    check_observations_frame(observations, "evaluate")
    result = result_or_projection if isinstance(result_or_projection, Result) else _ProjectionOnly(result_or_projection)
    if "basis" not in observations.columns:
        observations = observations.assign(basis="resident")
    projected = model_values(result, observations)
    table = pd.concat([observations.drop(columns="value").reset_index(drop=True),
                       ev.errors(projected.to_numpy(), observations["value"].to_numpy())], axis=1)
    base_year = resolve(result.projection.scenario).projection.base_year
    table["note"] = [not_comparable_reason(row, base_year) for _, row in observations.iterrows()]
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
    parameters : DataFrame [parameter, region, prior, calibrated, lower, upper, fitted, group, at_bound]
        ``at_bound`` is ``"lower"``, ``"upper"`` or ``""``; ``group`` names the multiplier a
        county shares (see :func:`oloy_model.demography.anchoring.migration_groups`).
    fit : DataFrame
        Each fitted observation with the projected value before and after, and the errors.
    success : bool
    message : str
    bound_hits : tuple of str
        One line per parameter that ended on a bound of the schema's range.
    not_fitted : DataFrame
        Observations shown but not fitted, with the reason (registered basis, before the
        base year, capacity, missing).
    warnings : DataFrame [category, message, count]
        Each distinct warning of the fit once, with how often it occurred.
    """

    scenario: Scenario
    parameters: pd.DataFrame
    fit: pd.DataFrame
    success: bool
    message: str
    bound_hits: tuple = ()
    not_fitted: pd.DataFrame | None = None
    warnings: pd.DataFrame | None = None


def frozen(scenario: Scenario) -> Scenario:
    """The same projection with any anchoring folded into ``migration.county_scale``
    (``migration.anchor = "none"``), so that changing other keys does not re-anchor."""
    anchor = build_inputs(scenario).migration_anchor
    if anchor is None:
        return scenario
    scale = resolve(scenario).migration.county_scale
    codes = build_inputs(scenario).codes
    county_scale = {code: float(scale.get(code, 1.0) * m) for code, m in zip(codes, anchor)}
    return scenario.with_values({"migration.anchor": "none", "migration.county_scale": county_scale})


class _FastModel:
    """Re-runs the kernel with adjusted fertility, mortality and migration, without DataFrames."""

    def __init__(self, scenario: Scenario, horizon: int):
        self.scenario = scenario.with_values({"projection.horizon": horizon})
        self.inputs = build_inputs(self.scenario)
        self.a = resolve(self.scenario)
        self.ratio0 = self.a.fertility.level_ratio
        self.schedule = fertility.age_schedule(self.a.fertility.schedule_year)
        self.exposure = self.inputs.base[:, 0, :] @ self.schedule
        self.county_scale = np.array([self.a.migration.county_scale.get(c, 1.0) for c in self.inputs.codes])

    @read_only_cache(maxsize=8)  # the finite-difference Jacobian repeats f and d across columns
    def _fertility(self, f: float) -> tuple[np.ndarray, np.ndarray]:
        fert = dataclasses.replace(self.a.fertility, level_ratio=self.ratio0 * f)
        tfr = tfr_paths(self.inputs.years, self.inputs.codes, fert, exposure=self.exposure)
        return tfr, fertility.asfr(tfr, self.schedule)

    @read_only_cache(maxsize=8)
    def _survival(self, d: float) -> np.ndarray:
        m, base_year = self.a.mortality, self.a.projection.base_year
        mx = estimates.mortality_rates(self.inputs.years, e0_base=m.e0_base + d,
                                       base_year=base_year, sex_gap=m.sex_gap, srb=self.inputs.srb[0],
                                       trend=m.trend, annual_gain=m.annual_gain)
        return survival_from_mx(mx)

    def inputs_for(self, f: float, d: float, m: np.ndarray) -> Inputs:
        tfr, asfr = self._fertility(float(f))
        return dataclasses.replace(scaled_migration(self.inputs, m), survival=self._survival(float(d)), asfr=asfr, tfr=tfr)

    def arrays(self, f: float, d: float, m: np.ndarray) -> dict:
        return run_kernel(self.inputs_for(f, d, m), migration_timing=self.a.projection.migration_timing)


INFORMATIVE = {"fertility": ("births", "population_0_2"), "mortality": ("deaths", "population_60plus"),
               "migration": ("population",)}
CAPACITY = ("elderly_beds", "childcare_places")


def _split(observations: pd.DataFrame, base_year: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Fitted rows (comparable demographic observations with a value) and the rest with a reason."""
    frame = observations if "basis" in observations.columns else observations.assign(basis="resident")
    reasons = frame.apply(lambda row: not_comparable_reason(row, base_year), axis=1).astype(object)
    reasons[(reasons == "") & frame["quantity"].isin(CAPACITY)] = "capacity: re-based in the ledger, not calibrated"
    reasons[(reasons == "") & ~(frame["value"] > 0)] = "missing or zero value"
    fitted = frame[reasons == ""].reset_index(drop=True)
    return fitted, frame[reasons != ""].assign(reason=reasons[reasons != ""]).reset_index(drop=True)


def _parameter_space(model: _FastModel, demographic: pd.DataFrame, switches: dict, net: np.ndarray) -> dict:
    """Free parameters, their priors, scales and schema bounds (see the module docstring)."""
    quantities = set(demographic["quantity"])
    free = {name: switches[name] and bool(quantities & set(INFORMATIVE[name])) for name in ("fertility", "mortality")}
    groups, labels = migration_groups(list(model.inputs.codes), demographic, net, INFORMATIVE["migration"])
    if not switches["migration"]:
        groups, labels = groups[:, :0], []
    level, e0 = SCHEMA["fertility.level_ratio"], SCHEMA["mortality.e0_base"]
    e0_base = model.a.mortality.e0_base
    low_m, high_m = group_bounds(groups, model.county_scale)
    names = [n for n in ("fertility", "mortality") if free[n]] + ["migration"] * len(labels)
    lower = [level.minimum / model.ratio0] * free["fertility"] + [e0.minimum - e0_base] * free["mortality"] + list(low_m)
    upper = [level.maximum / model.ratio0] * free["fertility"] + [e0.maximum - e0_base] * free["mortality"] + list(high_m)
    prior = [1.0] * free["fertility"] + [0.0] * free["mortality"] + [1.0] * len(labels)
    return {"names": names, "labels": labels, "groups": groups, "free": free, "prior": np.array(prior),
            "lower": np.array(lower), "upper": np.array(upper), "scales": np.array([SCALES[n] for n in names])}


def _unpack(space: dict, theta: np.ndarray) -> tuple[float, float, np.ndarray]:
    values = list(theta)
    f = values.pop(0) if space["free"]["fertility"] else 1.0
    d = values.pop(0) if space["free"]["mortality"] else 0.0
    return f, d, county_multipliers(space["groups"], np.array(values))


def calibrate(scenario: Scenario | str, observations: pd.DataFrame, *, fertility_level: bool = True,
              mortality_level: bool = True, migration: bool = True, regularisation: float = 1e-8) -> Calibration:
    """Adjust fertility level, mortality level and county migration to reproduce observations.

    Parameters
    ----------
    scenario : Scenario or str
        The plan-base scenario (its values are the priors).
    observations : DataFrame
        From :func:`oloy_model.load_observations`; resident-basis population and event
        quantities from the base year on are fitted (others are listed in ``not_fitted``;
        capacity is re-based by :func:`rebase`).
    fertility_level, mortality_level, migration : bool
        Which components may be adjusted (each also needs informative observations).
    regularisation : float
        Weight of the pull toward the scenario's values (see module docstring).
    """
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    check_observations_frame(observations, "calibrate")
    base_year = resolve(scenario).projection.base_year
    demographic, not_fitted = _split(observations, base_year)
    if demographic.empty:
        raise OloyInputError("calibrate: no resident-basis population or event observations from the base year on "
                             "to calibrate on")
    horizon = int(demographic["year"].max()) + 1
    with warnings_once("calibration") as caught:
        model = _FastModel(frozen(scenario), max(horizon, base_year + 1))
        first = model.inputs.migration_counts[0] + model.inputs.migration_rates[0] * at_risk(model.inputs.base)
        space = _parameter_space(model, demographic, {"fertility": fertility_level, "mortality": mortality_level,
                                                      "migration": migration}, first.sum(axis=(1, 2)))
        observed = demographic["value"].to_numpy(float)
        matcher = ArrayMatcher(demographic, list(model.inputs.codes), base_year)

        def predicted(theta: np.ndarray) -> np.ndarray:
            return matcher.values(model.arrays(*_unpack(space, theta)))

        before = predicted(space["prior"])
        if len(space["names"]) == 0:
            raise OloyInputError("calibrate: nothing to adjust (components switched off, or no observation informs "
                                 f"them: fertility needs {INFORMATIVE['fertility']}, mortality {INFORMATIVE['mortality']},"
                                 f" migration {INFORMATIVE['migration']})")
        fit = bounded_fit(lambda theta: (predicted(theta) - observed) / observed, space["prior"], space["lower"],
                          space["upper"], space["scales"], regularisation)
        after = predicted(fit.theta)
        hits = _bound_hits(space, fit)
    parameters = _parameter_table(model, space, fit)
    fitted = demographic.assign(projected_before=before, projected_after=after,
                                pe_before=100 * (before - observed) / observed, pe_after=100 * (after - observed) / observed)
    table = pd.DataFrame(caught, columns=["category", "message", "count"])
    table["category"] = table["category"].map(lambda c: c.__name__)
    return Calibration(_calibrated_scenario(scenario, model, _unpack(space, fit.theta)), parameters, fitted,
                       fit.success, fit.message, tuple(hits), not_fitted, table)


def _bound_hits(space: dict, fit) -> list[str]:
    labels = [n for n in ("fertility", "mortality") if space["free"][n]] + space["labels"]
    hits = []
    for label, value, low, high, lower, upper in zip(labels, fit.theta, fit.at_lower, fit.at_upper,
                                                     space["lower"], space["upper"]):
        if low or high:
            hits.append(f"{label}: {value:.4g} on its {'lower' if low else 'upper'} bound "
                        f"[{lower:.4g}, {upper:.4g}] (the schema's valid range)")
    if hits:
        warnings.warn(f"calibrate: {len(hits)} parameter(s) ended on a bound of the schema's range (the observations "
                      "ask for more than these components can give): " + "; ".join(hits), DemographicWarning, stacklevel=4)
    return hits


def _parameter_table(model: _FastModel, space: dict, fit) -> pd.DataFrame:
    f, d, m = _unpack(space, fit.theta)
    codes = list(model.inputs.codes)
    rows = []
    flags = dict(zip(range(len(fit.theta)), np.where(fit.at_lower, "lower", np.where(fit.at_upper, "upper", ""))))
    position = 0
    for name, region, prior, value in (("fertility_level_multiplier", area_code(), 1.0, f),
                                       ("e0_shift_years", area_code(), 0.0, d)):
        component = "fertility" if name.startswith("fert") else "mortality"
        if space["free"][component]:
            rows.append((name, region, prior, value, space["lower"][position], space["upper"][position], True,
                         component, flags[position]))
            position += 1
        else:
            rows.append((name, region, prior, value, np.nan, np.nan, False, "not informed by the observations", ""))
    for r, code in enumerate(codes):
        member = np.flatnonzero(space["groups"][r]) if space["groups"].size else np.array([], dtype=int)
        if member.size:
            k = position + int(member[0])
            rows.append(("migration_multiplier", code, 1.0, m[r], space["lower"][k], space["upper"][k], True,
                         space["labels"][int(member[0])], flags[k]))
        else:
            rows.append(("migration_multiplier", code, 1.0, m[r], np.nan, np.nan, False, "no observation moves it", ""))
    return pd.DataFrame(rows, columns=["parameter", "region", "prior", "calibrated", "lower", "upper", "fitted",
                                       "group", "at_bound"])


def _calibrated_scenario(scenario: Scenario, model: _FastModel, parameters: tuple) -> Scenario:
    f, d, m = parameters
    county_scale = {code: float(scale * multiplier)
                    for code, scale, multiplier in zip(model.inputs.codes, model.county_scale, m)}
    changes = {"migration.county_scale": county_scale, "migration.anchor": "none"}
    if f != 1.0:  # an unfitted component keeps the scenario's own value (e.g. "auto")
        changes["fertility.level_ratio"] = float(model.ratio0 * f)
    if d != 0.0:
        changes["mortality.e0_base"] = float(model.a.mortality.e0_base + d)
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

    County observations adjust their county; a prefecture observation is spread
    over the counties without their own observation in proportion to planned capacity.
    """
    rows = []
    cap = plan.capacity.set_index(["region", "service", "year"])["capacity"]
    capacity_obs = observations[observations["quantity"].isin(["elderly_beds", "childcare_places"])
                                & observations["value"].notna()]
    if "basis" in capacity_obs.columns:
        capacity_obs = capacity_obs[comparable(capacity_obs, resolve(plan.scenario).projection.base_year)]
    for service, group in capacity_obs.groupby("quantity"):
        year = int(group["year"].max())
        latest = group[group["year"] == year]
        counties = latest[latest["region"] != area_code()]
        for row in counties.itertuples():
            rows.append((row.region, service, year, row.value - cap[(row.region, service, year)], row.source))
        prefecture = latest[latest["region"] == area_code()]
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
    # The plan with its anchoring folded in: the steps below must not re-anchor migration.
    plan_scenario, target = frozen(rebased.plan.scenario), rebased.calibration.scenario
    # Each step copies keys of the re-based scenario as written (scenario edits, not assumptions).
    demand_keys = [k for k in target.values if k.startswith("demand.")]
    step_keys = [["fertility.level_ratio"], ["mortality.e0_base"], ["migration.county_scale"], demand_keys]
    steps = [{key: target.values[key] for key in keys} for keys in step_keys]
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
