"""The review report: a self-contained HTML file (images, font and script embedded) and a Markdown twin.

It opens with the answer (:mod:`oloy_model.reporting.digest`: what is short, where, from when, by how
much, at what cost; Chinese first) and a comparison of the scenarios. Then, per scenario (in
HTML one at a time, chosen with buttons, as is the basis): gap tables by county (2025, 2030,
2035), the plan indicators, the figures, the assumptions. The appendix holds the provenance
(version, scenario hashes, data checksum), the model's estimates, the backtest, the plan's
own inconsistencies and the sources. No timestamps: the same inputs give byte-identical files.
"""
from __future__ import annotations

import base64
import hashlib
import html
import re
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from ..base.citations import cited_source_ids, source_ids
from ..base.hierarchy import area_code
from ..base.resources import data_checksum, read_bundled
from ..base.version import __version__
from ..demography import local_estimates as estimates
from ..demography.assumptions import resolve
from ..planning.result import Result
from ..review.backtest import backtest
from ..review.official import change_paragraph, change_table, comparison_table, unanchored
from .digest import (
    BASES,
    BASIS_READING,
    county_digest,
    no_negative_zero,
    reference_result,
    region_names,
    scenario_comparison,
    SERVICES,
    summary_sentences,
    whole,
)
from .figures import AREA_EN, AREA_ZH, county_names, SERVICE_LABELS
from .style import cjk_font_path

