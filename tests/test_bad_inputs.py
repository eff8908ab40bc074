"""Bad input, parametrised: every case is an OloyInputError (or TypeError for a wrong Python
type in a library call; exit 2 on the command line) naming the file or call, the key or column
and the offending value. The scenario cases are generated from the schema, so a new key is
covered automatically. Counts are listed in docs/robustness.md (## Inputs).
"""
from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest

import oloy_model as om
from oloy_model.cli import main
from oloy_model.base.schema import EFFECT_SCHEMA, MAX_EXTENDS_DEPTH, SCHEMA, SECTIONS

NUMBERS = ("float", "int", "auto_float")


def toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and math.isnan(value):
        return "nan"
    if isinstance(value, float) and math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return repr(value)


def scenario_cases():
    """(case id, key, value, text the message must contain)."""
    cases = []
    for name, key in SCHEMA.items():
        if key.type in NUMBERS:
            cases += [(f"{name}:text", name, "abc", "'abc'"), (f"{name}:bool", name, True, "True")]
            if key.minimum != key.maximum:
                below = key.minimum - (1 if key.type == "int" else max(abs(key.minimum) * 0.5, 0.5))
                above = key.maximum + (1 if key.type == "int" else max(abs(key.maximum) * 0.5, 0.5))
                cases += [(f"{name}:below", name, below, repr(below)), (f"{name}:above", name, above, repr(above))]
            else:
                cases += [(f"{name}:other", name, key.minimum + 1, repr(key.minimum + 1))]
            if key.type == "int":
                cases.append((f"{name}:fraction", name, key.minimum + 0.5, repr(key.minimum + 0.5)))
            else:
                cases += [(f"{name}:nan", name, float("nan"), "nan"), (f"{name}:inf", name, float("inf"), "inf")]
        elif key.type == "choice":
            cases += [(f"{name}:unknown", name, "nonsense", "'nonsense'"), (f"{name}:number", name, 1, "1")]
        elif key.type == "bool":
            cases += [(f"{name}:text", name, "yes", "'yes'"), (f"{name}:number", name, 1, "1")]
        elif key.type in ("str", "path"):
            cases.append((f"{name}:number", name, 3, "3"))
            if key.type == "path":
                cases.append((f"{name}:missing", name, "no_such_file.csv", "no_such_file.csv"))
        elif key.type == "region_map":
            cases += [(f"{name}:not_table", name, 0.5, "0.5"),
                      (f"{name}:unknown_region", name, {"999999": 1.0}, "999999"),
                      (f"{name}:above", name, {"532901": key.maximum + 1}, repr(float(key.maximum + 1))),
                      (f"{name}:text", name, {"532901": "x"}, "'x'")]
        elif key.type == "effects":
            cases += [(f"{name}:not_list", name, 3, "3"), (f"{name}:unknown_field", name, [{"pek": 0.1}], "pek")]
    for field, key in EFFECT_SCHEMA.items():
        if key.type in NUMBERS:
            above = key.maximum + 1
            cases += [(f"effect.{field}:above", "fertility.effects", [{field: above}], f"{field}"),
                      (f"effect.{field}:text", "fertility.effects", [{field: "x"}], f"{field}")]
    for section in SECTIONS:
        cases.append((f"{section}.unknown_key", f"{section}.no_such_key", 1, "no_such_key"))
    return cases


SCENARIO_CASES = scenario_cases()


def write_scenario(folder, key, value, name="case"):
    section, field = key.split(".", 1)
    path = folder / f"{name}.toml"
    path.write_text(f'extends = "baseline"\n[{section}]\n{field} = {toml_value(value)}\n', encoding="utf-8")
    return path


@pytest.mark.parametrize("case, key, value, shown", SCENARIO_CASES, ids=[c[0] for c in SCENARIO_CASES])
def test_bad_scenario_value_names_file_key_and_value(tmp_path, case, key, value, shown):
    path = write_scenario(tmp_path, key, value)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(om.OloyInputError) as caught:
            om.load_scenario(path)
    message = str(caught.value)
    assert str(path) in message and key.split(".", 1)[1] in message and shown in message, message


