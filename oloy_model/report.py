"""The review report: a self-contained HTML file (images embedded) and a Markdown twin.

Per scenario: headline shortfall tables by county (2025, 2030, 2035), the plan indicators,
the figures, the assumptions with their sources and quality flags, the plan's own
inconsistencies and the provenance (version, scenario hash, data checksum). No timestamps:
the same inputs give byte-identical files.
"""
from __future__ import annotations

import base64
import html
import re
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from . import __version__
from .citations import cited_source_ids, source_ids
from .figures import SERVICE_LABELS, county_names
from .hierarchy import area_code
from .resources import data_checksum, read_bundled
from .result import Result

HEADLINE_YEARS = (2025, 2030, 2035)
CSS = """body{font-family:"Noto Sans CJK SC","Noto Sans SC","Microsoft YaHei",sans-serif;margin:2em;max-width:1200px;color:#222}
table{border-collapse:collapse;margin:0.5em 0 1.5em;font-size:0.85em}th,td{border:1px solid #ccc;padding:3px 6px;text-align:right}
th{background:#f2f2f2}td:first-child,th:first-child{text-align:left}img{max-width:100%;border:1px solid #eee;margin:0.5em 0}
.short{color:#b2182b;font-weight:bold}.note{color:#555;font-size:0.9em}"""


def headline_table(result: Result, service: str, basis: str) -> pd.DataFrame:
    """Gap by county in the headline years (positive = shortfall) [places]."""
    gaps = result.gaps
    cell = gaps[(gaps["service"] == service) & (gaps["basis"] == basis) & gaps["year"].isin(HEADLINE_YEARS)]
    wide = cell.pivot_table(index="region", columns="year", values="gap", sort=True)
    names = county_names()
    wide.index = [f"{names[r]} {r}" for r in wide.index]
    wide.columns = [f"{c}" for c in wide.columns]
    return wide.round(0)


def indicator_table(result: Result) -> pd.DataFrame:
    table = result.indicators
    cell = table[(table["region"] == area_code()) & table["year"].isin((2020,) + HEADLINE_YEARS)]
    wide = cell.pivot_table(index=["indicator", "unit", "target"], columns="year", values="value", sort=True)
    wide.columns = [str(c) for c in wide.columns]
    return wide.round(2).reset_index()


def probability_table(ensemble) -> pd.DataFrame:
    """P(shortfall) by county, service and basis in the headline years."""
    table = ensemble.gap_probabilities()
    cell = table[table["year"].isin(HEADLINE_YEARS)]
    wide = cell.pivot_table(index=["region", "service", "basis"], columns="year", values="p_shortfall", sort=True)
    wide.columns = [f"P {c}" for c in wide.columns]
    names = county_names()
    wide = wide.reset_index()
    wide.insert(0, "county", wide.pop("region").map(lambda r: f"{names[r]} {r}"))
    return wide.round(2)


def assumptions_table(result: Result) -> pd.DataFrame:
    """Every scenario value, plus the demand parameters with source and quality."""
    values = pd.DataFrame({"key": list(result.scenario.values), "value": [str(v) for v in result.scenario.values.values()]})
    values = values[~values["key"].isin(["scenario.description", "scenario.rationale"])]
    values["value"] = values["value"].str.replace(r"^/.*/", "", regex=True)  # file names, not local paths
    return values.reset_index(drop=True)


def sources_table() -> pd.DataFrame:
    parameters = read_bundled("plan/demand_parameters.csv")[["parameter", "value", "unit", "source", "quality"]]
    return parameters


# The bundled tables a run reads (projection, demand, capacity, plan checks, backtest): their
# source ids belong in the appendix. tests/test_citations.py checks the list against the code.
RUN_TABLES = ("census7/population_by_age_group.csv", "census7/regions.csv", "census6/population_by_age_group.csv",
              "census6/indicators.csv", "wpp2024/tfr.csv", "wpp2024/asfr_percent5.csv", "wpp2024/mx5.csv",
              "wpp2024/e0.csv", "wpp2019/population5.csv", "plan/plan_figures.csv", "plan/demand_parameters.csv")
SOURCE_COLUMNS = ["citation", "location", "version", "licence", "quality"]


