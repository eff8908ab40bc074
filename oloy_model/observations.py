"""Observed statistics after the census: loading, checking, and the model's matching values.

Layout (CSV): ``region, year, quantity, value, source``. ``region`` is a county code or
532900 (prefecture); ``quantity`` one of :data:`QUANTITIES`; ``value`` >= 0 (empty = missing,
kept and reported as missing by the measures). Timing: stocks (population counts) are
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

from .errors import OloyInputError
from .tables import check_codes, check_unique, read_user_csv, to_number

QUANTITIES = ("population", "births", "deaths", "population_60plus", "population_0_2", "population_0_14",
              "elderly_beds", "childcare_places")
STOCKS = ("population", "population_60plus", "population_0_2", "population_0_14", "elderly_beds", "childcare_places")
COLUMNS = ["region", "year", "quantity", "value", "source"]
PREFECTURE = "532900"
POPULATION_BANDS = {"population": (0, 100), "population_60plus": (60, 100), "population_0_2": (0, 2),
                    "population_0_14": (0, 14)}  # quantity -> ages (inclusive)
LATE_SHARE = 2.0 / 12.0  # November and December


def load_observations(path: str | Path, *, years: tuple[int, int] = (2020, 2100)) -> pd.DataFrame:
    """Read and check an observations file.

    Raises
    ------
    OloyInputError
        Naming the file, the column and up to five offending rows: unknown region or
        quantity, negative or non-numeric values, duplicated (region, year, quantity),
        years outside ``years``.
    """
    from .population import region_codes

    frame = read_user_csv(path, ["region", "year", "quantity", "value"], what="observations")
    frame["region"] = check_codes(frame, "region", region_codes() + [PREFECTURE], path)
    frame["quantity"] = check_codes(frame, "quantity", QUANTITIES, path)
    frame["year"] = to_number(frame, "year", path, integer=True, minimum=years[0], maximum=years[1]).astype(int)
    blank = frame["value"].str.strip() == ""
    numbers = to_number(frame.assign(value=frame["value"].where(~blank, "0")), "value", path, minimum=0)
    frame["value"] = numbers.where(~blank, np.nan)
    check_unique(frame, ["region", "year", "quantity"], path)
    if "source" not in frame.columns:
        frame["source"] = str(Path(path).name)
    return frame[COLUMNS].reset_index(drop=True)


def model_series(result, quantity: str) -> pd.DataFrame:
    """The model's 1-November values of a quantity by region (counties and 532900) and year."""
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
    prefecture = table.groupby("year", as_index=False)["value"].sum().assign(region=PREFECTURE)
    return pd.concat([table, prefecture[table.columns]], ignore_index=True)


def model_values(result, observations: pd.DataFrame, series=None) -> pd.Series:
    """The model's values matching each observation (timing as in the module docstring).

    ``series(quantity) -> DataFrame [region, year, value]`` supplies the model's 1-November
    values (default: :func:`model_series` of ``result``).
    """
    series_of = series or (lambda quantity: model_series(result, quantity))
    out = np.full(len(observations), np.nan)
    for quantity, rows in observations.groupby("quantity"):
        series = series_of(quantity).set_index(["region", "year"])["value"]
        now = series.reindex(pd.MultiIndex.from_arrays([rows["region"], rows["year"]])).to_numpy()
        after = series.reindex(pd.MultiIndex.from_arrays([rows["region"], rows["year"] + 1])).to_numpy()
        if quantity in STOCKS:
            value = np.where(np.isnan(after), now, now + LATE_SHARE * (after - now))
        else:
            value = np.where(np.isnan(after), now, (1 - LATE_SHARE) * now + LATE_SHARE * after)
        out[observations.index.get_indexer(rows.index)] = value
    missing = np.isnan(out) & observations["value"].notna().to_numpy()
    if missing.any():
        bad = observations[missing].head(5)
        raise OloyInputError("observations outside the projection (region, year, quantity): "
                             + "; ".join(f"{r.region}/{r.year}/{r.quantity}" for r in bad.itertuples()))
    return pd.Series(out, index=observations.index, name="projected")
