"""The ingestion domain's definitions: the loads, the quarantine, their checks, the landing
sensor and the POS API sync."""

from dagster import Definitions

from orchestration.defs.ingestion.assets import ASSETS
from orchestration.defs.ingestion.checks import ASSET_CHECKS
from orchestration.defs.ingestion.quarantine import quarantine
from orchestration.defs.ingestion.sensors import ingest_job, landing_sensor
from orchestration.defs.ingestion.sync import pos_api_pages, pos_sync_job, pos_sync_schedule

defs = Definitions(
    assets=[*ASSETS, quarantine, pos_api_pages],
    asset_checks=ASSET_CHECKS,
    jobs=[ingest_job, pos_sync_job],
    schedules=[pos_sync_schedule],
    sensors=[landing_sensor],
)
