"""The one-page answer: what is short, where, from when, by how much and at what cost.

Built only from ``Result.gaps`` and ``Result.shortfalls`` (and, with draws, the ensembles'
shortfall probabilities), so every figure in the summary is the model's own. The report
(:mod:`oloy_model.reporting.report`) and the workbook open with these tables and sentences; Chinese first.
The sentences use the area total (the prefecture) of the *baseline* scenario (the first result when no
scenario is named ``baseline``) and the range over every scenario of the run.
"""
from __future__ import annotations

import functools
from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..base.hierarchy import area_code, area_level, area_names
from ..demography.population import regions
from ..planning.result import Result

PREFECTURE = area_code()  # the modelled area (the prefecture), from the data
YEARS = (2030, 2035)  # the next plan's end (15th five-year plan, 2026-2030) and the plan's horizon
SHORT = 0.5  # places: a gap above this is a shortfall (as in ``gaps.shortfall_summary``)
SERVICES = {"elderly_beds": ("养老床位", "elderly-care beds"), "nursing_beds": ("护理型床位", "nursing-type beds"),
            "childcare_places": ("托位", "childcare places (under 3)")}
BASES = {"norm": ("规划标准", "plan norm"), "uptake": ("实际利用", "observed uptake")}
DIGEST_COLUMNS = ["region", "region_name_zh", "region_name_en", "service", "basis", "first_shortfall_year",
                  "first_shortfall_gap", "gap_2030", "gap_2035", "cost_to_close_2030_10k_yuan", "cost_to_close_2035_10k_yuan",
                  "gap_2030_lowest", "gap_2030_highest", "p_shortfall_2030"]


def region_names() -> pd.DataFrame:
    """``[region, region_name_zh, region_name_en]`` for the counties and the area total (the prefecture).

    A new frame each call (callers may edit it), copied from one read: every table written names its regions.
    """
    return _region_names().copy()


@functools.lru_cache(maxsize=1)
def _region_names() -> pd.DataFrame:
    table = regions()[["region", "name_zh", "name_en"]].rename(
        columns={"name_zh": "region_name_zh", "name_en": "region_name_en"})
    short_zh, short_en = area_names()[2:]
    prefecture = pd.DataFrame({"region": [PREFECTURE], "region_name_zh": [short_zh],
                               "region_name_en": [f"{short_en} {area_level()}"]})
    return pd.concat([table, prefecture], ignore_index=True)


def reference_result(results: Sequence[Result]) -> Result:
    """The scenario the summary speaks for: ``baseline`` when run, else the first."""
    return next((r for r in results if r.scenario.name == "baseline"), results[0])


def _at(gaps: pd.DataFrame, year: int, column: str) -> pd.Series:
    keys = ["region", "service", "basis"]
    return gaps[gaps["year"] == year].set_index(keys)[column]


def county_digest(results: Sequence[Result], ensembles: Sequence = ()) -> pd.DataFrame:
    """Per region (counties, then the prefecture), service and basis, for the reference scenario.

    Returns
    -------
    DataFrame [region, region_name_zh, region_name_en, service, basis, first_shortfall_year,
               first_shortfall_gap, gap_2030, gap_2035, cost_to_close_2030_10k_yuan, cost_to_close_2035_10k_yuan,
               gap_2030_lowest, gap_2030_highest, p_shortfall_2030]
        Gaps [places] = demand - capacity (positive = shortfall); ``first_shortfall_gap`` is
        the gap in the first year short (a few places there are a rounding of the plan's
        published ratios, not a finding); cost to close [10k yuan] at
        the plan's unit costs; lowest/highest = the range of the 2030 gap over all scenarios
        run; ``p_shortfall_2030`` = probability of a shortfall in 2030 from the reference
        scenario's draws (missing without draws).
    """
    reference = reference_result(results)
    keys = ["region", "service", "basis"]
    table = reference.shortfalls[keys + ["first_shortfall_year"]].copy()
    index = pd.MultiIndex.from_frame(table[keys])
    by_year = reference.gaps.set_index(keys + ["year"])["gap"]
    table["first_shortfall_gap"] = [by_year.get(key + (int(year),), np.nan) if pd.notna(year) else np.nan
                                    for key, year in zip(index, table["first_shortfall_year"])]
    for year in YEARS:
        table[f"gap_{year}"] = _at(reference.gaps, year, "gap").reindex(index).to_numpy()
        table[f"cost_to_close_{year}_10k_yuan"] = _at(reference.gaps, year, "cost_to_close_10k_yuan").reindex(
            index).to_numpy()
    every = pd.concat([_at(r.gaps, 2030, "gap").reindex(index).rename(r.scenario.name) for r in results], axis=1)
    table["gap_2030_lowest"] = every.min(axis=1).to_numpy()
    table["gap_2030_highest"] = every.max(axis=1).to_numpy()
    ensemble = next((e for e in ensembles if e.scenario.name == reference.scenario.name), None)
    table["p_shortfall_2030"] = np.nan
    if ensemble is not None:
        probabilities = ensemble.gap_probabilities()
        table["p_shortfall_2030"] = _at(probabilities, 2030, "p_shortfall").reindex(index).to_numpy()
    table = table.merge(region_names(), on="region", how="left")
    order = {code: i for i, code in enumerate(region_names()["region"])}
    table = table.assign(_r=table["region"].map(order), _s=table["service"].map(list(SERVICES).index))
    table = table.sort_values(["_r", "_s", "basis"], kind="stable").drop(columns=["_r", "_s"])
    return table[DIGEST_COLUMNS].reset_index(drop=True)


