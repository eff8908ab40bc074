"""oloy_model: capacity-and-gap projection model for Dali's "One Old, One Young" plan.

Public API (see ``README.md``, section "Use as a library"): ``areas``, ``regions``, ``base_population``,
``load_scenario``, ``project``, ``run``, ``simulate``, ``plan_additions``, the review tools
(``evaluate``, ``calibrate``, ``rebase``, ``decompose``), ``OloyInputError`` and
``DemographicWarning``.
"""
from __future__ import annotations

__version__ = "0.1.0"

from . import ccmpp
from .national import areas
from .ensemble import Ensemble, simulate
from .errors import DemographicWarning, OloyInputError
from .population import base_population, census_age_groups, regions
from .projection import Projection, project
from .observations import load_observations
from .resources import verify_all as verify_data
from .review import calibrate, decompose, evaluate, rebase
from .result import Result, run
from .scenario import Scenario, list_scenarios, load_scenario
from .schedule import Plan, plan_additions

__all__ = [
    "__version__",
    "areas",
    "DemographicWarning",
    "Ensemble",
    "OloyInputError",
    "Projection",
    "Plan",
    "Result",
    "Scenario",
    "ccmpp",
    "list_scenarios",
    "load_scenario",
    "project",
    "base_population",
    "calibrate",
    "decompose",
    "evaluate",
    "load_observations",
    "plan_additions",
    "rebase",
    "census_age_groups",
    "regions",
    "run",
    "simulate",
    "verify_data",
]
