"""Build schedules (oloy_model.planning.schedule): brute force on small cases, invariants, ensemble rule."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

import oloy_model as om
from oloy_model.planning import schedule as sch
from oloy_model.base.hierarchy import area_code

LEVERS = sch.Levers(cost_bed=15.58, cost_place=4.81, cost_conversion=5.19, places_per_bed=2)


def brute_force(demand, stock, max_open, levers, first_open=0, ranges=(3, 3, 2, 3, 2)):
    """Cheapest feasible whole-number schedule of one county, every combination enumerated."""
    years = demand.shape[-1]
    per_year = np.array(list(itertools.product(*[range(n + 1) for n in ranges])), dtype=float)  # (combos, 5)
    choice = np.array(list(itertools.product(range(len(per_year)), repeat=years)))
    z = per_year[choice]  # (schedules, years, 5)
    a, b, x, c, y = (z[..., i] for i in range(5))
    allowed = np.all((a + b <= max_open[0]) & (c <= max_open[1]), axis=1)
    allowed &= np.all(z[:, :first_open].reshape(len(z), -1) == 0, axis=1)
    allowed &= levers.nursing_conversion or np.all(x == 0, axis=1)
    allowed &= levers.childcare_conversion or np.all(y == 0, axis=1)
    base = sch.retained_stock(stock, years, 0.0)
    target = np.minimum(demand, sch.reachable(base[None], max_open[None], first_open, levers.nursing_conversion)[0])
    elderly = base[0] + np.cumsum(a + b + y, axis=1)
    nursing = base[1] + np.cumsum(b + x, axis=1)
    childcare = base[2] + np.cumsum(c - levers.places_per_bed * y, axis=1)
    ordinary = base[0] - base[1] + np.cumsum(a + y - x, axis=1)
    allowed &= np.all((elderly >= target[0] - 1e-9) & (nursing >= target[1] - 1e-9) & (childcare >= target[2] - 1e-9)
                      & (ordinary >= -1e-9) & (childcare >= -1e-9), axis=1)
    cost = z.transpose(0, 2, 1).reshape(len(z), -1) @ sch.objective_vector(1, years, levers)
    return cost[allowed].min() if allowed.any() else np.inf


CASES = [
    # demand (3 services x years), stock (elderly, nursing, childcare), caps (beds, places), first_open, levers
    ([[10, 12], [4, 6], [5, 7]], [10, 3, 5], [3, 3], 0, LEVERS),
    ([[11, 13], [6, 8], [2, 1]], [10, 3, 6], [3, 3], 0, LEVERS),
    ([[12, 13], [5, 7], [3, 2]], [10, 4, 8], [2, 3], 0, sch.Levers(15.58, 4.81, 5.19, 2, False, True)),
    ([[12, 14], [6, 7], [6, 8]], [10, 4, 5], [3, 3], 0, sch.Levers(15.58, 4.81, 5.19, 2, True, False)),
    ([[13, 14], [6, 7], [6, 8]], [10, 4, 5], [3, 3], 1, LEVERS),  # nothing may open in year 1: unavoidable gap
    ([[10, 11, 12], [4, 5, 5], [5, 5, 4]], [10, 4, 5], [2, 2], 0, LEVERS),
]


@pytest.mark.slow  # brute force over every schedule
@pytest.mark.parametrize("demand, stock, caps, first_open, levers", CASES)
def test_optimum_equals_brute_force(demand, stock, caps, first_open, levers):
    demand, stock, caps = np.array(demand, float)[None] + 0.3, np.array(stock, float)[None], np.array(caps, float)[None]
    ranges = (2, 2, 2, 2, 2) if demand.shape[-1] == 3 else (3, 3, 3, 3, 2)
    solved = sch.solve_schedule(demand, stock, caps, levers, first_open=first_open)
    best = brute_force(demand[0], stock[0], caps[0], levers, first_open, ranges)
    # the enumeration covers the solver's schedule, so it can be no cheaper than the enumerated best
    decisions = ("new_beds", "new_beds", "nursing_conversion", "new_places", "childcare_conversion")
    assert all(solved[name].max() <= bound for name, bound in zip(decisions, ranges))
    assert np.isfinite(best)
    assert solved["objective"] == pytest.approx(best, rel=sch.MIP_GAP)


def random_case(seed: int, regions: int = 4, years: int = 6):
    rng = np.random.default_rng(seed)
    stock = np.round(rng.uniform(50, 400, (regions, 3)))
    stock[:, 1] = np.round(stock[:, 0] * rng.uniform(0.2, 0.6, regions))
    growth = np.cumprod(rng.uniform(0.95, 1.12, (regions, 3, years)), axis=2)
    demand = stock[:, :, None] * growth
    demand[:, 1] = np.minimum(demand[:, 1] * 1.4, demand[:, 0])
    caps = np.round(stock[:, [0, 2]] * rng.uniform(0.05, 0.3, (regions, 2)))
    return demand, stock, caps


@pytest.mark.parametrize("seed", range(6))
def test_invariants_on_random_cases(seed):
    demand, stock, caps = random_case(seed)
    first_open = seed % 2
    out = sch.solve_schedule(demand, stock, caps, LEVERS, first_open=first_open)
    base = sch.retained_stock(stock, demand.shape[-1], 0.0)
    reach = sch.reachable(base, caps, first_open, True)
    # no year short under the rule, except by what no schedule could reach
    assert np.all(out["capacity"] >= np.minimum(demand, reach) - 1e-6)
    # no opening beyond the rate cap, none before the lead time
    assert np.all(out["new_beds"] <= caps[:, :1] + 1e-9) and np.all(out["new_places"] <= caps[:, 1:] + 1e-9)
    assert np.all(out["new_beds"][:, :first_open] == 0) and np.all(out["new_places"][:, :first_open] == 0)
    # whole numbers, never negative stocks
    for name in ("new_beds", "new_nursing", "nursing_conversion", "new_places", "childcare_conversion"):
        assert np.all(out[name] >= 0) and np.all(out[name] == np.round(out[name]))
    assert np.all(out["capacity"][:, 1] <= out["capacity"][:, 0] + 1e-9) and np.all(out["capacity"][:, 2] >= -1e-9)
    # costs add up: per-row costs = unit costs x decisions
    expected = (LEVERS.cost_bed * out["new_beds"].sum() + LEVERS.cost_conversion * (
        out["childcare_conversion"].sum() + out["nursing_conversion"].sum()) + LEVERS.cost_place * out["new_places"].sum())
    assert out["cost"].sum() == pytest.approx(expected)


def test_zero_additions_when_capacity_covers_demand():
    demand, stock, caps = random_case(11)
    covered = np.minimum(demand, stock[:, :, None] * 0.97)
    covered[:, 1] = np.minimum(covered[:, 1], stock[:, 1:2])
    out = sch.solve_schedule(covered, stock, caps, LEVERS)
    assert out["cost"].sum() == 0.0 and out["capacity"].sum() == pytest.approx(np.repeat(stock[:, :, None], 6, 2).sum())


def test_coverage_target_holds_in_the_draws():
    rng = np.random.default_rng(3)
    draws = rng.lognormal(5, 0.3, (97, 4, 3, 5))
    for risk in (0.0, 0.05, 0.1, 0.25):
        target = sch.coverage_target(draws, risk)
        assert np.all(np.mean(draws > target, axis=0) <= risk)


@pytest.fixture(scope="module")
def next_plan():
    scenario = om.load_scenario("next_plan")
    return om.run(scenario)


def test_baseline_plan_tables_are_consistent(next_plan):
    plan = sch.plan_additions(next_plan)
    s = plan.schedule
    v = next_plan.scenario.values
    assert list(s.columns[:10]) == sch.SCHEDULE_COLUMNS
    assert sorted(s["year"].unique()) == list(range(v["plan.decision_year"] + 1, v["plan.horizon"] + 1))
    stock = next_plan.capacity[next_plan.capacity["year"] == v["plan.decision_year"]].set_index(["region", "service"])
    cap = stock["capacity"].unstack()
    beds = s[s["service"] == "elderly_beds"].join(cap["elderly_beds"].rename("stock"), on="region")
    assert np.all(beds["open"] <= np.floor(beds["stock"] * v["plan.max_open_rate_elderly"] + 1e-9))
    assert np.all(s["gap"] <= 1e-6)  # with a one-year lead time every year can be covered
    totals = plan.totals
    prefecture = totals[(totals["region"] == area_code()) & (totals["period"] == "2026-2035")]
    assert prefecture["cost_10k_yuan"].sum() == pytest.approx(s["cost_10k_yuan"].sum())
    periods = totals[(totals["region"] == area_code()) & totals["period"].isin(["2026-2030", "2031-2035"])]
    assert periods["open"].sum() == pytest.approx(prefecture["open"].sum())
    # capacity = decision-year stock + openings + conversions
    rebuilt = s.groupby(["region", "service"])[["open", "convert"]].sum()
    last = s[s["year"] == v["plan.horizon"]].set_index(["region", "service"])["capacity"]
    nursing_open = rebuilt.xs("nursing_beds", level="service")
    added = rebuilt["open"] + rebuilt["convert"]
    assert np.allclose(last, stock["capacity"].reindex(last.index) + added.reindex(last.index))
    assert nursing_open["open"].le(rebuilt.xs("elderly_beds", level="service")["open"]).all()


def test_stranded_counts_only_added_surplus(next_plan):
    plan = sch.plan_additions(next_plan)
    table = plan.stranded[plan.stranded["region"] != area_code()]
    assert np.all(table["stranded"] <= table["added"] + 1e-9)
    assert np.all(table["stranded"] <= np.maximum(table["capacity"] - table["demand"], 0) + 1e-9)


def test_previous_plan_check_lists_the_plans_additions(next_plan):
    table = sch.previous_plan_check(next_plan).set_index("service")
    assert table.loc["elderly_beds", "plan_additions"] == 5096 + 700 + 162
    assert table.loc["childcare_places", "plan_additions"] == 11531
    assert (table["required"] >= 0).all()


@pytest.mark.slow  # two ensembles and their schedules
def test_ensemble_rule_holds_in_its_own_draws_and_is_reproducible():
    scenario = om.load_scenario("next_plan").with_values({"plan.risk": 0.1})
    ensemble = om.simulate(scenario, draws=40, seed=7)
    plan = sch.plan_additions(ensemble.result, ensemble=ensemble)
    s = plan.schedule
    codes = sorted(s["region"].unique())
    years = np.sort(s["year"].unique())
    draws = sch.demand_draws(ensemble, "norm", codes, years)
    capacity = s.set_index(["region", "service", "year"])["capacity"].to_numpy().reshape(len(codes), 3, years.size)
    assert np.all(np.mean(draws > capacity[None] + 1e-9, axis=0) <= 0.1)
    again = sch.plan_additions(ensemble.result, ensemble=om.simulate(scenario, draws=40, seed=7))
    assert again.schedule.equals(s)
    assert "40 draws (seed 7)" in plan.rule


@pytest.mark.parametrize("rate", [0.05, 0.3])
def test_retirement_with_full_conversion_runs_and_keeps_the_invariants(rate):
    """Issue 11's rule for the plan: every value in the valid range runs. With retirement, beds
    converted from the decision-year stock retire with it (they used to stay, which made a
    schedule converting every ordinary bed infeasible)."""
    demand = np.array([[[10, 10, 10], [10, 10, 10], [3, 3, 3]]], float)  # every bed nursing-type
    stock = np.array([[10, 2, 5]], float)
    out = sch.solve_schedule(demand, stock, np.array([[1, 1]], float), LEVERS, retirement_rate=rate)
    elderly, nursing, childcare = out["capacity"][0]
    assert np.all(nursing <= elderly + 1e-9) and np.all(childcare >= -1e-9)
    assert out["nursing_conversion"].sum() > 0  # conversion is the cheap lever here
    kept = sch.retained_conversions(3, rate)
    np.testing.assert_allclose(kept[2, 0], (1 - rate) ** 2)
    np.testing.assert_allclose(nursing, 2 * (1 - rate) ** np.arange(1, 4) + np.cumsum(out["new_nursing"][0])
                               + kept @ out["nursing_conversion"][0])
