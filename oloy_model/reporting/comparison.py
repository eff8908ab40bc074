"""Comparisons planners ask for: every prefecture of a province (every province of the nation,
every county of a prefecture) side by side, ranked (issue 17, item 6).

:func:`area_comparison` is the table, :func:`comparison_figure` its chart. The units compared
are the children of the modelled area in its region tree
(:func:`oloy_model.base.hierarchy.hierarchy`); each is the sum of its counties (the model's
rule: docs/areas.md). Measures:

* ``share_60plus_2020`` [percent]: residents aged 60+ / all residents on 2020-11-01, from the
  2020 census cells (county x sex x five-year age group) [source: nbs2020_county_china];
* ``growth_60plus_<year>``, ``growth_80plus_<year>`` [percent]: projected change of the
  age band from 2020 (``100 (P_year / P_2020 - 1)``);
* ``decline_0_2_<year>`` [percent]: projected fall of the children aged 0-2 from 2020
  (``100 (1 - P_year / P_2020)``; negative = growth);
* ``gap_<year>_<service>_<basis>`` [beds or places]: demand - capacity where a capacity
  ledger exists; missing otherwise (never against zero capacity).

Rows are ranked by the 2020 60+ share (1 = oldest); every measure has its own rank column
(1 = largest value).
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ..base.dimensions import SERVICES
from ..base.hierarchy import area_code, hierarchy, with_parent_totals
from ..base.national import national_regions
from ..demography.assumptions import resolve
from ..demography.population import census_age_groups
from ..planning.demand import BASES
from ..planning.result import Result
from .style import figure_style

BANDS = {"60plus": (60, 100), "80plus": (80, 100), "0_2": (0, 2)}
YEARS = (2030, 2035)
GAP_YEAR = 2030


def children(area: str | None) -> list[str]:
    """The regions one level below the area's root (prefectures of a province, ...), ascending."""
    tree = hierarchy(area)
    return sorted(tree.loc[tree["parent"] == area_code(area), "region"])


def census_share_60plus(area: str | None) -> pd.Series:
    """Share of residents aged 60+ in 2020 [percent] by child region, from the census cells."""
    cells = census_age_groups(2020, area=area)
    cells = cells.assign(old=np.where(cells["age_start"] >= 60, cells["population"], 0.0))
    total = cells.groupby("region", as_index=False)[["population", "old"]].sum()
    total = with_parent_totals(total.assign(key=0), ["key"], ["population", "old"], area=area).set_index("region")
    total = total.loc[children(area)]
    return 100.0 * total["old"] / total["population"]


def _bands(population: pd.DataFrame, area: str | None, years: Sequence[int]) -> pd.DataFrame:
    """Persons by child region, year (2020 and ``years``) and band (columns)."""
    cell = population[population["year"].isin((2020, *years))]
    parts = {}
    for name, (low, high) in BANDS.items():
        band = cell[cell["age"].between(low, high)]
        parts[name] = band.groupby(["region", "year"], as_index=False, observed=True)["population"].sum()
    table = pd.concat([frame.assign(band=name) for name, frame in parts.items()], ignore_index=True)
    table = with_parent_totals(table, ["year", "band"], ["population"], area=area)
    table = table[table["region"].isin(children(area))]
    return table.pivot_table(index="region", columns=["band", "year"], values="population")


def _gaps(gaps: pd.DataFrame, names: list[str], year: int) -> pd.DataFrame:
    columns = [f"gap_{year}_{service}_{basis}" for service in SERVICES for basis in BASES]
    table = pd.DataFrame(np.nan, index=pd.Index(names, name="region"), columns=columns)
    cell = gaps[(gaps["year"] == year) & gaps["region"].isin(names)]
    for row in cell.itertuples():
        table.loc[row.region, f"gap_{year}_{row.service}_{row.basis}"] = row.gap
    return table