CROSS = [
    ("horizon_at_base", {"projection.horizon": 2020}, "projection.horizon"),
    ("taper_backwards", {"migration.taper_start": 2040, "migration.taper_end": 2030}, "migration.taper_end"),
    ("institutions_above_need", {"demand.institutional_share_60plus": 0.2, "demand.care_need_share_60plus": 0.001},
     "demand.institutional_share_60plus"),
    ("need_zero_institutions_default", {"demand.care_need_share_60plus": 0.0}, "demand.care_need_share_60plus"),
    ("need_above_cap", {"demand.care_need_share_60plus": 0.4, "demand.care_need_cap": 0.3}, "demand.care_need_cap"),
]


@pytest.mark.parametrize("case, changes, key", CROSS, ids=[c[0] for c in CROSS])
def test_nonsense_combinations_name_both_keys(case, changes, key):
    with pytest.raises(om.OloyInputError, match=key.replace(".", r"\.")):
        om.load_scenario("baseline").with_values(changes)


def test_validate_reports_every_problem_at_once(tmp_path):
    path = tmp_path / "many.toml"
    path.write_text('extends = "baseline"\n[projection]\nhorizon = 3000\n[fertility]\nsrb = "x"\ncolour = 1\n'
                    '[demand]\nelderly_occupancy = 0.0\n[nonsense]\na = 1\n', encoding="utf-8")
    with pytest.raises(om.OloyInputError) as caught:
        om.load_scenario(path)
    message = str(caught.value)
    assert message.startswith("5 problems")
    for needle in ("projection.horizon", "fertility.srb", "fertility.colour", "demand.elderly_occupancy", "nonsense"):
        assert needle in message


# -- files: encodings, BOM, extends ------------------------------------------------------------

def test_scenario_with_a_utf8_bom_is_accepted(tmp_path):
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + 'extends = "baseline"\n[projection]\nhorizon = 2030\n'.encode())
    assert om.load_scenario(path)["projection.horizon"] == 2030


def test_gbk_scenario_names_line_and_says_save_as_utf8(tmp_path):
    path = tmp_path / "gbk.toml"
    path.write_bytes('extends = "baseline"\n[scenario]\ndescription = "大理州"\n'.encode("gbk"))
    with pytest.raises(om.OloyInputError, match=r"gbk\.toml: line 3, column \d+: .*save it as UTF-8"):
        om.load_scenario(path)


def test_extends_cycle_and_depth(tmp_path):
    (tmp_path / "a.toml").write_text('extends = "b.toml"\n', encoding="utf-8")
    (tmp_path / "b.toml").write_text('extends = "a.toml"\n', encoding="utf-8")
    with pytest.raises(om.OloyInputError, match="cycle"):
        om.load_scenario(tmp_path / "a.toml")
    for i in range(1500):
        (tmp_path / f"d{i}.toml").write_text(f'extends = "d{i + 1}.toml"\n' if i < 1499 else 'extends = "baseline"\n',
                                            encoding="utf-8")
    with pytest.raises(om.OloyInputError, match=f"more than {MAX_EXTENDS_DEPTH} files deep"):
        om.load_scenario(tmp_path / "d0.toml")
    assert om.load_scenario(tmp_path / f"d{1500 - MAX_EXTENDS_DEPTH + 1}.toml").name.startswith("d")


# -- user CSV tables ----------------------------------------------------------------------------

def population_text(**override) -> str:
    pop = om.base_population()
    pop = pop[pop["region"] == "532901"].copy()
    for column, value in override.items():
        pop[column] = pop[column].astype(object)
        pop.iloc[5, pop.columns.get_loc(column)] = value
    return pop.to_csv(index=False)


LEDGER_HEADER = "id,region,service,type,year,places,status\n"
LEDGER_ROW = "a,532901,elderly_beds,public,2020,100,existing\n"
OBS_HEADER = "region,year,quantity,value,source\n"
OBS_ROW = "532901,2021,population,300000,x\n"


def _drop(text: str, column: str) -> str:
    frame = pd.read_csv(__import__("io").StringIO(text), dtype=str)
    return frame.drop(columns=column).to_csv(index=False)


