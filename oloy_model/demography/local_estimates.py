"""Dali-specific parameters estimated from the bundled data (cached; no formulas here).

This module wires the pure estimators of :mod:`mortality`, :mod:`fertility` and
:mod:`migration` to the census data. Every value it returns is an *estimate* by a stated
method; :func:`estimation_report` tabulates them with their method and inputs.
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ..base import national
from ..base.caching import read_only_cache
from ..base.dimensions import AGES, SEXES
from ..base.errors import DemographicWarning
from ..base.hierarchy import area_code, resolve_area, with_parent_totals
from ..base.tidy import to_array
from . import ccmpp, crosswalk, fertility, migration, migration_batch, mortality
from .area_mortality import mortality_default
from .population import base_population, census_age_groups

E0_BASE_2020 = 76.56  # Dali plan 2022 (dali_plan_2022): life expectancy in 2020, both sexes
CENSUS_GAP_YEARS = 10


def census_srb(year: int = 2020, *, area: str | None = None) -> float:
    """Sex ratio [males per female] of the area's census population aged 0-4.

    An estimate of the recent sex ratio at birth (the 0-4 ratio differs from the SRB only by
    the small sex difference in child mortality). Dali 2020: 93,602 / 88,712 = 1.055. For
    another ``area`` the sum of its counties (2010: of its crosswalk units' 2010 members).
    """
    resolved = resolve_area(area)
    if resolved is not None:
        pop = _area_population(year, resolved)
        young = pop[pop["age"] < 5].groupby("sex")["population"].sum()
        return float(young["male"] / young["female"])
    groups = census_age_groups(year, level="prefecture")
    young = groups[groups["age_start"] < 5].groupby("sex")["population"].sum()
    return float(young["male"] / young["female"])


def wpp_sex_gap(year: int = 2020) -> float:
    """WPP 2024 China female minus male e0 [years] in ``year`` (2020: 81.00 - 75.24 = 5.75)."""
    e0 = mortality.wpp_e0().loc[year]
    return float(e0["female"] - e0["male"])


def e0_targets(years: np.ndarray, *, e0_base: float = E0_BASE_2020, base_year: int = 2020,
               sex_gap: float | None = None, srb: float | None = None, trend: str = "wpp_medium",
               annual_gain: float = 0.0, area: str | None = None) -> np.ndarray:
    """The area's e0 [years] by year and sex (years, 2): base split by sex, then the trend.

    ``e0_base`` is Dali's published value by default; for another ``area`` pass its own (for
    example :func:`oloy_model.demography.area_mortality.mortality_default`); ``area`` sets the default SRB.
    """
    gap = wpp_sex_gap(base_year) if sex_gap is None else sex_gap
    ratio = census_srb(area=area) if srb is None else srb
    base = mortality.e0_sex_split(e0_base, gap, ratio)
    path = mortality.e0_path(np.asarray(years), base_year, base, trend=trend, annual_gain=annual_gain)
    return limit_e0(path, np.asarray(years))


E0_LIMITS = (30.0, 99.0)  # years; the Brass model on the WPP standard reaches 9-99 (males, 2021)


def limit_e0(targets: np.ndarray, years: np.ndarray) -> np.ndarray:
    """Keep e0 targets [years] inside :data:`E0_LIMITS`, warning where a path leaves them.

    A documented rule, not a silent fix: values inside every key's valid range can combine
    into an e0 no life table reaches (``e0_base = 100`` with ``sex_gap = 0``, or a constant
    annual gain of -1 year for 80 years); the Brass relational model (alpha in [-3, 3]) on
    the WPP standard spans about 9-99 years for males in 2021, so targets are capped at
    30-99 years, and a :class:`~oloy_model.base.errors.DemographicWarning` names the first year
    and the value asked for.
    """
    low, high = E0_LIMITS
    outside = (targets < low) | (targets > high)
    if np.any(outside):
        t, s = np.argwhere(outside)[0]
        warnings.warn(f"life expectancy path leaves [{low:g}, {high:g}] years from {int(years[t])} "
                      f"({SEXES[s]} e0 {targets[t, s]:.1f}); capped at the limit (e0_base, sex_gap, trend and "
                      "annual_gain give an e0 no life table of the model reaches)", DemographicWarning, stacklevel=3)
    return np.clip(targets, low, high)


def mortality_rates(years: np.ndarray, **kwargs) -> np.ndarray:
    """Single-year ``mx`` (years, 2, 101) for the given e0 settings (see :func:`e0_targets`)."""
    targets = e0_targets(years, **kwargs)
    return mortality.mortality_schedule(tuple(int(y) for y in years), tuple(map(tuple, np.round(targets, 10))))


def _with_prefecture(pop: pd.DataFrame, area: str | None = None) -> pd.DataFrame:
    return with_parent_totals(pop, ["sex", "age"], ["population"], area=area)


def _area_population(census_year: int, area: str) -> pd.DataFrame:
    """Single-year census population of an area other than the bundled one, by crosswalk unit
    (:mod:`oloy_model.demography.crosswalk`): 2020 counties and their 2010 counterparts summed into the
    same stable units, so both censuses cover the same territory. A unit is named by its
    smallest 2020 code; for a one-to-one unit that is the county itself."""
    walk = crosswalk.area_crosswalk(area)
    if census_year == 2020:
        pop = base_population(2020, area=area)
    else:
        nation = national.national_regions(2010).query("level == 'nation'")["region"].iloc[0]
        pop = base_population(2010, area=nation)  # members may have been in another prefecture
        pop = pop[pop["region"].isin(set(walk["region_2010"]))]
    units = crosswalk.to_units(pop, census_year, walk)
    units["order"] = units["sex"].map({s: i for i, s in enumerate(SEXES)})
    units = units.sort_values(["region", "order", "age"]).drop(columns="order")
    return units[["region", "sex", "age", "population"]].reset_index(drop=True)


def _census_population(census_year: int, area: str | None) -> pd.DataFrame:
    return base_population(census_year) if area is None else _area_population(census_year, area)


def _wpp_census_year_tfr(census_year: int, years_before: int) -> float:
    """WPP China TFR for the 12 months ending 1 November of ``census_year - years_before + 1``."""
    end = census_year - years_before + 1
    values = fertility.wpp_tfr(np.array([end - 1, end]))
    return float(values[0] * 2 / 12 + values[1] * 10 / 12)


def fertility_estimates(schedule_year: int = 2020, *, area: str | None = None, e0_base: float | None = None) -> pd.DataFrame:
    """Reverse-survival TFR by county (and the prefecture) for the 5 years before each census.

    Parameters
    ----------
    area : str, optional
        Another area (default Dali): estimated per crosswalk unit (see :func:`_area_population`)
        with every upper region of the area; mortality at ``e0_base`` [years, 2020] (default
        the area's :func:`oloy_model.demography.area_mortality.mortality_default`).

    Returns
    -------
    DataFrame [census_year, region, years_before, births, exposure, tfr, wpp_china_tfr, ratio_to_china]
    """
    resolved = resolve_area(area)
    return _fertility_estimates(schedule_year, resolved, _area_e0(resolved, e0_base))


def _area_e0(area: str | None, e0_base: float | None) -> float:
    if e0_base is not None or area is None:
        return E0_BASE_2020 if e0_base is None else float(e0_base)
    return round(mortality_default(area)["e0"], 10)


@read_only_cache(maxsize=8)
def _fertility_estimates(schedule_year: int, area: str | None, e0_base: float) -> pd.DataFrame:
    parts = []
    for census_year in (2010, 2020):
        mx = mortality_rates(np.array([census_year - 1]), e0_base=e0_base, area=area)[0]
        schedule = fertility.age_schedule(min(schedule_year, census_year))
        table = fertility.reverse_survival_tfr(_with_prefecture(_census_population(census_year, area), area), mx,
                                               schedule)
        table.insert(0, "census_year", census_year)
        china = {k: _wpp_census_year_tfr(census_year, k) for k in sorted(set(table["years_before"]))}
        table["wpp_china_tfr"] = table["years_before"].map(china).astype(float)
        table["ratio_to_china"] = table["tfr"] / table["wpp_china_tfr"]
        parts.append(table)
    return pd.concat(parts, ignore_index=True)


def prefecture_tfr_ratio(census_year: int = 2020, *, area: str | None = None) -> float:
    """The area's TFR relative to WPP China in the 12 months before the census (Dali 2020: about 1.18)."""
    table = fertility_estimates(area=area)
    row = table[(table.census_year == census_year) & (table.region == area_code(area)) & (table.years_before == 1)]
    return float(row["ratio_to_china"].iloc[0])


def county_tfr_multipliers(census_year: int = 2020, *, area: str | None = None) -> pd.Series:
    """County TFR / area TFR, averaged over the 5 years before the census (indexed by region;
    for another area, by crosswalk unit, and only the leaves: upper regions are dropped)."""
    table = fertility_estimates(area=area)
    table = table[table.census_year == census_year]
    wide = table.pivot(index="years_before", columns="region", values="tfr")
    resolved = resolve_area(area)
    uppers = {area_code()} if resolved is None else {parent for _, parent, _ in national.area_tree(resolved)} - {""}
    ratios = wide.drop(columns=[c for c in wide.columns if c in uppers]).div(wide[area_code(area)], axis=0)
    return ratios.mean(axis=0).rename("multiplier")


def _decade_fertility(codes: list[str], area: str | None = None) -> np.ndarray:
    """County TFR (10, regions) for the steps ending 2011..2020: the ratio to China moves
    linearly from its 2010-census to its 2020-census value (reverse survival, 12 months)."""
    table = fertility_estimates(area=area)
    first = table[(table.census_year == 2010) & (table.years_before == 1)].set_index("region")["ratio_to_china"]
    last = table[(table.census_year == 2020) & (table.years_before == 1)].set_index("region")["ratio_to_china"]
    years = np.arange(2011, 2021)
    weight = ((years - 2010) / 10.0)[:, None]
    # a unit without 2010 territory (no 2010 estimate) keeps its 2020 ratio over the decade
    first = first.reindex(codes).fillna(last[codes])
    ratio = (1 - weight) * first[codes].to_numpy()[None, :] + weight * last[codes].to_numpy()[None, :]
    return ratio * fertility.wpp_tfr(years)[:, None]


def population_cube(pop: pd.DataFrame) -> tuple[list[str], np.ndarray]:
    """A tidy [region, sex, age, population] table as sorted codes and an array (region, 2, 101)."""
    codes = sorted(pop["region"].unique())
    return codes, to_array(pop, {"region": codes, "sex": SEXES, "age": AGES}, "population")


def project_without_migration(start: np.ndarray, mx: np.ndarray, tfr: np.ndarray, srb: float,
                              years: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Project ``start`` (regions, 2, 101) [persons] one annual step per year of ``years`` with
    mortality ``mx`` (years, 2, 101) [per person-year], TFR (years, regions) [children per
    woman] on the WPP age schedule and ``srb`` [males per female], and no migration.

    Returns the population at the end (regions, 2, 101) and the births of all steps by region
    and sex (regions, 2) [persons]. Linear in ``start`` for given rates (so the projection of a
    sum of regions with common rates is the sum of their projections).
    """
    survival = ccmpp.survival_from_mx(mx)
    asfr = np.stack([fertility.asfr(tfr[t], fertility.age_schedule(int(min(years[t], 2023))))
                     for t in range(years.size)])
    no_migration = np.broadcast_to(np.zeros_like(start), (years.size,) + start.shape)
    decade = ccmpp.project_steps(start, survival, asfr, srb, no_migration, record=("births",))
    return decade["final"], np.sum(decade["births"].sum(axis=-1), axis=0)


def cohort_residual(start: np.ndarray, end: np.ndarray, mx: np.ndarray, tfr: np.ndarray, srb: float,
                    years: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Forward cohort-survival residual (module :mod:`oloy_model.demography.migration`, step 1).

    Returns
    -------
    census_groups, expected_groups, residual : arrays [persons], shape (regions, 2, 18)
        ``end`` and the migration-free projection of ``start`` in the 5-year groups at the end
        (0-4, ..., 80-84, 85+), and their difference (net migration surviving to the end).
    births : array [persons], shape (regions, 2)
    """
    projected, births = project_without_migration(start, mx, tfr, srb, years)
    census_groups = migration.group_sum(end)
    expected_groups = migration.group_sum(projected)
    return census_groups, expected_groups, census_groups - expected_groups, births


def migration_estimates(*, area: str | None = None, e0_base: float | None = None) -> dict:
    """2010-2020 net migration by county, sex and age, and its annual rate schedule.

    For another ``area`` (default Dali) the regions are its crosswalk units (2010 and 2020
    summed into the same territory; :func:`_area_population`), the mortality level ``e0_base``
    [years, 2020] defaults to the area's
    :func:`oloy_model.demography.area_mortality.mortality_default` (labelled estimated), and the fertility
    of the decade is the units' reverse-survival estimate.

    Returns
    -------
    dict
        ``codes``; ``rates`` (regions, 2, 101) annual net migration per person at risk;
        ``counts`` (regions, 2, 101) mean annual net migrants 2010-2020 implied by the rates;
        ``residual`` DataFrame [region, sex, age_group, census_2020, expected_2020, residual,
        fitted]; ``fits`` DataFrame of Rogers-Castro parameters and fit quality;
        ``summary`` dict of prefecture totals beside the published change.
    """
    resolved = resolve_area(area)
    return _migration_estimates(resolved, _area_e0(resolved, e0_base))


@read_only_cache(maxsize=4)
def _migration_estimates(area: str | None, e0_base: float) -> dict:
    start_codes, known = population_cube(_census_population(2010, area))
    codes, end = population_cube(_census_population(2020, area))
    if set(start_codes) - set(codes):
        raise ValueError(f"2010 units without a 2020 unit: {sorted(set(start_codes) - set(codes))[:5]}")
    # A unit with no 2010 territory (三沙市, founded 2012) has no residual to fit: it starts from
    # zero, and its rates are set to zero below (rule in docs/areas.md, "Scale").
    new_units = np.isin(codes, start_codes, invert=True)
    start = np.zeros_like(end)
    start[~new_units] = known
    years = np.arange(2011, 2021)
    mx = mortality_rates(years) if area is None else mortality_rates(years, e0_base=e0_base, area=area)
    tfr = _decade_fertility(codes, area)
    srb = census_srb(2020, area=area)
    census_groups, expected_groups, residual, births_total = cohort_residual(start, end, mx, tfr, srb, years)
    exposure = 0.5 * (migration.at_risk(start) + migration.at_risk(end))
    weights = 1.0 / np.sqrt(np.maximum(census_groups, 1.0))
    rates, fits, fitted = _fit_schedules(residual, exposure, weights, batched=area is not None)
    rates[new_units], fitted[new_units] = 0.0, 0.0
    fits.loc[np.repeat(new_units, len(SEXES)), RC_PARAMETERS + ["explained"]] = np.nan
    keys = pd.MultiIndex.from_product([codes, SEXES], names=["region", "sex"]).to_frame(index=False)
    fits = pd.concat([keys, fits], axis=1)
    labels = [f"{a}-{a + 4}" for a in migration.GROUP_STARTS[:-1]] + ["85+"]
    rows = pd.MultiIndex.from_product([codes, SEXES, labels], names=["region", "sex", "age_group"]).to_frame(index=False)
    for name, values in (("census_2020", census_groups), ("expected_2020", expected_groups), ("residual", residual),
                         ("fitted", fitted)):
        rows[name] = values.reshape(-1)
    counts = rates * exposure
    published_change = float(end.sum() - start.sum())
    summary = {
        "census_2010": float(start.sum()),
        "census_2020": float(end.sum()),
        "published_change": published_change,
        "net_migration_residual": float(residual.sum()),
        "implied_natural_change": published_change - float(residual.sum()),
        "projected_births": float(births_total.sum()),
        "annual_net_migration_from_rates": float(counts.sum()),
    }
    return {"codes": codes, "rates": rates, "counts": counts, "residual": rows, "fits": fits, "summary": summary}


RC_PARAMETERS = ["a1", "alpha1", "a2", "alpha2", "mu2", "lambda2", "c"]


def _fit_schedules(residual: np.ndarray, exposure: np.ndarray, weights: np.ndarray, *,
                   batched: bool) -> tuple[np.ndarray, pd.DataFrame, np.ndarray]:
    """Rogers-Castro fits of every (region, sex): rates (regions, 2, 101), the parameters and
    fit quality [a1 .. c, explained] in (region, sex) order, and the fitted group residuals
    (regions, 2, 18). ``batched``: :func:`migration_batch.fit_schedules` (other areas; agrees
    with the per-schedule fit to the tolerance in docs/areas.md), else one
    :func:`migration.fit_schedule` per schedule (the bundled area's values, unchanged)."""
    flat = [array.reshape((-1,) + array.shape[2:]) for array in (residual, exposure, weights)]
    if batched:
        rates, fit = migration_batch.fit_schedules(*flat)
        table = pd.DataFrame({name: fit[name] for name in RC_PARAMETERS + ["explained"]})
        return rates.reshape(exposure.shape), table, fit["fitted"].reshape(residual.shape)
    rates, records, fitted = np.zeros_like(flat[1]), [], np.zeros_like(flat[0])
    for k in range(flat[0].shape[0]):
        rates[k], fit = migration.fit_schedule(flat[0][k], flat[1][k], flat[2][k])
        records.append({**fit["rogers_castro"], "explained": fit["explained"]})
        fitted[k] = fit["fitted"]
    return rates.reshape(exposure.shape), pd.DataFrame(records), fitted.reshape(residual.shape)
