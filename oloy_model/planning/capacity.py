"""The capacity ledger: today's stock plus planned additions (and closures), by county.

A ledger is a table, one row per stock or change:
``id, region, service, type, year, places, cost_10k_yuan, status, source, quality``
with ``service`` in {elderly_beds, nursing_beds, childcare_places}, ``status`` in
{existing, planned, closure} and ``year`` the year the places are in service (by 1 November).
Capacity in year t = sum of places in service by t, minus closures by t.

The shipped ledger (:func:`plan_ledger`) is built from the plan's prefecture figures
(``data/plan/plan_figures.csv``). The plan's county project lists (annex 1) are not public,
so every county row is an *estimate*: prefecture totals are split by a stated rule
(``allocation``: each county's share of the service's target group in the 2020 census, or of
all residents) and phased over 2021-2025 (``phasing``: equal yearly fifths, or all in 2025),
with largest-remainder rounding so that every prefecture total is exact.
"""
from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from ..base.dimensions import SERVICES
from ..base.errors import OloyInputError
from ..base.user_tables import check_codes, check_unique, fail_rows, read_user_csv, to_number

LEDGER_COLUMNS = ["id", "region", "service", "type", "year", "places", "cost_10k_yuan", "status", "source", "quality"]
REQUIRED_COLUMNS = ["id", "region", "service", "type", "year", "places", "status"]
STATUSES = ("existing", "planned", "closure")
PLAN_YEARS = tuple(range(2021, 2026))
# Largest number of places one ledger row may hold: about 8.5 times Dali's whole 2020 stock of
# elderly-care beds (11,669; plan 2022). A larger figure is a typo (or a unit error), not a project.
MAX_PLACES_PER_ROW = 100_000


def largest_remainder(total: float, weights: np.ndarray) -> np.ndarray:
    """Whole numbers proportional to ``weights`` that add up exactly to ``total`` (Hamilton)."""
    weights = np.asarray(weights, dtype=float)
    exact = total * weights / weights.sum()
    floors = np.floor(exact)
    short = int(round(total - floors.sum()))
    order = np.argsort(-(exact - floors), kind="stable")
    floors[order[:short]] += 1
    return floors


def _item(plan: Mapping[str, float], service: str, type_: str, places_key: str, cost_key: str | None,
          status: str, year_weights: Mapping[int, float], county_weights: pd.Series, quality: str,
          places_factor: float = 1.0) -> list[dict]:
    total = plan[places_key] * places_factor
    cost = plan[cost_key] if cost_key else np.nan
    unit_cost = cost / plan[places_key] if cost_key else np.nan
    years = list(year_weights)
    cells = np.outer(county_weights.to_numpy(), [year_weights[y] for y in years])
    places = largest_remainder(round(total), cells.reshape(-1)).reshape(cells.shape)
    rows = []
    for i, region in enumerate(county_weights.index):
        for j, year in enumerate(years):
            if places[i, j] == 0:
                continue
            rows.append({"id": f"{places_key}-{region}-{year}", "region": region, "service": service, "type": type_,
                         "year": year, "places": float(places[i, j]), "cost_10k_yuan": places[i, j] * unit_cost,
                         "status": status, "source": "dali_plan_2022", "quality": quality})
    return rows


