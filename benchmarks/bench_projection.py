"""Benchmark: full baseline projection and one kernel step (prints median times).

Targets on the project's 2-core machine: full ``om.project`` (12 counties, 2020-2050) <= 50 ms
once the data are loaded (the first call builds and caches the derived inputs); one kernel
step (12 regions x 2 sexes x 101 ages) <= 0.2 ms.  Usage: ``python benchmarks/bench_projection.py``
"""
from __future__ import annotations

import statistics
import time

import numpy as np

import oloy_model as om
from oloy_model import ccmpp
from oloy_model.demography.projection import build_inputs, run_kernel


def median_seconds(function, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    scenario = om.load_scenario("baseline")
    start = time.perf_counter()
    om.project(scenario)
    cold = time.perf_counter() - start
    full = median_seconds(lambda: om.project(scenario), 30)
    inputs = build_inputs(scenario)
    kernel_only = median_seconds(lambda: run_kernel(inputs), 50)
    population = inputs.base
    migrants = inputs.migration_rates[0] * population
    one_step = median_seconds(lambda: ccmpp.step(population, inputs.survival[0], inputs.asfr[0], inputs.srb[0],
                                                 migrants), 2000)
    draws = np.broadcast_to(population, (100,) + population.shape).copy()
    step_100 = median_seconds(lambda: ccmpp.step(draws, inputs.survival[0], inputs.asfr[0], inputs.srb[0],
                                                 migrants), 200)
    print(f"first om.project (loads data, estimates inputs): {cold * 1e3:8.1f} ms")
    print(f"om.project, baseline 2020-2050, warm (median):   {full * 1e3:8.2f} ms   target <= 50 ms")
    print(f"kernel only, 30 steps x 12 regions (median):     {kernel_only * 1e3:8.2f} ms")
    print(f"one kernel step, 12 x 2 x 101 (median):          {one_step * 1e3:8.3f} ms   target <= 0.2 ms")
    print(f"one kernel step, 100 draws x 12 x 2 x 101:       {step_100 * 1e3:8.3f} ms")


if __name__ == "__main__":
    main()
