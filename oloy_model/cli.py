"""The ``oloy`` command line.

Exit status: 0 success, 2 bad user input (a message, no traceback), 1 anything else.
"""
from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

from .base.atomic import check_target
from .base.dimensions import AGE_BANDS, band_label
from .base.errors import DemographicWarning, OloyInputError
from .base.hierarchy import area_code, area_level, area_names, resolve_area
from .base.national import areas
from .base.observations import load_observations
from .base.resources import verify_all
from .base.scenario import list_scenarios, load_scenario
from .base.version import __version__
from .demography.assumptions import resolve, scenario_area
from .demography.population import base_population, region_codes, regions
from .planning.capacity import read_ledger
from .reporting.output import write_csv, write_folder_atomically, write_manifest
from .reporting.plan_outputs import write_plans
from .reporting.render import one_blas_thread
from .review.backtest import backtest
from .runner import run_area, run_scenarios
from .uncertainty.distributed import check_dask
from .uncertainty.ensemble import check_draw_count, check_draws, check_seed


def _summary(args: argparse.Namespace) -> int:
    pop = base_population(year=args.year, method=args.method, open_age_method=args.open_age_method)
    names = regions().set_index("region")["name_en"]
    bands = ("age_0_14", "age_15_59", "age_60plus")
    table = pop.assign(band=pop["age"].map({age: band_label(band) for band in bands
                                            for age in range(AGE_BANDS[band][0], AGE_BANDS[band][1] + 1)}))
    wide = table.pivot_table(index="region", columns="band", values="population", aggfunc="sum")
    wide["total"] = wide.sum(axis=1)
    wide["share_60plus_%"] = 100 * wide["60+"] / wide["total"]
    wide.index = [f"{code} {names[code]}" for code in wide.index]
    total = f"{area_code()} {area_names()[3]} {area_level()}"
    wide.loc[total] = wide.sum(numeric_only=True)
    wide.loc[total, "share_60plus_%"] = 100 * wide.loc[total, "60+"] / wide.loc[total, "total"]
    print(f"oloy_model {__version__}: base population {args.year}-11-01 "
          f"(single years by {args.method!r}, 85+ split by {args.open_age_method!r})")
    print(wide.round({"share_60plus_%": 2}).to_string(float_format=lambda v: f"{v:,.2f}" if v < 100 else f"{v:,.0f}"))
    return 0


def _areas(args: argparse.Namespace) -> int:
    table = areas(args.text or None)
    if table.empty:
        raise OloyInputError(f"no area matches {args.text!r}; expected a code prefix (digits) or part of a "
                             "Chinese name (e.g. 云南 or 大理)")
    print(table.to_string(index=False, formatters={"population_2020": "{:,}".format}))
    return 0


def run_area_of(option: str | None, names) -> str | None:
    """The area of ``oloy run``: ``--area``, else the one the scenario files state
    (``projection.area``); None for the bundled area. Scenarios of different areas, or a file
    whose area differs from ``--area``, are refused: one run writes one area's outputs."""
    stated = {}
    for name in names:
        scenario = load_scenario(name)
        stated[scenario.source] = scenario_area(scenario)
    chosen = resolve_area(option) if option else None
    if option:
        clash = {source: area for source, area in stated.items() if area is not None and area != chosen}
        if clash:
            source, area = next(iter(clash.items()))
            raise OloyInputError(f"{source}: key 'projection.area' = {area!r} but --area {option}; expected one area "
                                 "per run (drop --area, or run that file on its own)")
        return chosen
    areas_stated = set(stated.values())
    if len(areas_stated) > 1:
        listing = ", ".join(f"{source}: {area or 'bundled'}" for source, area in stated.items())
        raise OloyInputError(f"scenarios of different areas in one run ({listing}); expected one area per run")
    return areas_stated.pop() if areas_stated else None


def _run_area(args: argparse.Namespace, names) -> int:
    """``oloy run --area CODE``: the run of another area (national norms; gaps only with a user
    ledger, ``capacity.ledger_file``; draws summarised partition by partition); the bundled area
    runs the full job."""
    from pathlib import Path

    area = resolve_area(args.area)
    if area is None:
        args.area = ""
        return _run(args)
    if args.observations:
        raise OloyInputError(f"--area {args.area}: --observations is not supported outside the bundled area (only "
                             "Dali's official figures are bundled); expected a run without it")
    check_draw_arguments(args, names, summarised=True)
    written = run_area(names, area, Path(args.out), force=args.force, figures=not args.no_figures, svg=args.svg,
                       draws=args.draws, seed=args.seed, dask=getattr(args, "dask", None))
    print(f"wrote {written}")
    return 0


def _verify(args: argparse.Namespace) -> int:
    problems = verify_all()
    for problem in problems:
        print(problem, file=sys.stderr)
    print("data: all files match the manifest" if not problems else f"data: {len(problems)} problem(s)")
    return 0 if not problems else 2


