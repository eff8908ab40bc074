"""Regenerate the golden snapshot of the bundled baseline run (tests/golden/baseline.csv).

Run only on purpose, after a change that is meant to move the numbers, and record the change
(what moved, by how much, why) in CHANGELOG.md.  Usage: ``python scripts/update_golden.py``
"""
from __future__ import annotations

from pathlib import Path

import oloy_model as om
from oloy_model.summary import summary_table

GOLDEN = Path(__file__).resolve().parents[1] / "tests" / "golden" / "baseline.csv"
YEARS = (2020, 2021, 2025, 2030, 2035, 2040, 2050)


def golden_table():
    table = summary_table(om.project("baseline"))
    return table[table["year"].isin(YEARS)].reset_index(drop=True)


def main() -> None:
    table = golden_table()
    GOLDEN.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(GOLDEN, index=False, float_format="%.6f", lineterminator="\n")
    print(f"wrote {GOLDEN} ({len(table)} rows)")


if __name__ == "__main__":
    main()