CSV_CASES = [
    # (id, kind, text or bytes, substrings the message must contain)
    *[(f"population:missing_{c}", "population", _drop(population_text(), c), [c, "missing column"])
      for c in ("region", "sex", "age", "population")],
    ("population:bad_region", "population", population_text(region="123456"), ["region", "'123456'", "line 7"]),
    ("population:bad_sex", "population", population_text(sex="f"), ["sex", "'f'", "line 7"]),
    ("population:fractional_age", "population", population_text(age="5.5"), ["age", "'5.5'"]),
    ("population:age_101", "population", population_text(age="101"), ["age", "'101'"]),
    ("population:negative", "population", population_text(population="-3"), ["population", "'-3'"]),
    ("population:text", "population", population_text(population="many"), ["population", "'many'"]),
    ("population:nan", "population", population_text(population="nan"), ["population", "'nan'"]),
    ("population:inf", "population", population_text(population="inf"), ["population", "'inf'"]),
    ("population:empty_cell", "population", population_text(population=""), ["population", "''"]),
    ("population:duplicate", "population", population_text(age="4"), ["duplicated", "532901/female/4"]),
    ("population:incomplete", "population", "region,sex,age,population\n532901,female,0,10\n", ["incomplete", "532901"]),
    ("population:header_only", "population", "region,sex,age,population\n", ["no data rows"]),
    ("population:empty_file", "population", "", ["cannot be read"]),
    ("population:gbk", "population", "region,sex,age,population,note\n532901,female,0,10,大理\n".encode("gbk"),
     ["line 2", "UTF-8"]),
    *[(f"ledger:missing_{c}", "ledger", _drop(LEDGER_HEADER + LEDGER_ROW, c), [c, "missing column"])
      for c in ("id", "region", "service", "type", "year", "places", "status")],
    ("ledger:bad_region", "ledger", LEDGER_HEADER + LEDGER_ROW.replace("532901", "532900"), ["region", "'532900'"]),
    ("ledger:bad_service", "ledger", LEDGER_HEADER + LEDGER_ROW.replace("elderly_beds", "beds"), ["service", "'beds'"]),
    ("ledger:bad_status", "ledger", LEDGER_HEADER + LEDGER_ROW.replace("existing", "built"), ["status", "'built'"]),
    ("ledger:year_early", "ledger", LEDGER_HEADER + LEDGER_ROW.replace("2020", "1900"), ["year", "'1900'"]),
    ("ledger:year_late", "ledger", LEDGER_HEADER + LEDGER_ROW.replace("2020", "2200"), ["year", "'2200'"]),
    ("ledger:year_fraction", "ledger", LEDGER_HEADER + LEDGER_ROW.replace("2020", "2020.5"), ["year", "'2020.5'"]),
    ("ledger:places_negative", "ledger", LEDGER_HEADER + LEDGER_ROW.replace(",100,", ",-5,"), ["places", "'-5'"]),
    ("ledger:places_absurd", "ledger", LEDGER_HEADER + LEDGER_ROW.replace(",100,", ",1e15,"), ["places", "'1e15'", "100000"]),
    ("ledger:places_text", "ledger", LEDGER_HEADER + LEDGER_ROW.replace(",100,", ",lots,"), ["places", "'lots'"]),
    ("ledger:places_nan", "ledger", LEDGER_HEADER + LEDGER_ROW.replace(",100,", ",nan,"), ["places", "'nan'"]),
    ("ledger:cost_negative", "ledger", "id,region,service,type,year,places,status,cost_10k_yuan\n"
     "a,532901,elderly_beds,public,2020,100,existing,-1\n", ["cost_10k_yuan", "'-1'"]),
    ("ledger:duplicate_id", "ledger", LEDGER_HEADER + LEDGER_ROW + LEDGER_ROW, ["duplicated", "line 2", "line 3"]),
    ("ledger:empty_id", "ledger", LEDGER_HEADER + LEDGER_ROW.replace("a,", " ,", 1), ["id", "non-empty"]),
    ("ledger:closure_above_stock", "ledger", LEDGER_HEADER + LEDGER_ROW
     + "b,532901,elderly_beds,public,2023,1000,closure\n", ["places", "532901", "2023", "line 3", "-900"]),
    ("ledger:header_only", "ledger", LEDGER_HEADER, ["no data rows"]),
    ("ledger:empty_file", "ledger", "", ["cannot be read"]),
    ("ledger:gbk", "ledger", (LEDGER_HEADER + LEDGER_ROW.replace("public", "公办")).encode("gbk"), ["line 2", "UTF-8"]),
    *[(f"observations:missing_{c}", "observations", _drop(OBS_HEADER + OBS_ROW, c), [c, "missing column"])
      for c in ("region", "year", "quantity", "value")],
    ("observations:bad_region", "observations", OBS_HEADER + OBS_ROW.replace("532901", "100000"), ["region", "'100000'"]),
    ("observations:bad_quantity", "observations", OBS_HEADER + OBS_ROW.replace("population", "people"),
     ["quantity", "'people'"]),
    ("observations:year_before_base", "observations", OBS_HEADER + OBS_ROW.replace("2021", "2010"), ["year", "'2010'"]),
    ("observations:year_after_horizon", "observations", OBS_HEADER + OBS_ROW.replace("2021", "2099"), ["year", "'2099'"]),
    ("observations:negative", "observations", OBS_HEADER + OBS_ROW.replace("300000", "-1"), ["value", "'-1'"]),
    ("observations:text", "observations", OBS_HEADER + OBS_ROW.replace("300000", "n/a"), ["value", "'n/a'"]),
    ("observations:duplicate", "observations", OBS_HEADER + OBS_ROW + OBS_ROW, ["duplicated", "532901/2021/population"]),
    ("observations:header_only", "observations", OBS_HEADER, ["no data rows"]),
    ("observations:gbk", "observations", (OBS_HEADER + OBS_ROW.replace(",x", ",统计年鉴")).encode("gbk"), ["line 2", "UTF-8"]),
]

