"""Scenarios: TOML files validated against :mod:`oloy_model.base.schema`.

A scenario file has a top-level ``name`` (optional; default the file stem), an optional
``extends = "other.toml"`` (resolved relative to the file, or a bundled scenario name), and
sections ``[scenario]``, ``[projection]``, ``[fertility]``, ``[mortality]``, ``[migration]``.
Every key not given takes its parent's value, then the schema default. Unknown keys, wrong
types, out-of-range values and missing files raise :class:`OloyInputError` naming the file,
the key path and the value; implausible-but-possible values warn
(:class:`DemographicWarning`).
"""
from __future__ import annotations

import difflib
import hashlib
import json
import tomllib
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np

from .errors import DemographicWarning, InertKeyWarning, OloyInputError
from .hierarchy import leaf_codes, resolve_area
from .inert import inert_keys
from .resources import data_checksum, scenarios_dir, sha256
from .safe_names import check_scenario_name
from .schema import defaults, EFFECT_SCHEMA, Key, MAX_EXTENDS_DEPTH, SCHEMA, SECTIONS, TOP_LEVEL
from .textfile import read_utf8

HASH_VERSION = "2"  # bump (with a CHANGELOG entry) when the meaning of a key changes
DESCRIPTIVE = ("scenario.description", "scenario.rationale")


@dataclass(frozen=True, eq=False)
class Scenario:
    """A validated, fully resolved scenario.

    Attributes
    ----------
    name : str
    values : Mapping[str, Any]
        Every schema key (``"section.key"``) with its resolved value; paths are absolute.
    source : str
        The file it was read from (``""`` when built in code).
    """

    name: str
    values: Mapping[str, Any]
    source: str = ""
    _hash: str = field(default="", repr=False, compare=False)

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Scenario) and (self.name, self.content_hash) == (other.name, other.content_hash)

    def __hash__(self) -> int:
        return hash((self.name, self.content_hash))

    @property
    def content_hash(self) -> str:
        """SHA-256 (hex) of the resolved numeric content and the data it reads.

        Stable across runs and machines; independent of the name, the description and the
        file's location; changes when any value, the bundled data or a referenced file does.
        """
        return self._hash or compute_hash(self.values)

    def with_values(self, changes: Mapping[str, Any], *, name: str | None = None) -> Scenario:
        """A new scenario with some keys changed (validated like a file)."""
        if not isinstance(changes, Mapping):
            raise TypeError(f"with_values: changes must be a mapping of 'section.key' to value, "
                            f"got {type(changes).__name__}")
        if name is not None and not isinstance(name, str):
            raise TypeError(f"with_values: name must be a string, got {type(name).__name__}")
        if name is not None:
            check_scenario_name(name, "with_values")
        merged = dict(self.values) | dict(changes)
        where = f"{self.name} (modified in code)"
        values = validate(merged, where, base_dir=Path.cwd())
        return Scenario(name or self.name, MappingProxyType(values), self.source, compute_hash(values))


