"""The census base: county names, census age-group tables and the single-year base population.

``base_population()`` splits the census county x sex x age-group counts (0, 1-4, 5-9, ...,
80-84, 85+) into single years 0..100+ in two stated steps:

1. the open 85+ group is split into 85-89, 90-94, 95-99 and 100+ (``open_age_method``):
   ``"wpp_china"`` (default) by the UN WPP 2019 estimate of China's population shape at those
   ages in the census year (same sex); ``"stationary"`` by the person-years ``nLx`` of the
   WPP 2024 China period life table of the census period (same sex), i.e. a stationary
   population (Preston, Heuveline & Guillot 2001, section 3.5) with constant ``mx`` within
   each 5-year group. The stationary split ignores cohort size and mortality decline and so
   tends to put too many people at the highest ages;
2. all groups are split into single years by :func:`oloy_model.demography.graduation.graduate`
   (``method="mono"`` or ``"pclm"``), preserving every census group exactly.

Only step 1's shares and step 2's within-group shape are estimates; every published census
cell (county x sex x age group) is reproduced exactly.
"""
from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from ..base import national
from ..base.caching import read_only_cache
from ..base.dimensions import AGES, MAX_AGE, SEXES
from ..base.errors import DemographicWarning, OloyInputError
from ..base.hierarchy import hierarchy, leaf_codes, resolve_area, with_parent_totals
from ..base.resources import read_bundled
from ..base.tidy import to_array, to_frame
from ..base.user_tables import check_codes, check_unique, read_user_csv, to_number
from . import graduation

CENSUS_YEARS = {2020: "census7", 2010: "census6"}
CENSUS_DATE = {2020: "2020-11-01", 2010: "2010-11-01"}
OPEN_AGE_METHODS = ("wpp_china", "stationary")
OLD_AGE_STARTS = (85, 90, 95, 100)
GROUP_STARTS = (0, 1) + tuple(range(5, 90, 5))  # the census age groups 0, 1-4, 5-9, ..., 80-84, 85+
GROUP_ENDS = (0, 4) + tuple(range(9, 85, 5)) + (None,)
POPULATION_COLUMNS = ["region", "sex", "age", "population"]


REGION_COLUMNS = ["region", "name_zh", "name_en", "centroid_lon", "centroid_lat"]
GROUP_COLUMNS = ["region", "sex", "age_group", "age_start", "age_end", "population", "source", "quality"]


def regions(area: str | None = None) -> pd.DataFrame:
    """The county-level units of the modelled area (default: the 12 of Dali prefecture).

    Parameters
    ----------
    area : str, optional
        Division code of a prefecture, province or the nation (:func:`oloy_model.base.national.areas`).

    Returns
    -------
    DataFrame
        ``[region, name_zh, name_en, centroid_lon, centroid_lat, parent, level]``; ``region``
        is the 6-digit statistical division code as a string. Centroids [degrees] come from a
        public boundary file (coordinates only; see ``data/sources.csv``, ``geo_centroids``);
        English names and centroids exist only for the bundled area (missing elsewhere).
        ``parent`` (the code of the region the county sums into) and ``level`` come from the
        hierarchy (:func:`oloy_model.base.hierarchy.hierarchy`).
    """
    resolved = resolve_area(area)
    if resolved is None:
        table = read_bundled("census7/regions.csv")[REGION_COLUMNS]
    else:
        names = national.national_regions(2020).set_index("region")["name_zh"]
        codes = national.leaves(resolved)
        table = pd.DataFrame({"region": codes, "name_zh": names.reindex(codes).to_numpy(), "name_en": None,
                              "centroid_lon": np.nan, "centroid_lat": np.nan})
    return table.merge(hierarchy(resolved), on="region", how="left", validate="one_to_one").reset_index(drop=True)


def region_codes(area: str | None = None) -> list[str]:
    """The county division codes of the area, in ascending order (the hierarchy's leaves)."""
    return leaf_codes(area)


