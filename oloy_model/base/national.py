"""Areas of China from the bundled national county census tables: list, search, and trees.

The national tables (``data/census-china/``, [source: nbs2020_county_china,
nbs2010_county_china]) hold every coded row of the county tabulations: the nation, 31
provinces, the prefecture-level rows and the county-level units. An *area* is any of the
nation, a province or a prefecture; its *leaves* are the county-level units below it (a
prefecture-level city without county divisions, such as 东莞市, is its own leaf).

Stated rules (docs/areas.md):

* **Rows without a code** (sub-headings, development zones, the 2010 ``市辖区``/``县``
  subtotals) are not compiled: they have no place in the division-code hierarchy.
* **Parents.** A row's parent is its GB/T 2260 parent when the tabulation has that row; else
  (2020) the prefecture row of the same province and prefecture names; else a computed
  aggregate under the GB/T parent code (``省直辖县级行政区划``, and in 2010 the
  municipalities' ``市辖区``/``县``), marked ``published = 0``.
* **Totals.** An area's population is the sum of its leaves, cell by cell (computed by
  :func:`oloy_model.base.hierarchy.with_parent_totals`, the one aggregation). Where a published
  upper row differs from that sum (27 prefectures in 2020, mostly by development zones
  printed without a code) the difference is a data note (:func:`data_notes`), never a
  correction of the counties.
"""
from __future__ import annotations


import numpy as np
import pandas as pd

from .caching import read_only_cache
from .errors import OloyInputError
from .resources import read_bundled

FOLDER = "census-china"
LEVELS = ("nation", "province", "prefecture", "county")
AREA_LEVELS = LEVELS[:-1]
AREA_COLUMNS = ["region", "name_zh", "level", "parent", "counties", "population_2020"]


def _bundled(name: str, year: int) -> pd.DataFrame:
    if year not in (2010, 2020):
        raise OloyInputError(f"census year {year!r} has no national table; expected 2010 or 2020")
    return read_bundled(f"{FOLDER}/{name}_{year}.csv.gz")


@read_only_cache(maxsize=2)
def national_regions(year: int = 2020) -> pd.DataFrame:
    """Every region of the national table: ``[region, name_zh, level, parent, published]``."""
    table = _bundled("regions", year)
    table["parent"] = table["parent"].fillna("").astype(str)
    table["name_zh"] = table["name_zh"].fillna("").astype(str)
    return table[["region", "name_zh", "level", "parent", "published"]]


@read_only_cache(maxsize=2)
def national_groups(year: int = 2020) -> pd.DataFrame:
    """Published census rows by sex and age group: ``[region, sex, age_group, age_start,
    population, source, quality]`` [persons] (upper rows as published, not summed)."""
    return _bundled("population_by_age_group", year)


@read_only_cache(maxsize=2)
def national_indicators(year: int = 2020) -> pd.DataFrame:
    """Published per-region indicators: ``[region, indicator, value, unit, source, quality]``."""
    return _bundled("indicators", year)


@read_only_cache(maxsize=2)
def _children(year: int) -> dict[str, tuple[str, ...]]:
    table = national_regions(year)
    grouped = table[table["parent"] != ""].groupby("parent")["region"]
    return {parent: tuple(sorted(codes)) for parent, codes in grouped}


def check_area(code: object, year: int = 2020) -> str:
    """The area code as a string, or a clear error when it is not an area of ``year``'s table."""
    text = str(code).strip()
    table = national_regions(year).set_index("region")
    if text not in table.index or table.at[text, "level"] not in AREA_LEVELS:
        raise OloyInputError(
            f"area {code!r} is not a nation, province or prefecture code of the {year} census table; "
            "expected a 6-digit division code listed by `oloy areas` (e.g. search by Chinese name)")
    return text


@read_only_cache(maxsize=64)
def area_tree(code: str, year: int = 2020) -> tuple[tuple[str, str, str], ...]:
    """``(region, parent, level)`` of the area (parent ``''``) and every region below it, top down."""
    code = check_area(code, year)
    levels = national_regions(year).set_index("region")["level"]
    children = _children(year)
    rows, frontier = [(code, "", levels[code])], [code]
    while frontier:
        below = [(child, parent) for parent in frontier for child in children.get(parent, ())]
        rows.extend(sorted((child, parent, levels[child]) for child, parent in below))
        frontier = [child for child, _ in below]
    return tuple(rows)


def leaves(code: str, year: int = 2020) -> list[str]:
    """Sorted codes of the county-level units (leaves) of an area."""
    tree = area_tree(code, year)
    parents = {parent for _, parent, _ in tree}
    return sorted(region for region, _, _ in tree if region not in parents)


def leaf_groups(code: str, year: int = 2020) -> pd.DataFrame:
    """The census age-group rows of an area's leaves (published county cells) [persons]."""
    table = national_groups(year)
    return table[table["region"].isin(leaves(code, year))].reset_index(drop=True)


@read_only_cache(maxsize=1)
def _area_table() -> pd.DataFrame:
    regions = national_regions(2020)
    groups = national_groups(2020)
    totals = groups.groupby("region")["population"].sum()
    rows = []
    for record in regions[regions["level"].isin(AREA_LEVELS)].itertuples():
        codes = leaves(record.region)
        rows.append((record.region, record.name_zh, record.level, record.parent, len(codes),
                     int(totals.reindex(codes).sum())))
    return pd.DataFrame(rows, columns=AREA_COLUMNS)


def areas(text: str | None = None) -> pd.DataFrame:
    """The areas the model can run: the nation, provinces and prefectures of the 2020 census.

    Parameters
    ----------
    text : str, optional
        Keep areas whose code starts with ``text`` (digits) or whose Chinese name contains it.

    Returns
    -------
    DataFrame
        ``[region, name_zh, level, parent, counties, population_2020]``: ``counties`` is the
        number of county-level units (leaves), ``population_2020`` [persons] their sum on
        2020-11-01 (the area total by the stated rule; see :func:`data_notes` for published
        upper rows that differ) [source: nbs2020_county_china].
    """
    table = _area_table()
    if text is not None and str(text).strip():
        query = str(text).strip()
        keep = table["region"].str.startswith(query) if query.isdigit() else table["name_zh"].str.contains(
            query, regex=False)
        table = table[keep]
    return table.reset_index(drop=True)


def data_notes(year: int = 2020) -> pd.DataFrame:
    """Published upper rows that differ from the sum of their leaves (total population).

    Returns
    -------
    DataFrame
        ``[region, name_zh, level, published, sum_of_counties, difference]`` [persons],
        ``difference = sum_of_counties - published``; only rows with a difference. In 2020 the
        27 prefectures (and their provinces) whose development zones or scenic areas are printed
        without a code, or under a code outside the hierarchy, differ.
    """
    regions = national_regions(year)
    totals = national_groups(year).groupby("region")["population"].sum()
    rows = []
    for record in regions[regions["level"].isin(AREA_LEVELS) & (regions["published"] == 1)].itertuples():
        codes = leaves(record.region, year)
        if codes == [record.region]:
            continue  # a prefecture-level city without counties is its own leaf
        summed = float(totals.reindex(codes).sum())
        published = float(totals.get(record.region, np.nan))
        if summed != published:
            rows.append((record.region, record.name_zh, record.level, published, summed, summed - published))
    return pd.DataFrame(rows, columns=["region", "name_zh", "level", "published", "sum_of_counties", "difference"])
