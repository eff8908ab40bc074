"""The cohort-component projection kernel (one annual step), vectorised over any leading axes.

Arrays are shaped ``(..., sex, age)`` with ``sex`` 0 = female, 1 = male and ages 0..100,
where 100 means 100+. Leading axes (region, and later draw) are independent; the kernel never
loops over them, nor over ages.

Timing conventions (one step = one year, from 1 November of year t-1 to 1 November of t):

* **Ages and flows.** Every flow of a step is classified by the age its cohort reaches at the
  *end* of the step (the population's age at t): ``deaths[a]`` and ``net_migration[a]``
  belong to the cohort aged ``a-1`` at the start (``a = 0``: those born in the step;
  ``a = 100``: the cohorts aged 99 and 100+ at the start). So for every cell
  ``P(t)[a] = P(t-1)[a-1] + M[a] - D[a]`` (``P(t-1)[-1]`` := births), which is the balancing
  equation per sex and age.
* **Survival.** ``S[a] = L[a+1] / L[a]`` for a = 0..98, and the open group closes with
  ``T[100] / T[99]`` applied to the cohorts aged 99 and 100+ (Preston, Heuveline & Guillot
  2001, section 6.3, eq. 6.3-6.4, in single years).
* **Births.** ``B = sum_a asfr[a] * (W(t-1)[a] + W(t)[a]) / 2``: women's exposure is the mean
  of the start- and end-of-step female population at each age (Preston et al. 2001, eq. 6.5),
  split by sex with ``srb`` (males per female); infants surviving to the end of the step
  ``B * L0 / l0`` (radix 1).
* **Migration** ``migration_timing``: ``"half"`` (default) half of the step's net migrants
  join (or leave) at the start and are exposed to the step's mortality, half at the end;
  ``"start"`` all at the start; ``"end"`` all at the end (no exposure). When net out-migration
  would leave fewer than zero people in a cell, it is capped at what exists (reported as
  ``capped``).
"""
from __future__ import annotations

import warnings

import numpy as np

from .errors import DemographicWarning, OloyInputError
from .lifetable import life_table

FEMALE, MALE = 0, 1
N_AGES = 101
MIGRATION_TIMINGS = {"half": 0.5, "start": 1.0, "end": 0.0}


