"""Graduation methods: exact group totals, non-negativity, recovery of a known curve."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oloy_model.demography import graduation
from oloy_model.base.errors import OloyInputError

BOUNDS = [0, 1] + list(range(5, 101, 5))


def _group(single: np.ndarray, bounds) -> np.ndarray:
    closed = np.add.reduceat(single[: bounds[-1]], bounds[:-1])
    return np.append(closed, single[bounds[-1]:].sum())


@pytest.mark.slow
@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(min_value=0, max_value=1e6), min_size=len(BOUNDS), max_size=len(BOUNDS)))
def test_mono_preserves_groups_and_is_non_negative(counts):
    counts = np.array(counts)
    single = graduation.graduate(counts, BOUNDS, method="mono")
    assert np.all(single >= 0)
    np.testing.assert_allclose(_group(single, BOUNDS), counts, rtol=1e-9, atol=1e-6)


@pytest.mark.slow
@settings(max_examples=15, deadline=None)
@given(st.lists(st.floats(min_value=0, max_value=1e5), min_size=len(BOUNDS), max_size=len(BOUNDS)))
def test_pclm_preserves_groups(counts):
    counts = np.array(counts)
    single = graduation.graduate(counts, BOUNDS, method="pclm")
    assert np.all(single >= 0)
    np.testing.assert_allclose(_group(single, BOUNDS), counts, rtol=1e-9, atol=1e-6)


@pytest.mark.parametrize("method", graduation.METHODS)
def test_recovers_a_smooth_known_curve(method):
    """A smooth curve, grouped and graduated, comes back within 2.5% at ages 5-84 (1% on average).

    The tail next to the open group is left out: there the open group's unknown width
    dominates (a stated weakness, handled by the open-age split upstream).
    """
    ages = np.arange(101)
    truth = 10_000 * np.exp(-((ages - 35) / 30.0) ** 2) + 500 * np.exp(-ages / 40.0)
    single = graduation.graduate(_group(truth, BOUNDS), BOUNDS, method=method)
    error = np.abs(single[5:85] - truth[5:85]) / truth[5:85]
    assert error.max() < 0.025
    assert error.mean() < 0.01


def test_linear_series_is_reproduced_exactly_by_mono_in_the_interior():
    ages = np.arange(101, dtype=float)
    truth = 1000.0 - 5.0 * ages
    single = graduation.graduate(_group(truth, BOUNDS), BOUNDS, method="mono")
    np.testing.assert_allclose(single[10:90], truth[10:90], rtol=2e-3)


def test_leading_axes_are_independent():
    rng = np.random.default_rng(3)
    counts = rng.uniform(100, 1000, size=(3, 2, len(BOUNDS)))
    stacked = graduation.graduate(counts, BOUNDS)
    np.testing.assert_allclose(stacked[1, 0], graduation.graduate(counts[1, 0], BOUNDS))


def test_bad_input_raises():
    with pytest.raises(OloyInputError, match="non-negative"):
        graduation.graduate(np.full(len(BOUNDS), -1.0), BOUNDS)
    with pytest.raises(OloyInputError, match="boundaries"):
        graduation.graduate(np.ones(4), BOUNDS)
    with pytest.raises(OloyInputError, match="expected one of"):
        graduation.graduate(np.ones(len(BOUNDS)), BOUNDS, method="sprague")


def test_mono_on_many_rows_equals_row_by_row_bit_for_bit():
    """The vectorised PCHIP split gives the same bits as splitting each row alone (zeros included)."""
    rng = np.random.default_rng(3)
    bounds = [0, 1, 5, 10, 15, 20, 25, 30, 85]
    counts = rng.integers(0, 4000, size=(40, len(bounds))).astype(float)
    counts[:5, 2:5] = 0.0
    counts[5] = 0.0
    together = graduation.graduate(counts, bounds)
    alone = np.stack([graduation.graduate(row, bounds) for row in counts])
    assert np.array_equal(together, alone)
