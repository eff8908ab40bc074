"""Fertility: age schedules, indirect estimation of Dali's level, TFR paths and policy effects.

* **Age schedule.** The WPP 2024 China percentage distribution of fertility by 5-year age
  of mother for a chosen year, restricted to 15-49 (the 10-14 and 50-54 shares, together
  under 0.5%, are dropped and the rest renormalised) and split into single years by the
  monotone cumulative spline (:mod:`oloy_model.demography.graduation`). ``ASFR(a) = TFR x share(a)``.
* **Level.** Dali's TFR is not published. It is estimated per county by *reverse survival*
  of the census children (Timaeus & Moultrie 2013, "Estimating fertility from the reverse
  survival of children", in Moultrie et al. (eds.), Tools for Demographic Estimation,
  IUSSP): births k years before the census are the children aged k-1 divided by their
  life-table survival ``L(k-1)``; women's exposure is reverse-survived from the census; TFR
  = births / sum(share(a) x exposure(a)). Known biases: under-enumeration of young children
  (common in Chinese censuses) and migration of children or women (e.g. students and young
  workers in Dali City) both bias the estimate downwards or upwards; cross-checks with the
  2010 census crude birth rates and children ever born are reported.
* **Path.** The prefecture path is Dali's estimated level relative to China applied to the
  WPP 2024 China TFR (estimates to 2023, then the medium, low or high variant); counties
  enter as multipliers (county TFR / prefecture TFR). A birth-policy effect is an additive
  TFR increment with explicit timing (:func:`policy_effect`).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..base.caching import read_only_cache
from ..base.dimensions import AGES, N_AGES, SEXES
from ..base.errors import OloyInputError
from ..base.resources import read_bundled
from ..base.tidy import to_array
from .graduation import graduate
from .lifetable import life_table

REPRODUCTIVE = (15, 50)  # ages 15..49
TFR_VARIANTS = ("medium", "low", "high")
#: How a low/high variant's difference from the medium is phased in: "smooth" (linear) or the UN's steps.
VARIANT_PHASINGS = ("smooth", "un_steps")


@read_only_cache(maxsize=16)
def age_schedule(year: int) -> np.ndarray:
    """Single-year share of fertility by age of mother [-], shape (101,), sums to 1.

    Parameters
    ----------
    year : int
        WPP 2024 schedule year (1950..2100; estimates to 2023).
    """
    table = read_bundled("wpp2024/asfr_percent5.csv")
    available = table["year"].unique()
    if year not in available:
        raise OloyInputError(f"fertility schedule year {year} not in WPP 2024 ({available.min()}..{available.max()})")
    rows = table[(table["year"] == year) & table["age_start"].between(*REPRODUCTIVE, inclusive="left")]
    counts = np.concatenate([[0.0], rows.sort_values("age_start")["percent"].to_numpy(float), [0.0]])
    bounds = [0] + list(range(REPRODUCTIVE[0], REPRODUCTIVE[1] + 1, 5))
    singles = graduate(counts, bounds, method="mono")
    share = np.zeros(N_AGES)
    share[: singles.size - 1] = singles[:-1]
    share /= share.sum()
    share.setflags(write=False)
    return share


def asfr(tfr: np.ndarray, schedule: np.ndarray) -> np.ndarray:
    """Age-specific fertility [births per woman-year]: ``tfr[..., None] * schedule``."""
    return np.asarray(tfr, dtype=float)[..., None] * schedule


def wpp_tfr(years: np.ndarray, variant: str = "medium", phasing: str = "smooth") -> np.ndarray:
    """WPP 2024 China TFR [children per woman]: estimates to 2023, then ``variant``.

    Parameters
    ----------
    years : array of int
        Calendar years; years past 2100 keep the 2100 value.
    variant : {"medium", "low", "high"}
    phasing : {"smooth", "un_steps"}
        How a low or high variant departs from the medium. ``"un_steps"``: the UN's own
        definition (United Nations 2024, World Population Prospects 2024: Methodology, section
        on projection variants): medium -/+ 0.25 children in 2024-2028, 0.4 in 2029-2033 and
        0.5 from 2034, which makes births jump in 2024, 2029 and 2034. ``"smooth"`` (default):
        the same final values, reached by a constant relative change per year: the ratio
        variant / medium moves geometrically from 1 in the last year of estimates (2023) to
        the UN's ratio in the first year the UN applies its full difference (2034; 0.54 for
        low, 1.46 for high), and the UN's values from then on. A linear phase-in of the
        absolute difference would steepen the relative fall of the low variant year by year
        (-5.8% in 2033 against -3.1% in 2024).
    """
    if variant not in TFR_VARIANTS:
        raise OloyInputError(f"TFR variant {variant!r} not known; expected one of {list(TFR_VARIANTS)}")
    if phasing not in VARIANT_PHASINGS:
        raise OloyInputError(f"TFR variant phasing {phasing!r} not known; expected one of {list(VARIANT_PHASINGS)}")
    series = _wpp_series(variant)
    if variant != "medium" and phasing == "smooth":
        series = _smooth_variant(series, _wpp_series("medium"), last_estimate=_last_estimate_year())
    years = np.asarray(years)
    return series.reindex(np.clip(years, series.index.min(), series.index.max())).to_numpy(float)


def _wpp_series(variant: str) -> pd.Series:
    table = read_bundled("wpp2024/tfr.csv")
    return table[table["variant"].isin(["estimate", variant])].set_index("year")["tfr"].sort_index()


def _last_estimate_year() -> int:
    table = read_bundled("wpp2024/tfr.csv")
    return int(table.loc[table["variant"] == "estimate", "year"].max())


def _smooth_variant(variant: pd.Series, medium: pd.Series, *, last_estimate: int) -> pd.Series:
    """The variant phased in smoothly (see :func:`wpp_tfr`): the ratio variant / medium moves
    geometrically from 1 in ``last_estimate`` to the UN's ratio in the first year the UN applies
    its full difference, so the relative change per year is constant; the UN's values after."""
    difference = (variant - medium).round(10)
    full_from = int(difference.index[(difference != difference.iloc[-1]).to_numpy().nonzero()[0].max() + 1])
    years = variant.index.to_numpy()
    weight = np.clip((years - last_estimate) / (full_from - last_estimate), 0.0, 1.0)
    ratio = variant[full_from] / medium[full_from]
    return variant.where(years >= full_from, medium * ratio ** weight)