def cited_sources_table(results: Sequence[Result]) -> pd.DataFrame:
    """Every source the report rests on, with its entry in ``data/sources.csv``.

    The ids cited ``[source: <id>]`` in the rationales of the scenarios shown, then those of the
    bundled tables the run read (:data:`RUN_TABLES`), in order of first mention; ``used_by``
    says where each comes from. An id missing from ``sources.csv`` is listed as such.
    """
    used: dict[str, dict[str, list[str]]] = {}
    for result in results:
        for sid in cited_source_ids(result.scenario["scenario.rationale"]):
            used.setdefault(sid, {"rationale": [], "data": []})["rationale"].append(result.scenario.name)
    for table in RUN_TABLES:
        for sid in dict.fromkeys(s for cell in read_bundled(table)["source"].dropna() for s in source_ids(str(cell))):
            used.setdefault(sid, {"rationale": [], "data": []})["data"].append(table)
    known = read_bundled("sources.csv").set_index("source_id")[SOURCE_COLUMNS].fillna("")
    rows = []
    for sid, where in used.items():
        entry = known.loc[sid].tolist() if sid in known.index else ["not in data/sources.csv", "", "", "", ""]
        used_by = "; ".join(f"{kind}: {', '.join(names)}" for kind, names in where.items() if names)
        rows.append([sid, *entry, used_by])
    return pd.DataFrame(rows, columns=["source_id", *SOURCE_COLUMNS, "used_by"])


def sources_appendix(results: Sequence[Result]) -> tuple[list[str], list[str]]:
    """The report's closing sections (HTML parts, Markdown lines): demand parameters with their
    source, then every source cited or used (:func:`cited_sources_table`)."""
    parameters, cited = sources_table(), cited_sources_table(results)
    parameters_title = "参数来源 Demand parameters: sources and quality"
    cited_title = "来源 Sources: citation, location, licence and quality"
    cited_note = ("Every source cited [source: <id>] in the scenarios' rationales above, and every source of the bundled "
                  "data this run read (data/sources.csv).")
    html_parts = [f"<h2>{parameters_title}</h2>", _table_html(parameters), f"<h2>{cited_title}</h2>",
                  f"<p class='note'>{html.escape(cited_note)}</p>", _table_html(cited)]
    md = [f"## {parameters_title}", "", _table_md(parameters), "", f"## {cited_title}", "", cited_note, "",
          _table_md(cited), ""]
    return html_parts, md


def estimates_tables() -> list[tuple[str, pd.DataFrame]]:
    """The model's own estimates from the census data, for audit (method in docs/methods.md)."""
    from . import estimates

    tfr = estimates.fertility_estimates()
    tfr = tfr[tfr["region"] == area_code()][["census_year", "years_before", "births", "tfr", "wpp_china_tfr",
                                          "ratio_to_china"]].round(3)
    multipliers = estimates.county_tfr_multipliers().round(3).rename_axis("region").reset_index()
    names = county_names()
    multipliers.insert(1, "county", multipliers["region"].map(names))
    migration = estimates.migration_estimates()
    summary = pd.DataFrame({"item": list(migration["summary"]), "value": list(migration["summary"].values())}).round(0)
    by_county = migration["residual"].groupby("region", as_index=False)["residual"].sum().round(0)
    by_county.insert(1, "county", by_county["region"].map(names))
    return [
        ("模型估计 Estimates: prefecture TFR by reverse survival of census children (years before each census)", tfr),
        ("模型估计 Estimates: county TFR multipliers (2015-2020, before renormalisation)", multipliers),
        ("模型估计 Estimates: 2010-2020 net migration (census cohort residual) beside the published change", summary),
        ("模型估计 Estimates: 2010-2020 net migration by county (persons surviving to 2020)", by_county),
    ]


def official_section(results: Sequence[Result]) -> tuple[str, str, list[tuple[str, pd.DataFrame]]]:
    """Caption, the anchoring paragraph and tables: official figures beside the baseline, and
    the baseline before and after anchoring (computed, with the same scenario not anchored)."""
    from .official import change_paragraph, change_table, comparison_table, unanchored

    anchored = [r for r in results  # anchoring switched on and something to scale (not zero_migration)
                if (r.projection.assumptions["quantity"] == "migration_anchor").any()]
    shown = next((r for r in anchored if r.scenario.name == "baseline"), anchored[0] if anchored else results[0])
    comparison = comparison_table(shown).drop(columns=["scenario"])
    comparison = comparison.round({"model": 0, "error": 0, "error_pct": 2})
    caption = (f"官方统计对照 Official statistics beside the model ({shown.scenario.name}): the model's value at the same "
               "moment (31 December stocks, calendar-year flows, interpolated from 1 November) and basis; error = "
               "model − observed [persons, %]; registered-basis rows (户籍) are shown but not comparable.")
    tables = [("官方统计 Official figures beside the model", comparison)]
    if not anchored:
        return caption, "No scenario in this run is anchored to the official figures (migration.anchor = 'none').", tables
    changes = change_table(unanchored(shown), shown)
    tables.append(("锚定前后 The baseline before (2010-2020 migration continued) and after anchoring, prefecture",
                   changes.round({"previous": 0, "anchored": 0, "change": 0, "change_pct": 2})))
    return caption, change_paragraph(changes, shown), tables


