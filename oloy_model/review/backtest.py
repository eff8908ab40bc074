"""Historical check: project the 2010 census to 2020 and compare with the 2020 census.

Stated assumptions (none uses the 2020 census):

* **Base**: the 2010 census by county, sex and single age (same graduation as the 2020 base).
* **Fertility**: each county's TFR in the 12 months before the 2010 census by reverse
  survival (prefecture 1.43, 0.85 times WPP China's 1.69), moved forward with WPP China's
  annual TFR (2011-2020), county multipliers from the five years before the 2010 census.
* **Mortality**: Dali's 2010 level from its 2010 census-year crude death rate (6.32 per
  1,000): the Brass level whose deaths on the 2010 population give that rate, then WPP
  China's e0 gains by sex (sex gap as in WPP China 2010). Census deaths tend to be
  under-reported, so this level is if anything too low.
* **SRB**: the 2010 census sex ratio at ages 0-4.
* **Migration** (``rule``): ``"none"`` (default): no net migration, the only rule that needs
  no information beyond 2010 at county level. For attribution only, ``"observed"`` adds the
  2010-2020 residual migration estimated from both censuses: the difference between the two
  shows how much of the error migration explains.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import brentq

from ..base.caching import read_only_cache
from ..base.dimensions import AGE_BANDS, band_label
from ..base.errors import OloyInputError
from ..base.hierarchy import area_code
from ..base.resources import read_bundled
from ..demography import ccmpp, fertility, local_estimates as estimates, mortality
from ..demography.migration import at_risk
from ..demography.population import base_population, census_age_groups
from . import measures as ev

BASE, TARGET = 2010, 2020
RULES = ("none", "observed")
#: Age bands compared, by their short labels ("total", "0-14", "60+"; :mod:`oloy_model.base.dimensions`).
BANDS = {band_label(band): AGE_BANDS[band] for band in ("population", "age_0_14", "age_15_59", "age_60plus", "age_65plus")}


def _crude_death_rate() -> float:
    """Dali's 2010 census-year crude death rate [deaths per person-year]."""
    table = read_bundled("census6/indicators.csv")
    row = table[(table["region"] == area_code()) & (table["indicator"] == "crude_death_rate")]
    return float(row["value"].iloc[0]) / 1000.0


@read_only_cache(maxsize=1)
def e0_2010() -> tuple[float, float]:
    """Dali female and male e0 in 2010 matching the census-year crude death rate."""
    _, base = estimates.population_cube(base_population(BASE))
    population = base.sum(axis=0)  # (2, 101)
    target = _crude_death_rate()
    gap = estimates.wpp_sex_gap(BASE)
    srb = estimates.census_srb(BASE)

    def cdr(e0_both: float) -> float:
        e0 = mortality.e0_sex_split(e0_both, gap, srb)
        mx = mortality.mortality_schedule((BASE,), (tuple(e0),))[0]
        return float(np.sum(mx * population) / population.sum()) - target

    both = brentq(cdr, 55.0, 90.0, xtol=1e-8)
    return mortality.e0_sex_split(both, gap, srb)


def project_2010_to_2020(rule: str = "none") -> tuple[list[str], np.ndarray]:
    """Population (regions, 2, 101) at 2020-11-01 projected from 2010 under the stated rules."""
    if rule not in RULES:
        raise OloyInputError(f"backtest rule={rule!r}; expected one of {list(RULES)}")
    codes, population = estimates.population_cube(base_population(BASE))
    years = np.arange(BASE + 1, TARGET + 1)
    e0 = mortality.e0_path(years, BASE, e0_2010())
    survival = ccmpp.survival_from_mx(mortality.mortality_schedule(tuple(int(y) for y in years),
                                                                   tuple(map(tuple, np.round(e0, 10)))))
    table = estimates.fertility_estimates()
    ratio = float(table.query(f"census_year == 2010 and region == '{area_code()}' and years_before == 1")["ratio_to_china"].iloc[0])
    wide = table[table.census_year == BASE].pivot(index="years_before", columns="region", values="tfr")
    multipliers = wide.drop(columns=area_code()).div(wide[area_code()], axis=0).mean(axis=0).reindex(codes).to_numpy()
    tfr = ratio * fertility.wpp_tfr(years)[:, None] * multipliers[None, :]
    schedule = fertility.age_schedule(BASE)
    srb = estimates.census_srb(BASE)
    rates = estimates.migration_estimates()["rates"] if rule == "observed" else np.zeros_like(population)
    asfr = np.stack([fertility.asfr(tfr[t], schedule) for t in range(years.size)])
    projected = ccmpp.project_steps(population, survival, asfr, srb, lambda t, start: rates * at_risk(start),
                                    record=())
    return codes, projected["final"]


def backtest(rules: tuple[str, ...] = RULES) -> dict[str, pd.DataFrame]:
    """Errors of the 2010-based projection against the 2020 census.

    Returns
    -------
    dict
        ``errors``: [rule, region, band, projected, observed, error, pe, ape] for each county
        and the prefecture and the bands total, 0-14, 15-59, 60+, 65+;
        ``measures``: the evaluation measures by rule and band (counties only);
        ``assumptions``: the stated inputs (e0 2010 by sex, TFR ratio, SRB).
    """
    census = census_age_groups(TARGET)
    parts = []
    for rule in rules:
        codes, projected = project_2010_to_2020(rule)
        for band, (low, high) in BANDS.items():
            mine = projected[..., low:high + 1].sum(axis=(-2, -1))
            observed = (census[census["age_start"].between(low, high)].groupby("region")["population"].sum()
                        .reindex(codes).to_numpy(float))
            frame = pd.DataFrame({"rule": rule, "region": codes + [area_code()], "band": band})
            frame = pd.concat([frame, ev.errors(np.append(mine, mine.sum()), np.append(observed, observed.sum()))], axis=1)
            parts.append(frame)
    errors = pd.concat(parts, ignore_index=True)
    measures = ev.summarise(errors[errors["region"] != area_code()], by=("rule", "band"))
    female, male = e0_2010()
    table = estimates.fertility_estimates()
    ratio = float(table.query(f"census_year == 2010 and region == '{area_code()}' and years_before == 1")["ratio_to_china"].iloc[0])
    assumptions = pd.DataFrame({
        "assumption": ["e0 female 2010", "e0 male 2010", "TFR ratio to WPP China (2010 census)", "SRB (2010 census, 0-4)",
                       "crude death rate 2010 (census year)"],
        "value": [female, male, ratio, estimates.census_srb(BASE), 1000 * _crude_death_rate()],
    })
    return {"errors": errors, "measures": measures, "assumptions": assumptions}
