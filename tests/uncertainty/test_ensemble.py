"""Probabilistic projections: reproducibility, zero-variance identity, fitted models."""
from __future__ import annotations

import numpy as np
import pytest

import oloy_model as om
from oloy_model.demography import variability
from oloy_model.uncertainty import stochastic
from oloy_model.uncertainty.ensemble import BASES, SERVICES, STAT_NAMES
from oloy_model.demography.projection import build_inputs, run_kernel

ZERO = {"stochastic.fertility_sd": 0.0, "stochastic.county_fertility_sd": 0.0, "stochastic.e0_sd": 0.0,
        "stochastic.migration_level_sd": 0.0, "stochastic.migration_annual_sd": 0.0, "stochastic.uptake_sd": 0.0}


@pytest.fixture(scope="module")
def ensemble():
    return om.simulate("baseline", draws=1000, seed=7)


def test_zero_variance_equals_the_deterministic_projection_exactly():
    scenario = om.load_scenario("baseline").with_values(ZERO)
    ensemble = om.simulate(scenario, draws=3, seed=1, keep_cells=True)
    deterministic = run_kernel(build_inputs(scenario))["population"]  # (years, regions, 2, 101)
    for draw in range(3):
        np.testing.assert_array_equal(ensemble.cells[draw], deterministic)
    result = om.run(scenario)
    gaps = result.gaps.pivot_table(index="year", columns=["region", "service", "basis"], values="gap")
    assert len(gaps.columns) == len(ensemble.regions) * len(SERVICES) * len(BASES)
    for r, region in enumerate(ensemble.regions):
        for s, service in enumerate(SERVICES):
            for b, basis in enumerate(BASES):
                expected = gaps[(region, service, basis)].reindex(ensemble.years).to_numpy()
                np.testing.assert_allclose(ensemble.gap_draws[:, :, r, s, b], np.tile(expected, (3, 1)),
                                           rtol=1e-12, atol=1e-9, err_msg=f"{region} {service} {basis}")
    _assert_bands_equal(ensemble, result.projection)


def _assert_bands_equal(ensemble, projection) -> None:
    """The population bands and births the ensemble keeps equal the projection's, every region and year."""
    pop = projection.population
    bands = {"population": pop, "age_0_2": pop[pop["age"] <= 2], "age_60plus": pop[pop["age"] >= 60],
             "age_80plus": pop[pop["age"] >= 80]}
    sums = {name: frame.groupby(["year", "region"])["population"].sum() for name, frame in bands.items()}
    sums["births"] = projection.births.groupby(["year", "region"])["births"].sum()
    for name, values in sums.items():
        table = values.unstack("region").reindex(index=ensemble.years, columns=ensemble.regions[:-1], fill_value=0.0)
        table[ensemble.regions[-1]] = table.sum(axis=1)
        k = STAT_NAMES.index(name)
        for draw in range(ensemble.draws):
            np.testing.assert_allclose(ensemble.stats[draw, :, :, k], table.to_numpy(), rtol=1e-12, err_msg=name)


@pytest.mark.slow  # 1,200 more draws (chunk independence is also in test_ensemble_bounds)
def test_same_seed_same_numbers_different_seed_different(ensemble):
    again = om.simulate("baseline", draws=1000, seed=7, chunk_size=400)
    np.testing.assert_array_equal(again.stats, ensemble.stats)
    assert again.quantiles().equals(ensemble.quantiles())
    other = om.simulate("baseline", draws=200, seed=8)
    assert not np.array_equal(other.stats, ensemble.stats[:200])


def test_quantiles_are_ordered_and_probabilities_bounded(ensemble):
    q = ensemble.quantiles()
    assert list(q.columns) == ["scenario", "region", "year", "quantity", "q10", "q50", "q90", "mean"]
    assert (q["q10"] <= q["q50"]).all() and (q["q50"] <= q["q90"]).all()
    g = ensemble.gap_probabilities()
    assert list(g.columns[:6]) == ["scenario", "region", "year", "service", "basis", "p_shortfall"]
    for column in ("p_shortfall", "p_shortfall_over_threshold"):
        assert g[column].between(0, 1).all()
    assert (g["p_shortfall_over_threshold"] <= g["p_shortfall"]).all()
    assert (g["gap_p10"] <= g["gap_p90"]).all()


def _median_interval(values: np.ndarray, z: float = 3.0) -> tuple[float, float]:
    """Distribution-free interval for the median: order statistics n/2 -+ z sqrt(n)/2 (binomial,
    normal approximation; z = 3: coverage about 0.997). Sampling error of a finite ensemble."""
    ordered = np.sort(values)
    half = z * np.sqrt(values.size) / 2
    return ordered[max(0, int(np.floor(values.size / 2 - half)))], ordered[min(values.size - 1, int(np.ceil(values.size / 2 + half)))]