def scenario_comparison(results: Sequence[Result], years: Sequence[int] = (2025, 2030, 2035)) -> pd.DataFrame:
    """Prefecture by scenario, service and basis: first year short, gaps, counties short, cost.

    Returns
    -------
    DataFrame [scenario, service, basis, first_shortfall_year, gap_<year>..., counties_short_2030,
               cost_to_close_2030_10k_yuan]
        ``counties_short_2030``: counties whose own 2030 gap is a shortfall (county surpluses
        do not offset shortfalls elsewhere, unlike the prefecture gap).
    """
    rows = []
    for result in results:
        gaps, shortfalls = result.gaps, result.shortfalls
        prefecture = shortfalls[shortfalls["region"] == PREFECTURE].set_index(["service", "basis"])
        for service in SERVICES:
            for basis in BASES:
                cell = gaps[(gaps["service"] == service) & (gaps["basis"] == basis)]
                at = {y: cell[cell["year"] == y].set_index("region") for y in (*years, 2030)}
                row = {"scenario": result.scenario.name, "service": service, "basis": basis,
                       "first_shortfall_year": prefecture.loc[(service, basis), "first_shortfall_year"]}
                # Years after a scenario's horizon are not projected: NaN, not an error.
                row |= {f"gap_{y}": at[y]["gap"].get(PREFECTURE, np.nan) for y in years}
                counties = at[2030].drop(index=PREFECTURE, errors="ignore")
                row["counties_short_2030"] = int((counties["gap"] > SHORT).sum()) if len(counties) else pd.NA
                row["cost_to_close_2030_10k_yuan"] = at[2030]["cost_to_close_10k_yuan"].get(PREFECTURE, np.nan)
                rows.append(row)
    table = pd.DataFrame(rows)
    table["first_shortfall_year"] = table["first_shortfall_year"].astype("Int64")
    return table


def _places(value: float) -> str:
    return f"{abs(value):,.0f}"


def no_negative_zero(text: str) -> str:
    """``text`` (a formatted number) without the sign of a value that rounds to zero: '-0' -> '0'."""
    return text[1:] if text[:1] in "-+" and not text.strip("-+0.,") else text


def whole(value: float) -> str:
    """A number rounded to a whole, with thousands separators; never '-0'."""
    return no_negative_zero(f"{value:,.0f}")


def _signed(value: float) -> str:
    """A gap with its sign (+ = shortfall); 0 without a sign."""
    return no_negative_zero(f"{value:+,.0f}")


def _state(value: float, language: str) -> str:
    """'short by N' / 'surplus of N' for a signed gap."""
    if language == "zh":
        return f"缺口{_places(value)}" if value > SHORT else f"富余{_places(value)}"
    return f"short by {_places(value)}" if value > SHORT else f"surplus of {_places(value)}"


def binding_services(digest: pd.DataFrame) -> dict[str, int]:
    """Services whose prefecture gap is a shortfall on both bases in a summary year (the first
    such year), for the reference scenario: ``{service: year}``."""
    cell = digest[digest["region"] == PREFECTURE].set_index(["service", "basis"])
    found = {}
    for service in SERVICES:
        years = [y for y in YEARS if all(cell.loc[(service, b), f"gap_{y}"] > SHORT for b in BASES)]
        if years:
            found[service] = years[0]
    return found


