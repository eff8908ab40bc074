"""The outputs of ``oloy run --area CODE``: tables, workbook, figures and report of any area.

The bundled area (Dali) keeps its own output set (:mod:`oloy_model.runner`); another area
writes, per scenario, the projection and planning tables (empty gap tables without a capacity
ledger) and the comparison of its regions; on top, ``comparison_all_scenarios.csv``,
``oloy_results.xlsx``, the figures of :mod:`oloy_model.reporting.area_figures`,
``report.md`` / ``report.html`` and ``NOTE.md``. Names come from the data: the Chinese name of
every region from the national census table [source: nbs2020_county_china]; English names
only where bundled (Dali's counties), else empty.
"""
from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from ..base.hierarchy import area_code, area_level, hierarchy
from ..base.national import national_regions
from ..base.norms import national_norms
from ..base.resources import read_bundled
from ..demography.area_mortality import LABEL
from ..demography.assumptions import e0_base_estimated, resolve
from ..planning.result import Result
from .area_figures import area_figure_jobs, area_label
from .comparison import area_comparison
from .digest import region_names
from .output import write_csv, write_scenario_json
from .render import render_all
from .summary import summary_table
from .workbook import readme_sheet, with_region_names, write_workbook

TABLES = ("population", "births", "deaths", "net_migration", "assumptions")
RESULT_TABLES = ("demand", "ledger", "capacity", "gaps", "shortfalls", "indicators")
YEARS = (2020, 2025, 2030, 2035, 2040, 2050)


def area_region_names(area: str | None) -> pd.DataFrame:
    """``[region, region_name_zh, region_name_en]`` of every region of the area's tree: Chinese
    names from the national table, English where bundled (Dali's), else empty."""
    codes = hierarchy(area)["region"]
    zh = national_regions(2020).set_index("region")["name_zh"]
    en = region_names().set_index("region")["region_name_en"]
    return pd.DataFrame({"region": codes, "region_name_zh": codes.map(zh).fillna(""),
                         "region_name_en": codes.map(en).fillna("")})


def mortality_line(result: Result) -> str:
    """How the scenario's mortality level was set (estimated default or stated)."""
    a = resolve(result.scenario)
    label = LABEL if e0_base_estimated(a) else "set in the scenario (mortality.e0_base)"
    return f"{result.scenario.name}: e0 {a.mortality.e0_base:.2f} years in {a.projection.base_year}, {label}"


