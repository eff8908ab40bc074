"""The cohort-component projection kernel (one annual step), vectorised over any leading axes.

Arrays are shaped ``(..., sex, age)`` with ``sex`` 0 = female, 1 = male and ages 0..100,
where 100 means 100+. Leading axes (region, and later draw) are independent; the kernel never
loops over them, nor over ages.

Conventions for one step [t-1, t) (one year, from 1 November of year t-1 to 1 November of
t); the same terms as the UN Population Division's kernel ccmppWPP (see ``docs/methods.md``,
section "The kernel's conventions", and the reference test against its Canada example):

* **Ages and flows.** Every flow of a step is classified by the age its cohort reaches at the
  *end* of the step (the population's age at t): ``deaths[a]`` and ``net_migration[a]``
  belong to the cohort aged ``a-1`` at the start (``a = 0``: those born in the step;
  ``a = 100``: the cohorts aged 99 and 100+ at the start). So for every cell
  ``P(t)[a] = P(t-1)[a-1] + M[a] - D[a]`` (``P(t-1)[-1]`` := births), which is the balancing
  equation per sex and age.
* **Survival** ``S[a]``, indexed by age at the end of the step: ``S[a] = L[a] / L[a-1]`` for
  a = 1..99, the open group closes with ``S[100] = T[100] / T[99]`` applied to the cohorts
  aged 99 and 100+ together, and ``S[0] = L[0] / l[0]`` for the step's births (Preston,
  Heuveline & Guillot 2001, section 6.3, eq. 6.3-6.4, in single years). Survival ratios may
  also be given directly (``sx`` in :func:`project_arrays`).
* **Births.** ``B = sum_x asfr[x] (W_start[x] + W_end[x]) / 2`` (Preston et al. 2001,
  eq. 6.5): the women's exposure is the mean of the female population at the start of the step
  *including the migrants who join at the start* and the female survivors at the end *before
  the migrants who join at the end are added*. Migrants are exposed to fertility and mortality
  exactly while they are present. Births are split by sex with ``srb`` (males per female).
* **Migration** ``migration_timing`` (the step's net migrants ``M``):

  - ``"half"`` (the model's default): ``M[a]`` is by age at the end of the step; half of it
    joins the cohort (aged ``a-1``) at the start, exposed to the step's survival and
    fertility, half joins at the end. Infant migrants (``M[0]``): half are exposed with the
    step's births.
  - ``"start"``: as ``"half"`` with all of ``M`` at the start; ``"end"``: all of ``M`` at the
    end, with no exposure (the UN's ``"end"``: births use the survivors before migrants).
  - ``"even"`` (the UN's ``"even"``): ``M[x]`` is by age; half joins at the start at age
    ``x`` (survives to ``x+1``, exposed to fertility at ``x``), half joins at the end at
    age ``x``. Unlike ``"half"``, the early half therefore ends the step one year older than
    the index it was given at. The net migration reported by age at the end is
    ``M[a-1]/2 + M[a]/2`` (open group: ``M[99]/2 + M[100]``).

  When net out-migration would leave fewer than zero people in a cell, both parts of that
  cell's migration are scaled down together until the cell is exactly empty (reported as
  ``capped``).
"""
from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np

from ..base.dimensions import N_AGES, SEXES
from ..base.errors import DemographicWarning, OloyInputError
from .lifetable import life_table

FEMALE, MALE = 0, 1
#: Share of each step's net migrants that joins at the start (``None``: the UN's "even").
MIGRATION_TIMINGS = {"half": 0.5, "start": 1.0, "end": 0.0, "even": None}


def survival_from_life_table(lx: np.ndarray, Lx: np.ndarray, Tx: np.ndarray) -> np.ndarray:
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
    sexes = np.array(SEXES)
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


