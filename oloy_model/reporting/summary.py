"""Summary tables of a projection: age bands and flows by region and year (tidy)."""
from __future__ import annotations

import pandas as pd

from ..base.dimensions import AGE_BANDS
from ..base.hierarchy import with_parent_totals
from ..demography.assumptions import resolve


def band_totals(population: pd.DataFrame, bands: dict[str, tuple[int, int]] = AGE_BANDS) -> pd.DataFrame:
    """Population by age band: [scenario, region, year, quantity, value] [persons]."""
    parts = []
    for name, (low, high) in bands.items():
        cell = population[population["age"].between(low, high)]
        total = cell.groupby(["scenario", "region", "year"], as_index=False, observed=True)["population"].sum()
        parts.append(total.rename(columns={"population": "value"}).assign(quantity=name))
    table = pd.concat(parts, ignore_index=True)
    return table[["scenario", "region", "year", "quantity", "value"]]


def summary_table(projection) -> pd.DataFrame:
    """Age bands plus births, deaths and net migration: [scenario, region, year, quantity, value].

    Includes the prefecture (:func:`oloy_model.base.hierarchy.area_code`) as the sum of the counties
    (every upper region of the scenario's ``projection.area``, when set).
    """
    parts = [band_totals(projection.population)]
    for frame, column in ((projection.births, "births"), (projection.deaths, "deaths"),
                          (projection.net_migration, "net_migration")):
        total = frame.groupby(["scenario", "region", "year"], as_index=False, observed=True)[column].sum()
        parts.append(total.rename(columns={column: "value"}).assign(quantity=column))
    table = pd.concat(parts, ignore_index=True)
    area = resolve(projection.scenario).projection.area  # None: the bundled area
    table = with_parent_totals(table, ["scenario", "year", "quantity"], ["value"], area=area)
    table["scenario"] = table["scenario"].astype(str)
    return table.sort_values(["scenario", "region", "quantity", "year"], kind="stable")[
        ["scenario", "region", "year", "quantity", "value"]].reset_index(drop=True)
