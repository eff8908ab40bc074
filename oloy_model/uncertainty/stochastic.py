"""Stochastic components: the noise paths of the ensemble.

The time-series models and their fits (statsmodels) are estimates of how the demographic
components vary, in :mod:`oloy_model.demography.variability`; this module draws paths from them.

* **Fertility.** Log TFR of China (UN WPP 2024 annual estimates, 1991-2023: after the
  fertility transition) is an ARIMA(1,1,0) process: annual changes are AR(1). Fitted by
  exact maximum likelihood (statsmodels ``ARIMA``); chosen over the random walk (0,1,0) by
  AIC (-88.5 vs -87.5) and by the Ljung-Box test on its residuals (p = 0.13 at lag 5, vs
  0.06). The model's noise, started at 0 in the base year, multiplies the scenario's
  prefecture path (``exp(X_t)``), so the scenario stays the centre of the fan. Counties
  share the prefecture's noise and add their own AR(1) deviation whose standard deviation is
  the pooled year-to-year spread of the county/prefecture ratios of the reverse-survival
  estimates (2015-2020): counties are correlated through the common factor.
* **Mortality.** China's both-sex e0 (WPP 2024, 1990-2019, before the COVID years) is a
  random walk with drift, ARIMA(0,1,0) + drift; its innovation standard deviation (0.111
  years) drives a zero-mean random walk added to the scenario's e0 path (the same shock for
  both sexes, keeping the sex gap), translated to life tables by the same Brass relational
  model as the deterministic engine.
* **Migration** (explicit assumptions, no time series): each county's net migration is the
  scenario level times ``exp(level + annual)``: a persistent county level (sd 0.3 in logs,
  drawn once per draw) and an AR(1) annual deviation (sd 0.1, coefficient 0.7).
* **Uptake** (assumption): institutional take-up and childcare enrolment each get one
  log-normal multiplier per draw (sd 0.2).

* **Random streams.** Draws come in fixed blocks of :data:`NOISE_BLOCK`. The common factors of
  block ``k`` (prefecture TFR, e0, uptake) come from ``SeedSequence(seed, spawn_key=(k,))``, the
  ``k``-th child of ``SeedSequence(seed)``; each county's own paths (TFR deviation, migration)
  from ``SeedSequence(seed, spawn_key=(k, int(code)))``, keyed by its division code
  (:func:`block_noise`). Draw ``i`` of a county therefore gets the same numbers whatever the
  number of draws, however the ensemble is cut into chunks, and whichever other counties are
  simulated with it (a prefecture alone, its province, the nation: partition invariance, which
  :mod:`oloy_model.uncertainty.distributed` relies on). PCG64: O'Neill 2014, HMC-CS-2014-0905;
  numpy's ``SeedSequence`` spawn keys for independent parallel streams.

References: Box, Jenkins & Reinsel, Time Series Analysis (4th ed., 2008), ch. 3-5; Alkema et
al. (2011), "Probabilistic projections of the total fertility rate for all countries",
Demography 48:815-839 (AR(1) fluctuations around a trend); Lee & Tuljapurkar (1994),
"Stochastic population forecasts for the United States", JASA 89:1175-1189.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..base.errors import OloyInputError

NOISE_BLOCK = 1000  # draws per random block; changing it changes every draw's numbers


def ar1_paths(rng: np.random.Generator, shape: tuple[int, ...], steps: int, ar: float, sd: float) -> np.ndarray:
    """AR(1) paths started at 0: ``x_t = ar x_{t-1} + e_t``, ``e ~ N(0, sd^2)``; shape ``shape + (steps,)``."""
    return _ar1_filter(rng.standard_normal(shape + (steps,)) * sd, ar)


def integrated_ar1_paths(rng: np.random.Generator, shape: tuple[int, ...], steps: int, ar: float,
                         sd: float) -> np.ndarray:
    """Cumulative sums of AR(1) changes (an ARIMA(1,1,0) path started at 0)."""
    return np.cumsum(ar1_paths(rng, shape, steps, ar, sd), axis=-1)


def random_walk_paths(rng: np.random.Generator, shape: tuple[int, ...], steps: int, sd: float) -> np.ndarray:
    """Zero-drift random walks started at 0 (the drift is the scenario's path)."""
    return np.cumsum(rng.standard_normal(shape + (steps,)) * sd, axis=-1)


def block_noise(seed: int, block: int, steps: int, codes: Sequence[str], p: dict) -> dict[str, np.ndarray]:
    """All random paths of draws ``block * NOISE_BLOCK`` .. ``+ NOISE_BLOCK - 1`` for counties ``codes``.

    Parameters
    ----------
    seed : int
        The ensemble's seed (>= 0).
    block : int
        Block number. The common factors come from
        ``default_rng(SeedSequence(seed, spawn_key=(block,)))``, county ``code``'s own paths from
        ``default_rng(SeedSequence(seed, spawn_key=(block, int(code))))``.
    steps : int
        Projection steps [years].
    codes : sequence of str
        The counties' 6-digit division codes, in the order of the returned region axis.
    p : dict
        Standard deviations and AR coefficients (see :func:`oloy_model.uncertainty.ensemble.resolved_parameters`).

    Returns
    -------
    dict of arrays, leading axis NOISE_BLOCK
        ``tfr`` (steps), ``county_tfr`` (regions, steps), ``e0`` (steps), ``migration_level``
        (regions, 1), ``migration_annual`` (regions, steps) [log scale or years], ``uptake`` (2)
        [log scale]. The whole block is always drawn, so that a draw's numbers do not depend
        on how many draws follow it; a county's numbers depend only on (seed, block, code).
    """
    common = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(block,)))
    n = NOISE_BLOCK
    noise = {
        "tfr": integrated_ar1_paths(common, (n,), steps, p["fertility_ar"], p["fertility_sd"]),
        "e0": random_walk_paths(common, (n,), steps, p["e0_sd"]),
        "uptake": common.standard_normal((n, 2)) * p["uptake_sd"],
    }
    # Standard normals county by county (each from its own stream), then the AR filters on all
    # of them at once: the filters are elementwise, so a county's paths do not depend on the others.
    tfr_shocks = np.empty((n, len(codes), steps))
    level = np.empty((n, len(codes), 1))
    migration_shocks = np.empty((n, len(codes), steps))
    for r, code in enumerate(codes):
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(block, _code_key(code))))
        tfr_shocks[:, r] = rng.standard_normal((n, steps))
        level[:, r, 0] = rng.standard_normal(n)
        migration_shocks[:, r] = rng.standard_normal((n, steps))
    noise["county_tfr"] = _ar1_filter(tfr_shocks * p["county_fertility_sd"], p["county_fertility_ar"])
    noise["migration_level"] = level * p["migration_level_sd"]
    noise["migration_annual"] = _ar1_filter(migration_shocks * p["migration_annual_sd"], p["migration_ar"])
    return noise