def area_comparison(result: Result, years: Sequence[int] = YEARS, gap_year: int = GAP_YEAR) -> pd.DataFrame:
    """Every child region of the run's area side by side, ranked (module docstring).

    Parameters
    ----------
    result : Result
        One scenario run (:func:`oloy_model.run`), of any area (``projection.area``).
    years : sequence of int
        Horizons of the growth measures (at most the projection's horizon).
    gap_year : int
        Year of the gap columns.

    Returns
    -------
    DataFrame [scenario, region, name_zh, share_60plus_2020, growth_60plus_<year>...,
               growth_80plus_<year>..., decline_0_2_<year>..., gap_<gap_year>_<service>_<basis>...,
               rank_<measure>...]
        One row per child region, sorted by ``share_60plus_2020`` (largest first).
    """
    area = resolve(result.scenario).projection.area
    names = children(area)
    last = int(result.projection.population["year"].max())
    years = [y for y in years if y <= last]
    bands = _bands(result.projection.population, area, years)
    table = pd.DataFrame(index=pd.Index(names, name="region"))
    table["share_60plus_2020"] = census_share_60plus(area)
    for band in ("60plus", "80plus"):
        for year in years:
            table[f"growth_{band}_{year}"] = 100.0 * (bands[(band, year)] / bands[(band, 2020)] - 1.0)
    for year in years:
        table[f"decline_0_2_{year}"] = 100.0 * (1.0 - bands[("0_2", year)] / bands[("0_2", 2020)])
    table = table.join(_gaps(result.gaps, names, gap_year) if gap_year <= last else pd.DataFrame(index=table.index))
    measures = [c for c in table.columns if not c.startswith("gap_")]
    for column in measures:
        table[f"rank_{column}"] = table[column].rank(ascending=False, method="min").astype(int)
    zh = national_regions(2020).set_index("region")["name_zh"]
    table.insert(0, "name_zh", [zh.get(code, "") for code in table.index])
    table = table.sort_values(["share_60plus_2020"], ascending=False, kind="stable").reset_index()
    table.insert(0, "scenario", result.scenario.name)
    return table


PANELS = {"share_60plus_2020": "60岁及以上占比 Share aged 60+, 2020 [%]",
          "growth_60plus": "60岁及以上增长 Growth of 60+ 2020–{year} [%]",
          "growth_80plus": "80岁及以上增长 Growth of 80+ 2020–{year} [%]",
          "decline_0_2": "0–2岁减少 Fall of under-3s 2020–{year} [%]"}


def comparison_figure(table: pd.DataFrame, title: str) -> tuple[Figure, pd.DataFrame]:
    """Ranked bars of the comparison table: one panel per measure, one bar per region.

    The last growth year of the table is shown; the height follows the number of regions
    (0.22 inch per bar), so 16 prefectures or 31 provinces stay legible.
    """
    growth = sorted(c for c in table.columns if c.startswith("growth_60plus_"))
    year = growth[-1].rsplit("_", 1)[1] if growth else None
    columns = ["share_60plus_2020"] + ([f"growth_60plus_{year}", f"growth_80plus_{year}", f"decline_0_2_{year}"]
                                       if year else [])
    labels = [f"{name} {code}" if name else code for name, code in zip(table["name_zh"], table["region"])]
    data = table[["region", "name_zh", *columns]]
    rows = len(table)
    with figure_style():
        figure = Figure(figsize=(3.0 * len(columns) + 1.5, 0.22 * rows + 1.4), layout="constrained")
        axes = figure.subplots(1, len(columns), sharey=True, squeeze=False)[0]
        positions = np.arange(rows)[::-1]  # the first row (oldest) on top
        for ax, column in zip(axes, columns):
            key = column if column == "share_60plus_2020" else column.rsplit("_", 1)[0]
            values = table[column].to_numpy(dtype=float)
            ax.barh(positions, values, color=np.where(values >= 0, "#4c72b0", "#c44e52"), height=0.7)
            ax.set_title(PANELS[key].format(year=year), fontsize=8)
            ax.axvline(0, color="black", linewidth=0.6)
            ax.tick_params(axis="x", labelsize=7)
        axes[0].set_yticks(positions)
        axes[0].set_yticklabels(labels, fontsize=7)
        figure.suptitle(title, fontsize=9)
    return figure, data
