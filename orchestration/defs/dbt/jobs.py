"""The dbt jobs and the one schedule automation does not cover.

Hourly and nightly refreshes are declarative automation (translator.py, lib/automation.py).
Two jobs stay explicit: the nightly job, to run the whole pipeline on demand (`make demo`
runs it; so can anyone from the UI's Jobs page), and the weekly full refresh, which needs
run config (`full_refresh`) that automation cannot pass.
"""

from __future__ import annotations

from dagster import AssetSelection, ScheduleDefinition, define_asset_job

nightly_build_job = define_asset_job(
    "nightly_build_job",
    selection=AssetSelection.all() - AssetSelection.keys("landing/pos_api_pages"),
    description="Everything: load what landed, the quarantine, then `dbt build` of every "
    "model, seed and data test, with every check.",
)
weekly_full_refresh_job = define_asset_job(
    "weekly_full_refresh_job",
    selection=AssetSelection.keys("marts/fct_site_hourly").downstream(),
    config={"ops": {"blipee_dbt_models": {"config": {"full_refresh": True}}}},
    description="Rebuild fct_site_hourly and its rollups from all of raw: picks up data "
    "that arrived later than the incremental look-back window.",
)
weekly_full_refresh_schedule = ScheduleDefinition(
    name="weekly_full_refresh",
    job=weekly_full_refresh_job,
    cron_schedule="0 4 * * 0",
    description="Sundays at 04:00: full refresh of the incremental facts.",
)
