"""Net migration: the 2010-2020 cohort residual, its Rogers-Castro smoothing, and scenario use.

Estimation (per county and sex):

1. **Residual.** The 2010 census population (single years) is projected ten annual steps to
   2020-11-01 with the model's own mortality and fertility and *no* migration; the 2020
   census minus that projection, by sex and 5-year age group at 2020 (0-4, ..., 80-84, 85+),
   is the decade's net migration surviving to 2020 (forward cohort-survival residual; UN
   Manual VI, "Methods of measuring internal migration", 1970, ch. III; Siegel & Swanson
   2004, ch. 19). Cohorts aged 0-9 in 2020 were born in the decade: their expected numbers
   come from the projected births, so their residual also absorbs any error in the assumed
   2010-2020 fertility and in the census counts of young children.
2. **Annual schedule.** The residual of the cohort aged a in 2020 is the sum of ten annual
   net flows it met at ages a-9..a (ages at the end of each step; fewer for cohorts born in
   the decade): ``R = A m`` with ``m_a = r_a E_a`` annual net migrants at age a, ``r_a`` the
   annual net migration rate and ``E_a`` the cohort at risk (the mean of the 2010 and 2020
   census populations one year younger; births for age 0). ``r`` is a Rogers-Castro (1981)
   model schedule ``a1 exp(-alpha1 x) + a2 exp(-alpha2 (x - mu2) - exp(-lambda2 (x - mu2))) + c``
   with signed amplitudes (net, not gross, migration), fitted to the group residuals by
   weighted least squares (weights ``1 / sqrt(population)``), plus a smooth correction
   (second-difference penalty, Eilers & Marx 1996) so that the schedule reproduces the
   group residuals closely: the Rogers-Castro curve is the prior, the data decide.
   Reference: Rogers & Castro (1981), "Model migration schedules", IIASA RR-81-30.

Scenario use: rates (default) are applied to the cohort at risk each year, so out-migration
shrinks with shrinking cohorts and in-migration scales with the receiving population; a
``scale`` path multiplies them (taper, zero, or amplify). ``basis = "counts"`` instead holds
the 2010-2020 average annual counts fixed (times ``scale``).
"""
from __future__ import annotations

import numpy as np
from scipy.optimize import least_squares
from ..base.dimensions import N_AGES
from .ccmpp import cohort_shift

GROUP_STARTS = np.array(list(range(0, 90, 5)))  # 0-4, ..., 80-84, 85+


def group_sum(single: np.ndarray, starts: np.ndarray = GROUP_STARTS) -> np.ndarray:
    """Sum single ages (last axis, 0..100) into groups starting at ``starts`` (last open)."""
    return np.add.reduceat(single, starts, axis=-1)


def decade_matrix(years: int = 10, starts: np.ndarray = GROUP_STARTS) -> np.ndarray:
    """Matrix A (groups x ages): group residual at the end = A @ annual net migrants by age.

    The cohort aged ``a`` at the end met flows at ages ``a-years+1 .. a`` (ages at the end of
    each annual step, floored at 0 for cohorts born during the period); the open age 100
    collects the cohorts of ages 99 and 100+.
    """
    single = np.zeros((N_AGES, N_AGES))
    for a in range(N_AGES):
        low = max(a - years + 1, 0)
        single[a, low : a + 1] = 1.0
    return group_sum(single.T, starts).T


def rogers_castro(ages: np.ndarray, a1: float, alpha1: float, a2: float, alpha2: float, mu2: float,
                  lambda2: float, c: float) -> np.ndarray:
    """Rogers-Castro (1981) seven-parameter model migration schedule [per person-year].

    Amplitudes ``a1`` (childhood), ``a2`` (labour force) and ``c`` (constant) may be negative
    for net migration.
    """
    x = np.asarray(ages, dtype=float)
    labour = a2 * np.exp(-alpha2 * (x - mu2) - np.exp(-lambda2 * (x - mu2)))
    return a1 * np.exp(-alpha1 * x) + labour + c


