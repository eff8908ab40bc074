"""Figures: recipes plot exactly the numbers they return; plot functions are ax-in/ax-out."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import oloy_model as om
from oloy_model.reporting import figures, plotting, style


pytestmark = pytest.mark.slow  # every test here draws the full run's figures or writes its workbook


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


def test_gap_heatmaps_share_one_scale_per_quantity_and_show_rates(results):
    figure, data = figures.gap_heatmaps(results[0], "elderly_beds")
    images = [ax.images[0] for ax in figure.axes if ax.images]
    assert len(images) == 4
    absolute, rates = images[:2], images[2:]
    for pair, column in ((absolute, "gap"), (rates, "gap_per_1000")):
        assert pair[0].norm.vmax == pair[1].norm.vmax == pytest.approx(data[column].abs().max())
        assert pair[0].norm.vmin == pair[1].norm.vmin == -pair[0].norm.vmax
    pop = results[0].projection.population
    old = pop[pop["age"] >= 60].groupby(["region", "year"], observed=True)["population"].sum()
    row = data[(data.basis == "norm") & (data.year == 2030)].iloc[0]
    assert row["gap_per_1000"] == pytest.approx(1000 * row["gap"] / old.loc[(row["region"], 2030)])
    expected = data[data.basis == "uptake"].pivot_table(index="region", columns="year", values="gap_per_1000")
    np.testing.assert_allclose(np.asarray(rates[1].get_array()), expected.to_numpy())
    labels = [ax.get_ylabel() for ax in figure.axes if not ax.images]  # the colour bars
    assert len(labels) == 2 and "床位 beds" in labels[0] and "per 1,000 aged 60+" in labels[1]


def test_capacity_figure_marks_estimated_years_and_no_additions(results):
    figure, _ = figures.capacity_vs_demand(results[0], "nursing_beds")
    assert [ax.get_legend() for ax in figure.axes] == [None] * 12 and len(figure.legends) == 1
    labels = [t.get_text() for t in figure.legends[0].get_texts()]
    assert plotting.ESTIMATED_LABEL in labels and plotting.NO_ADDITIONS_LABEL in labels
    for ax in figure.axes:
        spans = [p for p in ax.patches if p.get_label() == plotting.ESTIMATED_LABEL]
        assert len(spans) == 1 and spans[0].get_x() == 2020 and spans[0].get_width() == 5
    assert "床位 beds" in figure.get_supylabel()


@pytest.fixture(scope="module")
def drawn(results):
    """The baseline's figure set, laid out (Agg canvas) so extents are known."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    items = figures.figure_set(results[:1])
    for _, _, figure, _ in items:
        FigureCanvasAgg(figure)
        with style.figure_style():
            figure.draw_without_rendering()
    return items


@pytest.mark.parametrize("recipe", ["older_population", "births_and_young", "pyramid_counties",
                                    "capacity_vs_demand_childcare_places"])
def test_multi_panel_figures_have_one_legend_outside_the_panels(drawn, recipe):
    figure = next(figure for _, name, figure, _ in drawn if name == recipe)
    assert len(figure.legends) == 1 and all(ax.get_legend() is None for ax in figure.axes)
    panels = [ax for ax in figure.axes if ax.get_visible()]
    legend_top = figure.legends[0].get_window_extent(figure.canvas.get_renderer()).y1
    assert all(legend_top <= ax.get_window_extent().y0 + 1 for ax in panels)  # below every panel


def test_every_panel_axis_has_a_label_with_units(drawn):
    for _, name, figure, _ in drawn:
        for ax in figure.axes:
            if ax.get_label() == "<colorbar>":
                assert ax.get_ylabel(), (name, "colour bar")
                continue
            ticks = [t.get_text() for t in ax.get_yticklabels()]
            counties = bool(ticks) and set(ticks) <= set(figures.county_names().values())
            assert ax.get_ylabel() or figure.get_supylabel() or counties or not ax.get_subplotspec().is_first_col(), \
                (name, ax.get_title())
            bottom = ax.get_subplotspec().is_last_row() if ax.get_subplotspec() else True
            assert ax.get_xlabel() or not bottom, name


def test_county_grid_is_sized_from_the_number_of_counties(results):
    """Seven counties: a 3 x 3 grid with two cells hidden, a shorter figure, x labels on the
    lowest panel of each column (issue 16: no fixed 4 x 3 grid)."""
    from types import SimpleNamespace

    full = results[0]
    seven = sorted(set(figures.county_names()) - {figures.PREFECTURE})[:7]
    subset = SimpleNamespace(gaps=full.gaps[full.gaps["region"].isin(seven + [figures.PREFECTURE])],
                             scenario=full.scenario)
    figure, data = figures.capacity_vs_demand(subset, "elderly_beds")
    twelve, _ = figures.capacity_vs_demand(full, "elderly_beds")
    visible = [ax for ax in figure.axes if ax.get_visible()]
    assert data["region"].nunique() == 7 and len(visible) == 7 and len(figure.axes) == 9
    assert figure.get_figheight() < twelve.get_figheight()
    labelled = [ax for ax in visible if ax.get_xlabel()]
    assert len(labelled) == 3 and all(ax.xaxis.get_tick_params()["labelbottom"] for ax in labelled)


def test_figures_with_the_same_numbers_share_a_key(results):
    """The fertility variant leaves the elderly-care figures unchanged, not the childcare ones."""
    from oloy_model.reporting.render import share

    share(results)
    jobs = {(job[0], job[1]): job for job in figures.figure_jobs(results)}
    key = lambda scenario, name: figures.figure_key(jobs[(scenario, name)])  # noqa: E731
    other = results[1].scenario.name
    assert key("baseline", "capacity_vs_demand_elderly_beds") == key(other, "capacity_vs_demand_elderly_beds")
    assert key("baseline", "capacity_vs_demand_childcare_places") != key(other, "capacity_vs_demand_childcare_places")
    assert key("baseline", "pyramid_counties") != key(other, "pyramid_counties")
    assert key("all", "older_population") == "all/older_population"


def test_a_shared_figure_names_every_scenario(results):
    figure, _ = figures.gap_heatmaps(results[0], "elderly_beds", label="baseline, three_child_support")
    assert "(baseline, three_child_support)" in figure.get_suptitle()
    assert "(baseline)" in figures.gap_heatmaps(results[0], "elderly_beds")[0].get_suptitle()
