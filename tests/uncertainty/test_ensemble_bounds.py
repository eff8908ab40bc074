"""Ensemble bounds: chunk-size invariance, the maximum number of draws, argument checks."""
from __future__ import annotations

import numpy as np
import pytest

import oloy_model as om
from oloy_model.uncertainty import ensemble as ens
from oloy_model.uncertainty import stochastic
from oloy_model.cli import build_parser, main


@pytest.fixture(scope="module")
def scenario():
    return om.load_scenario("baseline")


@pytest.fixture(scope="module")
def by_chunk(scenario):
    """The same 12 draws cut into chunks of 1, 7 and all at once."""
    return {chunk: om.simulate(scenario, draws=12, seed=5, chunk_size=chunk) for chunk in (1, 7, 12)}


@pytest.mark.parametrize("chunk", [1, 7])
def test_chunk_size_does_not_change_a_single_bit(by_chunk, chunk):
    whole, cut = by_chunk[12], by_chunk[chunk]
    np.testing.assert_array_equal(cut.stats, whole.stats)
    np.testing.assert_array_equal(cut.uptake_noise, whole.uptake_noise)
    for table in ("quantiles", "gap_probabilities", "demand_quantiles"):
        pd_cut, pd_whole = getattr(cut, table)(), getattr(whole, table)()
        assert pd_cut.equals(pd_whole), table


def test_a_draw_does_not_depend_on_how_many_follow(scenario, by_chunk):
    """Draws 0..4 of a 5-draw run are draws 0..4 of the 12-draw run (fixed per-block streams)."""
    fewer = om.simulate(scenario, draws=5, seed=5)
    np.testing.assert_array_equal(fewer.stats, by_chunk[12].stats[:5])


def test_noise_is_the_same_across_a_block_boundary():
    """Chunks straddling the block edge get the same numbers as the whole blocks."""
    p = {"fertility_ar": 0.3, "fertility_sd": 0.05, "county_fertility_ar": 0.5, "county_fertility_sd": 0.02,
         "e0_sd": 0.1, "migration_ar": 0.7, "migration_annual_sd": 0.1, "migration_level_sd": 0.3, "uptake_sd": 0.2}
    block = stochastic.NOISE_BLOCK
    whole = stochastic.draw_noise(3, 0, 2 * block, 4, ["532901", "532922"], p)
    cut = stochastic.draw_noise(3, block - 2, block + 3, 4, ["532901", "532922"], p)
    for key, value in whole.items():
        np.testing.assert_array_equal(cut[key], value[block - 2:block + 3])
    assert not np.array_equal(whole["tfr"][0], whole["tfr"][block])  # the blocks' streams differ


def test_gap_draws_are_demand_minus_capacity_and_blocks_do_not_change_tables(by_chunk, monkeypatch):
    ensemble = by_chunk[12]
    gaps = ensemble.gap_draws
    assert gaps.shape == (12, ensemble.years.size, len(ensemble.regions), 3, 2)
    table = ensemble.gap_probabilities()
    monkeypatch.setattr(ens, "OUTPUT_WORKING_BYTES", 1)  # one year per block
    assert len(ensemble._year_blocks()) == ensemble.years.size
    assert ensemble.gap_probabilities().equals(table)


def test_numpy_integers_are_accepted_and_give_the_same_numbers(scenario, by_chunk):
    ensemble = om.simulate(scenario, draws=np.int64(12), seed=np.int64(5), chunk_size=np.int32(12))
    assert type(ensemble.draws) is int and type(ensemble.seed) is int
    np.testing.assert_array_equal(ensemble.stats, by_chunk[12].stats)
    assert om.simulate(scenario, draws=np.uint8(2), seed=np.uint32(5)).draws == 2


def test_memory_budget_and_maxima():
    """The kept arrays of the maximum fit in the bound with room for the overhead and the
    working arrays (benchmarks/bench_ensemble_memory.py measures the whole peak)."""
    assert ens.KEPT_BYTES < 0.8 * ens.MEMORY_BOUND
    assert ens.max_draws() == ens.MAX_DRAWS == 100_000  # 2020-2050, 12 counties
    assert ens.max_draws(81) == ens.KEPT_BYTES // ((81 * 13 * 7 + 2) * 8) == 38_993  # horizon 2100
    assert ens.max_draws(keep_cells=True) == ens.KEPT_BYTES // ((31 * 13 * 7 + 2) * 8 + 31 * 12 * 202 * 8) == 3_687
    help_text = " ".join(build_parser()._subparsers._group_actions[0].choices["run"].format_help().split())
    assert f"{ens.MAX_DRAWS:,}" in help_text and f"{ens.MEMORY_BOUND / 2**30:.0f} GiB" in help_text


