"""The official figure set: recipes ``(result or results) -> (Figure, plotted_data)``.

Each recipe builds a :class:`matplotlib.figure.Figure` (no pyplot state) inside the fixed
style and returns the tidy table it plotted, so tests can assert on the numbers and every
figure file is saved beside the CSV of those numbers (:func:`write_figure_set`).
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from . import __version__
from . import plotting as pl
from .hierarchy import area_code
from .population import regions
from .resources import data_checksum
from .result import Result
from .safe_names import child
from .style import figure_style, grid_rows, save_figure, small_multiples
from .summary import band_totals

SERVICE_LABELS = {"elderly_beds": "养老床位 Elderly-care beds", "nursing_beds": "护理型床位 Nursing-type beds",
                  "childcare_places": "托位 Childcare places (under 3)"}
BASIS_LABELS = {"norm": "规划标准 plan norm", "uptake": "实际利用 observed uptake"}
PREFECTURE = area_code()


def county_names(language: str = "zh") -> dict[str, str]:
    table = regions()
    column = "name_zh" if language == "zh" else "name_en"
    return dict(zip(table["region"], table[column])) | {PREFECTURE: "大理州" if language == "zh" else "Dali"}


def _new_figure(width: float = 7.5, height: float = 4.5, **kwargs) -> Figure:
    return Figure(figsize=(width, height), layout="constrained", **kwargs)


def pyramid_prefecture(result: Result, years: Sequence[int] = (2020, 2025, 2035)) -> tuple[Figure, pd.DataFrame]:
    """Prefecture pyramid, shares by single age, for the given years."""
    pop = result.projection.population
    data = pop[pop["year"].isin(years)].groupby(["year", "sex", "age"], as_index=False)["population"].sum()
    with figure_style():
        figure = _new_figure(6.5, 6.0)
        ax = figure.subplots()
        pl.pyramid(data, ax)
        ax.set_title(f"大理州人口金字塔 Dali population pyramid ({result.scenario.name})")
    return figure, data


def pyramid_counties(result: Result, years: Sequence[int] = (2020, 2035)) -> tuple[Figure, pd.DataFrame]:
    """County pyramids as small multiples (shares), first and last of ``years``."""
    pop = result.projection.population
    data = pop[pop["year"].isin(years)][["region", "year", "sex", "age", "population"]].reset_index(drop=True)
    names = county_names()
    with figure_style():
        panels = data["region"].nunique()
        figure = _new_figure(11, 11 * grid_rows(panels) / 4)  # 11 inches for 4 rows (12 counties)
        axes = small_multiples(figure, panels, sharex=True, sharey=True)
        for ax, (region, cell) in zip(axes.flat, data.groupby("region", sort=True)):
            pl.pyramid(cell, ax)
            ax.set_title(f"{names[region]} {region}")
            ax.set_xlabel("")
            ax.set_ylabel("")
        figure.suptitle(f"县市人口金字塔 County pyramids, % of population ({result.scenario.name})")
    return figure, data


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
        pl.lines_by_scenario(data, "age_60plus", axes[0, 0], ylabel="人 persons", title="60岁及以上 Aged 60+")
        pl.lines_by_scenario(data, "age_80plus", axes[0, 1], ylabel="人 persons", title="80岁及以上 Aged 80+")
        pl.lines_by_scenario(data, "share_60plus", axes[1, 0], ylabel="%", title="60+ 占比 share of population")
        pl.lines_by_scenario(data, "share_80plus", axes[1, 1], ylabel="%", title="80+ 占比 share of population")
        figure.suptitle("大理州老年人口 Older population of Dali, by scenario")
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
        pl.lines_by_scenario(data.dropna(subset=["births"]), "births", axes[0], ylabel="人/年 per year",
                             title="出生人数 Births")
        pl.lines_by_scenario(data, "age_0_2", axes[1], ylabel="人 persons", title="0-2岁儿童 Children aged 0-2")
        figure.suptitle("出生与婴幼儿 Births and under-3s, by scenario")
    return figure, data


def gap_heatmaps(result: Result, service: str) -> tuple[Figure, pd.DataFrame]:
    """County x year gap heatmaps for one service, both bases side by side."""
    gaps = result.gaps
    data = gaps[(gaps["service"] == service) & (gaps["region"] != PREFECTURE)][
        ["region", "year", "basis", "demand", "capacity", "gap"]].reset_index(drop=True)
    title = f"{SERVICE_LABELS[service]}: 缺口 gap by county ({result.scenario.name})"
    return _by_basis(data, pl.gap_heatmap, title), data


def _by_basis(data: pd.DataFrame, plot, title: str) -> Figure:
    """Two county x year panels, plan norm and observed uptake."""
    names = county_names()
    with figure_style():
        figure = _new_figure(12, 4.8)
        for ax, basis in zip(figure.subplots(1, 2), ("norm", "uptake")):
            plot(data[data["basis"] == basis], ax, names=names, title=BASIS_LABELS[basis])
        figure.suptitle(title)
    return figure


INDICATOR_TITLES = {
    "elderly_beds_per_1000_60plus": "每千名老年人养老床位 Beds per 1,000 aged 60+",
    "nursing_share_of_elderly_beds": "护理型床位占比 Nursing-type share of beds (%)",
    "childcare_places_per_1000": "每千人口托位数 Childcare places per 1,000 residents",
}


def indicator_attainment(result: Result, last_year: int = 2035) -> tuple[Figure, pd.DataFrame]:
    """The plan's ratio indicators (prefecture) against their 2025 targets, 2020-``last_year``."""
    table = result.indicators
    data = table[(table["region"] == PREFECTURE) & table["indicator"].isin(INDICATOR_TITLES)
                 & (table["year"] <= last_year)][["indicator", "year", "value", "target", "target_year", "met"]]
    data = data.reset_index(drop=True)
    with figure_style():
        figure = _new_figure(12, 3.8)
        axes = figure.subplots(1, 3)
        for ax, (indicator, title) in zip(axes, INDICATOR_TITLES.items()):
            pl.indicator_attainment(data[data["indicator"] == indicator], ax, title=title)
        figure.suptitle(f"规划指标达成 Plan indicators vs targets, Dali ({result.scenario.name})")
    return figure, data