HEADLINE_YEARS = (2025, 2030, 2035)
CSS = """body{font-family:"Noto Sans CJK SC","Noto Sans SC","Microsoft YaHei",sans-serif;margin:2em;max-width:1200px;color:#222}
table{border-collapse:collapse;margin:0.5em 0 1.5em;font-size:0.85em}th,td{border:1px solid #ccc;padding:3px 6px;text-align:right}
th{background:#f2f2f2}td:first-child,th:first-child{text-align:left}img,svg.figure{max-width:100%;border:1px solid #eee;margin:0.5em 0}
svg.figure{height:auto;display:block}
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
# source ids belong in the appendix. tests/base/test_citations.py checks the list against the code.
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
        for sid in cited_source_ids(resolve(result.scenario).scenario.rationale):
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


class EmbeddedImages:
    """The report's figures, each distinct image embedded once.

    A figure shared by several scenarios (the same bytes in each folder, see
    :mod:`oloy_model.reporting.render`) is stored once in a hidden SVG ``<defs>`` and shown with
    ``<use>`` wherever it appears (no script needed); an image used once stays an ``<img>``.
    :meth:`html` returns a placeholder, :meth:`finish` puts the markup in.
    """

    def __init__(self) -> None:
        self._paths: dict[str, Path] = {}
        self._uses: dict[str, int] = {}

    def html(self, path: Path) -> str:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
        self._paths.setdefault(digest, path)
        self._uses[digest] = self._uses.get(digest, 0) + 1
        return f"\x00img:{digest}:{html.escape(path.stem)}\x00"

    def finish(self, page: str) -> str:
        from PIL import Image

        shared = [d for d, uses in self._uses.items() if uses > 1]
        sizes = {d: Image.open(self._paths[d]).size for d in shared}

        def markup(match: re.Match) -> str:
            digest, alt = match.group(1), match.group(2)
            if digest not in sizes:  # used once: an <img>, alt = the file's stem
                return _image_html(self._paths[digest])
            width, height = sizes[digest]
            return (f'<svg class="figure" role="img" aria-label="{alt}" width="{width}" height="{height}" '
                    f'viewBox="0 0 {width} {height}"><use href="#img-{digest}"/></svg>')

        page = re.sub("\x00img:([0-9a-f]+):([^\x00]*)\x00", markup, page)
        defs = "".join(f'<image id="img-{d}" width="{sizes[d][0]}" height="{sizes[d][1]}" href="data:image/png;base64,'
                       f'{base64.b64encode(self._paths[d].read_bytes()).decode("ascii")}"/>' for d in shared)
        if defs:
            hidden = f'<svg width="0" height="0" style="position:absolute" aria-hidden="true"><defs>{defs}</defs></svg>'
            page = page.replace("<body>", "<body>" + hidden, 1)
        return page


def _figures_for(index: pd.DataFrame, folder: str) -> list[tuple[str, str]]:
    rows = index[index["folder"] == folder]
    return [(row.figure, row.title) for row in rows.itertuples()]


def _number(value: float) -> str:
    if pd.isna(value):
        return ""

    return no_negative_zero(f"{value:,.0f}" if float(value).is_integer() or abs(value) >= 1000 else f"{value:,.2f}")


def _table_html(frame: pd.DataFrame, classes: str | None = None) -> str:
    return frame.to_html(index=False, border=0, na_rep="", float_format=_number, classes=classes)


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

    options = subset.Options()
    options.flavor = "woff"
    options.name_IDs = ["*"]
    options.notdef_outline = True
    # No save time (reproducible bytes); the font's own bounding boxes (recomputing them for the
    # subset reads every glyph outline and takes a quarter of the subsetting time).
    font = TTFont(str(cjk_font_path()), recalcTimestamp=False, recalcBBoxes=False)
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


NAVIGATION_JS = """(function(){
var picked={scenario:null,basis:'norm'};
function show(){
  document.querySelectorAll('section.scenario').forEach(function(s){s.hidden=s.dataset.scenario!==picked.scenario;});
  document.querySelectorAll('.basis').forEach(function(d){d.hidden=d.dataset.basis!==picked.basis;});
  document.querySelectorAll('button[data-pick]').forEach(function(b){
    var on=picked[b.dataset.pick]===b.dataset.value; b.className=on?'on':''; b.setAttribute('aria-pressed',on);});
  var label=document.getElementById('showing');
  if(label){label.textContent=picked.scenario+' / '+picked.basis;}
}
document.querySelectorAll('button[data-pick]').forEach(function(b){
  b.addEventListener('click',function(){picked[b.dataset.pick]=b.dataset.value;show();});});
var first=document.querySelector('button[data-pick=scenario]');
if(first){picked.scenario=first.dataset.value;}
show();
})();"""
NAV_CSS = """nav#pick{position:sticky;top:0;background:#fff;border-bottom:2px solid #ddd;padding:0.5em 0;z-index:1}
nav#pick button{font:inherit;margin:0.15em;padding:0.25em 0.7em;border:1px solid #999;background:#f7f7f7;cursor:pointer}
nav#pick button.on{background:#1b1b1b;color:#fff}.en{color:#444}.summary p{margin:0.4em 0}
table.lead td:nth-child(-n+3),table.lead th:nth-child(-n+3){text-align:left}"""


def _gap_text(value: float) -> str:
    """A gap with its sign, '+' = shortfall (the cell is then marked)."""
    if pd.isna(value):
        return ""
    return "0" if round(value) == 0 else f"{value:+,.0f}"


def _year_text(value) -> str:
    return "—" if pd.isna(value) else str(int(value))


def _first_short(row) -> str:
    """'2026 (+55)': the first year short and the gap then."""
    if pd.isna(row["first_shortfall_year"]):
        return "—"
    return f"{int(row['first_shortfall_year'])} ({_gap_text(row['first_shortfall_gap'])})"


def summary_table(digest: pd.DataFrame) -> pd.DataFrame:
    """The summary's county table: per county and service, both bases side by side (text cells)."""
    rows = []
    keyed = digest.set_index(["region", "service", "basis"])
    for region, service in dict.fromkeys(zip(digest["region"], digest["service"])):
        norm, uptake = keyed.loc[(region, service, "norm")], keyed.loc[(region, service, "uptake")]
        row = {"县市 County": f"{norm['region_name_zh']} {norm['region_name_en']}",
               "服务 Service": f"{SERVICES[service][0]} {SERVICES[service][1]}",
               "首次短缺 first short (norm)": _first_short(norm),
               "缺口 gap 2030 (norm)": _gap_text(norm["gap_2030"]), "缺口 gap 2035 (norm)": _gap_text(norm["gap_2035"]),
               "补齐费用 cost 2030 (norm, 万元 10k yuan)": whole(norm["cost_to_close_2030_10k_yuan"]),
               "各情景 2030 range (norm)": f"{_gap_text(norm['gap_2030_lowest'])} … {_gap_text(norm['gap_2030_highest'])}",
               "首次短缺 first short (uptake)": _first_short(uptake),
               "缺口 gap 2030 (uptake)": _gap_text(uptake["gap_2030"]),
               "缺口 gap 2035 (uptake)": _gap_text(uptake["gap_2035"])}
        if digest["p_shortfall_2030"].notna().any():
            row["短缺概率 P(short) 2030 norm / uptake"] = (f"{norm['p_shortfall_2030']:.0%} / "
                                                         f"{uptake['p_shortfall_2030']:.0%}")
        rows.append(row)
    return pd.DataFrame(rows)


