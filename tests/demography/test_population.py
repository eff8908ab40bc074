"""Base population: census cells reproduced, bulletin totals, smoothness, methods."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import oloy_model as om
from oloy_model.demography import population

# Dali 7th census bulletin (Dali Statistics Bureau, 2021-06-01) and the county tabulation
# (NBS 2022); exact counts, tolerance 0.5 persons.
BULLETIN = {
    "total": 3_337_559,
    "male": 1_693_368,
    "female": 1_644_191,
    "0-14": 557_626,
    "15-59": 2_212_105,
    "60+": 567_828,
    "65+": 418_121,
}


def _totals(pop: pd.DataFrame) -> dict[str, float]:
    age, value = pop["age"], pop["population"]
    return {
        "total": value.sum(),
        "male": value[pop["sex"] == "male"].sum(),
        "female": value[pop["sex"] == "female"].sum(),
        "0-14": value[age <= 14].sum(),
        "15-59": value[(age >= 15) & (age <= 59)].sum(),
        "60+": value[age >= 60].sum(),
        "65+": value[age >= 65].sum(),
    }


def test_shape_and_columns(base2020):
    assert list(base2020.columns) == ["region", "sex", "age", "population"]
    assert len(base2020) == 12 * 2 * 101
    assert base2020["region"].nunique() == 12
    assert set(base2020["sex"]) == {"female", "male"}
    assert base2020["age"].min() == 0 and base2020["age"].max() == 100
    assert base2020["region"].map(type).eq(str).all()


@pytest.mark.parametrize("method", ["mono", pytest.param("pclm", marks=pytest.mark.slow)])
@pytest.mark.parametrize("open_age_method", ["wpp_china", "stationary"])
def test_every_census_cell_reproduced(method, open_age_method):
    pop = om.base_population(method=method, open_age_method=open_age_method)
    differences = population.census_differences(pop, 2020, tolerance=0.5)
    assert differences.empty, differences.head()
    groups = population.to_census_groups(pop)
    assert len(groups) == 12 * 2 * 19
    assert (pop["population"] >= 0).all()


def test_bulletin_totals(base2020):
    totals = _totals(base2020)
    for key, published in BULLETIN.items():
        assert totals[key] == pytest.approx(published, abs=0.5), key


def test_2010_base_reproduces_census():
    pop = om.base_population(year=2010)
    assert pop["population"].sum() == pytest.approx(3_456_323, abs=0.5)  # NBS 2010 county tabulation
    assert population.census_differences(pop, 2010).empty
    assert (pop["population"] >= 0).all()


def _boundary_steps(series: np.ndarray, boundaries) -> np.ndarray:
    return np.abs(series[boundaries] - series[np.asarray(boundaries) - 1])


def test_smooth_at_group_boundaries(base2020):
    """Steps at group boundaries are much smaller than a uniform within-group split gives.

    The uniform split is the step function the census groups imply; a graduation that adds
    no artificial steps must reduce the total boundary jump substantially.
    """
    groups = om.census_age_groups(2020)
    boundaries = list(range(10, 85, 5))  # interior boundaries between 5-year groups
    smooth_total = uniform_total = 0.0
    for (region, sex), cell in base2020.groupby(["region", "sex"]):
        series = cell["population"].to_numpy()
        g = groups[(groups.region == region) & (groups.sex == sex)]
        uniform = np.repeat(g["population"].to_numpy()[2:-1] / 5.0, 5)  # ages 5..84
        uniform = np.concatenate([np.zeros(5), uniform])
        smooth_total += _boundary_steps(series, boundaries).sum()
        uniform_total += _boundary_steps(uniform, boundaries).sum()
    assert smooth_total < 0.35 * uniform_total


def test_open_group_split_preserves_85plus(base2020):
    groups = om.census_age_groups(2020)
    open85 = groups[groups.age_start == 85].set_index(["region", "sex"])["population"]
    mine = base2020[base2020.age >= 85].groupby(["region", "sex"])["population"].sum()
    pd.testing.assert_series_equal(mine.sort_index(), open85.sort_index().astype(float), check_names=False)
    # Mortality rises with age: the single years above 85 fall (a stated property of both splits).
    for method in population.OPEN_AGE_METHODS:
        shares = population.open_age_shares(2020, method)
        assert np.allclose(shares.sum(axis=1), 1.0)
        assert np.all(np.diff(shares[:, :3], axis=1) < 0)


def test_unknown_method_lists_valid_keys():
    with pytest.raises(om.OloyInputError, match=r"method='beers'.*\['mono', 'pclm'\]"):
        om.base_population(method="beers")
    with pytest.raises(om.OloyInputError, match="open_age_method"):
        om.base_population(open_age_method="nope")
    with pytest.raises(om.OloyInputError, match="census year 2015"):
        om.base_population(year=2015)


def test_regions_contract():
    table = om.regions()
    assert list(table.columns[:3]) == ["region", "name_zh", "name_en"]
    assert table["region"].tolist() == ["532901"] + [str(c) for c in range(532922, 532933)]
    assert table.loc[0, "name_zh"] == "大理市"


def test_result_is_a_copy(base2020):
    first = om.base_population()
    first["population"] = 0.0
    assert om.base_population()["population"].sum() == pytest.approx(BULLETIN["total"])