def capacity_vs_demand(result: Result, service: str) -> tuple[Figure, pd.DataFrame]:
    """Capacity and demand (both bases) per county, small multiples."""
    gaps = result.gaps
    data = gaps[(gaps["service"] == service) & (gaps["region"] != PREFECTURE)][
        ["region", "year", "basis", "demand", "capacity"]].reset_index(drop=True)
    names = county_names()
    with figure_style():
        panels = data["region"].nunique()
        figure = _new_figure(11, 10 * grid_rows(panels) / 4)  # 10 inches for 4 rows (12 counties)
        axes = small_multiples(figure, panels, sharex=True)
        for ax, (region, cell) in zip(axes.flat, data.groupby("region", sort=True)):
            pl.capacity_vs_demand(cell, ax, title=f"{names[region]} {region}")
        axes.flat[0].legend(loc="upper left")
        figure.suptitle(f"{SERVICE_LABELS[service]}: 供需 capacity vs demand ({result.scenario.name})")
    return figure, data


def county_map(result: Result, service: str, basis: str = "norm", year: int = 2030) -> tuple[Figure, pd.DataFrame]:
    """Schematic map of the gap by county in ``year`` (centroids; no boundaries shipped)."""
    gaps = result.gaps
    cell = gaps[(gaps["service"] == service) & (gaps["basis"] == basis) & (gaps["year"] == year)
                & (gaps["region"] != PREFECTURE)][["region", "gap"]]
    places = regions()[["region", "name_zh", "centroid_lon", "centroid_lat"]]
    data = places.merge(cell, on="region").rename(columns={"name_zh": "name", "centroid_lon": "lon",
                                                           "centroid_lat": "lat", "gap": "value"})
    with figure_style():
        figure = _new_figure(6.5, 6.5)
        ax = figure.subplots()
        pl.county_map(data, ax, title=f"{SERVICE_LABELS[service]}, {year}: 缺口 gap ({BASIS_LABELS[basis]})",
                      label="缺口 gap (+ 短缺 shortfall)")
        figure.suptitle(f"示意图 Schematic (county centroids) — {result.scenario.name}", fontsize=8)
    return figure, data


def figure_set(results: Sequence[Result]) -> list[tuple[str, str, Figure, pd.DataFrame]]:
    """Every official figure: ``(folder, name, figure, plotted_data)``; folder ``all`` or a scenario."""
    items: list[tuple[str, str, Figure, pd.DataFrame]] = []
    items.append(("all", "older_population", *older_population(results)))
    items.append(("all", "births_and_young", *births_and_young(results)))
    for result in results:
        name = result.scenario.name
        items.append((name, "pyramid_prefecture", *pyramid_prefecture(result)))
        items.append((name, "pyramid_counties", *pyramid_counties(result)))
        items.append((name, "indicator_attainment", *indicator_attainment(result)))
        for service in SERVICE_LABELS:
            items.append((name, f"gap_heatmap_{service}", *gap_heatmaps(result, service)))
            items.append((name, f"capacity_vs_demand_{service}", *capacity_vs_demand(result, service)))
        items.append((name, "map_gap_elderly_beds_norm_2030", *county_map(result, "elderly_beds", "norm", 2030)))
        items.append((name, "map_gap_childcare_places_norm_2030", *county_map(result, "childcare_places", "norm", 2030)))
    return items


def write_figure_set(results: Sequence[Result], folder: Path, formats: tuple[str, ...] = ("png", "svg"),
                     ensembles: Sequence = ()) -> pd.DataFrame:
    """Save every figure with its plotted data (CSV) and provenance; returns the index table."""
    hashes = {r.scenario.name: r.scenario.content_hash for r in results}
    checksum = data_checksum()
    rows = []
    for sub, name, figure, data in figure_set(results) + ensemble_figure_set(ensembles):
        target = folder / sub if sub == "all" else child(folder, sub)  # a scenario name: checked
        target.mkdir(parents=True, exist_ok=True)
        save_figure(figure, target / name, formats)
        data.to_csv(target / f"{name}.csv", index=False, float_format="%.6f", lineterminator="\n")
        scenarios = sorted(hashes) if sub == "all" else [sub]
        meta = {"figure": name, "title": figure.get_suptitle() or figure.axes[0].get_title(),
                "scenarios": {s: hashes[s] for s in scenarios}, "data_checksum": checksum,
                "oloy_model_version": __version__}
        (target / f"{name}.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        rows.append({"folder": sub, "figure": name, "title": meta["title"],
                     "files": ";".join(f"{sub}/{name}.{f}" for f in (*formats, "csv", "json"))})
    index = pd.DataFrame(rows)
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
            pl.fan(data[data["quantity"] == quantity], ax, title=title, ylabel="人 persons")
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


def ensemble_figure_set(ensembles) -> list[tuple[str, str, Figure, pd.DataFrame]]:
    """The probabilistic figures: fan charts and shortfall-probability maps per scenario."""
    items = []
    for ensemble in ensembles:
        name = ensemble.scenario.name
        items.append((name, "fan_charts", *fan_charts(ensemble)))
        for service in SERVICE_LABELS:
            items.append((name, f"shortfall_probability_{service}", *shortfall_probability_maps(ensemble, service)))
    return items


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
