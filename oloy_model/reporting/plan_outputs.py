"""What ``oloy plan`` writes: the plan's tables, workbook sheets, figures and report section.

Builds on :mod:`oloy_model.planning.schedule` and :mod:`oloy_model.planning.workforce` and reuses the run's
writers (:mod:`oloy_model.reporting.output`: atomic folder, deterministic CSV and Excel, manifest), its
figure style (:mod:`oloy_model.reporting.style`: fixed fonts and no timestamps, so the files are
byte-identical for the same inputs) and the report's table helpers.
"""
from __future__ import annotations

import html
import json
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ..base.atomic import write_folder_atomically
from ..base.hierarchy import area_code
from ..base.resources import data_checksum
from ..base.scenario import load_scenario
from ..base.version import __version__
from ..demography.assumptions import resolve
from ..planning.result import Result, run
from ..planning.schedule import Plan, plan_additions, previous_plan_check
from ..planning.workforce import home_care_table, workforce_comparison, workforce_table
from ..uncertainty.ensemble import simulate
from .figures import AREA_EN, AREA_ZH, county_names, SERVICE_LABELS
from .output import write_csv, write_manifest, write_xlsx
from .report import _image_html, _table_html, _table_md, CSS, embedded_font_css
from .style import colour, figure_style, save_figure

PREFECTURE = area_code()
STAFF_LABELS = {"care_staff": "养老护理员 Elderly-care staff", "social_workers": "社会工作者 Social workers",
                "childcare_staff": "保育人员 Childcare staff"}


@dataclass(frozen=True)
class PlanOutputs:
    """Every table of one scenario's plan (tidy frames)."""

    plan: Plan
    previous: pd.DataFrame
    workforce: pd.DataFrame
    workforce_comparison: pd.DataFrame
    home_care: pd.DataFrame

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"schedule": self.plan.schedule, "totals": self.plan.totals, "stranded": self.plan.stranded,
                "previous_plan": self.previous, "workforce": self.workforce,
                "workforce_comparison": self.workforce_comparison, "home_care": self.home_care}


def plan_outputs(scenario, *, ensemble=None) -> PlanOutputs:
    """Schedule, the 2021-2025 check, workforce and home care of one scenario."""
    result = scenario if isinstance(scenario, Result) else run(scenario)
    plan = plan_additions(result, ensemble=ensemble)
    years = (int(result.capacity["year"].min()), resolve(plan.scenario).plan.horizon)
    workforce = workforce_table(result, years)
    return PlanOutputs(plan, previous_plan_check(result, ensemble=ensemble), workforce,
                       workforce_comparison(workforce), home_care_table(result, years))


def five_year(totals: pd.DataFrame) -> pd.DataFrame:
    """The rows of the five-year periods (not the whole-plan total)."""
    span = totals["period"].map(lambda p: int(p[5:]) - int(p[:4]))
    return totals[span <= 4]


# -- figures ----------------------------------------------------------------------------------

def _figure(width: float = 9.0, height: float = 4.5, **kwargs) -> Figure:
    return Figure(figsize=(width, height), layout="constrained", **kwargs)


def stacked_bars(data: pd.DataFrame, ax, *, index: str, stack: str, value: str, title: str = "", ylabel: str = ""):
    """Bars of ``value`` per ``index`` stacked by ``stack`` (tidy data); returns the Axes."""
    wide = data.pivot_table(index=index, columns=stack, values=value, aggfunc="sum", sort=True).fillna(0.0)
    bottom = np.zeros(len(wide))
    for i, column in enumerate(wide.columns):
        ax.bar(np.arange(len(wide)), wide[column].to_numpy(), bottom=bottom, label=str(column), color=colour(str(column), i))
        bottom += wide[column].to_numpy()
    ax.set_xticks(np.arange(len(wide)), [str(i) for i in wide.index], rotation=60, ha="right")
    ax.set_title(title)
    ax.set_ylabel(ylabel)
    ax.legend()
    return ax


def schedule_by_county(outputs: PlanOutputs) -> tuple[Figure, pd.DataFrame]:
    """Places added per county and period (openings plus conversions in), one panel per service."""
    totals = five_year(outputs.plan.totals)
    data = totals[totals["region"] != PREFECTURE].copy()
    data["added"] = data["open"] + data["convert"].clip(lower=0.0)
    names = county_names()
    data["county"] = data["region"].map(names)
    data = data[["region", "county", "service", "period", "added"]].reset_index(drop=True)
    with figure_style():
        figure = _figure(11.0, 4.2)
        axes = figure.subplots(1, 3)
        for ax, (service, label) in zip(axes, SERVICE_LABELS.items()):
            stacked_bars(data[data["service"] == service], ax, index="county", stack="period", value="added",
                         title=label, ylabel="新增 added [beds or places]")
        figure.suptitle(f"建设计划 Build schedule by county ({outputs.plan.rule})")
    return figure, data


