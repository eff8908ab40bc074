"""The kernel: agreement with a Leslie-matrix implementation, invariants, extreme inputs."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import oloy_model as om
from oloy_model import ccmpp

N = 101


def _random_inputs(rng, n_years=4, regions=()):
    base = rng.uniform(0, 5000, size=regions + (2, N))
    mx = rng.uniform(0.0005, 0.02, size=(n_years, 2, N)) * np.exp(np.linspace(0, 4, N))
    mx = np.minimum(mx, 0.9)
    asfr = np.zeros((n_years, N))
    asfr[:, 15:50] = rng.uniform(0, 0.12, size=(n_years, 35))
    srb = rng.uniform(1.0, 1.15, size=n_years)
    migration = rng.normal(0, 30, size=(n_years,) + regions + (2, N))
    return base, mx, asfr, srb, migration


def leslie_projection(base, mx, asfr, srb, migration):
    """Plain, obviously-correct reference: explicit loops over ages and a Leslie-style
    female birth row, with migration half at the start and half at the end of each step.
    Early migrants are present (and exposed to fertility) from the start, late ones only at
    the end, after the women's end-of-step exposure is taken."""
    survival = ccmpp.survival_from_mx(mx)
    population = base.copy()
    history = [population.copy()]
    for t in range(mx.shape[0]):
        s, f, m = survival[t], asfr[t], migration[t]
        new = np.zeros_like(population)
        present = population.copy()  # the start population with the early migrants, by age at the start
        for sex in range(2):
            for age in range(1, N):
                start = population[sex, age - 1] + (population[sex, 100] if age == 100 else 0.0)
                new[sex, age] = (start + m[sex, age] / 2) * s[sex, age]
                present[sex, age - 1 if age < 100 else 100] += m[sex, age] / 2
        births = 0.0
        for age in range(N):
            births += f[age] * (present[0, age] + new[0, age]) / 2
        for sex in range(2):
            for age in range(1, N):
                new[sex, age] += m[sex, age] / 2
        male_share = srb[t] / (1 + srb[t])
        for sex, share in ((0, 1 - male_share), (1, male_share)):
            b = births * share
            new[sex, 0] = (b + m[sex, 0] / 2) * s[sex, 0] + m[sex, 0] / 2
        population = new
        history.append(population.copy())
    return np.stack(history)


def un_even_projection(base, survival, asfr, srb, migration):
    """The UN's "even" timing restated cell by cell (ccmppWPP): half of N(x) joins at the
    start at age x, survives to x + 1 and is exposed to fertility at x; half joins at the end."""
    population = base.copy()
    history = [population.copy()]
    for t in range(survival.shape[0]):
        s, f, n = survival[t], asfr[t], migration[t]
        present = population + n / 2
        new = np.zeros_like(population)
        for sex in range(2):
            for age in range(1, 100):
                new[sex, age] = s[sex, age] * present[sex, age - 1]
            new[sex, 100] = s[sex, 100] * (present[sex, 99] + present[sex, 100])
        births = sum(f[x] * (present[0, x] + new[0, x]) / 2 for x in range(1, 100))
        male_share = srb[t] / (1 + srb[t])
        for sex, share in ((0, 1 - male_share), (1, male_share)):
            new[sex, 0] = s[sex, 0] * births * share
        population = new + n / 2
        history.append(population.copy())
    return np.stack(history)


def test_kernel_agrees_with_plain_loop():
    rng = np.random.default_rng(20201101)
    base, mx, asfr, srb, migration = _random_inputs(rng)
    migration = np.abs(migration)  # no capping in this comparison
    fast = ccmpp.project_arrays(base, mx, asfr, srb, migration)["population"]
    slow = leslie_projection(base, mx, asfr, srb, migration)
    np.testing.assert_allclose(fast, slow, rtol=1e-10, atol=1e-9)


