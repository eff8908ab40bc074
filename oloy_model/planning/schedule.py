"""Build schedules: how many beds and places to open, where and when, at least cost.

A mixed-integer linear programme solved with HiGHS (:func:`scipy.optimize.milp`; Huangfu &
Hall 2018). Pure array functions (:func:`solve_schedule`, :func:`coverage_target`) plus a
thin tidy wrapper (:func:`plan_additions`) that reads a :class:`~oloy_model.planning.result.Result`
(and optionally an :class:`~oloy_model.uncertainty.ensemble.Ensemble`). The formulation, with units, is
in docs/methods.md#build-schedules-oloy_modelplanningschedule.

Per county ``r`` and plan year ``t`` (``t = 0`` is ``decision_year + 1``) the whole-number
decisions are: ``a`` new ordinary elderly beds, ``b`` new nursing-type beds, ``x`` ordinary
beds converted into nursing-type beds, ``c`` new childcare places, ``y`` elderly-care beds
gained by converting ``k`` childcare places each. Capacity is the decision-year stock,
retired at an annual rate, plus cumulative openings and conversions. Every year capacity must
reach the coverage target, or the most any schedule can reach when that is less (before the
lead time has passed, or when the rate cap binds: :func:`reachable`); the rest is reported as
an unavoidable gap.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from ..base.dimensions import SERVICES
from ..base.errors import DemographicWarning, OloyInputError
from ..base.hierarchy import area_code, with_parent_totals
from ..base.tidy import to_frame
from ..demography.assumptions import PlanSettings, resolve
from .demand import BASES
from .result import plan_figures, Result, run

BLOCKS = ("a", "b", "x", "c", "y")  # whole-number variables per county, T each
MIP_GAP = 1e-6  # relative optimality gap HiGHS must prove
NODE_LIMIT = 500  # branch-and-bound nodes before the best schedule found is taken (a warning says so)
TIE_BREAK = 1e-3  # an opening in the first year costs 0.1% more than in the last: just in time among equal costs
SCHEDULE_COLUMNS = ["scenario", "region", "service", "year", "open", "convert", "capacity", "demand", "gap",
                    "cost_10k_yuan"]


@dataclass(frozen=True)
class Levers:
    """Unit costs and the conversion levers of a schedule.

    Attributes
    ----------
    cost_bed : float [10k yuan per bed]
        A new elderly-care bed, ordinary or nursing-type (the plan: 79,375 / 5,096 = 15.58).
    cost_place : float [10k yuan per place]
        A new childcare place (the plan: 55,453 / 11,531 = 4.81).
    cost_conversion : float [10k yuan per bed gained]
        Converting existing space into a (nursing-type or elderly-care) bed.
    places_per_bed : float [childcare places per bed]
        Childcare places given up per elderly-care bed gained by conversion (whole numbers
        keep the programme easy to solve).
    nursing_conversion, childcare_conversion : bool
        Whether the two conversion levers may be used.
    """

    cost_bed: float
    cost_place: float
    cost_conversion: float
    places_per_bed: float = 4.0
    nursing_conversion: bool = True
    childcare_conversion: bool = True

    def unit_costs(self) -> np.ndarray:
        """Cost per unit of the five decisions a, b, x, c, y [10k yuan]."""
        return np.array([self.cost_bed, self.cost_bed, self.cost_conversion, self.cost_place, self.cost_conversion])


def retained_stock(stock: np.ndarray, years: int, retirement_rate: float) -> np.ndarray:
    """Decision-year stock still in service in each plan year: ``stock (1 - rate)^(t + 1)``.

    Parameters
    ----------
    stock : array [places], shape (..., )
    years : int
    retirement_rate : float [fraction per year]

    Returns
    -------
    array [places], shape ``stock.shape + (years,)``
    """
    factor = (1.0 - retirement_rate) ** np.arange(1, years + 1)
    return np.asarray(stock, dtype=float)[..., None] * factor


def retained_conversions(years: int, retirement_rate: float) -> np.ndarray:
    """``kept[t, s] = (1 - rate)^(t - s)`` for s <= t, else 0: the share of a conversion made in
    plan year s still in service in year t (converted beds retire with the decision-year stock)."""
    gaps = np.subtract.outer(np.arange(years), np.arange(years))
    return np.where(gaps >= 0, (1.0 - retirement_rate) ** np.maximum(gaps, 0), 0.0)


def coverage_target(demand_draws: np.ndarray, risk: float) -> np.ndarray:
    """Capacity each cell must reach so that P(shortfall) <= ``risk`` in the draws themselves.

    The empirical ``1 - risk`` quantile with ``method="higher"`` (an order statistic): at most
    ``floor(risk x draws)`` draws exceed it, so the rule holds in the ensemble's own draws.

    Parameters
    ----------
    demand_draws : array [places], shape (draws, ...)
    risk : float [probability], 0 <= risk < 1
    """
    return np.quantile(demand_draws, 1.0 - risk, axis=0, method="higher")


def _county_matrix(years: int, places_per_bed: float, retirement_rate: float = 0.0) -> sparse.csr_matrix:
    """Constraint rows (``A z <= rhs``) of one county; columns in :data:`BLOCKS` order.

    Beds converted from the decision-year stock keep retiring with it: a conversion ``x`` in
    year s still counts ``x (1 - rate)^(t - s)`` in year t, on the nursing side and off the
    ordinary side (so converting all ordinary beds stays feasible under retirement)."""
    lower = sparse.csr_matrix(np.tril(np.ones((years, years))))  # cumulative sum to year t
    kept = sparse.csr_matrix(retained_conversions(years, retirement_rate))
    eye, zero = sparse.identity(years, format="csr"), sparse.csr_matrix((years, years))
    k = places_per_bed

    def row(*blocks):
        return sparse.hstack(list(blocks))

    return sparse.vstack([
        # elderly beds: stock + cum(a + b + y) >= target
        row(-lower, -lower, zero, zero, -lower),
        # nursing-type beds: stock + cum(b) + retained conversions >= target
        row(zero, -lower, -kept, zero, zero),
        # childcare places: stock + cum(c - k y) >= target
        row(zero, zero, zero, -lower, k * lower),
        # ordinary beds never below zero: ordinary stock + cum(a + y) - retained conversions >= 0
        row(-lower, zero, kept, zero, -lower),
        # childcare places never below zero: stock + cum(c - k y) >= 0
        row(zero, zero, zero, -lower, k * lower),
        # rate cap on new elderly beds: a + b <= cap
        row(eye, eye, zero, zero, zero),
    ]).tocsr()


def solve_schedule(demand: np.ndarray, stock: np.ndarray, max_open: np.ndarray, levers: Levers, *,
                   first_open: int = 0, retirement_rate: float = 0.0) -> dict[str, np.ndarray]:
    """Least-cost whole-number schedule covering ``demand`` every year in every county.

    Parameters
    ----------
    demand : array [beds or places], shape (regions, 3, years)
        Coverage target per county, service (elderly beds, nursing-type beds, childcare
        places) and plan year: deterministic demand or :func:`coverage_target` of draws.
    stock : array [beds or places], shape (regions, 3)
        Capacity at the end of the decision year; nursing-type beds are part of elderly beds.
    max_open : array [per year], shape (regions, 2)
        Most new elderly beds and new childcare places a county may open in a year.
    levers : Levers
    first_open : int
        Index of the first plan year in which places may open (``lead_time - 1``).
    retirement_rate : float [fraction per year]
        Retirement of the decision-year stock.

    Returns
    -------
    dict of arrays, shape (regions, years) unless stated
        ``new_beds`` (a + b), ``new_nursing`` (b), ``nursing_conversion`` (x), ``new_places``
        (c), ``childcare_conversion`` (y, beds gained; ``k y`` places given up); ``capacity``
        (regions, 3, years) [places]; ``cost`` (regions, 3, years) [10k yuan]: new beds and
        childcare conversions on elderly beds, nursing conversions on nursing-type beds, new
        places on childcare; ``objective`` (the solver's value, with the tie-break weights).

    Raises
    ------
    OloyInputError
        When the inputs admit no schedule (e.g. more nursing-type than elderly beds in stock).
    """
    demand = np.asarray(demand, dtype=float)
    regions, _, years = demand.shape
    max_open = np.floor(np.asarray(max_open, dtype=float) + 1e-9)  # whole places per year
    base = retained_stock(stock, years, retirement_rate)  # (R, 3, T)
    reach = reachable(base, max_open, first_open, levers.nursing_conversion)
    if retirement_rate > 0:
        # Retired stock is fractional; whole-number conversions can match it only to within a
        # place, so a target capped by what can be reached is lowered by one place.
        reach = np.where(demand > reach, np.maximum(reach - 1.0, 0.0), reach)
    target = np.minimum(demand, reach)
    rhs = np.concatenate([base[:, 0] - target[:, 0], base[:, 1] - target[:, 1], base[:, 2] - target[:, 2],
                          base[:, 0] - base[:, 1], base[:, 2], np.repeat(max_open[:, :1], years, axis=1)], axis=1)
    matrix = sparse.kron(sparse.identity(regions), _county_matrix(years, levers.places_per_bed, retirement_rate),
                         format="csr")
    lower, upper = _bounds(max_open, years, first_open, levers)
    solution = milp(objective_vector(regions, years, levers), integrality=np.ones(lower.size),
                    bounds=Bounds(lower, upper), constraints=LinearConstraint(matrix, -np.inf, rhs.reshape(-1)),
                    options={"mip_rel_gap": MIP_GAP, "node_limit": NODE_LIMIT})
    if solution.x is not None and solution.status != 0:
        # Stopped at the node limit (deterministic, unlike a time limit) with a whole-number
        # schedule that meets every constraint: use it and say how far from proven least cost.
        warnings.warn(f"build schedule: least cost not proven within {NODE_LIMIT} branch-and-bound nodes; the "
                      f"schedule is within {100 * getattr(solution, 'mip_gap', np.nan):.3g}% of it", DemographicWarning,
                      stacklevel=3)
    if solution.x is None:
        raise OloyInputError(f"build schedule: the programme has no solution ({solution.message}); check that "
                             "nursing-type stock does not exceed elderly-bed stock and that stocks are not negative")
    z = np.round(solution.x.reshape(regions, len(BLOCKS), years))
    return _unpack(z, base, demand, levers, retirement_rate) | {"objective": float(solution.fun)}


def objective_vector(regions: int, years: int, levers: Levers) -> np.ndarray:
    """Objective coefficients [10k yuan]: unit costs x a just-in-time tie-break weight."""
    weights = 1.0 + TIE_BREAK * (years - 1 - np.arange(years)) / years
    return np.tile(np.outer(levers.unit_costs(), weights).reshape(-1), regions)


def reachable(base: np.ndarray, max_open: np.ndarray, first_open: int, nursing_conversion: bool) -> np.ndarray:
    """The most capacity any schedule can have in each year [places], shape (regions, 3, years).

    Every allowed year at the rate cap; from the first allowed year nursing-type beds can
    reach all elderly beds (new beds nursing-type, ordinary stock converted), or, without
    conversion, their stock plus the new beds. Childcare conversions are left out (they only lower childcare).
    """
    years = base.shape[-1]
    opened = np.maximum(np.arange(years) - first_open + 1, 0)  # (T,) years of openings so far
    elderly = base[:, 0] + max_open[:, :1] * opened
    converted = np.where(opened > 0, elderly, base[:, 1])  # conversions too wait for the lead time
    nursing = converted if nursing_conversion else base[:, 1] + max_open[:, :1] * opened
    return np.stack([elderly, nursing, base[:, 2] + max_open[:, 1:2] * opened], axis=1)


def _bounds(max_open: np.ndarray, years: int, first_open: int, levers: Levers) -> tuple[np.ndarray, np.ndarray]:
    regions = max_open.shape[0]
    upper = np.full((regions, len(BLOCKS), years), np.inf)
    upper[:, BLOCKS.index("c")] = max_open[:, 1:2]
    upper[:, :2] = max_open[:, None, :1]
    if not levers.nursing_conversion:
        upper[:, BLOCKS.index("x")] = 0.0
    if not levers.childcare_conversion:
        upper[:, BLOCKS.index("y")] = 0.0
    upper[:, :, :first_open] = 0.0  # nothing planned before the decision opens before the lead time
    return np.zeros(upper.size), upper.reshape(-1)


def _unpack(z: np.ndarray, base: np.ndarray, demand: np.ndarray, levers: Levers,
            retirement_rate: float = 0.0) -> dict[str, np.ndarray]:
    a, b, x, c, y = (z[:, i] for i in range(len(BLOCKS)))
    k = levers.places_per_bed
    capacity = np.stack([base[:, 0] + np.cumsum(a + b + y, axis=1),
                         base[:, 1] + np.cumsum(b, axis=1) + x @ retained_conversions(z.shape[-1], retirement_rate).T,
                         base[:, 2] + np.cumsum(c - k * y, axis=1)], axis=1)
    cost = np.stack([levers.cost_bed * (a + b) + levers.cost_conversion * y,
                     levers.cost_conversion * x,
                     levers.cost_place * c], axis=1)
    return {"new_beds": a + b, "new_nursing": b, "nursing_conversion": x, "new_places": c,
            "childcare_conversion": y, "capacity": capacity, "cost": cost}


def stranded(capacity_end: np.ndarray, demand_end: np.ndarray, added: np.ndarray) -> np.ndarray:
    """Places added during the plan that are surplus at the horizon [places].

    ``min(max(capacity - demand, 0), added)`` per county and service: a surplus the old stock
    alone would have left is not counted, only the part the plan itself built.
    """
    return np.minimum(np.maximum(capacity_end - demand_end, 0.0), np.maximum(added, 0.0))


# -- tidy wrapper ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Plan:
    """A build schedule and its summaries (tidy frames).

    Attributes
    ----------
    scenario : Scenario
    schedule : DataFrame [scenario, region, service, year, open, convert, capacity, demand, gap, cost_10k_yuan,
               basis, rule]
        Counties. ``demand`` is the coverage target (deterministic demand, or the demand
        quantile of the draws); ``gap = demand - capacity`` (positive = unavoidable shortfall).
        Elderly beds: ``open`` all new beds (nursing-type included), ``convert`` beds gained
        from childcare space; nursing-type beds: ``open`` the new beds among them (costed
        under elderly beds), ``convert`` ordinary beds converted; childcare: ``convert`` places
        given up (negative).
    totals : DataFrame [scenario, region, service, period, open, convert, cost_10k_yuan]
        Counties and the prefecture; five-year periods and the whole plan.
    stranded : DataFrame [scenario, region, service, year, capacity, demand, added, stranded, cost_10k_yuan]
        Places the plan added that are surplus at the horizon, valued at the cost of a new place.
    rule : str
        The coverage rule, e.g. ``"norm demand"`` or ``"uptake demand, P(shortfall) <= 0.1 in 1000 draws"``.
    """

    scenario: object
    schedule: pd.DataFrame
    totals: pd.DataFrame
    stranded: pd.DataFrame
    rule: str

    @property
    def unmet(self) -> pd.DataFrame:
        """Schedule rows where no allowed schedule reaches the target (``gap`` > 0): the rate
        caps, the lead time or retirement leave demand uncovered there."""
        return self.schedule[self.schedule["gap"] > UNMET_TOLERANCE].reset_index(drop=True)

    def coverage_text(self) -> str:
        """One sentence for reports and the command line: covered every year, or where not."""
        unmet = self.unmet
        if unmet.empty:
            return f"Demand is covered in every county, service and year ({self.rule})."
        worst = unmet.loc[unmet["gap"].idxmax()]
        return (f"Demand can NOT be covered in {len(unmet)} county-service-years ({self.rule}): the rate caps, lead "
                f"time or retirement allow no schedule that reaches it; largest gap {worst['gap']:,.0f} "
                f"{worst['service']} in {worst['region']} in {int(worst['year'])} (column gap of the schedule).")


UNMET_TOLERANCE = 1e-6  # places: gaps above this are shortfalls no allowed schedule can close


def levers_from(settings: PlanSettings) -> Levers:
    """The :class:`Levers` of a scenario's ``plan.*`` keys (``resolve(scenario).plan``)."""
    return Levers(cost_bed=settings.cost_elderly_bed, cost_place=settings.cost_childcare_place,
                  cost_conversion=settings.cost_conversion, places_per_bed=settings.childcare_places_per_bed,
                  nursing_conversion=settings.nursing_conversion,
                  childcare_conversion=settings.childcare_conversion)


def plan_additions(scenario, *, ensemble=None, decision_year: int | None = None, horizon: int | None = None) -> Plan:
    """Least-cost build schedule per county, service and year (the next plan by default).

    Parameters
    ----------
    scenario : Scenario, str or Result
        A scenario (run first) or the result of ``om.run``.
    ensemble : Ensemble, optional
        ``om.simulate`` of the same scenario: capacity then covers the ``1 - plan.risk``
        demand quantile of the draws in every county, service and year.
    decision_year, horizon : int, optional [year]
        Override ``plan.decision_year`` and ``plan.horizon`` (e.g. 2020 and 2025 for the
        14th plan period).

    Returns
    -------
    Plan

    Notes
    -----
    Method: a mixed-integer programme solved by HiGHS (Huangfu & Hall 2018, via
    :func:`scipy.optimize.milp`); formulation in docs/methods.md#build-schedules-oloy_modelplanningschedule.
    """
    result = scenario if isinstance(scenario, Result) else run(scenario)
    v = resolve(result.scenario).plan
    decision = v.decision_year if decision_year is None else decision_year
    last = v.horizon if horizon is None else horizon
    _check_years(result, decision, last)
    years = np.arange(decision + 1, last + 1)
    codes = sorted(result.capacity["region"].unique())
    stock = _stock(result.capacity, codes, decision)
    demand, rule = _coverage(result, ensemble, codes, years, v)
    rates = np.array([v.max_open_rate_elderly, v.max_open_rate_childcare])
    max_open = stock[:, [0, 2]] * rates
    levers = levers_from(v)
    arrays = solve_schedule(demand, stock, max_open, levers, first_open=v.lead_time - 1,
                            retirement_rate=v.retirement_rate)
    schedule = _schedule_frame(result.scenario.name, codes, years, arrays, demand, levers, v.basis, rule)
    plan = Plan(result.scenario, schedule, period_totals(schedule), stranded_table(schedule, levers), rule)
    if not plan.unmet.empty:
        warnings.warn(f"{result.scenario.name}: {plan.coverage_text()}", DemographicWarning, stacklevel=2)
    return plan


def _check_years(result, decision: int, last: int) -> None:
    years = result.capacity["year"]
    if not years.min() <= decision < last <= years.max():
        raise OloyInputError(f"{result.scenario.source or result.scenario.name}: keys 'plan.decision_year' = {decision} "
                             f"and 'plan.horizon' = {last}; expected {years.min()} <= decision_year < horizon <= "
                             f"projection.horizon ({years.max()})")


def _stock(capacity: pd.DataFrame, codes: list[str], year: int) -> np.ndarray:
    cell = capacity[capacity["year"] == year].pivot_table(index="region", columns="service", values="capacity")
    return cell.reindex(index=codes, columns=list(SERVICES)).fillna(0.0).to_numpy()


def _coverage(result, ensemble, codes: list[str], years: np.ndarray, v: PlanSettings) -> tuple[np.ndarray, str]:
    """Coverage target (regions, 3, years) and the rule's description."""
    basis = v.basis
    if ensemble is None:
        cell = result.demand[(result.demand["basis"] == basis) & result.demand["year"].isin(years)]
        wide = cell.pivot_table(index=["region", "service"], columns="year", values="demand")
        index = pd.MultiIndex.from_product([codes, SERVICES])
        return wide.reindex(index=index, columns=years).to_numpy().reshape(len(codes), 3, years.size), f"{basis} demand"
    draws = demand_draws(ensemble, basis, codes, years)
    risk = v.risk
    return coverage_target(draws, risk), (f"{basis} demand, P(shortfall) <= {risk:g} per county and year in "
                                          f"{ensemble.draws} draws (seed {ensemble.seed})")


def demand_draws(ensemble, basis: str, codes: list[str], years: np.ndarray) -> np.ndarray:
    """Demand of every draw [places], shape (draws, regions, 3, years): the ensemble's gap draws
    plus the capacity they were set against."""
    t = np.searchsorted(ensemble.years, years)
    r = [ensemble.regions.index(code) for code in codes]
    capacity = ensemble.result.capacity.pivot_table(index="year", columns=["region", "service"], values="capacity")
    held = np.stack([[capacity[(code, s)].reindex(years).to_numpy() for s in SERVICES] for code in codes])
    gaps = ensemble.gap_draws[:, t][:, :, r][..., BASES.index(basis)]  # (draws, years, regions, 3)
    return np.transpose(gaps, (0, 2, 3, 1)) + held[None]


def _schedule_frame(name: str, codes: list[str], years: np.ndarray, arrays: dict, demand: np.ndarray, levers: Levers,
                    basis: str, rule: str) -> pd.DataFrame:
    opened = np.stack([arrays["new_beds"], arrays["new_nursing"], arrays["new_places"]], axis=1)
    converted = np.stack([arrays["childcare_conversion"], arrays["nursing_conversion"],
                          -levers.places_per_bed * arrays["childcare_conversion"]], axis=1)
    frame = to_frame({"region": codes, "service": SERVICES, "year": np.asarray(years).astype(int)},
                     {"open": opened, "convert": converted + 0.0, "capacity": arrays["capacity"], "demand": demand})
    frame.insert(0, "scenario", name)
    frame["gap"] = frame["demand"] - frame["capacity"]
    frame["cost_10k_yuan"] = arrays["cost"].reshape(-1)
    return frame.assign(basis=basis, rule=rule)


def period_totals(schedule: pd.DataFrame, length: int = 5) -> pd.DataFrame:
    """Openings, conversions and cost per county (and the prefecture), service and five-year period."""
    first = int(schedule["year"].min())
    start = first + (schedule["year"] - first) // length * length
    last = int(schedule["year"].max())
    label = start.astype(str) + "-" + np.minimum(start + length - 1, last).astype(str)
    parts = [schedule.assign(period=label)]
    if last - first + 1 > length:  # the whole plan, when it spans more than one period
        parts.append(schedule.assign(period=f"{first}-{last}"))
    table = pd.concat(parts, ignore_index=True)
    table = table.groupby(["scenario", "region", "service", "period"], as_index=False, sort=False)[
        ["open", "convert", "cost_10k_yuan"]].sum()
    return with_parent_totals(table, ["scenario", "service", "period"], ["open", "convert", "cost_10k_yuan"], sort=False)


def stranded_table(schedule: pd.DataFrame, levers: Levers) -> pd.DataFrame:
    """Places added during the plan that are surplus at its horizon (:func:`stranded`)."""
    added = schedule.assign(added=schedule["open"] + schedule["convert"].clip(lower=0.0))
    sums = added.groupby(["scenario", "region", "service"], sort=False)["added"].sum()
    end = schedule[schedule["year"] == schedule["year"].max()].set_index(["scenario", "region", "service"])
    table = end[["year", "capacity", "demand"]].assign(added=sums.reindex(end.index).to_numpy())
    table["stranded"] = stranded(table["capacity"].to_numpy(), table["demand"].to_numpy(), table["added"].to_numpy())
    unit = np.where(table.index.get_level_values("service") == "childcare_places", levers.cost_place, levers.cost_bed)
    table["cost_10k_yuan"] = table["stranded"] * unit
    table = table.reset_index()
    return with_parent_totals(table, ["scenario", "service", "year"],
                              ["capacity", "demand", "added", "stranded", "cost_10k_yuan"], sort=False)


def previous_plan_check(result, *, ensemble=None) -> pd.DataFrame:
    """"Was the last plan enough?": the 2021-2025 schedule the same rule requires from the 2020
    base, beside the 14th plan's own additions and investment (prefecture).

    Returns
    -------
    DataFrame [scenario, service, required, plan_additions, difference, required_cost_10k_yuan,
               plan_investment_10k_yuan, rule, note]
        ``required`` = openings plus conversions 2021-2025 summed over counties (a county's
        surplus does not cover another's shortfall); ``difference = plan_additions - required``.
    """
    plan = plan_figures()
    check = plan_additions(result, ensemble=ensemble, decision_year=result.capacity["year"].min(), horizon=2025)
    totals = check.totals[check.totals["region"] == area_code()].set_index("service")
    elderly_plan = plan["elderly_new_beds_total"] + plan["community_centres_new_beds"] + plan["district_centres_new_beds"]
    rows = [
        ("elderly_beds", elderly_plan, plan["elderly_investment_total"],
         "plan: +5,096 beds in 54 projects (79,375 x 10k yuan) and +862 community and district centre beds (700 + 162; "
         "cost not stated)"),
        ("nursing_beds", np.nan, np.nan, "the plan states no number of new nursing-type beds, only the 55% share target"),
        ("childcare_places", plan["childcare_new_places_total"], plan["childcare_investment_total"],
         "plan: +11,531 places in 84 projects (55,453 x 10k yuan)"),
    ]
    table = pd.DataFrame(rows, columns=["service", "plan_additions", "plan_investment_10k_yuan", "note"])
    table["required"] = (totals["open"] + totals["convert"].clip(lower=0.0)).reindex(table["service"]).to_numpy()
    table["required_cost_10k_yuan"] = totals["cost_10k_yuan"].reindex(table["service"]).to_numpy()
    table["difference"] = table["plan_additions"] - table["required"]
    table = table.assign(scenario=result.scenario.name, rule=check.rule)
    return table[["scenario", "service", "required", "plan_additions", "difference", "required_cost_10k_yuan",
                  "plan_investment_10k_yuan", "rule", "note"]]
