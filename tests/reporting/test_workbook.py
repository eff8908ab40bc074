"""The workbook as circulated: names, whole-number counts, formats, frozen headers, filters, README."""
from __future__ import annotations

import re

import openpyxl
import pandas as pd
import pytest

from oloy_model.reporting import digest
from oloy_model.planning.result import run
from oloy_model.runner import run_scenarios

pytestmark = pytest.mark.slow  # every test here draws the full run's figures or writes its workbook


NAMES = ["baseline", "three_child_support"]
CHINESE = re.compile("[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return run_scenarios(NAMES, tmp_path_factory.mktemp("wb") / "out", figures=False, progress=lambda m: None)


@pytest.fixture(scope="module")
def book(folder):
    return openpyxl.load_workbook(folder / "oloy_results.xlsx")


def _table(sheet) -> tuple[int, list[str]]:
    """Header row number and column names of a sheet's table (the filtered range)."""
    header = int(re.match(r"A(\d+):", sheet.auto_filter.ref).group(1))
    return header, [c.value for c in sheet[header]]


def test_opens_on_the_summary_then_readme(book):
    assert book.sheetnames[:3] == ["summary", "README", "county_summary"]
    assert book.active.title == "summary"


def test_summary_sentences_quote_the_gaps(book):
    results = [run(name) for name in NAMES]
    lines = [row[0] for row in book["summary"].iter_rows(min_row=2, values_only=True)]
    comparison = digest.scenario_comparison(results)
    expected = digest.summary_sentences(digest.county_digest(results), comparison, "baseline")
    assert lines[:2 * len(expected)] == [line for pair in expected for line in pair]
    assert CHINESE.search(lines[0]) and lines[1].startswith("Elderly")
    gaps = results[0].gaps
    value = gaps[(gaps["region"] == "532900") & (gaps["year"] == 2030) & (gaps["service"] == "nursing_beds")
                 & (gaps["basis"] == "norm")]["gap"].iloc[0]
    assert f"{abs(value):,.0f} in 2030" in lines[3]
    assert book["summary"]["A2"].alignment.wrap_text


def test_county_summary_sheet_is_the_digest(book):
    results = [run(name) for name in NAMES]
    expected = digest.county_digest(results)
    sheet = book["county_summary"]
    header, columns = _table(sheet)
    rows = list(sheet.iter_rows(min_row=header + 1, values_only=True))
    assert len(rows) == len(expected)
    for row, (_, want) in zip(rows, expected.iterrows()):
        cell = dict(zip(columns, row))
        assert cell["region"] == want["region"] and cell["region_name_zh"] == want["region_name_zh"]
        assert cell["gap_2030"] == round(want["gap_2030"]) and isinstance(cell["gap_2030"], int)
        assert cell["gap_2035"] == round(want["gap_2035"])


def test_every_sheet_names_counties_in_both_languages_and_freezes_and_filters(book):
    for sheet in book.worksheets:
        header, columns = _table(sheet)
        assert sheet.freeze_panes is not None and int(re.sub(r"\D", "", sheet.freeze_panes)) == header + 1
        if "region" not in columns:
            continue
        zh, en = columns.index("region_name_zh"), columns.index("region_name_en")
        for row in sheet.iter_rows(min_row=header + 1, values_only=True):
            assert CHINESE.search(row[zh]) and row[en] and not CHINESE.search(row[en]), (sheet.title, row)


def test_counts_are_integer_cells_and_rates_one_decimal(book):
    sheet = book["gaps"]
    header, columns = _table(sheet)
    for year in range(2020, 2051, 5):
        for quantity in ("demand", "capacity", "gap"):
            assert f"{quantity}_{year}" in columns
        assert f"cost_to_close_{year}_10k_yuan" in columns
    counts = [i for i, c in enumerate(columns) if c.startswith(("demand_", "capacity_", "gap_", "cost_"))]
    for row in sheet.iter_rows(min_row=header + 1, values_only=True):
        assert all(isinstance(row[i], int) for i in counts)
    assert sheet.cell(row=header + 1, column=counts[0] + 1).number_format == "#,##0"
    indicators = book["indicators"]
    header, columns = _table(indicators)
    values = [r[columns.index("value")] for r in indicators.iter_rows(min_row=header + 1, values_only=True)]
    assert all(round(v, 1) == v for v in values if v is not None)
    assert any(v != round(v) for v in values if v is not None)  # ratios keep their decimal


def test_shortfalls_are_shaded(book):
    sheet = book["gaps"]
    ranges = [str(r.sqref) for r in sheet.conditional_formatting]
    _, columns = _table(sheet)
    from openpyxl.utils import get_column_letter

    letter = get_column_letter(columns.index("gap_2030") + 1)
    assert any(r.startswith(f"{letter}") for r in ranges)


def test_readme_explains_every_column(book):
    rows = list(book["README"].values)
    readme = pd.DataFrame(rows[1:], columns=rows[0])
    described = {(s, c) for s, c, d in zip(readme["sheet"], readme["column"], readme["description"]) if d}
    for sheet in book.worksheets[2:] + [book["summary"]]:  # README itself excluded
        _, columns = _table(sheet)
        missing = [c for c in columns if (sheet.title, c) not in described]
        assert missing == [], sheet.title


def test_csvs_keep_full_precision_and_gain_names(folder):
    table = pd.read_csv(folder / "baseline" / "gaps.csv", dtype={"region": str})
    assert list(table.columns[:4]) == ["scenario", "region", "region_name_zh", "region_name_en"]
    result = run("baseline")
    pd.testing.assert_series_equal(table["gap"], result.gaps["gap"], check_exact=False, atol=1e-6)
    assert (table["gap"] != table["gap"].round()).any()
    columns = pd.read_csv(folder / "columns.csv")
    assert columns[columns["column"] == "place_years_short"]["description"].str.contains("Sum").all()
