"""Mortality: single-year standard schedules, the Brass relational logit model, e0 paths.

Method (defaults; every choice is a scenario parameter):

1. **Standard.** UN WPP 2024 China abridged central death rates ``nmx`` (ages 0, 1, 5, ...,
   100+, 5-year periods) are turned into single years by monotone (PCHIP) interpolation of
   the cumulative hazard ``H(x) = -ln l(x)`` at the exact ages 0, 1, 5, ..., 100 (with
   ``H(1) = -ln(1 - q0)`` and a constant hazard ``nmx`` within each later interval, so
   ``H(x+n) = H(x) + n nmx``; Fritsch & Carlson 1980 for the monotone interpolant), then
   ``q = 1 - exp(-dH)`` and ``mx = q / (1 - q/2)`` per single year; ``m0`` and ``m100+`` are
   kept.
   Between period mid-points (e.g. 2022.5) the single-year rates are interpolated
   log-linearly; a calendar year outside the range uses the nearest period.
2. **Level.** Dali's schedule for year t is a Brass (1971) relational logit transform of the
   standard for t with slope ``beta`` = 1: ``logit l(x) = alpha + logit l_s(x)``, where
   ``logit l = 0.5 ln((1-l)/l)`` (Brass 1971, "On the scale of mortality", in Brass (ed.),
   Biological Aspects of Demography; UN Manual X 1983, ch. I). ``alpha`` is solved (Brent's
   method) so that the table's e0 equals the target.
3. **Targets.** Base year: both-sex e0 = 76.56 (Dali plan 2022, for 2020), split by sex with
   the WPP China 2020 female-male gap (5.75 years); the both-sex value is the birth-weighted
   mean ``(e0_f + srb e0_m) / (1 + srb)``. Later years add WPP China's medium-variant gain in
   e0 by sex since the base year (``e0_s(t) = e0_s(base) + e0_s^WPP(t) - e0_s^WPP(base)``).
   The WPP path includes China's 2022-2023 mortality shock; it is kept as published.

County differentials: none by default. The 2010 census crude death rates, indirectly
standardised for age (:func:`county_smr`), range widely but census-year death counts are
known to be under-reported to different degrees, so they are reported, not applied.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.interpolate import PchipInterpolator
from scipy.optimize import brentq

from ..base.caching import read_only_cache
from ..base.dimensions import SEXES
from ..base.resources import read_bundled
from .lifetable import a0_andreev_kingkade, ABRIDGED_STARTS, abridged_widths, life_table



def single_year_from_abridged(mx5: np.ndarray, sex: str) -> np.ndarray:
    """Single-year ``mx`` (ages 0..100+) from abridged ``nmx`` (ages 0, 1, 5, ..., 100+).

    Parameters
    ----------
    mx5 : array [deaths per person-year], shape (22,)
    sex : {"female", "male"}

    Returns
    -------
    array [deaths per person-year], shape (101,)
    """
    q0 = life_table(mx5[:2], sex, widths=np.array([1.0, np.inf]))["qx"][0]
    hazard = np.concatenate([[0.0, -np.log1p(-q0)], -np.log1p(-q0) + np.cumsum(abridged_widths()[1:-1] * mx5[1:-1])])
    spline = PchipInterpolator(ABRIDGED_STARTS.astype(float), hazard)
    cumulative = spline(np.arange(101, dtype=float))
    qx = 1.0 - np.exp(-np.diff(cumulative))  # ages 0..99
    mx = qx / (1.0 - 0.5 * qx)
    mx[0] = mx5[0]
    return np.append(mx, mx5[-1])


@read_only_cache(maxsize=4)
def _standard_periods() -> tuple[np.ndarray, np.ndarray]:
    table = read_bundled("wpp2024/mx5.csv")
    periods = np.sort(table["period_start"].unique())
    cube = np.empty((periods.size, 2, 101))
    for i, period in enumerate(periods):
        for s, sex in enumerate(SEXES):
            rows = table[(table.period_start == period) & (table.sex == sex)].sort_values("age_start")
            cube[i, s] = single_year_from_abridged(rows["mx"].to_numpy(float), sex)
    return periods + 2.5, cube


def standard_mx(years: np.ndarray) -> np.ndarray:
    """WPP 2024 China single-year ``mx`` for calendar years, shape (years, 2, 101).

    Log-linear interpolation between 5-year period mid-points; constant beyond the ends.
    """
    midpoints, cube = _standard_periods()
    years = np.atleast_1d(np.asarray(years, dtype=float))
    position = np.clip(np.interp(years, midpoints, np.arange(midpoints.size)), 0, midpoints.size - 1)
    low = np.floor(position).astype(int)
    high = np.minimum(low + 1, midpoints.size - 1)
    weight = (position - low)[:, None, None]
    return np.exp((1 - weight) * np.log(cube[low]) + weight * np.log(cube[high]))


def logit(lx: np.ndarray) -> np.ndarray:
    """Brass logit ``0.5 ln((1 - l) / l)``; undefined at l = 1 (age 0), where it is -inf."""
    with np.errstate(divide="ignore"):
        return 0.5 * np.log((1.0 - lx) / lx)


def relational_mx(standard: np.ndarray, sex: str, alpha: float, beta: float = 1.0) -> np.ndarray:
    """Brass relational logit transform of a single-year standard ``mx`` (shape (101,)).

    Returns single-year ``mx`` whose survivorship satisfies
    ``logit l(x) = alpha + beta logit l_s(x)`` at ages 1..100; the open rate ``m100`` is the
    standard's scaled by the ratio of the two schedules at age 99.
    """
    lx_std = life_table(standard, sex)["lx"]
    y = alpha + beta * logit(lx_std[1:])
    lx = np.concatenate([[1.0], 1.0 / (1.0 + np.exp(2.0 * y))])
    qx = 1.0 - lx[1:] / lx[:-1]
    mx = np.empty(101)
    a0 = a0_andreev_kingkade(standard[0], sex)
    for _ in range(3):  # a0 depends on m0: a short fixed point
        mx[0] = qx[0] / (1.0 - (1.0 - a0) * qx[0])
        a0 = a0_andreev_kingkade(mx[0], sex)
    mx[1:100] = qx[1:] / (1.0 - 0.5 * qx[1:])
    mx[100] = standard[100] * mx[99] / standard[99]
    return mx


def relational_grid(standard: np.ndarray, alphas: np.ndarray) -> np.ndarray:
    """Vectorised :func:`relational_mx` for many standards and alphas.

    Parameters
    ----------
    standard : array [deaths per person-year], shape (..., 2, 101)
        Single-year standards, female and male on the second-to-last axis.
    alphas : array [-], shape (K,)

    Returns
    -------
    array [deaths per person-year], shape (..., 2, K, 101)
    """
    sexes = np.array(SEXES)
    sex = np.broadcast_to(sexes[:, None], standard.shape[-2:-1] + (1,))[..., 0]
    lx_std = life_table(standard, np.broadcast_to(sex, standard.shape[:-1]))["lx"]
    y = alphas[:, None] + logit(lx_std[..., None, 1:])  # (..., 2, K, 100)
    lx = np.concatenate([np.ones(y.shape[:-1] + (1,)), 1.0 / (1.0 + np.exp(2.0 * y))], axis=-1)
    qx = 1.0 - lx[..., 1:] / lx[..., :-1]
    mx = np.empty(lx.shape)
    sex_k = np.broadcast_to(sex[:, None], mx.shape[-3:-1])
    a0 = a0_andreev_kingkade(standard[..., :, None, 0], sex_k)
    for _ in range(3):
        mx[..., 0] = qx[..., 0] / (1.0 - (1.0 - a0) * qx[..., 0])
        a0 = a0_andreev_kingkade(mx[..., 0], sex_k)
    mx[..., 1:100] = qx[..., 1:] / (1.0 - 0.5 * qx[..., 1:])
    mx[..., 100] = standard[..., :, None, 100] * mx[..., 99] / standard[..., :, None, 99]
    return mx


def calibrate_alpha(standard: np.ndarray, sex: str, target_e0: float) -> float:
    """Brass ``alpha`` (beta = 1) giving life expectancy ``target_e0`` [years]."""
    def gap(alpha: float) -> float:
        return life_table(relational_mx(standard, sex, alpha), sex)["ex"][0] - target_e0
    return brentq(gap, -3.0, 3.0, xtol=1e-10)


def e0_sex_split(e0_both: float, sex_gap: float, srb: float) -> tuple[float, float]:
    """Female and male e0 [years] with ``e0_f - e0_m = sex_gap`` and birth-weighted mean ``e0_both``."""
    male = e0_both - sex_gap / (1.0 + srb)
    return male + sex_gap, male


@read_only_cache(maxsize=4)
def wpp_e0() -> pd.DataFrame:
    """WPP 2024 China e0 by year (rows) and sex (columns), estimates then medium projection."""
    table = read_bundled("wpp2024/e0.csv")
    table = table[table["variant"].isin(["estimate", "medium"])]
    return table.pivot(index="year", columns="sex", values="e0")[list(SEXES)]


def e0_path(years: np.ndarray, base_year: int, e0_base: tuple[float, float], *, trend: str = "wpp_medium",
            annual_gain: float = 0.0) -> np.ndarray:
    """Target e0 [years] by year and sex, shape (years, 2).

    ``trend="wpp_medium"``: base plus WPP China medium gains since ``base_year`` (years past
    2099 keep the 2099 gain). ``trend="constant"``: base plus ``annual_gain`` per year.
    """
    years = np.asarray(years)
    base = np.asarray(e0_base, dtype=float)
    if trend == "constant":
        return base[None, :] + annual_gain * (years - base_year)[:, None]
    wpp = wpp_e0()
    clipped = np.clip(years, wpp.index.min(), wpp.index.max())
    gains = wpp.loc[clipped].to_numpy() - wpp.loc[base_year].to_numpy()
    return base[None, :] + gains


@read_only_cache(maxsize=32)
def mortality_schedule(years: tuple[int, ...], e0_targets: tuple[tuple[float, float], ...]) -> np.ndarray:
    """Single-year ``mx`` (years, 2, 101) calibrated to e0 targets by Brass logit on the WPP standard."""
    standards = standard_mx(np.asarray(years))
    out = np.empty_like(standards)
    for t, targets in enumerate(e0_targets):
        for s, sex in enumerate(SEXES):
            alpha = calibrate_alpha(standards[t, s], sex, targets[s])
            out[t, s] = relational_mx(standards[t, s], sex, alpha)
    out.setflags(write=False)
    return out


def county_smr(population: pd.DataFrame, deaths: pd.Series, mx: np.ndarray) -> pd.DataFrame:
    """Indirectly standardised mortality ratios by region.

    Parameters
    ----------
    population : DataFrame [region, sex, age, population]
        Single-year population (e.g. the 2010 census base).
    deaths : Series [deaths per year] indexed by region
        Observed deaths (e.g. census-year CDR x population / 1,000).
    mx : array [deaths per person-year], shape (2, 101)
        Standard schedule.

    Returns
    -------
    DataFrame [region, observed, expected, smr]

    Notes
    -----
    Preston, Heuveline & Guillot (2001), section 2.6 (indirect standardisation).
    """
    sex_index = population["sex"].map({s: i for i, s in enumerate(SEXES)}).to_numpy()
    rates = mx[sex_index, population["age"].to_numpy()]
    expected = (population.assign(expected=population["population"] * rates)
                .groupby("region")["expected"].sum())
    frame = pd.DataFrame({"observed": deaths, "expected": expected})
    frame["smr"] = frame["observed"] / frame["expected"]
    return frame.rename_axis("region").reset_index()