def cost_by_period(outputs: PlanOutputs) -> tuple[Figure, pd.DataFrame]:
    """Prefecture investment per five-year period, stacked by service [10k yuan]."""
    totals = five_year(outputs.plan.totals)
    data = totals[totals["region"] == PREFECTURE][["period", "service", "cost_10k_yuan"]].reset_index(drop=True)
    with figure_style():
        figure = _figure(6.5, 4.2)
        stacked_bars(data, figure.subplots(), index="period", stack="service", value="cost_10k_yuan",
                     title="投资 Cost by period (prefecture)", ylabel="万元 10k yuan")
    return figure, data


def stranded_capacity(outputs: PlanOutputs) -> tuple[Figure, pd.DataFrame]:
    """Places added by the plan that stand surplus at the horizon, by county and service."""
    table = outputs.plan.stranded
    data = table[table["region"] != PREFECTURE].assign(county=lambda t: t["region"].map(county_names()))
    data = data[["region", "county", "service", "stranded", "cost_10k_yuan"]].reset_index(drop=True)
    year = int(table["year"].max())
    with figure_style():
        figure = _figure(8.0, 4.2)
        stacked_bars(data, figure.subplots(), index="county", stack="service", value="stranded",
                     title=f"闲置 Stranded capacity in {year}: added places surplus at the horizon",
                     ylabel="[beds or places]")
    return figure, data


def staff_needed(outputs: PlanOutputs) -> tuple[Figure, pd.DataFrame]:
    """Prefecture staff needed by year (care staff, social workers, childcare staff)."""
    table = outputs.workforce[outputs.workforce["region"] == PREFECTURE]
    data = table.melt(id_vars=["year"], value_vars=list(STAFF_LABELS), var_name="staff", value_name="persons")
    with figure_style():
        figure = _figure(6.5, 4.2)
        ax = figure.subplots()
        for i, (staff, label) in enumerate(STAFF_LABELS.items()):
            cell = data[data["staff"] == staff]
            ax.plot(cell["year"], cell["persons"], label=label, color=colour(staff, i))
        ax.set_title("人员需求 Staff needed (prefecture)")
        ax.set_ylabel("人 persons")
        ax.legend()
    return figure, data.reset_index(drop=True)


FIGURES: dict[str, Callable[[PlanOutputs], tuple[Figure, pd.DataFrame]]] = {
    "plan_schedule_by_county": schedule_by_county, "plan_cost_by_period": cost_by_period,
    "plan_stranded_capacity": stranded_capacity, "plan_staff_needed": staff_needed}


def write_plan_figures(outputs: PlanOutputs, folder: Path, formats: tuple[str, ...] = ("png", "svg")) -> list[str]:
    """Save the plan's figures with their plotted data (CSV) and provenance (JSON)."""
    folder.mkdir(parents=True, exist_ok=True)
    meta = {"scenario": outputs.plan.scenario.name, "content_hash": outputs.plan.scenario.content_hash,
            "data_checksum": data_checksum(), "rule": outputs.plan.rule, "oloy_model_version": __version__}
    for name, recipe in FIGURES.items():
        figure, data = recipe(outputs)
        save_figure(figure, folder / name, formats)
        data.to_csv(folder / f"{name}.csv", index=False, float_format="%.6f", lineterminator="\n")
        (folder / f"{name}.json").write_text(json.dumps(meta | {"figure": name}, indent=2, ensure_ascii=False) + "\n",
                                             encoding="utf-8")
    return list(FIGURES)


# -- report section and workbook --------------------------------------------------------------

def headline(outputs: PlanOutputs) -> pd.DataFrame:
    """Prefecture openings, conversions and cost per service and period."""
    totals = outputs.plan.totals
    table = totals[totals["region"] == PREFECTURE][["period", "service", "open", "convert", "cost_10k_yuan"]]
    return table.sort_values(["period", "service"], kind="stable").reset_index(drop=True)


