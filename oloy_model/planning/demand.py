"""Demand for elderly-care beds, nursing-type beds and under-3 childcare places.

Pure functions on tidy frames; two bases side by side:

*norm*
    The plan's ratios (Dali "One Old, One Young" plan 2022): elderly beds per 1,000 residents
    aged 60+, nursing-type beds as a share of elderly beds, childcare places per 1,000
    residents. Each ratio follows a path by year (:func:`ratio_path`).
*uptake*
    Observed behaviour: population x age-specific need x take-up / occupancy.

    - Elderly: a care-need curve (share unable to care for themselves) rising exponentially
      with age from 60, with the Shanghai 2010 census gradient (an *assumed shape*) and a cap,
      its level calibrated so that the 2020 Dali population aged 60+ has the national 2020
      census rate (2.34%; Guo et al. 2022). Institutional residents are the needing
      population times a take-up share calibrated to the national 0.73% of 60+ living in
      institutions (2020 census long form); beds = residents / target occupancy. Nursing-type
      beds = residents needing nursing care (a share of residents, an *assumption*) /
      occupancy.
    - Childcare: children aged 0, 1 and 2 x an enrolment propensity by age (an *assumed*
      shape 0.05 : 0.35 : 1 for ages 0 : 1 : 2) whose level over ages 0-2 is the national
      enrolment (7.86% in 2025; 5.5% in 2021; one third of families wanting a place as the
      upper case) / target occupancy.
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy.optimize import brentq

BASES = ("norm", "uptake")
DEMAND_COLUMNS = ["scenario", "region", "year", "service", "basis", "demand"]


def ratio_path(years: np.ndarray, points: Mapping[int, float]) -> np.ndarray:
    """Linear interpolation of a ratio between given years, constant outside them.

    >>> ratio_path(np.array([2020, 2022, 2030]), {2020: 20.0, 2025: 25.0})
    array([20., 22., 25.])
    """
    known = sorted(points)
    return np.interp(np.asarray(years, dtype=float), known, [points[y] for y in known])


def care_need_curve(ages: np.ndarray, level: float, *, slope: float, cap: float) -> np.ndarray:
    """Share unable to care for themselves at each age [-]: ``min(level exp(slope (a - 60)), cap)``, 0 below 60."""
    ages = np.asarray(ages, dtype=float)
    curve = np.minimum(level * np.exp(slope * (ages - 60.0)), cap)
    return np.where(ages >= 60, curve, 0.0)


def calibrate_care_need(population_by_age: np.ndarray, target_share: float, *, slope: float, cap: float) -> float:
    """Curve level so that the population-weighted mean over ages 60+ equals ``target_share``.

    Parameters
    ----------
    population_by_age : array [persons], shape (101,)
        Ages 0..100 (100 = 100+), both sexes.
    target_share : float [-]
        E.g. 0.0234 (2.34% of 60+ unable to care for themselves, 2020 census long form);
        at most ``cap`` (a curve capped at ``cap`` cannot average more); 0 gives level 0.
    """
    if target_share <= 0:  # nobody in need: the curve is zero at every age
        return 0.0
    ages = np.arange(population_by_age.size)
    old = population_by_age[60:].sum()

    def gap(level: float) -> float:
        return float(np.sum(population_by_age * care_need_curve(ages, level, slope=slope, cap=cap)) / old - target_share)

    return brentq(gap, 1e-9, cap, xtol=1e-14)


def norm_from_totals(old: np.ndarray, everyone: np.ndarray, elderly_per_1000: np.ndarray, nursing_share: np.ndarray,
                     childcare_per_1000: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Demand on the plan's norms from population totals (any shape; arrays broadcast).

    Parameters
    ----------
    old, everyone : array [persons]
        Residents aged 60+ and all residents.
    elderly_per_1000 : array [beds per 1,000 aged 60+]
    nursing_share : array [-]
        Nursing-type beds as a share of elderly beds.
    childcare_per_1000 : array [places per 1,000 residents]

    Returns
    -------
    elderly_beds, nursing_beds, childcare_places : arrays [beds, beds, places]

    The one place of the norm formulas: the tidy path (:func:`norm_demand`) and the draws
    (:func:`oloy_model.uncertainty.ensemble.Ensemble.gap_draws`) both call it.
    """
    elderly = old / 1000.0 * elderly_per_1000
    return elderly, elderly * nursing_share, everyone / 1000.0 * childcare_per_1000


