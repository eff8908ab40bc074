"""Time om.rebase / om.calibrate of the bundled baseline on the cases of issue 13.

Prints one line per case: wall time [s], fit success, bound hits, distinct warnings. Cases:
the baseline's own values (population, births, deaths; prefecture and counties, 2021-2023)
times 1.02, 1.005 and 0.98; four counties' population 1-5% off the model; the bundled
official figures. Target: each under 10 s on the project machine (2 shared cores).
Usage: ``python benchmarks/bench_rebase.py``
"""
from __future__ import annotations

import time
import warnings

import pandas as pd

import oloy_model as om
from oloy_model.base.observations import bundled_observations, model_series, model_values

FOUR_COUNTIES = {"532901": 1.01, "532925": 0.98, "532927": 1.03, "532930": 1.05}


def baseline_observations(result, factor: float, quantities=("population", "births", "deaths"),
                          regions: dict | None = None) -> pd.DataFrame:
    """The model's own year-end / calendar-year values 2021-2023 times ``factor`` (or per region)."""
    rows = []
    for quantity in quantities:
        series = model_series(result, quantity)
        rows.append(series[series["year"].between(2021, 2023)].assign(quantity=quantity))
    frame = pd.concat(rows)[["region", "year", "quantity", "value"]].assign(source="synthetic", basis="resident")
    if regions is not None:
        frame = frame[frame["region"].isin(list(regions))]
    frame = frame.reset_index(drop=True)
    values = model_values(result, frame).to_numpy()
    multiplier = frame["region"].map(regions).to_numpy(float) if regions is not None else factor
    return frame.assign(value=values * multiplier)


def cases(result) -> dict[str, pd.DataFrame]:
    return {
        "x1.02": baseline_observations(result, 1.02),
        "x1.005": baseline_observations(result, 1.005),
        "x0.98": baseline_observations(result, 0.98),
        "four counties 1-5%": baseline_observations(result, 1.0, ("population",), FOUR_COUNTIES),
        "bundled official figures": bundled_observations(),
    }


def main() -> None:
    result = om.run("baseline")
    for name, observations in cases(result).items():
        start = time.perf_counter()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            rebased = om.rebase("baseline", observations)
        seconds = time.perf_counter() - start
        calibration = rebased.calibration
        print(f"{name:26s} {seconds:6.2f} s  success={calibration.success}  bound hits={len(calibration.bound_hits)}"
              f"  warnings shown={len(caught)}  max |PE| after={calibration.fit['pe_after'].abs().max():.3f}%")


if __name__ == "__main__":
    main()
