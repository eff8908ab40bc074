"""``run(scenario) -> Result``: projection, demand, the capacity ledger, gaps and indicators.

The orchestrator of the demand-and-capacity side; wires :mod:`demand`, :mod:`capacity` and
:mod:`gaps` to the projection and the plan data, and holds no formula of its own.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..base.caching import read_only_cache
from ..base.errors import DemographicWarning
from ..base.resources import read_bundled
from ..base.scenario import load_scenario, Scenario
from ..demography.assumptions import Assumptions, Demand, national_norm_keys, resolve
from ..demography.population import base_population, region_codes
from ..demography.projection import project, Projection
from . import capacity as cap, demand as dem, gaps as gp, norms


@dataclass(frozen=True)
class Result:
    """Everything one scenario run produces (tidy frames).

    Attributes
    ----------
    projection : Projection
    demand : DataFrame [scenario, region, year, service, basis, demand]
    ledger : DataFrame, the capacity ledger used (see :mod:`oloy_model.planning.capacity`)
    capacity : DataFrame [region, year, service, capacity]
    gaps : DataFrame [scenario, region, year, service, basis, demand, capacity, gap, cost_to_close_10k_yuan]
        Counties and the prefecture. ``gap = demand - capacity``, positive = shortfall.
    shortfalls : DataFrame, first shortfall year, place-years short and peak gap per county/service/basis
    indicators : DataFrame [scenario, region, year, indicator, unit, value, baseline_value, target, target_year, met]
    unit_costs : DataFrame, the plan's own unit costs [10k yuan per place]
    checks : DataFrame, the plan's figures recomputed from the data, with inconsistencies
    evaluation : DataFrame or None
        Errors against ``projection.observations_file`` (row level; filled by ``om.run``, see :mod:`oloy_model.orchestrators`).
    notes : tuple of str
        What an area outside the bundled one runs on (national norms) and what is absent
        (:mod:`oloy_model.planning.norms`); empty for the bundled area.

    Outside the bundled area without a user ledger, ``ledger``, ``capacity``, ``gaps``,
    ``shortfalls`` and ``indicators`` are empty (no capacity is known; never zero capacity).
    """

    projection: Projection
    demand: pd.DataFrame
    ledger: pd.DataFrame
    capacity: pd.DataFrame
    gaps: pd.DataFrame
    shortfalls: pd.DataFrame
    indicators: pd.DataFrame
    unit_costs: pd.DataFrame
    checks: pd.DataFrame
    evaluation: pd.DataFrame | None = None
    notes: tuple[str, ...] = ()

    @property
    def scenario(self) -> Scenario:
        return self.projection.scenario


@read_only_cache(maxsize=2)
def plan_figures() -> dict[str, float]:
    """The plan's figures (``data/plan/plan_figures.csv``) as item -> value."""
    table = read_bundled("plan/plan_figures.csv")
    return dict(zip(table["item"], table["value"].astype(float)))


def allocation_weights(rule: str) -> dict[str, pd.Series]:
    """County weights per service from the 2020 census base (rule: target_group or population)."""
    pop = base_population()
    total = pop.groupby("region")["population"].sum()
    if rule == "population":
        return {service: total for service in cap.SERVICES}
    old = pop[pop["age"] >= 60].groupby("region")["population"].sum()
    young = pop[pop["age"] <= 2].groupby("region")["population"].sum()
    return {"elderly_beds": old, "nursing_beds": old, "childcare_places": young}


def build_ledger(scenario: Scenario) -> pd.DataFrame:
    """The scenario's ledger: the user's file when given, else the plan ledger."""
    c = resolve(scenario).capacity
    if c.ledger_file:
        return cap.read_ledger(c.ledger_file, regions=region_codes())
    return cap.plan_ledger(plan_figures(), allocation_weights(c.allocation), phasing=c.phasing,
                           childcare_base=c.childcare_base,
                           nursing_share_of_new_beds=c.nursing_share_of_new_beds)


ENROLMENT_SHAPE = np.array([0.05, 0.35, 1.0])  # ages 0, 1, 2 (data/plan/demand_parameters.csv)


def institutional_takeup(d: Demand) -> float:
    """Institutional residents per person in need [-] = institutional share / need share of 60+.

    At most 1 (validation requires institutional_share_60plus <= care_need_share_60plus:
    residents are drawn from the people in need); 0 when nobody is in need.
    """
    need = d.care_need_share_60plus
    return d.institutional_share_60plus / need if need > 0 else 0.0