def comparison_text_table(comparison: pd.DataFrame) -> pd.DataFrame:
    """The cross-scenario table with signed gaps (text cells)."""
    table = pd.DataFrame({
        "情景 Scenario": comparison["scenario"],
        "服务 Service": comparison["service"].map(lambda s: f"{SERVICES[s][0]} {SERVICES[s][1]}"),
        "口径 Basis": comparison["basis"].map(lambda b: f"{BASES[b][0]} {BASES[b][1]}"),
        "首次短缺 first short": comparison["first_shortfall_year"].map(_year_text)})
    for column in [c for c in comparison.columns if c.startswith("gap_")]:
        table[f"全州缺口 gap {column[4:]}"] = comparison[column].map(_gap_text)
    table["2030年短缺县市 counties short 2030"] = comparison["counties_short_2030"]
    table["补齐费用 cost 2030 (万元 10k yuan)"] = comparison["cost_to_close_2030_10k_yuan"].map(whole)
    return table


def comparison_pivot(comparison: pd.DataFrame) -> pd.DataFrame:
    """Prefecture gap in 2030 and 2035 (signed text), one row per service and basis, one column per scenario."""
    rows = []
    for (service, basis), cell in comparison.groupby(["service", "basis"], sort=False):
        row = {"服务 Service": f"{SERVICES[service][0]} {SERVICES[service][1]}",
               "口径 Basis": f"{BASES[basis][0]} {BASES[basis][1]}"}
        for item in cell.itertuples():
            row[item.scenario] = f"{_gap_text(item.gap_2030)} / {_gap_text(item.gap_2035)}"
        rows.append(row)
    return pd.DataFrame(rows)


def _mark_signed(table_html: str) -> str:
    """Shortfalls (cells starting with '+') in red."""
    return table_html.replace("<td>+", "<td class='short'>+")


def summary_parts(results: Sequence[Result], ensembles: Sequence = ()) -> tuple[list[str], list[str]]:
    """The report's first page (HTML parts, Markdown lines): sentences, norm vs uptake, tables."""
    reference = reference_result(results).scenario.name
    digest, comparison = county_digest(results, ensembles), scenario_comparison(results)
    sentences = summary_sentences(digest, comparison, reference)
    table, compare, pivot = summary_table(digest), comparison_text_table(comparison), comparison_pivot(comparison)
    note = ("缺口 = 需求 − 供给，+ 为短缺；床位或托位。Gap = demand − capacity [beds or places], + = shortfall. "
            f"Counties at a glance: the {reference} scenario; range = lowest … highest 2030 gap over the "
            f"{len(results)} scenario(s) run. Capacity: stock plus the plan's additions to 2025, none planned after.")
    html_parts = ["<section class='summary' id='summary'><h2>摘要 Summary</h2>"]
    md = ["## 摘要 Summary", ""]
    for zh, en in sentences:
        html_parts += [f"<p lang='zh-CN'>{html.escape(zh)}</p>", f"<p class='en' lang='en'>{html.escape(en)}</p>"]
        md += [zh, "", en, ""]
    html_parts.append("<h3>规划标准还是实际利用 Norm or uptake: which to plan with</h3>")
    md += ["### 规划标准还是实际利用 Norm or uptake: which to plan with", ""]
    for zh, en in BASIS_READING:
        html_parts += [f"<p lang='zh-CN'>{html.escape(zh)}</p>", f"<p class='en' lang='en'>{html.escape(en)}</p>"]
        md += [zh, "", en, ""]
    caption = f"县市一览 Counties at a glance ({reference})"
    pivot_note = ("全州缺口 2030 / 2035，+ 为短缺。Prefecture gap in 2030 / 2035 by scenario, + = shortfall; the "
                  "table below adds the first year short, the counties short and the cost.")
    html_parts += [f"<h3>{caption}</h3>", f"<p class='note'>{html.escape(note)}</p>",
                   _mark_signed(_table_html(table, "lead")), "</section>",
                   "<section id='comparison'><h2>情景比较 Scenario comparison (prefecture)</h2>",
                   f"<p class='note'>{html.escape(pivot_note)}</p>", _mark_signed(_table_html(pivot, "lead")),
                   "<details><summary>全部指标 First year short, counties short, cost by scenario</summary>",
                   _mark_signed(_table_html(compare, "lead")), "</details></section>"]
    md += [f"### {caption}", "", note, "", _table_md(table), "", "## 情景比较 Scenario comparison (prefecture)", "",
           pivot_note, "", _table_md(pivot), "", _table_md(compare), ""]
    return html_parts, md


