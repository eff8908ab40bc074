"""Observed statistics after the census: loading, checking, and the model's matching values.

Layout (CSV): ``region, year, quantity, value, source, basis``. ``region`` is a county code or
the prefecture's (:func:`oloy_model.base.hierarchy.area_code`); ``quantity`` one of :data:`QUANTITIES`; ``value`` >= 0 (empty = missing,
kept and reported as missing by the measures); ``basis`` ``resident`` (常住, the census and
model definition; the default when the column is absent) or ``registered`` (户籍, by household
registration). Registered-basis rows and rows before the base year are kept and shown but are
not *comparable*: the model has no registered population, and a projection from the census
cannot reproduce an earlier year (:func:`comparable`). Other columns (``quality``, ``moment``,
``quote``, ...) are kept as they are. The bundled official figures are
:func:`bundled_observations` (``data/observations/dali_official.csv``). Timing: stocks (population counts) are
year-end (31 December) figures and flows (births, deaths) calendar-year totals, as in Chinese
statistical yearbooks; capacity counts are year-end stocks. The model's values at 1 November
are interpolated: a 31 December stock of year t is ``P(t) + 2/12 (P(t+1) - P(t))``, a
calendar-year flow ``10/12 F(t) + 2/12 F(t+1)`` (the model's flow of year t covers November
t-1 to October t); in the model's last year the t+1 term is dropped.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .dimensions import AGE_BANDS, observation_quantity
from .errors import OloyInputError
from .hierarchy import area_code, leaf_codes, with_parent_totals
from .resources import data_dir, read_bundled
from .user_tables import check_codes, check_unique, fail_rows, read_user_csv, to_number

QUANTITIES = ("population", "births", "deaths", "population_60plus", "population_0_2", "population_0_14",
              "elderly_beds", "childcare_places", "registered_population")
STOCKS = ("population", "population_60plus", "population_0_2", "population_0_14", "elderly_beds", "childcare_places")
COLUMNS = ["region", "year", "quantity", "value", "source", "basis"]
BASES = ("resident", "registered")
BUNDLED = "observations/dali_official.csv"
FIRST_YEAR = 2000  # earlier figures are not post-census statistics of this model's era
#: The last year an observation may have: a year-end figure of t needs the model's 1 November of t + 1,
#: and the projection's horizon is at most 2100.
LAST_YEAR = 2099
#: Observed population quantities -> ages (inclusive), from the one table of age bands.
POPULATION_BANDS = {observation_quantity(band): AGE_BANDS[band]
                    for band in ("population", "age_60plus", "age_0_2", "age_0_14")}
LATE_SHARE = 2.0 / 12.0  # November and December


def load_observations(path: str | Path, *, years: tuple[int, int] = (FIRST_YEAR, LAST_YEAR)) -> pd.DataFrame:
    """Read and check an observations file.

    Returns
    -------
    DataFrame [region, year, quantity, value, source, basis, ...]
        The layout's columns first, then any extra columns of the file as text.

    Raises
    ------
    OloyInputError
        Naming the file, the column and up to five offending rows: unknown region, quantity
        or basis, a registered population on the resident basis, negative or non-numeric
        values, duplicated (region, year, quantity, basis), years outside ``years``.
    """
    frame = read_user_csv(path, ["region", "year", "quantity", "value"], what="observations")
    return _checked(frame, path, years)


def _checked(frame: pd.DataFrame, path, years: tuple[int, int]) -> pd.DataFrame:

    frame = frame.copy()
    frame["region"] = check_codes(frame, "region", leaf_codes() + [area_code()], path)
    frame["quantity"] = check_codes(frame, "quantity", QUANTITIES, path)
    frame["basis"] = frame["basis"].astype(str).replace("", "resident") if "basis" in frame.columns else "resident"
    frame["basis"] = check_codes(frame, "basis", BASES, path)
    fail_rows(path, "basis", (frame["quantity"] == "registered_population") & (frame["basis"] != "registered"),
              frame, "'registered' for quantity registered_population")
    frame["year"] = to_number(frame, "year", path, integer=True, minimum=years[0], maximum=years[1]).astype(int)
    text = frame["value"].astype(str).str.strip()
    blank = text.isin(["", "nan"])
    numbers = to_number(frame.assign(value=text.where(~blank, "0")), "value", path, minimum=0)
    frame["value"] = numbers.astype(float).where(~blank, np.nan)
    # Errors are relative to the observed value: a zero population or count has no percentage error.
    fail_rows(path, "value", frame["value"].fillna(1.0) <= 0, frame, "a value above 0 (errors are relative to it)")
    check_unique(frame, ["region", "year", "quantity", "basis"], path)
    if "source" not in frame.columns:
        frame["source"] = str(Path(path).name)
    extra = [c for c in frame.columns if c not in COLUMNS]
    return frame[COLUMNS + extra].reset_index(drop=True)


def bundled_observations() -> pd.DataFrame:
    """The bundled official post-census statistics (checksum-verified; see ``data/observations``)."""
    frame = read_bundled(BUNDLED).astype({"region": str, "year": str, "value": str})
    return _checked(frame.fillna(""), data_dir() / BUNDLED, (FIRST_YEAR, 2100))


def combine(base: pd.DataFrame, added: pd.DataFrame) -> pd.DataFrame:
    """``base`` rows plus ``added`` ones; an added row replaces a base row with the same
    region, year, quantity and basis (a newer bulletin revises a figure)."""
    keys = ["region", "year", "quantity", "basis"]
    index = pd.MultiIndex.from_frame(added[keys])
    kept = base[~pd.MultiIndex.from_frame(base[keys]).isin(index)]
    return pd.concat([kept, added], ignore_index=True).sort_values(keys, kind="stable").reset_index(drop=True)


def comparable(observations: pd.DataFrame, base_year: int = 2020) -> pd.Series:
    """Rows the model can reproduce: resident basis, a model quantity, from the base year on."""
    return ((observations["basis"] == "resident") & (observations["quantity"] != "registered_population")
            & (observations["year"] >= base_year))


def not_comparable_reason(row, base_year: int = 2020, horizon: int | None = None) -> str:
    """Why a row is shown but not compared (empty when it is comparable)."""
    if row["basis"] != "resident" or row["quantity"] == "registered_population":
        return "registered basis (户籍): not comparable with the resident population; not fitted"
    if row["year"] < base_year:
        return f"before the base year {base_year}: evidence on the intercensal path, not reproducible"
    if horizon is not None and row["year"] >= horizon:
        return f"at or after the projection's horizon {horizon}: outside the projection"
    return ""


def model_series(result, quantity: str) -> pd.DataFrame:
    """The model's 1-November values of a quantity by region (counties and the prefecture) and year."""
    projection = result.projection
    pop = projection.population
    if quantity in POPULATION_BANDS:
        low, high = POPULATION_BANDS[quantity]
        table = pop[pop["age"].between(low, high)].groupby(["region", "year"], as_index=False)["population"].sum()
        table = table.rename(columns={"population": "value"})
    elif quantity in ("births", "deaths"):
        frame = getattr(projection, quantity)
        table = frame.groupby(["region", "year"], as_index=False)[quantity].sum().rename(columns={quantity: "value"})
    else:
        cap = result.capacity[result.capacity["service"] == quantity]
        table = cap[["region", "year", "capacity"]].rename(columns={"capacity": "value"})
    return with_parent_totals(table, ["year"], ["value"])


