"""Evaluation measures for projections against observations (pure functions).

The measures of the subnational-projection literature and of the Swiss ``propop`` package
(Bundesamt fuer Statistik; see also Wilson 2012, "The forecast accuracy of local government
area population projections", Australian Geographer; Rayer 2008, "Population forecast errors:
a primer for planners", J. Planning Education and Research 27:417-430):

* error ``e = projected - observed`` [units of the quantity]; percentage error
  ``PE = 100 e / observed``; absolute percentage error ``APE = |PE|``;
* MAPE (mean APE), median APE, weighted MAPE ``100 sum|e| / sum|observed|``, RMSE
  ``sqrt(mean e^2)``, mean PE (bias, MALPE-like), and the shares of APE under 1% and 5%.

Conventions: a *missing* observation (NaN) is dropped from every measure and counted in
``n_missing``. A *zero* observation has no percentage error: it is left out of the
percentage-based measures (PE, APE, MAPE, median APE, the shares) and counted in ``n_zero``,
but it counts in RMSE and in the weighted MAPE (whose denominator is the sum of observed
values).
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

MEASURES = ("n", "n_missing", "n_zero", "mean_pe", "mape", "median_ape", "wmape", "rmse",
            "share_ape_under_1pct", "share_ape_under_5pct")


def errors(projected: pd.Series | np.ndarray, observed: pd.Series | np.ndarray) -> pd.DataFrame:
    """Row-level error, PE and APE (PE/APE missing where observed is 0 or missing)."""
    projected = np.asarray(projected, dtype=float)
    observed = np.asarray(observed, dtype=float)
    error = projected - observed
    with np.errstate(divide="ignore", invalid="ignore"):
        pe = np.where(observed != 0, 100.0 * error / observed, np.nan)
    return pd.DataFrame({"projected": projected, "observed": observed, "error": error, "pe": pe, "ape": np.abs(pe)})


def measures(frame: pd.DataFrame) -> pd.Series:
    """Summary measures of a table with ``error``, ``observed``, ``pe``, ``ape`` columns."""
    present = frame[frame["observed"].notna() & frame["error"].notna()]
    with_pe = present[present["observed"] != 0]
    n = len(present)
    total_observed = np.abs(present["observed"]).sum()
    return pd.Series({
        "n": n,
        "n_missing": int(len(frame) - n),
        "n_zero": int((present["observed"] == 0).sum()),
        "mean_pe": with_pe["pe"].mean() if len(with_pe) else np.nan,
        "mape": with_pe["ape"].mean() if len(with_pe) else np.nan,
        "median_ape": with_pe["ape"].median() if len(with_pe) else np.nan,
        "wmape": 100.0 * np.abs(present["error"]).sum() / total_observed if total_observed > 0 else np.nan,
        "rmse": float(np.sqrt(np.mean(present["error"] ** 2))) if n else np.nan,
        "share_ape_under_1pct": float((with_pe["ape"] < 1.0).mean()) if len(with_pe) else np.nan,
        "share_ape_under_5pct": float((with_pe["ape"] < 5.0).mean()) if len(with_pe) else np.nan,
    })


def summarise(table: pd.DataFrame, by: Sequence[str] = ()) -> pd.DataFrame:
    """Measures by any grouping of a row-level error table (``by=()`` for one overall row)."""
    if not by:
        return measures(table).to_frame().T.astype({"n": int, "n_missing": int, "n_zero": int})
    rows = []
    for key, group in table.groupby(list(by), sort=True, dropna=False):
        key = key if isinstance(key, tuple) else (key,)
        rows.append(dict(zip(by, key)) | measures(group).to_dict())
    out = pd.DataFrame(rows)
    return out.astype({"n": int, "n_missing": int, "n_zero": int})