KEYS = {"population": "projection.base_population_file", "ledger": "capacity.ledger_file",
        "observations": "projection.observations_file"}


@pytest.mark.parametrize("case, kind, content, needles", CSV_CASES, ids=[c[0] for c in CSV_CASES])
def test_bad_csv_names_file_column_and_rows(tmp_path, case, kind, content, needles):
    path = tmp_path / f"{kind}.csv"
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    scenario = om.load_scenario("baseline").with_values({KEYS[kind]: str(path), "projection.horizon": 2030})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(om.OloyInputError) as caught:
            om.run(scenario)
    message = str(caught.value)
    assert str(path) in message, message
    for needle in needles:
        assert needle in message, (needle, message)


def test_csv_with_a_utf8_bom_is_accepted(tmp_path):
    path = tmp_path / "ledger.csv"
    path.write_bytes(b"\xef\xbb\xbf" + (LEDGER_HEADER + LEDGER_ROW).encode())
    scenario = om.load_scenario("baseline").with_values({"capacity.ledger_file": str(path), "projection.horizon": 2021})
    assert om.run(scenario).ledger["places"].sum() == 100


# -- library calls ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def short_result():
    return om.run(om.load_scenario("baseline").with_values({"projection.horizon": 2022}))


OBS = pd.DataFrame({"region": ["532901"], "year": [2021], "quantity": ["population"], "value": [300000.0],
                    "source": ["x"]})

