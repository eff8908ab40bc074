"""The official figure set: recipes ``(result or results) -> (Figure, plotted_data)``.

Each recipe builds a :class:`matplotlib.figure.Figure` (no pyplot state) inside the fixed
style and returns the tidy table it plotted, so tests can assert on the numbers and every
figure file is saved beside the CSV of those numbers (:func:`write_figure_set`).
"""
from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ..base.hierarchy import area_code, area_names
from ..demography.assumptions import resolve
from ..demography.population import regions
from ..planning.result import Result
from . import plotting as pl
from .render import build, render_all, share, subject
from .style import bottom_axes, figure_style, grid_rows, small_multiples
from .summary import band_totals

SERVICE_LABELS = {"elderly_beds": "养老床位 Elderly-care beds", "nursing_beds": "护理型床位 Nursing-type beds",
                  "childcare_places": "托位 Childcare places (under 3)"}
BASIS_LABELS = {"norm": "规划标准 plan norm", "uptake": "实际利用 observed uptake"}
PREFECTURE = area_code()
AREA_ZH, AREA_EN = area_names()[2:]  # the short names of the modelled area, from the data


def county_names(language: str = "zh") -> dict[str, str]:
    """Region code -> name (Chinese or English) of the counties and the area (a new dict each call)."""
    return dict(_county_names(language))


@functools.lru_cache(maxsize=2)
def _county_names(language: str) -> tuple[tuple[str, str], ...]:
    table = regions()  # read once: every figure and report table names the counties
    column = "name_zh" if language == "zh" else "name_en"
    names = dict(zip(table["region"], table[column])) | {PREFECTURE: AREA_ZH if language == "zh" else AREA_EN}
    return tuple(names.items())


def _new_figure(width: float = 7.5, height: float = 4.5, **kwargs) -> Figure:
    return Figure(figsize=(width, height), layout="constrained", **kwargs)


# Small multiples of the counties (a grid sized from their number) have a fixed layout: solving a constrained layout for 24
# axes measures every tick label and takes as long as drawing the figure (figure fractions).
GRID = {"left": 0.075, "right": 0.985, "top": 0.93, "bottom": 0.1, "hspace": 0.3, "wspace": 0.18}


HEATMAP_GRID = {"left": 0.12, "right": 0.9, "top": 0.92, "bottom": 0.07, "hspace": 0.3, "wspace": 0.05}


def _grid_figure(width: float, height: float) -> Figure:
    return Figure(figsize=(width, height), layout=None)


def pyramid_prefecture_data(result: Result, years: Sequence[int] = (2020, 2025, 2035)) -> pd.DataFrame:
    """[year, sex, age, population] of the area [persons] (plotted by :func:`pyramid_prefecture`)."""
    pop = result.projection.population
    return pop[pop["year"].isin(years)].groupby(["year", "sex", "age"], as_index=False)["population"].sum()


def pyramid_prefecture(result: Result, years: Sequence[int] = (2020, 2025, 2035), *,
                       label: str | None = None) -> tuple[Figure, pd.DataFrame]:
    """Prefecture pyramid, shares by single age, for the given years.

    ``label``: the scenario(s) named in the title (default: the result's scenario); see
    :func:`figure_key` for figures shared by scenarios with the same numbers.
    """
    data = pyramid_prefecture_data(result, years)
    with figure_style():
        figure = _new_figure(6.5, 6.0)
        ax = figure.subplots()
        pl.pyramid(data, ax)
        ax.set_title(f"{AREA_ZH}人口金字塔 {AREA_EN} population pyramid ({label or result.scenario.name})")
    return figure, data


def pyramid_counties_data(result: Result, years: Sequence[int] = (2020, 2035)) -> pd.DataFrame:
    """[region, year, sex, age, population] [persons] (plotted by :func:`pyramid_counties`)."""
    pop = result.projection.population
    return pop[pop["year"].isin(years)][["region", "year", "sex", "age", "population"]].reset_index(drop=True)