def check_draw_arguments(args: argparse.Namespace, names, *, summarised: bool = False) -> None:
    """``--draws`` and ``--seed``, checked before any computation: a bad count or seed must not
    cost a deterministic run first. The most draws depends on each scenario's horizon (for an
    area's summarised ensemble, on its partitions: checked when its inputs are built). A seed
    without draws is an error (it would be ignored); the seed defaults to 1."""
    if args.draws < 0:
        raise OloyInputError(f"--draws {args.draws}; expected a whole number >= 0 (0 = deterministic only)")
    if args.seed is not None and not args.draws:  # the seed drives the draws only: say so, never ignore it
        raise OloyInputError(f"--seed {args.seed} without draws (--draws is {args.draws}: a deterministic run): the seed "
                             "only chooses the stochastic draws; add --draws N (e.g. --draws 1000) or leave out --seed "
                             "(a deterministic run has no seed)")
    args.seed = 1 if args.seed is None else args.seed
    check_seed(args.seed, label="--seed ")
    if getattr(args, "dask", None) and not args.draws:
        raise OloyInputError(f"--dask {args.dask}: no draws to distribute; expected --draws N (N >= 1) with it")
    if getattr(args, "dask", None):
        check_dask(args.dask)  # an unreachable scheduler fails here, not after the deterministic runs
    if args.draws:
        check_draw_count(args.draws, label="--draws ")
        if summarised:
            return
        check_draws(args.draws, label="--draws ")
        for name in names:
            scenario = load_scenario(name)
            settings = resolve(scenario).projection
            years = settings.horizon - settings.base_year + 1
            check_draws(args.draws, label=f"{scenario.name}: --draws ", years=years)


def _run(args: argparse.Namespace) -> int:
    from pathlib import Path

    one_blas_thread()  # a process-parallel job: BLAS threads only wait for the workers' cores
    names = args.scenarios or list_scenarios()
    area = run_area_of(args.area, names)
    if area is not None:
        args.area = area
        return _run_area(args, names)
    check_draw_arguments(args, names)
    observations = Path(args.observations) if args.observations else None
    if observations is not None:
        load_observations(observations)  # a bad file fails before any work, naming the row
    folder = run_scenarios(names, Path(args.out), force=args.force, figures=not args.no_figures,
                           draws=args.draws, seed=args.seed, observations=observations, svg=args.svg,
                           dask=args.dask)
    print(f"wrote {folder}")
    return 0


def _plan(args: argparse.Namespace) -> int:
    from pathlib import Path

    one_blas_thread()  # see _run
    names = args.scenarios or ["next_plan"]
    check_draw_arguments(args, names)
    folder = write_plans(names, Path(args.out), force=args.force,
                         figures=not args.no_figures, draws=args.draws, seed=args.seed)
    print(f"wrote {folder}")
    return 0


def _validate(args: argparse.Namespace) -> int:
    problems = 0
    for name in args.scenarios:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", DemographicWarning)
            try:
                scenario = load_scenario(name)
            except OloyInputError as error:
                problems += 1
                print(f"invalid: {error}", file=sys.stderr)
                continue
        for warning in caught:
            print(f"warning: {warning.message}", file=sys.stderr)
        file_problems = check_user_files(scenario)
        for problem in file_problems:
            print(f"invalid: {problem}", file=sys.stderr)
        if file_problems:
            problems += 1
            continue
        print(f"valid: {scenario.name} ({scenario.source}) content_hash {scenario.content_hash}")
    return 2 if problems else 0


def check_user_files(scenario) -> list[str]:
    """Read the user's ledger and observation files as a run would, so ``validate`` catches
    their problems (file, line, column, value) before a run spends time projecting."""
    a = resolve(scenario)
    readers = {"capacity.ledger_file": (a.capacity.ledger_file, lambda path: read_ledger(path, regions=region_codes(a.projection.area))),
               "projection.observations_file": (a.projection.observations_file, load_observations),
               "migration.anchor_file": (a.migration.anchor_file, load_observations)}
    problems = []
    for key, (path, read) in readers.items():
        if path:
            try:
                read(path)
            except OloyInputError as error:
                problems.append(f"{scenario.source}: key '{key}': {error}")
    return problems


