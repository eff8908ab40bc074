"""Anchoring to official statistics, and the bounded fit shared with re-basing.

**Anchoring** (``migration.anchor = "observations"``): the post-census level of county net
migration is re-estimated so that the projection reproduces the resident-basis population
observations from the base year on (the bundled official figures, plus
``migration.anchor_file``). Only migration moves: fertility and mortality keep the scenario's
values, because a population total identifies the sum of the components, and migration is
the component the 2010-2020 evidence shows to be unstable (the prefecture grew from 3,456,323
in 2010 to 3,540,000 in the 2015 sample and fell to 3,337,559 in 2020; the 2023 year-end
figure, 3,342,000, is level with the census). The free parameters are multipliers on each
county's 2010-2020 net migration schedule (:func:`migration_groups`):

* a county with its own population observation gets its own multiplier;
* the counties without one that lost migrants in 2010-2020 share one multiplier, fitted to
  the prefecture observations (what the observed counties do not explain). The prefecture's
  migration balance moved through their out-flows: the 2010-2020 loss (-312,800) is the sum
  of eleven out-migration counties, and a multiplier on a net loss changes its size, never
  its sign;
* a county without its own observation that gained migrants (Dali City) keeps its schedule:
  no observation says its in-flow changed, and moving it with the others would reverse the
  direction of its change.

Multipliers are bounded by the schema's range of ``migration.county_scale`` (0..5, divided
by any county_scale the scenario already sets), so no county's migration reverses sign; the
level is held from the first projected year on (one number per group: the observations do
not identify a path). Method: the bounded least squares of :func:`bounded_fit` on the
relative errors. References: Smith, Tayman & Swanson (2013), *A Practitioner's Guide to
State and Local Population Projections*, Springer (adjusting projections to post-census
estimates); Wilson (2012), "Forecast accuracy and uncertainty of Australian Bureau of
Statistics state and territory population projections", IJPR (jump-off and recent-trend
errors dominate short-term error).
"""
from __future__ import annotations

import re
import warnings
from collections import Counter
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import least_squares

from ..base.errors import DemographicWarning
from ..base.hierarchy import area_code
from ..base.observations import ArrayMatcher, bundled_observations, combine, comparable, load_observations
from ..base.schema import SCHEMA

# Documented tolerances [percent] within which an anchored scenario reproduces an observation:
# the 2023 prefecture figure is rounded to 1,000 persons (0.03%); 0.3% is the acceptance
# criterion of the anchoring (issue 13); county totals carry the sampling error of the annual
# surveys (about 1% for a county of 100,000-800,000; an assumption).
TOLERANCE_PCT = {"prefecture": 0.3, "county": 1.0}
COUNTY_SCALE_BOUNDS = (SCHEMA["migration.county_scale"].minimum, SCHEMA["migration.county_scale"].maximum)


def tolerance_pct(region: str) -> float:
    """Documented tolerance [percent] for a population observation of ``region``."""
    return TOLERANCE_PCT["prefecture" if region == area_code() else "county"]


@dataclass(frozen=True)
class FitResult:
    """Outcome of :func:`bounded_fit` (``theta`` in the caller's parameter units)."""

    theta: np.ndarray
    success: bool
    message: str
    at_lower: np.ndarray
    at_upper: np.ndarray


def bounded_fit(residuals: Callable[[np.ndarray], np.ndarray], prior: np.ndarray, lower: np.ndarray,
                upper: np.ndarray, scales: np.ndarray, regularisation: float) -> FitResult:
    """Bounded non-linear least squares with a ridge pull toward the prior.

    Minimises ``|r(theta)|^2 + regularisation * |(theta - prior) / scales|^2`` within
    ``[lower, upper]`` (scipy ``least_squares``, trust-region reflective). A parameter that
    ends on a bound is flagged (``at_lower`` / ``at_upper``), not an error.
    """
    start = np.clip(prior, lower, upper)
    weight = np.sqrt(regularisation)

    def objective(theta: np.ndarray) -> np.ndarray:
        return np.concatenate([residuals(theta), weight * (theta - prior) / scales])

    solution = least_squares(objective, start, bounds=(lower, upper), x_scale=scales, method="trf",
                             xtol=1e-10, ftol=1e-12, gtol=1e-12, diff_step=1e-6)
    theta = np.clip(solution.x, lower, upper)
    span = np.where(np.isfinite(upper - lower), upper - lower, 1.0)
    return FitResult(theta, bool(solution.success), str(solution.message),
                     theta <= lower + 1e-6 * span, theta >= upper - 1e-6 * span)


def _template(message: str) -> str:
    return re.sub(r"-?\d[\d,.]*", "#", message)


