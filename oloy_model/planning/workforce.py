"""Care workforce and home and community care: staff needed, and older people cared for at home.

Pure array functions (:func:`care_staff`, :func:`childcare_staff`, :func:`social_workers`,
:func:`home_care_need`) and thin tidy wrappers on a :class:`~oloy_model.planning.result.Result`. Every
ratio is a scenario key (``workforce.*``) with its source or an ``assumption`` flag; the
method is in docs/methods.md#care-workforce-and-home-care-oloy_modelplanningworkforce.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..base.hierarchy import area_code, with_parent_totals
from ..demography.assumptions import resolve
from .capacity import capacity_by_year
from .result import plan_figures, uptake_parameters



def care_staff(residents: np.ndarray, nursing_share: float, per_carer_nursing: float,
               per_carer_other: float) -> np.ndarray:
    """Care workers for institutional residents by care level [persons].

    ``residents x share / ratio_nursing + residents x (1 - share) / ratio_other``.

    Parameters
    ----------
    residents : array [persons]
    nursing_share : float [-]
        Residents needing nursing-type care.
    per_carer_nursing, per_carer_other : float [residents per carer]
    """
    residents = np.asarray(residents, dtype=float)
    return residents * nursing_share / per_carer_nursing + residents * (1.0 - nursing_share) / per_carer_other


def childcare_staff(enrolled_by_age: np.ndarray, children_per_carer: np.ndarray) -> np.ndarray:
    """Nursery carers for enrolled children at ages 0, 1, 2 [persons]: ``sum_age enrolled / ratio``.

    Parameters
    ----------
    enrolled_by_age : array [children], shape (..., 3)
    children_per_carer : array [children per carer], shape (3,)
        National class ratios 1:3, 1:5, 1:7 (NHC 2019 standard) for ages 0, 1, 2.
    """
    return np.sum(np.asarray(enrolled_by_age, dtype=float) / np.asarray(children_per_carer, dtype=float), axis=-1)


def social_workers(age_60plus: np.ndarray, per_1000: float) -> np.ndarray:
    """Social workers at ``per_1000`` per 1,000 persons aged 60+ [persons]."""
    return np.asarray(age_60plus, dtype=float) * per_1000 / 1000.0


def home_care_need(care_need: np.ndarray, institutional_takeup: float) -> tuple[np.ndarray, np.ndarray]:
    """Older people needing care who live in institutions, and those who do not [persons].

    Parameters
    ----------
    care_need : array [persons]
        Persons aged 60+ unable to care for themselves (the uptake basis's need).
    institutional_takeup : float [-]
        Institutional residents per person in need.

    Returns
    -------
    residents, at_home : arrays [persons]
    """
    residents = np.asarray(care_need, dtype=float) * institutional_takeup
    return residents, np.asarray(care_need, dtype=float) - residents


# -- tidy wrappers ----------------------------------------------------------------------------

def _by_region_year(population: pd.DataFrame, weights: np.ndarray, ages: slice = slice(None)) -> pd.Series:
    """Sum of population x weight(age) by region and year."""
    cell = population[population["age"].between(ages.start or 0, ages.stop or 100)]
    weighted = cell["population"].to_numpy() * np.asarray(weights)[cell["age"].to_numpy()]
    return cell.assign(value=weighted).groupby(["region", "year"], observed=True)["value"].sum()


def workforce_table(result, years: tuple[int, int] | None = None) -> pd.DataFrame:
    """Staff needed per county (and the prefecture) and year.

    Returns
    -------
    DataFrame [scenario, region, year, residents, care_staff, age_60plus, social_workers,
               enrolled_children, childcare_staff]
        Residents and enrolled children on the uptake basis (need x take-up; children x
        enrolment propensity by age), before occupancy.
    """
    a = resolve(result.scenario)
    uptake = uptake_parameters(a.demand)
    population = _years(result.projection.population, years)
    need = _by_region_year(population, uptake["care_need"])
    old = _by_region_year(population, np.ones(101), slice(60, 100))
    enrolled = np.stack([_by_region_year(population[population["age"] == age], np.full(101, uptake["enrolment"][age]))
                         .reindex(need.index).to_numpy() for age in range(3)], axis=-1)
    residents = need.to_numpy() * uptake["institutional_takeup"]
    ratios = np.array(a.workforce.children_per_carer)
    table = need.index.to_frame(index=False).assign(
        residents=residents,
        care_staff=care_staff(residents, a.demand.nursing_share_of_residents, a.workforce.residents_per_carer_nursing,
                              a.workforce.residents_per_carer_other),
        age_60plus=old.reindex(need.index).to_numpy(),
        enrolled_children=enrolled.sum(axis=-1),
        childcare_staff=childcare_staff(enrolled, ratios))
    table["social_workers"] = social_workers(table["age_60plus"].to_numpy(), a.workforce.social_workers_per_1000_60plus)
    table = _with_prefecture(table.assign(scenario=result.scenario.name))
    return table[["scenario", "region", "year", "residents", "care_staff", "age_60plus", "social_workers",
                  "enrolled_children", "childcare_staff"]]


def home_care_table(result, years: tuple[int, int] | None = None) -> pd.DataFrame:
    """Older people needing care at home beside community and district centre beds.

    Returns
    -------
    DataFrame [scenario, region, year, care_need, institutional_residents, at_home, community_beds,
               at_home_per_community_bed, coverage_target_percent, integrated_centres_target]
        ``community_beds``: the ledger's community and district centre beds in service;
        the coverage target (90%) and one integrated care centre per county are the plan's
        2025 targets.
    """
    uptake = uptake_parameters(resolve(result.scenario).demand)
    population = _years(result.projection.population, years)
    need = _by_region_year(population, uptake["care_need"])
    residents, at_home = home_care_need(need.to_numpy(), uptake["institutional_takeup"])
    table = need.index.to_frame(index=False).assign(care_need=need.to_numpy(), institutional_residents=residents,
                                                    at_home=at_home)
    ledger = result.ledger[result.ledger["type"].isin(["community", "district"])
                           & (result.ledger["service"] == "elderly_beds")]
    codes = sorted(table["region"].unique())
    beds = capacity_by_year(ledger, np.sort(table["year"].unique()), codes, services=("elderly_beds",))
    table = table.merge(beds.rename(columns={"capacity": "community_beds"})[["region", "year", "community_beds"]],
                        on=["region", "year"], how="left").fillna({"community_beds": 0.0})
    table = _with_prefecture(table.assign(scenario=result.scenario.name))
    table["at_home_per_community_bed"] = table["at_home"] / table["community_beds"].where(table["community_beds"] > 0)
    plan = plan_figures()
    table["coverage_target_percent"] = plan["target_home_community_coverage"]
    per_county = plan["target_integrated_centres_per_county"]
    table["integrated_centres_target"] = np.where(table["region"] == area_code(), per_county * len(codes), per_county)
    return table[["scenario", "region", "year", "care_need", "institutional_residents", "at_home", "community_beds",
                  "at_home_per_community_bed", "coverage_target_percent", "integrated_centres_target"]]


def workforce_comparison(workforce: pd.DataFrame) -> pd.DataFrame:
    """The prefecture's staff needed beside the plan's workforce figures (2020 and 2025)."""
    plan = plan_figures()
    pref = workforce[workforce["region"] == area_code()].set_index("year")
    rows = []
    for year in (2020, 2025, 2030, 2035):
        if year not in pref.index:
            continue
        row = pref.loc[year]
        rows += [(year, "care staff (elderly institutions)", row["care_staff"],
                  plan["care_professionals"] if year == 2020 else (plan["target_care_professionals"] if year == 2025 else np.nan),
                  "plan: 1,200 care professionals (2020), 5,200 by 2025; 4,000 carers trained 2021-2025"),
                 (year, "social workers", row["social_workers"],
                  row["age_60plus"] * (plan["social_workers_per_1000_elderly"] if year == 2020 else
                                       plan["target_social_workers_per_1000_elderly"]) / 1000 if year <= 2025 else np.nan,
                  "plan: 5.6 per 1,000 older people (2020), 8 by 2025 (x the projected 60+)"),
                 (year, "childcare staff", row["childcare_staff"], plan["childcare_staff"] if year == 2020 else np.nan,
                  "plan: 2,690 working in childcare in 2020 (1,741 qualified)")]
    return pd.DataFrame(rows, columns=["year", "staff", "needed", "plan_figure", "note"])


def _years(population: pd.DataFrame, years: tuple[int, int] | None) -> pd.DataFrame:
    return population if years is None else population[population["year"].between(*years)]


def _with_prefecture(table: pd.DataFrame) -> pd.DataFrame:
    values = [c for c in table.columns if c not in ("scenario", "region", "year")]
    return with_parent_totals(table, ["scenario", "year"], values)
