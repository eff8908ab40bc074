"""The scenario schema, as data: every key, its type, unit, default, valid and plausible range.

One table drives validation (:mod:`oloy_model.base.scenario`), the documentation
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
    inert: str = ""  # the settings under which the key has no effect (validate warns; see inert.py)


SCHEMA: dict[str, Key] = {
    # -- scenario -------------------------------------------------------------------------
    "scenario.description": Key("str", "", "-", "What the scenario is, in one or two sentences."),
    "scenario.rationale": Key("str", "", "-", "Why its assumptions, with citations: `[source: <id>]` for rows of data/sources.csv "
                              "(`[source: assumption]` for a value chosen without a source), `docs/methods.md#<anchor>` for a section "
                              "of the methods, or a publication or web address; see docs/methods.md#sources-and-citations."),
    # -- projection -----------------------------------------------------------------------
    "projection.base_year": Key("int", 2020, "year", "Census base: 2020 (7th census, 2020-11-01).", 2020, 2020),
    "projection.horizon": Key("int", 2050, "year", "Last projected year (population at 1 November).", 2021, 2100),
    "projection.area": Key("str", "", "-", "Division code of the modelled area: a prefecture, a province or the nation (`oloy areas` lists them); empty = the bundled area (Dali). Outside Dali the mortality level defaults to the national level x ISMR (docs/areas.md) unless mortality.e0_base is set to another value than its default, demand runs on the national norms (data/plan/national_norms.csv) for norm keys left at their defaults, and gaps need a user ledger (capacity.ledger_file): without one they are absent, never zero capacity."),
    "projection.base_method": Key("choice", "mono", "-", "Single-year split of the census age groups.",
                                  choices=("mono", "pclm")),
    "projection.open_age_method": Key("choice", "wpp_china", "-", "Split of the census 85+ group into 85..100+.",
                                      choices=("wpp_china", "stationary")),
    "projection.base_population_file": Key("path", "", "-", "Optional user single-year table (region, sex, age, population) replacing the estimate for the regions it covers."),
    "projection.observations_file": Key("path", "", "-", "Optional observed statistics after the census (region, year, quantity, value, source); the run then reports its errors against them (Result.evaluation)."),
    "projection.migration_timing": Key("choice", "half", "-", "When the step's net migrants join (docs/methods.md#the-kernels-conventions): `half` by age at the end of the step, half at the start (exposed to survival and fertility) and half at the end; `start` all at the start; `end` all at the end, unexposed (the UN's `end`); `even` the UN's `even`, half at the start by age at the start, half at the end.",
                                       choices=("half", "start", "end", "even")),
    # -- fertility ------------------------------------------------------------------------
    "fertility.tfr_variant": Key("choice", "medium", "-", "WPP 2024 China TFR path the Dali path follows (low/high = medium -/+ 0.5 from 2034; see variant_phasing).",
                                 choices=("medium", "low", "high")),
    "fertility.variant_phasing": Key("choice", "smooth", "-", "How a low/high variant departs from the medium (docs/methods.md#fertility-variants): `smooth` linearly from 0 in 2023 (last WPP estimate) to -/+0.5 in 2034; `un_steps` the UN's own steps (0.25 in 2024-2028, 0.4 in 2029-2033, 0.5 from 2034). Inert with tfr_variant = medium.",
                                     choices=("smooth", "un_steps")),
    "fertility.level_ratio": Key("auto_float", "auto", "Dali TFR / China TFR", "Dali's TFR relative to WPP China; auto = reverse-survival estimate for the 12 months before the 2020 census (about 1.18).",
                                 0.3, 3.0, plausible=(0.6, 1.8)),
    "fertility.county_differentials": Key("bool", True, "-", "Apply county TFR multipliers (reverse survival, 2015-2020) to the prefecture path."),
    "fertility.county_multipliers": Key("region_map", {}, "-", "Override county TFR multipliers, e.g. {<county code> = 0.8} (codes: om.regions()); unlisted counties keep the estimate.", 0.2, 3.0, plausible=(0.5, 2.0)),
    "fertility.schedule_year": Key("int", 2020, "year", "Year of the WPP China age pattern of fertility.", 1950, 2100),
    "fertility.srb": Key("auto_float", "auto", "males per female", "Sex ratio at birth; auto = Dali 2020 census sex ratio at ages 0-4 (1.055).",
                         0.9, 1.3, plausible=(1.0, 1.2)),
    "fertility.effects": Key("effects", (), "-", "Birth-policy effects: a list of [[fertility.effects]] tables, each an additive TFR trapezoid in time (see EFFECT_SCHEMA); effects add up."),
    "fertility.tfr_offset": Key("float", 0.0, "children per woman", "Additive change to the whole prefecture TFR path from offset_start on.", -2.0, 2.0, plausible=(-0.6, 0.6),
                                inert="offset_start > horizon"),
    "fertility.offset_start": Key("int", 2021, "year", "First year of tfr_offset.", 2021, 2100,
                                  inert="tfr_offset = 0"),
    # -- mortality ------------------------------------------------------------------------
    "mortality.e0_base": Key("float", 76.56, "years", "Both-sex life expectancy at birth in the base year (Dali plan: 76.56 in 2020).", 40.0, 100.0, plausible=(65.0, 90.0)),
    "mortality.sex_gap": Key("auto_float", "auto", "years", "Female minus male e0 in the base year; auto = WPP China 2020 (5.75).", 0.0, 15.0, plausible=(2.0, 10.0)),
    "mortality.trend": Key("choice", "wpp_medium", "-", "Improvement: WPP China medium gains in e0 by sex, or a constant annual gain.",
                           choices=("wpp_medium", "constant")),
    "mortality.annual_gain": Key("float", 0.0, "years per year", "Annual e0 gain when trend = constant.", -1.0, 1.0, plausible=(-0.1, 0.4),
                                  inert='trend = "wpp_medium"'),
    # -- migration ------------------------------------------------------------------------
    "migration.basis": Key("choice", "rates", "-", "Continue the 2010-2020 schedule as rates on the cohort at risk, as fixed average annual counts, or mixed: net losses as rates, net gains as counts (the default outside the bundled area; docs/areas.md).",
                           choices=("rates", "counts", "mixed")),
    "migration.scale": Key("float", 1.0, "-", "Multiplier on the 2010-2020 schedule (0 = no net migration): in every year without a taper (taper_start = taper_end), else up to taper_start.", 0.0, 5.0, plausible=(0.0, 2.0),
                            inert="a taper (taper_start < taper_end) that ends by base_year + 1"),
    "migration.scale_end": Key("float", 1.0, "-", "Multiplier reached at taper_end (linear from taper_start) and kept after it; used only with a taper.", 0.0, 5.0, plausible=(0.0, 2.0),
                                inert="no taper (taper_start = taper_end), or taper_start >= horizon"),
    "migration.county_scale": Key("region_map", {}, "-", "Extra multiplier on a county's net migration, e.g. {<county code> = 0.5} (codes: om.regions()).", 0.0, 5.0, plausible=(0.0, 2.0),
                                   inert="scale = scale_end = 0"),
    "migration.taper_start": Key("int", 2020, "year", "Year the taper begins (the multiplier moves linearly from scale to scale_end between taper_start and taper_end; equal years = no taper).", 2020, 2100,
                                  inert="scale_end = scale"),
    "migration.taper_end": Key("int", 2020, "year", "Year the taper ends (the multiplier then stays at scale_end); must be >= taper_start.", 2020, 2100,
                                inert="scale_end = scale"),
    "migration.anchor": Key("choice", "none", "-", "Anchor the post-census migration level to the official population figures: 'observations' re-estimates county multipliers so the projection reproduces the resident-basis population rows of data/observations (plus anchor_file) from the base year on (docs/methods.md, Anchoring); 'none' continues the 2010-2020 schedule.",
                            choices=("none", "observations")),
    "migration.anchor_file": Key("path", "", "-", "Optional extra official figures (observations layout, with basis) added to the bundled ones for anchoring; a row with the same region, year, quantity and basis replaces the bundled one."),
    # -- demand ---------------------------------------------------------------------------
    "demand.elderly_beds_per_1000_2020": Key("float", 20.0, "beds per 1,000 aged 60+", "Norm path point 2020 (plan baseline: 20).", 0.0, 200.0),
    "demand.elderly_beds_per_1000_2025": Key("float", 25.0, "beds per 1,000 aged 60+", "Norm path point 2025 (plan target: 25).", 0.0, 200.0, plausible=(10.0, 60.0)),
    "demand.elderly_beds_per_1000_2030": Key("auto_float", "auto", "beds per 1,000 aged 60+", "Next-plan norm 2030; auto = on the line from 2025 to 2035 (with the defaults: the 2025 target 25 held, [source: dali_plan_2022]).", 0.0, 200.0, plausible=(10.0, 60.0),
                                            inert="horizon <= 2025"),
    "demand.elderly_beds_per_1000_2035": Key("float", 25.0, "beds per 1,000 aged 60+", "Norm path point 2035 (held after).", 0.0, 200.0, plausible=(10.0, 60.0),
                                            inert="horizon <= 2025"),
    "demand.nursing_share_2020": Key("float", 0.4182, "fraction of elderly beds", "Nursing-type share path 2020 (plan baseline 41.82%).", 0.0, 1.0),
    "demand.nursing_share_2025": Key("float", 0.55, "fraction of elderly beds", "Nursing-type share path 2025 (plan target >= 55%).", 0.0, 1.0),
    "demand.nursing_share_2030": Key("auto_float", "auto", "fraction of elderly beds", "Next-plan nursing-type share 2030; auto = on the line from 2025 to 2035 (with the defaults: the 2025 target 55% held, [source: dali_plan_2022]).", 0.0, 1.0,
                                   inert="horizon <= 2025"),
    "demand.nursing_share_2035": Key("float", 0.55, "fraction of elderly beds", "Nursing-type share path 2035 (the national 2026-30 draft says 73%).", 0.0, 1.0,
                                   inert="horizon <= 2025"),
    "demand.childcare_per_1000_2020": Key("float", 2.41, "places per 1,000 residents", "Norm path point 2020 (plan baseline 2.41).", 0.0, 50.0),
    "demand.childcare_per_1000_2025": Key("float", 4.5, "places per 1,000 residents", "Norm path point 2025 (plan target 4.5).", 0.0, 50.0, plausible=(1.0, 10.0)),
    "demand.childcare_per_1000_2030": Key("auto_float", "auto", "places per 1,000 residents", "Next-plan norm 2030; auto = on the line from 2025 to 2035 (with the defaults: the 2025 target 4.5 held, [source: dali_plan_2022]).", 0.0, 50.0, plausible=(1.0, 10.0),
                                        inert="horizon <= 2025"),
    "demand.childcare_per_1000_2035": Key("float", 4.5, "places per 1,000 residents", "Norm path point 2035 (held after).", 0.0, 50.0, plausible=(1.0, 10.0),
                                        inert="horizon <= 2025"),
    "demand.care_need_share_60plus": Key("float", 0.0234, "fraction of 60+", "Share of 60+ unable to care for themselves in 2020 (China census long form 2.34%); calibrates the need curve. Must be <= care_need_cap and >= institutional_share_60plus.", 0.0, 0.5, plausible=(0.01, 0.1)),
    "demand.care_need_age_slope": Key("float", 0.1261, "per year of age", "Exponential age slope of the need curve (Shanghai 2010 gradient; a shape choice).", 0.0, 0.5),
    "demand.care_need_cap": Key("float", 0.85, "fraction", "Upper bound of the need curve at the oldest ages (a shape choice).", 0.05, 1.0),
    "demand.institutional_share_60plus": Key("float", 0.0073, "fraction of 60+", "Share of 60+ living in institutions in 2020 (census long form 0.73%); calibrates take-up (residents per person in need = this / care_need_share_60plus, so it must not exceed care_need_share_60plus).", 0.0, 0.2, plausible=(0.002, 0.05)),
    "demand.elderly_occupancy": Key("float", 0.75, "residents per bed", "Target occupancy of elderly-care beds (an assumption; national actual 2024: 0.45).", 0.05, 1.0),
    "demand.nursing_share_of_residents": Key("float", 0.55, "fraction of residents", "Institutional residents needing nursing-type beds (an assumption).", 0.0, 1.0),
    "demand.childcare_enrolment": Key("float", 0.0786, "fraction of children 0-2", "Enrolment level over ages 0-2 (NHC 2025 study 7.86%; 2021: 5.5%; one third of families want a place). At most 0.49: the assumed age shape then enrols every child aged 2 (0.498 on the 2020 base).", 0.0, 0.49, plausible=(0.01, 0.4)),
    "demand.childcare_occupancy": Key("float", 0.85, "children per place", "Target occupancy of childcare places (an assumption).", 0.05, 1.0),
    # -- capacity -------------------------------------------------------------------------
    "capacity.ledger_file": Key("path", "", "-", "A user ledger (the real project list) replacing the shipped plan ledger; see docs/methods.md for the layout."),
    "capacity.childcare_base": Key("choice", "stock_8042", "-", "Which published 2020 childcare stock to start from: 8,042 places (plan, baseline section) or 3,125 (plan, trends section); they disagree.",
                                   choices=("stock_8042", "stock_3125")),
    "capacity.phasing": Key("choice", "even", "-", "Planned additions in equal fifths 2021-2025, or all in 2025.", choices=("even", "end")),
    "capacity.allocation": Key("choice", "target_group", "-", "County split of prefecture figures: by each county's 2020 share of the target group (60+ for elderly services, 0-2 for childcare), or of all residents.",
                               choices=("target_group", "population")),
    "capacity.nursing_share_of_new_beds": Key("float", 0.55, "fraction", "Share of new elderly beds that are nursing-type (an assumption).", 0.0, 1.0),
    # -- plan (build schedules, om.plan_additions / oloy plan) ------------------------------------
    "plan.basis": Key("choice", "norm", "-", "Demand basis the schedule must cover every year: the plan's norms or observed uptake.",
                      choices=("norm", "uptake")),
    "plan.risk": Key("float", 0.1, "probability", "With an ensemble: the largest accepted P(shortfall) per county, service and year (capacity covers the (1 - risk) demand quantile of the draws).", 0.0, 0.5),
    "plan.decision_year": Key("int", 2025, "year", "Year the plan is adopted; capacity at its end (the ledger, as planned) is the starting stock.", 2020, 2090),
    "plan.horizon": Key("int", 2035, "year", "Last year of the schedule (the 2035 outlook).", 2021, 2100),
    "plan.lead_time": Key("int", 1, "years", "Years from planning to opening: the first openings come in decision_year + lead_time.", 1, 10),
    "plan.max_open_rate_elderly": Key("float", 0.175, "fraction of stock per year", "Most new elderly beds a county opens in a year, as a fraction of its stock at decision_year (an assumption: twice the 14th plan's pace 5,096 / 11,669 / 5 years, [source: dali_plan_2022]).", 0.0, 10.0),
    "plan.max_open_rate_childcare": Key("float", 0.573, "fraction of stock per year", "Most new childcare places a county opens in a year, as a fraction of its stock at decision_year (an assumption: twice the 14th plan's pace 11,531 / 8,042 / 5 years, [source: dali_plan_2022]).", 0.0, 10.0),
    "plan.retirement_rate": Key("float", 0.0, "fraction per year", "Share of the decision-year stock retired each year (0 = none; an assumption when set).", 0.0, 0.5),
    "plan.cost_elderly_bed": Key("float", 15.58, "10k yuan per bed", "Cost of a new elderly-care bed (also nursing-type): 79,375 / 5,096 [source: dali_plan_2022].", 0.0, 1e4),
    "plan.cost_childcare_place": Key("float", 4.81, "10k yuan per place", "Cost of a new childcare place: 55,453 / 11,531 [source: dali_plan_2022].", 0.0, 1e4),
    "plan.cost_conversion": Key("float", 5.19, "10k yuan per bed gained", "Cost of a bed gained by converting existing space (ordinary to nursing-type, or childcare space to elderly care): an assumption, one third of a new bed (no land or structure) [source: assumption].", 0.0, 1e4),
    "plan.nursing_conversion": Key("bool", True, "-", "Allow converting ordinary elderly beds into nursing-type beds (a lever the plan names)."),
    "plan.childcare_conversion": Key("bool", True, "-", "Allow converting surplus childcare places into elderly-care beds as births fall."),
    "plan.childcare_places_per_bed": Key("int", 4, "places per bed", "Childcare places given up per elderly-care bed gained by conversion (an assumption: a care bed needs about four nursery places' floor space) [source: assumption].", 1, 20),
    # -- workforce (staff needed, oloy plan) ---------------------------------------------------
    "workforce.residents_per_carer_nursing": Key("float", 3.0, "residents per carer", "Residents needing nursing-type care per care worker (an assumption; no national ratio in the bundled sources) [source: assumption].", 0.5, 50.0),
    "workforce.residents_per_carer_other": Key("float", 6.0, "residents per carer", "Other institutional residents per care worker (an assumption) [source: assumption].", 0.5, 50.0),
    "workforce.social_workers_per_1000_60plus": Key("float", 8.0, "per 1,000 aged 60+", "Social workers per 1,000 older people (plan target for 2025: 8; 2020: 5.6) [source: dali_plan_2022].", 0.0, 100.0),
    "workforce.children_per_carer_age0": Key("float", 3.0, "children per carer", "Nursery infant class (6-12 months) 1:3 [source: nhc2019_childcare_standard].", 0.5, 50.0),
    "workforce.children_per_carer_age1": Key("float", 5.0, "children per carer", "Younger toddler class (12-24 months) 1:5 [source: nhc2019_childcare_standard].", 0.5, 50.0),
    "workforce.children_per_carer_age2": Key("float", 7.0, "children per carer", "Older toddler class (24-36 months) 1:7 [source: nhc2019_childcare_standard].", 0.5, 50.0),
    # -- stochastic (om.simulate) ---------------------------------------------------------------
    "stochastic.fertility_sd": Key("auto_float", "auto", "log TFR per year", "Innovation sd of the ARIMA(1,1,0) log-TFR noise; auto = fitted on WPP China 1991-2023 (0.057). 0 switches fertility noise off.", 0.0, 1.0, plausible=(0.0, 0.2)),
    "stochastic.fertility_ar": Key("auto_float", "auto", "-", "AR coefficient of the annual log-TFR changes; auto = fitted (0.31).", -0.99, 0.99),
    "stochastic.county_fertility_sd": Key("auto_float", "auto", "log TFR per year", "Innovation sd of each county's AR(1) deviation; auto = pooled spread of the 2015-2020 reverse-survival ratios (0.021).", 0.0, 1.0),
    "stochastic.county_fertility_ar": Key("float", 0.5, "-", "AR coefficient of the county deviations (an assumption).", -0.99, 0.99),
    "stochastic.e0_sd": Key("auto_float", "auto", "years per year", "Innovation sd of the random walk added to e0; auto = fitted on WPP China 1990-2019 (0.11).", 0.0, 2.0, plausible=(0.0, 0.5)),
    "stochastic.migration_level_sd": Key("float", 0.3, "log multiplier", "sd of each county's persistent migration multiplier per draw (an assumption).", 0.0, 2.0),
    "stochastic.migration_annual_sd": Key("float", 0.1, "log multiplier", "Innovation sd of the annual AR(1) migration deviation (an assumption).", 0.0, 2.0),
    "stochastic.migration_ar": Key("float", 0.7, "-", "AR coefficient of the annual migration deviation (an assumption).", -0.99, 0.99),
    "stochastic.uptake_sd": Key("float", 0.2, "log multiplier", "sd of the per-draw multipliers on institutional take-up and childcare enrolment (an assumption).", 0.0, 2.0),
    "stochastic.shortfall_threshold": Key("float", 100.0, "places", "The 'shortfall larger than N places' reported beside the probability of any shortfall.", 0.0, 1e6),
}

# One birth-policy effect ([[fertility.effects]] in a scenario file).
EFFECT_SCHEMA: dict[str, Key] = {
    "name": Key("str", "", "-", "Short label, e.g. three_child_policy."),
    "onset": Key("float", 2021.5, "decimal year", "Start of the effect (mid-2021 = 2021.5).", 2000.0, 2100.0,
                 inert="peak = 0 and (floor = 0 or decay_years = 0)"),
    "peak": Key("float", 0.0, "children per woman", "Peak additive TFR effect (negative to remove an effect).", -1.0, 1.0, plausible=(-0.3, 0.3),
                inert="onset > horizon + 0.5 (the effect starts after the last projected year)"),
    "ramp_years": Key("float", 1.0, "years", "Years from onset to the peak.", 0.0, 30.0,
                      inert="peak = 0 and (floor = 0 or decay_years = 0), or onset > horizon + 0.5"),
    "plateau_years": Key("float", 0.0, "years", "Years the peak holds.", 0.0, 80.0,
                         inert="decay_years = 0, or peak = floor, or onset > horizon + 0.5"),
    "decay_years": Key("float", 0.0, "years", "Years from the end of the plateau down to the lasting effect (0 = the peak lasts).", 0.0, 80.0,
                       inert="peak = floor, or onset > horizon + 0.5"),
    "floor": Key("float", 0.0, "children per woman", "Lasting effect after the decay (0 = a pure timing effect).", -1.0, 1.0,
                 inert="decay_years = 0, or onset > horizon + 0.5"),
}

SECTIONS = ("scenario", "projection", "fertility", "mortality", "migration", "demand", "capacity", "plan", "workforce",
            "stochastic")
TOP_LEVEL = ("extends", "name")


def defaults() -> dict[str, Any]:
    """Flat ``{"section.key": default}``."""
    return {name: key.default for name, key in SCHEMA.items()}


# Keys valid alone but not together: an error naming both keys (scenario._cross_checks).
CONSTRAINTS = (
    "`projection.horizon` > `projection.base_year`",
    "`migration.taper_end` >= `migration.taper_start`",
    "`demand.institutional_share_60plus` <= `demand.care_need_share_60plus` (institutional residents are drawn "
    "from the people in need; both 0 is allowed: no institutional demand)",
    "`demand.care_need_share_60plus` <= `demand.care_need_cap` (a need curve capped at the cap cannot average more)",
    "`projection.base_year` <= `plan.decision_year` < `plan.horizon` (the plan opens places after its decision "
    "year; `plan.horizon` beyond `projection.horizon` is reported by `om.plan_additions` / `oloy plan`)",
)

MAX_EXTENDS_DEPTH = 32  # files in one 'extends' chain (the file itself included)

# Rules that keep every combination of valid values running (documented, with a warning).
RULES_TEXT = (
    "Life expectancy targets are kept within 30..99 years (the range the Brass relational model on the WPP "
    "standard reaches in every year); a path that leaves it (e.g. `e0_base = 100` with `sex_gap = 0`, or "
    "`trend = \"constant\"` with `annual_gain = -1` to 2100) is capped there with a `DemographicWarning`.",
    "Setting a key to a non-default value where the column *no effect when* applies gives an `InertKeyWarning` "
    "(a `DemographicWarning`) from `oloy validate`, `om.load_scenario` and `Scenario.with_values`.",
    "Numbers may be Python or numpy numbers (`np.int64(2060)`); `extends` chains are at most "
    f"{MAX_EXTENDS_DEPTH} files deep and may not form a cycle.",
)


def markdown_table() -> str:
    """The schema as a Markdown table (for docs/scenarios.md)."""
    constraints = "\n".join(f"- {text}" for text in CONSTRAINTS)
    rules = "\n".join(f"- {text}" for text in RULES_TEXT)
    return (_table(SCHEMA) + "\n\nEach `[[fertility.effects]]` table:\n\n" + _table(EFFECT_SCHEMA)
            + "\n\nKeys valid alone but not together (an error naming both):\n\n" + constraints
            + "\n\nRules:\n\n" + rules)


def _table(schema: dict[str, Key]) -> str:
    lines = ["| key | type | unit | default | valid | description | no effect when |", "|---|---|---|---|---|---|---|"]
    for name, key in schema.items():
        valid = ", ".join(key.choices) if key.choices else (
            f"{key.minimum:g} .. {key.maximum:g}" if key.minimum is not None else "")
        lines.append(f"| `{name}` | {key.type} | {key.unit} | `{key.default!r}` | {valid} | {key.doc} | {key.inert} |")
    return "\n".join(lines)