@contextmanager
def warnings_once(what: str):
    """Collect the warnings of a repeated computation and show each distinct one once.

    Warnings that differ only in their numbers (years, regions, ages, counts) are one
    warning; it is re-issued once with the count, e.g. ``(x 37 during calibration)``.
    The context yields a list that receives ``(category, message, count)``.
    """
    summary: list[tuple[type, str, int]] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield summary
    counts: Counter = Counter()
    first: dict = {}
    for item in caught:
        key = (item.category, _template(str(item.message)))
        counts[key] += 1
        first.setdefault(key, str(item.message))
    for key, count in counts.items():
        summary.append((key[0], first[key], count))
        suffix = f" (x {count} during {what})" if count > 1 else f" (during {what})"
        warnings.warn(first[key] + suffix, key[0], stacklevel=3)


def migration_groups(codes: list[str], observations: pd.DataFrame, net: np.ndarray,
                     quantities: tuple[str, ...] = ("population",)) -> tuple[np.ndarray, list[str]]:
    """Which county multipliers a fit may move (see the module docstring).

    Parameters
    ----------
    codes : county codes (R)
    observations : comparable observations (``region``, ``quantity``)
    net : array (R,) [persons]
        Each county's net migration under the scenario in the first step (its sign decides
        whether a county without observations shares the out-migration multiplier).
    quantities : observation quantities that inform migration

    Returns
    -------
    groups : array (R, P) of 0/1
        County r's multiplier is ``1 + groups[r] @ (theta - 1)``.
    labels : list of P str
        A county code, or ``"out-migration counties without observations"``.
    """
    informative = observations[observations["quantity"].isin(quantities)]
    own = [code for code in codes if code in set(informative["region"])]
    columns, labels = [], []
    for code in own:
        columns.append(np.array([c == code for c in codes], dtype=float))
        labels.append(code)
    if (informative["region"] == area_code()).any():
        rest = np.array([c not in own and n < 0 for c, n in zip(codes, net)], dtype=float)
        if rest.any():
            columns.append(rest)
            labels.append("out-migration counties without observations")
    groups = np.stack(columns, axis=1) if columns else np.zeros((len(codes), 0))
    return groups, labels


def county_multipliers(groups: np.ndarray, theta: np.ndarray) -> np.ndarray:
    """Per-county multiplier (R,) from group parameters (P,)."""
    return 1.0 + groups @ (np.asarray(theta, dtype=float) - 1.0)


def group_bounds(groups: np.ndarray, county_scale: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Bounds of each group's multiplier so that every county's resulting ``county_scale``
    stays within the schema's range (the tightest county of the group decides)."""
    low, high = COUNTY_SCALE_BOUNDS
    lower, upper = [], []
    for column in groups.T:
        scale = county_scale[column > 0]
        positive = scale[scale > 0]
        lower.append(low / positive.min() if positive.size else 0.0)
        upper.append(high / positive.max() if positive.size else high)
    return np.array(lower), np.array(upper)


def anchor_observations(a) -> pd.DataFrame:
    """Observations an anchored scenario reproduces: the bundled official figures plus
    ``migration.anchor_file``, resident-basis population rows from the base year on
    (``a``: the scenario's :class:`~oloy_model.demography.assumptions.Assumptions`)."""
    observations = bundled_observations()
    if a.migration.anchor_file:
        observations = combine(observations, load_observations(a.migration.anchor_file))
    usable = comparable(observations, a.projection.base_year) & (observations["quantity"] == "population")
    usable &= observations["value"].notna() & (observations["value"] > 0)
    return observations[usable].reset_index(drop=True)


def anchor_horizon(observations: pd.DataFrame) -> int:
    """The last year a projection must reach to reproduce ``observations`` (a year-end
    figure of year t is interpolated between 1 November of t and of t + 1)."""
    return int(observations["year"].max()) + 1


def solve_anchor(simulate: Callable[[np.ndarray], dict], codes: list[str], base_year: int,
                 observations: pd.DataFrame, net: np.ndarray, county_scale: np.ndarray) -> tuple[np.ndarray, pd.DataFrame]:
    """Anchoring multipliers (R,) and a table of the fit.

    ``simulate(multipliers) -> kernel arrays`` runs the kernel with each county's migration
    times its multiplier.
    """
    groups, labels = migration_groups(codes, observations, net)
    if not labels:
        return np.ones(len(codes)), pd.DataFrame()
    observed = observations["value"].to_numpy(float)
    matcher = ArrayMatcher(observations, codes, base_year)

    def predicted(theta: np.ndarray) -> np.ndarray:
        return matcher.values(simulate(county_multipliers(groups, theta)))

    lower, upper = group_bounds(groups, county_scale)
    prior = np.ones(len(labels))
    with warnings_once("anchoring"):
        fit = bounded_fit(lambda theta: (predicted(theta) - observed) / observed, prior, lower, upper,
                          np.full(len(labels), 0.5), 1e-10)
        after = predicted(fit.theta)
    for label, value, low, high in zip(labels, fit.theta, fit.at_lower, fit.at_upper):
        if low or high:
            warnings.warn(f"anchoring: the migration multiplier of {label} ended on its bound ({value:.3g}); "
                          "the observations ask for more than migration can give within the schema's range",
                          DemographicWarning, stacklevel=3)
    table = observations.assign(projected=after, pe=100 * (after - observed) / observed)
    return county_multipliers(groups, fit.theta), table
