"""Every citation a user sees resolves: to a row of data/sources.csv, a heading of the docs, or a
public reference; none points outside the repository (syntax: docs/methods.md#sources-and-citations)."""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

import oloy_model as om
from oloy_model.base import citations, resources
from oloy_model.reporting import report
from oloy_model.reporting.report import build_report

CHECKOUT = Path(__file__).resolve().parents[2]
from oloy_model.base.resources import QUALITY_TAGS


def known_ids() -> set[str]:
    return set(pd.read_csv(CHECKOUT / "data" / "sources.csv", dtype=str)["source_id"])


def doc_anchors() -> dict[str, set[str]]:
    files = [CHECKOUT / "README.md", CHECKOUT / "data" / "README.md", *sorted((CHECKOUT / "docs").glob("*.md"))]
    return {f.relative_to(CHECKOUT).as_posix(): citations.markdown_anchors(f.read_text(encoding="utf-8"))
            for f in files}


def user_text(path: Path) -> str:
    """The text of a file as a user reads it (a notebook: every cell's source)."""
    if path.suffix == ".ipynb":
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        return "\n".join("".join(cell["source"]) for cell in cells)
    return path.read_text(encoding="utf-8")


def scan(path: Path, relative: str) -> list[str]:
    """Problems of one file; ``relative`` is where it sits (or would sit) in the repository."""
    folder = relative.rpartition("/")[0]
    link_base = folder if path.suffix in (".md", ".ipynb") else None
    return citations.find_problems(user_text(path), relative, known_ids=known_ids(), doc_anchors=doc_anchors(),
                                   link_base=link_base)


def user_facing_files() -> list[Path]:
    patterns = ["scenarios/*.toml", "docs/*.md", "notebooks/*.ipynb", "README.md", "data/README.md",
                "data/sources.csv", "oloy_model/**/*.py"]
    files = [f for pattern in patterns for f in sorted(CHECKOUT.glob(pattern))]
    # citations.py describes the forbidden forms in its own docstring
    return [f for f in files if f.name != "citations.py"]


def test_user_facing_files_cite_only_what_resolves():
    files = user_facing_files()
    assert len([f for f in files if f.suffix == ".toml"]) >= 7 and any(f.suffix == ".ipynb" for f in files)
    problems = [p for f in files for p in scan(f, f.relative_to(CHECKOUT).as_posix())]
    assert problems == []


@pytest.mark.parametrize("name", om.list_scenarios())
def test_every_bundled_rationale_cites(name):
    rationale = om.load_scenario(name)["scenario.rationale"]
    assert citations.cited_source_ids(rationale) or citations.DOCS_REFERENCE.search(rationale), name


def test_sources_csv_rows_are_complete():
    table = pd.read_csv(CHECKOUT / "data" / "sources.csv", dtype=str, keep_default_na=False)
    assert table["source_id"].is_unique
    for column in ("citation", "location", "licence", "quality"):
        empty = table.loc[table[column].str.strip() == "", "source_id"].tolist()
        assert empty == [], f"data/sources.csv: empty {column} for {empty}"
    assert set(table["quality"]) <= QUALITY_TAGS


BAD_CITATIONS = {
    "unknown source id": "Fertility from the census [source: nbs2020_county, census2030_county].",
    "missing docs anchor": "Method: docs/methods.md#fertility-by-magic.",
    "missing docs file": "Method: docs/method.md#fertility-oloy_modelfertility.",
    "path outside the repository": "See ../shared/data/README.md for the extracts.",
    "absolute local path": "Figures from /work/shared/seed/plan.txt.",
    "the data brief": "Timing from the data brief section 7.",
    "broken Markdown link": "See [fertility](methods.md#fertility-by-magic).",
}


@pytest.mark.parametrize("kind", list(BAD_CITATIONS))
def test_a_planted_bad_citation_fails(tmp_path, kind):
    # A copy of docs/methods.md is clean; the same copy with one bad citation is not.
    planted = tmp_path / "methods.md"
    shutil.copy(CHECKOUT / "docs" / "methods.md", planted)
    assert scan(planted, "docs/methods.md") == []
    with planted.open("a", encoding="utf-8") as handle:
        handle.write("\n" + BAD_CITATIONS[kind] + "\n")
    problems = scan(planted, "docs/methods.md")
    assert problems and all(p.startswith("docs/methods.md: ") for p in problems), problems


