"""Time and peak memory of area runs: Yunnan and all of China (issue 17, item 4).

Each area runs in a fresh subprocess (cold caches). Steps: the single-year base population
(2020) of every county of the area, its hierarchy and parent totals (``with_parent_totals``),
the crosswalk 2010 -> 2020, the ISMR mortality default, then (``--project``) the deterministic
baseline projection to 2050 (``projection.area``): cold (every local estimate: reverse
survival, the 2010-2020 residual and its Rogers-Castro fits) and a second scenario on the
cached estimates (warm). Prints wall time [s] per step, the cold total (everything a first run
of the area does) and the process's peak resident memory [MiB] (``resource.getrusage``,
Linux: KiB), beside the issue's targets: Yunnan deterministic under 5 s; China deterministic,
estimation included, under 60 s and 4 GB.
Usage: ``python benchmarks/bench_areas.py [--project]``
"""
from __future__ import annotations

import json
import subprocess
import sys

CHILD = r"""
import json, resource, sys, time, warnings
import oloy_model as om
from oloy_model.base import hierarchy
from oloy_model.demography import area_mortality, crosswalk
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
    scenario = om.load_scenario("baseline").with_values({"projection.area": area})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", om.DemographicWarning)  # unanchored outside the bundled area
        start = time.perf_counter()
        om.project(scenario)
        times["projection_cold"] = time.perf_counter() - start
        start = time.perf_counter()
        om.project(scenario.with_values({"migration.scale": 0.5}))
        times["projection_warm"] = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"area": area, "counties": int(pop["region"].nunique()), "regions": len(tree),
                  "rows": len(totals), "units": int(walk["unit"].nunique()), "times": times, "peak_mib": peak}))
"""
TARGETS = {"530000": (5.0, None), "000000": (60.0, 4096.0)}  # seconds, MiB (issue 17, item 4)


def main() -> None:
    import oloy_model as om

    table = om.areas()
    yunnan = om.areas("云南省")["region"].iloc[0]
    nation = table.loc[table["level"] == "nation", "region"].iloc[0]
    project = ["project"] if "--project" in sys.argv[1:] else []
    for area in (yunnan, nation):
        out = subprocess.run([sys.executable, "-c", CHILD, area, *project], check=True, capture_output=True, text=True)
        result = json.loads(out.stdout.strip().splitlines()[-1])
        times = result["times"]
        steps = ", ".join(f"{name} {seconds:.2f} s" for name, seconds in times.items())
        cold = sum(seconds for name, seconds in times.items() if name != "projection_warm")
        seconds, mib = TARGETS.get(area, (None, None))
        target = "" if seconds is None else f" (target {seconds:g} s" + ("" if mib is None else f", {mib:g} MiB") + ")"
        print(f"area {result['area']}: {result['counties']} counties, {result['regions']} regions, "
              f"{result['units']} crosswalk units; {steps}; cold total {cold:.2f} s{target}; "
              f"peak memory {result['peak_mib']:.0f} MiB")


if __name__ == "__main__":
    main()
