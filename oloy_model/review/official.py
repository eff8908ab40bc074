"""Official statistics beside the model, and what anchoring changed (report, workbook, scripts).

Reporting only: these functions read results and the bundled observations; they hold no
demographic formula (the matching of moments is :func:`oloy_model.base.observations.model_values`).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..base.hierarchy import area_code
from ..base.observations import bundled_observations, combine, load_observations, model_values, not_comparable_reason
from ..demography.anchoring import tolerance_pct
from ..demography.assumptions import resolve
from ..planning.result import Result, run

CHANGE_YEARS = (2023, 2025, 2030, 2035)
GAP_YEARS = (2030, 2035)


def observations_for(scenario) -> pd.DataFrame:
    """The bundled official figures plus the scenario's ``migration.anchor_file`` and
    ``projection.observations_file`` rows (a user row replaces a bundled one)."""
    table = bundled_observations()
    a = resolve(scenario)
    for path in (a.migration.anchor_file, a.projection.observations_file):
        if path:
            table = combine(table, load_observations(path))
    return table


def comparison_table(result: Result, observations: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every observation beside the model's value for the same moment and basis.

    Returns
    -------
    DataFrame [scenario, region, year, quantity, basis, moment, observed, model, error, error_pct,
               tolerance_pct, status, source, quality]
        ``error`` [persons or events] and ``error_pct`` [percent] = model - observed; rows that
        are not comparable (registered basis, before the base year) have no model value and
        say why in ``status``.
    """
    table = observations_for(result.scenario) if observations is None else observations
    base_year, horizon = resolve(result.scenario).projection.base_year, resolve(result.scenario).projection.horizon
    inside = (table["year"] < horizon).to_numpy()
    model = np.full(len(table), np.nan)
    model[inside] = model_values(result, table[inside]).to_numpy()
    observed = table["value"].to_numpy(float)
    tolerance = np.where(table["quantity"] == "population", table["region"].map(tolerance_pct), np.nan)
    error = model - observed
    error_pct = 100 * error / observed
    status = []
    for (_, row), pct, tol in zip(table.iterrows(), error_pct, tolerance):
        reason = not_comparable_reason(row, base_year, horizon)
        if reason:
            status.append("not comparable: " + reason)
        elif np.isnan(tol):
            status.append("compared (no anchoring tolerance)")
        else:
            status.append(f"{'within' if abs(pct) <= tol else 'OUTSIDE'} tolerance ±{tol:g}%")
    out = pd.DataFrame({"scenario": result.scenario.name, "region": table["region"], "year": table["year"],
                        "quantity": table["quantity"], "basis": table["basis"],
                        "moment": table["moment"] if "moment" in table.columns else "year-end / calendar year",
                        "observed": observed, "model": model, "error": error, "error_pct": error_pct,
                        "tolerance_pct": tolerance, "status": status, "source": table["source"],
                        "quality": table["quality"] if "quality" in table.columns else ""})
    return out.fillna({"moment": "year-end / calendar year", "quality": ""}).reset_index(drop=True)


def unanchored(result: Result) -> Result:
    """The same scenario with the 2010-2020 migration continued (``migration.anchor = "none"``)."""
    return run(result.scenario.with_values({"migration.anchor": "none"}, name=f"{result.scenario.name} (not anchored)"))


def _prefecture_population(result: Result, low: int, high: int) -> pd.Series:
    pop = result.projection.population
    cell = pop[pop["age"].between(low, high)]
    return cell.groupby("year")["population"].sum()


