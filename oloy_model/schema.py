"""The scenario schema, as data: every key, its type, unit, default, valid and plausible range.

One table drives validation (:mod:`oloy_model.scenario`), the documentation
(``docs/scenarios.md`` is generated from it by :func:`markdown_table`) and the defaults.
Types: ``float``, ``int``, ``bool``, ``str`` (free text), ``choice`` (one of ``choices``),
``auto_float`` (a number, or the string ``"auto"`` for the model's own estimate), ``path``
(a file, relative to the scenario file, or ``""`` for none), ``region_map`` (a table of
division code -> number) and ``effects`` (a list of tables, each checked against
:data:`EFFECT_SCHEMA`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Key:
    """One scenario key."""

    type: str
    default: Any
    unit: str
    doc: str
    minimum: float | None = None
    maximum: float | None = None
    plausible: tuple[float, float] | None = None
    choices: tuple[str, ...] = field(default_factory=tuple)


SCHEMA: dict[str, Key] = {
    # -- scenario -------------------------------------------------------------------------
    "scenario.description": Key("str", "", "-", "What the scenario is, in one or two sentences."),
    "scenario.rationale": Key("str", "", "-", "Why its assumptions, citing the data brief; effect sizes that are assumptions say so."),
    # -- projection -----------------------------------------------------------------------
    "projection.base_year": Key("int", 2020, "year", "Census base: 2020 (7th census, 2020-11-01).", 2020, 2020),
    "projection.horizon": Key("int", 2050, "year", "Last projected year (population at 1 November).", 2021, 2100),
    "projection.base_method": Key("choice", "mono", "-", "Single-year split of the census age groups.",
                                  choices=("mono", "pclm")),
    "projection.open_age_method": Key("choice", "wpp_china", "-", "Split of the census 85+ group into 85..100+.",
                                      choices=("wpp_china", "stationary")),
    "projection.base_population_file": Key("path", "", "-", "Optional user single-year table (region, sex, age, population) replacing the estimate for the regions it covers."),
    "projection.migration_timing": Key("choice", "half", "-", "When the step's net migrants join: half at the start and half at the end, all at the start, or all at the end.",
                                       choices=("half", "start", "end")),
    # -- fertility ------------------------------------------------------------------------
    "fertility.tfr_variant": Key("choice", "medium", "-", "WPP 2024 China TFR path the Dali path follows (low/high = medium -/+ 0.5, phased in by the UN).",
                                 choices=("medium", "low", "high")),
    "fertility.level_ratio": Key("auto_float", "auto", "Dali TFR / China TFR", "Dali's TFR relative to WPP China; auto = reverse-survival estimate for the 12 months before the 2020 census (about 1.18).",
                                 0.3, 3.0, plausible=(0.6, 1.8)),
    "fertility.county_differentials": Key("bool", True, "-", "Apply county TFR multipliers (reverse survival, 2015-2020) to the prefecture path."),
    "fertility.county_multipliers": Key("region_map", {}, "-", "Override county TFR multipliers, e.g. {532901 = 0.8}; unlisted counties keep the estimate.", 0.2, 3.0, plausible=(0.5, 2.0)),
    "fertility.schedule_year": Key("int", 2020, "year", "Year of the WPP China age pattern of fertility.", 1950, 2100),
    "fertility.srb": Key("auto_float", "auto", "males per female", "Sex ratio at birth; auto = Dali 2020 census sex ratio at ages 0-4 (1.055).",
                         0.9, 1.3, plausible=(1.0, 1.2)),
    "fertility.effects": Key("effects", (), "-", "Birth-policy effects: a list of [[fertility.effects]] tables, each an additive TFR trapezoid in time (see EFFECT_SCHEMA); effects add up."),
    "fertility.tfr_offset": Key("float", 0.0, "children per woman", "Additive change to the whole prefecture TFR path from offset_start on.", -2.0, 2.0, plausible=(-0.6, 0.6)),
    "fertility.offset_start": Key("int", 2021, "year", "First year of tfr_offset.", 2021, 2100),
    # -- mortality ------------------------------------------------------------------------
    "mortality.e0_base": Key("float", 76.56, "years", "Both-sex life expectancy at birth in the base year (Dali plan: 76.56 in 2020).", 40.0, 100.0, plausible=(65.0, 90.0)),
    "mortality.sex_gap": Key("auto_float", "auto", "years", "Female minus male e0 in the base year; auto = WPP China 2020 (5.75).", 0.0, 15.0, plausible=(2.0, 10.0)),
    "mortality.trend": Key("choice", "wpp_medium", "-", "Improvement: WPP China medium gains in e0 by sex, or a constant annual gain.",
                           choices=("wpp_medium", "constant")),
    "mortality.annual_gain": Key("float", 0.0, "years per year", "Annual e0 gain when trend = constant.", -1.0, 1.0, plausible=(-0.1, 0.4)),
    # -- migration ------------------------------------------------------------------------
    "migration.basis": Key("choice", "rates", "-", "Continue the 2010-2020 schedule as rates on the cohort at risk, or as fixed average annual counts.",
                           choices=("rates", "counts")),
    "migration.scale": Key("float", 1.0, "-", "Multiplier on the 2010-2020 schedule at the start (0 = no net migration).", 0.0, 5.0, plausible=(0.0, 2.0)),
    "migration.scale_end": Key("float", 1.0, "-", "Multiplier reached at taper_end (linear from taper_start).", 0.0, 5.0, plausible=(0.0, 2.0)),
    "migration.county_scale": Key("region_map", {}, "-", "Extra multiplier on a county's net migration, e.g. {532901 = 0.5}.", 0.0, 5.0, plausible=(0.0, 2.0)),
    "migration.taper_start": Key("int", 2020, "year", "Year the taper begins.", 2020, 2100),
    "migration.taper_end": Key("int", 2020, "year", "Year the taper ends (the multiplier then stays at scale_end).", 2020, 2100),
}

# One birth-policy effect ([[fertility.effects]] in a scenario file).
EFFECT_SCHEMA: dict[str, Key] = {
    "name": Key("str", "", "-", "Short label, e.g. three_child_policy."),
    "onset": Key("float", 2021.5, "decimal year", "Start of the effect (mid-2021 = 2021.5).", 2000.0, 2100.0),
    "peak": Key("float", 0.0, "children per woman", "Peak additive TFR effect (negative to remove an effect).", -1.0, 1.0, plausible=(-0.3, 0.3)),
    "ramp_years": Key("float", 1.0, "years", "Years from onset to the peak.", 0.0, 30.0),
    "plateau_years": Key("float", 0.0, "years", "Years the peak holds.", 0.0, 80.0),
    "decay_years": Key("float", 0.0, "years", "Years from the end of the plateau down to the lasting effect (0 = the peak lasts).", 0.0, 80.0),
    "floor": Key("float", 0.0, "children per woman", "Lasting effect after the decay (0 = a pure timing effect).", -1.0, 1.0),
}

SECTIONS = ("scenario", "projection", "fertility", "mortality", "migration")
TOP_LEVEL = ("extends", "name")


def defaults() -> dict[str, Any]:
    """Flat ``{"section.key": default}``."""
    return {name: key.default for name, key in SCHEMA.items()}


def markdown_table() -> str:
    """The schema as a Markdown table (for docs/scenarios.md)."""
    return _table(SCHEMA) + "\n\nEach `[[fertility.effects]]` table:\n\n" + _table(EFFECT_SCHEMA)


def _table(schema: dict[str, Key]) -> str:
    lines = ["| key | type | unit | default | valid | description |", "|---|---|---|---|---|---|"]
    for name, key in schema.items():
        valid = ", ".join(key.choices) if key.choices else (
            f"{key.minimum:g} .. {key.maximum:g}" if key.minimum is not None else "")
        lines.append(f"| `{name}` | {key.type} | {key.unit} | `{key.default!r}` | {valid} | {key.doc} |")
    return "\n".join(lines)