def uptake_from_totals(residents: np.ndarray, enrolled: np.ndarray, *, nursing_share_of_residents: float,
                       elderly_occupancy: float,
                       childcare_occupancy: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Demand from need and take-up, from totals (any shape; arrays broadcast).

    Parameters
    ----------
    residents : array [persons]
        Institutional residents: persons in need x take-up, summed over ages.
    enrolled : array [children]
        Children 0-2 x enrolment propensity, summed over ages.
    nursing_share_of_residents : float [-]
    elderly_occupancy, childcare_occupancy : float [residents per bed, children per place]

    Returns
    -------
    elderly_beds, nursing_beds, childcare_places : arrays [beds, beds, places]

    The one place of the uptake formulas (see :func:`norm_from_totals`).
    """
    return (residents / elderly_occupancy, residents * nursing_share_of_residents / elderly_occupancy,
            enrolled / childcare_occupancy)


def age_band(population: pd.DataFrame, low: int, high: int = 100) -> pd.DataFrame:
    """Persons aged ``low..high`` by scenario, region and year."""
    cell = population[population["age"].between(low, high)]
    return cell.groupby(["scenario", "region", "year"], as_index=False, observed=True)["population"].sum()


def norm_demand(population: pd.DataFrame, paths: Mapping[str, Mapping[int, float]]) -> pd.DataFrame:
    """Demand on the plan's norms.

    Parameters
    ----------
    population : DataFrame [scenario, region, year, sex, age, population]
    paths : mapping
        ``elderly_beds_per_1000_60plus``, ``nursing_share`` [fraction] and
        ``childcare_places_per_1000`` as ``{year: value}`` points.

    Returns
    -------
    DataFrame [scenario, region, year, service, basis, demand] [beds or places]
        A path without points (no norm: an area without a national value, see
        :mod:`oloy_model.base.norms`) has no rows: elderly beds and nursing-type beds
        (a share of them) need the beds path, nursing-type beds also the share path.
    """
    old = age_band(population, 60)
    everyone = age_band(population, 0)
    present = {name: bool(points) for name, points in paths.items()}
    elderly, nursing, childcare = norm_from_totals(
        old["population"].to_numpy(), everyone["population"].to_numpy(),
        path_or_nan(old["year"], paths["elderly_beds_per_1000_60plus"]),
        path_or_nan(old["year"], paths["nursing_share"]),
        path_or_nan(everyone["year"], paths["childcare_places_per_1000"]))
    parts = {"elderly_beds": old.assign(demand=elderly), "nursing_beds": old.assign(demand=nursing),
             "childcare_places": everyone.assign(demand=childcare)}
    keep = {"elderly_beds": present["elderly_beds_per_1000_60plus"],
            "nursing_beds": present["elderly_beds_per_1000_60plus"] and present["nursing_share"],
            "childcare_places": present["childcare_places_per_1000"]}
    return _stack({service: part for service, part in parts.items() if keep[service]}, "norm")


def path_or_nan(years: np.ndarray, points: Mapping[int, float]) -> np.ndarray:
    """:func:`ratio_path`, or NaN in every year for a path without points (no norm)."""
    return ratio_path(years, points) if points else np.full(len(years), np.nan)


def uptake_demand(population: pd.DataFrame, *, care_need: np.ndarray, institutional_takeup: float,
                  nursing_share_of_residents: float, elderly_occupancy: float, enrolment: np.ndarray,
                  childcare_occupancy: float) -> pd.DataFrame:
    """Demand from need and observed take-up.

    Parameters
    ----------
    population : DataFrame [scenario, region, year, sex, age, population]
    care_need : array [-], shape (101,)
        Share unable to care for themselves by age (:func:`care_need_curve`).
    institutional_takeup : float [-]
        Institutional residents per person in need (calibrated: 0.0073 / 0.0234).
    nursing_share_of_residents : float [-]
        Residents needing nursing-type beds.
    elderly_occupancy, childcare_occupancy : float [residents per bed, children per place]
    enrolment : array [-], shape (3,)
        Enrolment propensity at ages 0, 1, 2.

    Returns
    -------
    DataFrame [scenario, region, year, service, basis, demand]
    """
    ages = population["age"].to_numpy()
    need = care_need[ages] * population["population"].to_numpy()
    residents = population.assign(population=need * institutional_takeup)
    residents = residents.groupby(["scenario", "region", "year"], as_index=False, observed=True)["population"].sum()
    young = population[population["age"] <= 2]
    children = young.assign(population=young["population"].to_numpy() * np.asarray(enrolment)[young["age"].to_numpy()])
    children = children.groupby(["scenario", "region", "year"], as_index=False, observed=True)["population"].sum()
    elderly, nursing, childcare = uptake_from_totals(
        residents["population"].to_numpy(), children["population"].to_numpy(),
        nursing_share_of_residents=nursing_share_of_residents, elderly_occupancy=elderly_occupancy,
        childcare_occupancy=childcare_occupancy)
    return _stack({"elderly_beds": residents.assign(demand=elderly), "nursing_beds": residents.assign(demand=nursing),
                   "childcare_places": children.assign(demand=childcare)}, "uptake")


def enrolment_by_age(level: float, shape: np.ndarray, children: np.ndarray) -> np.ndarray:
    """Propensities at ages 0, 1, 2 with the given relative ``shape`` whose mean over the
    ``children`` (persons at ages 0, 1, 2) equals ``level`` [-]."""
    shape = np.asarray(shape, dtype=float)
    return shape * level * np.sum(children) / np.sum(shape * children)


def _stack(parts: Mapping[str, pd.DataFrame], basis: str) -> pd.DataFrame:
    frames = [frame.assign(service=service, basis=basis) for service, frame in parts.items()]
    if not frames:
        return pd.DataFrame({column: pd.Series(dtype=float if column == "demand" else object)
                             for column in DEMAND_COLUMNS})
    table = pd.concat(frames, ignore_index=True)
    table["scenario"] = table["scenario"].astype(str)
    return table[DEMAND_COLUMNS]
