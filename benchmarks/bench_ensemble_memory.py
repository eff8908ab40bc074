"""Benchmark: peak memory of the ensemble at 1,000, 20,000 and 100,000 draws of the baseline.

Each count runs in a fresh subprocess (so one count's peak does not hide the next) through
the full pipeline of ``oloy run --draws``: ``om.simulate`` then ``quantiles()``,
``gap_probabilities()`` and ``demand_quantiles()``. The child reports its maximum resident
set (``resource.getrusage``, the figure the operating system charges) before the draws
(after the deterministic run, i.e. the fixed overhead) and at the end, and the wall time.
The figure to compare with the documented bound (:data:`oloy_model.uncertainty.ensemble.MEMORY_BOUND`)
is the peak resident set. Usage: ``python benchmarks/bench_ensemble_memory.py [case ...]``,
each case ``DRAWS`` or ``DRAWS@HORIZON`` (e.g. ``38993@2100``, the maximum to 2100) or
``DRAWS+cells`` (``keep_cells=True``, e.g. ``3687+cells``).
"""
from __future__ import annotations

import json
import subprocess
import sys

CHILD = r"""
import json, resource, sys, time
import oloy_model as om
draws, horizon, cells = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3] == "cells"
scenario = om.load_scenario("baseline").with_values({"projection.horizon": horizon})
om.run(scenario)  # data, estimates and fits: the fixed overhead
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
ensemble = om.simulate(scenario, draws=draws, seed=1, keep_cells=cells)
simulated = time.perf_counter() - start
ensemble.quantiles(); ensemble.gap_probabilities(); ensemble.demand_quantiles()
elapsed = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"before": before * 1024, "peak": peak * 1024, "simulate": simulated, "total": elapsed}))
"""


def measure(case: str) -> tuple[int, dict]:
    """Run one case in a fresh interpreter; return its draws and figures (bytes and seconds)."""
    cells = case.endswith("+cells")
    draws, _, horizon = case.removesuffix("+cells").partition("@")
    argv = [sys.executable, "-c", CHILD, draws, horizon or "2050", "cells" if cells else "totals"]
    done = subprocess.run(argv, capture_output=True, text=True, check=True)
    return int(draws), json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    cases = sys.argv[1:] or ["1000", "20000", "100000"]
    try:
        from oloy_model.uncertainty.ensemble import MEMORY_BOUND
    except ImportError:  # the code before the bound existed
        MEMORY_BOUND = None
    bound = f"{MEMORY_BOUND / 2**30:.2f} GiB" if MEMORY_BOUND else "none"
    print(f"{'case':>12} {'overhead MiB':>13} {'peak RSS MiB':>13} {'per draw KiB':>13} {'time s':>8}   bound {bound}")
    for case in cases:
        draws, f = measure(case)
        per_draw = (f["peak"] - f["before"]) / draws / 1024
        flag = "" if MEMORY_BOUND is None else ("  ok" if f["peak"] <= MEMORY_BOUND else "  OVER THE BOUND")
        print(f"{case:>12} {f['before'] / 2**20:>13.0f} {f['peak'] / 2**20:>13.0f} {per_draw:>13.1f} "
              f"{f['total']:>8.1f}{flag}", flush=True)


if __name__ == "__main__":
    main()