def write_area_scenario(result: Result, folder: Path, names: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One scenario's tables into ``folder``; returns its summary and comparison tables."""
    for name in TABLES:
        write_csv(with_region_names(getattr(result.projection, name), names), folder / f"{name}.csv")
    for name in RESULT_TABLES:
        write_csv(with_region_names(getattr(result, name), names), folder / f"{name}.csv")
    summary = summary_table(result.projection)
    write_csv(with_region_names(summary, names), folder / "summary.csv")
    comparison = area_comparison(result)
    write_csv(comparison, folder / "comparison.csv")
    (folder / "notes.md").write_text("".join(f"- {note}\n" for note in result.notes), encoding="utf-8")
    a = resolve(result.scenario)
    write_scenario_json(result.scenario, folder, area_values={
        "projection.area": a.projection.area, "mortality.e0_base": a.mortality.e0_base,
        "migration.basis": a.migration.basis})
    return summary, comparison


def demand_overview(results: Sequence[Result], area: str | None) -> pd.DataFrame:
    """The area's demand by scenario, service and basis in :data:`YEARS` (wide)."""
    code = area_code(area)
    frames = []
    for result in results:
        demand = result.demand.groupby(["scenario", "year", "service", "basis"], as_index=False)["demand"].sum()
        frames.append(demand[demand["year"].isin(YEARS)].assign(region=code))
    table = pd.concat(frames, ignore_index=True)
    wide = table.pivot_table(index=["scenario", "region", "service", "basis"], columns="year", values="demand",
                             sort=False).reset_index()
    wide.columns = [f"demand_{c}" if isinstance(c, int) else c for c in wide.columns]
    return wide


ENSEMBLE_YEARS = (2025, 2026, 2027, 2028, 2029, 2030, 2035, 2040, 2050)  # the next plan year by year, then 5-yearly


def ensemble_sheets(ensembles: Sequence, comparisons: Sequence[pd.DataFrame]) -> tuple[dict, dict]:
    """Sheets of the ensemble summaries (:class:`oloy_model.uncertainty.summary.Summary`): the
    area and the regions one level below it (those of the comparison), selected years."""
    if not ensembles:
        return {}, {}
    shown = set(pd.concat(comparisons)["region"].astype(str)) | {ensembles[0].regions[-1]}

    def select(table: pd.DataFrame) -> pd.DataFrame:
        return table[table["region"].isin(shown) & table["year"].isin(ENSEMBLE_YEARS)].reset_index(drop=True)

    draws = f"{ensembles[0].draws:,} draws, seed {ensembles[0].seed}"
    sheets = {"uncertainty": pd.concat([select(e.quantiles()) for e in ensembles], ignore_index=True)}
    notes = {"uncertainty": f"Quantiles of projected totals [persons] for the area and the regions one level below "
                            f"it ({draws}; every county in each scenario's quantiles.csv)."}
    with_capacity = [e for e in ensembles if e.has_capacity]
    if with_capacity:
        sheets["shortfall_probability"] = pd.concat([select(e.gap_probabilities()) for e in with_capacity],
                                                    ignore_index=True)
        notes["shortfall_probability"] = (f"Probability that demand exceeds the ledger's capacity (and by more than the "
                                          f"threshold), with gap quantiles [places] ({draws}; every county in "
                                          "gap_probabilities.csv). Regions whose capacity is not stated are absent.")
    return sheets, notes


def area_sheets(results: Sequence[Result], summaries, comparisons, ensembles: Sequence = ()) -> tuple[dict, dict]:
    """Workbook sheets and their notes."""
    notes_text = [f"{r.scenario.name}: {note}" for r in results for note in r.notes] + [mortality_line(r)
                                                                                         for r in results]
    area = resolve(results[0].scenario).projection.area
    sheets = {"summary": pd.DataFrame({"说明 Notes": notes_text}),
              "comparison": pd.concat(comparisons, ignore_index=True),
              "demand": demand_overview(results, area),
              "gaps": pd.concat([r.gaps for r in results], ignore_index=True),
              "shortfalls": pd.concat([r.shortfalls for r in results], ignore_index=True),
              "indicators": pd.concat([r.indicators for r in results], ignore_index=True),
              "population_summary": pd.concat(summaries, ignore_index=True)}
    notes = {"summary": "What this area runs on (national norms), what is absent (no capacity ledger) and how the "
                        "mortality level was set.",
             "comparison": "Every region one level below the area, ranked by the 2020 share aged 60+ "
                           "(oloy_model.reporting.comparison).",
             "demand": "The area's demand [beds or places] by service and basis (norm: national norms; uptake).",
             "gaps": "Gap = demand - capacity; empty without a capacity ledger (never against zero capacity).",
             "shortfalls": "First shortfall year, place-years short, peak gap; empty without a ledger.",
             "indicators": "Indicators against the national 2025 targets; empty without a ledger.",
             "population_summary": "Population by age band [persons] and flows [per year] by region and year."}
    extra_sheets, extra_notes = ensemble_sheets(ensembles, comparisons)
    return sheets | extra_sheets, notes | extra_notes


NOTE = """# {title}: 一老一小 projection, demand and gaps

{notes}

- Mortality level: {mortality}.
- Migration: the 2010-2020 residual on the county crosswalk's stable units (docs/areas.md);
  anchoring to official figures applies only to the bundled area.{closed}
- Areas' totals are the sums of their counties (published rows that differ: docs/areas.md).
- Figures: one panel per region one level below the area (no county maps: no geometry is
  bundled outside Dali); see docs/areas.md.
{ensemble}"""
CLOSED_NOTE = """
  The nation is a closed area: the counties' net migration is balanced to zero in every year,
  sex and age (gains and losses adjusted in proportion to their size; international migration,
  about -0.3 million a year in WPP 2024, is left out; docs/areas.md)."""
ENSEMBLE_NOTE = """- Ensemble: {draws:,} draws, seed {seed}; each scenario folder's `quantiles.csv` holds the
  quantiles of population, ages 0-2, 60+, 80+ and births for every county and upper region
  (quantiles of the summed draws, never sums of quantiles){gaps}. The workbook's `uncertainty`
  (and `shortfall_probability`) sheets show the area and the regions one level below it.
"""


def write_ensemble_tables(summary, folder: Path, names: pd.DataFrame) -> None:
    """``quantiles.csv`` and, with capacity, ``gap_probabilities.csv`` and ``demand_quantiles.csv``."""
    write_csv(with_region_names(summary.quantiles(), names), folder / "quantiles.csv")
    if summary.has_capacity:
        write_csv(with_region_names(summary.gap_probabilities(), names), folder / "gap_probabilities.csv")
        write_csv(with_region_names(summary.demand_quantiles(), names), folder / "demand_quantiles.csv")


def write_note(results: Sequence[Result], folder: Path, *, draws: int = 0, seed: int = 1) -> None:
    area = resolve(results[0].scenario).projection.area
    notes = dict.fromkeys(note for r in results for note in r.notes)  # the same notes once, in order
    gaps = ("; with a ledger, `gap_probabilities.csv` (P(shortfall)) and `demand_quantiles.csv`; without one, "
            "none (no capacity is invented)")
    ensemble = ENSEMBLE_NOTE.format(draws=draws, seed=seed, gaps=gaps) if draws else ""
    closed = CLOSED_NOTE if area_level(area) == "nation" and any(
        resolve(r.scenario).migration.basis != "rates" for r in results) else ""
    text = NOTE.format(title=area_label(area), notes="\n".join(f"- {n}" for n in notes),
                       mortality="; ".join(mortality_line(r) for r in results), ensemble=ensemble, closed=closed)
    (folder / "NOTE.md").write_text(text, encoding="utf-8")


def _md_table(frame: pd.DataFrame) -> str:
    shown = frame.copy()
    for column in shown.columns:
        if pd.api.types.is_float_dtype(shown[column]):
            shown[column] = shown[column].map(lambda v: "" if pd.isna(v) else f"{v:,.1f}")
    lines = ["| " + " | ".join(map(str, shown.columns)) + " |", "|" + "---|" * len(shown.columns)]
    lines += ["| " + " | ".join(map(str, row)) + " |" for row in shown.astype(str).itertuples(index=False)]
    return "\n".join(lines)


AREA_SOURCES = ("nbs2020_county_china", "nbs2010_county_china")


def area_sources() -> pd.DataFrame:
    """The sources an area run rests on: the national census tables, the national norms and the
    uptake parameters (rows of ``data/sources.csv``)."""
    ids = list(AREA_SOURCES) + list(national_norms()["source"]) + list(read_bundled("plan/demand_parameters.csv")["source"])
    table = read_bundled("sources.csv").set_index("source_id")
    keep = [i for i in dict.fromkeys(ids) if i in table.index]
    return table.loc[keep, ["citation", "location", "quality"]].reset_index()


def write_report(results: Sequence[Result], comparisons, figure_index: pd.DataFrame | None, folder: Path) -> None:
    """``report.md`` and a self-contained-enough ``report.html`` (figures linked from ``figures/``)."""
    area = resolve(results[0].scenario).projection.area
    title = f"{area_label(area)}: 一老一小 projection, demand and gaps"
    overview = demand_overview(results, area)
    md = [f"# {title}", "", (folder / "NOTE.md").read_text(encoding="utf-8").split("\n", 2)[2], "",
          "## Demand (area total)", "", _md_table(overview), ""]
    body = [f"<h1>{html.escape(title)}</h1>", "<pre>" + html.escape((folder / "NOTE.md").read_text(encoding="utf-8"))
            + "</pre>", "<h2>Demand (area total)</h2>", overview.to_html(index=False, float_format="{:,.1f}".format)]
    for result, comparison in zip(results, comparisons):
        shown = comparison.drop(columns=[c for c in comparison.columns if c.startswith("rank_")])
        md += [f"## Comparison of regions — {result.scenario.name}", "", _md_table(shown), ""]
        body += [f"<h2>Comparison of regions — {html.escape(result.scenario.name)}</h2>",
                 shown.to_html(index=False, float_format="{:,.1f}".format)]
    if figure_index is not None and len(figure_index):
        md += ["## Figures", ""]
        body.append("<h2>Figures</h2>")
        for row in figure_index.itertuples():
            png = f"figures/{row.folder}/{row.figure}.png"
            md.append(f"![{row.title}]({png})")
            body.append(f'<figure><img src="{html.escape(png)}" style="max-width:100%"><figcaption>'
                        f"{html.escape(str(row.title))}</figcaption></figure>")
    cited = area_sources()
    md += ["## Sources", "", _md_table(cited), ""]
    body += ["<h2>Sources</h2>", cited.to_html(index=False)]
    (folder / "report.md").write_text("\n".join(md) + "\n", encoding="utf-8")
    page = ('<!DOCTYPE html>\n<html lang="zh"><head><meta charset="utf-8"><title>' + html.escape(title)
            + "</title></head><body>\n" + "\n".join(body) + "\n</body></html>\n")
    (folder / "report.html").write_text(page, encoding="utf-8")


def write_area_outputs(results: Sequence[Result], folder: Path, folders: Sequence[Path], *, figures: bool = True,
                       formats: tuple[str, ...] = ("png",), ensembles: Sequence = ()) -> None:
    """Every output of an area run into ``folder`` (``folders``: one per scenario); ``ensembles``:
    each scenario's :class:`~oloy_model.uncertainty.summary.Summary` when draws were run (their
    CSVs, workbook sheets and note)."""
    area = resolve(results[0].scenario).projection.area
    names = area_region_names(area)
    written = [write_area_scenario(r, f, names) for r, f in zip(results, folders)]
    summaries, comparisons = [s for s, _ in written], [c for _, c in written]
    write_csv(pd.concat(comparisons, ignore_index=True), folder / "comparison_all_scenarios.csv")
    write_csv(with_region_names(pd.concat(summaries, ignore_index=True), names), folder / "summary_all_scenarios.csv")
    sheets, notes = area_sheets(results, summaries, comparisons, ensembles)
    write_workbook(folder / "oloy_results.xlsx", sheets, notes, names=names)
    write_csv(readme_sheet(sheets, notes), folder / "columns.csv")
    for summary, scenario_folder in zip(ensembles, folders):
        write_ensemble_tables(summary, scenario_folder, names)
    draws, seed = (ensembles[0].draws, ensembles[0].seed) if ensembles else (0, 1)
    write_note(results, folder, draws=draws, seed=seed)
    index = None
    if figures:
        rows = render_all(area_figure_jobs(results), results, (), folder / "figures", formats)
        index = pd.DataFrame(rows)
        write_csv(index, folder / "figures" / "index.csv")
    write_report(results, comparisons, index, folder)
