"""Drawing the official figure set on every core, in a fixed order.

A figure job is ``(folder, name, recipe, source, arguments)``: ``recipe(subject, *arguments)``
returns ``(Figure, plotted_data)`` where ``subject`` is picked by ``source`` from the run:
``("results",)`` all results, ``("result", i)`` the i-th result, ``("ensemble", i)`` the i-th
ensemble. Jobs are spread over worker processes (``concurrent.futures.ProcessPoolExecutor``);
the results and ensembles reach each worker once, through the pool's initializer (inherited,
not copied, where processes start by ``fork``), and the index rows come back in job order, so
the output is the same whatever the number of workers. ``oloy run`` loads the fonts once,
before the pool starts (:func:`oloy_model.reporting.style.load_fonts`), and the workers inherit them.
The same pool writes the scenarios' tables (:mod:`oloy_model.runner`). Jobs of several
scenarios that plot the same numbers (equal :func:`oloy_model.reporting.figures.figure_key`) become one
task: drawn once, titled with every scenario, copied into each scenario's folder.
"""
from __future__ import annotations

import json
import multiprocessing
import os
import shutil
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path

import scipy.linalg  # noqa: F401 - loads scipy's own OpenBLAS, so one_blas_thread limits it too
from threadpoolctl import threadpool_limits

from ..base.resources import data_checksum
from ..base.safe_names import child
from ..base.version import __version__
from .style import save_figure

Job = tuple  # (folder, name, recipe, source, arguments)
_SHARED: dict = {}


def share(results: Sequence, ensembles: Sequence = ()) -> None:
    """Make the run's results and ensembles available to :func:`subject` (pool initializer)."""
    _SHARED["results"] = list(results)
    _SHARED["ensembles"] = list(ensembles)


def _worker_start(parent: int, results: Sequence, ensembles: Sequence) -> None:
    """Pool initializer: the shared objects, and die with the parent process.

    A worker outliving a killed run could still write into the run's temporary folder after
    the next run cleaned it up; on Linux the kernel ends the workers with their parent
    (``prctl(PR_SET_PDEATHSIG, SIGKILL)``).
    """
    share(results, ensembles)
    try:
        import ctypes
        import signal

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, int(signal.SIGKILL))  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux/glibc: workers end when they find the queue closed
        pass
    if os.getppid() != parent:  # the parent died before the line above took effect
        os._exit(1)


def subject(source: tuple):
    """The object a job's recipe draws: all results, one result or one ensemble."""
    kind = source[0]
    if kind == "results":
        return _SHARED["results"]
    return _SHARED["results" if kind == "result" else "ensembles"][source[1]]


def build(job: Job, label: str | None = None):
    """``(folder, name, figure, plotted_data)`` of one job (in this process); ``label``: the
    scenarios named in the title of a figure shared by several (see :func:`figure_tasks`)."""
    folder, name, recipe, source, arguments = job
    return (folder, name, *recipe(subject(source), *arguments, **({"label": label} if label else {})))


def render(task: tuple) -> list[dict]:
    """Draw and save one figure into the folder of every scenario it stands for; returns their
    index rows (``position`` = the job's place in the figure list)."""
    job, folder, formats, hashes, shared = task  # shared: [(position, folder name)], the job's own first
    folders = [sub for _, sub in shared]
    sub, name, figure, data = build(job, ", ".join(folders) if len(folders) > 1 else None)
    first = _target(folder, sub)
    save_figure(figure, first / name, formats)
    data.to_csv(first / f"{name}.csv", index=False, float_format="%.6f", lineterminator="\n")
    title = figure.get_suptitle() or figure.axes[0].get_title()
    scenarios = sorted(hashes) if sub == "all" else folders
    meta = {"figure": name, "title": title, "scenarios": {s: hashes[s] for s in scenarios},
            "data_checksum": data_checksum(), "oloy_model_version": __version__}
    rows = []
    for position, other in shared:
        target = _target(folder, other)
        for suffix in (*formats, "csv"):
            if target != first:  # the same bytes: copied, not drawn again
                shutil.copyfile(first / f"{name}.{suffix}", target / f"{name}.{suffix}")
        (target / f"{name}.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        rows.append({"position": position, "folder": other, "figure": name, "title": title,
                     "files": ";".join(f"{other}/{name}.{f}" for f in (*formats, "csv", "json"))})
    return rows


