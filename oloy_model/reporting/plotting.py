"""Plot functions: tidy data in, an Axes out (``ax=None`` draws on the current Axes).

They never call ``plt.show()`` and never change global ``rcParams``. Labels are bilingual
(Chinese / English). The official figure recipes in :mod:`oloy_model.reporting.figures` use them.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib import colors
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter

from .style import colour, SEX_COLOURS

SEX_LABELS = {"female": "女 female", "male": "男 male"}


def _axes(ax: Axes | None) -> Axes:
    if ax is None:
        import matplotlib.pyplot as plt

        ax = plt.gca()
    return ax


def pyramid(data: pd.DataFrame, ax: Axes | None = None, *, share: bool = True, legend: bool = True) -> Axes:
    """Population pyramid(s): one outline per ``year``, females right, males left.

    Parameters
    ----------
    data : DataFrame [year, sex, age, population]
        Single ages 0..100 (100 = 100+) [persons].
    share : bool
        Plot percent of the year's total (comparable across years) instead of persons.
    legend : bool
        Draw the legend in the Axes (small multiples draw one for the figure instead).
    """
    ax = _axes(ax)
    for index, (year, cell) in enumerate(data.groupby("year", sort=True)):
        total = cell["population"].sum() if share else 1.0
        for sex, sign in (("male", -1.0), ("female", 1.0)):
            part = cell[cell["sex"] == sex].sort_values("age")
            values = sign * part["population"].to_numpy() / total * (100.0 if share else 1.0)
            style = {"color": SEX_COLOURS[sex], "alpha": 0.35} if index == 0 else {"color": colour("", index + 1)}
            if index == 0:
                ax.fill_betweenx(part["age"], 0, values, step="mid", linewidth=0, **style,
                                 label=f"{year} {SEX_LABELS[sex]}")
            else:
                ax.step(values, part["age"], where="mid", linewidth=1.2, **style,
                        label=f"{year}" if sex == "female" else None)
    ax.axvline(0, color="black", linewidth=0.6)
    ax.set_ylim(0, 100)
    ax.set_ylabel("年龄 Age [岁 years]")
    ax.set_xlabel("占总人口 % of population (男 male ← → 女 female)" if share else "人数 Persons")
    ticks = ax.get_xticks()
    ax.set_xticks(ticks)
    ax.set_xticklabels([f"{abs(t):g}" for t in ticks])
    for x, text, align in ((0.02, "男 Male", "left"), (0.98, "女 Female", "right")):
        ax.text(x, 0.02, text, transform=ax.transAxes, ha=align, va="bottom", fontsize=8, color="#333333")
    if legend:
        ax.legend(loc="upper right")
    return ax


def lines_by_scenario(data: pd.DataFrame, value: str, ax: Axes | None = None, *, ylabel: str = "",
                      title: str = "", legend: bool = True) -> Axes:
    """One line per scenario over ``year``: ``data`` [scenario, year, <value>]."""
    ax = _axes(ax)
    for index, (scenario, cell) in enumerate(data.groupby("scenario", sort=True)):
        cell = cell.sort_values("year")
        width = 2.0 if scenario == "baseline" else 1.2
        ax.plot(cell["year"], cell[value], label=scenario, color=colour(scenario, index), linewidth=width)
    ax.set_xlabel("年份 Year")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:,.0f}" if abs(value) >= 1000 else f"{value:g}"))
    if legend:
        ax.legend()
    return ax


def gap_heatmap(data: pd.DataFrame, ax: Axes | None = None, *, names: dict[str, str] | None = None,
                title: str = "", value: str = "gap", limit: float | None = None, colorbar: bool = True,
                label: str = "缺口 Gap (短缺 + shortfall / 富余 − surplus)") -> Axes:
    """County x year heatmap of the gap, diverging around zero (red = shortfall, blue = surplus).

    ``data`` [region, year, <value>] [places, or places per 1,000]. ``limit``: the colour
    scale runs from -limit to +limit (give panels that compare the same quantity one limit);
    default: the largest absolute value in ``data``.
    """
    wide = data.pivot_table(index="region", columns="year", values=value, sort=True)
    limit = limit or float(np.nanmax(np.abs(wide.to_numpy()))) or 1.0
    norm = colors.TwoSlopeNorm(vmin=-limit, vcenter=0.0, vmax=limit)
    return _county_year_image(_axes(ax), wide, names, title, label if colorbar else None, cmap="RdBu_r", norm=norm)


def _county_year_image(ax: Axes, wide: pd.DataFrame, names: dict[str, str] | None, title: str, label: str | None,
                       **image_options) -> Axes:
    """A region x year table as an image with county names (and a colour bar when ``label``)."""
    image = ax.imshow(wide.to_numpy(), aspect="auto", interpolation="nearest", **image_options)
    ax.set_yticks(range(len(wide.index)))
    ax.set_yticklabels([names.get(r, r) if names else r for r in wide.index])
    years = list(wide.columns)
    step = max(1, len(years) // 8)
    ax.set_xticks(range(0, len(years), step))
    ax.set_xticklabels([str(y) for y in years[::step]])
    ax.set_xlabel("年份 Year")
    ax.set_title(title)
    ax.grid(False)
    if label:
        ax.figure.colorbar(image, ax=ax, label=label)
    return ax


def indicator_attainment(data: pd.DataFrame, ax: Axes | None = None, *, title: str = "", ylabel: str = "") -> Axes:
    """Indicator value over years with its target: ``data`` [year, value, target, target_year]."""
    ax = _axes(ax)
    data = data.sort_values("year")
    ax.plot(data["year"], data["value"], color="#1b1b1b", linewidth=1.8, label="预测值 projected")
    target = data["target"].iloc[0]
    target_year = int(data["target_year"].iloc[0])
    ax.axhline(target, color="#d95f02", linestyle="--", linewidth=1.2, label=f"{target_year} 目标 target {target:g}")
    ax.axvline(target_year, color="#999999", linewidth=0.8)
    ax.set_xlabel("年份 Year")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2)  # below the axes: never on a line
    return ax


ESTIMATED_LABEL = "县级分配为估计 county split estimated"
NO_ADDITIONS_LABEL = "2025年后无新增规划 no additions planned after 2025"


def capacity_vs_demand(data: pd.DataFrame, ax: Axes | None = None, *, title: str = "",
                       plan_years: tuple[int, int] = (2020, 2025)) -> Axes:
    """Capacity and demand (both bases) over years: ``data`` [year, basis, demand, capacity].

    The plan's years (``plan_years``) are shaded: there the county capacity is the plan's
    prefecture figure split by each county's share of the target group, an estimate, which
    makes capacity track norm demand by construction. The dashed line marks the plan's last
    year: no additions are planned after it, so capacity is flat.
    """
    ax = _axes(ax)
    ax.axvspan(plan_years[0], plan_years[1], color="#999999", alpha=0.15, linewidth=0, label=ESTIMATED_LABEL)
    ax.axvline(plan_years[1], color="#555555", linestyle="--", linewidth=0.8, label=NO_ADDITIONS_LABEL)
    for basis, style in (("norm", "-"), ("uptake", ":")):
        cell = data[data["basis"] == basis].sort_values("year")
        ax.plot(cell["year"], cell["demand"], linestyle=style, color="#d95f02",
                label=f"需求 demand ({'规划标准 norm' if basis == 'norm' else '实际利用 uptake'})")
    cap = data[data["basis"] == "norm"].sort_values("year")
    ax.step(cap["year"], cap["capacity"], where="post", color="#1b1b1b", linewidth=1.6, label="供给 capacity")
    ax.set_title(title)
    ax.set_ylim(bottom=0)
    return ax


def county_map(data: pd.DataFrame, ax: Axes | None = None, *, title: str = "", label: str = "") -> Axes:
    """Schematic county map: a disc at each county centroid coloured by ``value``.

    ``data`` [region, name, lon, lat, value]; a diverging scale centred on 0 when values
    have both signs. Drawn from centroid coordinates only (no boundary polygons).
    """
    ax = _axes(ax)
    values = data["value"].to_numpy(dtype=float)
    limit = float(np.nanmax(np.abs(values))) or 1.0
    if np.nanmin(values) < 0 < np.nanmax(values):
        norm, cmap = colors.TwoSlopeNorm(vmin=-limit, vcenter=0.0, vmax=limit), "RdBu_r"
    else:
        norm, cmap = colors.Normalize(vmin=min(0.0, np.nanmin(values)), vmax=max(np.nanmax(values), 1e-9)), "Reds"
    points = ax.scatter(data["lon"], data["lat"], c=values, s=900, cmap=cmap, norm=norm, edgecolors="#333333")
    for row in data.itertuples():
        ax.annotate(row.name, (row.lon, row.lat), xytext=(0, -24), textcoords="offset points", ha="center", fontsize=7)
    ax.set_aspect("equal")
    ax.margins(0.15)
    ax.set_xlabel("经度 Longitude [°E]")
    ax.set_ylabel("纬度 Latitude [°N]")
    ax.set_title(title)
    ax.figure.colorbar(points, ax=ax, label=label, shrink=0.8)
    return ax


def fan(data: pd.DataFrame, ax: Axes | None = None, *, title: str = "", ylabel: str = "", legend: bool = True) -> Axes:
    """A fan chart: ``data`` [year, q10, q50, q90, deterministic] (80% band, median, central path)."""
    ax = _axes(ax)
    data = data.sort_values("year")
    ax.fill_between(data["year"], data["q10"], data["q90"], color="#4f81bd", alpha=0.25, linewidth=0,
                    label="80% 区间 interval")
    ax.plot(data["year"], data["q50"], color="#4f81bd", linewidth=1.6, label="中位数 median")
    ax.plot(data["year"], data["deterministic"], color="#1b1b1b", linewidth=1.0, linestyle="--",
            label="确定性 deterministic")
    ax.set_title(title)
    ax.set_ylabel(ylabel)
    ax.set_xlabel("年份 Year")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:,.0f}"))
    if legend:
        ax.legend()
    return ax


def probability_heatmap(data: pd.DataFrame, ax: Axes | None = None, *, names: dict[str, str] | None = None,
                        title: str = "", colorbar: bool = True) -> Axes:
    """County x year heatmap of the probability of a shortfall: ``data`` [region, year, p_shortfall]."""
    wide = data.pivot_table(index="region", columns="year", values="p_shortfall", sort=True)
    label = "短缺概率 P(shortfall)" if colorbar else None
    return _county_year_image(_axes(ax), wide, names, title, label, cmap="Reds", vmin=0.0, vmax=1.0)


def waterfall(data: pd.DataFrame, ax: Axes | None = None, *, title: str = "") -> Axes:
    """Waterfall: ``data`` [component, change] with ``plan_gap`` first and ``rebased_gap`` last."""
    ax = _axes(ax)
    labels, bottoms, heights, shades = [], [], [], []
    running = 0.0
    for row in data.itertuples():
        if row.component in ("plan_gap", "rebased_gap"):
            bottoms.append(0.0)
            heights.append(row.change)
            running = row.change
            shades.append("#7f7f7f")
        else:
            bottoms.append(running)
            heights.append(row.change)
            running += row.change
            shades.append("#b2182b" if row.change > 0 else "#2166ac")
        labels.append(row.component)
    ax.bar(range(len(labels)), heights, bottom=bottoms, color=shades)
    ax.set_xticks(range(len(labels)))
    ax.set_xticklabels(labels, rotation=20)
    ax.axhline(0, color="black", linewidth=0.6)
    ax.set_ylabel("缺口 gap (+ 短缺 shortfall)")
    ax.set_title(title)
    return ax
