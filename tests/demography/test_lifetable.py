"""Life tables: published references and analytic identities."""
from __future__ import annotations

import numpy as np
import pytest

from oloy_model.demography import lifetable
from oloy_model.base import resources


def _wpp_mx5(period: int, sex: str) -> np.ndarray:
    table = resources.read_bundled("wpp2024/mx5.csv")
    rows = table[(table.period_start == period) & (table.sex == sex)].sort_values("age_start")
    return rows["mx"].to_numpy(float)


@pytest.mark.parametrize("period", [2005, 2010, 2015, 2020])
@pytest.mark.parametrize("sex", ["female", "male"])
def test_abridged_e0_matches_wpp(period, sex):
    """e0 from WPP 2024 China abridged nmx within 0.2 years of WPP's own annual e0 averaged
    over the period (UN WPP 2024, China; tolerance 0.2 years as in the engine issue)."""
    e0 = resources.read_bundled("wpp2024/e0.csv")
    published = e0[(e0.sex == sex) & e0.year.between(period, period + 4)]["e0"].mean()
    mine = lifetable.e0(_wpp_mx5(period, sex), sex, widths=lifetable.abridged_widths())
    assert mine == pytest.approx(published, abs=0.2)


def test_constant_hazard_identities():
    """With constant m and a = 1/2: q = m / (1 + m/2) each year, and the open group e = 1/m."""
    m = 0.05
    table = lifetable.life_table(np.full(101, m), "female", ax=np.full(101, 0.5))
    q = m / (1 + 0.5 * m)
    np.testing.assert_allclose(table["qx"][:100], q)
    np.testing.assert_allclose(table["lx"][10], (1 - q) ** 10)
    assert table["ex"][100] == pytest.approx(1 / m)
    # Person-years: T0 = sum of L; deaths sum to the radix.
    assert table["Tx"][0] == pytest.approx(table["Lx"].sum())
    assert table["dx"].sum() == pytest.approx(1.0)


def test_andreev_kingkade_a0_is_continuous_at_its_breakpoints():
    """Andreev & Kingkade (2015) Table 3: the segments meet (to the published 4-5 digits)."""
    for sex, low, high in (("male", 0.023, 0.08307), ("female", 0.01724, 0.06891)):
        for point in (low, high):
            below, above = lifetable.a0_andreev_kingkade(np.array([point - 1e-9, point]), sex)
            assert below == pytest.approx(above, abs=3e-4)
    # Low infant mortality (m0 = 0.005): a0 of about 0.14 for both sexes.
    assert lifetable.a0_andreev_kingkade(0.005, "male") == pytest.approx(0.1393, abs=1e-4)


def test_vectorised_over_leading_axes():
    rng = np.random.default_rng(1)
    mx = rng.uniform(0.001, 0.3, size=(3, 2, 101))
    sex = np.array([["female", "male"]] * 3)
    stacked = lifetable.life_table(mx, sex)["ex"]
    single = lifetable.life_table(mx[2, 1], "male")["ex"]
    np.testing.assert_allclose(stacked[2, 1], single)


def test_bad_mx_raises():
    from oloy_model import OloyInputError

    with pytest.raises(OloyInputError, match="non-negative"):
        lifetable.life_table(np.full(101, -0.1), "male")
    with pytest.raises(OloyInputError, match="open-age"):
        lifetable.life_table(np.zeros(101), "male")