def _image_html(path: Path) -> str:
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f'<img alt="{html.escape(path.stem)}" src="data:image/png;base64,{data}">'


def _figures_for(index: pd.DataFrame, folder: str) -> list[tuple[str, str]]:
    rows = index[index["folder"] == folder]
    return [(row.figure, row.title) for row in rows.itertuples()]


def _number(value: float) -> str:
    if pd.isna(value):
        return ""
    return f"{value:,.0f}" if float(value).is_integer() or abs(value) >= 1000 else f"{value:,.2f}"


def _table_html(frame: pd.DataFrame) -> str:
    return frame.to_html(index=False, border=0, na_rep="", float_format=_number)


def _mark_shortfalls(table_html: str) -> str:
    """Show positive gaps (shortfalls) in red."""
    return re.sub(r"<td>([1-9][\d,]*(?:\.\d+)?)</td>", r"<td class='short'>\1</td>", table_html)


def _table_md(frame: pd.DataFrame) -> str:
    header = "| " + " | ".join(str(c) for c in frame.columns) + " |"
    rule = "|" + "---|" * len(frame.columns)

    def cell(value) -> str:
        return _number(value) if isinstance(value, float) else str(value).replace("|", "/")

    body = ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([header, rule, *body])


def embedded_font_css(text: str) -> str:
    """An @font-face rule with the CJK font subset to the characters of ``text`` (base64 WOFF).

    Browsers on machines without a Chinese font then still render the report's text. The
    subset (fontTools, which matplotlib already depends on) keeps the file small.
    """
    import io

    from fontTools import subset
    from fontTools.ttLib import TTFont

    from .style import cjk_font_path

    options = subset.Options()
    options.flavor = "woff"
    options.name_IDs = ["*"]
    options.notdef_outline = True
    font = TTFont(str(cjk_font_path()), recalcTimestamp=False)  # no save time: reproducible bytes
    subsetter = subset.Subsetter(options)
    subsetter.populate(text="".join(sorted(set(text))))
    subsetter.subset(font)
    buffer = io.BytesIO()
    font.flavor = "woff"
    font.save(buffer, reorderTables=True)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return ("@font-face{font-family:'OloyCJK';src:url(data:font/woff;base64," + data + ") format('woff');}"
            "body{font-family:'OloyCJK','Noto Sans CJK SC',sans-serif}")


PROBABILITY_TEXT = (
    "What a probability of shortfall means: out of many equally likely futures drawn from the uncertainty in "
    "fertility, mortality, migration and take-up (fitted to past variation, or assumed where no data exist), the "
    "share in which demand exceeds the capacity in the ledger. 0.8 means a shortfall in 8 of 10 futures. It "
    "leaves out: errors in the base population and in the model's structure, a different capacity than planned "
    "(the ledger is held fixed), changes of policy or norms not in the scenario, and shocks larger than those of "
    "the fitting period. Read it as 'how robust is this plan to ordinary uncertainty', not as a forecast of odds.")


