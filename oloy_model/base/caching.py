"""Caches that hand out read-only data and repeat their warnings.

:func:`read_only_cache` is :func:`functools.lru_cache` for the package's cached builders
(data read once, estimates, fitted models, kernel inputs) with two guarantees a plain
``lru_cache`` lacks:

* **Nothing shared can be edited.** numpy arrays in the cached value are made read-only
  (``flags.writeable = False``); pandas objects, dicts and lists are copied on every call
  (pandas frames cannot be made read-only reliably; copying the package's frames costs
  microseconds to a millisecond), and dataclasses are re-created around their copied
  fields. A notebook that edits a returned table no longer changes later results.
* **Warnings are not lost.** The warnings raised while the value was built are kept with it
  and issued again on every call, as if the builder had run again: shown or not, and once
  per location or always, under the caller's warning filters.
* **The same numbers on any machine.** The value is built with BLAS on one thread
  (:func:`threadpoolctl.threadpool_limits`): threaded BLAS splits sums by the number of
  cores, so a fitted estimate (a least-squares solve) could differ in its last digits between
  machines, or between a notebook and the ``oloy`` command.
"""
from __future__ import annotations

import dataclasses
import functools
import warnings
from collections.abc import Callable
from typing import TypeVar

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

T = TypeVar("T")


def read_only_cache(maxsize: int | None = 128) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """Decorator: an LRU cache of ``maxsize`` entries returning read-only data (module docstring).

    The wrapper keeps ``cache_clear()`` and ``cache_info()`` of :func:`functools.lru_cache`.
    """
    def decorate(builder: Callable[..., T]) -> Callable[..., T]:
        registry: dict = {}  # "default" filter: a repeated warning shows once, as from one place in code

        @functools.lru_cache(maxsize=maxsize)
        def build(*args, **kwargs) -> tuple[object, tuple[warnings.WarningMessage, ...]]:
            with warnings.catch_warnings(record=True) as caught, threadpool_limits(limits=1, user_api="blas"):
                warnings.simplefilter("always")
                value = builder(*args, **kwargs)
            return freeze(value), tuple(caught)

        @functools.wraps(builder)
        def cached(*args, **kwargs):
            value, caught = build(*args, **kwargs)
            for item in caught:
                warnings.warn_explicit(item.message, item.category, item.filename, item.lineno, registry=registry,
                                       source=item.source)
            return thaw(value)

        cached.cache_clear = build.cache_clear
        cached.cache_info = build.cache_info
        return cached

    return decorate


def freeze(value):
    """Make the numpy arrays in ``value`` read-only, in place (recursing into containers)."""
    if isinstance(value, np.ndarray):
        value.flags.writeable = False
    elif isinstance(value, dict):
        for item in value.values():
            freeze(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            freeze(item)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for field in dataclasses.fields(value):
            freeze(getattr(value, field.name))
    return value


def thaw(value):
    """What a cached call returns: ``value`` with every mutable container a new copy.

    Read-only arrays, strings and numbers are shared; frames, series, dicts and lists are
    copied; tuples and dataclasses are rebuilt only when a part of them had to be copied.
    """
    if isinstance(value, (pd.DataFrame, pd.Series)):
        return value.copy()
    if isinstance(value, dict):
        return {key: thaw(item) for key, item in value.items()}
    if isinstance(value, list):
        return [thaw(item) for item in value]
    if isinstance(value, tuple) and not _is_immutable(value):
        items = [thaw(item) for item in value]
        return type(value)(*items) if hasattr(value, "_fields") else tuple(items)
    if dataclasses.is_dataclass(value) and not isinstance(value, type) and not _is_immutable(value):
        return dataclasses.replace(value, **{field.name: thaw(getattr(value, field.name))
                                             for field in dataclasses.fields(value) if field.init})
    return value


def _is_immutable(value) -> bool:
    """True when ``value`` holds nothing :func:`thaw` would copy."""
    if isinstance(value, (pd.DataFrame, pd.Series, dict, list)):
        return False
    if isinstance(value, tuple):
        return all(_is_immutable(item) for item in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return all(_is_immutable(getattr(value, field.name)) for field in dataclasses.fields(value))
    return True