def official_parts(results: Sequence[Result]) -> tuple[list[str], list[str]]:
    """The official statistics beside the model and what anchoring changed (HTML parts, Markdown lines)."""
    caption, paragraph, tables = official_section(results)
    title = "官方统计与锚定 Official statistics and the anchored baseline"
    html_parts = [f"<section id='official'><h2>{title}</h2>", f"<p class='note'>{html.escape(caption)}</p>",
                  f"<p>{html.escape(paragraph)}</p>"]
    md = [f"## {title}", "", caption, "", paragraph, ""]
    for table_title, table in tables:
        html_parts += [f"<h3>{html.escape(table_title)}</h3>", _table_html(table)]
        md += [f"### {table_title}", "", _table_md(table), ""]
    html_parts.append("</section>")
    return html_parts, md


def navigator(results: Sequence[Result]) -> str:
    """Buttons choosing the scenario and the basis shown below (the page works without script too)."""
    scenarios = "".join(f"<button type='button' data-pick='scenario' data-value='{html.escape(r.scenario.name)}'>"
                        f"{html.escape(r.scenario.name)}</button>" for r in results)
    bases = "".join(f"<button type='button' data-pick='basis' data-value='{b}'>{label}</button>"
                    for b, label in (("norm", "规划标准 norm"), ("uptake", "实际利用 uptake")))
    return (f"<nav id='pick'>情景 Scenario: {scenarios} &nbsp; 口径 Basis: {bases} &nbsp; "
            "<span class='note'>showing <span id='showing'></span></span></nav>")


def county_gap_table(result: Result, service: str, basis: str) -> pd.DataFrame:
    """Gap by county in the headline years [places], signed text, with both names."""
    table = headline_table(result, service, basis)
    codes = [label.rsplit(" ", 1)[1] for label in table.index]
    names = region_names().set_index("region")
    out = pd.DataFrame({"县市 County": [f"{names.loc[c, 'region_name_zh']} {names.loc[c, 'region_name_en']}"
                                      for c in codes], "code": codes})
    for column in table.columns:
        out[f"缺口 gap {column}"] = table[column].map(_gap_text).to_numpy()
    return out


def scenario_parts(result: Result, figure_index: pd.DataFrame, figure_folder: Path,
                   ensemble=None, images: EmbeddedImages | None = None) -> tuple[list[str], list[str]]:
    """One scenario's section: tables by basis (HTML shows the chosen basis), indicators, figures."""
    name, text = result.scenario.name, resolve(result.scenario).scenario
    html_parts = [f"<section class='scenario' data-scenario='{html.escape(name)}'>",
                  f"<h2>情景 Scenario: {html.escape(name)}</h2>",
                  f"<p>{html.escape(text.description)}</p>",
                  f"<p class='note'>{html.escape(text.rationale)}</p>"]
    md = [f"## 情景 Scenario: {name}", "", text.description, "",
          f"*{text.rationale}*", ""]
    for basis in ("norm", "uptake"):
        html_parts.append(f"<div class='basis' data-basis='{basis}'>")
        for service, label in SERVICE_LABELS.items():
            table = county_gap_table(result, service, basis)
            caption = f"{label} — 缺口 gap ({basis}), places; + = shortfall"
            html_parts += [f"<h3>{html.escape(caption)}</h3>", _mark_signed(_table_html(table))]
            md += [f"### {caption}", "", _table_md(table), ""]
        if ensemble is not None:
            probabilities = probability_table(ensemble)
            table = probabilities[probabilities["basis"] == basis]
            caption = (f"短缺概率 Probability of a shortfall ({basis}), {ensemble.draws} draws (seed {ensemble.seed}); "
                       f"prefecture and counties, {', '.join(map(str, HEADLINE_YEARS))}")
            html_parts += [f"<h3>{html.escape(caption)}</h3>", f"<p class='note'>{html.escape(PROBABILITY_TEXT)}</p>",
                           _table_html(table)]
            md += [f"### {caption}", "", PROBABILITY_TEXT, "", _table_md(table), ""]
        html_parts.append("</div>")
    indicators = indicator_table(result)
    html_parts += ["<h3>规划指标 Plan indicators (prefecture)</h3>", _table_html(indicators)]
    md += ["### 规划指标 Plan indicators (prefecture)", "", _table_md(indicators), ""]
    for figure, title in _figures_for(figure_index, name):
        path = figure_folder / name / f"{figure}.png"
        html_parts += [f"<h3>{html.escape(title)}</h3>", images.html(path) if images else _image_html(path)]
        md += [f"### {title}", "", f"![{figure}](figures/{name}/{figure}.png)", ""]
    html_parts += ["<h3>假设 Assumptions (scenario values)</h3>", _table_html(assumptions_table(result)), "</section>"]
    md += ["### 假设 Assumptions (scenario values)", "", _table_md(assumptions_table(result)), ""]
    return html_parts, md