def test_even_timing_agrees_with_the_un_restatement():
    rng = np.random.default_rng(1950)
    base, mx, asfr, srb, migration = _random_inputs(rng)
    migration = np.abs(migration)  # no capping in this comparison
    survival = ccmpp.survival_from_mx(mx)
    fast = ccmpp.project_arrays(base, mx, asfr, srb, migration, migration_timing="even")
    np.testing.assert_allclose(fast["population"], un_even_projection(base, survival, asfr, srb, migration),
                               rtol=1e-12, atol=1e-9)
    # The reported net migration is by age at the end: the early half is one year older.
    expected = migration / 2
    expected[:, :, 1:100] += migration[:, :, 0:99] / 2
    expected[:, :, 100] += migration[:, :, 99] / 2 + migration[:, :, 100] / 2
    np.testing.assert_allclose(fast["net_migration"], expected, rtol=1e-12)


def test_end_timing_births_use_survivors_before_migrants():
    """A hand example: one age of women with fertility, immigrants at the end only."""
    base = np.zeros((2, N))
    base[0, 29], base[0, 30] = 1000.0, 800.0
    survival = np.full((2, N), 0.9)
    asfr = np.zeros(N)
    asfr[30] = 0.1
    migration = np.zeros((2, N))
    migration[0, 30] = 500.0
    out = ccmpp.step(base, survival, asfr, 1.0, migration, migration_timing="end")
    # Women aged 30: 800 at the start, 0.9 x 1000 survivors at the end (the 500 migrants excluded).
    assert out["births"].sum() == pytest.approx(0.1 * (800.0 + 900.0) / 2, rel=1e-15)
    assert out["population"][0, 30] == pytest.approx(900.0 + 500.0, rel=1e-15)
    half = ccmpp.step(base, survival, asfr, 1.0, migration, migration_timing="half")
    # "half": 250 join at the start at age 29 (exposed from there on), 250 at the end.
    assert half["births"].sum() == pytest.approx(0.1 * (800.0 + 0.9 * 1250.0) / 2, rel=1e-15)
    start = ccmpp.step(base, survival, asfr, 1.0, migration, migration_timing="start")
    assert start["births"].sum() == pytest.approx(0.1 * (800.0 + 0.9 * 1500.0) / 2, rel=1e-15)