def report_section(outputs: PlanOutputs, figure_folder: str = "figures") -> list[tuple[str, str, object]]:
    """The plan's report section as ``(kind, caption, content)`` items; kind is ``text``,
    ``table`` (a DataFrame) or ``figure`` (a relative PNG path)."""
    plan, name = outputs.plan, outputs.plan.scenario.name
    v, w = resolve(plan.scenario).plan, resolve(plan.scenario).workforce
    intro = (f"Least-cost schedule {v.decision_year + 1}-{v.horizon} per county, service and year "
             f"(method: docs/methods.md#build-schedules-oloy_modelplanningschedule). Rule: {plan.rule}; lead time "
             f"{v.lead_time} year(s); at most {v.max_open_rate_elderly:g} x the county's stock of elderly "
             f"beds and {v.max_open_rate_childcare:g} x its childcare places opened a year; unit costs "
             f"{v.cost_elderly_bed:g} and {v.cost_childcare_place:g} x 10k yuan from the plan "
             "[source: dali_plan_2022]; conversions at an assumed "
             f"{v.cost_conversion:g} x 10k yuan per bed gained [source: assumption]. The stock at the decision "
             f"year is the ledger as planned (county splits estimated). {plan.coverage_text()}")
    previous_text = ("Was the last plan enough? The schedule the same rule requires for 2021-2025 from the 2020 stock, "
                     "beside the plan's own additions: +5,096 beds, +862 community and district centre beds and "
                     "+11,531 childcare places [source: dali_plan_2022]. Difference = plan - required.")
    workforce_text = ("Staff needed for the projected institutional residents (uptake basis) at assumed carer ratios "
                      f"1:{w.residents_per_carer_nursing:g} (nursing-type care) and "
                      f"1:{w.residents_per_carer_other:g} (other) [source: assumption]; social workers at "
                      f"{w.social_workers_per_1000_60plus:g} per 1,000 aged 60+ [source: dali_plan_2022]; "
                      "nursery carers at 1:3, 1:5, 1:7 for ages 0, 1, 2 [source: nhc2019_childcare_standard]. The "
                      "plan's figures: 1,200 care professionals in 2020 and 5,200 by 2025, 4,000 carers trained "
                      "[source: dali_plan_2022].")
    home_text = ("Older people needing care who do not live in institutions (uptake basis: need minus residents), "
                 "beside the ledger's community and district centre beds; the plan's targets: home and community "
                 "care coverage 90% and an integrated care centre in every county [source: dali_plan_2022].")
    home = outputs.home_care
    home = home[home["year"].isin((2025, 2030, 2035))].pivot_table(
        index="region", columns="year", values="at_home", sort=True).round(0)
    home.columns = [f"at home {c}" for c in home.columns]
    names = county_names() 
    home = home.reset_index().assign(region=lambda t: t["region"].map(lambda r: f"{names[r]} {r}"))
    stranded = plan.stranded[["region", "service", "capacity", "demand", "added", "stranded", "cost_10k_yuan"]]
    return [
        ("heading", f"下一期规划 The next plan: scenario {name}", None),
        ("text", intro, None),
        ("table", "规划新增 Openings, conversions and cost (prefecture) [places; 10k yuan]", headline(outputs)),
        ("figure", "建设计划 Schedule by county", f"{figure_folder}/plan_schedule_by_county.png"),
        ("figure", "投资 Cost by period", f"{figure_folder}/plan_cost_by_period.png"),
        ("table", f"闲置 Stranded capacity in {v.horizon}", stranded[stranded["region"] == PREFECTURE]),
        ("figure", "闲置 Stranded capacity by county", f"{figure_folder}/plan_stranded_capacity.png"),
        ("text", previous_text, None),
        ("table", "十四五是否足够 Was the 2021-2025 plan enough?", outputs.previous.drop(columns=["scenario"])),
        ("text", workforce_text, None),
        ("table", "人员 Staff needed beside the plan's figures (prefecture)", outputs.workforce_comparison),
        ("figure", "人员需求 Staff needed", f"{figure_folder}/plan_staff_needed.png"),
        ("text", home_text, None),
        ("table", "居家社区 Older people needing care at home [persons]", home),
    ]