def compute_hash(values: Mapping[str, Any]) -> str:
    content = {k: _plain(v) for k, v in sorted(values.items()) if k not in DESCRIPTIVE}
    for key, value in list(content.items()):
        if SCHEMA[key].type == "path" and value:
            content[key] = {"sha256": sha256(Path(value))}
    payload = {"hash_version": HASH_VERSION, "data": data_checksum(), "values": content}
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _plain(value: Any) -> Any:
    """JSON-ready copy of a resolved value (tables become dicts, tuples lists)."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def list_scenarios() -> list[str]:
    """Names of the bundled scenarios (file stems in ``scenarios/``), sorted."""
    return sorted(path.stem for path in scenarios_dir().glob("*.toml"))


def resolve_path(name_or_path: str | Path) -> Path:
    """A scenario file from a bundled name or a path."""
    text = str(name_or_path)
    path = Path(text)
    if path.suffix == ".toml" or path.exists() or "/" in text:
        if not path.is_file():
            raise OloyInputError(f"{path}: scenario file not found")
        return path.resolve()
    bundled = scenarios_dir() / f"{text}.toml"
    if not bundled.is_file():
        close = difflib.get_close_matches(text, list_scenarios(), n=3)
        hint = f"; did you mean {close}?" if close else ""
        raise OloyInputError(f"scenario {text!r} is not bundled (bundled: {list_scenarios()}){hint}")
    return bundled


def load_scenario(name_or_path: str | Path) -> Scenario:
    """Load and validate a scenario by bundled name (``"baseline"``) or path to a TOML file."""
    if not isinstance(name_or_path, (str, Path)):
        raise TypeError(f"load_scenario: expected a bundled name or a path, got {type(name_or_path).__name__}")
    path = resolve_path(name_or_path)
    problems: list[str] = []
    raw, name = _read_chain(path, [], problems)
    check_scenario_name(name, path)  # the name becomes a folder: refuse before any work
    if not raw and not problems:  # an empty or truncated file would run silently as the defaults
        warnings.warn(f"{path}: sets no keys and extends no scenario: it runs the schema defaults, which are not "
                      "the bundled baseline (e.g. migration.anchor = 'none'); add extends = \"baseline.toml\" to "
                      "start from the baseline", DemographicWarning, stacklevel=2)
    values = validate(raw, str(path), base_dir=path.parent, problems=problems)
    return Scenario(name, MappingProxyType(values), str(path), compute_hash(values))


def _read_toml(path: Path) -> dict:
    text = read_utf8(path, what="scenario file")  # a UTF-8 byte-order mark is accepted
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise OloyInputError(f"{path}: not valid TOML ({error})") from None


def _read_chain(path: Path, seen: list[Path], problems: list[str]) -> tuple[dict[str, Any], str]:
    """Flat values of ``path`` over those of its ``extends`` chain (paths made absolute).

    Key problems (unknown keys and sections) are appended to ``problems``; a file that
    cannot be read, a cycle or a chain longer than :data:`MAX_EXTENDS_DEPTH` raise at once.
    """
    if path in seen:
        raise OloyInputError(f"{path}: 'extends' forms a cycle: " + " -> ".join(str(p) for p in seen + [path]))
    if len(seen) >= MAX_EXTENDS_DEPTH:
        raise OloyInputError(f"{seen[0]}: key 'extends': the chain is more than {MAX_EXTENDS_DEPTH} files deep "
                             f"(reached {path}); expected at most {MAX_EXTENDS_DEPTH} files")
    document = _read_toml(path)
    flat = _flatten(document, path, problems)
    parent: dict[str, Any] = {}
    if "extends" in document:
        target = document["extends"]
        if not isinstance(target, str) or not target:
            raise OloyInputError(f"{path}: key 'extends' = {target!r}; expected a file name or bundled scenario name")
        candidate = (path.parent / target)
        if not candidate.is_file():
            try:
                candidate = resolve_path(Path(target).stem if target.endswith(".toml") else target)
            except OloyInputError:
                raise OloyInputError(f"{path}: key 'extends' = {target!r}: no such file next to it "
                                     f"({candidate}) and no bundled scenario of that name") from None
        parent, _ = _read_chain(candidate.resolve(), seen + [path], problems)
    name = document.get("name", path.stem)
    if not isinstance(name, str) or not name.strip():
        raise OloyInputError(f"{path}: key 'name' = {name!r}; expected a non-empty string")
    return parent | flat, name


def _flatten(document: dict, path: Path, problems: list[str]) -> dict[str, Any]:
    flat = {}
    for section, content in document.items():
        if section in TOP_LEVEL:
            continue
        if section not in SECTIONS:
            problems.append(f"{path}: unknown key '{section}'{_suggest(section, list(SECTIONS) + list(TOP_LEVEL))}; "
                            f"expected one of the sections {list(SECTIONS)} or {list(TOP_LEVEL)}")
            continue
        if not isinstance(content, dict):
            problems.append(f"{path}: '{section}' must be a table ([{section}]), got {content!r}")
            continue
        for key, value in content.items():
            full = f"{section}.{key}"
            if full not in SCHEMA:
                valid = [k.split(".", 1)[1] for k in SCHEMA if k.startswith(section + ".")]
                problems.append(f"{path}: unknown key '{full}'{_suggest(key, valid)}; valid keys in [{section}]: {valid}")
                continue
            if SCHEMA[full].type == "path" and isinstance(value, str) and value:
                value = str((path.parent / value).resolve())
            flat[full] = value
    return flat


def _suggest(word: str, options: list[str]) -> str:
    close = difflib.get_close_matches(word, options, n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def validate(raw: Mapping[str, Any], where: str, *, base_dir: Path,
             problems: list[str] | None = None) -> dict[str, Any]:
    """Check every value against the schema and fill defaults; returns the resolved values.

    Every problem is collected (``problems`` may bring some from reading the file) and
    reported together in one :class:`OloyInputError`, one line each. Keys set to a
    non-default value that have no effect under the other settings warn
    (:class:`InertKeyWarning`, see :mod:`oloy_model.base.inert`).
    """
    problems = list(problems or [])
    values = defaults() | dict(raw)
    bad = set()
    for name, value in values.items():
        try:
            if not isinstance(name, str) or name not in SCHEMA:
                raise OloyInputError(f"{where}: unknown key {name!r}{_suggest(str(name), list(SCHEMA))}")
            values[name] = _check(name, SCHEMA[name], value, where, base_dir)
        except OloyInputError as error:
            problems.append(str(error))
            bad.add(name)
    if not bad:
        problems += _cross_checks(values, where)
    raise_problems(problems)
    for key, condition in inert_keys(values):
        warnings.warn(f"{where}: key '{key}' is set but has no effect when {condition}", InertKeyWarning, stacklevel=3)
    return values


def raise_problems(problems: list[str]) -> None:
    """One :class:`OloyInputError` listing every problem (one per line)."""
    if len(problems) == 1:
        raise OloyInputError(problems[0])
    if problems:
        raise OloyInputError(f"{len(problems)} problems:\n  " + "\n  ".join(problems))


def _check(name: str, key: Key, value: Any, where: str, base_dir: Path) -> Any:
    def fail(expected: str) -> None:
        raise OloyInputError(f"{where}: key '{name}' = {value!r}; expected {expected}")

    if isinstance(value, np.generic):  # numpy scalars are accepted wherever Python ones are
        value = value.item()
    if key.type == "auto_float" and value == "auto":
        return value
    if key.type == "region_map":
        return _check_region_map(name, key, value, where)
    if key.type == "effects":
        return _check_effects(name, value, where, base_dir)
    if key.type in ("float", "auto_float"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            fail("a number" + (' or "auto"' if key.type == "auto_float" else "") + f" [{key.unit}]")
        value = float(value)
    elif key.type == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            fail(f"a whole number [{key.unit}]")
    elif key.type == "bool":
        if not isinstance(value, bool):
            fail("true or false")
    elif key.type in ("str", "path", "choice"):
        if not isinstance(value, str):
            fail("a string" if key.type != "choice" else f"one of {list(key.choices)}")
        if key.type == "choice" and value not in key.choices:
            fail(f"one of {list(key.choices)}")
        if key.type == "path" and value:
            path = Path(value) if Path(value).is_absolute() else (base_dir / value)
            if not path.is_file():
                fail(f"an existing file (not found: {path})")
            value = str(path.resolve())
    if key.type in ("float", "auto_float", "int"):
        if key.minimum is not None and not (key.minimum <= value <= key.maximum):
            fail(f"a value in [{key.minimum:g}, {key.maximum:g}] {key.unit}")
        if key.plausible and not (key.plausible[0] <= value <= key.plausible[1]):
            warnings.warn(f"{where}: key '{name}' = {value!r} is outside the plausible range "
                          f"[{key.plausible[0]:g}, {key.plausible[1]:g}] {key.unit}", DemographicWarning, stacklevel=4)
    return value


def _check_region_map(name: str, key: Key, value: Any, where: str) -> MappingProxyType:

    if not isinstance(value, Mapping):
        raise OloyInputError(f"{where}: key '{name}' = {value!r}; expected a table of region code = number, "
                             f"e.g. {{{leaf_codes()[0]} = 0.8}}")
    codes = leaf_codes()
    checked = {}
    for code, number in value.items():
        code = str(code)
        if code not in codes:
            raise OloyInputError(f"{where}: key '{name}.{code}': unknown region code {code!r}; expected one of {codes}")
        number_key = Key("float", 0.0, key.unit, key.doc, key.minimum, key.maximum, key.plausible)
        checked[code] = _check(f"{name}.{code}", number_key, number, where, Path())
    return MappingProxyType(dict(sorted(checked.items())))


def _check_effects(name: str, value: Any, where: str, base_dir: Path) -> tuple:
    if not isinstance(value, (list, tuple)):
        raise OloyInputError(f"{where}: key '{name}' = {value!r}; expected a list of [[{name}]] tables")
    effects = []
    for index, effect in enumerate(value):
        path = f"{name}[{index}]"
        if not isinstance(effect, Mapping):
            raise OloyInputError(f"{where}: key '{path}' = {effect!r}; expected a table with keys {list(EFFECT_SCHEMA)}")
        for field_name in effect:
            if field_name not in EFFECT_SCHEMA:
                raise OloyInputError(f"{where}: unknown key '{path}.{field_name}'"
                                     f"{_suggest(field_name, list(EFFECT_SCHEMA))}; valid keys: {list(EFFECT_SCHEMA)}")
        merged = {k: effect.get(k, spec.default) for k, spec in EFFECT_SCHEMA.items()}
        effects.append(MappingProxyType({k: _check(f"{path}.{k}", EFFECT_SCHEMA[k], v, where, base_dir)
                                         for k, v in merged.items()}))
    return tuple(effects)


def _cross_checks(values: dict[str, Any], where: str) -> list[str]:
    """Problems of keys that are valid alone but not together (the schema's documented constraints)."""
    v, problems = values, []
    if v["projection.horizon"] <= v["projection.base_year"]:
        problems.append(f"{where}: key 'projection.horizon' = {v['projection.horizon']}; expected a year after "
                        f"the base year {v['projection.base_year']}")
    if not v["projection.base_year"] <= v["plan.decision_year"] < v["plan.horizon"]:
        problems.append(f"{where}: keys 'plan.decision_year' = {v['plan.decision_year']} and 'plan.horizon' = "
                        f"{v['plan.horizon']}; expected base_year ({v['projection.base_year']}) <= decision_year < "
                        "plan.horizon")
    if v["projection.area"]:
        try:
            resolve_area(v["projection.area"])
        except OloyInputError as error:
            problems.append(f"{where}: key 'projection.area' = {v['projection.area']!r}: {error}")
    if v["migration.taper_end"] < v["migration.taper_start"]:
        problems.append(f"{where}: key 'migration.taper_end' = {v['migration.taper_end']}; expected a year "
                        f">= migration.taper_start ({v['migration.taper_start']})")
    if v["demand.institutional_share_60plus"] > v["demand.care_need_share_60plus"]:
        problems.append(f"{where}: key 'demand.institutional_share_60plus' = {v['demand.institutional_share_60plus']!r} "
                        f"is above 'demand.care_need_share_60plus' = {v['demand.care_need_share_60plus']!r}; expected "
                        "at most the share in need (institutional residents are drawn from the people in need, "
                        "so more residents than people in need is impossible)")
    if v["demand.care_need_share_60plus"] > v["demand.care_need_cap"]:
        problems.append(f"{where}: key 'demand.care_need_share_60plus' = {v['demand.care_need_share_60plus']!r} "
                        f"is above 'demand.care_need_cap' = {v['demand.care_need_cap']!r}; expected at most the cap "
                        "(the mean of a need curve capped at care_need_cap cannot exceed it)")
    return problems