def _basis_clause(row: pd.Series, n_short: int, n_scenarios: int) -> tuple[str, str]:
    first = row["first_shortfall_year"]
    size = _signed(row["first_shortfall_gap"]) if pd.notna(first) else ""
    zh = [f"2030年{_state(row['gap_2030'], 'zh')}，2035年{_state(row['gap_2035'], 'zh')}",
          f"首次短缺年份{first}（缺口{size}）" if pd.notna(first) else "2050年前不短缺", f"2030年短缺的县市{n_short}个"]
    en = [f"{_state(row['gap_2030'], 'en')} in 2030, {_state(row['gap_2035'], 'en')} in 2035",
          f"first year short {first} (gap {size})" if pd.notna(first) else "not short by 2050",
          f"{n_short} counties short in 2030"]
    if row["cost_to_close_2030_10k_yuan"] > 0:
        zh.append(f"补齐2030年缺口需{whole(row['cost_to_close_2030_10k_yuan'])}万元")
        en.append(f"closing the 2030 gap costs {whole(row['cost_to_close_2030_10k_yuan'])} (10k yuan)")
    if n_scenarios > 1:
        low, high = _signed(row["gap_2030_lowest"]), _signed(row["gap_2030_highest"])
        zh.append(f"{n_scenarios}个情景2030年缺口{low}至{high}")
        en.append(f"2030 gap over the {n_scenarios} scenarios {low} to {high}")
    if pd.notna(row["p_shortfall_2030"]):
        zh.append(f"2030年短缺概率{row['p_shortfall_2030']:.0%}")
        en.append(f"probability of a 2030 shortfall {row['p_shortfall_2030']:.0%}")
    return "，".join(zh), ", ".join(en)


def summary_sentences(digest: pd.DataFrame, comparison: pd.DataFrame, scenario: str) -> list[tuple[str, str]]:
    """The summary's sentences as ``(Chinese, English)`` pairs, generated from the tables."""
    prefecture = digest[digest["region"] == PREFECTURE].set_index(["service", "basis"])
    counties = digest[digest["region"] != PREFECTURE]
    n_scenarios = comparison["scenario"].nunique()
    lines = []
    for service, (zh, en) in SERVICES.items():
        parts_zh, parts_en = [], []
        for basis, (bzh, ben) in BASES.items():
            n_short = int(((counties["service"] == service) & (counties["basis"] == basis)
                           & (counties["gap_2030"] > SHORT)).sum())
            clause_zh, clause_en = _basis_clause(prefecture.loc[(service, basis)], n_short, n_scenarios)
            parts_zh.append(f"按{bzh}，{clause_zh}")
            parts_en.append(f"on the {ben} basis, {clause_en}")
        lines.append((f"{zh}（全州，{scenario}情景）：" + "；".join(parts_zh) + "。",
                      f"{en.capitalize()} (prefecture, {scenario} scenario): " + "; ".join(parts_en) + "."))
    binding = binding_services(digest)
    if binding:
        lines.append(("两种口径下都短缺（制约性）的服务：" + "、".join(f"{SERVICES[s][0]}（{y}年）" for s, y in binding.items())
                      + "；无论按哪种口径规划都需要增加。",
                      "Short on both bases (binding): " + ", ".join(f"{SERVICES[s][1]} ({y})" for s, y in binding.items())
                      + "; more is needed whichever basis one plans with."))
    else:
        lines.append(("2030年和2035年没有在两种口径下都短缺的服务。", "No service is short on both bases in 2030 or 2035."))
    return lines


BASIS_READING = [
    ("规划标准（norm）口径：按规划的配置标准计算应有多少床位和托位（每千名老年人床位数、护理型床位占比、每千人口托位数）。"
     "它回答“是否达到规划标准”，用于考核规划指标和确定建设总量。",
     "Plan norm: the beds and places the plan's ratios call for (beds per 1,000 aged 60+, nursing-type share, "
     "childcare places per 1,000 residents). It answers 'does the county meet the standard?'; use it to check the "
     "plan's indicators and to set how much to build."),
    ("实际利用（uptake）口径：按失能老人、入住或入托意愿和合理入住率估算会被实际使用的床位和托位。"
     "它回答“建成后会不会有人用”，用于安排建设节奏、地点和运营补贴，避免空置。",
     "Observed uptake: the beds and places people would actually use (care need x institutional take-up or "
     "enrolment, at a target occupancy). It answers 'will what is built be used?'; use it to time and place "
     "construction and operating subsidies, and to avoid empty beds."),
    ("两种口径结论不同时：达标任务按规划标准安排；超出实际利用的部分宜分期建设、优先建设可转换的护理型床位；"
     "两种口径都短缺的服务应优先。",
     "When the two disagree: meet the standard on the norm basis, but phase what exceeds uptake, prefer "
     "convertible nursing-type beds, and give priority to services short on both bases."),
]
