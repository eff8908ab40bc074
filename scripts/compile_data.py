"""Compile the project's bundled data from the shared source extracts.

Run from the checkout:  ``python scripts/compile_data.py [--shared ../shared/data]``

Reads the county census tabulations (2010, 2020), the UN WPP China extracts and the county
geography from ``../shared/data`` (never at run time of the model) and writes tidy CSV files
with English column names, a ``source`` id and a ``quality`` tag on every row, plus
``data/columns_zh.csv`` (the Chinese source header of every compiled column) and
``data/MANIFEST.sha256``. The output is deterministic: the same inputs give the same bytes.
"""
from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import re
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"

COUNTIES = {
    "532901": ("大理市", "Dali City"),
    "532922": ("漾濞彝族自治县", "Yangbi Yi Autonomous County"),
    "532923": ("祥云县", "Xiangyun County"),
    "532924": ("宾川县", "Binchuan County"),
    "532925": ("弥渡县", "Midu County"),
    "532926": ("南涧彝族自治县", "Nanjian Yi Autonomous County"),
    "532927": ("巍山彝族回族自治县", "Weishan Yi and Hui Autonomous County"),
    "532928": ("永平县", "Yongping County"),
    "532929": ("云龙县", "Yunlong County"),
    "532930": ("洱源县", "Eryuan County"),
    "532931": ("剑川县", "Jianchuan County"),
    "532932": ("鹤庆县", "Heqing County"),
}
LEVEL = {"530000": "province", "532900": "prefecture"}
GROUPS = [(0, 0), (1, 4)] + [(a, a + 4) for a in range(5, 85, 5)] + [(85, None)]
SEX_ZH = {"male": "男", "female": "女"}

COLUMNS_ZH: list[dict] = []


def _label(start: int, end: int | None) -> str:
    return f"{start}+" if end is None else (f"{start}" if start == end else f"{start}-{end}")


def _clean_header(col: str) -> str:
    return re.sub(r"\s+", "", col).replace("（女)", "（女）")


def _read_census(path: Path) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype={"区划代码": str})
    frame.columns = [_clean_header(c) for c in frame.columns]
    return frame.set_index("区划代码")


def _age_header_2020(sex: str, start: int, end: int | None) -> str:
    s = SEX_ZH[sex]
    if end is None:
        return f"{s}_85岁以上"
    if start == end:
        return f"{s}_0岁"
    return f"{s}_{start}到{end}岁"


def _age_header_2010(sex: str, start: int, end: int | None) -> str:
    s = SEX_ZH[sex]
    if end is None:
        return f"85岁及以上（{s}）"
    if start == end:
        return f"0岁（{s}）"
    return f"{start}-{end}岁（{s}）"


def population_by_group(frame: pd.DataFrame, header, source: str, file: str) -> pd.DataFrame:
    rows = []
    for region, record in frame.iterrows():
        for sex in ("female", "male"):
            for start, end in GROUPS:
                value = float(record[header(sex, start, end)])
                if value != round(value):
                    raise ValueError(f"non-integer census count {region} {sex} {start}: {value}")
                rows.append({
                    "region": region,
                    "level": LEVEL.get(region, "county"),
                    "sex": sex,
                    "age_group": _label(start, end),
                    "age_start": start,
                    "age_end": "" if end is None else end,
                    "population": int(value),
                    "source": source,
                    "quality": "mirror",
                })
    for sex in ("female", "male"):
        for start, end in GROUPS:
            COLUMNS_ZH.append({"file": file, "column": f"population[{sex},{_label(start, end)}]",
                               "source_header_zh": header(sex, start, end)})
    return pd.DataFrame(rows)


def indicators(frame: pd.DataFrame, spec: list[tuple[str, str, str]], source: str, file: str) -> pd.DataFrame:
    rows = []
    for region, record in frame.iterrows():
        for name, zh, unit in spec:
            value = record[zh]
            if pd.isna(value):
                continue
            rows.append({"region": region, "level": LEVEL.get(region, "county"), "indicator": name,
                         "value": float(value), "unit": unit, "source": source, "quality": "mirror"})
    COLUMNS_ZH.extend({"file": file, "column": f"indicator[{n}]", "source_header_zh": zh} for n, zh, _ in spec)
    return pd.DataFrame(rows)