def _code_key(code: str) -> int:
    """A county's division code as a spawn-key word (6 digits, so never the common stream's)."""
    text = str(code)
    if not text.isdigit():
        raise OloyInputError(f"region code {code!r}; expected a division code of digits (e.g. '532901')")
    return int(text)


def _ar1_filter(shocks: np.ndarray, ar: float) -> np.ndarray:
    """AR(1) paths ``x_t = ar x_{t-1} + e_t`` from shocks ``e`` (last axis: steps), started at 0."""
    out = np.empty_like(shocks)
    previous = np.zeros(shocks.shape[:-1])
    for t in range(shocks.shape[-1]):
        previous = ar * previous + shocks[..., t]
        out[..., t] = previous
    return out


def draw_noise(seed: int, start: int, stop: int, steps: int, codes: Sequence[str], p: dict,
               cache: dict | None = None) -> dict[str, np.ndarray]:
    """The random paths of draws ``start`` .. ``stop - 1`` of counties ``codes`` (see :func:`block_noise`).

    ``cache`` (a dict kept by the caller) holds the last block, so that consecutive small
    chunks do not redraw it.
    """
    cache = {} if cache is None else cache
    parts = []
    for block in range(start // NOISE_BLOCK, (stop - 1) // NOISE_BLOCK + 1):
        if cache.get("block") != block:
            cache.clear()
            cache.update(block=block, noise=block_noise(seed, block, steps, codes, p))
        low = max(start, block * NOISE_BLOCK) - block * NOISE_BLOCK
        high = min(stop, (block + 1) * NOISE_BLOCK) - block * NOISE_BLOCK
        parts.append({key: value[low:high] for key, value in cache["noise"].items()})
    return {key: np.concatenate([part[key] for part in parts]) for key in parts[0]}
