"""The ensemble beyond one machine: ``simulate_distributed`` runs ``simulate`` on a Dask cluster.

The area's counties are split by prefecture (or province); each task projects one partition's
counties for one range of draws and returns their per-draw totals. The driver writes them into
the same array as the in-process path and adds the area total once, per draw, over every
county (:func:`~oloy_model.uncertainty.ensemble.add_area_total`): area aggregates are summed
across partitions draw by draw, then quantiled, never quantiles summed. Each county's noise is
keyed by its code (:func:`~oloy_model.uncertainty.stochastic.block_noise`) and every kernel
operation is elementwise along regions and draws, so the Ensemble equals ``om.simulate``'s bit
for bit, every table included, whatever the partition, the number of workers or the draws per
task.

Memory per task (bounded; ``benchmarks/bench_dask.py`` measures the peak per worker): the
partition's projector (its inputs, about 0.2 MB per county for 30 years), one noise block
(``2 x 8 x NOISE_BLOCK x counties x (2 x years + 1)`` bytes: 1 MB per county for 30 years),
the working arrays of ``chunk`` draws (:data:`TASK_WORKING_DRAW_COUNTIES` draw-counties, about
50 MB) and the result (at most :data:`TASK_RESULT_BYTES`). For a partition of ``c`` counties
that is about ``115 MB + 1.2 MB x c``: under 0.5 GB for the largest prefecture, under 0.4 GB +
1.2 MB per county for a province; :data:`WORKER_MEMORY` per worker leaves room for two tasks
at a time. The driver keeps every county's totals, as ``simulate`` does (22.6 kB per draw for
12 counties; :func:`~oloy_model.uncertainty.ensemble.check_draws` bounds them).

Dask (``dask.distributed``) is an optional dependency: ``pip install -e ".[dask]"``; it is
imported only when a cluster is used.

References: Rocklin (2015), "Dask: parallel computation with blocked algorithms and task
scheduling", Proc. 14th Python in Science Conf., 126-132.
"""
from __future__ import annotations

import os
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from ..base.errors import OloyInputError
from ..base.hierarchy import area_code
from ..base.scenario import load_scenario, Scenario
from ..demography.assumptions import resolve
from ..planning.capacity import capacity_array
from .ensemble import (add_area_total, check_draw_count, check_draws, check_seed, check_whole_number, Ensemble, prepare, QUANTITIES,
                       STAT_NAMES, _Projector)
from .stochastic import NOISE_BLOCK
from .summary import partitions, plan_tasks, Reduction, report, summarize_partition, Summary

TASK_WORKING_DRAW_COUNTIES = 3000  # draws x counties projected together in a task: the in-process 250 x 12 (~50 MB)
TASK_RESULT_BYTES = 64 * 2**20  # [bytes] most per-draw totals one task returns
CONNECT_TIMEOUT = "20s"  # waiting for a scheduler at an address before giving up
WORKER_MEMORY = "2GiB"  # default memory_limit of each local worker (dask pauses/restarts a worker above it)


