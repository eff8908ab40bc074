"""Benchmark: the main job, ``oloy run`` of every bundled scenario with figures and report.

Runs the command line once in a fresh interpreter (``python -m oloy_model.cli run --out TMP``,
so imports, font loading and worker start-up are included), prints the wall time beside the
figure measured before issue 15's work and the machine load (``os.getloadavg()``: 1, 5 and 15
minute averages of runnable processes; on the shared 2-core machine a load above 2 means the
job competed for the cores), and the CPU time of the job with its worker processes, which
the load does not change much.  Target: under 30 s on the project's 2-core machine.

Usage: ``python benchmarks/bench_main_job.py [--repeat N] [--draws N]``
"""
from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BEFORE_SECONDS = 90.0  # issue 15, as filed; re-measured 2026-11-30 (see docs/performance.md)
NINE_SCENARIOS = (55.3, 72.7, 6.18)  # wall s, CPU s, report MB with nine scenarios, before the shared figures
TARGET_SECONDS = 30.0


def one_run(draws: int) -> tuple[float, float]:
    root = Path(__file__).resolve().parents[1]
    env = dict(os.environ, PYTHONPATH=str(root) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    with tempfile.TemporaryDirectory() as tmp:
        command = [sys.executable, "-m", "oloy_model.cli", "run", "--out", str(Path(tmp) / "out")]
        if draws:
            command += ["--draws", str(draws)]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        seconds = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)  # the command and its worker processes
        cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
        report = Path(tmp) / "out" / "report.html"
        size = report.stat().st_size / 1e6 if report.exists() else float("nan")
    print(f"  report.html {size:.2f} MB (was {NINE_SCENARIOS[2]:.2f}); CPU time of the job and its workers "
          f"{cpu:.1f} s (was {NINE_SCENARIOS[1]:.1f})")
    return seconds, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--draws", type=int, default=0)
    args = parser.parse_args()
    print(f"oloy run, all bundled scenarios, figures and report; {os.cpu_count()} cores")
    for index in range(args.repeat):
        load_before = os.getloadavg()
        seconds, _ = one_run(args.draws)
        load_after = os.getloadavg()
        print(f"run {index + 1}: {seconds:6.1f} s   (before issue 15: ~{BEFORE_SECONDS:.0f} s; nine scenarios "
              f"before the shared figures: {NINE_SCENARIOS[0]:.1f} s; target < "
              f"{TARGET_SECONDS:.0f} s)   load before {tuple(round(v, 2) for v in load_before)}, "
              f"after {tuple(round(v, 2) for v in load_after)}")


if __name__ == "__main__":
    main()
