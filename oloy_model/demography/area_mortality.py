"""Default mortality level of an area without a published local life expectancy.

Dali's level comes from its plan (e0 = 76.56 in 2020). Elsewhere the default is the national
level adjusted by an **indirectly standardised mortality ratio** (ISMR) from the 2010
census-year deaths, shrunk toward 1, and is labelled :data:`LABEL` wherever it surfaces.

Method (docs/methods.md, "Mortality level of other areas"):

1. Observed deaths of each 2010 county-level unit: the census-year crude death rate (events of
   the 12 months before 2010-11-01) x the census population [source: nbs2010_county_china].
   Units without a published rate are left out of both observed and expected deaths.
2. Expected deaths: WPP 2024 China single-year ``mx`` of the census year's mid-point
   (2010.33) applied to the unit's single-year 2010 census population (indirect
   standardisation, Preston, Heuveline & Guillot 2001, section 1.6 and section 2.6:
   ``ISMR = D / sum_x N_x m^s_x``).
3. Relative ratio: the area's observed/expected divided by the nation's. Census-year deaths
   are under-reported in the 2010 census (the national observed/expected ratio here is well
   below 1), and dividing by the national ratio assumes the under-reporting is the same
   everywhere; it is not, so the relative ratio is
4. shrunk toward 1 on the log scale with a fixed credibility weight ``w``
   (:data:`CREDIBILITY` = 0.5, an assumption: half of an area's observed differential is
   believed). ``R = exp(w ln(ratio))``. Uncertainty: the range from ``w = 0`` (the national
   level) to ``w = 1`` (the full observed differential), each widened by the Poisson 95%
   interval of the observed deaths (``ln`` scale, ``1.96 / sqrt(D)``).
5. Level: ``R`` multiplies WPP China's 2020 ``mx`` of both sexes (proportional hazards); the
   life table gives e0 by sex, combined with the area's 2020 census 0-4 sex ratio as in
   :func:`oloy_model.demography.mortality.e0_sex_split` (birth-weighted mean).
"""
from __future__ import annotations


import numpy as np
import pandas as pd

from ..base import national
from ..base.caching import read_only_cache
from ..base.errors import OloyInputError
from . import crosswalk, lifetable, mortality
from .population import base_population, census_age_groups, SEXES

LABEL = "estimated (national level x ISMR)"
CREDIBILITY = 0.5
CENSUS_YEAR_MIDPOINT = 2010 + 4 / 12  # deaths of 2009-11-01 .. 2010-10-31
Z95 = 1.96


@read_only_cache(maxsize=1)
def county_deaths_2010() -> pd.DataFrame:
    """Observed and expected census-year deaths of every 2010 county-level unit with a rate.

    Returns
    -------
    DataFrame [region, observed, expected] [deaths per year]
    """
    nation = national.national_regions(2010).query("level == 'nation'")["region"].iloc[0]
    indicators = national.national_indicators(2010).pivot(index="region", columns="indicator", values="value")
    rates = indicators["crude_death_rate"].dropna()
    leaves = [code for code in national.leaves(nation, 2010) if code in rates.index]
    observed = rates[leaves] / 1000.0 * indicators.loc[leaves, "population_total"]
    pop = base_population(2010, area=nation)
    pop = pop[pop["region"].isin(leaves)]
    mx = mortality.standard_mx(np.array([CENSUS_YEAR_MIDPOINT]))[0]
    table = mortality.county_smr(pop, observed.rename("observed"), mx)
    return table[["region", "observed", "expected"]]


def _members_2010(area: str) -> list[str]:
    walk = crosswalk.area_crosswalk(area)
    return sorted(code for code in walk["region_2010"] if code)


def _e0_both(ratio: float, srb: float) -> tuple[float, float, float]:
    mx = mortality.standard_mx(np.array([2020]))[0] * ratio
    female, male = (float(lifetable.e0(mx[s], sex)) for s, sex in enumerate(SEXES))
    return (female + srb * male) / (1 + srb), female, male


def mortality_default(area: str, *, credibility: float = CREDIBILITY) -> dict:
    """The default 2020 life expectancy of an area: national level x shrunk ISMR (module docstring).

    Parameters
    ----------
    area : str
        Division code of a prefecture, province or the nation (:func:`oloy_model.base.national.areas`).
    credibility : float [-], in [0, 1]
        Weight of the area's observed differential (0: the national level; 1: all of it).

    Returns
    -------
    dict
        ``observed`` and ``expected`` deaths [per year], ``ratio_raw`` (observed/expected),
        ``ratio_national``, ``ratio_relative``, ``ratio`` (shrunk), ``e0`` [years, both sexes,
        2020], ``e0_female``, ``e0_male``, ``e0_national``, ``e0_low``, ``e0_high`` (the
        uncertainty range of step 4), ``counties_2010`` and ``label`` (:data:`LABEL`).
    """
    if not 0.0 <= credibility <= 1.0:
        raise OloyInputError(f"credibility={credibility!r}; expected a number in [0, 1]")
    return _mortality_default(national.check_area(area), float(credibility))


@read_only_cache(maxsize=64)
def _mortality_default(code: str, credibility: float) -> dict:
    deaths = county_deaths_2010()
    members = deaths[deaths["region"].isin(_members_2010(code))]
    observed, expected = float(members["observed"].sum()), float(members["expected"].sum())
    ratio_national = float(deaths["observed"].sum() / deaths["expected"].sum())
    relative = observed / expected / ratio_national
    shrunk = float(np.exp(credibility * np.log(relative)))
    poisson = Z95 / np.sqrt(observed)
    low_ratio = min(1.0, relative) * np.exp(-poisson)
    high_ratio = max(1.0, relative) * np.exp(poisson)
    young = census_age_groups(2020, level="county", area=code)
    young = young[young["age_start"] < 5].groupby("sex")["population"].sum()
    srb = float(young["male"] / young["female"])
    e0, female, male = _e0_both(shrunk, srb)
    return {"area": code, "counties_2010": len(members), "observed": observed, "expected": expected,
            "ratio_raw": observed / expected, "ratio_national": ratio_national, "ratio_relative": relative,
            "credibility": credibility, "ratio": shrunk, "e0": e0, "e0_female": female, "e0_male": male,
            "e0_national": _e0_both(1.0, srb)[0], "e0_low": _e0_both(high_ratio, srb)[0],
            "e0_high": _e0_both(low_ratio, srb)[0], "label": LABEL}
