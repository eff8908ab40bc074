"""Probabilistic projections: ``simulate(scenario, draws, seed) -> Ensemble``.

Draws run in chunks of ``chunk_size`` through the same kernel as the deterministic projection
(within a chunk the draw axis leads the engine's arrays; no Python loop over draws). Only
per-draw totals are kept (population by age band, births, the need- and enrolment-weighted
sums that demand needs: 22.6 kB per draw for 2020-2050), not every cell, unless
``keep_cells=True``; gaps are derived from them when asked. Every draw's random numbers come
from a fixed block stream (:func:`oloy_model.uncertainty.stochastic.block_noise`), so the results do not
depend on the chunk size. Memory: the peak stays under :data:`MEMORY_BOUND` for every
accepted number of draws (at most :data:`MAX_DRAWS`; docs/robustness.md, Memory). With every
standard deviation set to zero each draw equals the deterministic projection bit for bit.
See :mod:`oloy_model.uncertainty.stochastic` for the models and their fits.
"""
from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..base.dimensions import AGES, band_mask, SERVICES, SEXES
from ..base.errors import OloyInputError
from ..base.hierarchy import area_code, leaf_codes
from ..base.scenario import load_scenario, Scenario
from ..base.tidy import to_frame
from ..demography import ccmpp, mortality, variability
from ..demography.assumptions import Assumptions, resolve
from ..demography.lifetable import life_table
from ..demography.migration import at_risk
from ..demography.projection import build_inputs, Inputs
from ..planning.capacity import capacity_array, check_ledger_frame, read_ledger
from ..planning.demand import BASES, norm_from_totals, path_or_nan, uptake_from_totals
from ..planning.result import Result, run, uptake_parameters
from . import stochastic

STAT_NAMES = ("population", "age_0_2", "age_60plus", "age_80plus", "care_need", "enrolled", "births")
QUANTITIES = ("population", "age_0_2", "age_60plus", "age_80plus", "births")
E0_GRID = np.linspace(-1.2, 1.2, 97)  # Brass alphas spanning about +-10 years of e0

# Memory (measured with benchmarks/bench_ensemble_memory.py; docs/robustness.md, Memory).
MEMORY_BOUND = 3 * 2**30  # [bytes] peak resident memory of simulate() and its tables, any accepted draws
KEPT_BYTES = 2_300_000_000  # [bytes] budget of the per-draw arrays kept to the end (totals, cells)
MAX_DRAWS = 100_000  # absolute maximum; the budget allows 101,842 draws of 2020-2050 x 12 counties
CHUNK_SIZE = 250  # draws per chunk: about 50 MB of working arrays; faster than larger chunks (cache)
OUTPUT_WORKING_BYTES = 64 * 2**20  # [bytes] working arrays of one block of years in the quantile tables