def uptake_parameters(d: Demand, area: str | None = None) -> dict:
    """Calibrated uptake parameters on the 2020 census base of ``area`` (default the bundled
    one; ``d``: ``resolve(scenario).demand``)."""
    pop = base_population(area=area).groupby("age")["population"].sum().to_numpy()
    slope, cap_ = d.care_need_age_slope, d.care_need_cap
    level = dem.calibrate_care_need(pop, d.care_need_share_60plus, slope=slope, cap=cap_)
    need = dem.care_need_curve(np.arange(101), level, slope=slope, cap=cap_)
    return {
        "care_need": need,
        "institutional_takeup": institutional_takeup(d),
        "nursing_share_of_residents": d.nursing_share_of_residents,
        "elderly_occupancy": d.elderly_occupancy,
        "enrolment": dem.enrolment_by_age(d.childcare_enrolment, ENROLMENT_SHAPE, pop[:3]),
        "childcare_occupancy": d.childcare_occupancy,
    }


def plan_checks(plan: dict[str, float]) -> pd.DataFrame:
    """The plan's own figures recomputed from the census, and where they disagree."""
    groups = base_population()
    total = groups["population"].sum()
    old = groups.loc[groups["age"] >= 60, "population"].sum()
    rows = [
        ("beds per 1,000 aged 60+ (2020)", plan["beds_per_1000_elderly"], 1000 * plan["elderly_beds_total"] / old,
         "11,669 beds / 567,828 aged 60+ x 1,000; the plan rounds to 20"),
        ("childcare places per 1,000 residents (2020)", plan["childcare_places_per_1000"],
         1000 * plan["childcare_places"] / total, "8,042 places / 3,337,559 residents x 1,000"),
        ("childcare places needed at 3 per 1,000 (2020)", plan["childcare_places_needed_at_3_per_1000"],
         3 * total / 1000, "the plan's 6,887 equals its 2025 targets 1,600 + 5,287, not 3 x 3,337,559 / 1,000"),
        ("childcare places in 2020 (two published figures)", plan["childcare_places_alternative"],
         plan["childcare_places"], "the plan gives 8,042 (baseline section) and 3,125 (trends section)"),
        ("nursing-type share (2020, percent)", plan["nursing_share_of_operating_beds"],
         100 * plan["nursing_beds_medical_care"] / plan["elderly_beds_total"],
         "41.82% is of operating institutions' beds (implying about 5,194 such beds); 2,172 is 18.6% of all 11,669 "
         "beds, the basis of the model's indicator"),
        ("new elderly beds: public + public-benefit", plan["elderly_new_beds_total"],
         plan["elderly_public_new_beds"] + plan["elderly_public_benefit_new_beds"], "4,546 + 550"),
        ("new childcare places: public + public-benefit", plan["childcare_new_places_total"],
         plan["childcare_public_new_places"] + plan["childcare_public_benefit_new_places"], "6,603 + 4,928"),
    ]
    table = pd.DataFrame(rows, columns=["check", "published", "recomputed", "note"])
    table["difference"] = table["recomputed"] - table["published"]
    table["consistent"] = (table["difference"].abs() / table["published"]).round(6) < 0.01
    return table[["check", "published", "recomputed", "difference", "consistent", "note"]]


def _ownership(ledger: pd.DataFrame, years: np.ndarray, regions: list[str]) -> pd.DataFrame:
    child = ledger[ledger["service"] == "childcare_places"]
    public = child[child["type"].isin(["public", "public_benefit"])].assign(service="public_benefit_childcare_places")
    private = child[child["type"] == "private"].assign(service="private_childcare_places")
    table = cap.capacity_by_year(pd.concat([public, private]), years, regions,
                                 services=("public_benefit_childcare_places", "private_childcare_places"))
    return table.pivot_table(index=["region", "year"], columns="service", values="capacity").reset_index()


def run(scenario: Scenario | str, *, ledger: pd.DataFrame | None = None) -> Result:
    """Project a scenario and forecast demand, capacity, gaps and plan indicators.

    Parameters
    ----------
    scenario : Scenario or str
        A loaded scenario, a bundled name or a path to a TOML file.
    ledger : DataFrame, optional
        A capacity ledger (layout of :mod:`oloy_model.planning.capacity`) replacing the scenario's.
    """
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    a = resolve(scenario)
    if a.projection.area is not None:
        return _run_area(scenario, a, ledger)
    projection = project(scenario)
    plan = plan_figures()
    population = projection.population
    demand = _demand(population, a)
    regions = region_codes()
    years = np.sort(population["year"].unique())
    if ledger is None:
        ledger = build_ledger(scenario)
    else:
        ledger = cap.check_ledger_frame(ledger, regions=regions)
    capacity = cap.capacity_by_year(ledger, years, regions)
    costs = cap.unit_costs(plan)
    unit_cost = costs[costs["basis_of_cost"] == "all 14th-plan projects"].set_index("service")["unit_cost_10k_yuan"].to_dict()
    gap_table = gp.gaps(demand, capacity, unit_cost)
    targets = {
        "elderly_beds_per_1000_60plus": (plan["target_beds_per_1000_elderly"], 2025),
        "nursing_share_of_elderly_beds": (plan["target_nursing_share"], 2025),
        "childcare_places_per_1000": (plan["target_childcare_places_per_1000"], 2025),
        "public_benefit_childcare_places": (plan["target_public_benefit_childcare_places"], 2025),
        "private_childcare_places": (plan["target_private_childcare_places"], 2025),
    }
    indicator_table = gp.indicators(capacity, _bands(population), _ownership(ledger, years, regions), targets)
    return Result(projection, demand, ledger, capacity, gap_table, gp.shortfall_summary(gap_table), indicator_table,
                  costs, plan_checks(plan))


