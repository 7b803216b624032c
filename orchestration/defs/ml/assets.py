"""The forecaster as Dagster assets (group `ml`): models_ml does the work, these assets wire
it to the warehouse and report each run.

training_frame (read the marts once, to Parquet) -> backtest_scores (rolling origins
against the baselines, ml.backtest_scores) -> forecast_models (trained on every loaded
hour, intervals chosen by the backtest) -> day_ahead (14 days, nightly) and nowcast (the
next 4 open hours, hourly) into ml.forecasts -> estimated_hours (outage hours) into
ml.estimated_hours. dbt reads schema ml back (marts/forecasts, group ml).
"""

from typing import Any

import pandas as pd
from dagster import (
    AssetExecutionContext,
    AssetKey,
    MaterializeResult,
    MetadataValue,
    asset,
)

from models_ml import pipeline
from models_ml.backtest import BacktestResult, NotEnoughHistory
from models_ml.data import Inputs, read_inputs
from orchestration.defs.dbt.project import manifest
from orchestration.lib import automation
from orchestration.lib.charts import forecast_png, markdown_image
from orchestration.lib.concurrency import warehouse_step
from orchestration.lib.freshness import NO_FRESHNESS_POLICY, source_policies
from orchestration.lib.markdown import table as md_table
from orchestration.resources import BlipeeResource

GROUP = "ml"
OWNERS = ["team:data-science"]
HOURLY_MART = AssetKey(["marts", "fct_site_hourly"])
SITE_DIM = AssetKey(["marts", "dim_site"])
KINDS = {"python", "lightgbm"}
NIGHTLY = {NO_FRESHNESS_POLICY: "rebuilt by the nightly_retrain schedule (03:30); the "
           "forecasts it feeds carry the freshness of their dbt sources (ml.nowcast, "
           "ml.day_ahead)"}


def _freshness(source: str) -> dict[str, Any]:
    """The window of the dbt source that reads this asset's rows: one promise for both."""
    policy = source_policies(manifest()).get(source)
    if policy is None:
        return {"metadata": {NO_FRESHNESS_POLICY: f"dbt source ml.{source} declares none"}}
    return {"freshness_policy": policy}


def ml_settings(blipee: BlipeeResource) -> pipeline.MlSettings:
    import os

    return pipeline.MlSettings.from_env(blipee.settings().data_dir, dict(os.environ))


def _load(settings: pipeline.MlSettings, target: str) -> Inputs:
    folder = settings.inputs_dir(target)
    if not (folder / "series.parquet").exists():
        raise FileNotFoundError(f"no training frame for {target} at {folder}: materialise "
                                "ml/training_frame first")
    return Inputs.load(folder)


def _pct(value: Any) -> str:
    return "" if value is None or pd.isna(value) else f"{value:.1%}"


@asset(
    key=AssetKey(["ml", "training_frame"]), group_name=GROUP, owners=OWNERS,
    metadata=NIGHTLY,
    kinds={"python", "parquet"}, deps=[HOURLY_MART, SITE_DIM],
    description="What the forecaster sees, read once from the marts: per target the long "
    "frame (site_id, hour_start_at, y; a missing hour is null, never 0) and beside it the "
    "sites, holidays of each site's country, the 4-5-4 calendar, weather, events and "
    "closures, as Parquet under <data dir>/ml/inputs/<target>/ (models_ml/data.py).",
    **warehouse_step(),
)
def training_frame(context: AssetExecutionContext, blipee: BlipeeResource) -> MaterializeResult:
    settings = ml_settings(blipee)
    rows = []
    with blipee.connect(read_only=True) as (conn, dialect):
        for target in settings.targets:
            inputs = read_inputs(conn, dialect, target)
            inputs.save(settings.inputs_dir(target))
            series = inputs.series
            rows.append((target, len(series), int(series["y"].notna().sum()),
                         int(series["y"].isna().sum()), series["site_id"].nunique(),
                         series["hour_start_at"].min(), series["hour_start_at"].max()))
            context.log.info(f"{target}: {len(series):,} open hours read")
    return MaterializeResult(metadata={
        "dagster/row_count": sum(r[1] for r in rows),
        "frames": MetadataValue.md(md_table(
            ["target", "open hours", "observed", "missing (null, not 0)", "sites", "first hour",
             "last hour"], rows)),
        "folder": MetadataValue.path(str(settings.models_dir.parent / "ml" / "inputs")),
    })