def _interpolated(quantity: str, now: np.ndarray, after: np.ndarray) -> np.ndarray:
    """Year-end stock or calendar-year flow from 1-November values of t and t+1 (see module)."""
    if quantity in STOCKS:
        return np.where(np.isnan(after), now, now + LATE_SHARE * (after - now))
    return np.where(np.isnan(after), now, (1 - LATE_SHARE) * now + LATE_SHARE * after)


def model_values(result, observations: pd.DataFrame, series=None) -> pd.Series:
    """The model's values matching each observation (timing as in the module docstring).

    Rows that are not :func:`comparable` get NaN. ``series(quantity) -> DataFrame [region,
    year, value]`` supplies the model's 1-November values (default: :func:`model_series` of
    ``result``).
    """
    series_of = series or (lambda quantity: model_series(result, quantity))
    out = np.full(len(observations), np.nan)
    # the projection starts in its base year (population years run base..horizon)
    base_year = None if result is None else int(result.projection.population["year"].min())
    usable = comparable(observations, base_year or FIRST_YEAR) if "basis" in observations.columns else \
        pd.Series(True, index=observations.index)
    for quantity, rows in observations[usable].groupby("quantity"):
        series = series_of(quantity).set_index(["region", "year"])["value"]
        now = series.reindex(pd.MultiIndex.from_arrays([rows["region"], rows["year"]])).to_numpy()
        after = series.reindex(pd.MultiIndex.from_arrays([rows["region"], rows["year"] + 1])).to_numpy()
        out[observations.index.get_indexer(rows.index)] = _interpolated(quantity, now, after)
    _check_inside(observations, out, usable.to_numpy())
    return pd.Series(out, index=observations.index, name="projected")