SPEC_2020 = [
    ("population_total", "人口数_合计", "persons"),
    ("population_male", "人口数_男", "persons"),
    ("population_female", "人口数_女", "persons"),
    ("urban_population", "城镇人口", "persons"),
    ("rural_population", "乡村人口", "persons"),
    ("family_households", "家庭户数", "households"),
    ("family_household_population", "家庭户人口数", "persons"),
    ("household_size", "户规模", "persons per household"),
    ("households_with_65plus", "有65岁及以上老年人口的户数", "households"),
    ("households_with_one_65plus", "有一个老人", "households"),
    ("households_with_two_65plus", "有二个老人", "households"),
    ("households_with_three_plus_65plus", "有三个及以上老人", "households"),
    ("registered_elsewhere_same_county", "户口登记地在外乡镇街道人口_本县", "persons"),
    ("registered_elsewhere_other_county_in_province", "户口登记地在外乡镇街道人口_本省其他县", "persons"),
    ("registered_elsewhere_other_province", "户口登记地在外乡镇街道人口_省外", "persons"),
    ("share_women_15_49", "人口比重_15-49岁育龄妇女", "percent of population"),
    ("children_ever_born_per_woman_15_64", "15-64岁妇女平均活产子女数", "children per woman"),
    ("children_surviving_per_woman_15_64", "15-64岁妇女平均存活子女数", "children per woman"),
    ("minority_share", "少数民族人口比重（%）", "percent of population"),
]
SPEC_2010 = [
    ("population_total", "合计", "persons"),
    ("population_male", "男", "persons"),
    ("population_female", "女", "persons"),
    ("registered_population", "户籍人口", "persons"),
    ("urban_population", "城镇人口", "persons"),
    ("rural_population", "乡村人口", "persons"),
    ("households", "户数", "households"),
    ("household_population", "人口数", "persons"),
    ("household_size", "户规模（人/户）", "persons per household"),
    ("households_with_65plus", "有65岁及以上老年人口的户数（户）-合计", "households"),
    ("crude_birth_rate", "出生率（‰）", "per 1,000 (census year)"),
    ("crude_death_rate", "死亡率（‰）", "per 1,000 (census year)"),
    ("rate_of_natural_increase", "自然增长率（‰）", "per 1,000 (census year)"),
    ("in_migrants_same_county", "迁入人口（人）-本县（市）/本市市区", "persons"),
    ("in_migrants_other_county_in_province", "迁入人口（人）-本省其他县（市）、市区", "persons"),
    ("in_migrants_other_province", "迁入人口（人）-外省", "persons"),
    ("share_women_15_49", "15-49岁育龄妇女（%）", "percent of population"),
    ("children_ever_born_per_woman_15_64", "15-64岁妇女-平均活产子女数", "children per woman"),
    ("children_surviving_per_woman_15_64", "15-64岁妇女-平均存活子女数", "children per woman"),
    ("minority_share", "少数民族人口比重（%）", "percent of population"),
]


def regions_table(geo_path: Path) -> pd.DataFrame:
    geo = json.loads(geo_path.read_text(encoding="utf-8"))
    centroid = {str(f["properties"]["adcode"]): f["properties"]["centroid"] for f in geo["features"]}
    rows = []
    for code, (zh, en) in COUNTIES.items():
        lon, lat = centroid[code]
        rows.append({"region": code, "name_zh": zh, "name_en": en, "centroid_lon": lon, "centroid_lat": lat,
                     "source": "nbs_division_codes;geo_centroids", "quality": "official;mirror"})
    return pd.DataFrame(rows)


def _wpp(shared: Path, name: str) -> pd.DataFrame:
    frame = pd.read_csv(shared / "wpp2024-china" / f"{name}.tsv", sep="\t")
    return frame.drop(columns=[c for c in frame.columns if c in ("country_code", "country", "name", "last.observed")])


def _annual(shared: Path, name: str, value: str, variant: str) -> pd.DataFrame:
    wide = _wpp(shared, name)
    long = wide.melt(var_name="year", value_name=value)
    long["year"] = long["year"].astype(int)
    long.insert(1, "variant", variant)
    return long