LIBRARY = [
    ("evaluate_empty_frame", lambda r: om.evaluate(r, pd.DataFrame()), om.OloyInputError, "missing column"),
    ("evaluate_zero_rows", lambda r: om.evaluate(r, OBS.iloc[0:0]), om.OloyInputError, "no rows"),
    ("evaluate_none_result", lambda r: om.evaluate(None, OBS), TypeError, "NoneType"),
    ("evaluate_obs_not_frame", lambda r: om.evaluate(r, [1, 2]), TypeError, "list"),
    ("evaluate_bad_by", lambda r: om.evaluate(r, OBS, by=("colour",)), om.OloyInputError, "colour"),
    ("evaluate_outside_projection", lambda r: om.evaluate(r, OBS.assign(year=2030)), om.OloyInputError, "2030"),
    ("decompose_plain_result", lambda r: om.decompose(r, "532900", 2022), TypeError, "Result"),
    ("calibrate_empty", lambda r: om.calibrate("baseline", OBS.iloc[0:0]), om.OloyInputError, "no rows"),
    ("calibrate_not_frame", lambda r: om.calibrate("baseline", None), TypeError, "NoneType"),
    ("load_scenario_none", lambda r: om.load_scenario(None), TypeError, "NoneType"),
    ("load_scenario_number", lambda r: om.load_scenario(12), TypeError, "int"),
    ("load_scenario_unknown", lambda r: om.load_scenario("baselin"), om.OloyInputError, "baseline"),
    ("project_none", lambda r: om.project(None), TypeError, "NoneType"),
    ("run_none", lambda r: om.run(None), TypeError, "NoneType"),
    ("with_values_list", lambda r: r.scenario.with_values([1]), TypeError, "mapping"),
    ("with_values_unknown_key", lambda r: r.scenario.with_values({"horizon": 2030}), om.OloyInputError, "'horizon'"),
    ("with_values_float_year", lambda r: r.scenario.with_values({"projection.horizon": 2030.5}), om.OloyInputError, "2030.5"),
    ("with_values_np_bool", lambda r: r.scenario.with_values({"projection.horizon": np.bool_(True)}), om.OloyInputError,
     "True"),
    ("run_ledger_not_frame", lambda r: om.run(r.scenario, ledger="file.csv"), TypeError, "str"),
    ("run_ledger_negative", lambda r: om.run(r.scenario, ledger=r.ledger.assign(status="closure")), om.OloyInputError,
     "closures exceed the stock"),
    ("run_ledger_missing_column", lambda r: om.run(r.scenario, ledger=r.ledger.drop(columns="places")),
     om.OloyInputError, "places"),
]


@pytest.mark.parametrize("case, call, error, needle", LIBRARY, ids=[c[0] for c in LIBRARY])
def test_library_misuse_raises_a_plain_error(short_result, case, call, error, needle):
    with pytest.raises(error) as caught:
        call(short_result)
    assert needle in str(caught.value)


@pytest.mark.parametrize("value", [np.int64(2030), np.int32(2030), np.uint16(2030)])
def test_numpy_integers_are_accepted(value):
    assert om.load_scenario("baseline").with_values({"projection.horizon": value})["projection.horizon"] == 2030


@pytest.mark.parametrize("key, value", [("fertility.level_ratio", np.float64(1.1)), ("mortality.e0_base", np.float32(78.0)),
                                        ("migration.county_scale", {np.int64(532901): np.float64(0.5)})])
def test_numpy_floats_are_accepted(key, value):
    om.load_scenario("baseline").with_values({key: value})


# -- command line -----------------------------------------------------------------------------

CLI = [
    ("unknown_key", "[projection]\nhorizn = 2030\n", ["horizn", "did you mean 'horizon'"]),
    ("two_problems", "[projection]\nhorizon = 1\n[mortality]\ne0_base = 500.0\n", ["2 problems", "horizon", "e0_base"]),
    ("not_toml", "[projection\n", ["not valid TOML"]),
    ("wrong_type", "[fertility]\nsrb = \"high\"\n", ["fertility.srb", "'high'"]),
    ("nonsense_pair", "[demand]\ninstitutional_share_60plus = 0.2\ncare_need_share_60plus = 0.001\n",
     ["institutional_share_60plus", "care_need_share_60plus"]),
]


@pytest.mark.parametrize("case, body, needles", CLI, ids=[c[0] for c in CLI])
def test_cli_validate_exit_2_with_every_problem(tmp_path, capsys, case, body, needles):
    path = tmp_path / "bad.toml"
    path.write_text('extends = "baseline"\n' + body, encoding="utf-8")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and str(path) in err
    for needle in needles:
        assert needle in err, err


def test_cli_validate_warns_about_an_inert_key(tmp_path, capsys):
    path = tmp_path / "inert.toml"
    path.write_text('extends = "baseline"\n[mortality]\nannual_gain = 0.2\n', encoding="utf-8")
    assert main(["validate", str(path)]) == 0
    assert "'mortality.annual_gain' is set but has no effect" in capsys.readouterr().err
