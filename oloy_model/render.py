"""Drawing the official figure set on every core, in a fixed order.

A figure job is ``(folder, name, recipe, source, arguments)``: ``recipe(subject, *arguments)``
returns ``(Figure, plotted_data)`` where ``subject`` is picked by ``source`` from the run:
``("results",)`` all results, ``("result", i)`` the i-th result, ``("ensemble", i)`` the i-th
ensemble. Jobs are spread over worker processes (``concurrent.futures.ProcessPoolExecutor``);
the results and ensembles reach each worker once, through the pool's initializer (inherited,
not copied, where processes start by ``fork``), and the index rows come back in job order, so
the output is the same whatever the number of workers. Each worker registers the CJK font
once and keeps it for all its figures.
"""
from __future__ import annotations

import json
import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from . import __version__
from .resources import data_checksum
from .safe_names import child
from .style import cjk_font_name, save_figure

Job = tuple  # (folder, name, recipe, source, arguments)
_SHARED: dict = {}


def share(results: Sequence, ensembles: Sequence = ()) -> None:
    """Make the run's results and ensembles available to :func:`subject` (pool initializer)."""
    _SHARED["results"] = list(results)
    _SHARED["ensembles"] = list(ensembles)
    cjk_font_name()  # register the font once per process, before the first figure


def subject(source: tuple):
    """The object a job's recipe draws: all results, one result or one ensemble."""
    kind = source[0]
    if kind == "results":
        return _SHARED["results"]
    return _SHARED["results" if kind == "result" else "ensembles"][source[1]]


def build(job: Job):
    """``(folder, name, figure, plotted_data)`` of one job (in this process)."""
    folder, name, recipe, source, arguments = job
    return (folder, name, *recipe(subject(source), *arguments))


def _render(task: tuple[Job, Path, tuple[str, ...], dict]) -> dict:
    """Draw, save and describe one figure; returns its index row."""
    job, folder, formats, hashes = task
    sub, name, figure, data = build(job)
    target = folder / sub if sub == "all" else child(folder, sub)  # a scenario name: checked
    target.mkdir(parents=True, exist_ok=True)
    save_figure(figure, target / name, formats)
    data.to_csv(target / f"{name}.csv", index=False, float_format="%.6f", lineterminator="\n")
    scenarios = sorted(hashes) if sub == "all" else [sub]
    title = figure.get_suptitle() or figure.axes[0].get_title()
    meta = {"figure": name, "title": title, "scenarios": {s: hashes[s] for s in scenarios},
            "data_checksum": data_checksum(), "oloy_model_version": __version__}
    (target / f"{name}.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return {"folder": sub, "figure": name, "title": title,
            "files": ";".join(f"{sub}/{name}.{f}" for f in (*formats, "csv", "json"))}


def default_workers() -> int:
    """Worker processes: ``OLOY_WORKERS`` when set, else the usable cores (at least 1)."""
    setting = os.environ.get("OLOY_WORKERS", "").strip()
    if setting:
        return max(1, int(setting))
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def render_all(jobs: Sequence[Job], results: Sequence, ensembles: Sequence, folder: Path,
               formats: tuple[str, ...], *, workers: int | None = None) -> list[dict]:
    """Render every job; index rows in job order (identical files for any ``workers``)."""
    hashes = {r.scenario.name: r.scenario.content_hash for r in results}
    tasks = [(job, folder, formats, hashes) for job in jobs]
    workers = min(default_workers() if workers is None else workers, len(tasks))
    if workers <= 1:
        share(results, ensembles)
        return [_render(task) for task in tasks]
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    with ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=share,
                             initargs=(list(results), list(ensembles))) as pool:
        return list(pool.map(_render, tasks, chunksize=1))
