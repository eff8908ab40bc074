"""The region hierarchy of the modelled area: which region sums into which.

The model projects the leaves: the county-level units of ``data/census7/regions.csv``. Their
parents follow from the statistical division codes themselves (GB/T 2260, six digits:
province, prefecture and county pairs; a code's parent zeroes its last non-zero pair,
[source: nbs_division_codes]); the modelled area is the nearest region that contains every
leaf (the prefecture for the bundled data, a province for counties of several prefectures).
Levels are the census tabulation's (``data/census7/population_by_age_group.csv``, column
``level``). Every upper region is the sum of the leaves below it, computed by
:func:`with_parent_totals` and nowhere else; no division code is written in the code.

Any other area of China (``area=`` a prefecture, province or the nation code of
:func:`oloy_model.base.national.areas`) takes its tree from the national tables
(:func:`oloy_model.base.national.area_tree`: nation -> provinces -> prefectures -> counties); the
default (``area=None``, or the bundled area's own code) is the bundled area, unchanged.
"""
from __future__ import annotations

import functools

import pandas as pd

from . import national
from .caching import read_only_cache
from .errors import OloyInputError
from .resources import read_bundled

LEAVES_FILE = "census7/regions.csv"
LEVELS_FILE = "census7/population_by_age_group.csv"
NAMES_FILE = "census7/areas.csv"


def parent_code(code: str) -> str:
    """The GB/T 2260 parent of a 6-digit division code ('' for a province)."""
    if code[4:] != "00":
        return code[:4] + "00"
    if code[2:4] != "00":
        return code[:2] + "0000"
    return ""


@read_only_cache(maxsize=1)
def _hierarchy() -> tuple[tuple[str, str, str], ...]:
    """(region, parent, level) of the area's root (parent '') and every region below it."""
    leaves = sorted(read_bundled(LEAVES_FILE)["region"].astype(str))
    chains = {leaf: _chain(leaf) for leaf in leaves}
    common = set.intersection(*(set(chain) for chain in chains.values()))
    if not common:
        raise OloyInputError(f"{LEAVES_FILE}: column 'region' holds {leaves[:3]}...; expected the counties of one area "
                             "(division codes with a common prefecture or province)")
    root = chains[leaves[0]][min(chains[leaves[0]].index(code) for code in common)]
    levels = read_bundled(LEVELS_FILE).drop_duplicates("region").set_index("region")["level"].astype(str)
    below_root = {code for chain in chains.values() for code in chain[:chain.index(root)]} | set(leaves)
    rows = [(root, "")] + sorted((code, parent_code(code)) for code in below_root)
    missing = [code for code, _ in rows if code not in levels.index]
    if missing:
        raise OloyInputError(f"{LEVELS_FILE}: column 'region' lacks {missing}; expected every region of the area")
    return tuple((code, parent, levels[code]) for code, parent in rows)


def _chain(code: str) -> list[str]:
    """The ancestors of ``code``, nearest first."""
    chain, up = [], parent_code(code)
    while up:
        chain.append(up)
        up = parent_code(up)
    return chain


def resolve_area(area: str | None) -> str | None:
    """None for the bundled area (given as None or by its own code), else a checked area code."""
    if area is None or str(area).strip() == area_code():
        return None
    return national.check_area(area)


def _tree(area: str | None) -> tuple[tuple[str, str, str], ...]:
    resolved = resolve_area(area)
    return _hierarchy() if resolved is None else national.area_tree(resolved)


def hierarchy(area: str | None = None) -> pd.DataFrame:
    """Every region of the modelled area: ``[region, parent, level]`` (``parent`` empty at the root).

    Parameters
    ----------
    area : str, optional
        Division code of a prefecture, province or the nation (see :func:`oloy_model.base.national.areas`);
        default the bundled area.

    Returns a new frame each call (callers may edit it).
    """
    return pd.DataFrame(list(_tree(area)), columns=["region", "parent", "level"])


