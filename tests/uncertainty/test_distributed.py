"""The ensemble on Dask: partition-invariant streams, subsets, and distributed == in-process bit for bit."""
from __future__ import annotations

import numpy as np
import pytest

import oloy_model as om
from oloy_model.cli import main
from oloy_model.uncertainty import distributed as dist
from oloy_model.uncertainty import stochastic
from oloy_model.uncertainty.ensemble import STAT_NAMES

TABLES = ("quantiles", "gap_probabilities", "demand_quantiles")
P = {"fertility_ar": 0.3, "fertility_sd": 0.05, "county_fertility_ar": 0.5, "county_fertility_sd": 0.02,
     "e0_sd": 0.1, "migration_ar": 0.7, "migration_annual_sd": 0.1, "migration_level_sd": 0.3, "uptake_sd": 0.2}


@pytest.fixture(scope="module")
def reference():
    """The in-process ensemble of Dali's 12 counties: 24 draws, seed 4."""
    return om.simulate("baseline", draws=24, seed=4)


def test_a_countys_noise_does_not_depend_on_the_other_counties():
    full = stochastic.block_noise(9, 1, 5, ["532901", "532922", "532923"], P)
    alone = stochastic.block_noise(9, 1, 5, ["532923"], P)
    for key in ("county_tfr", "migration_level", "migration_annual"):
        np.testing.assert_array_equal(alone[key][:, 0], full[key][:, 2], err_msg=key)
        assert not np.array_equal(full[key][:, 0], full[key][:, 2]), key  # counties have their own streams
    for key in ("tfr", "e0", "uptake"):  # the common factors: the same whichever counties
        np.testing.assert_array_equal(alone[key], full[key], err_msg=key)


def test_a_subset_simulation_equals_the_full_rows(reference):
    subset = om.simulate("baseline", draws=24, seed=4, regions=["532932", "532901", "532922"])
    assert subset.regions == ["532901", "532922", "532932", "532900"]  # the area's order, then the total
    positions = [reference.regions.index(code) for code in subset.regions[:-1]]
    np.testing.assert_array_equal(subset.stats[:, :, :-1], reference.stats[:, :, positions])
    np.testing.assert_array_equal(subset.uptake_noise, reference.uptake_noise)
    np.testing.assert_allclose(subset.stats[:, :, -1], reference.stats[:, :, positions].sum(axis=2), rtol=1e-15)
    rows = reference.gap_probabilities().query("region == '532922'").reset_index(drop=True)
    assert subset.gap_probabilities().query("region == '532922'").reset_index(drop=True).equals(rows)


@pytest.mark.parametrize("regions", [[], ["999999"], "532901", ["532901", "532900"]], ids=repr)
def test_unknown_or_empty_regions_is_an_input_error(regions):
    with pytest.raises(om.OloyInputError, match="regions="):
        om.simulate("baseline", draws=2, regions=regions)


@pytest.mark.parametrize("draws, counties", [(1, 1), (2500, 12), (2500, 180), (999, 1000)])
def test_draw_ranges_cover_every_draw_within_blocks_and_the_result_bound(draws, counties):
    ranges = dist.draw_ranges(draws, counties, 31)
    assert [start for start, _ in ranges] == [0] + [stop for _, stop in ranges[:-1]] and ranges[-1][1] == draws
    block = stochastic.NOISE_BLOCK
    assert all(start // block == (stop - 1) // block for start, stop in ranges)  # never across a block edge
    per_draw = 31 * counties * len(STAT_NAMES) * 8
    assert all((stop - start) * per_draw <= max(dist.TASK_RESULT_BYTES, per_draw) for start, stop in ranges)


def test_a_partition_task_equals_the_in_process_rows(reference):
    """The task function itself (no cluster): a prefecture-sized slice of the projector."""
    projector, _, _ = dist.prepare(om.load_scenario("baseline"))
    positions = [3, 7]
    stats, uptake = dist.project_partition(projector.subset(positions), 4, 5, 24)
    np.testing.assert_array_equal(stats, reference.stats[5:24, :, positions])
    np.testing.assert_array_equal(uptake, reference.uptake_noise[5:24])


@pytest.mark.slow  # starts Dask LocalClusters of worker processes (about 5 s each)
@pytest.mark.parametrize("workers, partition", [(1, "prefecture"), (2, "county")])
def test_distributed_equals_in_process_bit_for_bit(reference, workers, partition):
    pytest.importorskip("distributed")
    ensemble = dist.simulate_distributed("baseline", draws=24, seed=4, n_workers=workers, partition=partition)
    assert ensemble.regions == reference.regions
    np.testing.assert_array_equal(ensemble.stats, reference.stats)
    np.testing.assert_array_equal(ensemble.uptake_noise, reference.uptake_noise)
    for table in TABLES:
        assert getattr(ensemble, table)().equals(getattr(reference, table)()), table


def test_cli_dask_without_draws_exits_2(tmp_path, capsys):
    assert main(["run", "baseline", "--dask", "--no-figures", "--out", str(tmp_path / "out")]) == 2
    assert "--dask local: no draws to distribute" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
