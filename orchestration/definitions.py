"""The blipee code location: one Definitions object gathering each domain's definitions."""

from __future__ import annotations

from dagster import AssetSelection, Definitions, ScheduleDefinition, define_asset_job

from orchestration.defs.dbt.assets import ASSETS as DBT_ASSETS
from orchestration.defs.dbt.assets import dbt_resource
from orchestration.defs.ingestion.assets import ASSETS as INGESTION_ASSETS
from orchestration.defs.ingestion.assets import pos_data, reference_data, sensor_data
from orchestration.defs.ingestion.checks import CHECKS as INGESTION_CHECKS
from orchestration.defs.ingestion.sensors import ingest_job, landing_sensor
from orchestration.defs.ingestion.sync import pos_api_pages, pos_sync_job, pos_sync_schedule
from orchestration.resources import BlipeeResource

INGEST = AssetSelection.assets(reference_data, sensor_data, pos_data)

hourly_refresh_job = define_asset_job(
    "hourly_refresh_job",
    # a new hour only changes the hourly fact (incremental) and what is built from it
    selection=INGEST | AssetSelection.keys("marts/fct_site_hourly").downstream(),
    description="Ingest what landed, then refresh fct_site_hourly incrementally and its rollups.",
)
nightly_build_job = define_asset_job(
    "nightly_build_job",
    selection=INGEST | AssetSelection.assets(*DBT_ASSETS),
    description="Ingest, then `dbt build` of every model and test.",
)
weekly_full_refresh_job = define_asset_job(
    "weekly_full_refresh_job",
    selection=AssetSelection.keys("marts/fct_site_hourly").downstream(),
    config={"ops": {"blipee_dbt_models": {"config": {"full_refresh": True}}}},
    description="Rebuild fct_site_hourly and its rollups from all of raw: picks up data "
    "that arrived later than the incremental look-back window.",
)
hourly_refresh_schedule = ScheduleDefinition(
    name="hourly_refresh",
    job=hourly_refresh_job,
    cron_schedule="5 * * * *",
    description="Every hour at :05: ingest new files and refresh the marts incrementally.",
)
nightly_build_schedule = ScheduleDefinition(
    name="nightly_build",
    job=nightly_build_job,
    cron_schedule="30 2 * * *",
    description="Every night at 02:30: the whole dbt project, dimensions and all tests.",
)
weekly_full_refresh_schedule = ScheduleDefinition(
    name="weekly_full_refresh",
    job=weekly_full_refresh_job,
    cron_schedule="0 4 * * 0",
    description="Sundays at 04:00: full refresh of the incremental facts.",
)

defs = Definitions(
    assets=[*INGESTION_ASSETS, pos_api_pages, *DBT_ASSETS],
    asset_checks=INGESTION_CHECKS,
    jobs=[ingest_job, pos_sync_job, hourly_refresh_job, nightly_build_job,
          weekly_full_refresh_job],
    schedules=[pos_sync_schedule, hourly_refresh_schedule, nightly_build_schedule,
               weekly_full_refresh_schedule],
    sensors=[landing_sensor],
    resources={"blipee": BlipeeResource(), "dbt": dbt_resource()},
)
