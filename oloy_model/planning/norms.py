"""Targets, parameters and notes of a run outside the bundled area (national norms).

The bundled area (Dali) runs on its own plan (``data/plan/plan_figures.csv``). Any other
area runs on the national norms of :mod:`oloy_model.base.norms`:

* **Norm demand**: the path points resolved by :func:`oloy_model.demography.assumptions.resolve`
  (national 2025 targets held after 2025; no norm where the national plans give no rate,
  i.e. elderly beds per 1,000 aged 60+ and therefore nursing-type beds on the norm basis).
* **Uptake demand**: every uptake parameter of ``data/plan/demand_parameters.csv`` is already
  national (2020 census long form, NHC enrolment) or an assumption (shape, occupancy); none is
  a Dali figure. Only the calibration base changes: the area's own 2020 census population.
* **Indicators**: national 2025 targets (nursing-type share 55%, 4.5 childcare places per
  1,000 residents); none for beds per 1,000 aged 60+ or for the Dali plan's place counts.
* **Capacity**: only the user's ledger (``capacity.ledger_file`` or ``om.run(ledger=)``);
  without one, capacity, gaps, shortfalls and indicators are empty, never zero capacity.
"""
from __future__ import annotations

import math

import pandas as pd

from ..base.norms import national_norms, national_value

INDICATOR_KEYS = {
    # indicator -> (national-norm key, factor from the key's unit to the indicator's)
    "elderly_beds_per_1000_60plus": ("demand.elderly_beds_per_1000_2025", 1.0),
    "nursing_share_of_elderly_beds": ("demand.nursing_share_2025", 100.0),  # fraction -> percent
    "childcare_places_per_1000": ("demand.childcare_per_1000_2025", 1.0),
}
COUNT_INDICATORS = ("public_benefit_childcare_places", "private_childcare_places")  # Dali plan counts only
TARGET_YEAR = 2025

NO_LEDGER = ("No capacity ledger for area {area}: only the bundled area (Dali) has one. Capacity, gaps, shortfalls "
             "and indicators are absent (empty tables), not computed against zero capacity; set "
             "capacity.ledger_file (the ledger layout of docs/methods.md) to get them.")
NATIONAL_NORMS = ("Norm demand on national norms (data/plan/national_norms.csv): {keys}. No national value, so "
                  "no norm: {missing} (without beds per 1,000 aged 60+ there are no nursing-type beds on the norm basis either).")
UPTAKE = ("Uptake demand: national parameters (60+ unable to care for themselves 2.34% and in institutions 0.73%, "
          "2020 census long form; under-3 enrolment, NHC) and assumptions (age shapes, occupancy), calibrated "
          "on the area's 2020 census population; no Dali figure is used.")
UNLISTED = ("The capacity ledger has no row for {services}: their capacity is unknown, so their gaps are absent "
            "(not computed against zero capacity).")
UNLISTED_COUNTIES = ("The capacity ledger has no {service} row for {counties}: their capacity is unknown, so "
                     "their {service} gaps, and the totals of the regions above them, are absent (not computed "
                     "against zero capacity).")
NO_COSTS = "No unit costs for area {area}: the Dali plan's costs are local; the cost to close a gap is missing."
NO_CHECKS = "Plan checks exist only for the bundled area (they recompute the Dali plan's figures)."


def national_targets() -> dict[str, tuple[float, int]]:
    """Indicator -> (national 2025 target [indicator unit] or NaN, 2025), from the data file."""
    targets = {}
    for indicator, (key, factor) in INDICATOR_KEYS.items():
        value = national_value(key)
        targets[indicator] = (math.nan if value is None else value * factor, TARGET_YEAR)
    return targets | {name: (math.nan, TARGET_YEAR) for name in COUNT_INDICATORS}


def area_notes(area: str, national_keys: tuple[str, ...], has_ledger: bool) -> tuple[str, ...]:
    """The notes of a run outside the bundled area (what is national, what is absent)."""
    table = national_norms().set_index("key")
    used = [f"{key} = {table.loc[key, 'value']:g} (data/sources.csv: {table.loc[key, 'source']})" for key in national_keys
            if key in table.index and pd.notna(table.loc[key, "value"])]
    missing = [key.removeprefix("demand.").rsplit("_", 1)[0] for key in national_keys
               if key.endswith("_2025") and (key not in table.index or pd.isna(table.loc[key, "value"]))]
    notes = [NATIONAL_NORMS.format(keys="; ".join(used) or "none (every norm key is set in the scenario)",
                                   missing=", ".join(missing) or "none"), UPTAKE,
             NO_COSTS.format(area=area), NO_CHECKS]
    if not has_ledger:
        notes.insert(0, NO_LEDGER.format(area=area))
    return tuple(notes)