@dataclass(frozen=True)
class Ensemble:
    """Draws of a scenario's projection, demand and gaps, kept as per-draw totals.

    Attributes
    ----------
    scenario : Scenario
    result : Result or None
        The deterministic run (capacity, ledger, deterministic gaps) the draws are set against;
        None for an area other than the bundled one.
    seed, draws : int
    regions : list[str]
        The counties, then the area (:func:`~oloy_model.base.hierarchy.area_code`; the sum of
        the counties simulated, in every draw).
    years : ndarray
    stats : ndarray, shape (draws, years, regions + 1, len(STAT_NAMES))
    uptake_noise : ndarray, shape (draws, 2)
        Each draw's log multipliers of institutional take-up and childcare enrolment.
    parameters : dict
        The standard deviations and AR coefficients used, with their fitted statistics.
    cells : ndarray or None
        (draws, years, counties, 2, 101) population when ``keep_cells`` was asked.
    capacity : ndarray or None
        (years, regions + 1, services) [places] when it does not come from ``result``: another
        area's user ledger (:func:`oloy_model.planning.capacity.capacity_array`; NaN where the
        ledger states no capacity: those rows are left out of the gap tables, never set to zero).
        Neither ``result`` nor ``capacity``: no gap tables.
    settings : GapSettings or None
        What the gap tables need from the resolved scenario, when already at hand (a Dask
        worker gets it with its task, so it rebuilds no estimate); default from ``scenario``.
    gap_draws : ndarray, shape (draws, years, regions + 1, 3 services, 2 bases)
        Demand minus capacity [places], computed from ``stats`` when read (a new array each
        time, 19 kB per draw); the tables below compute it a block of years at a time.
    """

    scenario: Scenario
    result: Result
    seed: int
    draws: int
    regions: list[str]
    years: np.ndarray
    stats: np.ndarray
    uptake_noise: np.ndarray
    parameters: dict = field(default_factory=dict)
    cells: np.ndarray | None = None
    capacity: np.ndarray | None = None
    settings: GapSettings | None = field(default=None, repr=False)

    @property
    def gap_draws(self) -> np.ndarray:
        return self._gap_block(slice(None))

    @functools.cached_property
    def _settings(self) -> GapSettings:
        return self.settings if self.settings is not None else gap_settings(resolve(self.scenario))

    @functools.cached_property
    def _capacity(self) -> np.ndarray:
        """Capacity (years, regions + 1, services) [places] from the ledger (NaN: not stated)."""
        if self.capacity is not None:
            return self.capacity
        if self.result is None:
            raise OloyInputError(f"{self.scenario.name}: projection.area = {self._settings.area!r} "
                                 "has no capacity ledger, so no gaps or demand against capacity; expected "
                                 "Ensemble.quantiles() (population, births, care need), or a user ledger "
                                 "(capacity.ledger_file or ledger=) for gaps")
        return _capacity_array(self.result, self.regions[:-1], self.years)

    def _gap_block(self, years: slice) -> np.ndarray:
        """Gap draws (draws, years[years], regions + 1, services, bases) [places]."""
        return _gaps(self.stats[:, years], self.years[years], self._capacity[years], self._settings.norm_paths,
                     self._settings.uptake, self.uptake_noise)

    def _year_blocks(self) -> list[slice]:
        """Blocks of years whose working arrays (one gap block + two copies) fit OUTPUT_WORKING_BYTES."""
        per_year = self.draws * len(self.regions) * 8 * (len(SERVICES) * len(BASES) + 2)
        size = max(1, OUTPUT_WORKING_BYTES // per_year)
        return [slice(i, min(i + size, self.years.size)) for i in range(0, self.years.size, size)]

    def quantiles(self, quantities: Sequence[str] = QUANTITIES,
                  probabilities: Sequence[float] = (0.1, 0.5, 0.9)) -> pd.DataFrame:
        """Quantiles of projected totals: ``[scenario, region, year, quantity, q10, q50, q90, mean]``
        (births from the first projected year: the base year's are not projected)."""
        parts = []
        for quantity in quantities:
            if quantity not in STAT_NAMES:
                raise OloyInputError(f"quantity {quantity!r} is not known; expected one of {list(STAT_NAMES)}")
            k = STAT_NAMES.index(quantity)

            def columns(values: np.ndarray) -> dict[str, np.ndarray]:  # values (draws, years, regions)
                q = np.quantile(values, probabilities, axis=0)  # (p, years, regions)
                return {f"q{round(100 * p):02d}": q[i] for i, p in enumerate(probabilities)} | {
                    "mean": values.mean(axis=0)}

            blocks = [columns(self.stats[:, years, :, k]) for years in self._year_blocks()]
            frame = _frame(self.regions, self.years, _join(blocks))
            if quantity == "births":  # births are flows of the projected years: the base year has none
                frame = frame[frame["year"] != self.years[0]]
            frame.insert(2, "quantity", quantity)
            parts.append(frame)
        table = pd.concat(parts, ignore_index=True)
        table.insert(0, "scenario", self.scenario.name)
        return table

    def demand_quantiles(self, probabilities: Sequence[float] = (0.1, 0.5, 0.9)) -> pd.DataFrame:
        """Quantiles of demand: ``[scenario, region, year, service, basis, q10, q50, q90]`` [places].

        Capacity is the same in every draw, so demand quantiles are gap quantiles plus capacity.
        """
        def columns(gap: np.ndarray, s: int, years: slice) -> dict[str, np.ndarray]:
            q = np.quantile(gap, probabilities, axis=0) + self._capacity[years, :, s][None]
            return {f"q{round(100 * p):02d}": q[i] for i, p in enumerate(probabilities)}

        return self._by_service_and_basis(columns)

    def gap_probabilities(self, threshold: float | None = None,
                          probabilities: Sequence[float] = (0.1, 0.5, 0.9)) -> pd.DataFrame:
        """``[scenario, region, year, service, basis, p_shortfall, p_shortfall_over_threshold,
        threshold, gap_p10, gap_p50, gap_p90]``: the probability that demand exceeds capacity,
        that it does so by more than ``threshold`` places, and gap quantiles [places]."""
        threshold = self._settings.shortfall_threshold if threshold is None else threshold

        def columns(gap: np.ndarray, s: int, years: slice) -> dict[str, np.ndarray]:
            q = np.quantile(gap, probabilities, axis=0)
            return {"p_shortfall": np.mean(gap > 0.0, axis=0),
                    "p_shortfall_over_threshold": np.mean(gap > threshold, axis=0),
                    "threshold": np.full(gap.shape[1:], float(threshold))} | {
                f"gap_p{round(100 * p):02d}": q[i] for i, p in enumerate(probabilities)}

        return self._by_service_and_basis(columns)

    def _by_service_and_basis(self, columns) -> pd.DataFrame:
        """Long table of ``columns(gap (draws, years, regions), service index, years)`` per service and basis.

        The gaps are computed one block of years at a time (bounded memory); each column's
        value depends only on its own year and region, so the blocks do not change it. Rows
        without a gap are left out: capacity the ledger does not state, or a norm the area has
        no value for (NaN; :func:`oloy_model.planning.demand.path_or_nan`).
        """
        blocks: dict[tuple[int, int], list] = {(s, b): [] for s in range(len(SERVICES)) for b in range(len(BASES))}
        for years in self._year_blocks():
            gap = self._gap_block(years)
            for (s, b), parts in blocks.items():
                parts.append(columns(gap[..., s, b], s, years) | {"__known": ~np.isnan(gap[0, ..., s, b])})
        frames = []
        for (s, b), parts in blocks.items():
            frame = _frame(self.regions, self.years, _join(parts))
            frame = frame[frame.pop("__known")]
            frame.insert(2, "service", SERVICES[s])
            frame.insert(3, "basis", BASES[b])
            frames.append(frame)
        table = pd.concat(frames, ignore_index=True)
        table.insert(0, "scenario", self.scenario.name)
        return table


@dataclass(frozen=True)
class GapSettings:
    """What the gap tables need of a resolved scenario (:func:`gap_settings`)."""

    area: str | None
    norm_paths: dict
    uptake: dict
    shortfall_threshold: float


def gap_settings(a: Assumptions) -> GapSettings:
    """The norm paths, uptake parameters (calibrated on the area's 2020 census) and threshold of ``a``."""
    return GapSettings(a.projection.area, a.demand.norm_paths, uptake_parameters(a.demand, a.projection.area),
                       a.stochastic.shortfall_threshold)


def _join(blocks: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """Concatenate per-block (years, regions) columns along the year axis."""
    return {name: np.concatenate([block[name] for block in blocks]) for name in blocks[0]}


def _frame(regions: list[str], years: np.ndarray, columns: dict[str, np.ndarray]) -> pd.DataFrame:
    """(years, regions) arrays -> long frame [region, year, ...] sorted by region then year."""
    return to_frame({"region": regions, "year": years.astype(int)},
                    {name: np.asarray(values).T for name, values in columns.items()})


def resolved_parameters(scenario: Scenario) -> dict:
    """The stochastic settings (``auto`` resolved to the fitted values by
    :func:`oloy_model.demography.assumptions.resolve`) and the fits."""
    s = resolve(scenario).stochastic
    return {
        "fertility_sd": s.fertility_sd,
        "fertility_ar": s.fertility_ar,
        "county_fertility_sd": s.county_fertility_sd,
        "county_fertility_ar": s.county_fertility_ar,
        "e0_sd": s.e0_sd,
        "migration_level_sd": s.migration_level_sd,
        "migration_annual_sd": s.migration_annual_sd,
        "migration_ar": s.migration_ar,
        "uptake_sd": s.uptake_sd,
        "fertility_fit": variability.fit_fertility(),
        "mortality_fit": variability.fit_mortality(),
    }


def check_whole_number(label: str, value, *, minimum: int) -> int:
    """``value`` as an ``int`` if it is a whole number >= ``minimum``, else :class:`OloyInputError`.

    Python and numpy integers are accepted; ``bool``, floats (even ``50.0``), strings and
    ``None`` are not. ``label`` names the argument in the message (``"draws="`` or ``"--draws "``).
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise OloyInputError(f"{label}{value!r} ({type(value).__name__}); expected a whole number (int) >= {minimum}")
    if value < minimum:
        raise OloyInputError(f"{label}{value}; expected a whole number >= {minimum}")
    return int(value)


def max_draws(years: int = 31, counties: int = 12, *, keep_cells: bool = False) -> int:
    """Most draws whose kept arrays fit :data:`KEPT_BYTES` (at most :data:`MAX_DRAWS`).

    ``years`` counts the base year; each draw keeps ``years x (counties + 1) x 7`` totals and
    two uptake multipliers (float64), plus ``years x counties x 2 x 101`` cells with ``keep_cells``.
    """
    return min(MAX_DRAWS, KEPT_BYTES // _kept_bytes_per_draw(years, counties, keep_cells))


def _kept_bytes_per_draw(years: int, counties: int, keep_cells: bool) -> int:
    totals = (years * (counties + 1) * len(STAT_NAMES) + 2) * 8
    return totals + (years * counties * 2 * 101 * 8 if keep_cells else 0)


def check_draws(draws, *, label: str = "draws=", years: int = 31, counties: int = 12, keep_cells: bool = False) -> int:
    """Number of draws: 1 .. :func:`max_draws` for a projection of ``years`` x ``counties``.

    The maximum keeps the peak memory under :data:`MEMORY_BOUND`: exact quantiles need every
    draw's totals, so memory grows with the number of draws however they are chunked.
    """
    draws = check_whole_number(label, draws, minimum=1)
    limit = max_draws(years, counties, keep_cells=keep_cells)
    if draws > limit:
        kept = _kept_bytes_per_draw(years, counties, keep_cells)
        what = "keep_cells keeps every population cell" if keep_cells else "exact quantiles need every draw's totals"
        raise OloyInputError(f"{label}{draws:,} is above the maximum of {limit:,} draws for {years} years x {counties} "
                             f"counties: {what} ({kept / 1e3:.1f} kB per draw, {draws * kept / 1e9:,.1f} GB for "
                             f"{draws:,}), and the maximum keeps the peak memory under {MEMORY_BOUND / 2**30:.0f} GiB "
                             "(docs/robustness.md, Memory)")
    return draws


def check_draw_count(draws, *, label: str = "draws=") -> int:
    """A number of draws before the area's size is known: a whole number, 1 .. :data:`MAX_DRAWS`
    (the memory bound of the area's run is checked once its inputs are built)."""
    draws = check_whole_number(label, draws, minimum=1)
    if draws > MAX_DRAWS:
        raise OloyInputError(f"{label}{draws:,} is above the maximum of {MAX_DRAWS:,} draws, which keeps the peak "
                             "memory of a run bounded (docs/robustness.md, Memory)")
    return draws


def check_seed(seed, *, label: str = "seed=") -> int:
    """A seed for ``numpy.random.SeedSequence``: a whole number >= 0."""
    return check_whole_number(label, seed, minimum=0)


class _SurvivalGrid:
    """Survival on a grid of Brass alphas, interpolated to each draw's e0 (one step at a time)."""

    def __init__(self, inputs: Inputs):
        standards = mortality.standard_mx(inputs.years)  # (T, 2, 101)
        grid_mx = mortality.relational_grid(standards, E0_GRID)  # (T, 2, K, 101)
        sexes = np.broadcast_to(np.array(SEXES)[:, None], grid_mx.shape[1:3])
        table = life_table(grid_mx, np.broadcast_to(sexes, grid_mx.shape[:-1]))
        self.survival = ccmpp.survival_from_life_table(table["lx"], table["Lx"], table["Tx"])[:, :, ::-1]
        self.e0 = table["ex"][..., 0][:, :, ::-1]  # (T, 2, K), increasing
        self.path = inputs.e0

    def step(self, e0_noise: np.ndarray, t: int) -> np.ndarray:
        """Survival (draws, 2, 101) of step ``t`` for e0 = scenario path + ``e0_noise[:, t]``."""
        out = np.empty((e0_noise.shape[0], 2, self.survival.shape[-1]))
        for s in range(2):
            grid = self.e0[t, s]
            position = np.interp(self.path[t, s] + e0_noise[:, t], grid, np.arange(grid.size, dtype=float))
            low = np.clip(np.floor(position).astype(int), 0, grid.size - 2)
            weight = (position - low)[:, None]
            out[:, s] = (1.0 - weight) * self.survival[t, s][low] + weight * self.survival[t, s][low + 1]
        return out


def simulate(scenario: Scenario | str, draws: int = 1000, seed: int = 1, *, keep_cells: bool = False,
             progress: Callable[[str], None] | None = None, chunk_size: int = CHUNK_SIZE,
             regions: Sequence[str] | None = None, ledger: pd.DataFrame | None = None) -> Ensemble:
    """Run ``draws`` stochastic projections of a scenario and set them against capacity.

    Parameters
    ----------
    scenario : Scenario or str
    draws : int
        Number of draws, 1 .. :func:`max_draws` (Python or numpy integer): 100,000 for
        2020-2050, fewer for a later horizon (38,993 to 2100).
    seed : int
        Seed (>= 0) of the random streams (see :func:`oloy_model.uncertainty.stochastic.block_noise`);
        the same seed gives the same numbers, and draw ``i`` is the same whatever ``draws``.
    keep_cells : bool
        Keep every population cell of every draw (memory: draws x 31 x 12 x 202 x 8 bytes,
        so at most 3,687 draws of 2020-2050; :func:`max_draws`).
    chunk_size : int
        Draws projected together (vectorised); memory, not results, depends on it: any chunk
        size gives the same numbers bit for bit.
    regions : sequence of str, optional
        Simulate only these counties (division codes of the area's counties); their rows are
        the full ensemble's bit for bit (each county's noise is keyed by its code,
        :func:`oloy_model.uncertainty.stochastic.block_noise`), and the last row is their sum.
        Default: every county of the area.
    ledger : DataFrame, optional
        A capacity ledger (layout of :mod:`oloy_model.planning.capacity`) replacing the
        scenario's (``capacity.ledger_file``, or the plan ledger in the bundled area). In
        another area the draws are set against capacity only with a ledger; counties or
        services it has no rows for have no gap rows (unknown capacity, not zero).

    Notes
    -----
    Peak memory is the fixed overhead (data, deterministic run; about 0.2 GB) plus
    ``chunk_size`` x about 0.2 MB of working arrays plus the kept totals (22.6 kB per draw
    for 2020-2050); below :data:`MEMORY_BOUND` for every accepted ``draws``.
    """
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    if not isinstance(keep_cells, (bool, np.bool_)):
        raise OloyInputError(f"keep_cells={keep_cells!r}; expected True or False")
    draws = check_draw_count(draws)
    seed = check_seed(seed)
    chunk_size = check_whole_number("chunk_size=", chunk_size, minimum=1)
    projector, result, area_ledger = prepare(scenario, ledger)
    if regions is not None:
        projector = projector.subset(check_regions(regions, projector.inputs.codes))
    inputs = projector.inputs
    check_draws(draws, years=inputs.years.size + 1, counties=len(inputs.codes), keep_cells=bool(keep_cells))
    years = projector.years
    stats = np.empty((draws, years.size, len(inputs.codes) + 1, len(STAT_NAMES)))
    uptake_noise = np.empty((draws, 2))
    cells = np.empty((draws, years.size) + inputs.base.shape) if keep_cells else None
    cache: dict = {}
    report_every = max(chunk_size, draws // 10)  # about ten progress lines at most
    for start in range(0, draws, chunk_size):
        stop = min(draws, start + chunk_size)
        uptake_noise[start:stop] = projector.project(seed, start, stop, stats[start:stop],
                                                     None if cells is None else cells[start:stop], cache)
        if progress and (stop == draws or stop // report_every > start // report_every):
            progress(f"  draws: {stop:,}/{draws:,} done")
    add_area_total(stats)
    capacity = None if area_ledger is None else capacity_array(area_ledger, list(inputs.codes), years)
    return Ensemble(scenario, result, seed, draws, list(inputs.codes) + [area_code(resolve(scenario).projection.area)],
                    years, stats, uptake_noise, projector.parameters, cells, capacity)


def prepare(scenario: Scenario, ledger: pd.DataFrame | None = None
            ) -> tuple[_Projector, Result | None, pd.DataFrame | None]:
    """The projector of every county of the scenario's area, and what the draws are set against.

    In the bundled area: the deterministic run (with ``ledger`` when given), and no area
    ledger. Elsewhere: no run, and the user's ledger (``ledger``, else the scenario's
    ``capacity.ledger_file``, else None: no gap tables).
    """
    a = resolve(scenario)
    if a.projection.area is None:
        result, area_ledger = run(scenario, ledger=ledger), None
    else:
        result, area_ledger = None, user_ledger(a, ledger)
    p = resolved_parameters(scenario)
    return _Projector(scenario, build_inputs(scenario), p), result, area_ledger


def user_ledger(a: Assumptions, ledger: pd.DataFrame | None) -> pd.DataFrame | None:
    """The ledger of an area outside the bundled one: ``ledger`` (checked: layout, capacity and
    counties of the area) or the file ``capacity.ledger_file``, or None."""
    codes = leaf_codes(a.projection.area)
    if ledger is None:
        return read_ledger(a.capacity.ledger_file, regions=codes) if a.capacity.ledger_file else None
    return check_ledger_frame(ledger, regions=codes)


def check_regions(regions: Sequence[str], codes: Sequence[str]) -> list[int]:
    """Positions (ascending, in the area's order) of the counties ``regions`` among ``codes``."""
    if isinstance(regions, str) or not len(regions):
        raise OloyInputError(f"regions={regions!r}; expected a non-empty list of county codes of the area")
    position = {code: i for i, code in enumerate(codes)}
    unknown = [code for code in regions if str(code) not in position]
    if unknown:
        raise OloyInputError(f"regions={list(regions)!r}: {unknown} are not counties of the area; expected codes "
                             f"among {list(codes)[:5]}... ({len(codes)} counties)")
    return sorted({position[str(code)] for code in regions})


def add_area_total(stats: np.ndarray) -> None:
    """Write the sum of the counties (every axis-2 row but the last) into the last row, per draw.

    One reduction over the whole array, after every chunk and partition is in place, so that
    the in-process and the distributed ensembles add the same numbers in the same order.
    """
    stats[:, :, -1] = stats[:, :, :-1].sum(axis=2)


class _Projector:
    """Projects chunks of draws; everything that does not depend on the draws is built once."""

    def __init__(self, scenario: Scenario, inputs: Inputs, p: dict):
        self.inputs = inputs
        self.parameters = p
        a = resolve(scenario)
        self.years = np.concatenate([[a.projection.base_year], inputs.years])
        self.weights = _weights(uptake_parameters(a.demand, a.projection.area))
        self.timing = a.projection.migration_timing
        self.grid = None if p["e0_sd"] == 0 else _SurvivalGrid(inputs)
        # Fertility noise multiplies the base-year age schedule (None: no births to shape).
        self.schedule = inputs.asfr[0, 0] / inputs.tfr[0, 0] if inputs.tfr[0, 0] > 0 else None
        self.uses_counts = bool(np.any(inputs.migration_counts))  # else skip the all-zero basis's arithmetic

    def subset(self, positions: Sequence[int]) -> _Projector:
        """The projector of the counties at ``positions`` (area-level settings unchanged).

        Every kernel operation is elementwise along the region axis, so the counties' numbers
        are the full projector's bit for bit.
        """
        index = np.asarray(positions, dtype=int)
        inputs = self.inputs
        sliced = dataclasses.replace(
            inputs, codes=[inputs.codes[i] for i in index], base=inputs.base[index], asfr=inputs.asfr[:, index],
            migration_rates=inputs.migration_rates[:, index], migration_counts=inputs.migration_counts[:, index],
            tfr=inputs.tfr[:, index],
            migration_anchor=None if inputs.migration_anchor is None else inputs.migration_anchor[index])
        copy = object.__new__(_Projector)
        copy.__dict__.update(self.__dict__, inputs=sliced)
        return copy

    def project(self, seed: int, start: int, stop: int, stats: np.ndarray, cells: np.ndarray | None,
                cache: dict) -> np.ndarray:
        """Project draws ``start`` .. ``stop - 1``: fill ``stats`` (n, years, regions + 1, stats;
        the last row is left to :func:`add_area_total`) and ``cells``; return the uptake noise (n, 2).

        ``cache`` keeps the last noise block between calls (:func:`~oloy_model.uncertainty.stochastic.draw_noise`).
        """
        noise = stochastic.draw_noise(seed, start, stop, self.inputs.years.size, self.inputs.codes, self.parameters,
                                      cache)
        self._project(noise, stats, cells)
        return noise["uptake"]

    def _project(self, noise: dict[str, np.ndarray], stats: np.ndarray, cells: np.ndarray | None) -> None:
        """Fill ``stats`` (n, years, regions + 1, stats) and ``cells`` for the n draws of ``noise``.

        Every operation is elementwise along the draw axis, so a draw's numbers do not depend
        on the other draws in the chunk.
        """
        inputs, n_regions = self.inputs, len(self.inputs.codes)
        # Fertility: scenario TFR x exp(prefecture noise + county deviation); exactly the path when sd = 0.
        tfr = inputs.tfr[None, :, :] * np.exp(noise["tfr"][:, :, None] + np.swapaxes(noise["county_tfr"], 1, 2))
        migration_multiplier = np.exp(noise["migration_level"] + noise["migration_annual"])  # (n, R, T)
        population = np.broadcast_to(inputs.base, (tfr.shape[0],) + inputs.base.shape).copy()

        def migrants(t: int, start: np.ndarray) -> np.ndarray:
            multiplier = migration_multiplier[:, :, t][:, :, None, None]
            flow = (inputs.migration_rates[t] * multiplier) * at_risk(start)
            return inputs.migration_counts[t] * multiplier + flow if self.uses_counts else flow

        def survival(t: int) -> np.ndarray:
            return inputs.survival[t] if self.grid is None else self.grid.step(noise["e0"], t)[:, None]

        # The kernel writes the totals (and cells) straight into this chunk's rows (step axis first).
        out = {"totals": np.moveaxis(stats[:, :, :n_regions, :-1], 1, 0)}
        if cells is not None:
            out["population"] = np.moveaxis(cells, 1, 0)
        arrays = ccmpp.project_steps(population, survival, lambda t: _asfr(inputs, tfr, self.schedule, t), inputs.srb,
                                     migrants, migration_timing=self.timing, out=out, totals=self._band_sums,
                                     record=("totals", "births") + (("population",) if cells is not None else ()))
        stats[:, 0, :n_regions, -1] = 0.0  # births of the base year are not projected
        stats[:, 1:, :n_regions, -1] = np.moveaxis(arrays["births"].sum(axis=-1), 0, 1)

    def _band_sums(self, population: np.ndarray) -> np.ndarray:
        return _band_sums(population, self.weights)


def _asfr(inputs: Inputs, tfr: np.ndarray, schedule: np.ndarray | None, t: int) -> np.ndarray:
    """Rates of step ``t`` (n, R, 101): the deterministic ones, exactly, for a draw on the scenario path."""
    on_path = tfr[:, t] == inputs.tfr[t]  # (n, R)
    if schedule is None or np.all(on_path):
        return inputs.asfr[t]
    # Row by row, so that a draw's rates do not depend on the other draws in the chunk.
    return np.where(on_path[:, :, None], inputs.asfr[t], tfr[:, t, :, None] * schedule)


def _weights(uptake: dict) -> np.ndarray:
    """(2*101, 6) weights turning a (sex, age) population into the stat sums."""
    columns = [band_mask(name) for name in STAT_NAMES[:4]] + [
        uptake["care_need"], np.where(band_mask("age_0_2") > 0, uptake["enrolment"][np.minimum(AGES, 2)], 0.0)]
    single = np.stack(columns, axis=1)
    return np.concatenate([single, single], axis=0)


def _band_sums(population: np.ndarray, weights: np.ndarray) -> np.ndarray:
    flat = population.reshape(-1, weights.shape[0])
    return (flat @ weights).reshape(population.shape[:-2] + (weights.shape[1],))


def _capacity_array(result: Result, codes: list[str], years: np.ndarray) -> np.ndarray:
    """Capacity (years, counties + prefecture, services) [places] from the deterministic run."""
    capacity = result.capacity.pivot_table(index="year", columns=["region", "service"], values="capacity")
    cap = np.zeros((years.size, len(codes) + 1, len(SERVICES)))
    for r, code in enumerate(codes):
        for s, service in enumerate(SERVICES):
            cap[:, r, s] = capacity[(code, service)].reindex(years).to_numpy()
    cap[:, -1] = cap[:, :-1].sum(axis=1)
    return cap


def _gaps(stats: np.ndarray, years: np.ndarray, cap: np.ndarray, paths: dict, uptake: dict,
          uptake_noise: np.ndarray) -> np.ndarray:
    """Gap draws (draws, years, regions + 1, services, bases) [places] against capacity ``cap``
    (``paths``: the norm paths, ``resolve(scenario).demand.norm_paths``)."""
    col = {name: i for i, name in enumerate(STAT_NAMES)}
    elderly_ratio = path_or_nan(years, paths["elderly_beds_per_1000_60plus"])[None, :, None]
    nursing_share = path_or_nan(years, paths["nursing_share"])[None, :, None]
    child_ratio = path_or_nan(years, paths["childcare_places_per_1000"])[None, :, None]
    takeup = uptake["institutional_takeup"] * np.exp(uptake_noise[:, 0])[:, None, None]
    enrol = np.exp(uptake_noise[:, 1])[:, None, None]
    demand = np.empty(stats.shape[:3] + (len(SERVICES), len(BASES)))
    # One basis at a time: three (draws, years, regions) arrays besides the block at any moment.
    for s, values in enumerate(norm_from_totals(stats[..., col["age_60plus"]], stats[..., col["population"]],
                                                elderly_ratio, nursing_share, child_ratio)):
        demand[..., s, 0] = values
    residents, enrolled = stats[..., col["care_need"]] * takeup, stats[..., col["enrolled"]] * enrol
    for s, values in enumerate(uptake_from_totals(residents, enrolled,
                                                  nursing_share_of_residents=uptake["nursing_share_of_residents"],
                                                  elderly_occupancy=uptake["elderly_occupancy"],
                                                  childcare_occupancy=uptake["childcare_occupancy"])):
        demand[..., s, 1] = values
    demand -= cap[None, :, :, :, None]
    return demand
