"""The resolved assumptions of a scenario: typed, frozen, built once by :func:`resolve`.

A :class:`~oloy_model.base.scenario.Scenario` is the file: every schema key with its validated
value, ``"auto"`` included. :func:`resolve` turns it into :class:`Assumptions`, one frozen
dataclass per schema section (``a.fertility.level_ratio``, ``a.plan.lead_time``, ...), and is
the only place where ``"auto"`` settings are replaced by the model's own estimates:

=====================================  =====================================================
key                                    ``"auto"`` resolves to
=====================================  =====================================================
``fertility.level_ratio``              :func:`oloy_model.demography.local_estimates.prefecture_tfr_ratio`
``fertility.srb``                      :func:`oloy_model.demography.local_estimates.census_srb`
``mortality.sex_gap``                  :func:`oloy_model.demography.local_estimates.wpp_sex_gap` (base year)
``demand.*_2030``                      ``None``: no path point, the norm runs straight from
                                       2025 to 2035 (:attr:`Demand.norm_paths`)
``stochastic.*`` (four keys)           the fits of :mod:`oloy_model.demography.variability`, made on
                                       first use of :attr:`Assumptions.stochastic` (they
                                       need statsmodels; a deterministic run never fits)
=====================================  =====================================================

Three keys depend on the area whatever their value: ``projection.area`` resolves to ``None`` for
the bundled area (empty or its own code), else the checked code; ``mortality.e0_base`` left at
its default (the Dali plan's value) outside the bundled area resolves to the area's estimated
default, national level x ISMR (:func:`oloy_model.demography.area_mortality.mortality_default`);
``migration.basis`` left at its default (``rates``) outside the bundled area resolves to
``mixed`` (net losses as rates, net gains as counts; :func:`oloy_model.demography.projection.migration_parts`).
The demand-norm path points (``demand.elderly_beds_per_1000_*``, ``demand.nursing_share_*``,
``demand.childcare_per_1000_*``) left at their defaults (the Dali plan's) outside the bundled
area resolve to the national norms of :mod:`oloy_model.base.norms` (``None`` where the
national plans give no value; :func:`national_norm_keys` lists them).

Every field is named after its schema key (section = attribute of :class:`Assumptions`,
key = field), so the schema (:mod:`oloy_model.base.schema`) stays the one list of keys, units and
defaults; tests/demography/test_assumptions.py checks that every key has exactly one field and vice
versa. Paths are absolute strings, or ``None`` for "no file"; county tables are read-only
mappings; the result is cached per scenario and immutable.
"""
from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from ..base.hierarchy import resolve_area
from ..base.norms import national_value
from ..base.scenario import Scenario
from ..base.schema import SCHEMA
from . import local_estimates as estimates, variability
from .area_mortality import mortality_default


@dataclass(frozen=True)
class ScenarioText:
    """``[scenario]``: descriptive text (not part of the content hash)."""

    description: str
    rationale: str


@dataclass(frozen=True)
class ProjectionSettings:
    """``[projection]``: base, horizon [years], base-population methods, kernel timing."""

    base_year: int
    horizon: int
    base_method: str
    open_age_method: str
    base_population_file: str | None
    observations_file: str | None
    migration_timing: str
    area: str | None  # the modelled area's division code; None = the bundled area (Dali)


@dataclass(frozen=True)
class Effect:
    """One ``[[fertility.effects]]`` table: an additive TFR trapezoid [children per woman]."""

    name: str
    onset: float
    peak: float
    ramp_years: float
    plateau_years: float
    decay_years: float
    floor: float


@dataclass(frozen=True)
class Fertility:
    """``[fertility]``; ``level_ratio`` and ``srb`` are numbers (``"auto"`` resolved)."""

    tfr_variant: str
    variant_phasing: str
    level_ratio: float
    county_differentials: bool
    county_multipliers: Mapping[str, float]
    schedule_year: int
    srb: float
    effects: tuple[Effect, ...]
    tfr_offset: float
    offset_start: int


@dataclass(frozen=True)
class Mortality:
    """``[mortality]``; ``sex_gap`` [years] is a number (``"auto"`` resolved)."""

    e0_base: float
    sex_gap: float
    trend: str
    annual_gain: float


@dataclass(frozen=True)
class Migration:
    """``[migration]``: multipliers on the 2010-2020 schedule, taper years, anchoring."""

    basis: str
    scale: float
    scale_end: float
    county_scale: Mapping[str, float]
    taper_start: int
    taper_end: int
    anchor: str
    anchor_file: str | None


NORM_PATHS = {"elderly_beds_per_1000_60plus": "elderly_beds_per_1000_{}", "nursing_share": "nursing_share_{}",
              "childcare_places_per_1000": "childcare_per_1000_{}"}
NORM_YEARS = (2020, 2025, 2030, 2035)  # path points; linear between them, held after 2035


