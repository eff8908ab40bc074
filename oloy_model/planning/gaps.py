"""Gaps between demand and capacity, shortfall summaries and the plan's indicators.

Pure functions on tidy frames. ``gap = demand - capacity`` (positive = shortfall).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..base.hierarchy import area_code, with_parent_totals

GAP_COLUMNS = ["scenario", "region", "year", "service", "basis", "demand", "capacity", "gap"]


def gaps(demand: pd.DataFrame, capacity: pd.DataFrame, unit_cost: dict[str, float], *,
         area: str | None = None) -> pd.DataFrame:
    """Gap table ``[scenario, region, year, service, basis, demand, capacity, gap, cost_to_close_10k_yuan]``.

    Counties and the prefecture (where county surpluses offset shortfalls); the cost
    to close is the shortfall [places] x the plan's unit cost [10k yuan per place] (NaN for a
    service without one). ``area``: the modelled area (default the bundled one).
    """
    table = demand.merge(capacity, on=["region", "year", "service"], how="left", validate="many_to_one")
    table["capacity"] = table["capacity"].fillna(0.0)
    table = with_parent_totals(table, ["scenario", "year", "service", "basis"], ["demand", "capacity"], area=area)
    table["gap"] = table["demand"] - table["capacity"]
    table["cost_to_close_10k_yuan"] = np.maximum(table["gap"], 0.0) * table["service"].map(unit_cost)
    order = {name: i for i, name in enumerate(("elderly_beds", "nursing_beds", "childcare_places"))}
    table = table.assign(_s=table["service"].map(order)).sort_values(
        ["scenario", "region", "_s", "basis", "year"], kind="stable").drop(columns="_s")
    return table[GAP_COLUMNS + ["cost_to_close_10k_yuan"]].reset_index(drop=True)


def shortfall_summary(gap_table: pd.DataFrame, *, threshold: float = 0.5) -> pd.DataFrame:
    """Per scenario, region, service and basis: first year short, place-years short, peak gap.

    Returns
    -------
    DataFrame [scenario, region, service, basis, first_shortfall_year, place_years_short,
               peak_gap, peak_gap_year]
        ``first_shortfall_year`` is missing when demand never exceeds capacity by more than
        ``threshold`` places.
    """
    rows = []
    keys = ["scenario", "region", "service", "basis"]
    for key, group in gap_table.groupby(keys, sort=False, observed=True):
        short = group[group["gap"] > threshold]
        peak = group.loc[group["gap"].idxmax()]
        rows.append(dict(zip(keys, key)) | {
            "first_shortfall_year": int(short["year"].min()) if len(short) else pd.NA,
            "place_years_short": float(np.maximum(group["gap"], 0.0).sum()),
            "peak_gap": float(peak["gap"]),
            "peak_gap_year": int(peak["year"]),
        })
    table = pd.DataFrame(rows, columns=keys + ["first_shortfall_year", "place_years_short", "peak_gap",
                                               "peak_gap_year"])
    table["first_shortfall_year"] = table["first_shortfall_year"].astype("Int64")
    return table


def ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    """``numerator / denominator``, NaN where the denominator is zero (a documented rule, not ``inf``)."""
    return numerator / denominator.where(denominator != 0)


INDICATORS = {
    # indicator name -> unit
    "elderly_beds_per_1000_60plus": "beds per 1,000 aged 60+",
    "nursing_share_of_elderly_beds": "percent",
    "childcare_places_per_1000": "places per 1,000 residents",
    "public_benefit_childcare_places": "places",
    "private_childcare_places": "places",
}


def indicators(capacity: pd.DataFrame, population_bands: pd.DataFrame, ledger_by_type: pd.DataFrame,
               targets: dict[str, tuple[float, int]], *, area: str | None = None) -> pd.DataFrame:
    """The plan's ratio indicators by region and year, with target and attainment.

    Parameters
    ----------
    capacity : DataFrame [region, year, service, capacity] (counties)
    population_bands : DataFrame [scenario, region, year, population, age_60plus] (counties)
    ledger_by_type : DataFrame [region, year, public_benefit_childcare_places, private_childcare_places]
        Cumulative childcare places by ownership (counties).
    targets : mapping indicator -> (target value, target year)
        NaN where no target exists (an area without a local plan: national norms only).
    area : str, optional
        The modelled area (default the bundled one).

    Returns
    -------
    DataFrame [scenario, region, year, indicator, unit, value, baseline_value, target, target_year, met]
        ``met`` compares the value with the target (value >= target; missing where the
        target applies only to the prefecture); ``baseline_value`` is the 2020 (first year)
        value. A ratio whose denominator is zero (a county without residents aged 60+, or
        without elderly beds for the nursing share) is NaN, never ``inf``, and its ``met``
        is missing.
    """
    wide_capacity = capacity.pivot_table(index=["region", "year"], columns="service", values="capacity").reset_index()
    table = population_bands.merge(wide_capacity, on=["region", "year"], how="left")
    table = table.merge(ledger_by_type, on=["region", "year"], how="left").fillna(0.0)
    sums = ["population", "age_60plus", "elderly_beds", "nursing_beds", "childcare_places",
            "public_benefit_childcare_places", "private_childcare_places"]
    table = with_parent_totals(table, ["scenario", "year"], sums, area=area)
    values = {
        "elderly_beds_per_1000_60plus": 1000.0 * ratio(table["elderly_beds"], table["age_60plus"]),
        "nursing_share_of_elderly_beds": 100.0 * ratio(table["nursing_beds"], table["elderly_beds"]),
        "childcare_places_per_1000": 1000.0 * ratio(table["childcare_places"], table["population"]),
        "public_benefit_childcare_places": table["public_benefit_childcare_places"],
        "private_childcare_places": table["private_childcare_places"],
    }
    parts = []
    for name, series in values.items():
        target, target_year = targets[name]
        part = table[["scenario", "region", "year"]].assign(indicator=name, unit=INDICATORS[name], value=series,
                                                            target=target, target_year=target_year)
        parts.append(part)
    long = pd.concat(parts, ignore_index=True)
    # Counts (not ratios) have prefecture targets only.
    counts = long["indicator"].isin(["public_benefit_childcare_places", "private_childcare_places"])
    long.loc[counts & (long["region"] != area_code(area)), "target"] = np.nan
    first_year = long["year"].min()
    baseline = long[long["year"] == first_year].set_index(["scenario", "region", "indicator"])["value"]
    long["baseline_value"] = baseline.reindex(pd.MultiIndex.from_frame(long[["scenario", "region", "indicator"]])).to_numpy()
    long["met"] = pd.array(long["value"] >= long["target"] - 1e-9, dtype="boolean")
    long.loc[long["target"].isna() | long["value"].isna(), "met"] = pd.NA
    columns = ["scenario", "region", "year", "indicator", "unit", "value", "baseline_value", "target", "target_year", "met"]
    return long.sort_values(["scenario", "region", "indicator", "year"], kind="stable")[columns].reset_index(drop=True)
