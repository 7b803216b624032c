"""The ml domain's definitions: the forecaster's assets and the nightly retrain."""

from dagster import AssetSelection, Definitions, ScheduleDefinition, define_asset_job

from orchestration.defs.ml.assets import ASSETS

# backtest, retrain, the 14-day forecast, outage estimates, and the dbt read-back (group ml);
# the nowcast follows the hourly marts on its own (automation)
ml_retrain_job = define_asset_job(
    "ml_retrain_job",
    selection=AssetSelection.groups("ml"),
    description="Nightly: read the training frame, backtest against the baselines, retrain "
    "every target's models, forecast 14 days and the next 4 hours, estimate outage hours, "
    "then dbt builds marts/forecasts.",
)
ml_retrain_schedule = ScheduleDefinition(
    name="nightly_retrain",
    job=ml_retrain_job,
    cron_schedule="30 3 * * *",
    description="03:30 every night, after the nightly marts (02:30).",
)

defs = Definitions(assets=ASSETS, jobs=[ml_retrain_job], schedules=[ml_retrain_schedule])