def plan_ledger(plan: Mapping[str, float], weights: Mapping[str, pd.Series], *, phasing: str = "even",
                childcare_base: str = "stock_8042", nursing_share_of_new_beds: float = 0.55) -> pd.DataFrame:
    """The shipped ledger: the plan's 2020 stock and 14th-plan additions split to counties.

    Parameters
    ----------
    plan : mapping item -> value
        From ``data/plan/plan_figures.csv``.
    weights : mapping service -> Series (region -> weight)
        County allocation weights per service.
    phasing : {"even", "end"}
        Planned additions in equal fifths over 2021-2025, or all in 2025.
    childcare_base : {"stock_8042", "stock_3125"}
        Which of the plan's two published childcare stocks is the 2020 base (they disagree).
    nursing_share_of_new_beds : float [-]
        Share of the new elderly beds that are nursing-type (an assumption; the plan sets no
        number, only the 55% target share).
    """
    if phasing not in ("even", "end"):
        raise OloyInputError(f"capacity phasing={phasing!r}; expected one of ['even', 'end']")
    phases = {y: 1.0 for y in PLAN_YEARS} if phasing == "even" else {2025: 1.0}
    base = {2020: 1.0}
    base_child = "childcare_places" if childcare_base == "stock_8042" else "childcare_places_alternative"
    rows: list[dict] = []
    e, c = weights["elderly_beds"], weights["childcare_places"]
    rows += _item(plan, "elderly_beds", "existing", "elderly_beds_total", None, "existing", base, e, "estimated")
    rows += _item(plan, "nursing_beds", "existing", "nursing_beds_medical_care", None, "existing", base, e, "estimated")
    rows += _item(plan, "childcare_places", "private", base_child, None, "existing", base, c, "estimated")
    for type_, places, cost in (("public", "elderly_public_new_beds", "elderly_public_investment"),
                                ("public_benefit", "elderly_public_benefit_new_beds", "elderly_public_benefit_investment"),
                                ("community", "community_centres_new_beds", None),
                                ("district", "district_centres_new_beds", None)):
        rows += _item(plan, "elderly_beds", type_, places, cost, "planned", phases, e, "estimated")
        rows += [row | {"id": "nursing-" + row["id"], "cost_10k_yuan": 0.0, "quality": "assumption"}
                 for row in _item(plan, "nursing_beds", type_, places, None, "planned", phases, e, "assumption",
                                  places_factor=nursing_share_of_new_beds)]
    for type_, places, cost in (("public", "childcare_public_new_places", "childcare_public_investment"),
                                ("public_benefit", "childcare_public_benefit_new_places",
                                 "childcare_public_benefit_investment")):
        rows += _item(plan, "childcare_places", type_, places, cost, "planned", phases, c, "estimated")
    return pd.DataFrame(rows, columns=LEDGER_COLUMNS)


def read_ledger(path: str | Path, *, regions: list[str], years: tuple[int, int] = (1990, 2100)) -> pd.DataFrame:
    """Read and check a user ledger (the real project list) in the documented layout.

    Required columns: ``id, region, service, type, year, places, status``; optional
    ``cost_10k_yuan, source, quality``. Errors name the file, column and up to five rows.
    ``places`` is 0..:data:`MAX_PLACES_PER_ROW`; closures may not take a county's capacity
    of a service below zero in any year (:func:`check_capacity`); a file with a header and
    no rows is an error.
    """
    frame = read_user_csv(path, REQUIRED_COLUMNS, what="capacity ledger")
    return _checked_ledger(frame, path, regions, years, default_source=str(path))


def _checked_ledger(frame: pd.DataFrame, path: str | Path, regions: list[str], years: tuple[int, int], *,
                    default_source: str) -> pd.DataFrame:
    """The checks of :func:`read_ledger` on a table of text columns; the ledger in its layout."""
    frame["region"] = check_codes(frame, "region", regions, path)
    frame["service"] = check_codes(frame, "service", SERVICES, path)
    frame["status"] = check_codes(frame, "status", STATUSES, path)
    frame["year"] = to_number(frame, "year", path, integer=True, minimum=years[0], maximum=years[1]).astype(int)
    frame["places"] = to_number(frame, "places", path, minimum=0, maximum=MAX_PLACES_PER_ROW)
    fail_rows(path, "id", frame["id"].str.strip() == "", frame, "a non-empty id")
    check_unique(frame, ["id"], path)
    if "cost_10k_yuan" in frame.columns:
        blank = frame["cost_10k_yuan"].str.strip() == ""
        costs = frame["cost_10k_yuan"].where(~blank, "0")
        frame["cost_10k_yuan"] = to_number(frame.assign(cost_10k_yuan=costs), "cost_10k_yuan", path, minimum=0)
        frame.loc[blank, "cost_10k_yuan"] = np.nan
    else:
        frame["cost_10k_yuan"] = np.nan
    frame["source"] = frame["source"] if "source" in frame.columns else default_source
    frame["quality"] = frame["quality"] if "quality" in frame.columns else "user"
    ledger = frame[LEDGER_COLUMNS].reset_index(drop=True)
    check_capacity(ledger, path, first_line=2)
    return ledger


def check_capacity(ledger: pd.DataFrame, source: str | Path, *, first_line: int | None = None) -> None:
    """Raise when closures take capacity below zero (region, service, year and the closure rows).

    ``first_line`` is the file line of the ledger's first row (2 below a header), so that
    the rows are named as in the file; ``None`` names them by table index.
    """
    if not len(ledger):
        return
    years = np.arange(int(ledger["year"].min()), int(ledger["year"].max()) + 1)
    table = capacity_by_year(ledger, years, sorted(ledger["region"].unique()))
    negative = table[table["capacity"] < -1e-9]
    if negative.empty:
        return
    first = negative.iloc[0]
    cell = ((ledger["region"] == first["region"]) & (ledger["service"] == first["service"])
            & (ledger["year"] <= first["year"]) & (ledger["status"] == "closure"))
    rows = ", ".join((f"line {i + first_line}" if first_line is not None else f"row {i}")
                     + f": {ledger['places'].iloc[i]:g}" for i in np.flatnonzero(cell.to_numpy())[:5])
    raise OloyInputError(
        f"{source}: column 'places': closures exceed the stock in {len(negative)} region-service-year(s), first "
        f"region {first['region']} {first['service']} in {int(first['year'])}: capacity {first['capacity']:g} "
        f"(closure rows {rows}); expected closures no larger than the places in service")


