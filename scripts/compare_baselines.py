"""Print the previous baseline (migration_2010_2020) beside the anchored baseline, as Markdown.

Usage: ``python scripts/compare_baselines.py`` (from the checkout). Prints, ready to paste into
docs/methods.md and CHANGELOG.md: the anchoring multipliers; prefecture population at 31
December 2023 and on 1 November 2023, 2025, 2030, 2035; ages 0-2 and 60+; births and net
migration; the gap of every service and basis in 2030 and 2035; the bundled official figures
beside the anchored baseline. Re-run after any change that moves the baseline.
"""
from __future__ import annotations

import warnings

import oloy_model as om
from oloy_model.review.official import change_paragraph, change_table, comparison_table
from oloy_model.reporting.report import _table_md


def main() -> None:
    warnings.simplefilter("ignore", om.DemographicWarning)
    previous, anchored = om.run("migration_2010_2020"), om.run("baseline")
    anchor = anchored.projection.assumptions.query("quantity == 'migration_anchor'").groupby("region")["value"].first()
    print("### Anchoring multipliers (on each county's 2010-2020 net migration schedule)\n")
    print(_table_md(anchor.round(4).rename("multiplier").reset_index()))
    changes = change_table(previous, anchored)
    changes["change_pct"] = changes["change_pct"].round(2)
    print("\n### Previous (migration_2010_2020) versus anchored baseline, prefecture\n")
    print(_table_md(changes.round({"previous": 0, "anchored": 0, "change": 0})))
    print("\n### Official figures beside the anchored baseline\n")
    table = comparison_table(anchored)[["region", "year", "quantity", "basis", "observed", "model", "error",
                                        "error_pct", "status"]]
    print(_table_md(table.round({"model": 0, "error": 0, "error_pct": 3})))
    print("\n" + change_paragraph(change_table(previous, anchored), anchored))


if __name__ == "__main__":
    main()
