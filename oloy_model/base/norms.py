"""National norms of China's 14th five-year plans, for areas without a local plan.

``data/plan/national_norms.csv`` holds, per demand-norm scenario key, the national value
(the State Council's 14th five-year plan for ageing and elderly care, 国发〔2021〕35号:
nursing-type beds >= 55% of elderly-care institution beds by 2025
[source: state_council_ageing_plan_2021]; the 14th five-year public services plan: 4.5
under-3 childcare places per 1,000 residents by 2025 [source: ndrc_public_services_plan_2021]),
or an empty value where no national figure exists (beds per 1,000 aged 60+: the national
plans set a national total, not a rate). Outside the bundled area, a demand-norm key left at
its default resolves to these values (:mod:`oloy_model.demography.assumptions`); a key
without a national value resolves to ``None`` and its norm is absent, never invented.
"""
from __future__ import annotations

import math

import pandas as pd

from .caching import read_only_cache
from .resources import read_bundled



@read_only_cache(maxsize=1)
def national_norms() -> pd.DataFrame:
    """The national norm table ``[key, value, unit, year, source, quality, quote_zh, notes]``
    (``value`` NaN where no national figure exists)."""
    return read_bundled("plan/national_norms.csv")


def national_value(key: str) -> float | None:
    """The national value of a demand-norm scenario key [the key's unit], or ``None`` when the
    national plans give none for it (no row, or a row with an empty value)."""
    table = national_norms().set_index("key")["value"]
    value = table.get(key)
    return None if value is None or math.isnan(float(value)) else float(value)
