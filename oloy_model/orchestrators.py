"""The public entry point that chains every layer: ``om.run``.

:func:`oloy_model.planning.result.run` projects a scenario and forecasts demand, capacity and
gaps (the planning layer). ``run`` here adds the review layer's evaluation when the scenario
names observed statistics (``projection.observations_file``), so that no lower layer imports
the review tools. ``om.project`` (:mod:`oloy_model.demography.projection`) and
``om.simulate`` (:mod:`oloy_model.uncertainty.ensemble`) are their layers' own entry points.
"""
from __future__ import annotations

from dataclasses import replace

import pandas as pd

from .base.observations import load_observations
from .base.scenario import Scenario
from .demography.assumptions import resolve
from .planning import result as planning
from .review.tools import evaluation_errors


def run(scenario: Scenario | str, *, ledger: pd.DataFrame | None = None) -> planning.Result:
    """Project a scenario and forecast demand, capacity, gaps and plan indicators.

    Parameters
    ----------
    scenario : Scenario or str
        A loaded scenario, a bundled name or a path to a TOML file.
    ledger : DataFrame, optional
        A capacity ledger (layout of :mod:`oloy_model.planning.capacity`) replacing the scenario's.

    Returns
    -------
    Result
        :class:`oloy_model.planning.result.Result`; its ``evaluation`` holds the errors against
        ``projection.observations_file`` when the scenario names one (else None).
    """
    result = planning.run(scenario, ledger=ledger)  # loads a name or path
    settings = resolve(result.scenario).projection
    if settings.observations_file is None:
        return result
    observations = load_observations(settings.observations_file, years=(settings.base_year, settings.horizon))
    return replace(result, evaluation=evaluation_errors(result, observations))