_SHAPE_BOUNDS = ([0.01, 0.02, 14.0, 0.05], [1.0, 1.0, 35.0, 2.0])  # alpha1, alpha2, mu2, lambda2
_STARTS = [(0.1, 0.1, 20.0, 0.4), (0.05, 0.06, 24.0, 0.3), (0.2, 0.15, 18.0, 0.6)]


def fit_schedule(residual: np.ndarray, exposure: np.ndarray, weights: np.ndarray, *,
                 smoothing: float = 1e2, years: int = 10) -> tuple[np.ndarray, dict]:
    """Annual net migration rates by single age from grouped decade residuals.

    Parameters
    ----------
    residual : array [persons], shape (18,)
        Decade residual by group at the end (0-4, ..., 85+).
    exposure : array [persons], shape (101,)
        Cohort at risk by age at the end of a step (see module docstring).
    weights : array [1/persons^0.5], shape (18,)
    smoothing : float
        Weight of the second-difference penalty on the correction to the Rogers-Castro fit
        (scaled to the exposure-weighted problem).

    Returns
    -------
    rates : array [net migrants per person at risk per year], shape (101,)
    fit : dict
        Rogers-Castro parameters, the fitted and observed group residuals, and the share of
        the residual's sum of squares the final schedule explains.
    """
    design = decade_matrix(years) * exposure[None, :]  # group residual per unit rate at each age
    ages = np.arange(N_AGES, dtype=float)

    def model(shape: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        alpha1, alpha2, mu2, lambda2 = shape
        basis = np.stack([np.exp(-alpha1 * ages),
                          np.exp(-alpha2 * (ages - mu2) - np.exp(-lambda2 * (ages - mu2))),
                          np.ones(N_AGES)], axis=1)
        columns = design @ basis
        amplitudes = np.linalg.lstsq(columns * weights[:, None], residual * weights, rcond=None)[0]
        return amplitudes, basis @ amplitudes

    def loss(shape: np.ndarray) -> np.ndarray:
        return (design @ model(shape)[1] - residual) * weights

    best = min((least_squares(loss, start, bounds=_SHAPE_BOUNDS, method="trf") for start in _STARTS),
               key=lambda result: result.cost)
    amplitudes, prior = model(best.x)
    # Smooth correction: min |W (D (prior + d) - R)|^2 + s |Δ² d|^2, scaled by the design's size.
    weighted = design * weights[:, None]
    second = np.diff(np.eye(N_AGES), n=2, axis=0)
    scale = np.trace(weighted.T @ weighted) / N_AGES
    lhs = weighted.T @ weighted + smoothing * scale * second.T @ second
    rhs = weighted.T @ ((residual - design @ prior) * weights)
    correction = np.linalg.solve(lhs, rhs)
    rates = prior + correction
    fitted = design @ rates
    total = np.sum((residual * weights) ** 2)
    explained = 1.0 - np.sum(((fitted - residual) * weights) ** 2) / total if total > 0 else 1.0
    a1, a2, c = amplitudes
    alpha1, alpha2, mu2, lambda2 = best.x
    params = {"a1": a1, "alpha1": alpha1, "a2": a2, "alpha2": alpha2, "mu2": mu2, "lambda2": lambda2, "c": c}
    return rates, {"rogers_castro": params, "fitted": fitted, "observed": residual, "explained": explained,
                   "prior_rates": prior}


def at_risk(population: np.ndarray) -> np.ndarray:
    """Cohort at risk of migrating in a step, by age at the end of the step [persons].

    The start population one year younger (:func:`oloy_model.demography.ccmpp.cohort_shift`); for age 0
    (born in the step) the start population aged 0 stands in for the step's births, which
    are not yet known when the step's migration is set.
    """
    return cohort_shift(population, population[..., 0])


def rates_to_counts(rates: np.ndarray, population: np.ndarray) -> np.ndarray:
    """Net migrants [persons] in a step: ``rates`` [per person per year] x :func:`at_risk`."""
    return rates * at_risk(population)
