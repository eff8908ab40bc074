"""The model's fixed dimensions, defined once: sexes, single ages, age bands and services.

Every module imports these names from here (``population.SEXES``, ``ccmpp.N_AGES``,
``demand.SERVICES`` ... are the same objects, kept for existing imports).
"""
from __future__ import annotations

import numpy as np

SEXES = ("female", "male")  # sex index 0 = female, 1 = male in every array
MAX_AGE = 100  # single years of age 0..100, where 100 means 100+
N_AGES = MAX_AGE + 1
AGES = np.arange(N_AGES)
SERVICES = ("elderly_beds", "nursing_beds", "childcare_places")

#: Age bands [years, inclusive; 100 = 100+], one name per band. The name is also the band's
#: quantity in summaries and the ensemble; :func:`band_label` and :func:`observation_quantity`
#: give its name in the backtest ("60+") and in observation files ("population_60plus").
AGE_BANDS = {
    "population": (0, MAX_AGE),
    "age_0_2": (0, 2),
    "age_0_14": (0, 14),
    "age_15_59": (15, 59),
    "age_60plus": (60, MAX_AGE),
    "age_65plus": (65, MAX_AGE),
    "age_80plus": (80, MAX_AGE),
}


def band_label(name: str) -> str:
    """Short label of an age band: ``"total"``, ``"0-14"``, ``"60+"``."""
    low, high = AGE_BANDS[name]
    if (low, high) == (0, MAX_AGE):
        return "total"
    return f"{low}+" if high == MAX_AGE else f"{low}-{high}"


def observation_quantity(name: str) -> str:
    """Quantity name of an age band in observation files: ``"population"``, ``"population_60plus"``."""
    return name if name == "population" else "population" + name.removeprefix("age")


def band_mask(name: str) -> np.ndarray:
    """1.0 at the single ages (0..100) of an age band, else 0.0 [-], shape (101,)."""
    low, high = AGE_BANDS[name]
    return ((AGES >= low) & (AGES <= high)) * 1.0
