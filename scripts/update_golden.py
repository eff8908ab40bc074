"""Regenerate the golden snapshots of the bundled baseline run.

``tests/golden/baseline.csv`` pins population and flows (:func:`oloy_model.reporting.summary.summary_table`);
``tests/golden/baseline_planning.csv`` pins what planners read: the gaps (demand, capacity, gap,
cost to close), the shortfalls and the plan indicators, by region, service and basis.

Run only on purpose, after a change that is meant to move the numbers, and record the change
(what moved, by how much, why) in CHANGELOG.md.  Usage: ``python scripts/update_golden.py``
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

import oloy_model as om
from oloy_model.reporting.summary import summary_table

GOLDEN_DIR = Path(__file__).resolve().parents[1] / "tests" / "golden"
GOLDEN = GOLDEN_DIR / "baseline.csv"
GOLDEN_PLANNING = GOLDEN_DIR / "baseline_planning.csv"
YEARS = (2020, 2021, 2025, 2030, 2035, 2040, 2050)
PLANNING_COLUMNS = ["scenario", "table", "region", "year", "key", "quantity", "value"]
GAP_QUANTITIES = ("demand", "capacity", "gap", "cost_to_close_10k_yuan")
SHORTFALL_QUANTITIES = ("first_shortfall_year", "place_years_short", "peak_gap", "peak_gap_year")
INDICATOR_QUANTITIES = ("value", "target", "met")


def golden_table() -> pd.DataFrame:
    table = summary_table(om.project("baseline"))
    return table[table["year"].isin(YEARS)].reset_index(drop=True)


def _long(frame: pd.DataFrame, table: str, key: pd.Series, quantities: tuple[str, ...]) -> pd.DataFrame:
    """One row per (row of ``frame``, quantity); ``year`` empty where the table has none."""
    ids = pd.DataFrame({"scenario": frame["scenario"].astype(str), "table": table,
                        "region": frame["region"].astype(str),
                        "year": frame["year"].astype(str) if "year" in frame else "",
                        "key": key.astype(str)})
    parts = [ids.assign(quantity=q, value=pd.to_numeric(frame[q].astype("Float64"), errors="coerce")
                        .astype(float).to_numpy()) for q in quantities]
    return pd.concat(parts, ignore_index=True)


def golden_planning_table() -> pd.DataFrame:
    """Gaps, shortfalls and indicators of the baseline run in one long table (PLANNING_COLUMNS)."""
    result = om.run("baseline")
    gaps = result.gaps[result.gaps["year"].isin(YEARS)].reset_index(drop=True)
    indicators = result.indicators[result.indicators["year"].isin(YEARS)].reset_index(drop=True)
    shortfalls = result.shortfalls.reset_index(drop=True)
    parts = [_long(gaps, "gaps", gaps["service"] + "/" + gaps["basis"], GAP_QUANTITIES),
             _long(shortfalls, "shortfalls", shortfalls["service"] + "/" + shortfalls["basis"], SHORTFALL_QUANTITIES),
             _long(indicators, "indicators", indicators["indicator"], INDICATOR_QUANTITIES)]
    table = pd.concat(parts, ignore_index=True)[PLANNING_COLUMNS]
    return table.sort_values(PLANNING_COLUMNS[:-1], kind="stable").reset_index(drop=True)


def main() -> None:
    GOLDEN_DIR.mkdir(parents=True, exist_ok=True)
    for path, table in ((GOLDEN, golden_table()), (GOLDEN_PLANNING, golden_planning_table())):
        table.to_csv(path, index=False, float_format="%.6f", lineterminator="\n")
        print(f"wrote {path} ({len(table)} rows)")


if __name__ == "__main__":
    main()
