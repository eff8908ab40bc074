"""Benchmark: the kernel step of this checkout against the kernel of an earlier revision.

Loads ``oloy_model/ccmpp.py`` as it was at a git revision (default ``f7eacc6``, the last
revision before the UN births-exposure convention) beside the current one and times one
step of each, interleaved in the same process so machine load affects both alike. Prints
median times for the deterministic shape (12 regions) and the ensemble shape (100 draws).
Usage: ``python benchmarks/bench_kernel_versions.py [REV]``.
"""
from __future__ import annotations

import importlib.util
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

import oloy_model as om
from oloy_model import ccmpp
from oloy_model.demography.projection import build_inputs

ROOT = Path(__file__).resolve().parents[1]


def kernel_at(revision: str):
    source = subprocess.run(["git", "show", f"{revision}:oloy_model/ccmpp.py"], cwd=ROOT, check=True,
                            capture_output=True, text=True).stdout
    spec = importlib.util.spec_from_loader("oloy_model._ccmpp_at_revision", loader=None)
    module = importlib.util.module_from_spec(spec)
    module.__package__ = "oloy_model"
    exec(compile(source, f"ccmpp.py@{revision}", "exec"), module.__dict__)
    return module


def interleaved_medians(functions: dict, repeat: int) -> dict[str, float]:
    times = {name: [] for name in functions}
    for _ in range(repeat):
        for name, function in functions.items():
            start = time.perf_counter()
            function()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}


def main() -> None:
    revision = sys.argv[1] if len(sys.argv) > 1 else "f7eacc6"
    old = kernel_at(revision)
    inputs = build_inputs(om.load_scenario("baseline"))
    population = inputs.base
    migrants = inputs.migration_rates[0] * population
    draws = np.broadcast_to(population, (100,) + population.shape).copy()
    draw_migrants = np.broadcast_to(migrants, draws.shape).copy()
    for label, pop, mig, repeat in (("12 x 2 x 101", population, migrants, 3000),
                                    ("100 draws x 12 x 2 x 101", draws, draw_migrants, 300)):
        for detail in (True, False):
            functions = {
                "before": lambda k=old: k.step(pop, inputs.survival[0], inputs.asfr[0], inputs.srb[0], mig, detail=detail),
                "now": lambda: ccmpp.step(pop, inputs.survival[0], inputs.asfr[0], inputs.srb[0], mig, detail=detail),
            }
            medians = interleaved_medians(functions, repeat)
            print(f"one step, {label:26s} detail={detail!s:5s}  before ({revision}): {medians['before'] * 1e3:7.3f} ms"
                  f"   now: {medians['now'] * 1e3:7.3f} ms   ratio {medians['now'] / medians['before']:.2f}")


if __name__ == "__main__":
    main()
