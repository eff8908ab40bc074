"""Ensemble summaries reduced where the draws are made: ``summarize(scenario, draws, seed) -> Summary``.

:func:`~oloy_model.uncertainty.ensemble.simulate` keeps every county's per-draw totals to
the end (22.6 kB per draw for Dali's 12 counties, 5.1 GB for 1,000 draws of China's 2,948),
so a national ensemble does not fit one process. Here the area's counties are split into
partitions (prefectures, provinces, or one county each); one task projects one partition for
every draw and returns

* the partition's finished tables: quantiles of every county's totals, and with capacity the
  probability of a shortfall, gap and demand quantiles (the tables of
  :class:`~oloy_model.uncertainty.ensemble.Ensemble`); also those of every upper region
  (prefecture, province) whose counties all lie in the partition;
* the per-draw totals of the partition's counties within each upper region that spans
  several partitions (a province split into prefecture partitions, the nation), 1.7 kB per
  draw and region for 2020-2050.

The driver adds these partial totals region by region in the partitions' order (never in the
order tasks finish, so the sums do not depend on scheduling) and computes the spanning
regions' tables from them: quantiles of sums, never sums of quantiles. Memory: a task keeps
its partition's per-draw totals (:data:`TASK_KEPT_BYTES` at most); the driver keeps the
spanning regions' (33 regions x 1.7 kB per draw for the nation by prefecture) and the tables.

Exactness: a county's draws do not depend on which counties are projected with it
(:func:`~oloy_model.uncertainty.stochastic.block_noise`), so every county row equals
``simulate(...)``'s bit for bit, as does a region's whose counties share one partition (the
same sum over the same axis). A spanning region's totals are the same numbers added in
partition order; they agree with ``simulate``'s to rounding (1e-12 relative, tested).

Gaps need capacity: the bundled area's plan ledger, or a user ledger elsewhere
(``ledger=`` or ``capacity.ledger_file``). A (county, service) the ledger has no row for has
no gap rows, nor has any region above it (unknown capacity, never zero).
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..base.errors import OloyInputError
from ..base.hierarchy import area_code, hierarchy
from ..base.scenario import load_scenario, Scenario
from ..demography.assumptions import resolve
from .ensemble import (_capacity_array, _kept_bytes_per_draw, _Projector, check_draw_count, check_seed,
                       CHUNK_SIZE, Ensemble, gap_settings, GapSettings, KEPT_BYTES, prepare, QUANTITIES, STAT_NAMES)
from ..planning.capacity import capacity_array

PARTITIONS = ("prefecture", "province", "county")  # "county": one task per county (small areas, tests)
TABLES = ("quantiles", "gap_probabilities", "demand_quantiles")
TASK_KEPT_BYTES = 2**30  # [bytes] most per-draw totals one task keeps (its partition's counties and regions)


@dataclass(frozen=True)
class Partition:
    """One task's counties and the upper regions it touches.

    Attributes
    ----------
    key : str
        The partition's code (a prefecture, a province or a county).
    positions : list[int]
        The counties' positions among the area's counties (ascending).
    inner : dict[str, list[int]]
        Upper regions all of whose counties are in the partition -> their positions within it.
    spanning : dict[str, list[int]]
        Upper regions with counties in other partitions too -> the positions of this
        partition's counties within it.
    """

    key: str
    positions: list[int]
    inner: dict[str, list[int]]
    spanning: dict[str, list[int]]


@dataclass(frozen=True)
class Task:
    """What a worker needs for one partition: its projector, capacity and the resolved scenario."""

    projector: _Projector
    partition: Partition
    capacity: np.ndarray | None  # (years, counties, services) [places], NaN where not stated
    scenario: Scenario
    settings: GapSettings
    probabilities: tuple[float, ...]
    threshold: float | None
    quantities: tuple[str, ...]


@dataclass(frozen=True)
class PartitionResult:
    tables: dict[str, pd.DataFrame]
    spanning: np.ndarray  # (draws, years, spanning regions, stats)
    uptake_noise: np.ndarray  # (draws, 2)


@dataclass(frozen=True)
class Summary:
    """The tables of an ensemble, computed partition by partition (:func:`summarize`).

    Attributes
    ----------
    scenario : Scenario
    seed, draws : int
    regions : list[str]
        The counties (the area's order), then the upper regions from the lowest level up;
        the area itself is last.
    years : ndarray
    uptake_noise : ndarray, shape (draws, 2)
    parameters : dict
        The standard deviations and AR coefficients used, with their fitted statistics.
    tables : dict[str, DataFrame]
        ``quantiles`` always; ``gap_probabilities`` and ``demand_quantiles`` when there is capacity.
    """

    scenario: Scenario
    seed: int
    draws: int
    regions: list[str]
    years: np.ndarray
    uptake_noise: np.ndarray
    parameters: dict
    tables: dict[str, pd.DataFrame]

    @property
    def has_capacity(self) -> bool:
        return "gap_probabilities" in self.tables

    def quantiles(self) -> pd.DataFrame:
        """``[scenario, region, year, quantity, q10, q50, q90, mean]`` (as :meth:`Ensemble.quantiles`)."""
        return self.tables["quantiles"].copy()

    def gap_probabilities(self) -> pd.DataFrame:
        """``[scenario, region, year, service, basis, p_shortfall, ...]`` (as :meth:`Ensemble.gap_probabilities`)."""
        return self._capacity_table("gap_probabilities")

    def demand_quantiles(self) -> pd.DataFrame:
        """``[scenario, region, year, service, basis, q10, q50, q90]`` (as :meth:`Ensemble.demand_quantiles`)."""
        return self._capacity_table("demand_quantiles")

    def _capacity_table(self, name: str) -> pd.DataFrame:
        if name not in self.tables:
            raise OloyInputError(f"{self.scenario.name}: no capacity ledger for area {self.regions[-1]}, so no gaps "
                                 "or demand against capacity; expected Summary.quantiles(), or a user ledger "
                                 "(capacity.ledger_file or ledger=) for gaps")
        return self.tables[name].copy()


def partitions(codes: Sequence[str], area: str | None, by: str = "prefecture") -> list[Partition]:
    """The area's counties ``codes`` split by prefecture, province or one by one, in code order.

    Upper regions come from the area's hierarchy (:func:`oloy_model.base.hierarchy.hierarchy`).
    """
    if by not in PARTITIONS:
        raise OloyInputError(f"partition={by!r}; expected one of {list(PARTITIONS)}")
    tree = hierarchy(area)
    parent = dict(zip(tree["region"], tree["parent"]))
    level = dict(zip(tree["region"], tree["level"]))
    chains = {code: _ancestors(code, parent) for code in codes}
    leaves: dict[str, int] = {}
    for chain in chains.values():
        for upper in chain:
            leaves[upper] = leaves.get(upper, 0) + 1
    groups: dict[str, list[int]] = {}
    for i, code in enumerate(codes):
        # A leaf with no ancestor at that level (a prefecture-level city without counties) is a partition alone.
        key = code if by == "county" else next((up for up in chains[code] if level[up] == by), code)
        groups.setdefault(key, []).append(i)
    result = []
    for key, positions in sorted(groups.items()):
        members: dict[str, list[int]] = {}
        for j, i in enumerate(positions):
            for upper in chains[codes[i]]:
                members.setdefault(upper, []).append(j)
        inner = {up: m for up, m in members.items() if len(m) == leaves[up]}
        spanning = {up: m for up, m in members.items() if len(m) < leaves[up]}
        result.append(Partition(key, positions, _by_level(inner, level), _by_level(spanning, level)))
    return result


def _ancestors(code: str, parent: dict[str, str]) -> list[str]:
    """Upper regions of ``code`` in the hierarchy, nearest first (the root last)."""
    chain, up = [], parent.get(code, "")
    while up:
        chain.append(up)
        up = parent.get(up, "")
    return chain


_LEVELS = ("county", "prefecture", "province", "nation")


def _by_level(regions: dict[str, list[int]], level: dict[str, str]) -> dict[str, list[int]]:
    """``regions`` ordered from the lowest level up, by code within a level."""
    return dict(sorted(regions.items(), key=lambda item: (_LEVELS.index(level[item[0]]), item[0])))


def summarize_partition(task: Task, seed: int, draws: int) -> PartitionResult:
    """One task: project ``task``'s partition for draws 0 .. ``draws - 1`` and reduce them.

    Runs in a worker: no estimate is rebuilt (the projector and the resolved scenario come with
    the task). The counties are projected ``CHUNK_SIZE x 12`` draw-counties at a time.
    """
    projector, part = task.projector, task.partition
    n = len(part.positions)
    regions = list(projector.inputs.codes) + list(part.inner)
    stats = np.empty((draws, projector.years.size, n + max(1, len(part.inner)), len(STAT_NAMES)))
    uptake = np.empty((draws, 2))
    chunk = max(1, CHUNK_SIZE * 12 // n)
    cache: dict = {}
    for low in range(0, draws, chunk):
        high = min(draws, low + chunk)
        uptake[low:high] = projector.project(seed, low, high, stats[low:high, :, :n + 1], None, cache)
    for k, members in enumerate(part.inner.values()):
        stats[:, :, n + k] = _region_sum(stats, members)
    spanning = np.empty((draws, projector.years.size, len(part.spanning), len(STAT_NAMES)))
    for k, members in enumerate(part.spanning.values()):
        spanning[:, :, k] = _region_sum(stats, members)
    stats = stats[:, :, :len(regions)]
    capacity = None
    if task.capacity is not None:
        capacity = np.concatenate([task.capacity] + [_capacity_sum(task.capacity, m) for m in part.inner.values()],
                                  axis=1)
    ensemble = Ensemble(task.scenario, None, seed, draws, regions, projector.years, stats, uptake,
                        projector.parameters, None, capacity, task.settings)
    return PartitionResult(_tables(ensemble, task), spanning, uptake)


def _region_sum(stats: np.ndarray, members: list[int]) -> np.ndarray:
    """Per-draw totals of the counties at ``members``; a contiguous run is summed as a slice
    (the array operation ``add_area_total`` does, so an area in one partition is bit-identical)."""
    if members == list(range(members[0], members[-1] + 1)):
        return stats[:, :, members[0]:members[-1] + 1].sum(axis=2)
    return stats[:, :, members].sum(axis=2)


def _capacity_sum(capacity: np.ndarray, members: list[int]) -> np.ndarray:
    """(years, 1, services) capacity of a region: NaN when any county's is unknown."""
    return capacity[:, members].sum(axis=1, keepdims=True)


def _tables(ensemble: Ensemble, task: Task) -> dict[str, pd.DataFrame]:
    tables = {"quantiles": ensemble.quantiles(task.quantities, task.probabilities)}
    if ensemble.capacity is not None:
        tables["gap_probabilities"] = ensemble.gap_probabilities(task.threshold, task.probabilities)
        tables["demand_quantiles"] = ensemble.demand_quantiles(task.probabilities)
    return tables


class Reduction:
    """The driver's side: adds partitions' results in partition order, whatever order they arrive in."""

    def __init__(self, parts: list[Partition], draws: int, years: int):
        self.parts = parts
        self.spanning = list(dict.fromkeys(up for part in parts for up in part.spanning))
        self.totals = np.zeros((draws, years, len(self.spanning), len(STAT_NAMES)))
        self.pending: dict[int, PartitionResult] = {}
        self.tables: list[dict[str, pd.DataFrame]] = []
        self.uptake_noise: np.ndarray | None = None

    def add(self, index: int, result: PartitionResult) -> None:
        """Keep partition ``index``'s result; fold every result whose predecessors are all in."""
        self.pending[index] = result
        while len(self.tables) in self.pending:
            k = len(self.tables)
            done = self.pending.pop(k)
            positions = [self.spanning.index(up) for up in self.parts[k].spanning]
            for j, position in enumerate(positions):
                self.totals[:, :, position] += done.spanning[:, :, j]
            if self.uptake_noise is None:
                self.uptake_noise = done.uptake_noise
            elif not np.array_equal(self.uptake_noise, done.uptake_noise):
                raise RuntimeError(f"partition {self.parts[k].key}: its common uptake factors differ from the first "
                                   "partition's; expected the same (seed, block) stream in every task")
            self.tables.append(done.tables)

    @property
    def complete(self) -> bool:
        return len(self.tables) == len(self.parts)


def plan_tasks(scenario: Scenario, draws: int, seed: int, *, ledger: pd.DataFrame | None = None,
               partition: str = "prefecture", probabilities: Sequence[float] = (0.1, 0.5, 0.9),
               threshold: float | None = None, quantities: Sequence[str] = QUANTITIES
               ) -> tuple[list[Task], Callable[[Reduction], Summary]]:
    """The tasks of a summary and the function that turns their reduction into the :class:`Summary`.

    Checks every argument before any draw is made; builds the area's inputs once (the driver).
    """
    draws, seed = check_draw_count(draws), check_seed(seed)
    probabilities, threshold = _check_probabilities(probabilities), _check_threshold(threshold)
    if partition not in PARTITIONS:
        raise OloyInputError(f"partition={partition!r}; expected one of {list(PARTITIONS)}")
    if isinstance(quantities, str) or not isinstance(quantities, (list, tuple)) or not quantities or any(
            q not in STAT_NAMES for q in quantities):
        raise OloyInputError(f"quantities={quantities!r}; expected a non-empty list among {list(STAT_NAMES)}")
    a = resolve(scenario)
    projector, result, area_ledger = prepare(scenario, ledger)
    codes, years = list(projector.inputs.codes), projector.years
    parts = partitions(codes, a.projection.area, partition)
    _check_memory(parts, draws, years.size)
    if result is not None:
        capacity = _capacity_array(result, codes, years)[:, :-1]
    elif area_ledger is not None:
        capacity = capacity_array(area_ledger, codes, years)[:, :-1]
    else:
        capacity = None
    shared = dict(scenario=scenario, settings=gap_settings(a), probabilities=probabilities, threshold=threshold,
                    quantities=tuple(quantities))
    tasks = [Task(projector.subset(part.positions), part,
                  None if capacity is None else np.ascontiguousarray(capacity[:, part.positions]), **shared)
             for part in parts]

    def finish(reduction: Reduction) -> Summary:
        if not reduction.complete:
            raise RuntimeError(f"{len(reduction.tables)} of {len(parts)} partitions reduced; expected all")
        spanning = reduction.spanning
        tables = list(reduction.tables)
        if spanning:
            span_capacity = None
            if capacity is not None:
                members = _spanning_members(parts, spanning)
                span_capacity = np.concatenate([_capacity_sum(capacity, members[up]) for up in spanning], axis=1)
            upper = Ensemble(scenario, None, seed, draws, spanning, years, reduction.totals, reduction.uptake_noise,
                             projector.parameters, None, span_capacity, shared["settings"])
            tables.append(_tables(upper, Task(None, None, span_capacity, **shared)))
        regions = codes + [up for part in parts for up in part.inner] + spanning
        order = _region_order(codes, regions[len(codes):], a.projection.area)
        joined = {name: _ordered(pd.concat([t[name] for t in tables if name in t], ignore_index=True), order)
                  for name in TABLES if name in tables[0]}
        return Summary(scenario, seed, draws, sorted(regions, key=order.get), years, reduction.uptake_noise,
                       projector.parameters, joined)

    return tasks, finish


def _spanning_members(parts: list[Partition], spanning: list[str]) -> dict[str, list[int]]:
    """Spanning region -> positions of all its counties among the area's."""
    members: dict[str, list[int]] = {up: [] for up in spanning}
    for part in parts:
        for up, local in part.spanning.items():
            members[up] += [part.positions[j] for j in local]
    return {up: sorted(m) for up, m in members.items()}


def _region_order(counties: list[str], uppers: list[str], area: str | None) -> dict[str, int]:
    """Rank of every region in the tables: the counties first (the area's order), then the
    upper regions from the lowest level up, by code; the area last."""
    level = dict(zip(*hierarchy(area)[["region", "level"]].to_numpy().T))
    root = area_code(area)
    ranked = sorted(uppers, key=lambda r: (r == root, _LEVELS.index(level[r]), r))
    return {r: rank for rank, r in enumerate(list(counties) + ranked)}


def _ordered(table: pd.DataFrame, order: dict[str, int]) -> pd.DataFrame:
    """Rows by table group (quantity, or service and basis, as they come), then region order, then year."""
    group_columns = [c for c in ("quantity", "service", "basis") if c in table.columns]
    group = table.groupby(group_columns, sort=False, observed=True).ngroup()
    keys = pd.DataFrame({"group": group, "region": table["region"].map(order), "year": table["year"]})
    index = keys.sort_values(["group", "region", "year"], kind="stable").index
    return table.loc[index].reset_index(drop=True)


def _check_probabilities(probabilities: Sequence[float]) -> tuple[float, ...]:
    """Probabilities in [0, 1] whose column names (``q10``: the percent, rounded) differ."""
    values = tuple(probabilities) if isinstance(probabilities, (list, tuple, np.ndarray)) else ()
    if not values or not all(isinstance(p, (int, float, np.floating)) and not isinstance(p, bool) and 0 <= p <= 1
                             for p in values):
        raise OloyInputError(f"probabilities={probabilities!r}; expected a non-empty list of numbers in [0, 1]")
    names = [f"q{round(100 * p):02d}" for p in values]
    if len(set(names)) < len(names):
        raise OloyInputError(f"probabilities={probabilities!r} name the columns {names}; expected probabilities "
                             "that differ in whole percents (the columns are q10, q50, ...)")
    return tuple(float(p) for p in values)


def _check_threshold(threshold: float | None) -> float | None:
    """A shortfall threshold [places]: None (the scenario's) or a finite number >= 0."""
    if threshold is None:
        return None
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float, np.number)) or not (
            np.isfinite(threshold) and threshold >= 0):
        raise OloyInputError(f"threshold={threshold!r}; expected a finite number of places >= 0 (or None: the "
                             "scenario's stochastic.shortfall_threshold)")
    return float(threshold)


