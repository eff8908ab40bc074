"""The workbook a planning office can circulate as it is (written by :func:`output.write_xlsx`).

Every sheet carries the county names in Chinese and English beside the division code; counts
(people, beds, places, yuan) are rounded to whole numbers, rates and ratios to one decimal, and
probabilities shown as percent; header rows are frozen and filtered; shortfalls are shaded; a
README sheet explains every column of every sheet. The tidy CSVs keep full precision (with the
same two name columns): the workbook is for reading, the CSVs for machines.
"""
from __future__ import annotations

import re

import pandas as pd

from ..base.hierarchy import area_code
from .digest import region_names
from .output import write_xlsx

NAME_COLUMNS = ["region_name_zh", "region_name_en"]
YEAR_COLUMNS = {"year", "first_shortfall_year", "peak_gap_year", "target_year", "census_year"}
RATE_COLUMNS = {"value", "baseline_value", "target", "published", "recomputed", "difference", "unit_cost_10k_yuan",
                "tfr", "share_60plus", "share_80plus"}
COUNT_FORMAT, RATE_FORMAT, YEAR_FORMAT, PERCENT_FORMAT = "#,##0", "#,##0.0", "0", "0.0%"

# column -> (description, unit). Columns named <quantity>_<year> are described by their quantity.
COLUMNS = {
    "scenario": ("情景名称 Scenario name (scenarios/*.toml)", ""),
    "region": (f"行政区划代码 Division code; {area_code()} = the prefecture (sum of the counties)", ""),
    "region_name_zh": ("县市名称（中文）County name in Chinese", ""),
    "region_name_en": ("County name in English", ""),
    "service": ("服务 elderly_beds 养老床位, nursing_beds 护理型床位 (part of the elderly beds), childcare_places "
                "托位 (children under 3)", ""),
    "basis": ("口径 norm = the plan's ratios; uptake = need x observed take-up / occupancy "
              "(docs/methods.md#demand-oloy_modelplanningdemand)", ""),
    "demand": ("需求 Beds or places needed on this basis", "beds or places"),
    "capacity": ("供给 Stock plus the plan's additions to 2025 (none planned after 2025), minus closures", "beds or places"),
    "gap": ("缺口 demand - capacity; positive = shortfall (shaded), negative = surplus", "beds or places"),
    "cost_to_close_10k_yuan": ("补齐费用 Cost of building the shortfall at the plan's own unit cost (0 when in surplus)",
                               "10k yuan (万元)"),
    "cost_to_close": ("补齐费用 Cost of building the shortfall at the plan's own unit cost (0 when in surplus)",
                      "10k yuan (万元)"),
    "first_shortfall_year": ("首次短缺年份 First year demand exceeds capacity by more than 0.5 places; empty = never "
                             "by 2050", "year"),
    "first_shortfall_gap": ("首次短缺缺口 The gap in the first year short (a few places: rounding of the plan's "
                            "published ratios, not a finding)", "beds or places"),
    "place_years_short": ("短缺床位·年 Sum over 2020-2050 of the yearly shortfalls (surplus years count 0): size and "
                          "duration of the shortfall together", "place-years"),
    "peak_gap": ("最大缺口 Largest gap 2020-2050 (negative = never short)", "beds or places"),
    "peak_gap_year": ("最大缺口年份 Year of the largest gap", "year"),
    "year": ("年份 Year (population at 1 November; flows of the year ending then)", "year"),
    "indicator": ("规划指标 The plan's indicator", ""),
    "unit": ("单位 Unit of the values in the row", ""),
    "value": ("预测值 Value in this year (rounded to one decimal)", "see unit"),
    "baseline_value": ("基期值 Value in 2020", "see unit"),
    "target": ("目标值 The plan's target (empty where it applies to the prefecture only)", "see unit"),
    "target_year": ("目标年份 Year the target applies to", "year"),
    "met": ("是否达标 Value >= target", "True/False"),
    "quantity": ("指标 Quantity (population by age band; births, deaths, net migration per year)", ""),
    "name_en": ("County name in English", ""), "name_zh": ("县市名称（中文）", ""),
    "basis_of_cost": ("成本口径 Which projects the unit cost is computed from", ""),
    "investment_10k_yuan": ("投资 Investment in the plan", "10k yuan (万元)"),
    "places": ("新增 Places added by those projects", "beds or places"),
    "unit_cost_10k_yuan": ("单位成本 Investment / places", "10k yuan per place"),
    "note": ("说明 Note", ""),
    "check": ("核对项 What is recomputed", ""), "published": ("规划数 The plan's figure", "see check"),
    "recomputed": ("重算值 Recomputed from the census and the plan", "see check"),
    "difference": ("差异 recomputed - published", "see check"), "consistent": ("一致 Within 1%", "True/False"),
    "p_shortfall": ("短缺概率 Share of draws with demand above capacity", "percent"),
    "p_shortfall_2030": ("2030年短缺概率 Share of draws with a shortfall in 2030 (empty without draws)", "percent"),
    "p_shortfall_over_threshold": ("Share of draws short by more than the threshold", "percent"),
    "threshold": ("阈值 Shortfall threshold", "beds or places"),
    "gap_p10": ("缺口第10百分位 10th percentile of the gap over draws", "beds or places"),
    "gap_p50": ("缺口中位数 Median gap over draws", "beds or places"),
    "gap_p90": ("缺口第90百分位 90th percentile of the gap over draws", "beds or places"),
    "gap_2030_lowest": ("各情景最小缺口 Lowest 2030 gap over the scenarios run", "beds or places"),
    "gap_2030_highest": ("各情景最大缺口 Highest 2030 gap over the scenarios run", "beds or places"),
    "counties_short_2030": ("2030年短缺县市数 Counties whose own 2030 gap is a shortfall", "counties"),
    "摘要 Summary": ("摘要 The answer in sentences generated from the county_summary and scenario_comparison sheets "
                   "(Chinese, then English), and how to read the norm and uptake bases", ""),
}
# Where a column means something else on one sheet: (sheet, column) -> (description, unit).
SHEET_COLUMNS = {
    ("official_statistics", "basis"): ("口径 resident (常住) or registered (户籍) population basis", ""),
    ("official_statistics", "quantity"): ("指标 The official figure's quantity", ""),
}
COLUMNS |= {
    "moment": ("时点 When the figure applies (31 December stocks, calendar-year flows)", ""),
    "observed": ("官方数 The official figure", "persons or events"),
    "model": ("模型值 The model's value at the same moment and basis (empty when not comparable)", "persons or events"),
    "error": ("误差 model - observed", "persons or events"),
    "error_pct": ("误差率 100 x (model - observed) / observed", "percent"),
    "tolerance_pct": ("容差 Anchoring tolerance", "percent"),
    "status": ("状态 Compared, within / outside tolerance, or why not comparable", ""),
    "source": ("来源 Source id (data/sources.csv)", ""),
    "quality": ("质量 Quality tag (official, mirror, derived, UN, estimated)", ""),
}
QUANTITY_PATTERN = re.compile(r"^(demand|capacity|gap|cost_to_close)_(\d{4})(.*)$")