def build_report(results: Sequence[Result], figure_index: pd.DataFrame, figure_folder: Path,
                 out_folder: Path, ensembles: Sequence = ()) -> tuple[Path, Path]:
    """Write ``report.html`` (self-contained) and ``report.md`` into ``out_folder``."""
    html_parts = [f"<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'><title>大理州一老一小 Dali One Old One Young — review report</title><style>{CSS}</style></head><body>"]
    md = ["# 大理州“一老一小”供需缺口预测 Dali \"One Old, One Young\" capacity-and-gap review", ""]
    html_parts.append("<h1>大理州“一老一小”供需缺口预测<br>Dali &ldquo;One Old, One Young&rdquo; capacity-and-gap review</h1>")
    provenance = pd.DataFrame({"scenario": [r.scenario.name for r in results],
                               "content_hash": [r.scenario.content_hash for r in results]})
    intro = (f"oloy_model {__version__}; bundled data checksum {data_checksum()}. Population at 1 November of each year; "
             "gap = demand − capacity (positive = shortfall). Norm = the plan's ratios; uptake = need × observed "
             "take-up ÷ occupancy. County splits of the plan's capacity are estimates (the project lists are not public).")
    html_parts += [f"<p class='note'>{html.escape(intro)}</p>", _table_html(provenance)]
    md += [intro, "", _table_md(provenance), ""]
    caption, paragraph, official_tables = official_section(results)
    html_parts += ["<h2>官方统计与锚定 Official statistics and the anchored baseline</h2>",
                   f"<p class='note'>{html.escape(caption)}</p>", f"<p>{html.escape(paragraph)}</p>"]
    md += ["## 官方统计与锚定 Official statistics and the anchored baseline", "", caption, "", paragraph, ""]
    for title, table in official_tables:
        html_parts += [f"<h3>{html.escape(title)}</h3>", _table_html(table)]
        md += [f"### {title}", "", _table_md(table), ""]
    html_parts.append("<h2>全部情景 All scenarios</h2>")
    md += ["## 全部情景 All scenarios", ""]
    for name, title in _figures_for(figure_index, "all"):
        html_parts += [f"<h3>{html.escape(title)}</h3>", _image_html(figure_folder / "all" / f"{name}.png")]
        md += [f"### {title}", "", f"![{name}](figures/all/{name}.png)", ""]
    for result in results:
        name = result.scenario.name
        html_parts.append(f"<h2>情景 Scenario: {html.escape(name)}</h2>")
        html_parts.append(f"<p>{html.escape(result.scenario['scenario.description'])}</p>")
        html_parts.append(f"<p class='note'>{html.escape(result.scenario['scenario.rationale'])}</p>")
        md += [f"## 情景 Scenario: {name}", "", result.scenario["scenario.description"], "",
               f"*{result.scenario['scenario.rationale']}*", ""]
        for service, label in SERVICE_LABELS.items():
            for basis in ("norm", "uptake"):
                table = headline_table(result, service, basis).reset_index(names="county")
                caption = f"{label} — gap ({basis}), places; positive = shortfall"
                html_parts += [f"<h3>{html.escape(caption)}</h3>", _mark_shortfalls(_table_html(table))]
                md += [f"### {caption}", "", _table_md(table), ""]
        indicators = indicator_table(result)
        html_parts += ["<h3>规划指标 Plan indicators (prefecture)</h3>", _table_html(indicators)]
        md += ["### 规划指标 Plan indicators (prefecture)", "", _table_md(indicators), ""]
        for figure, title in _figures_for(figure_index, name):
            html_parts += [f"<h3>{html.escape(title)}</h3>", _image_html(figure_folder / name / f"{figure}.png")]
            md += [f"### {title}", "", f"![{figure}](figures/{name}/{figure}.png)", ""]
        ensemble = next((e for e in ensembles if e.scenario.name == name), None)
        if ensemble is not None:
            table = probability_table(ensemble)
            caption = (f"短缺概率 Probability of a shortfall, {ensemble.draws} draws (seed {ensemble.seed}); "
                       f"prefecture and counties, {', '.join(map(str, HEADLINE_YEARS))}")
            html_parts += [f"<h3>{html.escape(caption)}</h3>", f"<p class='note'>{html.escape(PROBABILITY_TEXT)}</p>",
                           _table_html(table)]
            md += [f"### {caption}", "", PROBABILITY_TEXT, "", _table_md(table), ""]
        html_parts += ["<h3>假设 Assumptions (scenario values)</h3>", _table_html(assumptions_table(result))]
        md += ["### 假设 Assumptions (scenario values)", "", _table_md(assumptions_table(result)), ""]
    for caption, table in estimates_tables():
        html_parts += [f"<h3>{html.escape(caption)}</h3>", _table_html(table)]
        md += [f"### {caption}", "", _table_md(table), ""]
    from .backtest import backtest

    tables = backtest()
    backtest_text = ("The 2010 census projected to 2020 with 2010 information only (fertility and mortality from the 2010 "
                     "census-year rates and WPP trends; rule 'none': no net migration), compared with the 2020 census; "
                     "rule 'observed' adds the 2010-2020 migration estimated from both censuses, to show which component "
                     "dominated. Percentage errors over the 12 counties.")
    measures = tables["measures"][["rule", "band", "n", "mean_pe", "mape", "median_ape", "wmape",
                                   "share_ape_under_1pct", "share_ape_under_5pct"]]
    html_parts += ["<h2>回溯检验 Backtest 2010 → 2020</h2>", f"<p class='note'>{html.escape(backtest_text)}</p>",
                   _table_html(measures), _table_html(tables["assumptions"])]
    md += ["## 回溯检验 Backtest 2010 → 2020", "", backtest_text, "", _table_md(measures), "",
           _table_md(tables["assumptions"]), ""]
    checks = results[0].checks
    html_parts += ["<h2>规划数据一致性 Inconsistencies in the plan's figures</h2>", _table_html(checks)]
    md += ["## 规划数据一致性 Inconsistencies in the plan's figures", "", _table_md(checks), ""]
    appendix_html, appendix_md = sources_appendix(results)
    html_parts += appendix_html
    md += appendix_md
    html_parts.append("</body></html>")
    page = "\n".join(html_parts) + "\n"
    page = page.replace("</style></head>", embedded_font_css(page) + "</style></head>", 1)
    html_path, md_path = out_folder / "report.html", out_folder / "report.md"
    html_path.write_text(page, encoding="utf-8")
    md_path.write_text("\n".join(md) + "\n", encoding="utf-8")
    return html_path, md_path
