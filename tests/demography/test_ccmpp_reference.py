"""The kernel against an independent implementation: the UN Population Division's ccmppWPP.

Reference: ccmppWPP's own example (UN WPP 2019 Canada, 1950-2020; inputs and outputs copied
as numbers into ``tests/reference/ccmppwpp_canada/``, provenance in its README). With the
same survival ratios, fertility, sex ratio and net migration, and ``migration_timing="end"``,
every population, birth and cohort-death cell of the 70 annual steps must agree to 1e-9
relative (the package itself reproduces them exactly; a plain restatement to 1e-15).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from oloy_model import ccmpp

REFERENCE = Path(__file__).resolve().parents[1] / "reference" / "ccmppwpp_canada"
SEXES = ["female", "male"]
YEARS = np.arange(1950, 2020)  # 70 steps
RTOL = 1e-9


def _cube(name: str, value: str = "value") -> np.ndarray:
    """A (year, sex, age) array from a long table."""
    table = pd.read_csv(REFERENCE / name)
    table["sex"] = pd.Categorical(table["sex"], SEXES)
    table = table.sort_values(["year", "sex", "age"])
    return table[value].to_numpy().reshape(-1, 2, ccmpp.N_AGES)


@pytest.fixture(scope="module")
def canada():
    base = pd.read_csv(REFERENCE / "base_pop.csv")
    base["sex"] = pd.Categorical(base["sex"], SEXES)
    asfr = pd.read_csv(REFERENCE / "asfr.csv.gz").sort_values(["year", "age"])
    inputs = {
        "base": base.sort_values(["sex", "age"])["population"].to_numpy().reshape(2, ccmpp.N_AGES),
        "sx": _cube("sx.csv.gz"),
        "asfr": asfr["value"].to_numpy().reshape(-1, ccmpp.N_AGES),
        "srb": pd.read_csv(REFERENCE / "srb.csv").sort_values("year")["value"].to_numpy(),
        "net_migration": _cube("net_migration.csv.gz"),
    }
    assert {key: value.shape[0] for key, value in inputs.items() if key != "base"} == dict.fromkeys(
        ["sx", "asfr", "srb", "net_migration"], YEARS.size)
    out = ccmpp.project_arrays(inputs["base"], None, inputs["asfr"], inputs["srb"], inputs["net_migration"],
                               sx=inputs["sx"], migration_timing="end")
    return inputs, out


def test_population_matches_ccmppwpp_in_every_cell(canada):
    _, out = canada
    expected = _cube("expected_population.csv.gz", "population")
    assert expected.shape == out["population"].shape == (YEARS.size + 1, 2, ccmpp.N_AGES)
    np.testing.assert_allclose(out["population"], expected, rtol=RTOL, atol=0)


def test_births_match_ccmppwpp_by_sex(canada):
    _, out = canada
    births = pd.read_csv(REFERENCE / "expected_births.csv")
    for index, sex in enumerate(SEXES):
        expected = births[births["sex"] == sex].sort_values("year")["births"].to_numpy()
        np.testing.assert_allclose(out["births"][:, index], expected, rtol=RTOL, atol=0)
    both = births[births["sex"] == "both"].sort_values("year")["births"].to_numpy()
    np.testing.assert_allclose(out["births"].sum(axis=1), both, rtol=RTOL, atol=0)


def test_cohort_deaths_match_ccmppwpp(canada):
    _, out = canada
    expected = _cube("expected_deaths_cohort.csv.gz", "deaths_cohort")
    np.testing.assert_allclose(out["deaths"], expected, rtol=RTOL, atol=0)


def test_the_old_births_exposure_would_fail(canada):
    """The test can fail: counting the step's migrants in the women's end exposure (the
    kernel's convention before 0.2) moves births by far more than the tolerance."""
    inputs, out = canada
    with_migrants = out["births"].sum(axis=1) + 0.5 * np.einsum(
        "ta,ta->t", inputs["asfr"], inputs["net_migration"][:, 0, :])
    births = pd.read_csv(REFERENCE / "expected_births.csv")
    both = births[births["sex"] == "both"].sort_values("year")["births"].to_numpy()
    assert np.max(np.abs(with_migrants / both - 1)) > 1e3 * RTOL


def test_mx_and_sx_are_exclusive(canada):
    inputs, _ = canada
    from oloy_model import OloyInputError

    with pytest.raises(OloyInputError, match="exactly one of mx"):
        ccmpp.project_arrays(inputs["base"], inputs["sx"], inputs["asfr"], inputs["srb"], inputs["net_migration"],
                             sx=inputs["sx"])
    with pytest.raises(OloyInputError, match=r"sx has shape \(70, 2, 50\), expected \(70, 2, 101\)"):
        ccmpp.project_arrays(inputs["base"], None, inputs["asfr"], inputs["srb"], inputs["net_migration"],
                             sx=inputs["sx"][..., :50])
    with pytest.raises(OloyInputError, match="survival ratios in"):
        ccmpp.project_arrays(inputs["base"], None, inputs["asfr"], inputs["srb"], inputs["net_migration"],
                             sx=inputs["sx"] * 2)
