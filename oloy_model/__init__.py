"""oloy_model: capacity-and-gap projection model for Dali's "One Old, One Young" plan.

Public API (see ``README.md``, section "Use as a library"): ``areas``, ``regions``, ``base_population``,
``load_scenario``, ``resolve`` (typed assumptions), ``project``, ``run``, ``simulate``, ``summarize`` (an ensemble's
tables partition by partition, for large areas), ``need_ledger`` (a what-if ledger), ``plan_additions``, the review tools
(``evaluate``, ``calibrate``, ``rebase``, ``decompose``), ``OloyInputError`` and
``DemographicWarning``.
"""
from __future__ import annotations

import sys as _sys

from .base.errors import DemographicWarning, OloyInputError
from .base.national import areas
from .base.observations import load_observations
from .base.resources import verify_all as verify_data
from .base.scenario import list_scenarios, load_scenario, Scenario
from .base.version import __version__
from .demography import ccmpp
from .demography.assumptions import Assumptions, resolve
from .demography.population import base_population, census_age_groups, regions
from .demography.projection import project, Projection
from .orchestrators import run
from .planning.capacity import need_ledger
from .planning.result import Result
from .planning.schedule import Plan, plan_additions
from .review.tools import calibrate, decompose, evaluate, rebase
from .uncertainty.ensemble import Ensemble, simulate
from .uncertainty.summary import summarize, Summary


# ``oloy_model.ccmpp`` is public (api.md: ``from oloy_model import ccmpp``); the module lives in
# ``oloy_model.demography.ccmpp``, and this alias keeps ``import oloy_model.ccmpp`` working too.
_sys.modules.setdefault(__name__ + ".ccmpp", ccmpp)

__all__ = [
    "__version__",
    "Assumptions",
    "DemographicWarning",
    "Ensemble",
    "OloyInputError",
    "Projection",
    "Plan",
    "Result",
    "Scenario",
    "Summary",
    "ccmpp",
    "list_scenarios",
    "load_scenario",
    "project",
    "areas",
    "base_population",
    "calibrate",
    "decompose",
    "evaluate",
    "load_observations",
    "need_ledger",
    "plan_additions",
    "rebase",
    "census_age_groups",
    "regions",
    "resolve",
    "run",
    "simulate",
    "summarize",
    "verify_data",
]
