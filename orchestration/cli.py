"""`blipee`: the command line for everything the pipeline does, without the Dagster UI.

Each command calls the same domain functions the Dagster assets call.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from infra.settings import Settings

app = typer.Typer(help="blipee: retail intelligence from people counters and POS data.",
                  no_args_is_help=True)
quarantine_app = typer.Typer(help="Look at and replay quarantined rows.", no_args_is_help=True)
app.add_typer(quarantine_app, name="quarantine")
targets_app = typer.Typer(help="Cascaded sales and traffic targets.", no_args_is_help=True)
app.add_typer(targets_app, name="targets")
# Wide enough for the KPI table when output goes to a file or CI log rather than a terminal.
console = Console(width=None if sys.stdout.isatty() else 120)
REPO_ROOT = Path(__file__).resolve().parents[1]


@contextmanager
def progress_bar(description: str) -> Iterator[Callable[[int, int], None]]:
    """A rich progress bar driven by a `progress(done, total)` callback."""
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=console, transient=False) as bar:
        task = bar.add_task(description, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


def _settings(landing: Path | None = None) -> Settings:
    env = dict(os.environ)
    if landing is not None:
        env["BLIPEE_LANDING_DIR"] = str(landing)
    return Settings.from_env(env)


@app.command("demo-data")
def demo_data(
    stores: int = typer.Option(12, help="Number of stores."),
    days: int = typer.Option(90, help="Days of data, ending on --end-date."),
    seed: int = typer.Option(42, help="Random seed: the same seed gives byte-identical files."),
    interval_minutes: int = typer.Option(15, help="Sensor counting interval."),
    end_date: str | None = typer.Option(None, help="Last day (YYYY-MM-DD); default yesterday."),
    landing: Path | None = typer.Option(None, help="Landing dir (default: data dir/landing)."),
) -> None:
    """Write the demo retail chain (sensors, POS, reference data) into the landing area."""
    from ingestion.demo import generate_demo

    settings = _settings(landing)
    with progress_bar("generating demo chain") as progress:
        summary = generate_demo(
            settings.landing_dir, stores=stores, days=days, seed=seed,
            interval_minutes=interval_minutes,
            end_date=date.fromisoformat(end_date) if end_date else None, progress=progress,
        )
    console.print(f"[green]demo chain written to {settings.landing_dir}[/green]")
    console.print("\n".join(summary.lines()), highlight=False)


@app.command()
def ingest(landing: Path | None = typer.Option(None, help="Landing dir to load.")) -> None:
    """Load every new landed file into the raw tables (exactly once)."""
    from ingestion.loader import load_landing
    from ingestion.raw_tables import open_raw_warehouse

    settings = _settings(landing)
    with open_raw_warehouse(settings) as (conn, dialect), progress_bar("loading files") as progress:
        report = load_landing(conn, dialect, settings.landing_dir, settings=settings,
                              progress=progress)
    console.print(str(report), highlight=False)


@quarantine_app.command("replay")
def quarantine_replay(
    reason_code: str = typer.Option("UNKNOWN_DEVICE", help="Which quarantined rows to retry."),
) -> None:
    """Load quarantined rows again, e.g. once their device has been registered."""
    from ingestion.loader import replay_quarantine
    from ingestion.raw_tables import open_raw_warehouse

    settings = _settings()
    with open_raw_warehouse(settings) as (conn, dialect):
        report = replay_quarantine(conn, dialect, settings.landing_dir, settings=settings,
                                   reason_code=reason_code)
    console.print(str(report), highlight=False)


@quarantine_app.command("list")
def quarantine_list() -> None:
    """Quarantined rows per source format and reason code."""
    from ingestion.raw_tables import open_raw_warehouse

    with open_raw_warehouse(_settings()) as (conn, _):
        rows = conn.execute(
            "select source_format, reason_code, count(*) from raw.quarantine "
            "group by 1, 2 order by 1, 2"
        ).fetchall()
    table = Table("source_format", "reason_code", "rows")
    for row in rows:
        table.add_row(*(str(v) for v in row))
    console.print(table)


@app.command()
def sync(system: str = typer.Argument(..., help="shopify or square")) -> None:
    """Fetch new orders from a POS API into the landing area (credentials from the env)."""
    from ingestion.pos import MissingCredentialError, SyncError, sync_from_env

    if system not in ("shopify", "square"):
        raise typer.BadParameter("system must be shopify or square")
    try:
        report = sync_from_env(system, _settings())
    except MissingCredentialError as error:
        console.print(f"[red]{error}[/red] (see README, Configuration)")
        raise typer.Exit(2) from None
    except SyncError as error:
        console.print(f"[red]sync stopped: {error}[/red]; landed so far: {error.report}")
        raise typer.Exit(1) from None
    console.print(report)


def run_dbt(args: list[str], settings: Settings) -> None:
    """Run dbt against the configured warehouse, streaming its output."""
    from orchestration.resources import BlipeeResource

    env = {**os.environ, **BlipeeResource().dbt_environment()}
    dbt = shutil.which("dbt", path=str(Path(sys.executable).parent)) or "dbt"
    # artifacts under the data dir: a CLI run never replaces the manifest Dagster loads
    command = [dbt, *args, "--project-dir", str(REPO_ROOT),
               "--profiles-dir", str(REPO_ROOT / "dbt_project"),
               "--target-path", str(settings.data_dir / "dbt" / "target"),
               "--log-path", str(settings.data_dir / "dbt" / "logs")]
    result = subprocess.run(command, env=env, cwd=REPO_ROOT, check=False)
    if result.returncode != 0:
        raise typer.Exit(result.returncode)


@app.command()
def build(
    full_refresh: bool = typer.Option(False, help="Rebuild incremental models from scratch."),
    select: str | None = typer.Option(None, help="dbt selection, e.g. marts.fct_site_daily+."),
) -> None:
    """`dbt build` (models and tests) on the configured warehouse."""
    args = ["build"]
    if full_refresh:
        args.append("--full-refresh")
    if select:
        args += ["--select", select]
    run_dbt(args, _settings())


@app.command("backtest")
def backtest_command(
    origins: Path = typer.Option(..., help="CSV with site_id, origin (UTC ISO 8601)."),
    horizon: int = typer.Option(..., min=1, max=14 * 24, help="Hours ahead per origin."),
    out: Path = typer.Option(..., help="Output file: .csv or .parquet."),
    target: str = typer.Option("footfall", help="footfall, transactions or net_sales."),
    refit_days: int = typer.Option(7, min=1, help="Retrain every N days of origins."),
    spec: str | None = typer.Option(None, help='FeatureSpec overrides as JSON, e.g. '
                                    '\'{"profile_persistence": true}\'.'),
    params: str | None = typer.Option(None, help='LightGBM parameters as JSON, e.g. '
                                      '\'{"objective": "regression_l1"}\'.'),
    history_days: int | None = typer.Option(None, min=1, help="Days of history per fold "
                                            "(default 120)."),
) -> None:
    """Forecast every origin of a file as the model would have then: each fold's model is
    trained on hours before its first day and every feature is masked at its origin."""
    from infra.warehouse import open_warehouse
    from models_ml.backtest import (
        BacktestInputError,
        backtest,
        custom_spec,
        read_origins,
        write_output,
    )
    from models_ml.data import read_inputs
    from models_ml.spec import TARGETS

    if target not in TARGETS:
        raise typer.BadParameter(f"must be one of {', '.join(TARGETS)}", param_hint="--target")
    settings = _settings()
    try:
        wanted = read_origins(origins)
        feature_spec, config = custom_spec(target, horizon, spec, params, history_days)
    except BacktestInputError as error:
        console.print(f"[red]{error}[/red]", highlight=False)
        raise typer.Exit(2) from error
    with open_warehouse(settings, read_only=True) as (conn, dialect):
        inputs = read_inputs(conn, dialect, target)
    unknown = sorted(set(wanted["site_id"]) - set(inputs.sites["site_id"]))
    if unknown:
        console.print(f"skipped {len(unknown)} unknown site(s): {', '.join(unknown[:10])}",
                      highlight=False)
        wanted = wanted[~wanted["site_id"].isin(unknown)]
    if wanted.empty:
        console.print("[red]no origin of a known site to forecast[/red]")
        raise typer.Exit(2)
    with progress_bar(f"backtest {target}, {len(wanted)} origins, folds") as progress:
        result = backtest(inputs, feature_spec, config, wanted, refit_days=refit_days,
                          progress=progress)
    write_output(result.forecasts, out)
    console.print(f"{len(result.forecasts):,} rows ({result.forecasts['site_id'].nunique()} "
                  f"sites, {len(wanted)} origins, {result.folds} folds, {result.seconds} s) "
                  f"-> {out}; 80% band: {result.chosen_interval}", highlight=False)
    _print_scores(result.scores)


def _print_scores(scores) -> None:
    """The backtest's scores beside the baselines'."""
    table = Table("method", "hourly WAPE", "4h WAPE", "4h within 5%", "within 10%", "bias",
                  "MASE", "80% coverage")

    def pct(value) -> str:
        return "" if value is None or value != value else f"{value:.1%}"

    for row in scores.itertuples():
        table.add_row(row.method, pct(row.wape), pct(row.wape_4h),
                      pct(row.share_4h_within_5pct), pct(row.share_4h_within_10pct),
                      pct(row.bias), "" if row.mase != row.mase else f"{row.mase:.2f}",
                      pct(row.coverage_80))
    console.print(table)


@targets_app.command("cascade")
def targets_cascade(
    target_id: str = typer.Argument(..., help="A target_id of raw.targets_input."),
    method: str | None = typer.Option(
        None, help="Cascade with this allocation instead of the target's own: equal, weighted, "
                   "historical, potential, bottom_up or hybrid."),
) -> None:
    """Print one target's cascade down its org tree, from the built warehouse, with the same
    SQL the marts use (docs/targets.md); --method shows what another method would give."""
    from orchestration.resources import BlipeeResource
    from planning.cascade import METHODS, UnknownTarget, cascade

    if method is not None and method not in METHODS:
        console.print(f"[red]unknown method {method!r}[/red]; methods: {', '.join(METHODS)}")
        raise typer.Exit(2)
    settings = _settings()
    try:
        result = cascade(target_id, method, project_dir=REPO_ROOT,
                         env=BlipeeResource().dbt_environment(),
                         work_dir=settings.data_dir / "dbt" / "show")
    except UnknownTarget:
        console.print(f"[red]no target {target_id!r}[/red] in int_target_requests: is it in "
                      "raw.targets_input, with a metric of the var target_metrics, and built "
                      "(`blipee build`)?")
        raise typer.Exit(2) from None
    unit = f" {result.currency}" if result.currency else ""
    table = Table(title=f"{target_id}: {result.metric}{unit}, {result.method}")
    for column in ("unit", "name", "target", "share", "constraint"):
        table.add_column(column, justify="right" if column in ("target", "share") else "left")
    value_format = ",.2f" if result.metric_kind == "sum" else ".4f"
    for row in result.rows:
        flags = [name for name, on in (("floor", row.is_floored), ("cap", row.is_capped),
                                       ("infeasible", row.is_infeasible)) if on]
        table.add_row("  " * row.depth + row.org_unit_key, row.org_unit_name or "",
                      "" if row.target_value is None else format(row.target_value, value_format),
                      "" if row.share is None else f"{row.share:.2%}", ", ".join(flags))
    console.print(table)


@app.command()
def summary() -> None:
    """A few KPIs per store from the marts, and where to look next."""
    from orchestration.summary import print_summary

    print_summary(_settings(), console)


@app.command()
def demo(
    stores: int = typer.Option(12), days: int = typer.Option(90), seed: int = typer.Option(42),
) -> None:
    """The whole pipeline through Dagster: demo data, then the nightly job (ingestion,
    quarantine, dbt build, every check) on the instance under DAGSTER_HOME, so `make ui`
    shows the run, the materialisations and the checks; then a summary."""
    from orchestration.instance import dagster_home, run_nightly_build

    settings = _settings()
    console.rule("1/3 demo chain")
    demo_data(stores=stores, days=days, seed=seed, interval_minutes=15, end_date=None,
              landing=None)
    console.rule("2/3 nightly_build_job in Dagster: ingest, quarantine, dbt build, checks")
    home = dagster_home(settings)
    console.print(f"Dagster instance: {home} (one process per step, as the UI runs it)")
    outcome = run_nightly_build(settings, tags={"blipee/launched_by": "make demo"})
    console.print(f"run {outcome.run_id}: {'success' if outcome.success else 'FAILURE'}; "
                  f"{len(outcome.steps_succeeded)} steps succeeded, "
                  f"{outcome.materialized} materialisations, {len(outcome.checks_passed)} "
                  f"checks passed, {len(outcome.checks_failed)} failed", highlight=False)
    for name in [*outcome.steps_failed, *outcome.checks_failed]:
        console.print(f"  [red]failed[/red] {name}", highlight=False)
    if not outcome.success:
        raise typer.Exit(1)
    console.rule("3/3 summary")
    summary()


if __name__ == "__main__":
    app()