def _plot(result: BacktestResult) -> str:
    """The first origin of the busiest site: forecast, band, baseline and actual."""
    frame = result.forecasts
    site = frame.groupby("site_id")["y"].sum().idxmax()
    one = frame[frame["site_id"] == site]
    if result.horizon_hours <= 4:  # a nowcast origin has 4 hours: show 48 hours one ahead
        one = one[one["horizon_hours"] == 1].sort_values("hour_start_at").tail(48)
    else:
        one = one[one["origin"] == one["origin"].min()].sort_values("hour_start_at")
    png = forecast_png(list(one["hour_start_at"]), one["y"], one["yhat"], one["p10"],
                       one["p90"], one["seasonal_naive_week"],
                       f"{result.target} {pipeline.horizon_name(result.horizon_hours)} "
                       f"backtest, {site}")
    return markdown_image(png, "forecast against actual")


@asset(
    key=AssetKey(["ml", "backtest_scores"]), group_name=GROUP, owners=OWNERS, kinds=KINDS,
    metadata=NIGHTLY,
    deps=[AssetKey(["ml", "training_frame"])],
    description="Rolling-origin backtests per target and horizon (the nowcast and 14 days): "
    "each fold's LightGBM trained only on hours before it, against seasonal naive (a week, a "
    "day) and the mean of the last 4 same weekdays over the same hours: hourly WAPE, 4-hour "
    "WAPE, share of 4-hour totals within 5% / 10%, bias, MASE, 80% coverage and width, into "
    "ml.backtest_scores. Picks the interval kind covering closer to 80%.",
    **warehouse_step(),
)
def backtest_scores(context: AssetExecutionContext, blipee: BlipeeResource
                    ) -> MaterializeResult:
    settings = ml_settings(blipee)
    results: list[BacktestResult] = []
    skipped: list[tuple[str, str, str]] = []
    for target in settings.targets:
        inputs = _load(settings, target)
        for horizon in pipeline.HORIZONS:
            def progress(done: int, total: int, t=target, h=horizon) -> None:
                context.log.info(f"{t} {h}: fold {done} of {total}")

            try:
                result = pipeline.run_backtest(inputs, horizon, settings, progress=progress)
            except NotEnoughHistory as reason:
                skipped.append((target, horizon, str(reason)))
                context.log.warning(f"{target} {horizon}: backtest skipped: {reason}")
                continue
            pipeline.save_backtest(result, settings)
            results.append(result)
    if not results:
        return MaterializeResult(metadata={
            "dagster/row_count": 0,
            "skipped": MetadataValue.md(md_table(["target", "horizon", "why"], skipped))})
    with blipee.connect() as (conn, dialect):
        written = sum(pipeline.write_scores(conn, dialect, r) for r in results)
    rows = []
    for r in results:
        scores = r.scores.set_index("method")
        best = scores.drop(index="lightgbm")["wape"].min()
        model = scores.loc["lightgbm"]
        rows.append((r.target, pipeline.horizon_name(r.horizon_hours), _pct(model["wape"]),
                     _pct(best), _pct(1 - model["wape"] / best), _pct(model["wape_4h"]),
                     _pct(model["share_4h_within_5pct"]), _pct(model["share_4h_within_10pct"]),
                     _pct(model["bias"]), f"{model['mase']:.2f}", _pct(model["coverage_80"]),
                     r.chosen_interval, int(model["origins"]), r.folds))
    footfall = next((r for r in results if r.target == "footfall"), results[0])
    return MaterializeResult(metadata={
        "dagster/row_count": written,
        "scores": MetadataValue.md(md_table(
            ["target", "horizon", "WAPE", "best baseline WAPE", "skill", "4h WAPE",
             "4h within 5%", "within 10%", "bias", "MASE", "80% coverage", "interval",
             "origins", "folds"], rows)),
        "forecast_against_actual": MetadataValue.md(_plot(footfall)),
        "seconds": sum(r.seconds for r in results),
        "skipped": MetadataValue.md(md_table(["target", "horizon", "why"], skipped)),
    })


@asset(
    key=AssetKey(["ml", "forecast_models"]), group_name=GROUP, owners=OWNERS, kinds=KINDS,
    metadata=NIGHTLY,
    deps=[AssetKey(["ml", "backtest_scores"])],
    description="One global LightGBM per target and horizon, trained on every loaded hour, "
    "with the 80% interval the backtest chose; saved with a version (hash of data window, "
    "feature spec and parameters) under <data dir>/models (models_ml/model.py).",
)
def forecast_models(context: AssetExecutionContext, blipee: BlipeeResource
                    ) -> MaterializeResult:
    settings = ml_settings(blipee)
    rows = []
    for target in settings.targets:
        inputs = _load(settings, target)
        for horizon in pipeline.HORIZONS:
            calibration = pipeline.load_backtest(target, horizon, settings)
            model = pipeline.train(inputs, horizon, settings, calibration)
            info = model.info
            rows.append((target, horizon, model.version, info.rows, info.seconds,
                         model.chosen_interval, info.data_end))
            context.log.info(f"{target} {horizon}: model {model.version} ({info.rows:,} rows)")
    return MaterializeResult(metadata={
        "models": MetadataValue.md(md_table(
            ["target", "horizon", "version", "training rows", "seconds", "interval",
             "data until"], rows)),
        "folder": MetadataValue.path(str(settings.models_dir)),
    })


