"""County crosswalk 2010 -> 2020: which 2010 county-level units make up which 2020 units.

Between the censuses 421 county codes of 2020 are new (counties turned districts or
county-level cities, mergers, splits, transfers between prefectures). Any county-by-county
comparison of the two censuses (the 2010-2020 migration residual) needs units that are the
same territory in both years. The crosswalk is computed deterministically from the national
tables by this rule, applied in order (docs/areas.md, "Crosswalk"):

1. ``code``: the 2020 code exists among the 2010 county-level units (same code, same unit;
   a boundary change that kept the code is not detectable from the tables).
2. ``name``: a new 2020 code whose name, or whose core name (without the final 县/市/区/旗,
   so 呈贡县 -> 呈贡区 matches), equals that of exactly one unmatched 2010 unit of the same
   prefecture; else of exactly one unmatched 2010 unit of the same province (a transfer
   between prefectures, e.g. the counties of the former 巢湖地区). 2010's typo 巿 is read as 市.
3. ``group``: the remaining units of a 2020 prefecture (new 2020 codes and unmatched 2010
   codes whose 2010 prefecture maps to it) form one stable unit when both sides are non-empty.
4. ``prefecture``: when only one side remains (a 2010 unit merged into a kept code, or a
   2020 unit split off a kept code), or when a matched unit or a group fails the plausibility
   check (its 2020/2010 population ratio differs from its prefecture's by more than a factor
   :data:`RATIO_LIMIT` = 2, a sign that territory moved to or from a kept code), the whole
   prefecture is the stable unit.
5. ``excluded``: units that no rule places (none in Yunnan); listed, never silently dropped.

A stable unit is named by the smallest 2020 code it contains (``unit``).
"""
from __future__ import annotations

import functools
import re

import numpy as np
import pandas as pd

from ..base import national

METHODS = ("code", "name", "group", "prefecture", "excluded")
COLUMNS = ["region_2020", "region_2010", "name_2020", "name_2010", "method", "unit"]


def _core(name: str) -> str:
    name = name.replace("巿", "市").strip()
    return re.sub(r"[县市区旗]$", "", name)


def _prefecture(tree: dict[str, tuple[str, str]], code: str) -> str:
    """The nearest ancestor of ``code`` at prefecture level (itself for a prefecture-level leaf)."""
    up = code
    while up and tree[up][1] not in ("prefecture", "province", "nation"):
        up = tree[up][0]
    return up if tree[up][1] == "prefecture" else code


def _leaf_table(year: int) -> pd.DataFrame:
    regions = national.national_regions(year)
    tree = {r: (p, lvl) for r, p, lvl in zip(regions["region"], regions["parent"], regions["level"])}
    nation = regions.loc[regions["level"] == "nation", "region"].iloc[0]
    codes = national.leaves(nation, year)
    names = regions.set_index("region")["name_zh"]
    return pd.DataFrame({"region": codes, "name": names.reindex(codes).to_numpy(),
                         "prefecture": [_prefecture(tree, c) for c in codes],
                         "province": [c[:2] for c in codes]})


@functools.lru_cache(maxsize=1)
def crosswalk() -> pd.DataFrame:
    """The national crosswalk: one row per (2020 unit, 2010 unit) pair of a stable unit.

    Returns
    -------
    DataFrame
        ``[region_2020, region_2010, name_2020, name_2010, method, unit]``; ``method`` is one of
        :data:`METHODS` (module docstring); a ``group``/``prefecture`` unit has one row per pair
        of its members (empty code on the side a unit lacks). ``excluded`` rows have an empty
        ``unit``. Sorted by unit and codes.
    """
    new, old = _leaf_table(2020), _leaf_table(2010)
    pairs = {}  # 2020 code -> (2010 code, method)
    kept = set(new["region"]) & set(old["region"])
    pairs.update({code: (code, "code") for code in kept})
    left_new = new[~new["region"].isin(kept)]
    left_old = old[~old["region"].isin(kept)].assign(core=lambda t: t["name"].map(_core))
    for record in left_new.itertuples():
        for scope in ("prefecture", "province"):
            taken = {c for c, _ in pairs.values()}
            pool = left_old[(left_old[scope] == getattr(record, scope)) & ~left_old["region"].isin(taken)]
            hits = pool[pool["core"] == _core(record.name)]
            if len(hits) == 1:
                pairs[record.region] = (hits["region"].iloc[0], "name")
                break
    return _groups(new, old, pairs)


RATIO_LIMIT = 2.0  # a unit whose 2020/2010 ratio differs from its prefecture's by more is not stable