@dataclass(frozen=True)
class Demand:
    """``[demand]``: norm path points and the uptake parameters.

    A 2030 point is ``None`` when the scenario says ``"auto"``: the path then has no 2030
    point and runs straight from 2025 to 2035 (:attr:`norm_paths`). Outside the bundled
    area a norm point left at its default is the national value
    (:func:`oloy_model.base.norms.national_value`), ``None`` where none exists: a path with
    no point at all has no norm (its demand is absent).
    """

    elderly_beds_per_1000_2020: float | None
    elderly_beds_per_1000_2025: float | None
    elderly_beds_per_1000_2030: float | None
    elderly_beds_per_1000_2035: float | None
    nursing_share_2020: float | None
    nursing_share_2025: float | None
    nursing_share_2030: float | None
    nursing_share_2035: float | None
    childcare_per_1000_2020: float | None
    childcare_per_1000_2025: float | None
    childcare_per_1000_2030: float | None
    childcare_per_1000_2035: float | None
    care_need_share_60plus: float
    care_need_age_slope: float
    care_need_cap: float
    institutional_share_60plus: float
    elderly_occupancy: float
    nursing_share_of_residents: float
    childcare_enrolment: float
    childcare_occupancy: float

    @property
    def norm_paths(self) -> dict[str, dict[int, float]]:
        """Norm path points by year for each path (beds per 1,000 aged 60+, nursing-type
        share, places per 1,000 residents); a ``None`` point is left out."""
        return {path: {year: getattr(self, field.format(year)) for year in NORM_YEARS
                       if getattr(self, field.format(year)) is not None}
                for path, field in NORM_PATHS.items()}


@dataclass(frozen=True)
class Capacity:
    """``[capacity]``: the ledger (user file or the plan's) and how it is split."""

    ledger_file: str | None
    childcare_base: str
    phasing: str
    allocation: str
    nursing_share_of_new_beds: float


@dataclass(frozen=True)
class PlanSettings:
    """``[plan]``: build-schedule settings (:mod:`oloy_model.planning.schedule`)."""

    basis: str
    risk: float
    decision_year: int
    horizon: int
    lead_time: int
    max_open_rate_elderly: float
    max_open_rate_childcare: float
    retirement_rate: float
    cost_elderly_bed: float
    cost_childcare_place: float
    cost_conversion: float
    nursing_conversion: bool
    childcare_conversion: bool
    childcare_places_per_bed: int


@dataclass(frozen=True)
class Workforce:
    """``[workforce]``: staffing ratios."""

    residents_per_carer_nursing: float
    residents_per_carer_other: float
    social_workers_per_1000_60plus: float
    children_per_carer_age0: float
    children_per_carer_age1: float
    children_per_carer_age2: float

    @property
    def children_per_carer(self) -> tuple[float, float, float]:
        """Children per carer at ages 0, 1 and 2."""
        return self.children_per_carer_age0, self.children_per_carer_age1, self.children_per_carer_age2


@dataclass(frozen=True)
class Stochastic:
    """``[stochastic]``: noise settings of :func:`oloy_model.simulate` (``"auto"`` = fitted)."""

    fertility_sd: float
    fertility_ar: float
    county_fertility_sd: float
    county_fertility_ar: float
    e0_sd: float
    migration_level_sd: float
    migration_annual_sd: float
    migration_ar: float
    uptake_sd: float
    shortfall_threshold: float


SECTION_TYPES: dict[str, type] = {
    "scenario": ScenarioText, "projection": ProjectionSettings, "fertility": Fertility, "mortality": Mortality,
    "migration": Migration, "demand": Demand, "capacity": Capacity, "plan": PlanSettings, "workforce": Workforce,
    "stochastic": Stochastic,
}

Values = Mapping[str, Any]

# "auto" -> value, given the scenario's values. The stochastic fits are resolved lazily
# (Assumptions.stochastic) because they import statsmodels.
AUTO: dict[str, Callable[[Values], Any]] = {
    "fertility.level_ratio": lambda v: estimates.prefecture_tfr_ratio(area=_area(v)),
    "fertility.srb": lambda v: estimates.census_srb(area=_area(v)),
    "mortality.sex_gap": lambda v: estimates.wpp_sex_gap(v["projection.base_year"]),
    "demand.elderly_beds_per_1000_2030": lambda v: None,
    "demand.nursing_share_2030": lambda v: None,
    "demand.childcare_per_1000_2030": lambda v: None,
    "stochastic.fertility_sd": lambda v: variability.fit_fertility()["sd"],
    "stochastic.fertility_ar": lambda v: variability.fit_fertility()["ar"],
    "stochastic.county_fertility_sd": lambda v: variability.county_fertility_sd(estimates.fertility_estimates()),
    "stochastic.e0_sd": lambda v: variability.fit_mortality()["sd"],
}


@dataclass(frozen=True)
class Assumptions:
    """Every assumption of a scenario, typed and resolved (see the module docstring).

    ``stochastic`` is resolved on first access (its ``"auto"`` values are model fits).
    """

    scenario: ScenarioText
    projection: ProjectionSettings
    fertility: Fertility
    mortality: Mortality
    migration: Migration
    demand: Demand
    capacity: Capacity
    plan: PlanSettings
    workforce: Workforce
    _values: Values = dataclasses.field(repr=False, compare=False)

    @functools.cached_property
    def stochastic(self) -> Stochastic:
        return _section("stochastic", self._values)