def wpp_tables(shared: Path) -> dict[str, pd.DataFrame]:
    tag = {"source": "wpp2024", "quality": "UN"}
    tfr = pd.concat([_annual(shared, "tfr", "tfr", "estimate")] + [
        _annual(shared, f"tfrproj{v}", "tfr", v.lower()) for v in ("Med", "Low", "High")])
    tfr["variant"] = tfr["variant"].replace({"med": "medium"})
    e0 = []
    for sex, s in (("female", "F"), ("male", "M")):
        for name, variant in ((f"e0{s}", "estimate"), (f"e0{s}proj", "medium")):
            part = _annual(shared, name, "e0", variant)
            part.insert(1, "sex", sex)
            e0.append(part)
    e0 = pd.concat(e0)
    mx = []
    for sex, s in (("female", "F"), ("male", "M")):
        wide = _wpp(shared, f"mx{s}5")
        long = wide.melt(id_vars="age", var_name="period", value_name="mx")
        long["period_start"] = long["period"].str[:4].astype(int)
        long["period_end"] = long["period"].str[5:].astype(int)
        long["age_start"] = long["age"].astype(str).str.rstrip("+").astype(int)
        long["sex"] = sex
        long["variant"] = (long["period_start"] >= 2025).map({True: "medium", False: "estimate"})
        mx.append(long[["period_start", "period_end", "sex", "age_start", "mx", "variant"]])
    mx = pd.concat(mx).sort_values(["period_start", "sex", "age_start"])
    asfr = _wpp(shared, "percentASFR5").melt(id_vars="age", var_name="year", value_name="percent")
    asfr["year"] = asfr["year"].astype(int)
    asfr["age_start"] = asfr["age"].str.split("-").str[0].astype(int)
    asfr["age_end"] = asfr["age"].str.split("-").str[1].astype(int)
    asfr = asfr[["year", "age_start", "age_end", "percent"]].sort_values(["year", "age_start"])
    srb = _annual(shared, "sexRatio", "srb", "estimate")
    srb.loc[srb["year"] >= 2024, "variant"] = "medium"
    events = []
    for name, quantity, variant in (("births", "births", "estimate"), ("birthsprojMed", "births", "medium"),
                                    ("deaths", "deaths", "estimate")):
        part = _annual(shared, name, "thousands", variant)
        part.insert(1, "quantity", quantity)
        events.append(part)
    events = pd.concat(events)
    out = {"tfr": tfr, "e0": e0, "mx5": mx, "asfr_percent5": asfr, "srb": srb, "events": events}
    return {k: v.assign(**tag).reset_index(drop=True) for k, v in out.items()}


def wpp2019_population(shared: Path) -> pd.DataFrame:
    parts = []
    for sex, s in (("female", "F"), ("male", "M")):
        frame = pd.read_csv(shared / "wpp2019-china" / f"pop{s}.tsv", sep="\t").drop(columns=["country_code", "name"])
        long = frame.melt(id_vars="age", var_name="year", value_name="population_thousands")
        long["sex"] = sex
        parts.append(long)
    long = pd.concat(parts)
    long["year"] = long["year"].astype(int)
    long["age_start"] = long["age"].str.extract(r"^(\d+)")[0].astype(int)
    long = long.rename(columns={"age": "age_group"})
    long = long[["year", "sex", "age_group", "age_start", "population_thousands"]]
    return long.sort_values(["year", "sex", "age_start"]).assign(source="wpp2019", quality="UN").reset_index(drop=True)