def survival_from_life_table(lx: np.ndarray, Lx: np.ndarray, Tx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Step survival ratios and infant survival from life-table columns.

    Parameters
    ----------
    lx, Lx, Tx : array, shape (..., 101)
        Life-table columns with radix ``l0`` (any), single ages 0..100+.

    Returns
    -------
    survival : array [-], shape (..., 101)
        ``survival[a]``: share of the cohort aged ``a-1`` at the start still alive at the end,
        for a = 1..99 ``L[a]/L[a-1]``; ``survival[100] = T[100]/T[99]`` (for ages 99 and 100+
        together); ``survival[0] = L0 / l0`` (births surviving to the end of the step).
    """
    survival = np.empty_like(Lx)
    survival[..., 0] = Lx[..., 0] / lx[..., 0]
    survival[..., 1:100] = np.divide(Lx[..., 1:100], Lx[..., 0:99], out=np.zeros_like(Lx[..., 1:100]),
                                     where=Lx[..., 0:99] > 0)
    survival[..., 100] = np.divide(Tx[..., 100], Tx[..., 99], out=np.zeros_like(Tx[..., 100]), where=Tx[..., 99] > 0)
    return survival


def survival_from_mx(mx: np.ndarray, ax: np.ndarray | None = None) -> np.ndarray:
    """Step survival ratios (see :func:`survival_from_life_table`) from ``mx`` shaped (..., sex, age)."""
    sexes = np.array(["female", "male"])
    sex = np.broadcast_to(sexes[:, None], mx.shape[-2:-1] + (1,))[..., 0]
    table = life_table(mx, np.broadcast_to(sex, mx.shape[:-1]), ax=ax)
    return survival_from_life_table(table["lx"], table["Lx"], table["Tx"])


def cohort_shift(population: np.ndarray, newborn: np.ndarray | float) -> np.ndarray:
    """Cohort view of the start population indexed by age at the end of the step.

    ``out[..., 0] = newborn``, ``out[..., a] = population[..., a-1]`` for a = 1..99 and
    ``out[..., 100] = population[..., 99] + population[..., 100]``.
    """
    out = np.empty_like(population)
    out[..., 0] = newborn
    out[..., 1:100] = population[..., 0:99]
    out[..., 100] = population[..., 99] + population[..., 100]
    return out


def step(population: np.ndarray, survival: np.ndarray, asfr: np.ndarray, srb: np.ndarray | float,
         net_migration: np.ndarray, *, migration_timing: str = "half", detail: bool = True) -> dict[str, np.ndarray]:
    """Project one year.

    Parameters
    ----------
    population : array [persons], shape (..., 2, 101)
        Population at the start of the step.
    survival : array [-], shape broadcastable to (..., 2, 101)
        From :func:`survival_from_life_table`.
    asfr : array [births per woman-year], shape broadcastable to (..., 101)
        Age-specific fertility rates by age of mother (zero outside 15..49).
    srb : float or array [males per female birth], broadcastable to ``population.shape[:-2]``
    net_migration : array [persons], shape broadcastable to (..., 2, 101)
        Net migrants during the step by age at the end of the step (see module docstring).
    migration_timing : {"half", "start", "end"}
    detail : bool
        Also return deaths, effective migration and capping by age (the ensemble skips them;
        the population and births are the same either way, bit for bit).

    Returns
    -------
    dict
        ``population`` (..., 2, 101) at the end; ``births`` (..., 2); ``capped_total`` (...)
        persons of requested out-migration that did not exist; with ``detail``: ``deaths``
        and ``net_migration`` (..., 2, 101) by age at the end (migration after capping) and
        ``capped`` (..., 2, 101).
    """
    if migration_timing not in MIGRATION_TIMINGS:
        raise OloyInputError(f"migration_timing={migration_timing!r} is not known; expected one of "
                             f"{list(MIGRATION_TIMINGS)}")
    early = MIGRATION_TIMINGS[migration_timing]
    shape = population.shape
    survival = np.broadcast_to(survival, shape)
    migration = np.broadcast_to(np.asarray(net_migration, dtype=float), shape)

    # Everyone already born: survive the cohorts, add the step's migrants (age 0 is redone below).
    at_risk = cohort_shift(population, 0.0)
    end, effective = _survive_and_migrate(at_risk, survival, migration, early, first_age=1)

    # Women at age 0 at the end contribute nothing: asfr is zero there.
    total_births = np.sum(asfr * 0.5 * (population[..., FEMALE, :] + end[..., FEMALE, :]), axis=-1)
    srb = np.asarray(srb, dtype=float)
    male_share = srb / (1.0 + srb)
    births = np.stack([total_births * (1.0 - male_share), total_births * male_share], axis=-1)
    at_risk[..., 0] = births
    infants, infant_migration = _survive_and_migrate(at_risk[..., :1], survival[..., :1], migration[..., :1], early)
    end[..., :1] = infants
    out = {"population": end, "births": births}
    if effective is None and infant_migration is None:
        out["capped_total"] = np.zeros(shape[:-2])
        if not detail:
            return out
    effective = np.array(migration if effective is None else effective)
    effective[..., :1] = migration[..., :1] if infant_migration is None else infant_migration
    capped = effective - migration
    out["capped_total"] = np.sum(capped, axis=(-2, -1))
    if detail:
        out["deaths"] = (at_risk + early * effective) * (1.0 - survival)
        out["net_migration"] = effective
        out["capped"] = capped
    return out


def _survive_and_migrate(at_risk: np.ndarray, survival: np.ndarray, migration: np.ndarray,
                         early: float, *, first_age: int = 0) -> tuple[np.ndarray, np.ndarray | None]:
    """Survive ``at_risk`` plus the early share of migrants and add the late share.

    Returns the end population and the effective migration (``None`` when nothing had to be
    capped): where the requested net out-migration exceeds the people there, it is capped so
    that the cell ends at zero. Only ages from ``first_age`` on are checked for capping.
    In-place arithmetic keeps large (draw x region x sex x age) arrays cheap; the result is
    ``(at_risk + early M) S + (1 - early) M`` bit for bit.
    """
    population = _end_population(at_risk, survival, migration, early)
    if population.size == 0 or population[..., first_age:].min() >= 0.0:
        return population, None
    # Lowest net migration that leaves no negative cell: early*M*S + (1-early)*M >= -at_risk*S.
    exposure = early * survival + (1.0 - early)
    floor = -np.divide(at_risk * survival, exposure, out=np.zeros_like(at_risk), where=exposure > 0)
    effective = np.maximum(migration, floor)
    population = _end_population(at_risk, survival, effective, early)
    return np.maximum(population, 0.0, out=population), effective


def _end_population(at_risk: np.ndarray, survival: np.ndarray, migration: np.ndarray, early: float) -> np.ndarray:
    population = np.multiply(migration, early)
    population += at_risk
    population *= survival
    population += (1.0 - early) * migration
    return population


def project_arrays(base: np.ndarray, mx: np.ndarray, asfr: np.ndarray, srb: np.ndarray,
                   net_migration: np.ndarray, *, ax: np.ndarray | None = None,
                   migration_timing: str = "half") -> dict[str, np.ndarray]:
    """Project one region over ``n`` annual steps (the low-level entry of the public API).

    Parameters
    ----------
    base : array [persons], shape (2, 101)
        Population at the start (sex 0 = female, 1 = male; ages 0..100, 100 = 100+).
    mx : array [deaths per person-year], shape (n, 2, 101)
        Central death rates of each step.
    asfr : array [births per woman-year], shape (n, 101)
        Zero outside ages 15..49.
    srb : array [males per female], shape (n,)
    net_migration : array [persons], shape (n, 2, 101)
        Net migrants during each step, by age at the end of the step.
    ax : array [years], shape (n, 2, 101), optional
        Life-table separation factors (default: see :func:`oloy_model.lifetable.life_table`).
    migration_timing : {"half", "start", "end"}

    Returns
    -------
    dict of arrays
        ``population`` (n+1, 2, 101) including the base; ``births`` (n, 2);
        ``deaths`` (n, 2, 101); ``net_migration`` (n, 2, 101) after capping.
        A :class:`DemographicWarning` reports any capped out-migration.

    Notes
    -----
    Cohort-component method: Preston, Heuveline & Guillot (2001), ch. 6; single-year
    conventions in the module docstring.
    """
    base = np.asarray(base, dtype=float)
    mx = np.asarray(mx, dtype=float)
    n = mx.shape[0]
    _check_shapes(base, mx, asfr, srb, net_migration, n)
    survival = survival_from_mx(mx, ax)
    out = {"population": [base], "births": [], "deaths": [], "net_migration": []}
    population = base
    for t in range(n):
        result = step(population, survival[t], np.asarray(asfr)[t], np.asarray(srb)[t],
                      np.asarray(net_migration)[t], migration_timing=migration_timing)
        warn_capped(result["capped"], f"step {t}")
        population = result["population"]
        for key in ("population", "births", "deaths", "net_migration"):
            out[key].append(result[key])
    return {key: np.stack(value) for key, value in out.items()}


def warn_capped(capped: np.ndarray, where: str, labels=None) -> None:
    """Warn about capped out-migration, naming the cells (``labels(index) -> str``)."""
    if np.any(capped > 1e-9):
        cells = np.argwhere(capped > 1e-9)
        named = [labels(tuple(int(j) for j in i)) if labels else str(tuple(int(j) for j in i)) for i in cells[:5]]
        warnings.warn(f"{where}: net out-migration exceeded the population in {len(cells)} cell(s) and was capped "
                      f"(total {capped.sum():,.1f} persons): " + "; ".join(named), DemographicWarning, stacklevel=3)


def _check_shapes(base, mx, asfr, srb, net_migration, n) -> None:
    expected = {"base": (base.shape, (2, N_AGES)), "mx": (mx.shape, (n, 2, N_AGES)),
                "asfr": (np.shape(asfr), (n, N_AGES)), "srb": (np.shape(srb), (n,)),
                "net_migration": (np.shape(net_migration), (n, 2, N_AGES))}
    for name, (got, want) in expected.items():
        if tuple(got) != want:
            raise OloyInputError(f"project_arrays: {name} has shape {tuple(got)}, expected {want}")
    if np.any(base < 0) or np.any(mx < 0) or np.any(np.asarray(asfr) < 0) or np.any(np.asarray(srb) <= 0):
        raise OloyInputError("project_arrays: base, mx and asfr must be non-negative and srb positive")
