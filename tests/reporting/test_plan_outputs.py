"""`oloy plan` outputs: files, byte-identical figures, the report's 2021-2025 numbers and citations."""
from __future__ import annotations

import pandas as pd
import pytest

from oloy_model.cli import main
from oloy_model.planning.result import plan_figures

pytestmark = pytest.mark.slow  # full `oloy plan` runs with figures and report


@pytest.fixture(scope="module")
def plan_folder(tmp_path_factory):
    out = tmp_path_factory.mktemp("plan") / "out"
    assert main(["plan", "next_plan", "--out", str(out)]) == 0
    return out


def test_plan_writes_tables_workbook_figures_and_report(plan_folder, tmp_path):
    scenario = plan_folder / "next_plan"
    for name in ("schedule", "totals", "stranded", "previous_plan", "workforce", "workforce_comparison", "home_care"):
        assert (scenario / f"{name}.csv").stat().st_size > 0
    schedule = pd.read_csv(scenario / "schedule.csv", dtype={"region": str})
    assert list(schedule.columns[:10]) == ["scenario", "region", "service", "year", "open", "convert", "capacity",
                                           "demand", "gap", "cost_10k_yuan"]
    assert (plan_folder / "oloy_plan.xlsx").exists() and (plan_folder / "manifest.json").exists()
    # a second run gives the same bytes (figures, tables, workbook)
    again = tmp_path / "again"
    assert main(["plan", "next_plan", "--out", str(again)]) == 0
    for path in sorted(plan_folder.rglob("*")):
        if path.is_file() and path.name != "manifest.json":
            assert path.read_bytes() == (again / path.relative_to(plan_folder)).read_bytes(), path.name
    assert main(["plan", "next_plan", "--out", str(again)]) == 2  # never overwrites without --force


def test_report_carries_the_2021_2025_comparison(plan_folder):
    text = (plan_folder / "plan_report.md").read_text(encoding="utf-8")
    previous = pd.read_csv(plan_folder / "next_plan" / "previous_plan.csv").set_index("service")
    plan = plan_figures()
    assert "Was the 2021-2025 plan enough?" in text
    assert f"{plan['elderly_new_beds_total'] + 862:,.0f}" in text and f"{plan['childcare_new_places_total']:,.0f}" in text
    for service in ("elderly_beds", "childcare_places"):
        assert f"{previous.loc[service, 'required']:,.0f}" in text


def test_report_citations_resolve(plan_folder):
    from test_citations import scan

    assert scan(plan_folder / "plan_report.md", "report/plan_report.md") == []