def write_report(sections: Sequence[list], folder: Path) -> tuple[Path, Path]:
    """``plan_report.md`` and a self-contained ``plan_report.html`` from :func:`report_section` items."""
    zh, en = html.escape(AREA_ZH), html.escape(AREA_EN)
    md = [f"# {AREA_ZH}“一老一小”下一期规划 {AREA_EN} \"One Old, One Young\": the next plan", "",
          f"oloy_model {__version__}; bundled data checksum {data_checksum()}.", ""]
    page = [f"<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'><title>{en} next plan</title><style>{CSS}"
            "</style></head><body>", f"<h1>{zh}“一老一小”下一期规划<br>{en} &ldquo;One Old, One Young&rdquo;: the next plan</h1>"]
    for section in sections:
        for kind, caption, content in section:
            if kind == "heading":
                md += [f"## {caption}", ""]
                page.append(f"<h2>{html.escape(caption)}</h2>")
            elif kind == "text":
                md += [caption, ""]
                page.append(f"<p class='note'>{html.escape(caption)}</p>")
            elif kind == "table":
                md += [f"### {caption}", "", _table_md(content), ""]
                page += [f"<h3>{html.escape(caption)}</h3>", _table_html(content)]
            else:
                md += [f"### {caption}", "", f"![{caption}]({content})", ""]
                page += [f"<h3>{html.escape(caption)}</h3>", _image_html(folder / content)]
    page.append("</body></html>")
    text = "\n".join(page) + "\n"
    text = text.replace("</style></head>", embedded_font_css(text) + "</style></head>", 1)
    (folder / "plan_report.html").write_text(text, encoding="utf-8")
    (folder / "plan_report.md").write_text("\n".join(md) + "\n", encoding="utf-8")
    return folder / "plan_report.html", folder / "plan_report.md"


SHEET_NOTES = {
    "schedule": "Openings and conversions per county, service and year; capacity, coverage target (demand), "
                "gap = demand - capacity [places]; cost [10k yuan].",
    "totals": f"Openings, conversions [places] and cost [10k yuan] per county ({PREFECTURE} = prefecture) and period.",
    "stranded": "Places added by the plan that are surplus at the horizon, valued at the cost of a new place.",
    "previous_plan": "2021-2025: the schedule the same rule requires from the 2020 stock beside the plan's additions.",
    "workforce": "Staff needed per county and year [persons]; ratios are scenario keys (workforce.*).",
    "workforce_comparison": "Prefecture staff needed beside the plan's workforce figures.",
    "home_care": "Older people needing care at home and community centre beds per county and year [persons; beds].",
}


def workbook_sheets(all_outputs: Sequence[PlanOutputs]) -> tuple[dict, dict]:
    """One sheet per plan output (all scenarios stacked)."""
    sheets = {name: pd.concat([o.tables()[name].assign(scenario=o.plan.scenario.name) if "scenario" not in
                               o.tables()[name].columns else o.tables()[name] for o in all_outputs], ignore_index=True)
              for name in SHEET_NOTES}
    return sheets, dict(SHEET_NOTES)


def write_plans(names: Sequence[str | Path], out: Path, *, force: bool = False, figures: bool = True, draws: int = 0,
                seed: int = 1, progress: Callable[[str], None] | None = None) -> Path:
    """``oloy plan``: schedules, workforce and home care of each scenario into one atomic folder."""
    scenarios = [load_scenario(name) for name in names]  # validate all before any work
    say = progress or (lambda message: print(message, file=sys.stderr))

    def fill(folder: Path) -> None:
        all_outputs, sections = [], []
        for index, scenario in enumerate(scenarios, start=1):
            start = time.perf_counter()
            ensemble = None
            if draws:
                say(f"[{index}/{len(scenarios)}] {scenario.name}: {draws} stochastic draws (seed {seed}) ...")
                ensemble = simulate(scenario, draws=draws, seed=seed)
            say(f"[{index}/{len(scenarios)}] {scenario.name}: planning ...")
            outputs = plan_outputs(ensemble.result if ensemble is not None else scenario, ensemble=ensemble)
            all_outputs.append(outputs)
            for table_name, table in outputs.tables().items():
                write_csv(table, folder / scenario.name / f"{table_name}.csv")
            if figures:
                write_plan_figures(outputs, folder / scenario.name / "figures")
                sections.append(report_section(outputs, f"{scenario.name}/figures"))
            say(f"[{index}/{len(scenarios)}] {scenario.name}: done in {time.perf_counter() - start:.1f} s")
        sheets, notes = workbook_sheets(all_outputs)
        write_xlsx(folder / "oloy_plan.xlsx", sheets, notes=notes)
        if figures:
            write_report(sections, folder)
        write_manifest(folder, scenarios=[{"name": s.name, "content_hash": s.content_hash, "source": Path(s.source).name}
                                          for s in scenarios], seed=seed if draws else None, draws=draws or None)

    return write_folder_atomically(out, fill, force=force)
