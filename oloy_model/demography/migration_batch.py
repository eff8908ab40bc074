"""Rogers-Castro migration schedules fitted for many counties at once (vectorised).

The same estimator as :func:`oloy_model.demography.migration.fit_schedule` (module
:mod:`oloy_model.demography.migration`: a Rogers-Castro prior fitted to the grouped decade
residual by weighted least squares, then a second-difference-penalised correction), solved for
all schedules of an area in a few array operations instead of one ``scipy`` optimisation per
schedule:

* **Shape parameters** (alpha1, alpha2, mu2, lambda2) by a projected Levenberg-Marquardt
  iteration on the variable-projection residual (the amplitudes a1, a2, c solved by linear
  least squares for each shape; Golub & Pereyra 1973, with Kaufman's 1975 Jacobian, whose
  gradient is the exact one): seven starts (the per-schedule fit's three first) run
  :data:`SCREEN` steps, the :data:`KEEP` lowest-cost starts of each schedule go on until
  scipy's default ``ftol``/``xtol`` (:data:`TOLERANCE`) or :data:`ITERATIONS` steps, and the
  lowest cost wins; bounds by projection onto the box.
* **Correction** by a batched Cholesky factorisation and two vectorised triangular sweeps.
* **Implausible fits.** A schedule whose batched rates exceed :data:`RATE_LIMIT` (one net
  migrant per person at risk and year) in absolute value at some age is fitted again by the
  per-schedule fit: the lower cost the batched fit can find there comes from extreme amplitudes
  (``a1`` in the hundreds, a spike at ages 0-1 that the kernel's age-0 at-risk turns into
  explosive growth), which scipy's trust region, started the same way, does not reach.

The result is not bit-identical to the per-schedule fit (another optimiser reaches the same
minimum to within its tolerance); its agreement on Yunnan's 258 schedules is stated in
docs/areas.md and tested (``tests/demography/test_migration_batch.py``). The bundled area keeps
the per-schedule fit, so its estimates are unchanged.
"""
from __future__ import annotations

import numpy as np

from ..base.dimensions import N_AGES
from . import migration

ITERATIONS = 100  # Levenberg-Marquardt steps per start at most
RATE_LIMIT = 1.0  # |annual rate| above which a batched fit is replaced by the per-schedule fit
SCREEN, KEEP = 15, 3  # steps from every start before only the KEEP best starts of a schedule go on
TOLERANCE = 1e-8  # relative cost decrease and relative step below which a fit has converged
_LOWER, _UPPER = (np.array(bound) for bound in migration._SHAPE_BOUNDS)
_AGES = np.arange(N_AGES, dtype=float)
# the per-schedule fit's three starts, then more: this optimiser's paths differ from scipy's trust
# region, and with the extra starts it reaches a cost at least as low on (almost) every schedule
STARTS = list(migration._STARTS) + [(0.05, 0.3, 16.0, 1.0), (0.3, 0.05, 28.0, 0.2), (0.02, 0.2, 22.0, 0.15),
                                    (0.5, 0.5, 30.0, 1.5)]
CHUNK = 512  # schedules per block of the correction (bounds memory: 512 x 101 x 101 doubles)


def _shapes(shape: np.ndarray) -> tuple[np.ndarray, ...]:
    """The two Rogers-Castro curves (B, 101) of each shape row and the pieces their derivatives need."""
    alpha1, alpha2, mu2, lambda2 = (shape[:, k, None] for k in range(4))
    childhood = np.exp(-alpha1 * _AGES)
    shifted = _AGES - mu2
    inner = np.exp(-lambda2 * shifted)
    labour = np.exp(-alpha2 * shifted - inner)
    return childhood, labour, shifted, inner


def _schedule(shape: np.ndarray, amplitudes: np.ndarray) -> np.ndarray:
    """Rogers-Castro rates (B, 101) [per person-year] of shapes (B, 4) and amplitudes (B, 3)."""
    childhood, labour = _shapes(shape)[:2]
    return amplitudes[:, 0, None] * childhood + amplitudes[:, 1, None] * labour + amplitudes[:, 2, None]


