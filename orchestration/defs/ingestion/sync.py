"""The POS API syncs (Shopify, Square) as an asset that lands pages for `pos_data` to load."""

import os

from dagster import (
    AssetExecutionContext,
    DefaultScheduleStatus,
    MaterializeResult,
    MetadataValue,
    ScheduleDefinition,
    asset,
    define_asset_job,
)

from orchestration.defs.ingestion.assets import GROUP, OWNERS
from orchestration.lib.freshness import NO_FRESHNESS_POLICY
from orchestration.resources import BlipeeResource

# A system syncs when its credentials are in the environment (never in config or logs).
CREDENTIALS = {"shopify": "BLIPEE_SHOPIFY_TOKEN", "square": "BLIPEE_SQUARE_TOKEN"}


@asset(
    key=["landing", "pos_api_pages"],
    group_name=GROUP,
    owners=OWNERS,
    kinds={"python", "api"},
    metadata={NO_FRESHNESS_POLICY: "runs on its own 15-minute schedule once API credentials "
              "are set; the freshness of raw/pos_transactions covers what it lands"},
    description="Orders fetched from the Shopify and Square APIs since the stored watermark, "
    "written to landing/pos as files. A system is skipped until its token is set.",
)
def pos_api_pages(context: AssetExecutionContext, blipee: BlipeeResource) -> MaterializeResult:
    from ingestion.pos import sync_from_env

    settings = blipee.settings()
    synced: dict[str, dict] = {}
    for system, variable in CREDENTIALS.items():
        if not os.environ.get(variable):
            context.log.info(f"{system}: {variable} is not set, skipped")
            continue
        report = sync_from_env(system, settings)
        synced[system] = {"orders": report.orders, "pages": report.pages,
                          "watermark": str(report.watermark)}
    return MaterializeResult(metadata={"synced": MetadataValue.json(synced)})


pos_sync_job = define_asset_job(
    "pos_api_sync_job",
    selection=["landing/pos_api_pages", "raw/pos_transactions", "raw/pos_transaction_lines"],
    description="Fetch new POS orders from the APIs and load them.",
)

pos_sync_schedule = ScheduleDefinition(
    name="pos_api_sync_every_15_minutes",
    job=pos_sync_job,
    cron_schedule="*/15 * * * *",
    default_status=DefaultScheduleStatus.STOPPED,
    description="Off by default: turn it on once BLIPEE_SHOPIFY_* / BLIPEE_SQUARE_* are set.",
)