def policy_effect(years: np.ndarray, *, onset: float, peak: float, ramp_years: float = 1.0,
                  plateau_years: float = 0.0, decay_years: float = 0.0, floor: float = 0.0) -> np.ndarray:
    """Additive TFR effect of a birth policy [children per woman] by year.

    A trapezoid in time: zero before ``onset`` (a decimal year, e.g. 2021.5), rising linearly
    to ``peak`` over ``ramp_years``, holding for ``plateau_years``, then falling linearly over
    ``decay_years`` to ``floor`` (a lasting effect; 0 for a pure tempo effect), which holds
    thereafter. With ``decay_years = 0`` the effect stays at ``peak``. The value for year t is
    the effect at mid-year (t + 0.5) so that a policy from mid-2021 starts in 2022's births.
    """
    t = np.asarray(years, dtype=float) + 0.5 - onset
    ramp = np.clip(t / ramp_years, 0.0, 1.0) if ramp_years > 0 else (t >= 0).astype(float)
    effect = peak * ramp
    if decay_years > 0:
        fall = np.clip((t - ramp_years - plateau_years) / decay_years, 0.0, 1.0)
        effect = effect - (peak - floor) * fall
    return np.where(t >= 0, effect, 0.0)


def reverse_survival_tfr(population: pd.DataFrame, mx: np.ndarray, schedule: np.ndarray,
                         years_back: int = 5) -> pd.DataFrame:
    """TFR in each of the ``years_back`` years before a census, by reverse survival.

    Parameters
    ----------
    population : DataFrame [region, sex, age, population]
        Single-year census population (persons at the census date).
    mx : array [deaths per person-year], shape (2, 101)
        Mortality of the years before the census (female, male).
    schedule : array [-], shape (101,)
        Age distribution of fertility (sums to 1).
    years_back : int
        How many one-year periods before the census (1 = the 12 months before it).

    Returns
    -------
    DataFrame [region, years_before, births, exposure, tfr]
        ``births`` [births per year] are reverse-survived children; ``exposure``
        [woman-years weighted by the schedule]; ``tfr`` [children per woman].

    Notes
    -----
    Timaeus & Moultrie (2013). Women's exposure in year k before the census is the mean of
    the reverse-survived female population at k-1 and k years before, with the single-year
    survivorship ``l`` of ``mx``: ``W_a(t-k) = W_{a+k}(t) l_a / l_{a+k}``.
    """
    table = life_table(mx, np.array(SEXES))
    lx, Lx = table["lx"], table["Lx"]
    codes = sorted(population["region"].unique())
    cube = to_array(population, {"region": codes, "sex": SEXES, "age": AGES}, "population")
    women = cube[:, 0]
    steps = range(1, years_back + 1)
    births = np.stack([np.sum(cube[:, :, k - 1] / Lx[:, k - 1], axis=1) for k in steps], axis=1)
    weighted = np.stack([np.sum(schedule * 0.5 * (_reverse_women(women, lx[0], k - 1) + _reverse_women(women, lx[0], k)),
                                axis=-1) for k in steps], axis=1)
    return pd.DataFrame({"region": np.repeat(codes, years_back), "years_before": np.tile(np.arange(1, years_back + 1),
                                                                                           len(codes)),
                         "births": births.reshape(-1), "exposure": weighted.reshape(-1),
                         "tfr": (births / weighted).reshape(-1)})


def _reverse_women(women: np.ndarray, lx: np.ndarray, k: int) -> np.ndarray:
    """Women by age (last axis) k years before the census (ages 0..100-k filled; the rest zero)."""
    if k == 0:
        return women.copy()
    out = np.zeros_like(women)
    out[..., : N_AGES - 1 - k] = women[..., k : N_AGES - 1] * lx[: N_AGES - 1 - k] / lx[k : N_AGES - 1]
    return out