def pyramid_counties(result: Result, years: Sequence[int] = (2020, 2035), *,
                     label: str | None = None) -> tuple[Figure, pd.DataFrame]:
    """County pyramids as small multiples (shares), first and last of ``years``; one legend."""
    data = pyramid_counties_data(result, years)
    names, panels = county_names(), data["region"].nunique()
    with figure_style():
        figure = _grid_figure(11, 1.5 + 2.5 * grid_rows(panels))  # 11.5 in for 4 rows (12 counties)
        axes = small_multiples(figure, panels, sharex=True, sharey=True, gridspec_kw=GRID | {"bottom": 0.085})
        for ax, (region, cell) in zip(axes.flat, data.groupby("region", sort=True)):
            pl.pyramid(cell, ax, legend=False)
            ax.set_title(f"{names[region]} {region}")
            ax.set_xlabel("")
            ax.set_ylabel("")
        for ax in bottom_axes(axes, panels):
            ax.set_xlabel("占县市人口 % of county population")
        figure.supylabel("年龄 Age [岁 years]")
        _figure_legend(figure, axes.flat[0])
        figure.suptitle(f"县市人口金字塔 County pyramids, % of population ({label or result.scenario.name})")
    return figure, data


def _figure_legend(figure: Figure, ax, columns: int = 6) -> None:
    """One legend for the whole figure, below the panels (the entries of ``ax``)."""
    handles, labels = ax.get_legend_handles_labels()
    if figure.get_layout_engine() is None:  # a fixed layout leaves room at the bottom (GRID)
        figure.legend(handles, labels, loc="lower center", bbox_to_anchor=(0.5, 0.0), ncol=min(columns, len(labels)))
    else:
        figure.legend(handles, labels, loc="outside lower center", ncol=min(columns, len(labels)))


def older_population(results: Sequence[Result]) -> tuple[Figure, pd.DataFrame]:
    """60+ and 80+: persons and share of the population by scenario (prefecture)."""
    parts = []
    for result in results:
        bands = band_totals(result.projection.population)
        wide = bands.groupby(["scenario", "year", "quantity"], as_index=False, observed=True)["value"].sum().pivot_table(
            index=["scenario", "year"], columns="quantity", values="value").reset_index()
        parts.append(wide[["scenario", "year", "population", "age_60plus", "age_80plus"]])
    data = pd.concat(parts, ignore_index=True)
    data["scenario"] = data["scenario"].astype(str)
    data["share_60plus"] = 100 * data["age_60plus"] / data["population"]
    data["share_80plus"] = 100 * data["age_80plus"] / data["population"]
    with figure_style():
        figure = _new_figure(11, 7)
        axes = figure.subplots(2, 2)
        panels = (("age_60plus", axes[0, 0], "人 persons", "60岁及以上 Aged 60+"),
                  ("age_80plus", axes[0, 1], "人 persons", "80岁及以上 Aged 80+"),
                  ("share_60plus", axes[1, 0], "占总人口 % of population", "60+ 占比 share of population"),
                  ("share_80plus", axes[1, 1], "占总人口 % of population", "80+ 占比 share of population"))
        for value, ax, ylabel, title in panels:
            pl.lines_by_scenario(data, value, ax, ylabel=ylabel, title=title, legend=False)
        _figure_legend(figure, axes[0, 0], columns=7)
        figure.suptitle(f"{AREA_ZH}老年人口 Older population of {AREA_EN}, by scenario")
    return figure, data


def births_and_young(results: Sequence[Result]) -> tuple[Figure, pd.DataFrame]:
    """Births and children aged 0-2 by scenario (prefecture)."""
    parts = []
    for result in results:
        projection = result.projection
        births = projection.births.groupby("year", as_index=False)["births"].sum()
        young = projection.population[projection.population["age"] <= 2].groupby("year", as_index=False)["population"].sum()
        table = births.merge(young.rename(columns={"population": "age_0_2"}), on="year", how="outer")
        parts.append(table.assign(scenario=result.scenario.name))
    data = pd.concat(parts, ignore_index=True)[["scenario", "year", "births", "age_0_2"]]
    with figure_style():
        figure = _new_figure(11, 4.2)
        axes = figure.subplots(1, 2)
        pl.lines_by_scenario(data.dropna(subset=["births"]), "births", axes[0], ylabel="人/年 births per year",
                             title="出生人数 Births", legend=False)
        pl.lines_by_scenario(data, "age_0_2", axes[1], ylabel="人 persons", title="0-2岁儿童 Children aged 0-2",
                             legend=False)
        _figure_legend(figure, axes[0], columns=7)
        figure.suptitle("出生与婴幼儿 Births and under-3s, by scenario")
    return figure, data