BULLETIN_2020 = [
    # item, value, unit, source, quality
    ("resident_population", 3337559, "persons", "dali2020_bulletin", "official"),
    ("population_male", 1693368, "persons", "dali2020_bulletin", "official"),
    ("population_female", 1644191, "persons", "dali2020_bulletin", "official"),
    ("sex_ratio", 102.99, "males per 100 females", "dali2020_bulletin", "official"),
    ("population_0_14", 557626, "persons", "dali2020_bulletin", "official"),
    ("population_15_59", 2212105, "persons", "dali2020_bulletin", "official"),
    ("population_60plus", 567828, "persons", "dali2020_bulletin", "official"),
    ("share_60plus", 17.01, "percent", "dali2020_bulletin", "official"),
    ("population_65plus", 418121, "persons", "nbs2020_county", "mirror"),
    ("share_65plus", 12.53, "percent", "dali2020_bulletin", "official"),
    ("family_households", 1048985, "households", "dali2020_bulletin", "official"),
    ("family_household_population", 3161302, "persons", "dali2020_bulletin", "official"),
    ("collective_household_population", 176257, "persons", "dali2020_bulletin", "official"),
    ("collective_households", 37268, "households", "dali2020_bulletin", "official"),
    ("urban_population", 1431100, "persons", "dali2020_urban_mirror", "mirror"),
    ("life_expectancy_at_birth", 76.56, "years", "dali_plan_2022", "official"),
]


# Post-census official statistics (shared/data/observations/dali_official.csv): the address
# each figure was seen at becomes a source id of data/sources.csv (same order as the rows).
OBSERVATION_SOURCES = {
    "https://stats.yn.gov.cn/Pages_21_2213.aspx": "yn_stats_sample2015",
    "zh.wikipedia list of Yunnan prefectures": "dali_registered_2020_mirror",
    "https://www.ym97.com/wuliu/182049.shtml": "dali_overview_2021_mirror",
    "https://en.wikipedia.org/wiki/Dali_Bai_Autonomous_Prefecture": "dali_resident_2023_mirror",
    "http://km.2233323.com/kmxw/4537.html": "dali_city_bulletin_2021_copy",
}
OBSERVATION_COLUMNS = ["region", "year", "quantity", "value", "source", "basis", "quality", "moment", "quote", "address"]


def official_observations(shared: Path) -> pd.DataFrame:
    """The post-census figures in the observations layout (``om.load_observations``) plus
    ``basis`` (resident / registered), ``quality``, ``moment``, the quoted words and the address."""
    frame = pd.read_csv(shared / "observations" / "dali_official.csv", dtype={"region": str})
    ids = []
    for address in frame["source"]:
        matches = [sid for prefix, sid in OBSERVATION_SOURCES.items() if str(address).startswith(prefix)]
        if len(matches) != 1:
            raise ValueError(f"observation source without a source id: {address!r}")
        ids.append(matches[0])
    frame = frame.rename(columns={"source": "address"}).assign(source=ids)
    # The year-end moment is the layout's default timing; the 2015 sample keeps its own date.
    return frame[OBSERVATION_COLUMNS]


# --- Every county of China (data/census-china/) --------------------------------------------
NATION = "000000"  # the tabulation prints no code for the national row; this is the stated convention
CHINA_FOLDER = "census-china"
CHINA_INDICATORS = {
    2020: [("population_total", "人口数_合计", "persons"), ("population_male", "人口数_男", "persons"),
           ("population_female", "人口数_女", "persons")],
    2010: [("population_total", "合计", "persons"), ("population_male", "男", "persons"),
           ("population_female", "女", "persons"), ("crude_birth_rate", "出生率（‰）", "per 1,000 (census year)"),
           ("crude_death_rate", "死亡率（‰）", "per 1,000 (census year)"),
           ("rate_of_natural_increase", "自然增长率（‰）", "per 1,000 (census year)")],
}


def _gb_parent(code: str) -> str:
    """GB/T 2260 parent: zero the last non-zero pair; provinces sit under the nation."""
    if code == NATION:
        return ""
    if code[4:] != "00":
        return code[:4] + "00"
    return NATION if code[2:4] == "00" else code[:2] + "0000"


def _division_level(code: str) -> str:
    if code == NATION:
        return "nation"
    return "province" if code[2:] == "0000" else ("prefecture" if code[4:] == "00" else "county")