def resolve(scenario: Scenario) -> Assumptions:
    """The typed, resolved assumptions of ``scenario`` (cached; the result is immutable).

    Parameters
    ----------
    scenario : Scenario
        A validated scenario (:func:`oloy_model.load_scenario`).

    Returns
    -------
    Assumptions
        One frozen dataclass per schema section; ``"auto"`` replaced as listed in the
        module docstring; file paths absolute or ``None``.
    """
    if not isinstance(scenario, Scenario):
        raise TypeError(f"resolve: expected a Scenario (om.load_scenario), got {type(scenario).__name__}")
    text = (scenario.values["scenario.description"], scenario.values["scenario.rationale"])
    return _resolve_cached(scenario.content_hash, text, scenario)


@functools.lru_cache(maxsize=32)
def _resolve_cached(_hash: str, _text: tuple[str, str], scenario: Scenario) -> Assumptions:
    values = scenario.values
    sections = {name: _section(name, values) for name in SECTION_TYPES if name != "stochastic"}
    return Assumptions(**sections, _values=values)


def _section(name: str, values: Values) -> Any:
    cls = SECTION_TYPES[name]
    return cls(**{f.name: _value(f"{name}.{f.name}", values) for f in dataclasses.fields(cls)})


def _area(values: Values) -> str | None:
    """The scenario's area: None for the bundled one (empty key or its own code), else checked."""
    return resolve_area(values["projection.area"] or None)


def scenario_area(scenario: Scenario) -> str | None:
    """The area a scenario states (``resolve(scenario).projection.area``) without resolving the
    rest: no estimates are built, so a command can check the areas of its scenarios first."""
    return _area(scenario.values)


def _area_default(key: str, values: Values) -> bool:
    """Whether ``key`` keeps its schema default in a scenario of another area than the bundled
    one: there the default (the bundled area's value) stands for the area's own default."""
    return _area(values) is not None and values[key] == SCHEMA[key].default


def _e0_base(values: Values) -> float:
    """Base-year e0 [years]: ``mortality.e0_base``; outside the bundled area, while the key keeps
    its default (the Dali plan's value), the area's estimated default, labelled "estimated
    (national level x ISMR)" (:func:`oloy_model.demography.area_mortality.mortality_default`)."""
    if not _area_default("mortality.e0_base", values):
        return float(values["mortality.e0_base"])
    return round(mortality_default(_area(values))["e0"], 10)


def e0_base_estimated(assumptions: "Assumptions") -> bool:
    """Whether ``mortality.e0_base`` is the area's estimated default (not a stated value)."""
    return _area_default("mortality.e0_base", assumptions._values)


NORM_KEYS = tuple(f"demand.{field.format(year)}" for field in NORM_PATHS.values() for year in NORM_YEARS)


def _norm_point(key: str) -> Callable[[Values], Any]:
    """Resolver of one norm path point: the scenario's value in the bundled area or when stated
    (not the default); else the national value, ``None`` where the national plans give none."""
    def value(values: Values) -> float | None:
        if _area_default(key, values):
            return national_value(key)
        return None if values[key] == "auto" else float(values[key])
    return value


def national_norm_keys(assumptions: "Assumptions") -> tuple[str, ...]:
    """The demand-norm keys resolved to national norms (left at their defaults outside the
    bundled area); empty for the bundled area."""
    return tuple(key for key in NORM_KEYS if _area_default(key, assumptions._values))


def _migration_basis(values: Values) -> str:
    """``migration.basis``; outside the bundled area, while the key keeps its default (``rates``,
    the bundled area's anchored choice), ``mixed``: the area is not anchored to official figures,
    and net rates of growing in-migration counties compound without bound (docs/areas.md)."""
    return "mixed" if _area_default("migration.basis", values) else values["migration.basis"]


# Keys whose value depends on the area (resolved like "auto", whatever their value).
AREA_DEPENDENT: dict[str, Callable[[Values], Any]] = {"projection.area": _area, "mortality.e0_base": _e0_base,
                                                       "migration.basis": _migration_basis} | {
    key: _norm_point(key) for key in NORM_KEYS}


def _value(key: str, values: Values) -> Any:
    """One key's typed value: ``"auto"`` resolved, ``""`` paths as None, effects typed."""
    if key in AREA_DEPENDENT:
        return AREA_DEPENDENT[key](values)
    value = values[key]
    kind = SCHEMA[key].type
    if kind == "auto_float":
        return AUTO[key](values) if value == "auto" else float(value)
    if kind == "path":
        return value or None
    if kind == "region_map":
        return MappingProxyType(dict(value))
    if kind == "effects":
        return tuple(Effect(**dict(effect)) for effect in value)
    return value