def _groups(new: pd.DataFrame, old: pd.DataFrame, pairs: dict[str, tuple[str, str]]) -> pd.DataFrame:
    """Rules 3-5 on what code and name matching left, the plausibility check, then the table."""
    prefecture_of_old = old.set_index("region")["prefecture"]
    prefecture_of_new = new.set_index("region")["prefecture"]
    # 2010 prefecture -> 2020 prefecture: where most of its matched units went (ties: smallest
    # code); a 2010 prefecture-level leaf that is a 2020 prefecture (三亚市) maps to itself
    votes = pd.DataFrame([(prefecture_of_old[o], prefecture_of_new[n]) for n, (o, _) in pairs.items()],
                         columns=["old", "new"])
    mapping = votes.groupby("old")["new"].agg(lambda s: s.value_counts().sort_index().idxmax())
    own = pd.Series({p: p for p in set(prefecture_of_new)})
    taken = {o for o, _ in pairs.values()}
    rest_new = new[~new["region"].isin(pairs)]
    rest_old = old[~old["region"].isin(taken)]
    rest_old = rest_old.assign(target=rest_old["prefecture"].map(mapping).fillna(rest_old["prefecture"].map(own)))
    rows = []
    for prefecture in sorted(set(rest_new["prefecture"]) | set(rest_old["target"].dropna())):
        side_new = sorted(rest_new.loc[rest_new["prefecture"] == prefecture, "region"])
        side_old = sorted(rest_old.loc[rest_old["target"] == prefecture, "region"])
        method = "group" if side_new and side_old else "prefecture"
        rows += [(n, "", method, prefecture) for n in side_new] + [("", o, method, prefecture) for o in side_old]
    rows += [(n, o, method, prefecture_of_new[n]) for n, (o, method) in sorted(pairs.items())]
    rows += [("", o, "excluded", "") for o in sorted(rest_old.loc[rest_old["target"].isna(), "region"])]
    table = pd.DataFrame(rows, columns=["region_2020", "region_2010", "method", "prefecture"])
    table.loc[table["prefecture"].isin(_unstable(table)), "method"] = "prefecture"
    key = np.where(table["method"].isin(["group", "prefecture"]), "P" + table["prefecture"], "C" + table["region_2020"])
    table["key"] = np.where(table["method"] == "excluded", "", key)
    first = table[table["region_2020"] != ""].groupby("key")["region_2020"].min()
    table["unit"] = table["key"].map(first).fillna("")
    table["name_2020"] = table["region_2020"].map(new.set_index("region")["name"]).fillna("")
    table["name_2010"] = table["region_2010"].map(old.set_index("region")["name"]).fillna("")
    return table[COLUMNS].sort_values(["unit", "region_2020", "region_2010"]).reset_index(drop=True)


def _unstable(table: pd.DataFrame) -> set[str]:
    """Prefectures with a one-sided remainder, or a matched unit or group whose population ratio
    2020/2010 differs from the prefecture's by more than :data:`RATIO_LIMIT` (territory moved)."""
    totals = {year: national.national_groups(year).groupby("region")["population"].sum() for year in (2010, 2020)}
    frame = table[table["method"] != "excluded"].assign(
        p20=lambda t: t["region_2020"].map(totals[2020]).fillna(0.0),
        p10=lambda t: t["region_2010"].map(totals[2010]).fillna(0.0),
        key=lambda t: np.where(t["method"] == "group", "P" + t["prefecture"], "C" + t["region_2020"]))
    by_prefecture = frame.groupby("prefecture")[["p20", "p10"]].sum()
    units = frame.groupby(["prefecture", "key"])[["p20", "p10"]].sum().reset_index()
    ratio = units["p20"] / units["p10"] / units["prefecture"].map(by_prefecture["p20"] / by_prefecture["p10"])
    bad = ~ratio.between(1 / RATIO_LIMIT, RATIO_LIMIT)
    one_sided = set(frame.loc[frame["method"] == "prefecture", "prefecture"])
    return one_sided | set(units.loc[bad, "prefecture"])


def area_crosswalk(area: str) -> pd.DataFrame:
    """The crosswalk rows of the stable units whose 2020 members lie in ``area``."""
    codes = set(national.leaves(national.check_area(area)))
    table = crosswalk()
    units = set(table.loc[table["region_2020"].isin(codes), "unit"])
    return table[table["unit"].isin(units)].reset_index(drop=True)


def to_units(table: pd.DataFrame, year: int, walk: pd.DataFrame, *, value: str = "population") -> pd.DataFrame:
    """Sum a tidy table of ``year``'s county codes into the crosswalk's stable units.

    Parameters
    ----------
    table : DataFrame
        ``region`` (county codes of ``year``), other key columns, and ``value``.
    year : {2010, 2020}
    walk : DataFrame
        Rows of :func:`crosswalk` (e.g. :func:`area_crosswalk`).

    Returns
    -------
    DataFrame
        ``table``'s columns with ``region`` replaced by the unit code; regions outside ``walk``
        are dropped.
    """
    column = f"region_{year}"
    members = walk[(walk[column] != "") & (walk["unit"] != "")].drop_duplicates(column).set_index(column)["unit"]
    keys = [c for c in table.columns if c not in ("region", value)]
    mapped = table.assign(region=table["region"].map(members)).dropna(subset=["region"])
    return mapped.groupby(["region"] + keys, as_index=False, sort=True)[value].sum()
