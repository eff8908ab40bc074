"""Benchmark: the whole next plan (12 counties x 3 services x 10 years) deterministic and with 1,000 draws.

Prints the median wall time of ``plan_additions`` on a ready result (target < 1 s) and on a
ready 1,000-draw ensemble (target < 5 s), and, for context, the time of ``om.run`` and of
``om.simulate`` themselves. Usage: ``python benchmarks/bench_plan.py [draws]``
"""
from __future__ import annotations

import sys
import time

import oloy_model as om
from bench_projection import median_seconds  # same folder: benchmarks/ is on the path when run as a script
from oloy_model.planning.schedule import plan_additions


def main() -> None:
    draws = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    scenario = om.load_scenario("next_plan")
    start = time.perf_counter()
    result = om.run(scenario)
    run_time = time.perf_counter() - start
    plan_additions(result)  # warm-up
    deterministic = median_seconds(lambda: plan_additions(result), 5)
    start = time.perf_counter()
    ensemble = om.simulate(scenario, draws=draws, seed=1)
    simulate_time = time.perf_counter() - start
    stochastic = median_seconds(lambda: plan_additions(ensemble.result, ensemble=ensemble), 5)
    print(f"plan, deterministic (12 counties x 3 services x 10 years): {deterministic:.3f} s (target < 1 s)")
    print(f"plan, {draws} draws (risk rule on the ensemble's draws):   {stochastic:.3f} s (target < 5 s)")
    print(f"for context: om.run {run_time:.2f} s; om.simulate({draws} draws) {simulate_time:.2f} s; "
          f"plan + simulate {simulate_time + stochastic:.2f} s")


if __name__ == "__main__":
    main()