def _census_folder(year: int) -> str:
    if year not in CENSUS_YEARS:
        raise OloyInputError(f"census year {year!r} is not bundled; expected one of {sorted(CENSUS_YEARS)}")
    return CENSUS_YEARS[year]


def census_age_groups(year: int = 2020, *, level: str = "county", area: str | None = None) -> pd.DataFrame:
    """Census resident population by region, sex and published age group.

    Parameters
    ----------
    year : {2020, 2010}
        Census year (7th census 2020-11-01 or 6th census 2010-11-01).
    level : {"county", "prefecture", "province", "nation"}
        ``"county"`` means the county-level units (the leaves of the area's hierarchy).
    area : str, optional
        Division code of a prefecture, province or the nation; default the bundled area (whose
        upper rows are the published ones; they equal the sums of its counties). Elsewhere the
        upper levels are the sums of the area's county cells (the rule of
        :mod:`oloy_model.base.national`; published rows that differ are listed by
        :func:`oloy_model.base.national.data_notes`), tagged ``derived``.

    Returns
    -------
    DataFrame
        ``[region, sex, age_group, age_start, age_end, population, source, quality]``
        [persons]; ``age_end`` is missing for the open group 85+.
    """
    _census_folder(year)
    graduation.check_method(level, national.LEVELS, "level")
    resolved = resolve_area(area)
    if resolved is None:
        table = read_bundled(f"{_census_folder(year)}/population_by_age_group.csv")
        table = table[table["level"] == level].drop(columns="level")
    else:
        table = _area_groups(year, level, resolved)
    return table.sort_values(["region", "sex", "age_start"], kind="stable").reset_index(drop=True)


def _area_groups(year: int, level: str, area: str) -> pd.DataFrame:
    """County cells of ``area`` from the national table, and their sums at the upper levels."""
    cells = national.leaf_groups(national.check_area(area, year), year)
    tree = national.area_tree(area, year)
    if level == "county":
        table = cells
    else:
        summed = with_parent_totals(cells[["region", "sex", "age_group", "age_start", "population"]],
                                    ["sex", "age_group", "age_start"], ["population"], area=area)
        wanted = {region for region, _, kind in tree if kind == level}
        table = summed[summed["region"].isin(wanted)].assign(source=cells["source"].iloc[0], quality="derived")
    ends = {start: end for start, end in zip(GROUP_STARTS, GROUP_ENDS)}
    return table.assign(age_end=table["age_start"].map(ends))[GROUP_COLUMNS]