@functools.lru_cache(maxsize=64)
def area_code(area: str | None = None) -> str:
    """The division code of the whole modelled area (the root of the hierarchy: the prefecture
    for the bundled data; ``area`` itself, checked, when given)."""
    return _hierarchy()[0][0] if area is None else _tree(area)[0][0]


def leaf_codes(area: str | None = None) -> list[str]:
    """The county-level units the model projects (the hierarchy's leaves), ascending."""
    return sorted(_ancestors(area))


@functools.lru_cache(maxsize=1)
def area_names() -> tuple[str, str, str, str]:
    """Names of the modelled area (the hierarchy's root): ``(name_zh, name_en, short_zh, short_en)``.

    From ``data/census7/areas.csv`` [source: nbs_division_codes], e.g. ('大理白族自治州', 'Dali
    Bai Autonomous Prefecture', '大理州', 'Dali') for the bundled data; titles and labels take
    the area's name from here instead of writing it in the code.
    """
    table = read_bundled(NAMES_FILE).astype({"region": str}).set_index("region")
    code = area_code()
    if code not in table.index:
        raise OloyInputError(f"{NAMES_FILE}: column 'region' lacks {code!r}; expected a row naming the modelled area "
                             "(name_zh, name_en, short_zh, short_en)")
    row = table.loc[code]
    return str(row["name_zh"]), str(row["name_en"]), str(row["short_zh"]), str(row["short_en"])


def area_level(area: str | None = None) -> str:
    """The census level of the modelled area: 'prefecture' for the bundled data; for ``area``,
    'nation', 'province' or 'prefecture'."""
    return _tree(area)[0][2]


def _ancestors(area: str | None = None) -> dict[str, list[str]]:
    """Leaf code -> its ancestors from the area's root down to its parent."""
    return _chains(_tree(area))


@functools.lru_cache(maxsize=16)
def _chains(tree: tuple[tuple[str, str, str], ...]) -> dict[str, list[str]]:
    parent = {region: up for region, up, _ in tree}
    uppers = set(parent.values())
    chains = {}
    for leaf in parent:
        if leaf in uppers:
            continue
        chain, up = [], parent[leaf]
        while up:
            chain.append(up)
            up = parent[up]
        chains[leaf] = chain[::-1]
    return chains


def with_parent_totals(table: pd.DataFrame, keys: list[str], values: list[str], *, sort: bool = True,
                       area: str | None = None) -> pd.DataFrame:
    """``table`` (rows of leaf regions) followed by the totals of every upper region.

    Parameters
    ----------
    table : DataFrame
        Has a ``region`` column of leaf codes, the grouping ``keys`` and the summed ``values``.
        A region outside the hierarchy (a made-up code in a test) counts towards the root only.
    keys, values : list of str
        Columns to group by (besides the region) and to sum.
    sort : bool
        Sort the groups (pandas ``groupby(sort=...)``); ``False`` keeps first-appearance order.
    area : str, optional
        The area whose hierarchy is used (default the bundled area); see :func:`hierarchy`.

    Returns
    -------
    DataFrame
        The rows of ``table``, then the sums over the leaves of every upper region, level by
        level from the root down, with ``table``'s columns.
    """
    resolved = resolve_area(area)
    chains = _ancestors(resolved)
    root = [area_code(resolved)]
    region_chains = {region: chains.get(region, root) for region in table["region"].unique()}
    parts = [table]
    for depth in range(max(map(len, region_chains.values()), default=0)):
        mapping = {leaf: chain[depth] for leaf, chain in region_chains.items() if len(chain) > depth}
        rows = table[table["region"].isin(list(mapping))].assign(__parent=lambda t: t["region"].map(mapping))
        totals = rows.groupby(["__parent"] + keys, as_index=False, observed=True, sort=sort)[values].sum()
        totals = totals.rename(columns={"__parent": "region"})
        totals["region"] = totals["region"].astype(table["region"].dtype)
        parts.append(totals[table.columns])
    return pd.concat(parts, ignore_index=True)
