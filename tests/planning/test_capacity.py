"""The capacity ledger: plan totals exact, unit costs, validation, user ledgers, gaps."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import oloy_model as om
from oloy_model.demography.population import region_codes
from oloy_model.planning import capacity
from oloy_model.planning.gaps import gaps, shortfall_summary
from oloy_model.planning.result import plan_figures


@pytest.fixture(scope="module")
def baseline():
    return om.run("baseline")


def test_capacity_by_year_by_hand():
    ledger = pd.DataFrame({
        "id": ["a", "b", "c", "d"], "region": ["A", "A", "B", "A"], "service": ["elderly_beds"] * 4,
        "type": "public", "year": [2020, 2023, 2021, 2024], "places": [100.0, 20.0, 5.0, 30.0],
        "cost_10k_yuan": 0.0, "status": ["existing", "planned", "planned", "closure"], "source": "", "quality": ""})
    table = capacity.capacity_by_year(ledger, np.array([2020, 2022, 2023, 2025]), ["A", "B"])
    got = table[table.service == "elderly_beds"].set_index(["region", "year"])["capacity"]
    assert got[("A", 2020)] == 100 and got[("A", 2022)] == 100 and got[("A", 2023)] == 120 and got[("A", 2025)] == 90
    assert got[("B", 2020)] == 0 and got[("B", 2022)] == 5


def test_gap_by_hand():
    demand = pd.DataFrame({"scenario": "t", "region": ["A", "B"], "year": 2025, "service": "elderly_beds",
                           "basis": "norm", "demand": [120.0, 10.0]})
    cap = pd.DataFrame({"region": ["A", "B"], "year": 2025, "service": "elderly_beds", "capacity": [100.0, 15.0]})
    table = gaps(demand, cap, {"elderly_beds": 2.0}).set_index("region")
    assert table.loc["A", "gap"] == 20 and table.loc["B", "gap"] == -5
    assert table.loc["532900", "gap"] == 15 and table.loc["A", "cost_to_close_10k_yuan"] == 40
    assert table.loc["B", "cost_to_close_10k_yuan"] == 0


def test_2020_indicators_reproduce_the_plan(baseline):
    """Plan: 11,669 beds / 567,828 aged 60+ = 20.55 per 1,000; 8,042 places / 3,337,559 = 2.41."""
    table = baseline.indicators.query("region == '532900' and year == 2020").set_index("indicator")["value"]
    assert table["elderly_beds_per_1000_60plus"] == pytest.approx(11669 / 567828 * 1000, abs=1e-9)
    assert table["elderly_beds_per_1000_60plus"] == pytest.approx(20.55, abs=0.005)
    assert table["childcare_places_per_1000"] == pytest.approx(2.41, abs=0.005)


def test_ledger_2025_totals_are_base_plus_additions(baseline):
    plan = plan_figures()
    by_2025 = baseline.capacity.query("year == 2025").groupby("service")["capacity"].sum()
    assert by_2025["elderly_beds"] == plan["elderly_beds_total"] + plan["elderly_new_beds_total"] \
        + plan["community_centres_new_beds"] + plan["district_centres_new_beds"]
    assert by_2025["childcare_places"] == plan["childcare_places"] + plan["childcare_new_places_total"]
    assert (baseline.ledger["quality"].isin(["estimated", "assumption"])).all()
    assert np.all(baseline.ledger["places"] == np.round(baseline.ledger["places"]))


def test_unit_costs_reproduce_investments(baseline):
    plan = plan_figures()
    costs = baseline.unit_costs.set_index(["service", "basis_of_cost"])
    for service, key_cost, key_places in (("elderly_beds", "elderly_investment_total", "elderly_new_beds_total"),
                                          ("childcare_places", "childcare_investment_total", "childcare_new_places_total")):
        unit = costs.loc[(service, "all 14th-plan projects"), "unit_cost_10k_yuan"]
        assert unit * plan[key_places] == pytest.approx(plan[key_cost])
    ledger = baseline.ledger
    public = ledger[(ledger.service == "elderly_beds") & (ledger.type == "public")]["cost_10k_yuan"].sum()
    assert public == pytest.approx(plan["elderly_public_investment"])
    child = ledger[ledger.service == "childcare_places"]["cost_10k_yuan"].sum()
    assert child == pytest.approx(plan["childcare_investment_total"])


def test_plan_inconsistencies_are_reported(baseline):
    checks = baseline.checks.set_index("check")
    assert not checks.loc["childcare places in 2020 (two published figures)", "consistent"]
    assert not checks.loc["childcare places needed at 3 per 1,000 (2020)", "consistent"]
    assert checks.loc["new childcare places: public + public-benefit", "consistent"]


def test_alternative_childcare_stock_is_selectable():
    result = om.run(om.load_scenario("baseline").with_values({"capacity.childcare_base": "stock_3125"}))
    total = result.capacity.query("year == 2020 and service == 'childcare_places'")["capacity"].sum()
    assert total == 3125


def test_shortfall_summary_by_hand():
    table = pd.DataFrame({"scenario": "t", "region": "A", "service": "elderly_beds", "basis": "norm",
                          "year": [2020, 2021, 2022, 2023], "gap": [-5.0, 3.0, -1.0, 7.0]})
    row = shortfall_summary(table).iloc[0]
    assert row["first_shortfall_year"] == 2021 and row["place_years_short"] == 10 and row["peak_gap_year"] == 2023


LEDGER_HEADER = "id,region,service,type,year,places,cost_10k_yuan,status,source\n"


def _ledger(tmp_path, rows, name="ledger.csv"):
    path = tmp_path / name
    path.write_text(LEDGER_HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    return path


GOOD = ["base-1,532901,elderly_beds,public,2020,1000,,existing,survey",
        "new-1,532901,elderly_beds,public,2023,200,3000,planned,project list",
        "kid-1,532922,childcare_places,private,2020,100,,existing,survey"]


def test_user_ledger_replaces_the_shipped_one_via_the_scenario(tmp_path):
    path = _ledger(tmp_path, GOOD)
    scenario_file = tmp_path / "mine.toml"
    scenario_file.write_text(f'extends = "baseline"\n[capacity]\nledger_file = "{path.name}"\n', encoding="utf-8")
    result = om.run(scenario_file)
    cap = result.capacity.set_index(["region", "service", "year"])["capacity"]
    assert cap[("532901", "elderly_beds", 2022)] == 1000 and cap[("532901", "elderly_beds", 2023)] == 1200
    assert cap[("532923", "elderly_beds", 2030)] == 0
    assert len(result.ledger) == 3


@pytest.mark.parametrize("bad_row,needle", [
    ("x,532999,elderly_beds,public,2020,10,,existing,s", r"column 'region'.*'532999'"),
    ("x,532901,elderly_beds,public,2020,-10,,existing,s", r"column 'places'.*'-10'.*>= 0"),
    ("x,532901,elderly_beds,public,2150,10,,existing,s", r"column 'year'.*'2150'.*<= 2100"),
    ("base-1,532901,elderly_beds,public,2021,10,,existing,s", r"duplicated \(id\).*base-1"),
    ("x,532901,hospital_beds,public,2021,10,,existing,s", r"column 'service'.*'hospital_beds'"),
    ("x,532901,elderly_beds,public,2021,10,,built,s", r"column 'status'.*'built'"),
])
def test_ledger_errors_are_clear(tmp_path, bad_row, needle):
    path = _ledger(tmp_path, GOOD + [bad_row])
    with pytest.raises(om.OloyInputError, match=needle) as info:
        capacity.read_ledger(path, regions=region_codes())
    assert str(path) in str(info.value)