def _china_rows(path: Path, year: int) -> pd.DataFrame:
    """The source sheet with a clean 6-digit ``code`` (the national row gets NATION), the
    tabulation's name, and the uncoded sub-heading above each row (2010 has no 省/市 columns)."""
    frame = pd.read_csv(path, dtype={"区划代码": str})
    frame.columns = [_clean_header(c) for c in frame.columns]
    frame = frame.copy()
    name_column = "区县" if year == 2020 else "地区"
    frame["name_zh"] = frame[name_column].astype(str).str.strip()
    frame["heading"] = frame["name_zh"].where(frame["区划代码"].isna()).ffill().fillna("")
    if year == 2020:
        frame.loc[frame["省"] == "全国", "区划代码"] = NATION
    return frame[frame["区划代码"].notna()].rename(columns={"区划代码": "code"}).reset_index(drop=True)


def china_regions(rows: pd.DataFrame, year: int, source: str) -> pd.DataFrame:
    """``region, name_zh, level, parent, published`` of every coded row plus the computed
    aggregates the tabulation prints without a code (rule in data/README.md, census-china)."""
    published = dict(zip(rows["code"], rows["name_zh"]))
    by_names = {}
    if year == 2020:
        upper = rows[rows["code"].map(_division_level) == "prefecture"]
        by_names = {(p, c): code for p, c, code in zip(upper["省"], upper["市"], upper["code"])}
    table, computed = [], {}
    for record in rows.itertuples():
        parent = _gb_parent(record.code)
        if parent and parent not in published:
            named = by_names.get((getattr(record, "省", None), getattr(record, "市", None)))
            if named is not None:
                parent = named
            elif parent != NATION:
                # 2010 prints the aggregate as an uncoded sub-heading (市辖区, 县, 省直辖县级行政区划);
                # 2020 prints none for 济源 (419001), so the GB/T name of a 4-digit-90 code is used.
                computed.setdefault(parent, record.heading if year == 2010 else (
                    record.市 if str(record.市).endswith("直辖县级行政区划") else "省直辖县级行政区划"))
        table.append((record.code, record.name_zh, _division_level(record.code), parent, 1))
    for code, name in computed.items():
        table.append((code, name, _division_level(code), _gb_parent(code), 0))
    if NATION not in published:
        table.append((NATION, "全国", "nation", "", 0))
    frame = pd.DataFrame(table, columns=["region", "name_zh", "level", "parent", "published"])
    frame["source"] = source
    frame["quality"] = frame["published"].map({1: "mirror", 0: "derived"})
    missing = sorted(set(frame["parent"]) - set(frame["region"]) - {""})
    if missing:
        raise ValueError(f"census {year}: parents without a row: {missing}")
    return frame.sort_values("region", kind="stable").reset_index(drop=True)


def _blank_cells_are_zero(rows: pd.DataFrame, columns: list[str], sex: str) -> None:
    """A blank age cell is a zero only where the row's other cells add up to its sex total
    (2020: one cell, 东营港经济开发区 females aged 0); anything else is an error."""
    total = rows[("人口数_女" if sex == "female" else "人口数_男") if "人口数_男" in rows else SEX_ZH[sex]]
    cells = rows[columns].apply(pd.to_numeric, errors="raise")
    blank = cells.isna().any(axis=1)
    if (cells[blank].sum(axis=1) != total[blank]).any():
        raise ValueError(f"blank {sex} age cells that are not zeros in rows {list(rows.loc[blank, 'code'])}")
    rows[columns] = cells.fillna(0.0)


def china_population(rows: pd.DataFrame, header, source: str) -> pd.DataFrame:
    """Long table ``region, sex, age_group, age_start, population`` of every coded row."""
    parts = []
    for sex in ("female", "male"):
        _blank_cells_are_zero(rows, [header(sex, start, end) for start, end in GROUPS], sex)
        for start, end in GROUPS:
            values = pd.to_numeric(rows[header(sex, start, end)], errors="raise").to_numpy(float)
            if not (values == values.round()).all():
                raise ValueError(f"non-integer census count in {header(sex, start, end)}")
            parts.append(pd.DataFrame({"region": rows["code"], "sex": sex, "age_group": _label(start, end),
                                       "age_start": start, "population": values.astype("int64")}))
    frame = pd.concat(parts, ignore_index=True)
    frame["sex_order"] = frame["sex"].map({"female": 0, "male": 1})
    frame = frame.sort_values(["region", "sex_order", "age_start"], kind="stable").drop(columns="sex_order")
    return frame.assign(source=source, quality="mirror").reset_index(drop=True)


