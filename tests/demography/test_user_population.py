"""Bring-your-own single-year population table: accepted when right, clear errors when not."""
from __future__ import annotations

import re

import pytest

import oloy_model as om


@pytest.fixture()
def good_table(tmp_path, base2020):
    path = tmp_path / "pop.csv"
    base2020.to_csv(path, index=False)
    return path


def _write(tmp_path, frame, name="bad.csv"):
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return path


def test_identical_table_is_accepted_silently(good_table, base2020, recwarn):
    mine = om.base_population(path=good_table)
    assert mine.equals(base2020)
    assert not [w for w in recwarn if issubclass(w.category, om.DemographicWarning)]


def test_partial_table_replaces_only_its_regions(tmp_path, base2020):
    one = base2020[base2020.region == "532922"].copy()
    one.loc[one.age == 30, "population"] += 10.0
    path = _write(tmp_path, one, "one.csv")
    with pytest.warns(om.DemographicWarning, match=r"532922 (female|male) 30-34: census [\d,]+, table [\d,.]+"):
        mine = om.base_population(path=path)
    assert len(mine) == len(base2020)
    assert mine["population"].sum() == pytest.approx(base2020["population"].sum() + 20.0)
    other = mine[mine.region != "532922"].reset_index(drop=True)
    assert other.equals(base2020[base2020.region != "532922"].reset_index(drop=True))


def test_missing_column(tmp_path, base2020):
    path = _write(tmp_path, base2020.drop(columns="sex"))
    with pytest.raises(om.OloyInputError, match=r"bad\.csv: missing column\(s\) \['sex'\]"):
        om.base_population(path=path)


def test_unknown_region(tmp_path, base2020):
    frame = base2020.copy()
    frame.loc[5, "region"] = "532999"
    path = _write(tmp_path, frame)
    with pytest.raises(om.OloyInputError, match=r"bad\.csv: column 'region'.*line 7: '532999'"):
        om.base_population(path=path)


def test_negative_count(tmp_path, base2020):
    frame = base2020.copy()
    frame.loc[[3, 4], "population"] = -1
    path = _write(tmp_path, frame)
    with pytest.raises(om.OloyInputError, match=r"column 'population'.*line 5: '-1\.0', line 6.*>= 0"):
        om.base_population(path=path)


def test_non_numeric_count(tmp_path, base2020):
    frame = base2020.astype({"population": object})
    frame.loc[0, "population"] = "many"
    path = _write(tmp_path, frame)
    with pytest.raises(om.OloyInputError, match=r"column 'population'.*line 2: 'many'.*finite number"):
        om.base_population(path=path)


def test_duplicated_cell(tmp_path, base2020):
    frame = base2020.copy()
    frame.loc[1, "age"] = 0
    path = _write(tmp_path, frame)
    with pytest.raises(om.OloyInputError, match=r"duplicated \(region, sex, age\).*line 2: 532901/female/0"):
        om.base_population(path=path)


def test_age_outside_range(tmp_path, base2020):
    frame = base2020.copy()
    frame.loc[100, "age"] = 101
    path = _write(tmp_path, frame)
    with pytest.raises(om.OloyInputError, match=r"column 'age'.*line 102: '101'.*<= 100"):
        om.base_population(path=path)


def test_incomplete_region(tmp_path, base2020):
    path = _write(tmp_path, base2020.iloc[:-3])
    with pytest.raises(om.OloyInputError, match=r"incomplete regions \(532932: 199 rows\)"):
        om.base_population(path=path)


def test_missing_file(tmp_path):
    with pytest.raises(om.OloyInputError, match=re.escape(str(tmp_path / "nope.csv"))):
        om.base_population(path=tmp_path / "nope.csv")


def test_at_most_five_rows_named(tmp_path, base2020):
    frame = base2020.copy()
    frame["sex"] = "F"
    path = _write(tmp_path, frame)
    with pytest.raises(om.OloyInputError) as info:
        om.base_population(path=path)
    message = str(info.value)
    assert message.count("line ") == 5 and "(and 2419 more)" in message