def _group_array(groups: pd.DataFrame) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Census groups as an array (region, sex, group) plus the group lower bounds."""
    codes = sorted(groups["region"].unique())
    starts = np.sort(groups["age_start"].unique())
    return codes, to_array(groups, {"region": codes, "sex": SEXES, "age_start": starts}, "population"), starts


def open_age_shares(year: int, method: str = "wpp_china") -> np.ndarray:
    """Shares of the 85+ group at 85-89, 90-94, 95-99 and 100+, by sex.

    Parameters
    ----------
    year : int
        Census year; selects the WPP year (``"wpp_china"``) or period (``"stationary"``).
    method : {"wpp_china", "stationary"}
        See the module docstring.

    Returns
    -------
    array [-], shape (2, 4)
        Rows female, male; each row sums to 1.
    """
    graduation.check_method(method, OPEN_AGE_METHODS, "open_age_method")
    if method == "wpp_china":
        pop = read_bundled("wpp2019/population5.csv")
        pop = pop[(pop["year"] == year) & pop["age_start"].isin(OLD_AGE_STARTS)]
        shape = pop.pivot(index="sex", columns="age_start", values="population_thousands")
        values = shape.loc[list(SEXES), list(OLD_AGE_STARTS)].to_numpy(float)
    else:
        mx = read_bundled("wpp2024/mx5.csv")
        period = mx["period_start"].where(mx["period_start"] <= year).max()
        mx = mx[(mx["period_start"] == period) & mx["age_start"].isin(OLD_AGE_STARTS)]
        rates = mx.pivot(index="sex", columns="age_start", values="mx").loc[list(SEXES), list(OLD_AGE_STARTS)]
        values = stationary_person_years(rates.to_numpy(float))
    return values / values.sum(axis=1, keepdims=True)


def stationary_person_years(mx: np.ndarray, width: float = 5.0) -> np.ndarray:
    """Person-years ``nLx`` in 5-year groups and the open group under constant hazards.

    Parameters
    ----------
    mx : array [deaths per person-year], shape (..., k)
        Death rates of ``k - 1`` closed groups of ``width`` years and an open group last.

    Returns
    -------
    array [person-years per survivor at the first age], shape (..., k)
        ``nLx = lx (1 - exp(-n mx)) / mx`` for closed groups, ``Lw = lw / mw`` for the open one.
    """
    mx = np.asarray(mx, dtype=float)
    survival = np.exp(-width * mx[..., :-1])
    lx = np.concatenate([np.ones(mx.shape[:-1] + (1,)), np.cumprod(survival, axis=-1)], axis=-1)
    closed = lx[..., :-1] * (1.0 - survival) / mx[..., :-1]
    return np.concatenate([closed, lx[..., -1:] / mx[..., -1:]], axis=-1)


@read_only_cache(maxsize=16)
def _graduated(year: int, method: str, open_age_method: str, area: str | None = None) -> pd.DataFrame:
    codes, cube, starts = _group_array(census_age_groups(year, area=area))
    if starts[-1] != OLD_AGE_STARTS[0]:
        raise OloyInputError(f"census {year}: expected the open group to start at 85, found {starts[-1]}")
    shares = open_age_shares(year, open_age_method)  # (sex, 4)
    old = graduation.split_by_shares(cube[..., -1], shares[None, :, :])
    extended = np.concatenate([cube[..., :-1], old], axis=-1)
    bounds = np.concatenate([starts[:-1], OLD_AGE_STARTS])
    singles = graduation.graduate(extended, bounds, method=method)
    return _to_frame(codes, singles)


def _to_frame(codes: list[str], cube: np.ndarray) -> pd.DataFrame:
    return to_frame({"region": codes, "sex": SEXES, "age": AGES}, {"population": cube})[POPULATION_COLUMNS]


def base_population(year: int = 2020, *, method: str = "mono", open_age_method: str = "wpp_china",
                    path: str | Path | None = None, area: str | None = None) -> pd.DataFrame:
    """County x sex x single-year-of-age resident population at the census date.

    Parameters
    ----------
    year : {2020, 2010}
        Census year; the population refers to 00:00 on 1 November of that year.
    method : {"mono", "pclm"}
        Single-year split of the census age groups (see :mod:`oloy_model.demography.graduation`).
    open_age_method : {"wpp_china", "stationary"}
        Split of 85+ into 85..99 and 100+ (see the module docstring).
    path : str or Path, optional
        A user table (CSV ``region, sex, age, population``, single years 0..100, 100 = 100+)
        that replaces the estimate for the regions it covers; each covered region must have
        both sexes and all 101 ages. Differences from the census groups are reported as a
        :class:`DemographicWarning` naming region, sex, age group and both values.
    area : str, optional
        Division code of a prefecture, province or the nation (:func:`oloy_model.base.national.areas`);
        default the bundled area. The same two steps split every county of the area.

    Returns
    -------
    DataFrame
        ``[region, sex, age, population]`` [persons, float], counties x 2 x 101 rows, sorted.
    """
    graduation.check_method(method)
    graduation.check_method(open_age_method, OPEN_AGE_METHODS, "open_age_method")
    resolved = resolve_area(area)
    estimate = _graduated(int(year), method, open_age_method, resolved).copy()
    if path is None:
        return estimate
    user = read_population_table(path, area=resolved)
    warn_census_differences(user, year, source=str(path), area=resolved)
    covered = estimate["region"].isin(set(user["region"]))
    merged = pd.concat([estimate[~covered], user[POPULATION_COLUMNS]])
    merged["sex_order"] = merged["sex"].map({s: i for i, s in enumerate(SEXES)})
    merged = merged.sort_values(["region", "sex_order", "age"]).drop(columns="sex_order")
    return merged.reset_index(drop=True)


def read_population_table(path: str | Path, *, area: str | None = None) -> pd.DataFrame:
    """Read and check a single-year population table supplied by the user.

    Layout: CSV with columns ``region`` (6-digit division code), ``sex`` (``female`` or
    ``male``), ``age`` (whole years 0..100, 100 = 100+), ``population`` (persons, >= 0);
    other columns are ignored. Each region present must have 2 x 101 rows, and be a county of
    ``area`` (default the bundled area).

    Raises
    ------
    OloyInputError
        Naming the file, the column and up to five offending rows.
    """
    frame = read_user_csv(path, POPULATION_COLUMNS, what="population")
    frame = frame.assign(
        region=check_codes(frame, "region", region_codes(area), path),
        sex=check_codes(frame, "sex", SEXES, path),
        age=to_number(frame, "age", path, integer=True, minimum=0, maximum=MAX_AGE).astype(int),
        population=to_number(frame, "population", path, minimum=0),
    )
    check_unique(frame, ["region", "sex", "age"], path)
    counts = frame.groupby("region").size()
    incomplete = counts[counts != len(SEXES) * AGES.size]
    if len(incomplete):
        listed = ", ".join(f"{r}: {n} rows" for r, n in incomplete.head(5).items())
        raise OloyInputError(
            f"{path}: incomplete regions ({listed}); expected {len(SEXES) * AGES.size} rows per region "
            "(2 sexes x ages 0..100)"
        )
    return frame


def to_census_groups(population: pd.DataFrame, year: int = 2020) -> pd.DataFrame:
    """Aggregate single years to the census age groups (0, 1-4, 5-9, ..., 80-84, 85+) [persons]."""
    _census_folder(year)
    starts = np.asarray(GROUP_STARTS)
    position = np.searchsorted(starts, population["age"].to_numpy(), side="right") - 1
    grouped = population.assign(age_start=starts[position])
    return grouped.groupby(["region", "sex", "age_start"], as_index=False)["population"].sum()


def census_differences(population: pd.DataFrame, year: int = 2020, tolerance: float = 0.5, *,
                       area: str | None = None) -> pd.DataFrame:
    """Cells where ``population`` differs from the census group total by more than ``tolerance``.

    Returns
    -------
    DataFrame
        ``[region, sex, age_group, census, table, difference]`` [persons].
    """
    census = census_age_groups(year, area=area)
    mine = to_census_groups(population, year).rename(columns={"population": "table"})
    joined = census.merge(mine, on=["region", "sex", "age_start"], how="inner")
    joined = joined.rename(columns={"population": "census"})
    joined["difference"] = joined["table"] - joined["census"]
    bad = joined[joined["difference"].abs() > tolerance]
    return bad[["region", "sex", "age_group", "census", "table", "difference"]].reset_index(drop=True)


def warn_census_differences(population: pd.DataFrame, year: int, *, source: str,
                            area: str | None = None) -> pd.DataFrame:
    """Warn (DemographicWarning) about every census cell the table does not reproduce."""
    bad = census_differences(population, year, area=area)
    if len(bad):
        cells = "; ".join(
            f"{r.region} {r.sex} {r.age_group}: census {r.census:,.0f}, table {r.table:,.1f}"
            for r in bad.head(10).itertuples()
        )
        more = f" (and {len(bad) - 10} more)" if len(bad) > 10 else ""
        warnings.warn(f"{source}: {len(bad)} census age-group cell(s) differ from the {year} census: {cells}{more}",
                      DemographicWarning, stacklevel=3)
    return bad
