"""Figure recipes of a run outside the bundled area: ``result -> (Figure, plotted_data)``.

The bundled figure set (:mod:`oloy_model.reporting.figures`) draws Dali's 12 counties on a
fixed grid and maps them on their centroids. Another area has from 5 counties (a prefecture)
to 2,948 (the nation), and no centroids or boundaries are shipped for it, so:

* county-level detail is drawn **per child region** (one panel per prefecture of a province,
  per province of the nation, per county of a prefecture), the grid sized from their number
  (4 columns, as many rows as needed); each panel shows its own total, so 16 or 31 panels stay
  legible where 129 or 2,948 county panels would not;
* the ranking of the children is the comparison chart (:mod:`oloy_model.reporting.comparison`);
* there are no maps (no geometry for other areas).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ..base.hierarchy import area_code, with_parent_totals
from ..base.national import national_regions
from ..demography.assumptions import resolve
from ..planning.result import Result
from . import plotting as pl
from .comparison import area_comparison, BANDS, children, comparison_figure, GAP_YEAR
from .style import figure_style, grid_rows, small_multiples

BAND_LABELS = {"60plus": "60+", "80plus": "80+", "0_2": "0–2"}
SERVICE_LABELS = {"elderly_beds": "养老床位 Elderly-care beds", "nursing_beds": "护理型床位 Nursing-type beds",
                  "childcare_places": "托位 Childcare places"}
COLUMNS = 4


def area_label(area: str | None) -> str:
    """``name_zh code`` of the run's area (the bundled area when None)."""
    names = national_regions(2020).set_index("region")["name_zh"]
    code = area_code(area)
    return f"{names.get(code, '')} {code}".strip()


def _area(result: Result) -> str | None:
    return resolve(result.scenario).projection.area


def comparison_chart(result: Result) -> tuple[Figure, pd.DataFrame]:
    """Ranked comparison of the children of the area (:func:`comparison_figure`)."""
    title = f"{area_label(_area(result))}: 比较 comparison of its regions — {result.scenario.name}"
    return comparison_figure(area_comparison(result), title)


def pyramid_area(result: Result) -> tuple[Figure, pd.DataFrame]:
    """The area's pyramid (shares by single age) in 2020 and the last fifth year."""
    pop = result.projection.population
    last = int(pop["year"].max())
    years = sorted({2020, last - last % 5})
    data = pop[pop["year"].isin(years)].groupby(["year", "sex", "age"], as_index=False)["population"].sum()
    with figure_style():
        figure = Figure(figsize=(6.5, 6.0), layout="constrained")
        pl.pyramid(data, figure.subplots())
        figure.suptitle(f"{area_label(_area(result))}: 人口金字塔 population pyramid — {result.scenario.name}",
                        fontsize=9)
    return figure, data


def band_indices(result: Result) -> pd.DataFrame:
    """``[region, year, band, population, index]``: each child region's age bands, 2020 = 100."""
    area = _area(result)
    pop = result.projection.population
    parts = [pop[pop["age"].between(low, high)].groupby(["region", "year"], as_index=False, observed=True)[
        "population"].sum().assign(band=name) for name, (low, high) in BANDS.items()]
    table = with_parent_totals(pd.concat(parts, ignore_index=True), ["year", "band"], ["population"], area=area)
    table = table[table["region"].isin(children(area))].sort_values(["region", "band", "year"], kind="stable")
    base = table[table["year"] == 2020].set_index(["region", "band"])["population"]
    table["index"] = 100.0 * table["population"].to_numpy() / base.reindex(
        pd.MultiIndex.from_frame(table[["region", "band"]])).to_numpy()
    return table.reset_index(drop=True)


def band_paths(result: Result) -> tuple[Figure, pd.DataFrame]:
    """One panel per child region: 60+, 80+ and 0-2 year by year, 2020 = 100."""
    data = band_indices(result)
    names = national_regions(2020).set_index("region")["name_zh"]
    regions = children(_area(result))
    with figure_style():
        figure = Figure(figsize=(2.4 * COLUMNS, 1.9 * grid_rows(len(regions), COLUMNS) + 0.8), layout="constrained")
        axes = small_multiples(figure, len(regions), COLUMNS, sharex=True, sharey=True)
        for ax, region in zip(axes.flat, regions):
            cell = data[data["region"] == region]
            for band, label in BAND_LABELS.items():
                line = cell[cell["band"] == band]
                ax.plot(line["year"], line["index"], linewidth=1.2, label=label)
            ax.axhline(100, color="black", linewidth=0.5)
            ax.set_title(f"{names.get(region, '')} {region}", fontsize=7)
            ax.tick_params(labelsize=6)
        axes.flat[0].legend(fontsize=6, loc="upper left")
        figure.suptitle(f"{area_label(_area(result))}: 年龄组变化 age bands, 2020 = 100 — {result.scenario.name}",
                        fontsize=9)
    return figure, data


def gap_bars(result: Result, service: str, basis: str = "uptake") -> tuple[Figure, pd.DataFrame]:
    """Gap in :data:`GAP_YEAR` by child region (drawn only when a capacity ledger exists)."""
    regions = children(_area(result))
    gaps = result.gaps
    data = gaps[(gaps["service"] == service) & (gaps["basis"] == basis) & (gaps["year"] == GAP_YEAR)
                & gaps["region"].isin(regions)][["region", "demand", "capacity", "gap"]].sort_values(
        "gap", ascending=False, kind="stable").reset_index(drop=True)
    names = national_regions(2020).set_index("region")["name_zh"]
    with figure_style():
        figure = Figure(figsize=(6.5, 0.22 * len(data) + 1.4), layout="constrained")
        ax = figure.subplots()
        positions = np.arange(len(data))[::-1]
        ax.barh(positions, data["gap"], color=np.where(data["gap"] > 0, "#c44e52", "#4c72b0"), height=0.7)
        ax.set_yticks(positions)
        ax.set_yticklabels([f"{names.get(r, '')} {r}" for r in data["region"]], fontsize=7)
        ax.axvline(0, color="black", linewidth=0.6)
        ax.set_xlabel("缺口 gap = demand − capacity (+ 短缺 shortfall)")
        figure.suptitle(f"{area_label(_area(result))}: {SERVICE_LABELS[service]}, {GAP_YEAR} ({basis}) — "
                        f"{result.scenario.name}", fontsize=9)
    return figure, data


def area_figure_jobs(results) -> list[tuple]:
    """Jobs ``(folder, name, recipe, source, arguments)`` (:mod:`oloy_model.reporting.render`)."""
    jobs: list[tuple] = []
    for i, result in enumerate(results):
        name, source = result.scenario.name, ("result", i)
        jobs += [(name, "comparison", comparison_chart, source, ()), (name, "pyramid_area", pyramid_area, source, ()),
                 (name, "age_bands_by_region", band_paths, source, ())]
        if not result.gaps.empty and int(result.projection.population["year"].max()) >= GAP_YEAR:
            jobs += [(name, f"gap_{service}_{GAP_YEAR}", gap_bars, source, (service,)) for service in SERVICE_LABELS]
    return jobs