def _amplitudes(columns: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Least-squares amplitudes (B, 3, m) of weighted ``columns`` (B, 18, 3) for ``targets`` (B, 18, m).

    Columns are scaled to unit length before the normal equations (they differ by orders of
    magnitude); a column of zeros (no exposure) gets amplitude 0.
    """
    norms = np.sqrt(np.sum(columns ** 2, axis=1))
    safe = np.where(norms > 0, norms, 1.0)
    scaled = columns / safe[:, None, :]
    normal = np.matmul(scaled.transpose(0, 2, 1), scaled) + 1e-12 * np.eye(3)
    return np.linalg.solve(normal, np.matmul(scaled.transpose(0, 2, 1), targets)) / safe[:, :, None]


class _Problem:
    """Weighted design of each schedule: residual per unit rate at each age, times weights."""

    def __init__(self, residual: np.ndarray, exposure: np.ndarray, weights: np.ndarray, years: int):
        self.matrix = migration.decade_matrix(years)  # (18, 101)
        self.exposure, self.weights = exposure, weights
        self.target = residual * weights
        self.constant = self.project(np.ones_like(exposure), np.arange(exposure.shape[0]))

    def project(self, values: np.ndarray, index: np.ndarray) -> np.ndarray:
        """Weighted group residuals (B, 18) of single-age rates ``values`` (B, 101) of schedules ``index``."""
        return ((values * self.exposure[index]) @ self.matrix.T) * self.weights[index]

    def evaluate(self, shape: np.ndarray, index: np.ndarray, jacobian: bool = False):
        childhood, labour, shifted, inner = _shapes(shape)
        columns = np.stack([self.project(childhood, index), self.project(labour, index), self.constant[index]], axis=2)
        amplitudes = _amplitudes(columns, self.target[index][:, :, None])[..., 0]
        residual = np.matmul(columns, amplitudes[:, :, None])[..., 0] - self.target[index]
        if not jacobian:
            return residual, amplitudes, None
        a1, a2 = amplitudes[:, 0, None], amplitudes[:, 1, None]
        alpha2, lambda2 = shape[:, 1, None], shape[:, 3, None]
        derivatives = (-a1 * _AGES * childhood, -a2 * shifted * labour, a2 * labour * (alpha2 - lambda2 * inner),
                       a2 * labour * shifted * inner)
        raw = np.stack([self.project(values, index) for values in derivatives], axis=2)  # (B, 18, 4)
        # Kaufman: remove the part of each derivative the amplitudes can absorb
        return residual, amplitudes, raw - np.matmul(columns, _amplitudes(columns, raw))


def _levenberg_marquardt(problem: _Problem, start: np.ndarray, index: np.ndarray, iterations: int):
    """Projected LM on the variable-projection residual; returns shapes, amplitudes and costs."""
    shape = np.clip(start, _LOWER, _UPPER)
    residual, amplitudes, jac = problem.evaluate(shape, index, jacobian=True)
    cost = 0.5 * np.sum(residual ** 2, axis=1)
    damping = np.full(shape.shape[0], 1e-3)
    active = np.ones(shape.shape[0], dtype=bool)
    for _ in range(iterations):
        if not active.any():
            break
        rows = np.flatnonzero(active)
        gradient = np.einsum("bgi,bg->bi", jac[rows], residual[rows])
        # a parameter on a bound that the descent direction pushes outward is held there
        held = ((shape[rows] <= _LOWER) & (gradient > 0)) | ((shape[rows] >= _UPPER) & (gradient < 0))
        free = jac[rows] * ~held[:, None, :]
        normal = np.einsum("bgi,bgj->bij", free, free) + held[:, :, None] * np.eye(4)
        gradient = gradient * ~held
        diagonal = np.maximum(np.einsum("bii->bi", normal), 1e-300)
        lhs = normal + damping[rows, None, None] * diagonal[:, :, None] * np.eye(4)
        step = -np.linalg.solve(lhs, gradient[..., None])[..., 0]
        trial = np.clip(shape[rows] + step, _LOWER, _UPPER)
        new_residual, new_amplitudes, new_jac = problem.evaluate(trial, index[rows], jacobian=True)
        new_cost = 0.5 * np.sum(new_residual ** 2, axis=1)
        better = new_cost < cost[rows]
        gain = np.where(better, (cost[rows] - new_cost) / np.maximum(cost[rows], 1e-300), 0.0)
        moved = np.max(np.abs(trial - shape[rows]) / (np.abs(shape[rows]) + 1e-8), axis=1)
        take = rows[better]
        shape[take], residual[take] = trial[better], new_residual[better]
        amplitudes[take], jac[take], cost[take] = new_amplitudes[better], new_jac[better], new_cost[better]
        damping[rows] = np.where(better, np.maximum(damping[rows] / 10.0, 1e-12), damping[rows] * 4.0)
        # scipy's least_squares defaults (ftol = xtol = 1e-8), the per-schedule fit's stopping rule
        done = (better & (gain < TOLERANCE)) | (moved < TOLERANCE) | (damping[rows] > 1e12)
        active[rows[done]] = False
    return shape, amplitudes, cost


def _cholesky_solve(lhs: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    """Solve symmetric positive definite systems (B, n, n) x = (B, n) with one batched Cholesky.

    Batched triangular sweeps instead of one LAPACK solve per matrix: LAPACK's threaded solve
    of a 101 x 101 system costs milliseconds on a busy 2-core machine, the sweeps microseconds.
    """
    lower = np.linalg.cholesky(lhs)
    n = rhs.shape[1]
    forward = np.zeros_like(rhs)
    for i in range(n):
        forward[:, i] = (rhs[:, i] - np.einsum("bj,bj->b", lower[:, i, :i], forward[:, :i])) / lower[:, i, i]
    solution = np.zeros_like(rhs)
    for i in range(n - 1, -1, -1):
        tail = np.einsum("bj,bj->b", lower[:, i + 1:, i], solution[:, i + 1:])
        solution[:, i] = (forward[:, i] - tail) / lower[:, i, i]
    return solution


def _correction(problem: _Problem, prior: np.ndarray, smoothing: float) -> np.ndarray:
    """The penalised correction of :func:`migration.fit_schedule`, for all schedules (S, 101)."""
    second = np.diff(np.eye(N_AGES), n=2, axis=0)
    penalty = second.T @ second
    out = np.empty_like(prior)
    for begin in range(0, prior.shape[0], CHUNK):
        index = np.arange(begin, min(begin + CHUNK, prior.shape[0]))
        weighted = problem.matrix[None] * (problem.exposure[index, None, :] * problem.weights[index, :, None])
        gram = np.einsum("bga,bgc->bac", weighted, weighted)
        scale = np.einsum("baa->b", gram) / N_AGES
        lhs = gram + smoothing * scale[:, None, None] * penalty
        misfit = problem.target[index] - problem.project(prior[index], index)
        out[index] = _cholesky_solve(lhs, np.einsum("bga,bg->ba", weighted, misfit))
    return out


def fit_schedules(residual: np.ndarray, exposure: np.ndarray, weights: np.ndarray, *, smoothing: float = 1e2,
                  years: int = 10, iterations: int = ITERATIONS) -> tuple[np.ndarray, dict]:
    """Annual net migration rates of many schedules at once (vectorised :func:`migration.fit_schedule`).

    Parameters
    ----------
    residual : array [persons], shape (S, 18)
        Decade residual by group at the end (0-4, ..., 85+) of each schedule.
    exposure : array [persons], shape (S, 101)
        Cohort at risk by age at the end of a step.
    weights : array [1/persons^0.5], shape (S, 18)
    smoothing : float
        Weight of the second-difference penalty (as in :func:`migration.fit_schedule`).
    iterations : int
        Maximum Levenberg-Marquardt steps per start.

    Returns
    -------
    rates : array [net migrants per person at risk per year], shape (S, 101)
    fit : dict of arrays
        ``a1, alpha1, a2, alpha2, mu2, lambda2, c`` (S,), ``fitted`` (S, 18) group residuals of
        the final schedule, ``explained`` (S,) share of the weighted sum of squares explained,
        ``prior_rates`` (S, 101) the Rogers-Castro schedule.

    Notes
    -----
    Rogers & Castro (1981), IIASA RR-81-30; Golub & Pereyra (1973), SIAM J. Numer. Anal.
    10(2):413-432; Kaufman (1975), BIT 15:49-57; Eilers & Marx (1996), Statist. Sci. 11(2).
    """
    residual, exposure, weights = (np.asarray(a, dtype=float) for a in (residual, exposure, weights))
    problem = _Problem(residual, exposure, weights, years)
    count = residual.shape[0]
    # every start of every schedule in one batch for SCREEN steps; then the KEEP lowest-cost
    # starts of each schedule go on (ties: the earlier start, the per-schedule fit's first)
    starts = np.repeat(np.array(STARTS, dtype=float), count, axis=0)
    index = np.tile(np.arange(count), len(STARTS))
    shape, _, cost = _levenberg_marquardt(problem, starts, index, SCREEN)
    order = np.argsort(cost.reshape(len(STARTS), count), axis=0, kind="stable")[:KEEP]
    chosen = (order * count + np.arange(count)).reshape(-1)
    shape, amplitudes, cost = _levenberg_marquardt(problem, shape[chosen], index[chosen], iterations)
    best = np.argmin(cost.reshape(KEEP, count), axis=0) * count + np.arange(count)
    best_shape, best_amplitudes = shape[best], amplitudes[best]
    prior = _schedule(best_shape, best_amplitudes)
    rates = prior + _correction(problem, prior, smoothing)
    fallback = np.flatnonzero(np.max(np.abs(rates), axis=1) > RATE_LIMIT)
    for k in fallback:  # implausible: the per-schedule fit decides (rule in the module docstring)
        rates[k], single = migration.fit_schedule(residual[k], exposure[k], weights[k], smoothing=smoothing, years=years)
        prior[k] = single["prior_rates"]
        best_shape[k] = [single["rogers_castro"][name] for name in ("alpha1", "alpha2", "mu2", "lambda2")]
        best_amplitudes[k] = [single["rogers_castro"][name] for name in ("a1", "a2", "c")]
    fitted = np.einsum("ga,ba->bg", problem.matrix, rates * exposure)
    total = np.sum(problem.target ** 2, axis=1)
    misfit = np.sum(((fitted - residual) * weights) ** 2, axis=1)
    explained = np.where(total > 0, 1.0 - misfit / np.where(total > 0, total, 1.0), 1.0)
    fit = dict(zip(("alpha1", "alpha2", "mu2", "lambda2"), best_shape.T))
    fit.update(a1=best_amplitudes[:, 0], a2=best_amplitudes[:, 1], c=best_amplitudes[:, 2])
    return rates, {**fit, "fitted": fitted, "explained": explained, "prior_rates": prior}
