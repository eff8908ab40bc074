"""Splitting grouped age counts into single years of age.

Pure functions on numpy arrays; no I/O. Two group-total-preserving methods:

``"mono"`` (default)
    Monotone cubic (Fritsch-Carlson PCHIP) interpolation of the *cumulative* count at the
    group boundaries, differenced at whole ages. Because the cumulative count is
    non-decreasing and PCHIP preserves monotonicity, no single year is negative, and because
    the spline passes through every boundary, every group total is reproduced exactly. The
    density is continuous at the boundaries, so no artificial steps appear between groups.
    References: Fritsch & Carlson (1980), SIAM J. Numer. Anal. 17(2):238-246; Smith, Hyndman
    & Wood (2004), "Spline interpolation for demographic variables: the monotonicity
    problem", J. Population Research 21(1):95-98; the same idea is DemoTools'
    ``graduate_mono`` (Riffe et al., 2019).

``"pclm"``
    Penalised composite link model: single-year counts ``exp(X b)`` whose group sums fit the
    observed totals under Poisson likelihood with a second-order difference penalty on
    ``b``; the smoothing parameter minimises BIC on a log grid. The fitted values are then
    scaled within each group so that group totals are exact. Reference: Rizzi, Gampe &
    Eilers (2015), "Efficient estimation of smooth distributions from coarsely grouped
    data", Am. J. Epidemiology 182(2):138-147.

Known weaknesses (both methods): age heaping and digit preference inside a group are not
corrected (a smooth curve is imposed within each group); the infant (0) and 1-4 groups are
taken as published, so under-enumeration of young children is carried into the base.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.interpolate import PchipInterpolator

from ..base.errors import OloyInputError

METHODS = ("mono", "pclm")


def check_method(method: str, valid: Sequence[str] = METHODS, what: str = "method") -> str:
    """Return ``method`` or raise with the list of valid keys."""
    if method not in valid:
        raise OloyInputError(f"{what}={method!r} is not known; expected one of {list(valid)}")
    return method


def graduate(counts: np.ndarray, boundaries: Sequence[int], *, method: str = "mono",
             open_width: int = 10) -> np.ndarray:
    """Split grouped counts into single-year counts, preserving every group total.

    Parameters
    ----------
    counts : array [persons], shape (..., n_groups)
        Counts of the closed groups ``[boundaries[i], boundaries[i+1])`` followed by the open
        group ``boundaries[-1]+``; leading axes are independent series.
    boundaries : sequence of int [years of age]
        Lower bounds of all groups, strictly increasing, starting at 0. The last is the open
        group's lower bound.
    method : {"mono", "pclm"}
        See the module docstring.
    open_width : int [years]
        Width assumed for the open group inside the PCLM fit (ignored by ``"mono"``).

    Returns
    -------
    array [persons], shape (..., boundaries[-1] + 1)
        Single years ``0 .. boundaries[-1]-1`` and the open group last, unchanged.
    """
    check_method(method)
    counts = np.asarray(counts, dtype=float)
    bounds = np.asarray(boundaries, dtype=int)
    if bounds[0] != 0 or np.any(np.diff(bounds) <= 0) or counts.shape[-1] != bounds.size:
        raise OloyInputError(f"graduate: boundaries {list(bounds)} do not match {counts.shape[-1]} groups")
    if np.any(counts < 0) or not np.all(np.isfinite(counts)):
        raise OloyInputError("graduate: group counts must be finite and non-negative")
    flat = counts.reshape(-1, bounds.size)
    if method == "mono":
        out = _mono(flat, bounds, open_width)
    else:
        out = np.stack([_pclm(row, bounds, open_width) for row in flat])
    return out.reshape(counts.shape[:-1] + (bounds[-1] + 1,))


def _mono(rows: np.ndarray, bounds: np.ndarray, open_width: int) -> np.ndarray:
    """PCHIP split of every row (series, groups) at once: the spline acts on each column of
    the cumulative counts independently, so the result equals a split row by row."""
    closed = rows[:, :-1]
    knots = bounds.astype(float)
    cumulative = np.concatenate([np.zeros((rows.shape[0], 1)), np.cumsum(closed, axis=1)], axis=1)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):  # flat stretches: PCHIP's harmonic mean handles them
        spline = PchipInterpolator(knots, cumulative, axis=1)
        at_ages = spline(np.arange(bounds[-1] + 1, dtype=float))
    at_ages[:, bounds] = cumulative  # exact at the knots, not just to rounding
    singles = np.diff(at_ages, axis=1)
    return np.concatenate([np.maximum(singles, 0.0), rows[:, -1:]], axis=1)


def composition_matrix(bounds: np.ndarray, open_width: int) -> np.ndarray:
    """Matrix C (groups x single ages) with C[g, a] = 1 when age a lies in group g."""
    top = bounds[-1] + open_width
    upper = np.append(bounds[1:], top)
    ages = np.arange(top)
    return ((ages >= bounds[:, None]) & (ages < upper[:, None])).astype(float)


def _pclm(row: np.ndarray, bounds: np.ndarray, open_width: int) -> np.ndarray:
    composition = composition_matrix(bounds, open_width)
    best = None
    for log_lambda in np.arange(-2.0, 6.01, 0.5):
        gamma, bic = pclm_fit(row, composition, 10.0 ** log_lambda)
        if best is None or bic < best[1]:
            best = (gamma, bic)
    gamma = best[0]
    fitted_groups = composition @ gamma
    scale = np.divide(row, fitted_groups, out=np.zeros_like(row), where=fitted_groups > 0)
    exact = gamma * (composition.T @ scale)
    return np.concatenate([exact[: bounds[-1]], row[-1:]])


def pclm_fit(y: np.ndarray, composition: np.ndarray, smoothing: float, *, order: int = 2,
             max_iter: int = 100, tol: float = 1e-8) -> tuple[np.ndarray, float]:
    """Fit the penalised composite link model by iteratively reweighted least squares.

    Parameters
    ----------
    y : array [persons], shape (groups,)
        Observed group counts.
    composition : array, shape (groups, ages)
        0/1 matrix mapping single ages to groups.
    smoothing : float [-]
        Penalty weight lambda on squared ``order``-th differences of the log counts.

    Returns
    -------
    gamma : array [persons], shape (ages,)
        Fitted single-age counts (group totals match ``y`` only approximately).
    bic : float
        Bayesian information criterion: deviance + log(n) x effective dimension.

    Notes
    -----
    Rizzi, Gampe & Eilers (2015), equations (3)-(5).
    """
    n_ages = composition.shape[1]
    difference = np.diff(np.eye(n_ages), n=order, axis=0)
    penalty = smoothing * difference.T @ difference
    mean_density = max(y.sum(), 1.0) / n_ages
    b = np.full(n_ages, np.log(mean_density))
    # Bounds on the log counts keep IRLS stable when a group is empty or far from its neighbours.
    lower, upper = np.log(mean_density) - 40.0, np.log(max(y.sum(), 1.0)) + 1.0
    for _ in range(max_iter):
        gamma = np.exp(b)
        mu = np.maximum(composition @ gamma, 1e-12)
        q = composition * gamma  # d mu / d b
        weights = 1.0 / mu
        normal = q.T @ (weights[:, None] * q)
        rhs = q.T @ (weights * (y - mu + q @ b))
        b_new = np.clip(_solve(normal + penalty, rhs), lower, upper)
        converged = np.max(np.abs(b_new - b)) < tol
        b = b_new
        if converged:
            break
    gamma = np.exp(b)
    mu = np.maximum(composition @ gamma, 1e-12)
    q = composition * gamma
    normal = q.T @ (q / mu[:, None])
    hat_trace = np.trace(_solve(normal + penalty, normal))
    positive = y > 0
    deviance = 2.0 * np.sum(y[positive] * np.log(np.maximum(y[positive] / mu[positive], 1e-300))) - 2.0 * np.sum(y - mu)
    return gamma, deviance + np.log(y.size) * hat_trace


def _solve(matrix: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    try:
        return np.linalg.solve(matrix, rhs)
    except np.linalg.LinAlgError:  # singular when a run of groups is empty: least squares instead
        return np.linalg.lstsq(matrix, rhs, rcond=None)[0]


def split_by_shares(total: np.ndarray, shares: np.ndarray) -> np.ndarray:
    """Split totals (..., ) into parts (..., k) proportionally to ``shares`` (..., k) [-]."""
    shares = np.asarray(shares, dtype=float)
    return np.asarray(total, dtype=float)[..., None] * shares / shares.sum(axis=-1, keepdims=True)
