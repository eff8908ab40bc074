"""Time and peak memory of the area-aware census base: Yunnan and all of China (issue 17).

Each case runs in a fresh subprocess (cold caches): the single-year base population (2020)
of every county of the area, its hierarchy and the parent totals (``with_parent_totals``),
the crosswalk 2010 -> 2020 and the ISMR mortality default. Prints wall time [s] per step and
the process's peak resident memory [MiB] (``resource.getrusage``, Linux: KiB).
``--project`` adds the deterministic baseline projection of Yunnan (``projection.area``):
cold (the local estimates, with 2 x 129 Rogers-Castro fits) and a second scenario on the
cached estimates.
Usage: ``python benchmarks/bench_areas.py [--project]``
"""
from __future__ import annotations

import json
import subprocess
import sys

CHILD = r"""
import json, resource, sys, time
import oloy_model as om
from oloy_model import area_mortality, crosswalk, hierarchy
area = sys.argv[1]
times = {}
start = time.perf_counter()
pop = om.base_population(area=area)
times["base_population"] = time.perf_counter() - start
start = time.perf_counter()
tree = hierarchy.hierarchy(area)
totals = hierarchy.with_parent_totals(pop, ["sex", "age"], ["population"], area=area)
times["hierarchy_and_totals"] = time.perf_counter() - start
start = time.perf_counter()
walk = crosswalk.area_crosswalk(area)
times["crosswalk"] = time.perf_counter() - start
start = time.perf_counter()
default = area_mortality.mortality_default(area)
times["ismr_default"] = time.perf_counter() - start
if len(sys.argv) > 2:
    import warnings
    scenario = om.load_scenario("baseline").with_values({"projection.area": area})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", om.DemographicWarning)  # unanchored outside the bundled area
        start = time.perf_counter()
        om.project(scenario)
        times["projection_cold"] = time.perf_counter() - start
        start = time.perf_counter()
        om.project(scenario.with_values({"migration.scale": 0.5}))
        times["projection_cached_estimates"] = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"area": area, "counties": int(pop["region"].nunique()), "regions": len(tree),
                  "rows": len(totals), "units": int(walk["unit"].nunique()), "times": times, "peak_mib": peak}))
"""


def main() -> None:
    import oloy_model as om

    table = om.areas()
    yunnan = om.areas("云南省")["region"].iloc[0]
    nation = table.loc[table["level"] == "nation", "region"].iloc[0]
    project = "--project" in sys.argv[1:]
    for area in (yunnan, nation):
        extra = ["project"] if project and area == yunnan else []
        out = subprocess.run([sys.executable, "-c", CHILD, area, *extra], check=True, capture_output=True, text=True)
        result = json.loads(out.stdout.strip().splitlines()[-1])
        steps = ", ".join(f"{name} {seconds:.2f} s" for name, seconds in result["times"].items())
        print(f"area {result['area']}: {result['counties']} counties, {result['regions']} regions, "
              f"{result['units']} crosswalk units; {steps}; total {sum(result['times'].values()):.2f} s; "
              f"peak memory {result['peak_mib']:.0f} MiB")


if __name__ == "__main__":
    main()
