"""Running scenarios and writing their outputs (used by the ``oloy run`` command).

Calls only the public API (``project``, ``regions``) and :mod:`oloy_model.reporting.output`.
"""
from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd

from .base.atomic import write_folder_atomically
from .base.errors import OloyInputError
from .base.hierarchy import area_code, area_level, area_names
from .base.safe_names import child, name_key
from .base.scenario import load_scenario, Scenario
from .demography.population import regions
from .orchestrators import run
from .planning.result import Result
from .reporting.area_outputs import write_area_outputs
from .reporting.digest import BASIS_READING, county_digest, reference_result, scenario_comparison, summary_sentences
from .reporting.figures import figure_jobs, figure_key, write_figure_index
from .reporting.output import write_scenario_json, write_csv, write_manifest
from .reporting.render import figure_tasks, index_rows, render, subject, Workers
from .reporting.report import build_report
from .reporting.style import load_fonts
from .reporting.summary import summary_table
from .reporting.workbook import readme_sheet, with_region_names, write_workbook
from .review.official import comparison_table
from .uncertainty.distributed import simulate_distributed, summarize_distributed
from .uncertainty.ensemble import simulate
from .uncertainty.summary import summarize, Summary

UNITS = {"population": "persons", "age_0_2": "persons", "age_0_14": "persons", "age_15_59": "persons",
         "age_60plus": "persons", "age_65plus": "persons", "age_80plus": "persons", "births": "births per year",
         "deaths": "deaths per year", "net_migration": "net migrants per year"}


def wide_summary(summaries: pd.DataFrame) -> pd.DataFrame:
    """Planner view: one row per scenario, region and quantity; one column per year."""
    names = regions().set_index("region")[["name_en", "name_zh"]]
    names.loc[area_code()] = [f"{area_names()[3]} {area_level()}", area_names()[0]]
    wide = summaries.pivot_table(index=["scenario", "region", "quantity"], columns="year", values="value",
                                 observed=True, sort=True).reset_index()
    wide.columns = [str(c) for c in wide.columns]
    wide.insert(2, "name_en", wide["region"].map(names["name_en"]))
    wide.insert(3, "name_zh", wide["region"].map(names["name_zh"]))
    wide.insert(5, "unit", wide["quantity"].map(UNITS))
    return wide


RESULT_TABLES = ("demand", "ledger", "capacity", "gaps", "shortfalls", "indicators", "unit_costs", "checks")


def write_scenario_tables(result: Result, folder: Path) -> pd.DataFrame:
    """The tidy tables of one scenario into ``folder``; returns its summary table."""
    projection = result.projection
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("population", "births", "deaths", "net_migration", "assumptions"):
        write_csv(with_region_names(getattr(projection, name)), folder / f"{name}.csv")
    for name in RESULT_TABLES:
        write_csv(with_region_names(getattr(result, name)), folder / f"{name}.csv")
    if result.evaluation is not None:
        write_csv(with_region_names(result.evaluation), folder / "evaluation.csv")
    summary = summary_table(projection)
    write_csv(with_region_names(summary), folder / "summary.csv")
    write_scenario_json(projection.scenario, folder)
    return summary


def _scenario_tables(index: int, folder: Path) -> pd.DataFrame:
    """Write the tables of the run's ``index``-th result (on a worker, see :class:`render.Workers`)."""
    return write_scenario_tables(subject(("result", index)), folder)