def describe(column: str, sheet: str = "") -> tuple[str, str]:
    """``(description, unit)`` of a workbook column (``demand_2030`` is described as ``demand`` in 2030)."""
    if (sheet, column) in SHEET_COLUMNS:
        return SHEET_COLUMNS[(sheet, column)]
    if column in COLUMNS:
        return COLUMNS[column]
    match = QUANTITY_PATTERN.match(column)
    if match and match.group(1) in COLUMNS:
        text, unit = COLUMNS[match.group(1)]
        return f"{text}, {match.group(2)}", unit
    if re.fullmatch(r"\d{4}", column):
        return f"{column}年 Value in {column} (see quantity and unit)", "see unit"
    return "", ""


def with_region_names(frame: pd.DataFrame, names: pd.DataFrame | None = None) -> pd.DataFrame:
    """``frame`` with ``region_name_zh`` and ``region_name_en`` right after ``region`` (and no
    older ``county``/``name_*`` columns); unchanged without a ``region`` column. ``names``:
    ``[region, region_name_zh, region_name_en]`` of another area (default the bundled one's)."""
    if "region" not in frame.columns:
        return frame
    frame = frame.drop(columns=[c for c in ("county", "name_zh", "name_en", *NAME_COLUMNS) if c in frame.columns])
    names = (region_names() if names is None else names).set_index("region")
    at = frame.columns.get_loc("region") + 1
    frame = frame.copy()
    for offset, column in enumerate(NAME_COLUMNS):
        frame.insert(at + offset, column, frame["region"].map(names[column]))
    return frame