def test_a_planted_bad_rationale_fails(tmp_path):
    text = (CHECKOUT / "scenarios" / "zero_migration.toml").read_text(encoding="utf-8")
    planted = tmp_path / "zero_migration.toml"
    planted.write_text(text.replace("[source: nbs2010_county, nbs2020_county]", "[source: nbs2010_county, census2015]"),
                       encoding="utf-8")
    assert "census2015" in om.load_scenario(planted)["scenario.rationale"]
    problems = scan(planted, "scenarios/zero_migration.toml")
    assert len(problems) == 1 and "'census2015'" in problems[0]


def test_github_anchors():
    assert citations.github_anchor("Fertility (`some_pkg.fertility`)") == "fertility-some_pkgfertility"
    assert citations.github_anchor("Gaps and indicators (`some_pkg.gaps`, `om.run`)") == \
        "gaps-and-indicators-some_pkggaps-omrun"
    assert citations.markdown_anchors("# A\n## A\n```\n# not a heading\n```\n") == {"a", "a-1"}


@pytest.fixture(scope="module")
def report_markdown(tmp_path_factory):
    """The report of every bundled scenario, without figures (the cheapest full report)."""
    folder = tmp_path_factory.mktemp("report")
    results = [om.run(om.load_scenario(name)) for name in om.list_scenarios()]
    no_figures = pd.DataFrame(columns=["folder", "figure", "title"])
    _, markdown = build_report(results, no_figures, folder, folder)
    return markdown.read_text(encoding="utf-8")


@pytest.mark.slow  # full runs of every bundled scenario and the report
def test_report_cites_only_what_resolves(report_markdown):
    assert "[source: dali_plan_2022]" in report_markdown  # the baseline rationale, as printed
    problems = citations.find_problems(report_markdown, "report.md", known_ids=known_ids(),
                                       doc_anchors=doc_anchors())
    assert problems == []


@pytest.mark.slow
def test_report_appendix_lists_every_source_used(report_markdown):
    appendix = report_markdown.split("## 来源 Sources", 1)[1]
    rows = [line.split(" | ") for line in appendix.splitlines() if line.startswith("| ") and "---" not in line]
    listed = {row[0].lstrip("| "): row for row in rows[1:]}
    body = report_markdown.split("## 来源 Sources", 1)[0]
    data_ids = {s for table in report.RUN_TABLES for cell in resources.read_bundled(table)["source"]
                for s in citations.source_ids(cell)}
    expected = set(citations.cited_source_ids(body)) | data_ids
    assert expected - set(listed) == set()
    assert {"li2019_bmj_two_child", "birth_policy_timeline", "nbs2020_county", "wpp2024"} <= set(listed)
    for sid, row in listed.items():
        citation, location, _version, licence, quality = row[1:6]
        assert citation and location and licence and quality in QUALITY_TAGS, (sid, row)


def test_run_tables_cover_every_bundled_table_the_code_reads():
    # read_bundled("x.csv") and read_bundled(f"{folder}/x.csv") calls, matched against the manifest
    pattern = re.compile(r"read_bundled\(f?\"([^\"]+)\"")
    manifest = list(resources.read_manifest(resources.data_dir()))
    read = set()
    for module in (CHECKOUT / "oloy_model").rglob("*.py"):
        for literal in pattern.findall(module.read_text(encoding="utf-8")):
            regex = re.compile(re.sub(r"\\\{[^}]*\\\}", "[^/]+", re.escape(literal)))
            read |= {name for name in manifest if regex.fullmatch(name)}
    # the national tables and norms are read only for areas other than the bundled one: the
    # area report (reporting/area_outputs.py) cites them, the bundled report does not
    national = {name for name in read if name.startswith("census-china/") or name == "plan/national_norms.csv"}
    assert len(national) == 7
    assert read and read - {"sources.csv"} - national <= set(report.RUN_TABLES)


def test_appendix_flags_an_unknown_cited_source():
    scenario = om.load_scenario("baseline").with_values({"scenario.rationale": "From [source: wpp2024, nope_2031]."})

    shown = SimpleNamespace(scenario=scenario)  # the appendix reads only the scenario of a result
    table = report.cited_sources_table([shown]).set_index("source_id")
    assert table.loc["nope_2031", "citation"] == "not in data/sources.csv"
    assert table.loc["wpp2024", "licence"] == "CC BY 3.0 IGO"
    assert table.loc["wpp2024", "used_by"].startswith("rationale: baseline; data: wpp2024/")