UNITS = {"elderly_beds": "床位 beds", "nursing_beds": "床位 beds", "childcare_places": "托位 places"}
RATE_BASES = {"elderly_beds": ("age_60plus", "per 1,000 aged 60+"),
              "nursing_beds": ("age_60plus", "per 1,000 aged 60+"),
              "childcare_places": ("population", "per 1,000 residents")}


def _denominators(result: Result) -> pd.DataFrame:
    """[region, year, population, age_60plus] of the projection [persons] (the plan's rate bases)."""
    pop = result.projection.population
    total = pop.groupby(["region", "year"], observed=True)["population"].sum()
    old = pop[pop["age"] >= 60].groupby(["region", "year"], observed=True)["population"].sum().rename("age_60plus")
    table = pd.concat([total, old], axis=1).reset_index()
    table["region"] = table["region"].astype(str)
    return table


def gap_heatmaps_data(result: Result, service: str) -> pd.DataFrame:
    """[region, year, basis, demand, capacity, gap, rate_base, rate_base_name, gap_per_1000] of the
    counties (plotted by :func:`gap_heatmaps`)."""
    gaps = result.gaps
    data = gaps[(gaps["service"] == service) & (gaps["region"] != PREFECTURE)][
        ["region", "year", "basis", "demand", "capacity", "gap"]].reset_index(drop=True)
    column = RATE_BASES[service][0]
    data = data.merge(_denominators(result)[["region", "year", column]], on=["region", "year"], how="left")
    data = data.rename(columns={column: "rate_base"}).assign(rate_base_name=column)
    data["gap_per_1000"] = 1000.0 * data["gap"] / data["rate_base"]
    return data


def gap_heatmaps(result: Result, service: str, *, label: str | None = None) -> tuple[Figure, pd.DataFrame]:
    """County x year gap heatmaps for one service: both bases side by side on one colour scale,
    in places (top) and per 1,000 of the plan's rate base (bottom, so small counties show)."""
    data = gap_heatmaps_data(result, service)
    _, rate_label = RATE_BASES[service]
    names = county_names()
    with figure_style():
        figure = _grid_figure(12, 2.6 + 0.5 * data["region"].nunique())  # 8.6 in for 12 counties
        shared = "," in (label or "")  # several scenarios named: the title takes two lines
        axes = figure.subplots(2, 2, sharey=True, gridspec_kw=HEATMAP_GRID | ({"top": 0.9} if shared else {}))
        rows = (("gap", f"缺口 gap [{UNITS[service]}]", ""),
                ("gap_per_1000", f"缺口 gap [{rate_label}]", f", {rate_label}"))
        for row, (value, bar_label, suffix) in zip(axes, rows):
            limit = float(np.nanmax(np.abs(data[value].to_numpy()))) or 1.0  # one scale for both panels
            for ax, basis in zip(row, ("norm", "uptake")):
                pl.gap_heatmap(data[data["basis"] == basis], ax, names=names, title=BASIS_LABELS[basis] + suffix,
                               value=value, limit=limit, colorbar=False)
            figure.colorbar(row[0].images[0], ax=list(row), label=bar_label, fraction=0.03, pad=0.015)
            row[0].set_ylabel("县市 County")
        figure.suptitle(f"{SERVICE_LABELS[service]}: 缺口 gap by county ({label or result.scenario.name});"
                        + ("\n" if shared else " ") + "红 red + = 短缺 shortfall, 蓝 blue − = 富余 surplus")
    return figure, data


def _by_basis(data: pd.DataFrame, plot, title: str) -> Figure:
    """Two county x year panels, plan norm and observed uptake, with one colour bar."""
    names = county_names()
    with figure_style():
        figure = _new_figure(12, 0.8 + data["region"].nunique() / 3)  # 4.8 in for 12 counties
        axes = figure.subplots(1, 2, sharey=True)
        for ax, basis in zip(axes, ("norm", "uptake")):
            plot(data[data["basis"] == basis], ax, names=names, title=BASIS_LABELS[basis], colorbar=False)
        figure.colorbar(axes[0].images[0], ax=list(axes), label="短缺概率 P(shortfall)")
        figure.suptitle(title)
    return figure


