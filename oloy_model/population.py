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
2. all groups are split into single years by :func:`oloy_model.graduation.graduate`
   (``method="mono"`` or ``"pclm"``), preserving every census group exactly.

Only step 1's shares and step 2's within-group shape are estimates; every published census
cell (county x sex x age group) is reproduced exactly.
"""
from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from . import graduation
from .caching import read_only_cache
from .dimensions import AGES, MAX_AGE, SEXES
from .errors import DemographicWarning, OloyInputError
from .hierarchy import hierarchy
from .resources import read_bundled
from .tables import check_codes, check_unique, read_user_csv, to_number
from .tidy import to_array, to_frame

CENSUS_YEARS = {2020: "census7", 2010: "census6"}
CENSUS_DATE = {2020: "2020-11-01", 2010: "2010-11-01"}
OPEN_AGE_METHODS = ("wpp_china", "stationary")
OLD_AGE_STARTS = (85, 90, 95, 100)
POPULATION_COLUMNS = ["region", "sex", "age", "population"]


def regions() -> pd.DataFrame:
    """The 12 county-level units of Dali prefecture.

    Returns
    -------
    DataFrame
        ``[region, name_zh, name_en, centroid_lon, centroid_lat, parent, level]``; ``region``
        is the 6-digit statistical division code as a string. Centroids [degrees] come from a
        public boundary file (coordinates only; see ``data/sources.csv``, ``geo_centroids``).
        ``parent`` (the code of the region the county sums into) and ``level`` (``county``)
        come from the hierarchy (:func:`oloy_model.hierarchy.hierarchy`).
    """
    table = read_bundled("census7/regions.csv")[["region", "name_zh", "name_en", "centroid_lon", "centroid_lat"]]
    return table.merge(hierarchy(), on="region", how="left", validate="one_to_one").reset_index(drop=True)


def region_codes() -> list[str]:
    """The 12 county division codes, in ascending order."""
    return sorted(regions()["region"])


def _census_folder(year: int) -> str:
    if year not in CENSUS_YEARS:
        raise OloyInputError(f"census year {year!r} is not bundled; expected one of {sorted(CENSUS_YEARS)}")
    return CENSUS_YEARS[year]


def census_age_groups(year: int = 2020, *, level: str = "county") -> pd.DataFrame:
    """Census resident population by region, sex and published age group.

    Parameters
    ----------
    year : {2020, 2010}
        Census year (7th census 2020-11-01 or 6th census 2010-11-01).
    level : {"county", "prefecture", "province"}

    Returns
    -------
    DataFrame
        ``[region, sex, age_group, age_start, age_end, population, source, quality]``
        [persons]; ``age_end`` is missing for the open group 85+.
    """
    table = read_bundled(f"{_census_folder(year)}/population_by_age_group.csv")
    valid = ("county", "prefecture", "province")
    graduation.check_method(level, valid, "level")
    table = table[table["level"] == level].drop(columns="level")
    return table.sort_values(["region", "sex", "age_start"], kind="stable").reset_index(drop=True)


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
def _graduated(year: int, method: str, open_age_method: str) -> pd.DataFrame:
    codes, cube, starts = _group_array(census_age_groups(year))
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
                    path: str | Path | None = None) -> pd.DataFrame:
    """County x sex x single-year-of-age resident population at the census date.

    Parameters
    ----------
    year : {2020, 2010}
        Census year; the population refers to 00:00 on 1 November of that year.
    method : {"mono", "pclm"}
        Single-year split of the census age groups (see :mod:`oloy_model.graduation`).
    open_age_method : {"wpp_china", "stationary"}
        Split of 85+ into 85..99 and 100+ (see the module docstring).
    path : str or Path, optional
        A user table (CSV ``region, sex, age, population``, single years 0..100, 100 = 100+)
        that replaces the estimate for the regions it covers; each covered region must have
        both sexes and all 101 ages. Differences from the census groups are reported as a
        :class:`DemographicWarning` naming region, sex, age group and both values.

    Returns
    -------
    DataFrame
        ``[region, sex, age, population]`` [persons, float], 12 x 2 x 101 rows, sorted.
    """
    graduation.check_method(method)
    graduation.check_method(open_age_method, OPEN_AGE_METHODS, "open_age_method")
    estimate = _graduated(int(year), method, open_age_method).copy()
    if path is None:
        return estimate
    user = read_population_table(path)
    warn_census_differences(user, year, source=str(path))
    covered = estimate["region"].isin(set(user["region"]))
    merged = pd.concat([estimate[~covered], user[POPULATION_COLUMNS]])
    merged["sex_order"] = merged["sex"].map({s: i for i, s in enumerate(SEXES)})
    merged = merged.sort_values(["region", "sex_order", "age"]).drop(columns="sex_order")
    return merged.reset_index(drop=True)


def read_population_table(path: str | Path) -> pd.DataFrame:
    """Read and check a single-year population table supplied by the user.

    Layout: CSV with columns ``region`` (6-digit division code), ``sex`` (``female`` or
    ``male``), ``age`` (whole years 0..100, 100 = 100+), ``population`` (persons, >= 0);
    other columns are ignored. Each region present must have 2 x 101 rows.

    Raises
    ------
    OloyInputError
        Naming the file, the column and up to five offending rows.
    """
    frame = read_user_csv(path, POPULATION_COLUMNS, what="population")
    frame = frame.assign(
        region=check_codes(frame, "region", region_codes(), path),
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
    """Aggregate single years to the census age groups of ``year`` [persons]."""
    groups = census_age_groups(year)
    starts = np.sort(groups["age_start"].unique())
    position = np.searchsorted(starts, population["age"].to_numpy(), side="right") - 1
    grouped = population.assign(age_start=starts[position])
    return grouped.groupby(["region", "sex", "age_start"], as_index=False)["population"].sum()


def census_differences(population: pd.DataFrame, year: int = 2020, tolerance: float = 0.5) -> pd.DataFrame:
    """Cells where ``population`` differs from the census group total by more than ``tolerance``.

    Returns
    -------
    DataFrame
        ``[region, sex, age_group, census, table, difference]`` [persons].
    """
    census = census_age_groups(year)
    mine = to_census_groups(population, year).rename(columns={"population": "table"})
    joined = census.merge(mine, on=["region", "sex", "age_start"], how="inner")
    joined = joined.rename(columns={"population": "census"})
    joined["difference"] = joined["table"] - joined["census"]
    bad = joined[joined["difference"].abs() > tolerance]
    return bad[["region", "sex", "age_group", "census", "table", "difference"]].reset_index(drop=True)


def warn_census_differences(population: pd.DataFrame, year: int, *, source: str) -> pd.DataFrame:
    """Warn (DemographicWarning) about every census cell the table does not reproduce."""
    bad = census_differences(population, year)
    if len(bad):
        cells = "; ".join(
            f"{r.region} {r.sex} {r.age_group}: census {r.census:,.0f}, table {r.table:,.1f}"
            for r in bad.head(10).itertuples()
        )
        more = f" (and {len(bad) - 10} more)" if len(bad) > 10 else ""
        warnings.warn(f"{source}: {len(bad)} census age-group cell(s) differ from the {year} census: {cells}{more}",
                      DemographicWarning, stacklevel=3)
    return bad
