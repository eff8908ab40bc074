"""Bundled data: checksums, provenance on every row, pinned reference values."""
from __future__ import annotations

import shutil

import pandas as pd
import pytest

import oloy_model as om
from oloy_model.base.resources import QUALITY_TAGS
from oloy_model.base import resources


def test_manifest_covers_every_file_and_matches():
    root = resources.data_dir()
    listed = set(resources.read_manifest(root))
    present = {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()} - {"MANIFEST.sha256"}
    assert listed == present
    assert om.verify_data() == []


@pytest.mark.parametrize("mode", ["change", "truncate"])
def test_damaged_file_is_reported_by_name(tmp_path, mode):
    copy = tmp_path / "data"
    shutil.copytree(resources.data_dir(), copy)
    target = copy / "census7" / "population_by_age_group.csv"
    raw = bytearray(target.read_bytes())
    if mode == "change":
        raw[200] = ord("9") if raw[200] != ord("9") else ord("8")
    else:
        raw = raw[: len(raw) // 2]
    target.write_bytes(bytes(raw))
    with pytest.raises(om.OloyInputError, match=r"census7/population_by_age_group\.csv: checksum mismatch"):
        resources.read_bundled("census7/population_by_age_group.csv", root=copy)
    problems = om.verify_data(copy)
    assert len(problems) == 1 and "population_by_age_group.csv" in problems[0]


def test_every_row_has_source_and_quality():
    root = resources.data_dir()
    sources = set(pd.read_csv(root / "sources.csv")["source_id"])
    for relative in resources.read_manifest(root):
        if not relative.endswith(".csv") or relative in ("sources.csv", "columns_zh.csv"):
            continue
        table = resources.read_bundled(relative)
        assert {"source", "quality"} <= set(table.columns), relative
        assert table["source"].notna().all() and table["quality"].notna().all(), relative
        used = {s for cell in table["source"] for s in str(cell).split(";")}
        assert used <= sources, (relative, used - sources)
        tags = {t for cell in table["quality"] for t in str(cell).split(";")}
        assert tags <= QUALITY_TAGS, relative


def test_counties_sum_to_prefecture_in_every_cell():
    county = om.census_age_groups(2020).groupby(["sex", "age_start"])["population"].sum()
    prefecture = om.census_age_groups(2020, level="prefecture").set_index(["sex", "age_start"])["population"]
    pd.testing.assert_series_equal(county.sort_index(), prefecture.sort_index(), check_names=False)


def test_pinned_values():
    # WPP 2024 China (CC BY 3.0 IGO): TFR 2020 1.236 and 2023 0.999; e0 2020 male 75.25 and
    # female 81.00 (data brief section 4); SRB 2020 1.112. Tolerance: the published rounding.
    tfr = resources.read_bundled("wpp2024/tfr.csv").set_index(["year", "variant"])["tfr"]
    assert tfr[(2020, "estimate")] == pytest.approx(1.236, abs=5e-4)
    assert tfr[(2023, "estimate")] == pytest.approx(0.999, abs=5e-4)
    assert tfr[(2030, "medium")] == pytest.approx(1.061, abs=5e-4)
    e0 = resources.read_bundled("wpp2024/e0.csv").set_index(["year", "sex", "variant"])["e0"]
    assert e0[(2020, "male", "estimate")] == pytest.approx(75.25, abs=5e-3)
    assert e0[(2020, "female", "estimate")] == pytest.approx(81.00, abs=5e-3)
    srb = resources.read_bundled("wpp2024/srb.csv").set_index("year")["srb"]
    assert srb[2020] == pytest.approx(1.112, abs=5e-4)
    # 2010 census-year crude rates for Dali prefecture: CBR 10.93, CDR 6.32 per 1,000 (data brief section 2).
    ind = resources.read_bundled("census6/indicators.csv")
    row = ind[(ind.region == "532900")].set_index("indicator")["value"]
    assert row["crude_birth_rate"] == pytest.approx(10.93) and row["crude_death_rate"] == pytest.approx(6.32)
    ceb = resources.read_bundled("census7/indicators.csv")
    ceb = ceb[ceb.indicator == "children_ever_born_per_woman_15_64"].set_index("region")["value"]
    assert ceb["532901"] == pytest.approx(1.16) and ceb["532900"] == pytest.approx(1.37)


def test_bulletin_agrees_with_tabulation():
    bulletin = resources.read_bundled("census7/bulletin.csv").set_index("item")["value"]
    groups = om.census_age_groups(2020)
    assert bulletin["resident_population"] == groups["population"].sum()
    assert bulletin["population_60plus"] == groups.loc[groups.age_start >= 60, "population"].sum()
    assert bulletin["population_65plus"] == groups.loc[groups.age_start >= 65, "population"].sum()
    assert round(100 * bulletin["population_60plus"] / bulletin["resident_population"], 2) == bulletin["share_60plus"]


def test_data_checksum_ignores_documentation(tmp_path):
    copy = tmp_path / "data"
    shutil.copytree(resources.data_dir(), copy)
    original = resources.data_checksum(copy)
    manifest = copy / "MANIFEST.sha256"
    lines = manifest.read_text(encoding="utf-8").splitlines()
    readme = [i for i, line in enumerate(lines) if line.endswith("  README.md")][0]
    lines[readme] = "0" * 64 + "  README.md"
    manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")
    resources.read_manifest.cache_clear()
    assert resources.data_checksum(copy) == original
    table = [i for i, line in enumerate(lines) if line.endswith("census7/bulletin.csv")][0]
    lines[table] = "1" * 64 + "  census7/bulletin.csv"
    manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")
    resources.read_manifest.cache_clear()
    assert resources.data_checksum(copy) != original