INDICATOR_TITLES = {
    "elderly_beds_per_1000_60plus": "每千名老年人养老床位 Beds per 1,000 aged 60+",
    "nursing_share_of_elderly_beds": "护理型床位占比 Nursing-type share of beds (%)",
    "childcare_places_per_1000": "每千人口托位数 Childcare places per 1,000 residents",
}
INDICATOR_UNITS = {"elderly_beds_per_1000_60plus": "床位/千名60+ beds per 1,000 aged 60+",
                   "nursing_share_of_elderly_beds": "占养老床位 % of elderly beds",
                   "childcare_places_per_1000": "托位/千人 places per 1,000 residents"}


def indicator_attainment_data(result: Result, last_year: int = 2035) -> pd.DataFrame:
    """[indicator, year, value, target, target_year, met] of the area (plotted by :func:`indicator_attainment`)."""
    table = result.indicators
    data = table[(table["region"] == PREFECTURE) & table["indicator"].isin(INDICATOR_TITLES)
                 & (table["year"] <= last_year)][["indicator", "year", "value", "target", "target_year", "met"]]
    return data.reset_index(drop=True)


def indicator_attainment(result: Result, last_year: int = 2035, *,
                         label: str | None = None) -> tuple[Figure, pd.DataFrame]:
    """The plan's ratio indicators (prefecture) against their 2025 targets, 2020-``last_year``."""
    data = indicator_attainment_data(result, last_year)
    with figure_style():
        figure = _new_figure(12, 4.4)
        axes = figure.subplots(1, 3)
        for ax, (indicator, title) in zip(axes, INDICATOR_TITLES.items()):
            pl.indicator_attainment(data[data["indicator"] == indicator], ax, title=title,
                                    ylabel=INDICATOR_UNITS[indicator])
        figure.suptitle(f"规划指标达成 Plan indicators vs targets, {AREA_EN} ({label or result.scenario.name})")
    return figure, data


def capacity_vs_demand_data(result: Result, service: str) -> pd.DataFrame:
    """[region, year, basis, demand, capacity] of the counties (plotted by :func:`capacity_vs_demand`)."""
    gaps = result.gaps
    return gaps[(gaps["service"] == service) & (gaps["region"] != PREFECTURE)][
        ["region", "year", "basis", "demand", "capacity"]].reset_index(drop=True)


def capacity_vs_demand(result: Result, service: str, *, label: str | None = None) -> tuple[Figure, pd.DataFrame]:
    """Capacity and demand (both bases) per county, small multiples."""
    data = capacity_vs_demand_data(result, service)
    names, panels = county_names(), data["region"].nunique()
    with figure_style():
        figure = _grid_figure(11, 1.3 + 2.3 * grid_rows(panels))  # 10.5 in for 4 rows (12 counties)
        axes = small_multiples(figure, panels, sharex=True, gridspec_kw=GRID | {"wspace": 0.22})
        for ax, (region, cell) in zip(axes.flat, data.groupby("region", sort=True)):
            pl.capacity_vs_demand(cell, ax, title=f"{names[region]} {region}")
        figure.supylabel(f"{UNITS[service]} (各县市纵轴不同 each county on its own scale)")
        for ax in bottom_axes(axes, panels):
            ax.set_xlabel("年份 Year")
        _figure_legend(figure, axes.flat[0], columns=3)
        figure.suptitle(f"{SERVICE_LABELS[service]}: 供需 capacity vs demand ({label or result.scenario.name})")
    return figure, data


MAP_YEAR = 2030  # the end of the next five-year plan (2026-2030)


def county_map_data(result: Result, service: str, basis: str = "norm", year: int = MAP_YEAR) -> pd.DataFrame:
    """[region, name, lon, lat, value] (the gap) of the counties (plotted by :func:`county_map`)."""
    gaps = result.gaps
    cell = gaps[(gaps["service"] == service) & (gaps["basis"] == basis) & (gaps["year"] == year)
                & (gaps["region"] != PREFECTURE)][["region", "gap"]]
    places = regions()[["region", "name_zh", "centroid_lon", "centroid_lat"]]
    data = places.merge(cell, on="region").rename(columns={"name_zh": "name", "centroid_lon": "lon",
                                                           "centroid_lat": "lat", "gap": "value"})
    return data