def _check_inside(observations: pd.DataFrame, out: np.ndarray, usable: np.ndarray) -> None:
    missing = np.isnan(out) & observations["value"].notna().to_numpy() & usable
    if missing.any():
        bad = observations[missing].head(5)
        raise OloyInputError("observations outside the projection (region, year, quantity): "
                             + "; ".join(f"{r.region}/{r.year}/{r.quantity}" for r in bad.itertuples()))


class ArrayMatcher:
    """The model's values for fixed observations, straight from kernel arrays (no DataFrames).

    Calibration and anchoring re-run the kernel hundreds of times; this gathers each
    observation's 1-November values of t and t+1 by position and interpolates them exactly
    as :func:`model_values` does. ``observations`` must all be comparable.
    """

    def __init__(self, observations: pd.DataFrame, codes: list[str], base_year: int):
        self.observations = observations.reset_index(drop=True)
        self.region = self.observations["region"].map({c: i for i, c in enumerate(list(codes) + [area_code()])})
        self.base_year = base_year
        for quantity in self.observations["quantity"].unique():
            if quantity not in POPULATION_BANDS and quantity not in ("births", "deaths"):
                raise OloyInputError(f"calibration cannot use {quantity!r} observations (capacity is not calibrated)")

    def _matrix(self, arrays: dict, quantity: str) -> tuple[np.ndarray, int]:
        """(region + prefecture, year) values and the year of column 0."""
        if quantity in POPULATION_BANDS:
            low, high = POPULATION_BANDS[quantity]
            values, first = arrays["population"][..., low:high + 1].sum(axis=(-2, -1)), self.base_year
        else:
            flows = arrays[quantity]
            values, first = (flows.sum(axis=-1) if quantity == "births" else flows.sum(axis=(-2, -1))), self.base_year + 1
        values = np.concatenate([values, values.sum(axis=1, keepdims=True)], axis=1)  # add the prefecture
        return np.vstack([values, np.full((1, values.shape[1]), np.nan)]).T, first  # NaN row: beyond the horizon

    def values(self, arrays: dict) -> np.ndarray:
        out = np.full(len(self.observations), np.nan)
        for quantity, rows in self.observations.groupby("quantity"):
            matrix, first = self._matrix(arrays, quantity)
            last = matrix.shape[1] - 1
            column = rows["year"].to_numpy() - first
            column = np.where((column < 0) | (column > last), last, column)  # outside: the NaN row
            region = self.region[rows.index].to_numpy()
            now, after = matrix[region, column], matrix[region, np.minimum(column + 1, last)]
            out[rows.index] = _interpolated(quantity, now, after)
        _check_inside(self.observations, out, np.ones(len(out), dtype=bool))
        return out