def run_scenarios(names: Sequence[str | Path], out: Path, *, force: bool = False, figures: bool = True,
                  draws: int = 0, seed: int = 1, progress: Callable[[str], None] | None = None,
                  observations: Path | None = None, svg: bool = False, dask: str | None = None) -> Path:
    """Load, project and write every scenario; the folder appears only when all succeeded.

    ``observations``: a file of official figures (observations layout) added to the bundled
    ones: anchored scenarios re-anchor to them and every scenario is evaluated against them.
    Figures are PNG (drawn once each, on every core); ``svg=True`` also writes each as SVG.
    ``dask``: run the draws on Dask (``"local"``: a local cluster; else a scheduler address);
    the numbers are the in-process ones bit for bit.
    """
    scenarios: list[Scenario] = [load_scenario(name) for name in names]  # validate all before any work
    if observations is not None:
        path = str(Path(observations).resolve())
        scenarios = [s.with_values({"migration.anchor_file": path, "projection.observations_file": path})
                     for s in scenarios]
    seen: dict[str, str] = {}
    for scenario in scenarios:
        key = name_key(scenario.name)  # names equal up to case are one folder on Windows and macOS
        if key in seen:
            raise_duplicate(scenario, seen[key])
        seen[key] = scenario.source
    say = progress or (lambda message: print(message, file=sys.stderr))

    def fill(folder: Path) -> None:
        results, ensembles = [], []
        for index, scenario in enumerate(scenarios, start=1):
            start = time.perf_counter()
            say(f"[{index}/{len(scenarios)}] {scenario.name}: projecting ...")
            results.append(run(scenario))
            if draws:
                say(f"[{index}/{len(scenarios)}] {scenario.name}: {draws} stochastic draws (seed {seed}) ...")
                if dask:
                    ensemble = simulate_distributed(scenario, draws=draws, seed=seed, progress=say,
                                                    address=None if dask == "local" else dask)
                else:
                    ensemble = simulate(scenario, draws=draws, seed=seed, progress=say)
                ensembles.append(ensemble)
                child(folder, scenario.name).mkdir(parents=True, exist_ok=True)
                write_csv(ensemble.quantiles(), folder / scenario.name / "quantiles.csv")
                write_csv(ensemble.gap_probabilities(), folder / scenario.name / "gap_probabilities.csv")
                write_csv(ensemble.demand_quantiles(), folder / scenario.name / "demand_quantiles.csv")
            say(f"[{index}/{len(scenarios)}] {scenario.name}: done in {time.perf_counter() - start:.1f} s")
        if figures:
            say(f"tables, workbook, figures and report for {len(results)} scenario(s) ...")

            load_fonts()  # once, here: the workers inherit the loaded font (fork)
        # Tables and figures on the worker processes; the workbook here meanwhile.
        with Workers(results, ensembles) as pool:
            drawn = []
            if figures:
                jobs = figure_jobs(results, ensembles)
                keys = [pool.submit(figure_key, job) for job in jobs]  # figures equal across scenarios: drawn once
            tables = [pool.submit(_scenario_tables, i, child(folder, s.name)) for i, s in enumerate(scenarios)]
            if figures:
                formats = ("png", "svg") if svg else ("png",)
                tasks = figure_tasks(jobs, results, folder / "figures", formats, [key.result() for key in keys])
                drawn = [pool.submit(render, task) for task in tasks]
            combined = pd.concat([future.result() for future in tables], ignore_index=True)
            write_csv(with_region_names(combined), folder / "summary_all_scenarios.csv")
            write_planner_workbook(folder, results, combined, ensembles, draws=draws, seed=seed)
            rendered = [future.result() for future in drawn]
        if figures:
            index = write_figure_index(index_rows(rendered), folder / "figures")
            build_report(results, index, folder / "figures", folder, ensembles=ensembles)
        write_manifest(folder, scenarios=[{"name": s.name, "content_hash": s.content_hash,
                                           "source": Path(s.source).name} for s in scenarios],
                       seed=seed if draws else None, draws=draws or None)

    return write_folder_atomically(out, fill, force=force, say=say)