def appendix_parts(results: Sequence[Result]) -> tuple[list[str], list[str]]:
    """Provenance (version, data checksum, scenario hashes), estimates, backtest, plan checks, sources."""
    provenance = pd.DataFrame({"scenario": [r.scenario.name for r in results],
                               "content_hash": [r.scenario.content_hash for r in results]})
    intro = (f"oloy_model {__version__}; bundled data checksum {data_checksum()}. Population at 1 November of each year; "
             "gap = demand − capacity (positive = shortfall). Norm = the plan's ratios; uptake = need × observed "
             "take-up ÷ occupancy. County splits of the plan's capacity are estimates (the project lists are not public).")
    html_parts = ["<section id='appendix'><h2>附录 Appendix: provenance</h2>", f"<p class='note'>{html.escape(intro)}</p>",
                  _table_html(provenance)]
    md = ["## 附录 Appendix: provenance", "", intro, "", _table_md(provenance), ""]
    for caption, table in estimates_tables():
        html_parts += [f"<h3>{html.escape(caption)}</h3>", _table_html(table)]
        md += [f"### {caption}", "", _table_md(table), ""]
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
    sources_html, sources_md = sources_appendix(results)
    return html_parts + sources_html + ["</section>"], md + sources_md


def build_report(results: Sequence[Result], figure_index: pd.DataFrame, figure_folder: Path,
                 out_folder: Path, ensembles: Sequence = ()) -> tuple[Path, Path]:
    """Write ``report.html`` (self-contained, one page with a scenario and basis selector) and
    ``report.md`` into ``out_folder``.

    Order: the summary (generated from the gaps, Chinese first), the scenario comparison, the
    official statistics beside the model (and what anchoring the baseline changed), the
    scenarios (in HTML one at a time, chosen with the buttons; all in sequence in Markdown),
    the figures across scenarios, then the appendix (provenance, estimates, backtest, the
    plan's inconsistencies, sources).
    """
    zh, en = html.escape(AREA_ZH), html.escape(AREA_EN)
    title = f"{AREA_ZH}“一老一小”供需缺口预测 {AREA_EN} \"One Old, One Young\" capacity-and-gap review"
    html_parts = [f"<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'><title>{zh}一老一小 {en} One Old One "
                  f"Young — review report</title><style>{CSS}\n{NAV_CSS}</style></head><body>",
                  f"<h1>{zh}“一老一小”供需缺口预测<br>{en} &ldquo;One Old, One Young&rdquo; capacity-and-gap review</h1>"]
    md = [f"# {title}", ""]
    for part_html, part_md in (summary_parts(results, ensembles), official_parts(results)):
        html_parts += part_html
        md += part_md
    html_parts.append(navigator(results))
    images = EmbeddedImages()
    for result in results:
        ensemble = next((e for e in ensembles if e.scenario.name == result.scenario.name), None)
        part_html, part_md = scenario_parts(result, figure_index, figure_folder, ensemble, images)
        html_parts += part_html
        md += part_md
    html_parts.append("<section id='all'><h2>全部情景 All scenarios</h2>")
    md += ["## 全部情景 All scenarios", ""]
    for name, caption in _figures_for(figure_index, "all"):
        html_parts += [f"<h3>{html.escape(caption)}</h3>", images.html(figure_folder / "all" / f"{name}.png")]
        md += [f"### {caption}", "", f"![{name}](figures/all/{name}.png)", ""]
    html_parts.append("</section>")
    part_html, part_md = appendix_parts(results)
    html_parts += part_html
    md += part_md
    html_parts.append(f"<script>{NAVIGATION_JS}</script></body></html>")
    page = "\n".join(html_parts) + "\n"
    page = page.replace("</style></head>", embedded_font_css(page) + "</style></head>", 1)
    page = images.finish(page)  # after the font subset: the placeholders hold no text to render
    html_path, md_path = out_folder / "report.html", out_folder / "report.md"
    html_path.write_text(page, encoding="utf-8")
    md_path.write_text("\n".join(md) + "\n", encoding="utf-8")
    return html_path, md_path
