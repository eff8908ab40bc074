"""Benchmark: 1,000 draws x 12 counties x 2020-2050, full pipeline to gap probabilities.

Prints the median wall time over repeated runs (after one warm-up run that loads data and
fits the time-series models) and the process's CPU time over the same runs (all threads:
numpy's BLAS may use both cores; it grows less than the wall time when other jobs share the
machine), the peak memory (Python allocations via tracemalloc, which
numpy reports to, and the process's maximum resident set), and the ratio to 1,000 times the
deterministic ``om.run``. Targets on this 2-core machine: <= 2 s and <= 1 GB.
Peak memory at larger counts: ``benchmarks/bench_ensemble_memory.py``.
Usage: ``python benchmarks/bench_ensemble.py [draws]``
"""
from __future__ import annotations

import resource
import statistics
import sys
import time
import tracemalloc

import oloy_model as om


def pipeline(draws: int) -> None:
    ensemble = om.simulate("baseline", draws=draws, seed=1)
    ensemble.gap_probabilities()
    ensemble.quantiles()


def main() -> None:
    draws = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    pipeline(draws)  # warm-up: data, estimates, fits
    times, cpu = [], []
    for _ in range(5):
        start, start_cpu = time.perf_counter(), time.process_time()
        pipeline(draws)
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    tracemalloc.start()
    pipeline(draws)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    deterministic = []
    for _ in range(10):
        start = time.perf_counter()
        om.run("baseline")
        deterministic.append(time.perf_counter() - start)
    median, one = statistics.median(times), statistics.median(deterministic)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{draws} draws, full pipeline to gap probabilities (median of 5): {median:6.2f} s   target <= 2 s")
    print(f"CPU time of the same runs, all threads (median):     {statistics.median(cpu):6.2f} s")
    print(f"peak traced memory of one run:                       {peak / 2**20:8.1f} MiB  target <= 1 GB")
    print(f"process maximum resident set:                        {rss:8.1f} MiB")
    print(f"deterministic om.run (median of 10):                 {one * 1e3:8.1f} ms")
    print(f"ratio to {draws} x deterministic:                     {median / (draws * one):8.4f}"
          f"  (vectorisation gain {draws * one / median:.0f}x)")


if __name__ == "__main__":
    main()