def county_map(result: Result, service: str, basis: str = "norm", year: int = MAP_YEAR, *,
               label: str | None = None) -> tuple[Figure, pd.DataFrame]:
    """Schematic map of the gap by county in ``year`` (centroids; no boundaries shipped)."""
    data = county_map_data(result, service, basis, year)
    with figure_style():
        figure = _new_figure(6.5, 5.6)
        ax = figure.subplots()
        pl.county_map(data, ax, title=f"{SERVICE_LABELS[service]}, {year}: 缺口 gap ({BASIS_LABELS[basis]})",
                      label=f"缺口 gap [{UNITS[service]}] (+ 短缺 shortfall)")
        figure.suptitle(f"示意图 Schematic (county centroids) — {label or result.scenario.name}", fontsize=8,
                        wrap=True)  # a figure shared by several scenarios names them all
    return figure, data


# The data each per-scenario recipe plots, computed without drawing (see figure_key).
FIGURE_DATA = {pyramid_prefecture: pyramid_prefecture_data, pyramid_counties: pyramid_counties_data,
               indicator_attainment: indicator_attainment_data, gap_heatmaps: gap_heatmaps_data,
               capacity_vs_demand: capacity_vs_demand_data, county_map: county_map_data}


def figure_key(job: tuple) -> str:
    """What a job's figure shows: jobs of several scenarios with one key plot the same numbers.

    Scenarios that differ only where a figure does not look (the fertility variants leave the
    population aged 60+ and so the elderly-care figures unchanged; ``next_plan`` has the
    baseline's population) share that figure: it is drawn once, titled with every scenario
    it stands for, and copied to each scenario's folder (:mod:`oloy_model.reporting.render`). Figures
    across scenarios and probabilistic figures are their own key.
    """
    from hashlib import sha256

    folder, name, recipe, source, arguments = job
    data_of = FIGURE_DATA.get(recipe)
    if data_of is None or source[0] != "result":
        return f"{folder}/{name}"
    data = data_of(subject(source), *arguments)
    digest = sha256(repr((list(data.columns), [str(t) for t in data.dtypes])).encode("utf-8"))
    digest.update(pd.util.hash_pandas_object(data, index=False).to_numpy().tobytes())
    return f"{name}:{digest.hexdigest()}"


def figure_jobs(results: Sequence[Result], ensembles: Sequence = ()) -> list[tuple]:
    """Every official figure as a job ``(folder, name, recipe, source, arguments)`` (see
    :mod:`oloy_model.reporting.render`); folder ``all`` or a scenario name, in the report's order."""
    jobs: list[tuple] = [("all", "older_population", older_population, ("results",), ()),
                         ("all", "births_and_young", births_and_young, ("results",), ())]
    for i, result in enumerate(results):
        name, source = result.scenario.name, ("result", i)
        jobs += [(name, "pyramid_prefecture", pyramid_prefecture, source, ()),
                 (name, "pyramid_counties", pyramid_counties, source, ()),
                 (name, "indicator_attainment", indicator_attainment, source, ())]
        for service in SERVICE_LABELS:
            jobs += [(name, f"gap_heatmap_{service}", gap_heatmaps, source, (service,)),
                     (name, f"capacity_vs_demand_{service}", capacity_vs_demand, source, (service,))]
        if resolve(result.scenario).projection.horizon >= MAP_YEAR:  # a shorter projection has no year to map
            jobs += [(name, f"map_gap_{service}_norm_{MAP_YEAR}", county_map, source, (service, "norm", MAP_YEAR))
                     for service in ("elderly_beds", "childcare_places")]
    return jobs + ensemble_jobs(ensembles)


def figure_set(results: Sequence[Result], ensembles: Sequence = ()) -> list[tuple[str, str, Figure, pd.DataFrame]]:
    """Every official figure, drawn here: ``(folder, name, figure, plotted_data)``."""
    share(results, ensembles)
    return [build(job) for job in figure_jobs(results, ensembles)]


def write_figure_set(results: Sequence[Result], folder: Path, formats: tuple[str, ...] = ("png",),
                     ensembles: Sequence = (), workers: int | None = None) -> pd.DataFrame:
    """Save every figure with its plotted data (CSV) and provenance; returns the index table.

    Figures are drawn on ``workers`` processes (default: every usable core, or ``OLOY_WORKERS``);
    the files and the index are the same for any number of workers.
    """
    share(results, ensembles)  # figure_key reads the results here
    jobs = figure_jobs(results, ensembles)
    return write_figure_index(render_all(jobs, results, ensembles, folder, formats, workers=workers,
                                         keys=[figure_key(job) for job in jobs]), folder)