def number_kind(column: str, series: pd.Series) -> str:
    """How a column is shown: ``text``, ``year``, ``percent``, ``rate`` (one decimal) or ``count``."""
    if not pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
        return "text"
    if column in YEAR_COLUMNS:
        return "year"
    if column.startswith("p_shortfall"):
        return "percent"
    if column in RATE_COLUMNS or column.startswith(("share", "ratio")) or "per_1000" in column \
            or column.endswith("_pct"):
        return "rate"
    return "count"


def readable(frame: pd.DataFrame, names: pd.DataFrame | None = None) -> tuple[pd.DataFrame, dict[str, str]]:
    """Names added (``names``: see :func:`with_region_names`), counts rounded to whole numbers
    (integer cells), rates to one decimal; returns the frame and its Excel number formats by column."""
    frame = with_region_names(frame, names)
    formats = {}
    for column in frame.columns:
        kind = number_kind(str(column), frame[column])
        if kind in ("count", "year"):
            frame[column] = frame[column].round(0).astype("Int64")
            formats[column] = COUNT_FORMAT if kind == "count" else YEAR_FORMAT
        elif kind == "rate":
            frame[column] = frame[column].round(1)
            formats[column] = RATE_FORMAT
        elif kind == "percent":
            frame[column] = frame[column].round(3)
            formats[column] = PERCENT_FORMAT
    return frame, formats


def readme_sheet(sheets: dict[str, pd.DataFrame], notes: dict[str, str]) -> pd.DataFrame:
    """One row per sheet (what it holds) and per column (what it means, in which unit)."""
    rows = []
    for name, frame in sheets.items():
        rows.append({"sheet": name, "column": "", "description": notes.get(name, ""), "unit": ""})
        for column in frame.columns:
            text, unit = describe(str(column), name)
            rows.append({"sheet": name, "column": str(column), "description": text, "unit": unit})
    return pd.DataFrame(rows)


def shortfall_columns(frame: pd.DataFrame) -> list[str]:
    """Columns whose positive values are shortfalls (shaded in the workbook)."""
    return [c for c in frame.columns if str(c) in ("gap", "peak_gap") or str(c).startswith("gap_")]


def write_workbook(path, sheets: dict[str, pd.DataFrame], notes: dict[str, str], *, first: str = "summary",
                   names: pd.DataFrame | None = None) -> None:
    """Make every sheet readable (:func:`readable`; ``names`` of another area) and write the
    workbook, ``first`` sheet first."""
    shown, formats, highlight, freeze = {}, {}, {}, {}
    for name, frame in sheets.items():
        shown[name], formats[name] = readable(frame, names)
        highlight[name] = shortfall_columns(shown[name])
        columns = list(shown[name].columns)
        freeze[name] = columns.index("region_name_en") + 1 if "region_name_en" in columns else 0
    write_xlsx(path, shown, readme=readme_sheet(shown, notes), first=first, number_formats=formats,
               highlight=highlight, freeze_columns=freeze)