def _check_memory(parts: list[Partition], draws: int, years: int) -> None:
    """A task keeps its partition's per-draw totals (at most :data:`TASK_KEPT_BYTES`), the
    driver the spanning regions' (at most :data:`~oloy_model.uncertainty.ensemble.KEPT_BYTES`)."""
    largest = max(parts, key=lambda part: len(part.positions) + len(part.inner))
    kept = draws * _kept_bytes_per_draw(years, len(largest.positions) + len(largest.inner), False)
    if kept > TASK_KEPT_BYTES:
        raise OloyInputError(f"draws={draws:,}: partition {largest.key} ({len(largest.positions)} counties) would keep "
                             f"{kept / 2**30:.2f} GiB of per-draw totals in one task; expected at most "
                             f"{TASK_KEPT_BYTES / 2**30:.0f} GiB: use fewer draws or a finer partition "
                             "('prefecture' or 'county')")
    spanning = len({up for part in parts for up in part.spanning})
    driver = draws * years * spanning * len(STAT_NAMES) * 8
    if driver > KEPT_BYTES:
        raise OloyInputError(f"draws={draws:,}: the driver would keep {driver / 2**30:.2f} GiB of per-draw totals of "
                             f"{spanning} regions spanning several partitions; expected at most "
                             f"{KEPT_BYTES / 2**30:.1f} GiB: use fewer draws or a coarser partition ('province')")