def _target(folder: Path, sub: str) -> Path:
    target = folder / sub if sub == "all" else child(folder, sub)  # a scenario name: checked
    target.mkdir(parents=True, exist_ok=True)
    return target


def figure_tasks(jobs: Sequence[Job], results: Sequence, folder: Path, formats: tuple[str, ...],
                 keys: Sequence[str] | None = None) -> list[tuple]:
    """The arguments of :func:`render`: one task per distinct figure.

    ``keys`` (:func:`oloy_model.reporting.figures.figure_key` of each job): jobs with one key show the
    same numbers for different scenarios and become one task, drawn once.
    """
    hashes = {r.scenario.name: r.scenario.content_hash for r in results}
    groups: dict[str, list[int]] = {}
    for position, key in enumerate(keys if keys is not None else [f"job {i}" for i in range(len(jobs))]):
        groups.setdefault(key, []).append(position)
    return [(jobs[positions[0]], folder, formats, hashes, [(p, jobs[p][0]) for p in positions])
            for positions in groups.values()]


def index_rows(rendered: Sequence[list[dict]]) -> list[dict]:
    """The index rows of :func:`render`'s results in figure-list order (without ``position``)."""
    rows = sorted((row for rows in rendered for row in rows), key=lambda row: row["position"])
    return [{k: v for k, v in row.items() if k != "position"} for row in rows]


def one_blas_thread() -> None:
    """Run BLAS (numpy's and scipy's OpenBLAS, or MKL) on one thread in this process and the
    workers it forks, through :mod:`threadpoolctl`.

    The main job is parallel by process; BLAS threads on top of that wait for cores the workers
    hold: measured on the shared 2-core machine, a 101 x 101 ``numpy.linalg.solve`` took 95 ms
    instead of 0.07 ms. (The estimates are built on one BLAS thread anyway, see
    :mod:`oloy_model.base.caching`, so the numbers do not depend on this.)
    """
    threadpool_limits(limits=1, user_api="blas")


def default_workers() -> int:
    """Worker processes: ``OLOY_WORKERS`` when set, else the usable cores (at least 1)."""
    setting = os.environ.get("OLOY_WORKERS", "").strip()
    if setting:
        return max(1, int(setting))
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


class Workers:
    """Worker processes that know the run's results and ensembles (see :func:`subject`).

    ``submit(function, *arguments)`` returns a future; collect results in submission order for
    a deterministic output. With one worker everything runs here, at once, in that order.
    """

    def __init__(self, results: Sequence, ensembles: Sequence = (), workers: int | None = None):
        self.workers = default_workers() if workers is None else max(1, workers)
        self._shared = (list(results), list(ensembles))
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> "Workers":
        share(*self._shared)
        if self.workers > 1:
            methods = multiprocessing.get_all_start_methods()
            context = multiprocessing.get_context("fork" if "fork" in methods else None)
            self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=context, initializer=_worker_start,
                                             initargs=(os.getpid(), *self._shared))
        return self

    def __exit__(self, *exc) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=exc[0] is not None)

    def submit(self, function, *arguments) -> Future:
        if self._pool is not None:
            return self._pool.submit(function, *arguments)
        future: Future = Future()
        try:
            future.set_result(function(*arguments))
        except BaseException as error:  # noqa: BLE001 - handed to the caller through the future
            future.set_exception(error)
        return future


def render_all(jobs: Sequence[Job], results: Sequence, ensembles: Sequence, folder: Path,
               formats: tuple[str, ...], *, workers: int | None = None, keys: Sequence[str] | None = None) -> list[dict]:
    """Render every job; index rows in job order (identical files for any ``workers``).
    ``keys``: see :func:`figure_tasks`."""
    tasks = figure_tasks(jobs, results, folder, formats, keys)
    with Workers(results, ensembles, min(default_workers() if workers is None else workers, len(tasks))) as pool:
        futures = [pool.submit(render, task) for task in tasks]
        return index_rows([future.result() for future in futures])