@pytest.mark.slow
@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), timing=st.sampled_from(["half", "start", "end", "even"]))
def test_balancing_equation_per_region_and_sex(seed, timing):
    rng = np.random.default_rng(seed)
    base, mx, asfr, srb, migration = _random_inputs(rng, n_years=1, regions=(3,))
    survival = ccmpp.survival_from_mx(mx[0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", om.DemographicWarning)
        out = ccmpp.step(base, survival, asfr[0], srb[0], migration[0], migration_timing=timing)
    start, end = base.sum(-1), out["population"].sum(-1)
    flows = out["births"] - out["deaths"].sum(-1) + out["net_migration"].sum(-1)
    np.testing.assert_allclose(end, start + flows, rtol=1e-9, atol=1e-7)
    # Cell by cell: P(t)[a] = cohort(t-1)[a] + M[a] - D[a].
    cohort = ccmpp.cohort_shift(base, out["births"])
    np.testing.assert_allclose(out["population"], cohort + out["net_migration"] - out["deaths"], atol=1e-7)
    assert np.all(out["population"] >= 0)
    assert np.all(out["deaths"] >= 0)


@pytest.mark.parametrize("timing", ["half", "start", "end", "even"])
def test_extreme_out_migration_is_capped_and_warned(timing):
    rng = np.random.default_rng(7)
    base, mx, asfr, srb, _ = _random_inputs(rng, n_years=3)
    migration = np.full((3, 2, N), -1e7)
    with pytest.warns(om.DemographicWarning, match="capped"):
        out = ccmpp.project_arrays(base, mx, asfr, srb, migration, migration_timing=timing)
    assert np.all(out["population"] >= 0) and np.all(out["deaths"] >= 0)
    assert np.all(out["population"][1:] < 1e-6)


def test_zero_fertility_and_mortality_identities():
    rng = np.random.default_rng(3)
    base, mx, asfr, srb, migration = _random_inputs(rng, n_years=3)
    zero = np.zeros_like(migration)
    out = ccmpp.project_arrays(base, mx, np.zeros_like(asfr), srb, zero)
    assert np.all(out["births"] == 0)
    immortal = np.full_like(mx, 1e-12)
    out = ccmpp.project_arrays(base, immortal, np.zeros_like(asfr), srb, zero)
    # Nobody dies, nobody is born, nobody moves: cohorts age intact, the total is constant.
    np.testing.assert_allclose(out["population"][1][:, 1:100], base[:, 0:99], rtol=1e-9)
    np.testing.assert_allclose(out["population"].sum(axis=(1, 2)), base.sum(), rtol=1e-9)


def test_doubling_population_doubles_births_and_deaths():
    rng = np.random.default_rng(11)
    base, mx, asfr, srb, migration = _random_inputs(rng)
    zero = np.zeros_like(migration)
    one = ccmpp.project_arrays(base, mx, asfr, srb, zero)
    two = ccmpp.project_arrays(2 * base, mx, asfr, srb, zero)
    np.testing.assert_allclose(two["births"], 2 * one["births"], rtol=1e-12)
    np.testing.assert_allclose(two["deaths"], 2 * one["deaths"], rtol=1e-12)


def test_regions_are_independent_and_vectorised():
    rng = np.random.default_rng(5)
    base, mx, asfr, srb, migration = _random_inputs(rng, n_years=1, regions=(4,))
    migration = np.abs(migration)
    survival = ccmpp.survival_from_mx(mx[0])
    together = ccmpp.step(base, survival, asfr[0], srb[0], migration[0])
    alone = ccmpp.step(base[2], survival, asfr[0], srb[0], migration[0][2])
    np.testing.assert_allclose(together["population"][2], alone["population"], rtol=1e-14)


def test_open_age_group_closes_with_T100_over_T99():
    mx = np.full((1, 2, N), 0.02)
    mx[..., 100] = 0.3
    base = np.zeros((2, N))
    base[:, 99] = 1000.0
    base[:, 100] = 500.0
    out = ccmpp.project_arrays(base, mx, np.zeros((1, N)), np.array([1.05]), np.zeros((1, 2, N)))
    from oloy_model.demography.lifetable import life_table

    table = life_table(mx[0, 0], "female")
    expected = 1500.0 * table["Tx"][100] / table["Tx"][99]
    assert out["population"][1, 0, 100] == pytest.approx(expected, rel=1e-12)


def test_shape_errors_are_clear():
    rng = np.random.default_rng(1)
    base, mx, asfr, srb, migration = _random_inputs(rng)
    with pytest.raises(om.OloyInputError, match=r"asfr has shape \(4, 50\), expected \(4, 101\)"):
        ccmpp.project_arrays(base, mx, asfr[:, :50], srb, migration)
    with pytest.raises(om.OloyInputError, match="migration_timing"):
        ccmpp.project_arrays(base, mx, asfr, srb, migration, migration_timing="later")


def test_project_steps_batch_equals_each_region_alone():
    """The one loop: a (draws x regions) batch with per-step callables gives, bit for bit, what
    project_arrays gives for each region alone; totals and preallocated outputs match."""
    rng = np.random.default_rng(16)
    base, mx, asfr, srb, migration = _random_inputs(rng, n_years=5, regions=(2, 3))
    survival = ccmpp.survival_from_mx(mx)
    out = {"totals": np.zeros((6, 2, 3, 1))}
    batch = ccmpp.project_steps(base, lambda t: survival[t], lambda t: asfr[t], srb,
                                lambda t, start: migration[t], steps=5, out=out, totals=lambda p: p.sum(axis=(-2, -1))[..., None],
                                record=ccmpp.DETAIL + ("totals",))
    assert batch["totals"] is out["totals"]
    np.testing.assert_array_equal(batch["totals"][..., 0], batch["population"].sum(axis=(-2, -1)))
    np.testing.assert_array_equal(batch["final"], batch["population"][-1])
    for d in range(2):
        for r in range(3):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", om.DemographicWarning)
                alone = ccmpp.project_arrays(base[d, r], mx, asfr, srb, migration[:, d, r])
            for key, value in alone.items():
                np.testing.assert_array_equal(batch[key][:, d, r], value)
    short = ccmpp.project_steps(base, survival, asfr, srb, migration, record=())
    np.testing.assert_array_equal(short["final"], batch["final"])
    assert set(short) == {"final"}


def test_project_steps_needs_a_step_count():
    base = np.ones((2, N))
    with pytest.raises(om.OloyInputError, match="steps="):
        ccmpp.project_steps(base, lambda t: np.ones((2, N)), lambda t: np.zeros(N), 1.05, lambda t, p: 0.0 * p)