def migration_parts(net_migration: np.ndarray, migration_timing: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Split a step's net migrants into those who join at the start and at the end.

    Parameters
    ----------
    net_migration : array [persons], shape (..., 2, 101)
        The step's net migrants as the timing defines them (module docstring).
    migration_timing : {"half", "start", "end", "even"}

    Returns
    -------
    early : array [persons], shape (..., 2, 101)
        Migrants who join at the start (exposed to survival and fertility), by age at the
        *end* of the step; ``early[..., 0]`` join with the step's births.
    late : array [persons], shape (..., 2, 101)
        Migrants who join at the end (no exposure), by age at the end. May be the same array
        as ``early`` (under ``"half"``): copy before writing into either.
    open_start : array [persons], shape (..., 2, 2)
        The part of ``early[..., 100]`` aged 99 and 100+ at the start (for their fertility
        exposure; under ``"half"`` and ``"start"`` all of it is placed at 100+).
    """
    migration = np.asarray(net_migration, dtype=float)
    share = _early_share(migration_timing)
    if migration_timing == "even":  # half at the start by age at the start: one year older at the end
        early = cohort_shift(migration, 0.0)
        early *= share
        open_start = migration[..., 99:101] * share
    else:
        early = migration * share
        open_start = np.zeros(migration.shape[:-1] + (2,))
        open_start[..., 1] = early[..., 100]
        if share == 0.5:  # the same numbers: one array (callers copy before writing into either)
            return early, early, open_start
    return early, migration * (1.0 - share), open_start


def _early_share(migration_timing: str) -> float:
    if migration_timing not in MIGRATION_TIMINGS:
        raise OloyInputError(f"migration_timing={migration_timing!r} is not known; expected one of "
                             f"{list(MIGRATION_TIMINGS)}")
    share = MIGRATION_TIMINGS[migration_timing]
    return 0.5 if share is None else share


def step(population: np.ndarray, survival: np.ndarray, asfr: np.ndarray, srb: np.ndarray | float,
         net_migration: np.ndarray, *, migration_timing: str = "half", detail: bool = True) -> dict[str, np.ndarray]:
    """Project one year.

    Parameters
    ----------
    population : array [persons], shape (..., 2, 101)
        Population at the start of the step.
    survival : array [-], shape broadcastable to (..., 2, 101)
        By age at the end of the step (:func:`survival_from_life_table`).
    asfr : array [births per woman-year], shape broadcastable to (..., 101)
        Age-specific fertility rates by age of mother (zero outside 15..49).
    srb : float or array [males per female birth], broadcastable to ``population.shape[:-2]``
    net_migration : array [persons], shape broadcastable to (..., 2, 101)
        Net migrants during the step (by age at the end of the step, except under ``"even"``:
        see the module docstring).
    migration_timing : {"half", "start", "end", "even"}
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

    Notes
    -----
    Preston, Heuveline & Guillot (2001), ch. 6; United Nations Population Division, ccmppWPP
    (the conventions of its ``"end"`` and ``"even"`` timings are reproduced exactly).
    """
    shape = population.shape
    survival = np.broadcast_to(survival, shape)
    migration = np.broadcast_to(np.asarray(net_migration, dtype=float), shape)
    early, late, open_start = migration_parts(migration, migration_timing)

    # Everyone already born survives with the early migrants; age 0 (the births) comes second.
    at_risk, end = _survive(population, survival, early)
    births = _births(population, end, early, open_start, asfr, srb)  # before the late migrants join
    end += late
    factor = None
    # With survival > 0 a negative cohort at risk shows in the end population too, except under
    # "even", whose early and late parts of a cell come from different ages (signs may differ).
    if end[..., 1:].min(initial=0.0) < 0.0 or (
            migration_timing == "even" and at_risk[..., 1:].min(initial=0.0) < 0.0):
        factor = _capping_factor(at_risk - early, early, late, survival)
        factor[..., 0] = 1.0
        requested = early + late
        early, late, open_start = early * factor, late * factor, open_start * factor[..., 100:]
        at_risk, end = _survive(population, survival, early)
        np.maximum(at_risk, 0.0, out=at_risk)  # rounding at the emptied cells (no negative deaths)
        np.multiply(at_risk, survival, out=end)
        births = _births(population, end, early, open_start, asfr, srb, clamp=True)
        end += late

    infant_early, infant_late = early[..., 0].copy(), late[..., 0].copy()
    at_risk[..., 0] = births + infant_early
    end[..., 0] = at_risk[..., 0] * survival[..., 0] + infant_late
    if end[..., 0].min(initial=0.0) < 0.0 or at_risk[..., 0].min(initial=0.0) < 0.0:
        if factor is None:
            factor, requested = np.ones(shape), early + late
        early, late = early.copy(), late.copy()  # they may share memory (migration_parts)
        factor[..., 0] = _capping_factor(births, infant_early, infant_late, survival[..., 0])
        early[..., 0], late[..., 0] = infant_early * factor[..., 0], infant_late * factor[..., 0]
        at_risk[..., 0] = np.maximum(births + early[..., 0], 0.0)
        end[..., 0] = at_risk[..., 0] * survival[..., 0] + late[..., 0]
    if factor is not None:
        np.maximum(end, 0.0, out=end)  # rounding at the capped cells
    out = {"population": end, "births": births}
    if factor is None:
        out["capped_total"] = np.zeros(shape[:-2])
        if not detail:
            return out
        # Unchanged input where it is exact (every timing but "even" moves M[a] whole).
        effective = np.array(migration) if migration_timing != "even" else early + late
        capped = np.zeros(shape)
    else:
        effective = early + late
        capped = effective - requested
        out["capped_total"] = np.sum(capped, axis=(-2, -1))
    if detail:
        out["deaths"] = at_risk * (1.0 - survival)
        out["net_migration"] = effective
        out["capped"] = capped
    return out


def _survive(population: np.ndarray, survival: np.ndarray, early: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The cohorts at risk (start population + early migrants, by age at the end of the step)
    and their survivors; age 0 is filled in once the births are known. In-place arithmetic
    keeps large (draw x region x sex x age) arrays cheap."""
    at_risk = cohort_shift(population, 0.0)
    at_risk += early
    return at_risk, at_risk * survival


def _births(population: np.ndarray, survivors: np.ndarray, early: np.ndarray, open_start: np.ndarray,
            asfr: np.ndarray, srb: np.ndarray | float, clamp: bool = False) -> np.ndarray:
    """Births by sex (..., 2): asfr x the mean of the women at the start, with the early
    migrants at their age at the start, and the women surviving to the end before the late
    migrants (Preston et al. 2001, eq. 6.5)."""
    exposure = population[..., FEMALE, :] + survivors[..., FEMALE, :]
    exposure[..., 0:99] += early[..., FEMALE, 1:100]
    exposure[..., 99:101] += open_start[..., FEMALE, :]
    if clamp:
        np.maximum(exposure, 0.0, out=exposure)  # rounding where out-migrants empty a cohort
    total = np.sum(asfr * exposure, axis=-1) * 0.5
    male_share = np.asarray(srb, dtype=float) / (1.0 + np.asarray(srb, dtype=float))
    return np.stack([total * (1.0 - male_share), total * male_share], axis=-1)


def _capping_factor(cohort: np.ndarray, early: np.ndarray, late: np.ndarray, survival: np.ndarray) -> np.ndarray:
    """Share of each cell's net migrants that can move without leaving fewer than zero people.

    1 where the cell stays non-negative; elsewhere the largest ``k`` in [0, 1] with
    ``(cohort + k early) S + k late >= 0`` and ``cohort + k early >= 0``.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        outflow = early * survival + late
        by_end = np.where(outflow < 0.0, -cohort * survival / outflow, np.inf)
        by_start = np.where(early < 0.0, -cohort / early, np.inf)
    return np.clip(np.minimum(np.minimum(by_end, by_start), 1.0), 0.0, 1.0)


def project_arrays(base: np.ndarray, mx: np.ndarray | None, asfr: np.ndarray, srb: np.ndarray,
                   net_migration: np.ndarray, *, ax: np.ndarray | None = None,
                   migration_timing: str = "half", sx: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Project one region over ``n`` annual steps (the low-level entry of the public API).

    Parameters
    ----------
    base : array [persons], shape (2, 101)
        Population at the start (sex 0 = female, 1 = male; ages 0..100, 100 = 100+).
    mx : array [deaths per person-year], shape (n, 2, 101), or None with ``sx``
        Central death rates of each step; survival ratios come from their life table.
    asfr : array [births per woman-year], shape (n, 101)
        Zero outside ages 15..49.
    srb : array [males per female], shape (n,)
    net_migration : array [persons], shape (n, 2, 101)
        Net migrants during each step, by age at the end of the step (``"even"``: by age; see
        the module docstring).
    ax : array [years], shape (n, 2, 101), optional
        Life-table separation factors (default: see :func:`oloy_model.demography.lifetable.life_table`).
    migration_timing : {"half", "start", "end", "even"}
    sx : array [-], shape (n, 2, 101), optional
        Survival ratios given directly instead of ``mx``: indexed by age at the end of the
        step, ``sx[..., 0]`` for the step's births, ``sx[..., 100]`` applied to the cohorts
        aged 99 and 100+ at the start (the UN's ccmppWPP convention; see
        :func:`survival_from_life_table`). Give either ``mx`` or ``sx``.

    Returns
    -------
    dict of arrays
        ``population`` (n+1, 2, 101) including the base; ``births`` (n, 2);
        ``deaths`` (n, 2, 101) by age at the end (cohort deaths); ``net_migration``
        (n, 2, 101) after capping. A :class:`DemographicWarning` reports any capped
        out-migration.

    Notes
    -----
    Cohort-component method: Preston, Heuveline & Guillot (2001), ch. 6; single-year
    conventions in the module docstring. With ``sx`` and ``migration_timing="end"`` (or
    ``"even"``) it reproduces the UN Population Division's kernel ccmppWPP (tested on its
    Canada 1950-2020 example to 1e-9).
    """
    if (mx is None) == (sx is None):
        raise OloyInputError("project_arrays: give exactly one of mx (death rates) and sx (survival ratios)")
    base = np.asarray(base, dtype=float)
    rates = np.asarray(mx if sx is None else sx, dtype=float)
    n = rates.shape[0]
    _check_shapes(base, rates, asfr, srb, net_migration, n, "mx" if sx is None else "sx")
    if sx is None:
        survival = survival_from_mx(rates, ax)
    elif np.any(rates > 1):
        raise OloyInputError("project_arrays: sx must be survival ratios in [0, 1]")
    else:
        survival = rates
    arrays = project_steps(base, survival, np.asarray(asfr), np.asarray(srb), np.asarray(net_migration),
                           migration_timing=migration_timing, capped_where=lambda t: f"step {t}")
    return {key: arrays[key] for key in DETAIL}


#: What :func:`project_steps` records by default (every array of :func:`project_arrays`).
DETAIL = ("population", "births", "deaths", "net_migration")


def project_steps(base: np.ndarray, survival, asfr, srb, net_migration, *, migration_timing: str = "half",
                  record: tuple[str, ...] = DETAIL, totals: Callable[[np.ndarray], np.ndarray] | None = None,
                  out: dict[str, np.ndarray] | None = None, steps: int | None = None,
                  capped_where: Callable[[int], str] | None = None,
                  cell_label: Callable[[tuple], str] | None = None) -> dict[str, np.ndarray]:
    """Project any batch of regions (and draws) through ``n`` annual steps: the one loop over :func:`step`.

    Parameters
    ----------
    base : array [persons], shape (..., 2, 101)
        Population at the start; the leading axes (regions, or draws x regions) form the batch.
    survival : array [-], shape (n, ...) broadcastable to the batch, or callable ``t -> array``
        Survival of each step (:func:`step`); a callable builds step ``t``'s when it is reached
        (the ensemble's per-draw survival, too large to hold for every step).
    asfr : array [births per woman-year], shape (n, ...), or callable ``t -> array``
    srb : float or array [males per female], shape (n, ...)
    net_migration : array [persons], shape (n, ...), or callable ``(t, population) -> array``
        The step's net migrants; a callable receives the population at the start of step ``t``
        (migration given as rates per person at risk).
    migration_timing : {"half", "start", "end", "even"}
    record : tuple of str
        Arrays to return, stacked along a leading step axis: ``"population"`` (n+1, base
        first), ``"births"``, ``"deaths"``, ``"net_migration"`` (n) and ``"totals"`` (n+1,
        ``totals(population)`` of each population, base first). Deaths and migration by age
        are computed only when recorded (population and births are the same bit for bit).
    totals : callable, optional
        Reduces a population (..., 2, 101) to the recorded ``"totals"`` (the ensemble keeps
        only totals, for its memory).
    out : dict of arrays, optional
        Preallocated arrays (leading step axis, possibly views into a larger array) to write
        recorded names into instead of allocating them.
    steps : int, optional
        Number of steps ``n`` when no input is an array with a step axis.
    capped_where : callable, optional
        ``t -> str`` naming step ``t`` in the :class:`DemographicWarning` on capped
        out-migration (:func:`warn_capped`); None: no warning.
    cell_label : callable, optional
        ``index -> str`` naming a capped cell of the batch in that warning.

    Returns
    -------
    dict of arrays
        The recorded arrays and ``final``, the population after the last step.

    Notes
    -----
    Cohort-component method, Preston, Heuveline & Guillot (2001), ch. 6; the step's
    conventions are in the module docstring.
    """
    n = steps if steps is not None else _step_count(survival, asfr, srb, net_migration)
    detail = capped_where is not None or bool({"deaths", "net_migration"} & set(record))
    arrays = dict(out or {})
    population = base
    _record(arrays, record, "population", 0, population, n + 1)
    if "totals" in record:
        _record(arrays, record, "totals", 0, totals(population), n + 1)
    for t in range(n):
        migrants = net_migration(t, population) if callable(net_migration) else net_migration[t]
        result = step(population, _at(survival, t), _at(asfr, t), srb[t] if np.ndim(srb) else srb, migrants,
                      migration_timing=migration_timing, detail=detail)
        if capped_where is not None:
            warn_capped(result["capped"], capped_where(t), cell_label, stacklevel=4)
        population = result["population"]
        for key in ("births", "deaths", "net_migration"):
            _record(arrays, record, key, t, result[key] if key in result else None, n)
        _record(arrays, record, "population", t + 1, population, n + 1)
        if "totals" in record:
            _record(arrays, record, "totals", t + 1, totals(population), n + 1)
    recorded = {key: arrays[key] for key in record if key in arrays}
    if n == 0:  # nothing recorded for the flows: empty arrays with the batch's shape
        recorded |= {key: np.empty((0,) + base.shape[:-1] + (() if key == "births" else base.shape[-1:]))
                     for key in record if key not in arrays}
    return recorded | {"final": population}


def _at(values, t: int):
    """Step ``t``'s input: ``values(t)`` for a callable, else ``values[t]``."""
    return values(t) if callable(values) else values[t]


def _step_count(*inputs) -> int:
    for values in inputs:
        if not callable(values) and np.ndim(values) > 0:
            return len(values)
    raise OloyInputError("project_steps: give steps= when no input has a step axis")


def _record(arrays: dict, record: tuple[str, ...], key: str, index: int, value, size: int) -> None:
    """Write ``value`` at ``index`` of the recorded array ``key`` (allocated at the first value)."""
    if key not in record:
        return
    if key not in arrays:
        arrays[key] = np.empty((size,) + np.shape(value))
    arrays[key][index] = value


def warn_capped(capped: np.ndarray, where: str, labels=None, stacklevel: int = 3) -> None:
    """Warn about capped out-migration, naming the cells (``labels(index) -> str``).

    ``stacklevel`` as in :func:`warnings.warn` (3: the caller of the function that calls this)."""
    if np.any(capped > 1e-9):
        cells = np.argwhere(capped > 1e-9)
        named = [labels(tuple(int(j) for j in i)) if labels else str(tuple(int(j) for j in i)) for i in cells[:5]]
        warnings.warn(f"{where}: net out-migration exceeded the population in {len(cells)} cell(s) and was capped "
                      f"(total {capped.sum():,.1f} persons): " + "; ".join(named), DemographicWarning, stacklevel=stacklevel)


def _check_shapes(base, mx, asfr, srb, net_migration, n, rates_name="mx") -> None:
    expected = {"base": (base.shape, (2, N_AGES)), rates_name: (mx.shape, (n, 2, N_AGES)),
                "asfr": (np.shape(asfr), (n, N_AGES)), "srb": (np.shape(srb), (n,)),
                "net_migration": (np.shape(net_migration), (n, 2, N_AGES))}
    for name, (got, want) in expected.items():
        if tuple(got) != want:
            raise OloyInputError(f"project_arrays: {name} has shape {tuple(got)}, expected {want}")
    if np.any(base < 0) or np.any(mx < 0) or np.any(np.asarray(asfr) < 0) or np.any(np.asarray(srb) <= 0):
        raise OloyInputError(f"project_arrays: base, {rates_name} and asfr must be non-negative and srb positive")