def _forecast_metadata(frame: pd.DataFrame) -> dict[str, Any]:
    preview = frame.sort_values(["target", "site_id", "hour_start_at"]).groupby(
        ["target", "site_id"]).head(4).head(24)
    return {
        "dagster/row_count": len(frame),
        "preview": MetadataValue.md(md_table(
            ["target", "site", "hour (UTC)", "hours ahead", "forecast", "P10", "P90",
             "model"],
            [(r.target, r.site_id, r.hour_start_at, r.hours_ahead, round(r.yhat, 1),
              round(r.p10, 1), round(r.p90, 1), r.model_version)
             for r in preview.itertuples()])),
    }


def _forecast(context: AssetExecutionContext, blipee: BlipeeResource,
              horizon: str) -> MaterializeResult:
    settings = ml_settings(blipee)
    frames = []
    with blipee.connect() as (conn, dialect):
        for target in settings.targets:
            model = pipeline.load_current(settings, target, horizon)
            # the newest hours (not last night's frame), as far back as the features read
            inputs = pipeline.read_recent(conn, dialect, target, model.spec)
            rows = pipeline.forecast(inputs, model, horizon)
            pipeline.write_forecasts(conn, dialect, rows)
            frames.append(rows)
            context.log.info(f"{target}: {len(rows):,} {horizon} rows, model {model.version}")
    return MaterializeResult(metadata=_forecast_metadata(pd.concat(frames)))


@asset(
    key=AssetKey(["ml", "day_ahead"]), group_name=GROUP, owners=OWNERS, kinds=KINDS,
    **_freshness("day_ahead"),
    deps=[AssetKey(["ml", "forecast_models"]), HOURLY_MART],
    description="The next 14 days hourly for every site and target from the hour after the "
    "newest loaded hour (direct: hours ahead is a feature, nothing predicted is fed back), "
    "open hours only, into ml.forecasts (horizon = day_ahead). Nightly.",
    **warehouse_step(),
)
def day_ahead(context: AssetExecutionContext, blipee: BlipeeResource) -> MaterializeResult:
    return _forecast(context, blipee, "day_ahead")


@asset(
    key=AssetKey(["ml", "nowcast"]), group_name=GROUP, owners=OWNERS, kinds=KINDS,
    **_freshness("nowcast"),
    deps=[AssetKey(["ml", "forecast_models"]), HOURLY_MART],
    automation_condition=automation.hourly(ignore=[AssetKey(["ml", "forecast_models"])]),
    description="The next 4 open hours of every site and target from the newest loaded "
    "hour, refreshed with the hourly marts, into ml.forecasts (horizon = nowcast).",
    **warehouse_step(),
)
def nowcast(context: AssetExecutionContext, blipee: BlipeeResource) -> MaterializeResult:
    return _forecast(context, blipee, "nowcast")


@asset(
    key=AssetKey(["ml", "estimated_hours"]), group_name=GROUP, owners=OWNERS, kinds=KINDS,
    metadata=NIGHTLY,
    deps=[AssetKey(["ml", "forecast_models"]), HOURLY_MART],
    description="An estimate (with its 80% interval) for each open hour whose footfall a "
    "sensor outage lost, forecast from the hour the outage began, kept apart from the "
    "counts in ml.estimated_hours: marts.fct_site_daily_estimated shows days as counted "
    "and as estimated.",
    **warehouse_step(),
)
def estimated_hours(context: AssetExecutionContext, blipee: BlipeeResource
                    ) -> MaterializeResult:
    settings = ml_settings(blipee)
    if "footfall" not in settings.targets:
        context.log.info("footfall is not a forecast target: no estimates")
        return MaterializeResult(metadata={"dagster/row_count": 0})
    model = pipeline.load_current(settings, "footfall", "day_ahead")
    with blipee.connect() as (conn, dialect):
        rows = pipeline.estimate_missing_hours(read_inputs(conn, dialect, "footfall"), model)
        pipeline.write_estimates(conn, dialect, rows)
    by_site = rows.groupby("site_id").agg(hours=("yhat", "size"), footfall=("yhat", "sum"))
    return MaterializeResult(metadata={
        "dagster/row_count": len(rows),
        "by_site": MetadataValue.md(md_table(
            ["site", "estimated hours", "estimated footfall"],
            [(s, int(r.hours), round(float(r.footfall))) for s, r in by_site.iterrows()])),
    })


ASSETS = [training_frame, backtest_scores, forecast_models, day_ahead, nowcast,
          estimated_hours]
