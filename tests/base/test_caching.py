"""Cached builders hand out read-only data and repeat their warnings (issue 16)."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import oloy_model as om
from oloy_model.demography import local_estimates as estimates, fertility, mortality
from oloy_model.demography import variability
from oloy_model.base.caching import read_only_cache
from oloy_model.base.errors import DemographicWarning
from oloy_model.demography.projection import build_inputs
from oloy_model.planning.result import plan_figures


def test_edited_frame_does_not_change_the_next_call():
    first = estimates.fertility_estimates()
    expected = first.copy()
    first.loc[:, "tfr"] = -1.0
    first["added"] = 1.0
    pd.testing.assert_frame_equal(estimates.fertility_estimates(), expected)
    e0 = mortality.wpp_e0()
    expected = e0.copy()
    e0.iloc[:, :] = 0.0
    pd.testing.assert_frame_equal(mortality.wpp_e0(), expected)


@pytest.mark.slow
def test_edited_dict_does_not_change_the_next_call():
    figures = plan_figures()
    key = next(iter(figures))
    value = figures[key]
    figures[key] = -123.0
    figures["added"] = 1.0
    assert plan_figures()[key] == value and "added" not in plan_figures()
    fit = variability.fit_fertility()
    fit["sd"] = 99.0
    assert variability.fit_fertility()["sd"] != 99.0
    migration = estimates.migration_estimates()
    migration["residual"]["residual"] = 0.0
    migration["codes"].append("000000")
    again = estimates.migration_estimates()
    assert again["residual"]["residual"].abs().sum() > 0 and "000000" not in again["codes"]


def test_cached_arrays_are_read_only():
    inputs = build_inputs(om.load_scenario("baseline"))
    for name in ("base", "survival", "asfr", "srb", "migration_rates", "migration_counts", "tfr", "e0"):
        with pytest.raises(ValueError, match="read-only"):
            getattr(inputs, name)[..., 0] = 0.0
    inputs.codes.append("000000")
    assert "000000" not in build_inputs(om.load_scenario("baseline")).codes
    for array in (fertility.age_schedule(2020), estimates.migration_estimates()["rates"],
                  mortality.mortality_schedule((2021,), ((80.0, 75.0),))):
        with pytest.raises(ValueError, match="read-only"):
            array[..., 0] = 0.0


def test_warning_of_a_cached_build_fires_on_every_call():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the scenario's own plausibility warning
        scenario = om.load_scenario("baseline").with_values({"fertility.tfr_offset": 2.0})
    for _ in range(2):  # the second call is a cache hit
        with pytest.warns(DemographicWarning, match="TFR above 3"):
            build_inputs(scenario)


def test_read_only_cache_builds_once_and_repeats_warnings():
    calls = []

    @read_only_cache(maxsize=2)
    def build(n: int) -> dict:
        calls.append(n)
        warnings.warn(f"built {n}", DemographicWarning)
        return {"array": np.arange(n, dtype=float), "frame": pd.DataFrame({"x": [n]}), "items": [n]}

    for _ in range(3):
        with pytest.warns(DemographicWarning, match="built 4"):
            value = build(4)
        value["frame"].loc[0, "x"] = -1
        value["items"].append(0)
    assert calls == [4]
    assert build(4)["frame"].loc[0, "x"] == 4 and build(4)["items"] == [4]
    with pytest.raises(ValueError, match="read-only"):
        value["array"][0] = 1.0
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")  # shown once per location, as from uncached code
        build(4)
        build(4)
    assert len(caught) == 1
    build.cache_clear()
    with pytest.warns(DemographicWarning):
        build(4)
    assert calls == [4, 4]