def _names_value(message: str, value) -> bool:
    shown = {repr(value), str(value)} | ({f"{int(value):,}"} if isinstance(value, (int, np.integer)) else set())
    return any(f"={text}" in message for text in shown)


BAD_DRAWS = [True, False, 0, -1, 1.5, 50.0, "abc", "50", None, [5], np.float64(5.0), np.bool_(True), np.int64(-3),
             ens.MAX_DRAWS + 1, 10**9]
BAD_SEEDS = [-1, 1.5, "abc", "1", True, None, 2.0, np.int64(-1), np.float32(1.0)]
BAD_CHUNKS = [0, -5, 2.5, True, "10"]
BAD_KEEP_CELLS = ["yes", 1, None]


@pytest.mark.parametrize("draws", BAD_DRAWS, ids=repr)
def test_bad_draws_is_an_input_error_naming_the_value(scenario, draws):
    with pytest.raises(om.OloyInputError, match=r"draws=") as caught:
        om.simulate(scenario, draws=draws)
    assert _names_value(str(caught.value), draws)


@pytest.mark.parametrize("seed", BAD_SEEDS, ids=repr)
def test_bad_seed_is_an_input_error_naming_the_value(scenario, seed):
    with pytest.raises(om.OloyInputError, match=r"seed=") as caught:
        om.simulate(scenario, draws=2, seed=seed)
    assert _names_value(str(caught.value), seed)


@pytest.mark.parametrize("chunk", BAD_CHUNKS, ids=repr)
def test_bad_chunk_size_is_an_input_error(scenario, chunk):
    with pytest.raises(om.OloyInputError, match=r"chunk_size="):
        om.simulate(scenario, draws=2, chunk_size=chunk)


@pytest.mark.parametrize("keep_cells", BAD_KEEP_CELLS, ids=repr)
def test_bad_keep_cells_is_an_input_error(scenario, keep_cells):
    with pytest.raises(om.OloyInputError, match=r"keep_cells="):
        om.simulate(scenario, draws=2, keep_cells=keep_cells)


def test_too_many_draws_names_the_maximum_and_the_reason(scenario):
    with pytest.raises(om.OloyInputError) as caught:
        om.simulate(scenario, draws=10**9)
    message = str(caught.value)
    assert "draws=1,000,000,000" in message and "maximum of 100,000" in message and "memory" in message
    with pytest.raises(om.OloyInputError, match="keep_cells"):
        om.simulate(scenario, draws=ens.max_draws(keep_cells=True) + 1, keep_cells=True)


def test_a_later_horizon_lowers_the_maximum(scenario):
    late = scenario.with_values({"projection.horizon": 2100})
    with pytest.raises(om.OloyInputError, match="draws=50,000 is above the maximum of 38,993 draws for 81 years"):
        om.simulate(late, draws=50_000)


def test_unknown_quantity_is_an_input_error(by_chunk):
    with pytest.raises(om.OloyInputError, match="'deaths'"):
        by_chunk[12].quantiles(["deaths"])


@pytest.mark.parametrize("arguments, expected", [
    (["--draws", "5", "--seed", "-1"], "--seed -1"),
    (["--seed", "-1"], "--seed -1"),
    (["--draws", "-1"], "--draws -1"),
    (["--draws", "1000000000"], "--draws 1,000,000,000 is above the maximum of 100,000"),
    (["--draws", str(ens.MAX_DRAWS + 1)], "--draws 100,001"),
    (["--draws", "abc"], "--draws: invalid int value: 'abc'"),
    (["--draws", "1.5"], "--draws: invalid int value: '1.5'"),
    (["--seed", "abc"], "--seed: invalid int value: 'abc'"),
])
def test_cli_bad_draws_or_seed_exits_2_before_computing(tmp_path, capsys, monkeypatch, arguments, expected):
    def must_not_run(*args, **kwargs):
        raise AssertionError("the scenarios were run before the arguments were checked")

    monkeypatch.setattr("oloy_model.runner.run_scenarios", must_not_run)
    out = tmp_path / "out"
    try:
        status = main(["run", "baseline", "--no-figures", "--out", str(out), *arguments])
    except SystemExit as exited:  # argparse's own type errors
        status = exited.code
    error = capsys.readouterr().err
    assert status == 2 and expected in error and "Traceback" not in error
    assert not out.exists()


def test_cli_refuses_draws_beyond_the_maximum_of_a_later_horizon(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("oloy_model.runner.run_scenarios", lambda *a, **k: pytest.fail("ran before checking"))
    late = tmp_path / "late.toml"
    late.write_text('name = "late"\nextends = "baseline"\n\n[projection]\nhorizon = 2100\n', encoding="utf-8")
    assert main(["run", str(late), "--draws", "50000", "--out", str(tmp_path / "out")]) == 2
    assert "late: --draws 50,000 is above the maximum of 38,993 draws for 81 years" in capsys.readouterr().err
