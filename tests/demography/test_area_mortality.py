"""Default mortality level of an area: national WPP level x shrunk ISMR of 2010 census-year deaths."""
from __future__ import annotations

import numpy as np
import pytest

import oloy_model as om
from oloy_model.demography import area_mortality as am
from oloy_model.base import hierarchy
from oloy_model.base.resources import read_bundled

PLAN_E0_2020 = 76.56  # Dali plan 2022 [source: dali_plan_2022]


@pytest.mark.slow
def test_observed_deaths_are_the_bundled_dali_rates_times_population():
    """An independent path: the bundled Dali census6 indicators (the same rows, other file)."""
    indicators = read_bundled("census6/indicators.csv").pivot(index="region", columns="indicator", values="value")
    counties = om.regions()["region"]
    expected = float((indicators.loc[counties, "crude_death_rate"] / 1000 * indicators.loc[counties, "population_total"]).sum())
    result = am.mortality_default(hierarchy.area_code())
    assert result["observed"] == pytest.approx(expected, rel=1e-12) and result["counties_2010"] == 12
    assert result["label"] == "estimated (national level x ISMR)"


@pytest.mark.slow
def test_the_nation_is_the_national_level():
    nation = om.areas().query("level == 'nation'")["region"].iloc[0]
    result = am.mortality_default(nation)
    assert result["ratio_relative"] == pytest.approx(1.0, rel=1e-12)
    assert result["e0"] == pytest.approx(result["e0_national"], rel=1e-12)


def test_credibility_moves_from_the_national_level_to_the_observed_differential():
    code = hierarchy.area_code()
    none, half, full = (am.mortality_default(code, credibility=w) for w in (0.0, 0.5, 1.0))
    assert none["e0"] == pytest.approx(none["e0_national"], rel=1e-12)
    assert full["ratio"] == pytest.approx(full["ratio_relative"], rel=1e-12)
    assert half["ratio"] == pytest.approx(np.sqrt(full["ratio_relative"]), rel=1e-12)
    assert (none["e0"] - half["e0"]) * (half["e0"] - full["e0"]) > 0  # monotone in the weight
    assert half["e0_low"] < half["e0"] < half["e0_high"]
    with pytest.raises(om.OloyInputError, match=r"credibility=1.5; expected a number in \[0, 1\]"):
        am.mortality_default(code, credibility=1.5)


def test_dali_default_brackets_the_plans_published_e0():
    """Reference: the plan's 2020 e0 76.56 [source: dali_plan_2022] lies inside the default's
    stated uncertainty range, and the default is within 1 year of it (tolerance: the range's
    half-width is about 1.4 years)."""
    result = am.mortality_default(hierarchy.area_code())
    assert result["e0_low"] <= PLAN_E0_2020 <= result["e0_high"]
    assert abs(result["e0"] - PLAN_E0_2020) < 1.0