def write_figure_index(rows: Sequence[dict], folder: Path) -> pd.DataFrame:
    """``index.csv`` of the figures written (rows from :func:`oloy_model.reporting.render.render`)."""
    index = pd.DataFrame(rows)
    folder.mkdir(parents=True, exist_ok=True)
    index.to_csv(folder / "index.csv", index=False, lineterminator="\n")
    return index


FAN_QUANTITIES = {"births": "出生人数 Births", "age_0_2": "0-2岁 Aged 0-2", "age_60plus": "60岁及以上 Aged 60+",
                  "age_80plus": "80岁及以上 Aged 80+"}


def fan_charts(ensemble) -> tuple[Figure, pd.DataFrame]:
    """Fan charts (80% intervals) for births, ages 0-2, 60+ and 80+ (prefecture)."""
    q = ensemble.quantiles(list(FAN_QUANTITIES))
    q = q[q["region"] == PREFECTURE]
    central = ensemble.result.projection
    bands = band_totals(central.population).groupby(["year", "quantity"], as_index=False, observed=True)["value"].sum()
    births = central.births.groupby("year", as_index=False)["births"].sum().assign(quantity="births")
    births = births.rename(columns={"births": "value"})
    deterministic = pd.concat([bands, births], ignore_index=True).rename(columns={"value": "deterministic"})
    data = q.merge(deterministic, on=["year", "quantity"], how="left")
    data = data[["quantity", "year", "q10", "q50", "q90", "deterministic"]].dropna().reset_index(drop=True)
    with figure_style():
        figure = _new_figure(11, 7)
        axes = figure.subplots(2, 2)
        for ax, (quantity, title) in zip(axes.flat, FAN_QUANTITIES.items()):
            pl.fan(data[data["quantity"] == quantity], ax, title=title,
                   ylabel="人/年 births per year" if quantity == "births" else "人 persons", legend=False)
        _figure_legend(figure, axes.flat[0])
        figure.suptitle(f"概率预测 Probabilistic projection, {ensemble.draws} draws, seed {ensemble.seed} "
                        f"({ensemble.scenario.name})")
    return figure, data


def shortfall_probability_maps(ensemble, service: str) -> tuple[Figure, pd.DataFrame]:
    """County x year probability of a shortfall for one service, both bases."""
    table = ensemble.gap_probabilities()
    data = table[(table["service"] == service) & (table["region"] != PREFECTURE)][
        ["region", "year", "basis", "p_shortfall", "gap_p50"]].reset_index(drop=True)
    title = f"{SERVICE_LABELS[service]}: 短缺概率 probability of a shortfall ({ensemble.scenario.name})"
    return _by_basis(data, pl.probability_heatmap, title), data


def ensemble_jobs(ensembles: Sequence) -> list[tuple]:
    """The probabilistic figures as jobs: fan charts and shortfall-probability maps per scenario."""
    jobs = []
    for i, ensemble in enumerate(ensembles):
        name, source = ensemble.scenario.name, ("ensemble", i)
        jobs.append((name, "fan_charts", fan_charts, source, ()))
        jobs += [(name, f"shortfall_probability_{service}", shortfall_probability_maps, source, (service,))
                 for service in SERVICE_LABELS]
    return jobs


def waterfall(decomposition: pd.DataFrame, service: str, basis: str = "norm") -> tuple[Figure, pd.DataFrame]:
    """Plan-versus-actual waterfall for one service and basis (from :func:`oloy_model.decompose`)."""
    data = decomposition[(decomposition["service"] == service) & (decomposition["basis"] == basis)]
    data = data[["region", "year", "component", "change"]].reset_index(drop=True)
    region, year = data["region"].iloc[0], int(data["year"].iloc[0])
    with figure_style():
        figure = _new_figure(7.5, 4.5)
        pl.waterfall(data, figure.subplots(),
                     title=f"{SERVICE_LABELS[service]}, {county_names().get(region, region)} {year}: "
                           f"规划 vs 实际 plan vs re-based ({basis})")
    return figure, data