def draw_ranges(draws: int, counties: int, years: int) -> list[tuple[int, int]]:
    """Draw ranges of one partition's tasks: at most :data:`TASK_RESULT_BYTES` of totals each,
    cut at noise-block edges so that no two tasks redraw more of a block than they use."""
    per_draw = years * counties * len(STAT_NAMES) * 8
    size = int(max(1, min(NOISE_BLOCK, TASK_RESULT_BYTES // per_draw)))
    ranges = []
    for block_start in range(0, draws, NOISE_BLOCK):
        block_stop = min(draws, block_start + NOISE_BLOCK)
        ranges += [(start, min(block_stop, start + size)) for start in range(block_start, block_stop, size)]
    return ranges


def project_partition(projector: _Projector, seed: int, start: int, stop: int) -> tuple[np.ndarray, np.ndarray]:
    """One task: totals (draws, years, counties, stats) and uptake noise (draws, 2) of draws ``start`` .. ``stop - 1``.

    Chunk size (:data:`TASK_WORKING_DRAW_COUNTIES` over the counties) bounds the working
    arrays; it does not change the numbers.
    """
    counties = len(projector.inputs.codes)
    chunk = max(1, TASK_WORKING_DRAW_COUNTIES // counties)
    stats = np.empty((stop - start, projector.years.size, counties + 1, len(STAT_NAMES)))
    uptake = np.empty((stop - start, 2))
    cache: dict = {}
    for low in range(start, stop, chunk):
        high = min(stop, low + chunk)
        uptake[low - start:high - start] = projector.project(seed, low, high, stats[low - start:high - start], None,
                                                             cache)
    return np.ascontiguousarray(stats[:, :, :counties]), uptake


def simulate_distributed(scenario: Scenario | str, draws: int = 1000, seed: int = 1, *, client=None,
                         address: str | None = None, partition: str = "prefecture", n_workers: int | None = None,
                         memory_limit: str | int = WORKER_MEMORY, ledger: pd.DataFrame | None = None,
                         progress: Callable[[str], None] | None = None) -> Ensemble:
    """``om.simulate`` on a Dask cluster, one task per partition of counties and range of draws.

    Parameters
    ----------
    scenario : Scenario or str
    draws : int
        Number of draws (the limits of :func:`~oloy_model.uncertainty.ensemble.check_draws`).
    seed : int
        Seed (>= 0); the same seed gives the same Ensemble as ``om.simulate``, bit for bit.
    client : distributed.Client, optional
        A client to use (left open).
    address : str, optional
        Address of a running scheduler (``tcp://host:8786``) to connect to; default: a
        ``LocalCluster`` of worker processes on this machine, closed at the end.
    partition : {"prefecture", "province", "county"}
        How the area's counties are split into tasks (``"county"``: one task per county).
    n_workers : int, optional
        Local workers (one thread each); default the cores available to this process.
    memory_limit : str or int
        Memory limit of each local worker (Dask's ``memory_limit``) [bytes or "2GiB"].
    ledger : DataFrame, optional
        A capacity ledger (see :func:`~oloy_model.uncertainty.ensemble.simulate`).
    progress : callable, optional
        Receives a line as each quarter of the tasks completes.

    Returns
    -------
    Ensemble
        Equal to ``om.simulate(scenario, draws, seed)`` (every array and table).
    """
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    draws = check_draw_count(draws)
    seed = check_seed(seed)
    if n_workers is not None:
        n_workers = check_whole_number("n_workers=", n_workers, minimum=1)
    projector, result, area_ledger = prepare(scenario, ledger)
    inputs = projector.inputs
    check_draws(draws, years=inputs.years.size + 1, counties=len(inputs.codes))
    groups = {part.key: part.positions for part in partitions(inputs.codes, resolve(scenario).projection.area,
                                                              partition)}
    stats = np.empty((draws, projector.years.size, len(inputs.codes) + 1, len(STAT_NAMES)))
    uptake_noise = np.empty((draws, 2))
    with _connect(client, address, n_workers, memory_limit) as dask_client:
        _run_tasks(dask_client, projector, groups, seed, draws, stats, uptake_noise, progress)
    add_area_total(stats)
    capacity = None if area_ledger is None else capacity_array(area_ledger, list(inputs.codes), projector.years)
    return Ensemble(scenario, result, seed, draws, list(inputs.codes) + [area_code(resolve(scenario).projection.area)],
                    projector.years, stats, uptake_noise, projector.parameters, None, capacity)


def summarize_distributed(scenario: Scenario | str, draws: int = 1000, seed: int = 1, *,
                          ledger: pd.DataFrame | None = None, client=None, address: str | None = None,
                          partition: str = "prefecture", n_workers: int | None = None,
                          memory_limit: str | int = WORKER_MEMORY, probabilities: Sequence[float] = (0.1, 0.5, 0.9),
                          threshold: float | None = None, quantities: Sequence[str] = QUANTITIES,
                          progress: Callable[[str], None] | None = None) -> Summary:
    """:func:`~oloy_model.uncertainty.summary.summarize` on a Dask cluster: one task per partition.

    Each worker returns its partition's finished tables and the per-draw totals of the regions
    that span partitions; the driver adds those in partition order (not in the order tasks
    finish), so the Summary is the in-process one's bit for bit, whatever the number of
    workers. Memory: a task keeps its partition's per-draw totals (at most
    :data:`~oloy_model.uncertainty.summary.TASK_KEPT_BYTES`; 47 MB for 1,000 draws of the
    largest prefecture, 26 counties); the driver keeps the spanning regions' totals (57 MB for
    1,000 national draws by prefecture) and the tables. This is the path for a national
    ensemble: ``simulate_distributed`` gathers every county's totals (5.1 GB for 1,000 draws).

    Parameters are :func:`~oloy_model.uncertainty.summary.summarize`'s and
    :func:`simulate_distributed`'s (``client``, ``address``, ``n_workers``, ``memory_limit``).
    """
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    if n_workers is not None:
        n_workers = check_whole_number("n_workers=", n_workers, minimum=1)
    tasks, finish = plan_tasks(scenario, draws, seed, ledger=ledger, partition=partition,
                               probabilities=probabilities, threshold=threshold, quantities=quantities)
    reduction = Reduction([task.partition for task in tasks], draws, tasks[0].projector.years.size)
    with _connect(client, address, n_workers, memory_limit) as dask_client:
        pending, index, queue = _import_distributed().as_completed(), {}, iter(enumerate(tasks))

        def submit_next() -> None:
            i, task = next(queue, (None, None))
            if task is not None:
                future = dask_client.submit(summarize_partition, dask_client.scatter(task), seed, draws, pure=False)
                index[future] = i
                pending.add(future)

        # A window of tasks in flight (two per worker thread): the cluster holds a few
        # partitions' inputs at a time, not the whole area's.
        for _ in range(max(2, 2 * sum(dask_client.nthreads().values()))):
            submit_next()
        for done, future in enumerate(pending, start=1):
            reduction.add(index.pop(future), future.result())
            future.release()
            report(progress, done, len(tasks))
            submit_next()
    return finish(reduction)


def _run_tasks(client, projector: _Projector, groups: dict[str, list[int]], seed: int, draws: int,
               stats: np.ndarray, uptake_noise: np.ndarray, progress: Callable[[str], None] | None) -> None:
    """Submit every (partition, draw range) task and write each result into ``stats`` as it arrives."""
    as_completed = _import_distributed().as_completed

    where = {}
    for positions in groups.values():
        part = client.scatter(projector.subset(positions), broadcast=False)
        for start, stop in draw_ranges(draws, len(positions), projector.years.size):
            future = client.submit(project_partition, part, seed, start, stop, pure=False)
            where[future] = (np.asarray(positions), start, stop)
    for done, future in enumerate(as_completed(list(where)), start=1):
        part_stats, part_uptake = future.result()
        positions, start, stop = where.pop(future)
        stats[start:stop, :, positions] = part_stats
        uptake_noise[start:stop] = part_uptake  # the common factors: the same from every partition
        future.release()
        total = done + len(where)
        if progress and (not where or done * 4 // total > (done - 1) * 4 // total):
            progress(f"  tasks: {done:,}/{total:,} done")


def check_dask(option: str) -> None:
    """Fail before any work when the Dask option cannot be used: ``"local"`` needs
    ``dask.distributed`` installed; an address needs a scheduler that answers (connect and close)."""
    if option == "local":
        _import_distributed()
        return
    with _connect(None, option, None, WORKER_MEMORY):
        pass


def _import_distributed():
    try:
        import distributed
    except ImportError as missing:
        raise OloyInputError("the Dask ensemble needs the optional dependency dask[distributed]; expected it "
                             'installed (pip install -e ".[dask]")') from missing
    return distributed


class _connect:
    """The given client (left open), a client of ``address``, or a new LocalCluster's (closed on exit)."""

    def __init__(self, client, address: str | None, n_workers: int | None, memory_limit):
        self.client, self.address, self.n_workers, self.memory_limit = client, address, n_workers, memory_limit
        self.owned: list = []

    def __enter__(self):
        if self.client is not None:
            return self.client
        distributed = _import_distributed()
        Client, LocalCluster = distributed.Client, distributed.LocalCluster
        if self.address is not None:
            try:
                self.owned = [Client(self.address, timeout=CONNECT_TIMEOUT)]
            except (OSError, TimeoutError, ValueError) as failure:
                raise OloyInputError(f"Dask scheduler {self.address!r}: cannot connect ({failure}); expected the address "
                                     "of a running scheduler (tcp://host:8786), or no address for a local "
                                     "cluster") from None
            return self.owned[0]
        workers = self.n_workers or len(os.sched_getaffinity(0))
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               memory_limit=self.memory_limit, dashboard_address=None)
        self.owned = [Client(cluster), cluster]
        return self.owned[0]

    def __exit__(self, *exc) -> None:
        for item in self.owned:
            item.close()