def capacity_by_year(ledger: pd.DataFrame, years: np.ndarray, regions: list[str],
                     services: tuple[str, ...] = SERVICES) -> pd.DataFrame:
    """Places in service by region, year and service: ``[region, year, service, capacity]``."""
    signed = ledger.assign(places=np.where(ledger["status"] == "closure", -1.0, 1.0) * ledger["places"].astype(float))
    index = pd.MultiIndex.from_product([regions, services, list(years)], names=["region", "service", "year"])
    yearly = signed.groupby(["region", "service", "year"])["places"].sum()
    first = min(int(np.min(years)), int(ledger["year"].min()) if len(ledger) else int(np.min(years)))
    full = pd.MultiIndex.from_product([regions, services, range(first, int(np.max(years)) + 1)],
                                      names=["region", "service", "year"])
    cumulative = yearly.reindex(full, fill_value=0.0).groupby(level=["region", "service"]).cumsum()
    table = cumulative.reindex(index).rename("capacity").reset_index()
    return table[["region", "year", "service", "capacity"]]


def unit_costs(plan: Mapping[str, float]) -> pd.DataFrame:
    """The plan's own unit costs [10k yuan per place] = investment / places added."""
    rows = [
        ("elderly_beds", "all 14th-plan projects", plan["elderly_investment_total"], plan["elderly_new_beds_total"]),
        ("elderly_beds", "public", plan["elderly_public_investment"], plan["elderly_public_new_beds"]),
        ("elderly_beds", "public_benefit", plan["elderly_public_benefit_investment"], plan["elderly_public_benefit_new_beds"]),
        ("childcare_places", "all 14th-plan projects", plan["childcare_investment_total"], plan["childcare_new_places_total"]),
        ("childcare_places", "public", plan["childcare_public_investment"], plan["childcare_public_new_places"]),
        ("childcare_places", "public_benefit", plan["childcare_public_benefit_investment"],
         plan["childcare_public_benefit_new_places"]),
    ]
    table = pd.DataFrame(rows, columns=["service", "basis_of_cost", "investment_10k_yuan", "places"])
    table["unit_cost_10k_yuan"] = table["investment_10k_yuan"] / table["places"]
    table["note"] = ""
    # Nursing-type beds are costed as elderly beds (the plan gives no separate cost).
    nursing = table[table["service"] == "elderly_beds"].assign(
        service="nursing_beds", note="same as elderly_beds: nursing-type beds are elderly beds; the plan gives no "
                                     "separate cost")
    return pd.concat([table, nursing], ignore_index=True)


FRAME_SOURCE = "ledger argument (rows numbered as lines of a CSV file: header = line 1)"


def check_ledger_frame(ledger: pd.DataFrame, *, regions: list[str],
                       years: tuple[int, int] = (1990, 2100)) -> pd.DataFrame:
    """Check a ledger passed in code (``om.run(..., ledger=...)``) as :func:`read_ledger` checks a
    file (columns, codes of ``regions``, services, statuses, years, finite places within range,
    unique ids, capacity >= 0); returns the checked ledger in its layout (a new frame)."""
    if not isinstance(ledger, pd.DataFrame):
        raise TypeError(f"ledger must be a DataFrame in the layout of oloy_model.planning.capacity, got {type(ledger).__name__}")
    missing = [c for c in REQUIRED_COLUMNS if c not in ledger.columns]
    if missing:
        raise OloyInputError(f"ledger argument: missing column(s) {missing}; expected columns {LEDGER_COLUMNS}")
    if ledger.empty:
        raise OloyInputError(f"ledger argument: no rows; expected at least one row under the columns {REQUIRED_COLUMNS}")
    text = ledger.reset_index(drop=True).astype(object)
    text = text.where(text.notna(), "").astype(str)  # the file checks read text: a NaN is a blank cell
    return _checked_ledger(text, FRAME_SOURCE, [str(r) for r in regions], years, default_source="ledger argument")