def china_indicators(rows: pd.DataFrame, year: int, source: str) -> pd.DataFrame:
    parts = []
    for name, zh, unit in CHINA_INDICATORS[year]:
        values = pd.to_numeric(rows[zh], errors="raise")
        part = pd.DataFrame({"region": rows["code"], "indicator": name, "value": values, "unit": unit})
        parts.append(part[part["value"].notna()])
    frame = pd.concat(parts, ignore_index=True).sort_values(["region", "indicator"], kind="stable")
    return frame.assign(source=source, quality="mirror").reset_index(drop=True)


def write_csv_gz(frame: pd.DataFrame, path: Path) -> None:
    """Gzipped CSV with a fixed header (no file name, mtime 0): same rows, same bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = frame.to_csv(index=False, lineterminator="\n", float_format="%.10g").encode("utf-8")
    tmp = path.with_suffix(path.suffix + ".tmp")
    with open(tmp, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as zipped:
        zipped.write(text)
    os.replace(tmp, path)


def china_tables(shared: Path) -> None:
    for year, header, source in ((2020, _age_header_2020, "nbs2020_county_china"),
                                 (2010, _age_header_2010, "nbs2010_county_china")):
        rows = _china_rows(shared / "census-county" / f"census{year}_county_china.csv.gz", year)
        folder = DATA / CHINA_FOLDER
        write_csv_gz(china_regions(rows, year, source), folder / f"regions_{year}.csv.gz")
        write_csv_gz(china_population(rows, header, source), folder / f"population_by_age_group_{year}.csv.gz")
        write_csv_gz(china_indicators(rows, year, source), folder / f"indicators_{year}.csv.gz")


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    frame.to_csv(tmp, index=False, lineterminator="\n", float_format="%.10g")
    os.replace(tmp, path)


def write_manifest(data: Path) -> None:
    lines = []
    for path in sorted(p for p in data.rglob("*") if p.is_file() and p.name != "MANIFEST.sha256"):
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        lines.append(f"{digest}  {path.relative_to(data).as_posix()}")
    (data / "MANIFEST.sha256").write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--manifest-only", action="store_true", help="only rewrite data/MANIFEST.sha256")
    args = parser.parse_args()
    if not args.manifest_only:
        shared = args.shared
        c20 = _read_census(shared / "census-county" / "census2020_county_dali.csv")
        c10 = _read_census(shared / "census-county" / "census2010_county_dali.csv")
        COLUMNS_ZH.clear()
        write_csv(population_by_group(c20, _age_header_2020, "nbs2020_county", "census7/population_by_age_group.csv"),
                  DATA / "census7" / "population_by_age_group.csv")
        write_csv(indicators(c20, SPEC_2020, "nbs2020_county", "census7/indicators.csv"),
                  DATA / "census7" / "indicators.csv")
        write_csv(population_by_group(c10, _age_header_2010, "nbs2010_county", "census6/population_by_age_group.csv"),
                  DATA / "census6" / "population_by_age_group.csv")
        write_csv(indicators(c10, SPEC_2010, "nbs2010_county", "census6/indicators.csv"),
                  DATA / "census6" / "indicators.csv")
        bulletin = pd.DataFrame(BULLETIN_2020, columns=["item", "value", "unit", "source", "quality"])
        bulletin.insert(0, "region", "532900")
        write_csv(bulletin, DATA / "census7" / "bulletin.csv")
        write_csv(regions_table(shared / "geo" / "532900_full.json"), DATA / "census7" / "regions.csv")
        for name, frame in wpp_tables(shared).items():
            write_csv(frame, DATA / "wpp2024" / f"{name}.csv")
        write_csv(wpp2019_population(shared), DATA / "wpp2019" / "population5.csv")
        write_csv(pd.DataFrame(COLUMNS_ZH), DATA / "columns_zh.csv")
        write_csv(official_observations(shared), DATA / "observations" / "dali_official.csv")
        china_tables(shared)
    write_manifest(DATA)


if __name__ == "__main__":
    main()