def test_median_close_to_deterministic(ensemble):
    """The scenario stays the centre: the deterministic value lies within an allowance (1% for
    the population, 5% for births: the projection is not linear in the noise) of the median's
    sampling interval. The interval keeps the test independent of which 1,000 draws a seed gives."""
    deterministic = om.project("baseline")
    population = deterministic.population.groupby("year")["population"].sum()
    births = deterministic.births.groupby("year")["births"].sum()
    checks = [("population", year, population[year], 0.01) for year in (2025, 2035, 2050)]
    checks.append(("births", 2030, births[2030], 0.05))
    for quantity, year, expected, allowance in checks:
        draws = ensemble.stats[:, list(ensemble.years).index(year), -1, list(STAT_NAMES).index(quantity)]
        low, high = _median_interval(draws)
        assert low * (1 - allowance) <= expected <= high * (1 + allowance), (quantity, year, low, expected, high)
        assert high - low < 0.1 * expected  # the interval is informative, not a blanket pass


def test_prefecture_is_the_sum_of_counties_in_every_draw(ensemble):
    np.testing.assert_allclose(ensemble.stats[:, :, -1], ensemble.stats[:, :, :-1].sum(axis=2))
    np.testing.assert_allclose(ensemble.gap_draws[:, :, -1], ensemble.gap_draws[:, :, :-1].sum(axis=2))


def test_uncertainty_grows_with_horizon(ensemble):
    q = ensemble.quantiles(["age_0_2"]).query("region == '532900'").set_index("year")
    width = q["q90"] - q["q10"]
    assert width[2021] < width[2030] < width[2045]


def test_fertility_model_pinned_and_checked_against_ols():
    """ARIMA(1,1,0) on WPP 2024 China log TFR 1991-2023 (statsmodels exact MLE): phi 0.307,
    sd 0.0569 (tolerance 0.01 and 0.002); OLS on the differences gives a similar phi."""
    fit = variability.fit_fertility()
    assert fit["ar"] == pytest.approx(0.307, abs=0.01) and fit["sd"] == pytest.approx(0.0569, abs=0.002)
    assert fit["aic"] < fit["aic_random_walk"] and fit["ljung_box_p"] > 0.05
    from oloy_model.base.resources import read_bundled

    tfr = read_bundled("wpp2024/tfr.csv").query("variant == 'estimate'").set_index("year")["tfr"].loc[1991:2023]
    changes = np.diff(np.log(tfr.to_numpy()))
    phi_ols = np.polyfit(changes[:-1], changes[1:], 1)[0]
    assert phi_ols == pytest.approx(fit["ar"], abs=0.15)


def test_mortality_model_matches_the_moments_of_the_differences():
    """Random walk with drift: the MLE drift and sd equal the mean and (ddof=0) sd of the
    annual e0 changes (WPP 2024 China both sexes 1990-2019): drift 0.338, sd 0.1115."""
    fit = variability.fit_mortality()
    from oloy_model.base.resources import read_bundled

    e0 = read_bundled("wpp2024/e0.csv").query("variant == 'estimate'").pivot(index="year", columns="sex", values="e0")
    changes = np.diff(e0.mean(axis=1).loc[1990:2019].to_numpy())
    assert fit["drift"] == pytest.approx(changes.mean(), rel=1e-3)
    assert fit["sd"] == pytest.approx(changes.std(), rel=0.02)
    assert fit["sd"] == pytest.approx(0.1115, abs=0.003)


def test_bad_draws_is_a_clear_error():
    with pytest.raises(om.OloyInputError, match="draws=0"):
        om.simulate("baseline", draws=0)


@pytest.mark.slow  # three CLI runs
def test_cli_draws_same_seed_same_bytes(tmp_path):
    from oloy_model.cli import main

    for name, seed in (("a", "5"), ("b", "5"), ("c", "6")):
        assert main(["run", "baseline", "--draws", "40", "--seed", seed, "--no-figures", "--out", str(tmp_path / name)]) == 0
    for table in ("quantiles.csv", "gap_probabilities.csv"):
        a, b, c = ((tmp_path / n / "baseline" / table).read_bytes() for n in "abc")
        assert a == b and a != c
    assert (tmp_path / "a" / "oloy_results.xlsx").read_bytes() == (tmp_path / "b" / "oloy_results.xlsx").read_bytes()


@pytest.mark.slow
def test_probability_charts_same_seed_same_bytes(tmp_path):
    from oloy_model.reporting import figures, style

    paths = []
    for name in ("one", "two"):
        ensemble = om.simulate("baseline", draws=30, seed=2)
        figure, data = figures.shortfall_probability_maps(ensemble, "childcare_places")
        paths += style.save_figure(figure, tmp_path / name)
        expected = ensemble.gap_probabilities().query("service == 'childcare_places' and region != '532900'")
        assert len(data) == len(expected) and data["p_shortfall"].between(0, 1).all()
    assert paths[0].read_bytes() == paths[2].read_bytes() and paths[1].read_bytes() == paths[3].read_bytes()


def test_demand_quantiles_centre_on_the_deterministic_demand(ensemble):
    table = ensemble.demand_quantiles()
    assert (table["q10"] <= table["q90"]).all()
    deterministic = ensemble.result.demand.query("region == '532901' and service == 'elderly_beds' and basis == 'norm'")
    median = table.query("region == '532901' and service == 'elderly_beds' and basis == 'norm'").set_index("year")["q50"]
    assert median[2020] == pytest.approx(deterministic.set_index("year")["demand"][2020], rel=1e-9)
    assert median[2035] == pytest.approx(deterministic.set_index("year")["demand"][2035], rel=0.02)
