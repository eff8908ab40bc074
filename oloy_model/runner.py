"""Running scenarios and writing their outputs (used by the ``oloy run`` command).

Calls only the public API (``project``, ``regions``) and :mod:`oloy_model.output`.
"""
from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd

from .output import write_csv, write_folder_atomically, write_manifest, write_xlsx
from .population import regions
from .projection import Projection, project
from .scenario import Scenario, _plain, load_scenario
from .summary import summary_table

UNITS = {"population": "persons", "age_0_2": "persons", "age_0_14": "persons", "age_15_59": "persons",
         "age_60plus": "persons", "age_65plus": "persons", "age_80plus": "persons", "births": "births per year",
         "deaths": "deaths per year", "net_migration": "net migrants per year"}


def wide_summary(summaries: pd.DataFrame) -> pd.DataFrame:
    """Planner view: one row per scenario, region and quantity; one column per year."""
    names = regions().set_index("region")[["name_en", "name_zh"]]
    names.loc["532900"] = ["Dali prefecture", "大理白族自治州"]
    wide = summaries.pivot_table(index=["scenario", "region", "quantity"], columns="year", values="value",
                                 observed=True, sort=True).reset_index()
    wide.columns = [str(c) for c in wide.columns]
    wide.insert(2, "name_en", wide["region"].map(names["name_en"]))
    wide.insert(3, "name_zh", wide["region"].map(names["name_zh"]))
    wide.insert(5, "unit", wide["quantity"].map(UNITS))
    return wide


def write_scenario_tables(projection: Projection, folder: Path) -> pd.DataFrame:
    """The tidy tables of one scenario into ``folder``; returns its summary table."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("population", "births", "deaths", "net_migration", "assumptions"):
        write_csv(getattr(projection, name), folder / f"{name}.csv")
    summary = summary_table(projection)
    write_csv(summary, folder / "summary.csv")
    resolved = {"name": projection.scenario.name, "content_hash": projection.scenario.content_hash,
                "source": Path(projection.scenario.source).name, "values": _plain(dict(projection.scenario.values))}
    for key, value in resolved["values"].items():
        if key.endswith("_file") and value:
            resolved["values"][key] = Path(value).name  # no machine-specific paths in outputs
    (folder / "scenario.json").write_text(json.dumps(resolved, indent=2, sort_keys=True, ensure_ascii=False) + "\n",
                                          encoding="utf-8")
    return summary


def run_scenarios(names: Sequence[str | Path], out: Path, *, force: bool = False,
                  progress: Callable[[str], None] | None = None) -> Path:
    """Load, project and write every scenario; the folder appears only when all succeeded."""
    scenarios: list[Scenario] = [load_scenario(name) for name in names]  # validate all before any work
    seen: dict[str, str] = {}
    for scenario in scenarios:
        if scenario.name in seen:
            raise_duplicate(scenario, seen[scenario.name])
        seen[scenario.name] = scenario.source
    say = progress or (lambda message: print(message, file=sys.stderr))

    def fill(folder: Path) -> None:
        summaries = []
        for index, scenario in enumerate(scenarios, start=1):
            start = time.perf_counter()
            say(f"[{index}/{len(scenarios)}] {scenario.name}: projecting ...")
            projection = project(scenario)
            summaries.append(write_scenario_tables(projection, folder / scenario.name))
            say(f"[{index}/{len(scenarios)}] {scenario.name}: done in {time.perf_counter() - start:.1f} s")
        combined = pd.concat(summaries, ignore_index=True)
        write_csv(combined, folder / "summary_all_scenarios.csv")
        write_xlsx(folder / "oloy_results.xlsx", {"population_summary": wide_summary(combined)},
                   notes={"population_summary": "Population by age band [persons] and births, deaths, net migration "
                                                "[per year] by scenario, county (532900 = prefecture) and year "
                                                "(population at 1 November; flows of the year ending 1 November)."})
        write_manifest(folder, scenarios=[{"name": s.name, "content_hash": s.content_hash,
                                           "source": Path(s.source).name} for s in scenarios])

    return write_folder_atomically(out, fill, force=force)


def raise_duplicate(scenario: Scenario, other: str) -> None:
    from .errors import OloyInputError

    raise OloyInputError(f"{scenario.source}: scenario name {scenario.name!r} is also used by {other}; "
                         "names must be unique in one run")
