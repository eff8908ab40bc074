"""The one converter between arrays and tidy (long) frames.

An array's axes are named and labelled by an ordered ``axes`` mapping (``{"region": codes,
"year": years, "sex": SEXES, "age": AGES}``); the tidy frame has one column per axis, the first
axis varying slowest (C order, so a frame sorted by the axes in that order), then one column
per value. Conversion happens once on the way in and once on the way out (design notes:
numpy arrays inside the kernel, long frames at the boundary).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd


def to_frame(axes: Mapping[str, Sequence], values: Mapping[str, np.ndarray], *,
             scenario: str | None = None) -> pd.DataFrame:
    """Arrays shaped by ``axes`` -> ``[scenario, *axes, *values]`` (no index).

    Parameters
    ----------
    axes : mapping of column name -> labels
        In the arrays' axis order; text labels become object columns, others keep their dtype.
    values : mapping of column name -> array
        Each of shape ``tuple(len(labels) for labels in axes.values())`` (or reshapable to it).
    scenario : str, optional
        A leading categorical ``scenario`` column with this one value.
    """
    labels = [_labels(axis) for axis in axes.values()]
    sizes = [len(axis) for axis in labels]
    size = int(np.prod(sizes))
    columns = {} if scenario is None else {
        "scenario": pd.Categorical.from_codes(np.zeros(size, dtype=np.int8), categories=[scenario])}
    for i, (name, axis) in enumerate(zip(axes, labels)):
        inner, outer = int(np.prod(sizes[i + 1:])), int(np.prod(sizes[:i]))
        columns[name] = np.tile(np.repeat(axis, inner), outer)
    for name, array in values.items():
        columns[name] = np.asarray(array).reshape(-1)
    return pd.DataFrame(columns)


def to_array(frame: pd.DataFrame, axes: Mapping[str, Sequence], value: str) -> np.ndarray:
    """The ``value`` column of a tidy frame as an array shaped by ``axes`` [float].

    Cells missing from the frame are NaN; rows outside ``axes`` are ignored.
    """
    index = pd.MultiIndex.from_product(list(axes.values()))
    ordered = frame.set_index(list(axes))[value].reindex(index)
    return ordered.to_numpy(float).reshape(tuple(len(axis) for axis in axes.values()))


def _labels(axis: Sequence) -> np.ndarray:
    labels = np.asarray(axis)
    return labels.astype(object) if labels.dtype.kind in "US" else labels