def write_planner_workbook(folder: Path, results: Sequence[Result], combined: pd.DataFrame, ensembles: Sequence = (),
                           *, draws: int = 0, seed: int = 1) -> None:
    """``oloy_results.xlsx`` (summary first, README of every column) and ``columns.csv``."""
    sheets, notes = workbook_sheets(results, combined, ensembles)
    if ensembles:
        sheets["shortfall_probability"] = probability_sheet(ensembles)
        notes["shortfall_probability"] = (f"Probability that demand exceeds capacity (and by more than the "
                                          f"threshold), with gap quantiles [places]; {draws} draws, seed {seed}.")
    sheets = {"summary": pd.DataFrame({"摘要 Summary": summary_lines(results, ensembles)})} | sheets
    notes["summary"] = "摘要 The answer first, in sentences generated from the numbers (Chinese, then English)."
    write_workbook(folder / "oloy_results.xlsx", sheets, notes)
    write_csv(readme_sheet(sheets, notes), folder / "columns.csv")


WORKBOOK_YEARS = tuple(range(2020, 2051, 5))
NEXT_PLAN_YEARS = tuple(range(2026, 2031))  # the 15th five-year plan


def gaps_side_by_side(gaps: pd.DataFrame, years=WORKBOOK_YEARS) -> pd.DataFrame:
    """One row per scenario, region, service and basis; demand, capacity, gap and cost for each year."""
    cell = gaps[gaps["year"].isin(years)].rename(columns={"cost_to_close_10k_yuan": "cost_to_close"})
    keys = ["scenario", "region", "service", "basis"]
    wide = cell.pivot_table(index=keys, columns="year", values=["demand", "capacity", "gap", "cost_to_close"],
                            sort=False)
    years = [y for y in years if y in set(cell["year"])]  # a short horizon has fewer of them
    order = [(q, y) for y in years for q in ("demand", "capacity", "gap", "cost_to_close")]
    wide = wide[order]
    wide.columns = [f"{q}_{y}" + ("_10k_yuan" if q == "cost_to_close" else "") for q, y in order]
    return wide.reset_index()


def workbook_sheets(results: Sequence[Result], combined: pd.DataFrame, ensembles: Sequence = ()) -> tuple[dict, dict]:
    """Planner sheets: summary, comparison, gaps (every fifth year, side by side), the next
    plan's years, shortfalls, indicators, population summary, unit costs, plan checks."""
    gaps = pd.concat([r.gaps for r in results], ignore_index=True)
    indicators = pd.concat([r.indicators for r in results], ignore_index=True)
    sheets = {
        "county_summary": county_digest(results, ensembles),
        "scenario_comparison": scenario_comparison(results),
        "gaps": gaps_side_by_side(gaps),
        "next_plan_2026_2030": gaps[gaps["year"].isin(NEXT_PLAN_YEARS)].reset_index(drop=True),
        "shortfalls": pd.concat([r.shortfalls for r in results], ignore_index=True),
        "indicators": indicators[indicators["year"].isin(WORKBOOK_YEARS)].reset_index(drop=True),
        "population_summary": wide_summary(combined),
        "unit_costs": results[0].unit_costs,
        "plan_checks": results[0].checks,
        "official_statistics": pd.concat([comparison_table(r) for r in results], ignore_index=True),
    }
    notes = {
        "county_summary": "县市一览 Per county and service, the first year short, the 2030 and 2035 gaps, the cost to "
                          "close, the range over the scenarios run (and, with draws, the probability of a shortfall); the "
                          "summary sheet's sentences are generated from these numbers.",
        "scenario_comparison": "情景比较 The prefecture by scenario, service and basis: first year short, gaps, counties "
                               "short in 2030 and the cost of closing the 2030 gap.",
        "gaps": "Gap = demand - capacity [beds or places]; positive = shortfall (shaded). Demand, capacity, gap and cost "
                "side by side for every fifth year 2020-2050. Bases: norm (the plan's ratios) and uptake (need x "
                f"observed take-up / occupancy). {area_code()} = prefecture (county surpluses offset shortfalls).",
        "next_plan_2026_2030": "The next five-year plan's years (2026-2030), year by year.",
        "shortfalls": "First year demand exceeds capacity, place-years short (sum of positive gaps), peak gap.",
        "indicators": "The plan's indicators by year: value, 2020 value, 2025 target and whether it is met.",
        "population_summary": "Population by age band [persons] and births, deaths, net migration [per year] by "
                              "scenario, county and year (population at 1 November; flows of the year ending then).",
        "unit_costs": "The plan's own unit costs [10k yuan per place] = investment / places.",
        "plan_checks": "The plan's figures recomputed from the census; inconsistencies are reported, not resolved.",
        "official_statistics": "Every official figure (data/observations plus the scenario's own files) beside each "
                               "scenario's value at the same moment and basis; error = model - observed [persons, %]. "
                               "Registered-basis (户籍) rows are shown, not comparable, never fitted.",
    }
    return sheets, notes


