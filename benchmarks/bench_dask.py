"""Benchmark: the ensemble of a large area through a Dask LocalCluster, 1 versus 2 workers.

Usage: ``python benchmarks/bench_dask.py [AREA] [DRAWS] [PARTITION]`` (default ``530000 1000
prefecture``; ``000000`` is the nation). The area's inputs are built once in the driver first
(their time is printed apart: it is the projection's, not the ensemble's); then for 1 and 2
workers a fresh LocalCluster (processes, one thread each) runs
:func:`oloy_model.uncertainty.distributed.simulate_distributed` and the quantile table. Printed:
wall time of the ensemble, each worker's peak resident set (``VmHWM`` in the worker, over
its life) and the driver's, and a few quantiles of the area total. Only the bundled area has a
capacity ledger: elsewhere P(shortfall) does not exist and the quantiles of population and of
the care-need and enrolment totals (the demand drivers) are printed instead.
"""
from __future__ import annotations

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


def main(area: str = "530000", draws: int = 1000, partition: str = "prefecture") -> None:
    from distributed import Client, LocalCluster

    import oloy_model as om
    from oloy_model.uncertainty import distributed as dist

    warnings.simplefilter("ignore", om.DemographicWarning)
    scenario = om.load_scenario("baseline").with_values({"projection.area": area})
    start = time.perf_counter()
    projector, _, _ = dist.prepare(scenario)
    groups = dist.partitions(projector.inputs.codes, partition)
    print(f"area {area}: {len(projector.inputs.codes)} counties in {len(groups)} {partition} partitions; "
          f"inputs built in {time.perf_counter() - start:.1f} s (driver)")
    for workers in (1, 2):
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                          memory_limit=dist.WORKER_MEMORY, dashboard_address=None) as cluster, Client(cluster) as client:
            start = time.perf_counter()
            ensemble = dist.simulate_distributed(scenario, draws=draws, seed=1, client=client, partition=partition)
            simulated = time.perf_counter() - start
            table = ensemble.quantiles(["population", "age_60plus", "care_need", "enrolled", "births"])
            elapsed = time.perf_counter() - start
            peaks = client.run(high_water_mark)
        worker_peaks = ", ".join(f"{value / 2**20:,.0f} MiB" for value in peaks.values())
        load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
        print(f"{workers} worker(s): load {load}; {draws:,} draws simulated in {simulated:.1f} s, with the quantile table "
              f"{elapsed:.1f} s; peak per worker {worker_peaks}; driver peak {peak_rss() / 2**20:,.0f} MiB")
    root = ensemble.regions[-1]
    for quantity, year in (("population", 2035), ("population", 2050), ("age_60plus", 2050), ("care_need", 2035),
                           ("enrolled", 2035), ("births", 2030)):
        row = table.query("region == @root and quantity == @quantity and year == @year").iloc[0]
        print(f"  {root} {quantity} {year}: q10 {row.q10:,.0f}  q50 {row.q50:,.0f}  q90 {row.q90:,.0f}")
    if ensemble.result is None:
        print("  no capacity ledger for this area: P(shortfall) is not computed (no capacity is invented)")


if __name__ == "__main__":
    arguments = sys.argv[1:]
    main(arguments[0] if arguments else "530000", int(arguments[1]) if len(arguments) > 1 else 1000,
         arguments[2] if len(arguments) > 2 else "prefecture")
