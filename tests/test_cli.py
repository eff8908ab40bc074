"""The `oloy` command: exit codes, deterministic outputs, atomic and non-destructive writes."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from oloy_model.cli import main

SCENARIOS = ["baseline", "three_child_support"]


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("runs")
    assert main(["run", *SCENARIOS, "--out", str(root / "a")]) == 0
    assert main(["run", *SCENARIOS, "--out", str(root / "b")]) == 0
    return root / "a", root / "b"


@pytest.mark.slow
def test_outputs_are_byte_identical(two_runs):
    first, second = two_runs
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert any(p.suffix == ".csv" for p in files) and any(p.suffix == ".xlsx" for p in files)
    for relative in files:
        if relative.name == "manifest.json":
            continue
        assert (first / relative).read_bytes() == (second / relative).read_bytes(), relative


@pytest.mark.slow
def test_manifest_lists_files_hashes_and_provenance(two_runs):
    manifest = json.loads((two_runs[0] / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["version"] and len(manifest["data_checksum"]) == 64
    assert [s["name"] for s in manifest["scenarios"]] == SCENARIOS
    assert all(len(s["content_hash"]) == 64 for s in manifest["scenarios"])
    listed = {f["path"] for f in manifest["files"]}
    assert "baseline/population.csv" in listed and "oloy_results.xlsx" in listed


@pytest.mark.slow
def test_existing_folder_is_not_touched_without_force(two_runs, capsys):
    first, _ = two_runs
    before = {p: p.stat().st_mtime_ns for p in first.rglob("*")}
    assert main(["run", "baseline", "--out", str(first)]) == 2
    assert "already exists; nothing was changed" in capsys.readouterr().err
    assert {p: p.stat().st_mtime_ns for p in first.rglob("*")} == before


@pytest.mark.slow
def test_force_replaces(tmp_path):
    out = tmp_path / "out"
    assert main(["run", "baseline", "--out", str(out)]) == 0
    (out / "stray.txt").write_text("old", encoding="utf-8")
    assert main(["run", "baseline", "--out", str(out), "--force"]) == 0
    assert not (out / "stray.txt").exists() and (out / "baseline" / "population.csv").exists()


def test_failed_run_leaves_no_folder(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text("[fertility]\ntfr_variant = 'none'\n", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["run", "baseline", str(bad), "--out", str(out)]) == 2
    assert not out.exists() and not list(tmp_path.glob(".out*"))
    assert "fertility.tfr_variant" in capsys.readouterr().err


@pytest.mark.slow
def test_entry_point_exit_codes_without_traceback(tmp_path):
    command = [sys.executable, "-m", "oloy_model.cli"]
    ok = subprocess.run(command + ["validate", "baseline"], capture_output=True, text=True)
    assert ok.returncode == 0 and "valid: baseline" in ok.stdout
    bad = subprocess.run(command + ["validate", str(tmp_path / "missing.toml")], capture_output=True, text=True)
    assert bad.returncode == 2 and "not found" in bad.stderr and "Traceback" not in bad.stderr


@pytest.mark.parametrize("command", ["run", "plan"])
def test_seed_without_draws_is_an_error(tmp_path, capsys, command):
    out = tmp_path / "out"
    assert main([command, "baseline", "--seed", "7", "--out", str(out)]) == 2
    assert "--seed 7 without draws (--draws is 0" in capsys.readouterr().err and not out.exists()


@pytest.mark.slow
def test_figures_equal_across_scenarios_are_drawn_once_and_embedded_once(two_runs):
    """three_child_support changes births only: its elderly-care figures are the baseline's,
    copied to both folders, titled with both, and embedded once in report.html."""
    import base64

    import pandas as pd

    figures = two_runs[0] / "figures"
    name = "capacity_vs_demand_elderly_beds"
    assert (figures / "baseline" / f"{name}.png").read_bytes() == (figures / SCENARIOS[1] / f"{name}.png").read_bytes()
    childcare = "capacity_vs_demand_childcare_places.png"
    assert (figures / "baseline" / childcare).read_bytes() != (figures / SCENARIOS[1] / childcare).read_bytes()
    meta = json.loads((figures / SCENARIOS[1] / f"{name}.json").read_text(encoding="utf-8"))
    assert sorted(meta["scenarios"]) == sorted(SCENARIOS) and ", ".join(SCENARIOS) in meta["title"]
    index = pd.read_csv(figures / "index.csv")
    assert len(index[index["figure"] == name]) == 2
    html = (two_runs[0] / "report.html").read_text(encoding="utf-8")
    pngs = {p.read_bytes() for p in figures.rglob("*.png")}
    assert html.count("data:image/png;base64,") == len(pngs)
    shared = base64.b64encode((figures / "baseline" / f"{name}.png").read_bytes()).decode("ascii")
    assert html.count(shared) == 1 and html.count('<use href="#img-') >= 2


def test_the_area_of_a_run_comes_from_the_files_or_from_area_and_never_both_silently(tmp_path, capsys):
    """A file that states projection.area runs as that area's run; --area naming another area,
    or files of two areas in one run, are refused before any work (exit 2, file and key named)."""
    from oloy_model.cli import main, run_area_of

    dehong = tmp_path / "dehong.toml"
    dehong.write_text('name = "dehong"\nextends = "baseline.toml"\n[projection]\narea = "533100"\n', encoding="utf-8")
    assert run_area_of(None, [str(dehong)]) == "533100"
    assert run_area_of("533100", [str(dehong), "baseline"]) == "533100"
    assert run_area_of(None, ["baseline"]) is None
    assert main(["run", str(dehong), "--area", "530700", "--out", str(tmp_path / "o"), "--no-figures"]) == 2
    assert "dehong.toml" in capsys.readouterr().err
    assert main(["run", str(dehong), "baseline", "--out", str(tmp_path / "o"), "--no-figures"]) == 2
    assert "different areas" in capsys.readouterr().err and not (tmp_path / "o").exists()


def test_validate_names_file_and_key_of_a_bad_area_and_checks_a_ledger_against_that_area(tmp_path, capsys):
    from oloy_model.cli import main

    bad = tmp_path / "bad_area.toml"
    bad.write_text('name = "bad_area"\nextends = "baseline.toml"\n[projection]\narea = "xyz"\n', encoding="utf-8")
    typo = tmp_path / "typo.toml"
    typo.write_text('name = "typo"\nextends = "baseline.toml"\n[fertility]\nlevel_ratoi = 1\n', encoding="utf-8")
    assert main(["validate", str(bad), str(typo)]) == 2
    err = capsys.readouterr().err
    assert "bad_area.toml" in err and "'projection.area'" in err and "'xyz'" in err and "typo.toml" in err
    ledger = tmp_path / "ledger.csv"
    ledger.write_text("id,region,service,type,year,places,status\na,533102,childcare_places,public,2020,50,existing\n",
                      encoding="utf-8")
    good = tmp_path / "dehong.toml"
    good.write_text('name = "dehong"\nextends = "baseline.toml"\n[projection]\narea = "533100"\n'
                    f'[capacity]\nledger_file = "{ledger.name}"\n', encoding="utf-8")
    assert main(["validate", str(good)]) == 0


def test_cli_warnings_show_the_message_not_the_source_line_and_out_expands_home(tmp_path, capsys, monkeypatch):
    """Warnings read `oloy: warning: <message>`; a quoted `~` in --out is the home folder (refused
    with --force like the home folder itself), not a folder named `~`."""
    from oloy_model.cli import main

    empty = tmp_path / "empty.toml"
    empty.write_text("", encoding="utf-8")
    assert main(["validate", str(empty)]) == 0
    err = capsys.readouterr().err
    assert "sets no keys" in err and "extends" in err
    monkeypatch.chdir(tmp_path)
    assert main(["run", "baseline", "--out", "~", "--force", "--no-figures"]) == 2
    assert "home" in capsys.readouterr().err and not (tmp_path / "~").exists()


def test_an_area_run_prints_warnings_as_oloy_warnings(tmp_path, capsys):
    from oloy_model.cli import main

    assert main(["run", "zero_migration", "--area", "533100", "--out", str(tmp_path / "o"), "--no-figures"]) == 0
    err = capsys.readouterr().err
    assert "oloy: warning:" in err and "DemographicWarning" not in err
    written = json.loads((tmp_path / "o" / "zero_migration" / "scenario.json").read_text(encoding="utf-8"))
    assert written["name"] == "zero_migration" and written["resolved_for_the_area"]["projection.area"] == "533100"
    assert written["resolved_for_the_area"]["migration.basis"] == "mixed"