def summary_lines(results: Sequence[Result], ensembles: Sequence = ()) -> list[str]:
    """The summary sheet's lines: the generated sentences, then the norm/uptake reading."""
    sentences = summary_sentences(county_digest(results, ensembles), scenario_comparison(results),
                                  reference_result(results).scenario.name)
    return [line for pair in sentences + BASIS_READING for line in pair]


def probability_sheet(ensembles) -> pd.DataFrame:
    table = pd.concat([e.gap_probabilities() for e in ensembles], ignore_index=True)
    return table[table["year"].isin(WORKBOOK_YEARS)].reset_index(drop=True)


def raise_duplicate(scenario: Scenario, other: str) -> None:
    raise OloyInputError(f"{scenario.source}: scenario name {scenario.name!r} is also used by {other}; "
                         "names must be unique in one run (without regard to case)")


def run_area(names: Sequence[str | Path], area: str, out: Path, *, force: bool = False, figures: bool = True,
             svg: bool = False, progress: Callable[[str], None] | None = None, draws: int = 0, seed: int = 1,
             dask: str | None = None) -> Path:
    """Run every scenario for another area (``projection.area``): projection, demand on national
    norms, gaps only with a user ledger (``capacity.ledger_file``); tables, workbook, figures and
    report by :func:`oloy_model.reporting.area_outputs.write_area_outputs`. With ``draws``, each
    scenario's ensemble is summarised partition by partition
    (:func:`oloy_model.uncertainty.summary.summarize`, or on Dask with ``dask``: ``"local"`` or a
    scheduler address) into ``quantiles.csv`` and, with a ledger, ``gap_probabilities.csv`` and
    ``demand_quantiles.csv``. The folder appears only when all succeeded."""
    scenarios = [load_scenario(name).with_values({"projection.area": area}) for name in names]
    say = progress or (lambda message: print(message, file=sys.stderr))

    def fill(folder: Path) -> None:
        results, ensembles = [], []
        for index, scenario in enumerate(scenarios, start=1):
            say(f"[{index}/{len(scenarios)}] {scenario.name} ({area}): projecting ...")
            results.append(run(scenario))
            if draws:
                say(f"[{index}/{len(scenarios)}] {scenario.name} ({area}): {draws} stochastic draws (seed {seed}) ...")
                ensembles.append(summarise(scenario, draws, seed, dask, say))
        if figures:
            load_fonts()  # once, here: the figure workers inherit the loaded font (fork)
        write_area_outputs(results, folder, [child(folder, s.name) for s in scenarios], figures=figures,
                           formats=("png", "svg") if svg else ("png",), ensembles=ensembles)
        write_manifest(folder, scenarios=[{"name": s.name, "content_hash": s.content_hash,
                                           "source": Path(s.source).name} for s in scenarios],
                       seed=seed if draws else None, draws=draws or None)

    return write_folder_atomically(Path(out), fill, force=force, say=say)


def summarise(scenario: Scenario, draws: int, seed: int, dask: str | None, say: Callable[[str], None]) -> Summary:
    """An area scenario's ensemble, reduced partition by partition (on Dask with ``dask``)."""
    if dask:
        return summarize_distributed(scenario, draws=draws, seed=seed, progress=say,
                                     address=None if dask == "local" else dask)
    return summarize(scenario, draws=draws, seed=seed, progress=say)
