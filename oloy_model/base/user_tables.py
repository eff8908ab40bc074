"""Validation of user-supplied tables: clear errors naming file, column and rows.

A user mistake never surfaces as a pandas traceback: every check raises
:class:`~oloy_model.base.errors.OloyInputError` with the file, the column and up to five
offending rows (numbered as in the file, header = line 1).
"""
from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import OloyInputError
from .textfile import read_utf8

MAX_ROWS_SHOWN = 5


def read_user_csv(path: str | Path, required: Sequence[str], *, what: str = "table") -> pd.DataFrame:
    """Read a user CSV as text columns and check that the required columns exist."""
    path = Path(path)
    if not path.is_file():
        raise OloyInputError(f"{path}: {what} file not found")
    text = read_utf8(path, what=f"{what} file")
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise OloyInputError(f"{path}: cannot be read as a CSV {what} ({error}); expected a header line "
                             f"with the columns {list(required)} and one row per line") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise OloyInputError(
            f"{path}: missing column(s) {missing}; expected columns {list(required)}, found {list(frame.columns)}"
        )
    if frame.empty:
        raise OloyInputError(f"{path}: the {what} has a header but no data rows; expected at least one row "
                             f"under the columns {list(required)}")
    return frame


def _rows(mask: np.ndarray | pd.Series, frame: pd.DataFrame, column: str) -> str:
    index = np.flatnonzero(np.asarray(mask))
    shown = ", ".join(f"line {i + 2}: {_plain(frame[column].iloc[i])!r}" for i in index[:MAX_ROWS_SHOWN])
    more = f" (and {index.size - MAX_ROWS_SHOWN} more)" if index.size > MAX_ROWS_SHOWN else ""
    return shown + more


def _plain(value):
    """A numpy scalar as the Python number it holds (so messages read 0.0, not np.float64(0.0))."""
    return value.item() if isinstance(value, np.generic) else value


def fail_rows(path: Path | str, column: str, mask, frame: pd.DataFrame, expected: str) -> None:
    """Raise when any row is flagged by ``mask``."""
    if np.any(np.asarray(mask)):
        raise OloyInputError(f"{path}: column '{column}' has bad values ({_rows(mask, frame, column)}); expected {expected}")


def to_number(frame: pd.DataFrame, column: str, path: Path | str, *, integer: bool = False,
              minimum: float | None = None, maximum: float | None = None) -> pd.Series:
    """Parse a text column as numbers, with range checks; errors name the rows."""
    values = pd.to_numeric(frame[column].str.strip(), errors="coerce")
    fail_rows(path, column, values.isna() | ~np.isfinite(values.fillna(0)), frame, "a finite number")
    if integer:
        fail_rows(path, column, values != np.round(values), frame, "a whole number")
    if minimum is not None:
        fail_rows(path, column, values < minimum, frame, f"a value >= {minimum:g}")
    if maximum is not None:
        fail_rows(path, column, values > maximum, frame, f"a value <= {maximum:g}")
    return values


def check_codes(frame: pd.DataFrame, column: str, valid: Iterable[str], path: Path | str) -> pd.Series:
    """Strip a code column and check every value is in ``valid``."""
    valid = list(valid)
    values = frame[column].str.strip()
    shown = f"one of {valid}" if len(valid) <= 12 else f"one of {valid[:5]} ... ({len(valid):,} codes)"
    fail_rows(path, column, ~values.isin(valid), frame, shown)
    return values


def check_unique(frame: pd.DataFrame, keys: Sequence[str], path: Path | str) -> None:
    """Raise when a key combination appears more than once."""
    duplicated = frame.duplicated(subset=list(keys), keep=False)
    if duplicated.any():
        index = np.flatnonzero(duplicated.to_numpy())
        shown = ", ".join(
            f"line {i + 2}: " + "/".join(str(frame[k].iloc[i]) for k in keys) for i in index[:MAX_ROWS_SHOWN]
        )
        raise OloyInputError(f"{path}: duplicated ({', '.join(keys)}) rows: {shown}; expected each combination once")