def capacity_array(ledger: pd.DataFrame, codes: list[str], years: np.ndarray) -> np.ndarray:
    """Capacity (years, counties + 1, services) [places] of the counties ``codes`` and their sum.

    A (county, service) the ledger has no row for has unknown capacity: NaN, never zero; the
    sum row is NaN for a service when any county's capacity of it is unknown (the rule of the
    deterministic area run, whose upper-region gaps are absent then).
    """
    ledger = ledger.assign(region=ledger["region"].astype(str))
    known = set(zip(ledger["region"], ledger["service"]))
    table = capacity_by_year(ledger, years, list(codes))
    columns = pd.MultiIndex.from_product([list(codes), list(SERVICES)])
    wide = table.pivot_table(index="year", columns=["region", "service"], values="capacity").reindex(
        index=list(years), columns=columns)
    stated = np.array([(code, service) in known for code, service in columns]).reshape(len(codes), len(SERVICES))
    cap = np.empty((len(years), len(codes) + 1, len(SERVICES)))
    cap[:, :-1] = np.where(stated, wide.to_numpy().reshape(len(years), len(codes), len(SERVICES)), np.nan)
    cap[:, -1] = cap[:, :-1].sum(axis=1)
    return cap


def _check_need_arguments(demand, year, regions, basis: str) -> None:
    """Clear errors for :func:`need_ledger`'s arguments (which one, its value, what was expected)."""
    needed = ["region", "year", "service", "basis", "demand"]
    if not isinstance(demand, pd.DataFrame) or any(c not in demand.columns for c in needed):
        found = list(demand.columns) if isinstance(demand, pd.DataFrame) else type(demand).__name__
        raise OloyInputError(f"need_ledger: demand = {found}; expected Result.demand, a DataFrame with columns {needed}")
    if basis not in ("norm", "uptake"):
        raise OloyInputError(f"need_ledger: basis={basis!r}; expected 'norm' or 'uptake'")
    years = sorted(int(y) for y in demand["year"].unique())
    if isinstance(year, bool) or not isinstance(year, (int, np.integer)) or int(year) not in years:
        raise OloyInputError(f"need_ledger: year={year!r}; expected a whole number among the demand's years "
                             f"{years[0]}..{years[-1]}")
    if isinstance(regions, str) or not len(regions):
        raise OloyInputError(f"need_ledger: regions={regions!r}; expected a non-empty list of county codes")
    unknown = sorted(set(map(str, regions)) - set(demand["region"].astype(str)))
    if unknown:
        raise OloyInputError(f"need_ledger: regions {unknown[:5]} ({len(unknown)} codes) have no demand rows; expected "
                             "counties of the run's area")


def need_ledger(demand: pd.DataFrame, year: int, *, regions: list[str], basis: str = "norm",
                in_service: int | None = None) -> pd.DataFrame:
    """A what-if ledger: every county holds, from ``in_service`` on, the places its demand
    needs in ``year`` (rounded to whole places) on ``basis``.

    It answers "if each county built to the central projection's need for ``year``, how likely
    is a shortfall (and when)?", the risk of planning to a point forecast, where no real
    ledger exists (outside the bundled area no capacity data is bundled). It is *not* a
    statement of capacity: every row has ``type`` "what-if", ``quality`` "assumption" and a
    ``source`` that says how it was made.

    Parameters
    ----------
    demand : DataFrame
        ``Result.demand`` of one scenario: ``[region, year, service, basis, demand]`` [places].
    year : int
        The year whose demand is met.
    regions : list of str
        The counties (rows of other regions, the upper totals, are not ledger rows).
    basis : {"norm", "uptake"}
    in_service : int, optional
        The year the places count from (default the first year of ``demand``).
    """
    _check_need_arguments(demand, year, regions, basis)
    rows = demand[(demand["year"] == year) & (demand["basis"] == basis)
                  & demand["region"].astype(str).isin([str(r) for r in regions])]
    if rows.empty:
        raise OloyInputError(f"need_ledger: no {basis!r} demand for the regions given in {year} (the area has no norm "
                             "of that basis); expected basis 'uptake', or demand rows of those regions")
    if rows.duplicated(["region", "service"]).any():
        raise OloyInputError("need_ledger: demand holds several rows per (region, service) for one year and basis; "
                             "expected the demand of one scenario")
    start = int(demand["year"].min()) if in_service is None else int(in_service)
    region = rows["region"].astype(str)
    return pd.DataFrame({
        "id": "need-" + region + "-" + rows["service"], "region": region, "service": rows["service"],
        "type": "what-if", "year": start, "places": np.round(rows["demand"].to_numpy()), "cost_10k_yuan": np.nan,
        "status": "planned", "source": f"central projection's {basis} demand in {year} (what-if, not capacity data)",
        "quality": "assumption"}).reset_index(drop=True)[LEDGER_COLUMNS]
