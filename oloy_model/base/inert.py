"""Which scenario keys have no effect under the other settings (the schema's ``inert`` text).

A key is *inert* when the result would be identical with the key at its default value.
Each rule below implements the condition the schema documents in ``Key.inert``
(:mod:`oloy_model.base.schema`, rendered in ``docs/scenarios.md``); :func:`inert_keys` lists the
keys a scenario sets to a non-default value although they are inert, and validation warns
about each (:class:`~oloy_model.base.errors.InertKeyWarning`). tests/base/test_inert_keys.py checks
that every rule is documented, and that a key is inert exactly when the result says so.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from .schema import EFFECT_SCHEMA, SCHEMA

Values = Mapping[str, Any]


def taper_weights(years: np.ndarray, start: int, end: int) -> np.ndarray:
    """Weight of ``scale_end`` in the migration multiplier by year [-] (0 = ``scale``).

    Without a taper (``start = end``, the keys ``migration.taper_start`` and ``taper_end``)
    the weight is 0 in every year: ``scale`` applies throughout. With a taper it rises
    linearly from 0 at ``start`` to 1 at ``end`` [years] and stays at 1.
    """
    years = np.asarray(years, dtype=float)
    if end == start:
        return np.zeros(years.shape)
    return np.clip((years - start) / (end - start), 0.0, 1.0)


def _projected_weights(values: Values) -> np.ndarray:
    return taper_weights(np.arange(values["projection.base_year"] + 1, values["projection.horizon"] + 1),
                         values["migration.taper_start"], values["migration.taper_end"])


RULES: dict[str, Callable[[Values], bool]] = {
    "fertility.tfr_offset": lambda v: v["fertility.offset_start"] > v["projection.horizon"],
    "fertility.offset_start": lambda v: v["fertility.tfr_offset"] == 0,
    "mortality.annual_gain": lambda v: v["mortality.trend"] == "wpp_medium",
    "migration.scale": lambda v: bool(np.all(_projected_weights(v) == 1.0)),
    "migration.scale_end": lambda v: bool(np.all(_projected_weights(v) == 0.0)),
    "migration.county_scale": lambda v: v["migration.scale"] == 0 and v["migration.scale_end"] == 0,
    "migration.taper_start": lambda v: v["migration.scale_end"] == v["migration.scale"],
    "migration.taper_end": lambda v: v["migration.scale_end"] == v["migration.scale"],
    "demand.elderly_beds_per_1000_2030": lambda v: v["projection.horizon"] <= 2025,
    "demand.nursing_share_2030": lambda v: v["projection.horizon"] <= 2025,
    "demand.childcare_per_1000_2030": lambda v: v["projection.horizon"] <= 2025,
    "demand.elderly_beds_per_1000_2035": lambda v: v["projection.horizon"] <= 2025,
    "demand.nursing_share_2035": lambda v: v["projection.horizon"] <= 2025,
    "demand.childcare_per_1000_2035": lambda v: v["projection.horizon"] <= 2025,
}


def _after_horizon(effect: Values, horizon: int) -> bool:
    return effect["onset"] > horizon + 0.5


def _zero(effect: Values) -> bool:
    return effect["peak"] == 0 and (effect["floor"] == 0 or effect["decay_years"] == 0)


EFFECT_RULES: dict[str, Callable[[Values, int], bool]] = {
    "onset": lambda e, h: _zero(e),
    "peak": _after_horizon,
    "ramp_years": lambda e, h: _zero(e) or _after_horizon(e, h),
    "plateau_years": lambda e, h: e["decay_years"] == 0 or e["peak"] == e["floor"] or _after_horizon(e, h),
    "decay_years": lambda e, h: e["peak"] == e["floor"] or _after_horizon(e, h),
    "floor": lambda e, h: e["decay_years"] == 0 or _after_horizon(e, h),
}


def inert_keys(values: Values) -> list[tuple[str, str]]:
    """``(key, condition)`` for every key set to a non-default value that has no effect."""
    found = [(name, SCHEMA[name].inert) for name, rule in RULES.items()
             if values[name] != SCHEMA[name].default and rule(values)]
    for index, effect in enumerate(values["fertility.effects"]):
        for name, rule in EFFECT_RULES.items():
            if effect[name] != EFFECT_SCHEMA[name].default and rule(effect, values["projection.horizon"]):
                found.append((f"fertility.effects[{index}].{name}", EFFECT_SCHEMA[name].inert))
    return found