def change_table(previous: Result, anchored: Result) -> pd.DataFrame:
    """Prefecture figures before and after anchoring.

    Returns
    -------
    DataFrame [item, year, previous, anchored, change, change_pct]
        Population (1 November; 2023 also at 31 December), ages 0-2 and 60+, and the gap of
        every service and basis [places] in 2030 and 2035.
    """
    rows = []
    for label, low, high, years in (("population", 0, 100, CHANGE_YEARS), ("population 0-2", 0, 2, CHANGE_YEARS),
                                    ("population 60+", 60, 100, CHANGE_YEARS)):
        before, after = _prefecture_population(previous, low, high), _prefecture_population(anchored, low, high)
        for year in [y for y in years if y in before.index]:  # a short horizon has fewer years
            rows.append((f"{label} (1 Nov)", year, before[year], after[year]))
        if label == "population" and 2024 in before.index:
            end = {name: series[2023] + 2 / 12 * (series[2024] - series[2023])
                   for name, series in (("before", before), ("after", after))}
            rows.insert(0, ("population (31 Dec)", 2023, end["before"], end["after"]))
    for frame_name, label in (("births", "births"), ("net_migration", "net migration")):
        before = previous.projection.total(frame_name, by=("year",)).set_index("year").iloc[:, 0]
        after = anchored.projection.total(frame_name, by=("year",)).set_index("year").iloc[:, 0]
        for year in [y for y in (2023, 2030) if y in before.index]:
            rows.append((f"{label} (year to 1 Nov)", year, before[year], after[year]))
    gaps = {name: r.gaps[(r.gaps["region"] == area_code()) & r.gaps["year"].isin(GAP_YEARS)]
            .set_index(["service", "basis", "year"])["gap"] for name, r in (("before", previous), ("after", anchored))}
    for (service, basis, year), value in gaps["before"].items():
        rows.append((f"gap {service} ({basis})", year, value, gaps["after"][(service, basis, year)]))
    table = pd.DataFrame(rows, columns=["item", "year", "previous", "anchored"])
    table["change"] = table["anchored"] - table["previous"]
    table["change_pct"] = 100 * table["change"] / table["previous"].abs()
    return table


def change_paragraph(changes: pd.DataFrame, anchored: Result) -> str:
    """One paragraph, computed from :func:`change_table`, on what anchoring changed."""
    value = changes.set_index(["item", "year"])
    horizon = resolve(anchored.scenario).projection.horizon
    if horizon < max(GAP_YEARS + CHANGE_YEARS):
        return (f"The projection ends in {horizon}, before the years this comparison reports "
                f"({min(CHANGE_YEARS)}-{max(GAP_YEARS + CHANGE_YEARS)}): run a horizon of "
                f"{max(GAP_YEARS + CHANGE_YEARS)} or later to see what anchoring the baseline changed.")
    anchor = anchored.projection.assumptions.query("quantity == 'migration_anchor'")
    multipliers = anchor.groupby("region")["value"].first()

    def pair(item: str, year: int) -> str:
        row = value.loc[(item, year)]
        return f"{row['previous']:,.0f} → {row['anchored']:,.0f} ({row['change']:+,.0f}, {row['change_pct']:+.1f}%)"

    shared = multipliers[multipliers != 1.0]
    level = (f"the net migration of the {len(shared)} out-migration counties was scaled by {shared.mean():.3f} "
             f"(Dali City's schedule unchanged)" if len(shared) and shared.nunique() == 1 else
             "county migration multipliers were re-estimated (see the assumptions table)")
    gap_items = [item for item in value.index.get_level_values(0).unique() if item.startswith("gap ")]
    gaps = "; ".join(f"{item[4:]} {pair(item, 2030)} in 2030, {value.loc[(item, 2035), 'anchored']:+,.0f} in 2035"
                     for item in gap_items)
    return (f"Anchoring the baseline to the official resident figures: {level}, so that the 31 December 2023 "
            f"population is {value.loc[('population (31 Dec)', 2023), 'anchored']:,.0f} (previous assumption "
            f"{value.loc[('population (31 Dec)', 2023), 'previous']:,.0f}). "
            f"Net migration in the year to 1 November 2023: {pair('net migration (year to 1 Nov)', 2023)}. "
            f"Population on 1 November: 2025 {pair('population (1 Nov)', 2025)}; 2030 {pair('population (1 Nov)', 2030)}; "
            f"2035 {pair('population (1 Nov)', 2035)}. Ages 0-2 in 2030: {pair('population 0-2 (1 Nov)', 2030)}; "
            f"ages 60+ in 2030: {pair('population 60+ (1 Nov)', 2030)}. Prefecture gaps (previous → anchored, "
            f"places; positive = shortfall): {gaps}.")

