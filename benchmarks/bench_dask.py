"""Benchmark: a large area's ensemble of P(shortfall) through a Dask LocalCluster, 1 versus 2 workers.

Usage: ``python benchmarks/bench_dask.py [AREA] [DRAWS] [PARTITION] [WORKERS...]`` (default
``000000 1000 prefecture 1 2``: the nation). Steps, each timed:

1. The deterministic run of the area (its inputs are built and cached here, in the driver).
2. A what-if ledger: every county holds, from 2020, the places its central projection needs
   in 2030 on the uptake basis (:func:`oloy_model.planning.capacity.need_ledger`). Outside Dali
   no capacity is bundled, so this is the ledger that makes P(shortfall) exist; it answers
   "how likely is a shortfall if each county builds to the central 2030 need?".
3. For each number of workers, a fresh LocalCluster (processes, one thread each, 2 GiB
   memory limit each) runs :func:`oloy_model.uncertainty.distributed.summarize_distributed`
   (tasks reduce their partition; the driver gathers the spanning regions' per-draw totals).

Printed: wall times, each worker's peak resident set (``VmHWM`` over its life), the driver's
peak, whether the runs' tables are identical (they must be, bit for bit), and a few results.
"""
from __future__ import annotations

import gc
import os
import resource
import sys
import time
import warnings


def peak_rss() -> int:
    """Peak resident set of this process [bytes] (Linux reports kB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def high_water_mark() -> int:
    """Peak resident set of this process image [bytes]: ``VmHWM`` of /proc/self/status.

    A worker's ``ru_maxrss`` would not do: it survives ``execve``, so a spawned worker starts
    from the driver's peak at the moment it was started.
    """
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("/proc/self/status has no VmHWM line (not Linux?)")


def load() -> str:
    return ", ".join(f"{value:.1f}" for value in os.getloadavg())


def main(area: str = "000000", draws: int = 1000, partition: str = "prefecture", workers=(1, 2)) -> None:
    from distributed import Client, LocalCluster

    import oloy_model as om
    from oloy_model.base.hierarchy import leaf_codes
    from oloy_model.planning.capacity import need_ledger
    from oloy_model.uncertainty import distributed as dist

    warnings.simplefilter("ignore", om.DemographicWarning)
    scenario = om.load_scenario("baseline").with_values({"projection.area": area})
    start = time.perf_counter()
    result = om.run(scenario)
    counties = leaf_codes(area)
    ledger = need_ledger(result.demand, 2030, regions=counties, basis="uptake")
    del result
    gc.collect()
    print(f"area {area}: {len(counties):,} counties; deterministic run and what-if ledger in "
          f"{time.perf_counter() - start:.1f} s (driver peak {peak_rss() / 2**20:,.0f} MiB, load {load()})")
    summaries = {}
    for n in workers:
        with LocalCluster(n_workers=n, threads_per_worker=1, processes=True, memory_limit=dist.WORKER_MEMORY,
                          dashboard_address=None) as cluster, Client(cluster) as client:
            start = time.perf_counter()
            summary = dist.summarize_distributed(scenario, draws=draws, seed=1, client=client, partition=partition,
                                                 ledger=ledger)
            elapsed = time.perf_counter() - start
            peaks = client.run(high_water_mark)
        summaries[n] = summary
        worker_peaks = ", ".join(f"{value / 2**20:,.0f} MiB" for value in peaks.values())
        print(f"{n} worker(s): {draws:,} draws, {partition} partitions, tables included: {elapsed:.1f} s; "
              f"peak per worker {worker_peaks}; driver peak {peak_rss() / 2**20:,.0f} MiB; load {load()}")
    first, *others = summaries.values()
    for other in others:
        same = all(getattr(first, t)().equals(getattr(other, t)()) for t in ("quantiles", "gap_probabilities"))
        print(f"tables identical across worker counts: {same}")
    report(first, area, counties)


def report(summary, area: str, counties: list[str]) -> None:
    table = summary.quantiles()
    for quantity, year in (("population", 2035), ("population", 2050), ("age_60plus", 2050), ("births", 2030)):
        row = table.query("region == @area and quantity == @quantity and year == @year").iloc[0]
        print(f"  {area} {quantity} {year}: q10 {row.q10:,.0f}  q50 {row.q50:,.0f}  q90 {row.q90:,.0f}")
    gaps = summary.gap_probabilities()
    county_rows = gaps[gaps["region"].isin(counties)]
    for year in (2030, 2035):
        for (service, basis), rows in county_rows[county_rows["year"] == year].groupby(["service", "basis"], sort=False):
            p = rows["p_shortfall"]
            print(f"  {year} {service:16s} {basis:6s}: {len(rows):,} counties; P(shortfall) median {p.median():.2f}, "
                  f"share of counties with P > 0.5: {(p > 0.5).mean():.2f}")


if __name__ == "__main__":
    arguments = sys.argv[1:]
    main(arguments[0] if arguments else "000000", int(arguments[1]) if len(arguments) > 1 else 1000,
         arguments[2] if len(arguments) > 2 else "prefecture",
         tuple(int(a) for a in arguments[3:]) or (1, 2))
