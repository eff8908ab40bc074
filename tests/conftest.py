"""Shared fixtures. The suite runs against the installed package (see README)."""
from __future__ import annotations

import warnings

import pytest

import oloy_model as om


@pytest.fixture(scope="session")
def base2020():
    return om.base_population()


@pytest.fixture(autouse=True)
def _demographic_warnings_are_visible():
    with warnings.catch_warnings():
        warnings.simplefilter("always", om.DemographicWarning)
        yield
