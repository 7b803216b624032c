"""The blipee code location: one Definitions object gathering each domain's definitions."""

from __future__ import annotations

from dagster import AssetSelection, Definitions, ScheduleDefinition, define_asset_job

from orchestration.defs.dbt.assets import ASSETS as DBT_ASSETS
from orchestration.defs.dbt.assets import dbt_resource
from orchestration.defs.ingestion.assets import ASSETS as INGESTION_ASSETS
from orchestration.defs.ingestion.checks import CHECKS as INGESTION_CHECKS
from orchestration.defs.ingestion.sensors import ingest_job, landing_sensor
from orchestration.defs.ingestion.sync import pos_api_pages, pos_sync_job, pos_sync_schedule
from orchestration.resources import BlipeeResource

hourly_refresh_job = define_asset_job(
    "hourly_refresh_job",
    # everything but the POS API pull, which has its own (opt-in) schedule
    selection=AssetSelection.groups("ingestion", "transform")
    - AssetSelection.keys("landing/pos_api_pages"),
    description="Ingest what landed, then build the dbt models incrementally.",
)
hourly_refresh_schedule = ScheduleDefinition(
    name="hourly_refresh",
    job=hourly_refresh_job,
    cron_schedule="5 * * * *",
    description="Every hour at :05: ingest new files and refresh the marts incrementally.",
)

defs = Definitions(
    assets=[*INGESTION_ASSETS, pos_api_pages, *DBT_ASSETS],
    asset_checks=INGESTION_CHECKS,
    jobs=[ingest_job, pos_sync_job, hourly_refresh_job],
    schedules=[pos_sync_schedule, hourly_refresh_schedule],
    sensors=[landing_sensor],
    resources={"blipee": BlipeeResource(), "dbt": dbt_resource()},
)
