"""Figures: recipes plot exactly the numbers they return; plot functions are ax-in/ax-out."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import oloy_model as om
from oloy_model import figures, plotting, style


@pytest.fixture(scope="module")
def results():
    return [om.run("baseline"), om.run("three_child_support")]


def test_lines_by_scenario_plots_the_data(results):
    figure, data = figures.births_and_young(results)
    ax = figure.axes[0]
    for line in ax.lines:
        scenario = line.get_label()
        expected = data[(data.scenario == scenario)].dropna(subset=["births"]).sort_values("year")
        np.testing.assert_allclose(line.get_ydata(), expected["births"])
    total = results[0].projection.births.groupby("year")["births"].sum()
    base = data[data.scenario == "baseline"].dropna(subset=["births"]).set_index("year")["births"]
    np.testing.assert_allclose(base.to_numpy(), total.to_numpy())


def test_older_population_shares(results):
    _, data = figures.older_population(results)
    row = data[(data.scenario == "baseline") & (data.year == 2020)].iloc[0]
    assert row["age_60plus"] == pytest.approx(567_828) and row["share_60plus"] == pytest.approx(17.01, abs=0.005)


def test_pyramid_data_and_artists(results):
    figure, data = figures.pyramid_prefecture(results[0])
    assert sorted(data["year"].unique()) == [2020, 2025, 2035]
    assert data[data.year == 2020]["population"].sum() == pytest.approx(3_337_559)
    ax = figure.axes[0]
    # One filled area per sex for the first year, one step line per sex for each later year.
    assert len(ax.collections) == 2 and len(ax.lines) == 2 * 2 + 1  # + the zero line


def test_gap_heatmap_image_is_the_gap_table(results):
    figure, data = figures.gap_heatmaps(results[0], "elderly_beds")
    image = figure.axes[0].images[0].get_array()
    expected = data[data.basis == "norm"].pivot_table(index="region", columns="year", values="gap", sort=True)
    np.testing.assert_allclose(np.asarray(image), expected.to_numpy())
    assert expected.shape == (12, 31)
    # Diverging scale centred on zero: shortfalls and surpluses get opposite colours.
    assert figure.axes[0].images[0].norm.vcenter == 0.0


def test_indicator_attainment_target_lines(results):
    figure, data = figures.indicator_attainment(results[0])
    beds = data[data.indicator == "elderly_beds_per_1000_60plus"].sort_values("year")
    ax = figure.axes[0]
    np.testing.assert_allclose(ax.lines[0].get_ydata(), beds["value"])
    assert ax.lines[1].get_ydata()[0] == pytest.approx(25.0)  # the 2025 target
    assert beds.iloc[0]["value"] == pytest.approx(20.55, abs=0.005)


def test_county_map_values(results):
    figure, data = figures.county_map(results[0], "childcare_places", "norm", 2030)
    gaps = results[0].gaps.query("service == 'childcare_places' and basis == 'norm' and year == 2030 "
                                 "and region != '532900'").set_index("region")["gap"]
    np.testing.assert_allclose(data.set_index("region")["value"].sort_index(), gaps.sort_index())
    offsets = figure.axes[0].collections[0].get_offsets()
    np.testing.assert_allclose(offsets[:, 0], data["lon"])


def test_plot_functions_return_the_axes_and_leave_rcparams_alone():
    import matplotlib
    import matplotlib.pyplot as plt

    before = dict(matplotlib.rcParams)
    figure = matplotlib.figure.Figure()
    ax = figure.subplots()
    data = pd.DataFrame({"scenario": ["a", "a"], "year": [2020, 2021], "v": [1.0, 2.0]})
    assert plotting.lines_by_scenario(data, "v", ax) is ax
    with style.figure_style():
        pass
    assert dict(matplotlib.rcParams) == before
    plt.close("all")


def test_cjk_font_is_available():
    name = style.cjk_font_name()
    assert "CJK" in name or "Noto" in name
    from matplotlib import font_manager

    found = font_manager.findfont(font_manager.FontProperties(family=name), fallback_to_default=False)
    assert found.endswith("NotoSansCJKsc-Regular.otf")