def summarize(scenario: Scenario | str, draws: int = 1000, seed: int = 1, *, ledger: pd.DataFrame | None = None,
              partition: str = "prefecture", probabilities: Sequence[float] = (0.1, 0.5, 0.9),
              threshold: float | None = None, quantities: Sequence[str] = QUANTITIES,
              progress: Callable[[str], None] | None = None) -> Summary:
    """The tables of ``simulate(scenario, draws, seed)``, partition by partition in this process.

    Parameters
    ----------
    scenario : Scenario or str
    draws, seed : int
        As :func:`~oloy_model.uncertainty.ensemble.simulate`: the same seed gives the same draws.
    ledger : DataFrame, optional
        A capacity ledger (see :func:`~oloy_model.uncertainty.ensemble.simulate`).
    partition : {"prefecture", "province", "county"}
        How the counties are split; the numbers do not depend on it (county and single-partition
        rows bit for bit, spanning regions to rounding).
    probabilities : sequence of float
        Quantiles of every table (default q10, q50, q90).
    threshold : float, optional
        Shortfall threshold [places] (default ``stochastic.shortfall_threshold``).
    quantities : sequence of str
        Totals in the quantile table (default population, ages 0-2, 60+, 80+, births).
    progress : callable, optional
        Receives a line as each tenth of the partitions completes.

    Returns
    -------
    Summary
        ``quantiles()``, and with capacity ``gap_probabilities()`` and ``demand_quantiles()``:
        the rows of the Ensemble's tables, plus every upper region of the area.

    See :func:`oloy_model.uncertainty.distributed.summarize_distributed` for the same on Dask.
    """
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    tasks, finish = plan_tasks(scenario, draws, seed, ledger=ledger, partition=partition,
                               probabilities=probabilities, threshold=threshold, quantities=quantities)
    reduction = Reduction([task.partition for task in tasks], draws, tasks[0].projector.years.size)
    for index, task in enumerate(tasks):
        reduction.add(index, summarize_partition(task, seed, reduction.totals.shape[0]))
        report(progress, index + 1, len(tasks))
    return finish(reduction)


def report(progress: Callable[[str], None] | None, done: int, total: int) -> None:
    """A progress line at each tenth of ``total`` (and at the end)."""
    if progress and (done == total or done * 10 // total > (done - 1) * 10 // total):
        progress(f"  partitions: {done:,}/{total:,} done")

