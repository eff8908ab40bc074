"""Running scenarios and writing their outputs (used by the ``oloy run`` command).

Calls only the public API (``project``, ``regions``) and :mod:`oloy_model.output`.
"""
from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd

from .hierarchy import area_code
from .official import comparison_table
from .output import write_csv, write_folder_atomically, write_manifest, write_xlsx
from .population import regions
from .result import Result, run
from .safe_names import child, name_key
from .scenario import Scenario, _plain, load_scenario
from .summary import summary_table

UNITS = {"population": "persons", "age_0_2": "persons", "age_0_14": "persons", "age_15_59": "persons",
         "age_60plus": "persons", "age_65plus": "persons", "age_80plus": "persons", "births": "births per year",
         "deaths": "deaths per year", "net_migration": "net migrants per year"}


def wide_summary(summaries: pd.DataFrame) -> pd.DataFrame:
    """Planner view: one row per scenario, region and quantity; one column per year."""
    names = regions().set_index("region")[["name_en", "name_zh"]]
    names.loc[area_code()] = ["Dali prefecture", "大理白族自治州"]
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
        write_csv(getattr(projection, name), folder / f"{name}.csv")
    for name in RESULT_TABLES:
        write_csv(getattr(result, name), folder / f"{name}.csv")
    if result.evaluation is not None:
        write_csv(result.evaluation, folder / "evaluation.csv")
    summary = summary_table(projection)
    write_csv(summary, folder / "summary.csv")
    resolved = {"name": projection.scenario.name, "content_hash": projection.scenario.content_hash,
                "source": Path(projection.scenario.source).name, "values": _plain(dict(projection.scenario.values))}
    for key, value in resolved["values"].items():
        if key.endswith("_file") and value:
            resolved["values"][key] = Path(value).name  # no machine-specific paths in outputs
    (folder / "scenario.json").write_text(json.dumps(resolved, indent=2, sort_keys=True, ensure_ascii=False) + "\n",
                                          encoding="utf-8")
    return summary


def run_scenarios(names: Sequence[str | Path], out: Path, *, force: bool = False, figures: bool = True,
                  draws: int = 0, seed: int = 1, progress: Callable[[str], None] | None = None,
                  observations: Path | None = None) -> Path:
    """Load, project and write every scenario; the folder appears only when all succeeded.

    ``observations``: a file of official figures (observations layout) added to the bundled
    ones: anchored scenarios re-anchor to them and every scenario is evaluated against them.
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
        summaries, results, ensembles = [], [], []
        for index, scenario in enumerate(scenarios, start=1):
            start = time.perf_counter()
            say(f"[{index}/{len(scenarios)}] {scenario.name}: projecting ...")
            result = run(scenario)
            results.append(result)
            summaries.append(write_scenario_tables(result, child(folder, scenario.name)))
            if draws:
                from .ensemble import simulate

                say(f"[{index}/{len(scenarios)}] {scenario.name}: {draws} stochastic draws (seed {seed}) ...")
                ensemble = simulate(scenario, draws=draws, seed=seed, progress=say)
                ensembles.append(ensemble)
                write_csv(ensemble.quantiles(), folder / scenario.name / "quantiles.csv")
                write_csv(ensemble.gap_probabilities(), folder / scenario.name / "gap_probabilities.csv")
                write_csv(ensemble.demand_quantiles(), folder / scenario.name / "demand_quantiles.csv")
            say(f"[{index}/{len(scenarios)}] {scenario.name}: done in {time.perf_counter() - start:.1f} s")
        combined = pd.concat(summaries, ignore_index=True)
        write_csv(combined, folder / "summary_all_scenarios.csv")
        sheets, notes = workbook_sheets(results, combined)
        if ensembles:
            sheets["shortfall_probability"] = probability_sheet(ensembles)
            notes["shortfall_probability"] = (f"Probability that demand exceeds capacity (and by more than the threshold), "
                                              f"with gap quantiles [places]; {draws} draws, seed {seed}.")
        write_xlsx(folder / "oloy_results.xlsx", sheets, notes=notes)
        if figures:
            from .figures import write_figure_set
            from .report import build_report

            say(f"figures and report for {len(results)} scenario(s) ...")
            index = write_figure_set(results, folder / "figures", ensembles=ensembles)
            build_report(results, index, folder / "figures", folder, ensembles=ensembles)
        write_manifest(folder, scenarios=[{"name": s.name, "content_hash": s.content_hash,
                                           "source": Path(s.source).name} for s in scenarios],
                       seed=seed if draws else None, draws=draws or None)

    return write_folder_atomically(out, fill, force=force, say=say)


WORKBOOK_YEARS = (2020, 2025, 2030, 2035, 2040, 2050)


def workbook_sheets(results: Sequence[Result], combined: pd.DataFrame) -> tuple[dict, dict]:
    """Planner sheets: gaps (selected years, wide), shortfalls, indicators, summary, checks."""
    names = regions().set_index("region")["name_en"].to_dict() | {area_code(): "Dali prefecture"}
    gaps = pd.concat([r.gaps for r in results], ignore_index=True)
    gaps = gaps[gaps["year"].isin(WORKBOOK_YEARS)]
    gap_wide = gaps.pivot_table(index=["scenario", "region", "service", "basis"], columns="year", values="gap",
                                sort=True).reset_index()
    gap_wide.columns = [c if isinstance(c, str) else f"gap_{c} [places]" for c in gap_wide.columns]
    gap_wide.insert(2, "county", gap_wide["region"].map(names))
    indicators = pd.concat([r.indicators for r in results], ignore_index=True)
    indicators = indicators[indicators["year"].isin(WORKBOOK_YEARS)].assign(county=lambda t: t["region"].map(names))
    shortfalls = pd.concat([r.shortfalls for r in results], ignore_index=True).assign(
        county=lambda t: t["region"].map(names))
    sheets = {
        "gaps": gap_wide,
        "shortfalls": shortfalls,
        "indicators": indicators,
        "population_summary": wide_summary(combined),
        "unit_costs": results[0].unit_costs,
        "plan_checks": results[0].checks,
        "official_statistics": pd.concat([comparison_table(r) for r in results], ignore_index=True),
    }
    notes = {
        "gaps": "Gap = demand - capacity [beds or places]; positive = shortfall. Bases: norm (the plan's ratios) and "
                f"uptake (need x observed take-up / occupancy). {area_code()} = prefecture (county surpluses offset shortfalls).",
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


def probability_sheet(ensembles) -> pd.DataFrame:
    names = regions().set_index("region")["name_en"].to_dict() | {area_code(): "Dali prefecture"}
    table = pd.concat([e.gap_probabilities() for e in ensembles], ignore_index=True)
    table = table[table["year"].isin(WORKBOOK_YEARS)]
    return table.assign(county=table["region"].map(names))


def raise_duplicate(scenario: Scenario, other: str) -> None:
    from .errors import OloyInputError

    raise OloyInputError(f"{scenario.source}: scenario name {scenario.name!r} is also used by {other}; "
                         "names must be unique in one run (without regard to case)")