def _demand(population: pd.DataFrame, a: Assumptions) -> pd.DataFrame:
    """Demand on both bases (norm paths and uptake calibrated on the area's 2020 census)."""
    return pd.concat([dem.norm_demand(population, a.demand.norm_paths),
                      dem.uptake_demand(population, **uptake_parameters(a.demand, a.projection.area))],
                     ignore_index=True)


def _bands(population: pd.DataFrame) -> pd.DataFrame:
    bands = dem.age_band(population, 0).merge(
        dem.age_band(population, 60).rename(columns={"population": "age_60plus"}), on=["scenario", "region", "year"])
    bands["scenario"] = bands["scenario"].astype(str)
    return bands


def _run_area(scenario: Scenario, a: Assumptions, ledger: pd.DataFrame | None) -> Result:
    """The run of an area outside the bundled one: national norms; capacity only from a user ledger."""
    area = a.projection.area
    projection = project(scenario)
    population = projection.population
    demand = _demand(population, a)
    regions = region_codes(area)
    years = np.sort(population["year"].unique())
    if ledger is not None:
        ledger = cap.check_ledger_frame(ledger, regions=regions)
    elif a.capacity.ledger_file:
        ledger = cap.read_ledger(a.capacity.ledger_file, regions=regions)
    notes = norms.area_notes(area, national_norm_keys(a), ledger is not None)
    costs = _empty(cap.unit_costs(plan_figures()))
    checks = _empty(plan_checks(plan_figures()))
    if ledger is None:
        warnings.warn(f"{scenario.name}: {notes[0]}", DemographicWarning, stacklevel=3)
        empty_gaps = _empty_frame(gp.GAP_COLUMNS + ["cost_to_close_10k_yuan"])
        return Result(projection, demand, _empty_frame(cap.LEDGER_COLUMNS),
                      _empty_frame(["region", "year", "service", "capacity"]), empty_gaps,
                      gp.shortfall_summary(empty_gaps), _empty_frame(INDICATOR_COLUMNS), costs, checks, notes=notes)
    capacity = cap.capacity_by_year(ledger, years, regions)
    demand, partial = _with_known_capacity(demand, ledger, regions)
    gap_table = gp.gaps(demand, capacity, {}, area=area)
    if partial:  # upper regions' totals would cover only the counties with rows: absent too
        gap_table = gap_table[~(gap_table["service"].isin(list(partial)) & ~gap_table["region"].isin(regions))]
        gap_table = gap_table.reset_index(drop=True)
        for service, counties in partial.items():
            note = norms.UNLISTED_COUNTIES.format(service=service, counties=", ".join(counties))
            warnings.warn(f"{scenario.name}: {note}", DemographicWarning, stacklevel=3)
            notes += (note,)
    listed = set(ledger["service"])  # a service the ledger never mentions has unknown capacity, not zero
    if listed != set(cap.SERVICES):
        gap_table = gap_table[gap_table["service"].isin(listed)].reset_index(drop=True)
        notes += (norms.UNLISTED.format(services=", ".join(s for s in cap.SERVICES if s not in listed)),)
    indicator_table = gp.indicators(capacity, _bands(population), _ownership(ledger, years, regions),
                                    norms.national_targets(), area=area)
    return Result(projection, demand, ledger, capacity, gap_table, gp.shortfall_summary(gap_table), indicator_table,
                  costs, checks, notes=notes)


def _with_known_capacity(demand: pd.DataFrame, ledger: pd.DataFrame,
                         regions: list[str]) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    """Demand of the counties whose capacity the user's ledger states, by service; and, per
    service the ledger lists, the counties without a row (their capacity is unknown, not zero)."""
    known = set(zip(ledger["region"].astype(str), ledger["service"]))
    listed = set(ledger["service"])
    partial = {service: [r for r in regions if (r, service) not in known] for service in cap.SERVICES
               if service in listed}
    partial = {service: counties for service, counties in partial.items() if counties}
    keep = [service not in partial or (region, service) in known
            for region, service in zip(demand["region"].astype(str), demand["service"])]
    return demand[keep].reset_index(drop=True), partial


INDICATOR_COLUMNS = ["scenario", "region", "year", "indicator", "unit", "value", "baseline_value", "target",
                     "target_year", "met"]


def _empty(table: pd.DataFrame) -> pd.DataFrame:
    """``table``'s columns and dtypes without rows."""
    return table.iloc[0:0].reset_index(drop=True)


def _empty_frame(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({column: pd.Series(dtype=object) for column in columns})
