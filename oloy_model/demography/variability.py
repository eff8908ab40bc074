"""How the demographic components vary from year to year: time-series fits for the ensemble.

Estimates from data (like :mod:`oloy_model.demography.local_estimates`), so that
:func:`oloy_model.demography.assumptions.resolve` can resolve the ``stochastic.*`` keys'
``"auto"`` without importing the uncertainty layer. The models and their use are described in
:mod:`oloy_model.uncertainty.stochastic`:

* **Fertility.** ARIMA(1,1,0) on China's log TFR (UN WPP 2024 annual estimates, 1991-2023),
  exact maximum likelihood (statsmodels ``ARIMA``); chosen over the random walk by AIC and the
  Ljung-Box test on its residuals. County deviations: the pooled year-to-year spread of the
  county/prefecture ratios of the reverse-survival estimates (2015-2020).
* **Mortality.** Random walk with drift on China's both-sex e0 (WPP 2024, 1990-2019).

References: Box, Jenkins & Reinsel, Time Series Analysis (4th ed., 2008), ch. 3-5; Alkema et
al. (2011), Demography 48:815-839; Lee & Tuljapurkar (1994), JASA 89:1175-1189.
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ..base.caching import read_only_cache
from ..base.hierarchy import area_code
from ..base.resources import read_bundled

TFR_FIT_YEARS = (1991, 2023)
E0_FIT_YEARS = (1990, 2019)


def _fit_arima(series: np.ndarray, order: tuple[int, int, int], trend: str):
    from statsmodels.tsa.arima.model import ARIMA

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence chatter on short series
        return ARIMA(series, order=order, trend=trend).fit()


@read_only_cache(maxsize=1)
def fit_fertility() -> dict[str, float]:
    """ARIMA(1,1,0) on China's log TFR 1991-2023: ``ar`` (phi), ``sd`` (innovation), AIC, Ljung-Box p."""
    from statsmodels.stats.diagnostic import acorr_ljungbox

    table = read_bundled("wpp2024/tfr.csv")
    series = table[table["variant"] == "estimate"].set_index("year")["tfr"].loc[slice(*TFR_FIT_YEARS)]
    result = _fit_arima(np.log(series.to_numpy()), (1, 1, 0), "n")
    walk = _fit_arima(np.log(series.to_numpy()), (0, 1, 0), "n")
    return {"ar": float(result.params[0]), "sd": float(np.sqrt(result.params[1])), "aic": float(result.aic),
            "aic_random_walk": float(walk.aic),
            "ljung_box_p": float(acorr_ljungbox(result.resid[1:], lags=[5])["lb_pvalue"].iloc[0]),
            "n": int(series.size)}


@read_only_cache(maxsize=1)
def fit_mortality() -> dict[str, float]:
    """Random walk with drift on China's both-sex e0 1990-2019: ``drift``, ``sd`` [years per year]."""
    from statsmodels.stats.diagnostic import acorr_ljungbox

    table = read_bundled("wpp2024/e0.csv")
    table = table[table["variant"] == "estimate"].pivot(index="year", columns="sex", values="e0")
    series = table.mean(axis=1).loc[slice(*E0_FIT_YEARS)].to_numpy()
    result = _fit_arima(series, (0, 1, 0), "t")
    return {"drift": float(result.params[0]), "sd": float(np.sqrt(result.params[1])),
            "ljung_box_p": float(acorr_ljungbox(result.resid[1:], lags=[5])["lb_pvalue"].iloc[0]),
            "n": int(series.size)}


def county_fertility_sd(estimates: pd.DataFrame) -> float:
    """Pooled sd of the year-to-year log county/prefecture TFR ratio (reverse survival, 2020 census)."""
    table = estimates[estimates["census_year"] == 2020]
    wide = table.pivot(index="years_before", columns="region", values="tfr")
    log_ratio = np.log(wide.drop(columns=area_code()).div(wide[area_code()], axis=0))
    deviations = log_ratio - log_ratio.mean(axis=0)
    return float(np.sqrt(np.sum(deviations.to_numpy() ** 2) / (deviations.size - deviations.shape[1])))