def _backtest(args: argparse.Namespace) -> int:
    from pathlib import Path

    if args.out:
        check_target(Path(args.out), force=args.force)  # refuse before computing anything
    tables = backtest()
    print("Backtest: the 2010 census projected to 2020 (no 2020 information; rule 'none' = no net migration),")
    print("errors against the 2020 census by county (percent; rule 'observed' adds the 2010-2020 migration, for attribution):")
    columns = ["rule", "band", "n", "mean_pe", "mape", "median_ape", "wmape", "share_ape_under_5pct"]
    print(tables["measures"][columns].round(2).to_string(index=False))
    if args.out:
        def fill(folder: Path) -> None:
            for name, table in tables.items():
                write_csv(table, folder / f"backtest_{name}.csv")
            write_manifest(folder, scenarios=[])

        print(f"wrote {write_folder_atomically(Path(args.out), fill, force=args.force)}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="oloy", description="'One Old, One Young' capacity-and-gap model: Dali prefecture bundled, any area of "
                                     "China with --area")
    parser.add_argument("--version", action="version", version=f"oloy_model {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="project scenarios and write tables, workbook and manifest")
    run.add_argument("scenarios", nargs="*", help="bundled names or TOML paths (default: every bundled scenario)")
    run.add_argument("--out", default="oloy-output", help="output folder (default: ./oloy-output)")
    run.add_argument("--force", action="store_true", help="replace an existing output folder")
    run.add_argument("--no-figures", action="store_true", help="skip the figures and the report (faster)")
    run.add_argument("--svg", action="store_true", help="also write every figure as SVG (PNG only by default)")
    run.add_argument("--draws", type=int, default=0,
                     help="stochastic draws per scenario (0 = deterministic only; at most 100,000, which keeps "
                          "the peak memory under 3 GiB)")
    run.add_argument("--seed", type=int, default=None,
                     help="random seed of the draws (with --draws), a whole number >= 0; default 1 (same seed, "
                          "same bytes)")
    run.add_argument("--dask", nargs="?", const="local", default=None, metavar="ADDRESS",
                     help="run the draws on Dask (optional dependency: pip install -e .[dask]): a local "
                          "cluster of worker processes, or the scheduler at ADDRESS (tcp://host:8786); same numbers")
    run.add_argument("--observations", default="", help="CSV of newer official figures (observations layout, with "
                     "basis): added to the bundled ones, re-anchors anchored scenarios, shown beside the model")
    run.add_argument("--area", default="", help="division code of another area (`oloy areas`): deterministic "
                     "run on national norms; gaps only with a user ledger (capacity.ledger_file), else absent")
    run.set_defaults(handler=_run)
    plan = commands.add_parser("plan", help="build schedules for the next plan, staff and home care (tables, workbook, figures, report)")
    plan.add_argument("scenarios", nargs="*", help="bundled names or TOML paths (default: next_plan)")
    plan.add_argument("--out", default="oloy-plan", help="output folder (default: ./oloy-plan)")
    plan.add_argument("--force", action="store_true", help="replace an existing output folder")
    plan.add_argument("--no-figures", action="store_true", help="skip the figures and the report")
    plan.add_argument("--draws", type=int, default=0, help="stochastic draws: cover the demand quantile at plan.risk")
    plan.add_argument("--seed", type=int, default=None,
                      help="random seed of the draws (with --draws), a whole number >= 0; default 1")
    plan.set_defaults(handler=_plan)
    validate = commands.add_parser("validate", help="check scenario files; exit 0 when all are valid, else 2")
    validate.add_argument("scenarios", nargs="+", help="bundled names or TOML paths")
    validate.set_defaults(handler=_validate)
    summary = commands.add_parser("summary", help="print the census base population by county")
    summary.add_argument("--year", type=int, default=2020, choices=[2010, 2020])
    summary.add_argument("--method", default="mono", choices=["mono", "pclm"])
    summary.add_argument("--open-age-method", default="wpp_china", choices=["wpp_china", "stationary"])
    summary.set_defaults(handler=_summary)
    back = commands.add_parser("backtest", help="project the 2010 census to 2020 and compare with the 2020 census")
    back.add_argument("--out", default="", help="also write the tables to this folder")
    back.add_argument("--force", action="store_true", help="replace an existing output folder")
    back.set_defaults(handler=_backtest)
    listing = commands.add_parser("areas", help="list the areas of China the model can run (code, name, counties, 2020 population)")
    listing.add_argument("text", nargs="?", default="", help="code prefix or part of the Chinese name (e.g. 53, 云南)")
    listing.set_defaults(handler=_areas)
    verify = commands.add_parser("verify-data", help="check every bundled data file against its checksum")
    verify.set_defaults(handler=_verify)
    return parser


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """A warning as the command line shows it: the message, not the package's source line."""
    print(f"oloy: warning: {message}", file=file or sys.stderr)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``oloy`` command."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "out", None):
        args.out = str(Path(args.out).expanduser())  # "~/results" quoted is the home folder, as in a shell
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("default", DemographicWarning)
            warnings.showwarning = _show_warning
            return args.handler(args)
    except OloyInputError as error:
        print(f"oloy: error: {error}", file=sys.stderr)
        return 2
    except OSError as error:  # a file system failure outside the output protocol: name the path
        print(f"oloy: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("oloy: interrupted", file=sys.stderr)
        return 1
    except Exception as error:  # noqa: BLE001 - the CLI's last line of defence
        print(f"oloy: internal error: {type(error).__name__}: {error} (please report this)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
