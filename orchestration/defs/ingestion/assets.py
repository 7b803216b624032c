"""Raw tables as Dagster assets: each multi-asset loads one part of the landing area.

The loading itself is `ingestion.loader.load_landing`; these assets pick which landing
folders they own and turn the load report into run metadata (files, rows loaded and
quarantined per format, a preview of each table).
"""

from collections.abc import Iterator, Sequence
from typing import Any

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetSpec,
    MaterializeResult,
    MetadataValue,
    multi_asset,
)

from ingestion import schemas
from orchestration.resources import BlipeeResource

GROUP = "ingestion"
OWNERS = ["team:data-engineering"]


def raw_key(table: schemas.Table) -> AssetKey:
    """raw.<table> -> ["raw", "<table>"]: the key dagster-dbt gives the dbt source."""
    return AssetKey([schemas.RAW_SCHEMA, table.name])


def _spec(table: schemas.Table, kinds: set[str], deps: Sequence[AssetKey] = ()) -> AssetSpec:
    return AssetSpec(
        key=raw_key(table),
        group_name=GROUP,
        description=table.description,
        owners=OWNERS,
        kinds=kinds,
        deps=list(deps),
        metadata={"primary_key": ", ".join(table.key) or "none"},
    )


def _preview(conn: Any, table: schemas.Table, limit: int = 5) -> str:
    rows = conn.execute(f"select * from {table.qualified} limit {limit}").fetchall()
    header = "| " + " | ".join(table.column_names) + " |"
    rule = "|" + "---|" * len(table.column_names)
    body = ["| " + " | ".join("" if v is None else str(v) for v in row) + " |" for row in rows]
    return "\n".join([header, rule, *body])


def _results(
    conn: Any, report: Any, tables: Sequence[schemas.Table]
) -> Iterator[MaterializeResult]:
    for table in tables:
        total = conn.execute(f"select count(*) from {table.qualified}").fetchone()[0]
        yield MaterializeResult(
            asset_key=raw_key(table),
            metadata={
                "dagster/row_count": MetadataValue.int(int(total)),
                "rows_loaded_this_run": MetadataValue.int(report.rows_loaded.get(table.name, 0)),
                "rows_quarantined_this_run": MetadataValue.int(
                    report.rows_quarantined.get(table.name, 0)
                ),
                "files_loaded": MetadataValue.int(report.files_loaded),
                "files_skipped_already_loaded": MetadataValue.int(report.files_skipped),
                "files_quarantined_whole": MetadataValue.int(report.files_quarantined),
                "by_format": MetadataValue.json(report.by_format),
                "files": MetadataValue.md(report.preview),
                "preview": MetadataValue.md(_preview(conn, table)),
            },
        )


def _load(context: AssetExecutionContext, blipee: BlipeeResource, prefix: str,
          tables: Sequence[schemas.Table]) -> Iterator[MaterializeResult]:
    from ingestion.loader import load_landing

    settings = blipee.settings()
    with blipee.connect() as (conn, dialect):
        report = load_landing(
            conn,
            dialect,
            settings.landing_dir,
            settings=settings,
            only=lambda rel: rel.startswith(prefix),
        )
        context.log.info(
            f"{prefix}: {report.files_loaded} files loaded, {report.files_skipped} already "
            f"loaded, {sum(report.rows_quarantined.values())} rows quarantined"
        )
        yield from _results(conn, report, tables)


@multi_asset(
    name="reference_data",
    specs=[_spec(t, {"duckdb", "postgres", "csv"}) for t in schemas.REFERENCE_TABLES],
    description="Organisations, regions, sites, sensors, POS locations, shifts, targets, "
    "weather and events from landing/reference.",
)
def reference_data(context: AssetExecutionContext, blipee: BlipeeResource):
    yield from _load(context, blipee, "reference/", schemas.REFERENCE_TABLES)


SENSOR_TABLES = (schemas.SENSOR_COUNTS, schemas.SENSOR_OCCUPANCY, schemas.ZONE_ACTIVITY,
                 schemas.SENSOR_COUNTER_READINGS)
POS_TABLES = (schemas.POS_TRANSACTIONS, schemas.POS_TRANSACTION_LINES)


@multi_asset(
    name="sensor_data",
    specs=[
        _spec(t, {"duckdb", "postgres", "python"}, deps=[raw_key(schemas.SENSORS)])
        for t in SENSOR_TABLES
    ],
    description="People-counting files (Milesight, Axis, Hikvision, Xovis, generic CSV) "
    "from landing/sensors, parsed, validated and upserted exactly once.",
)
def sensor_data(context: AssetExecutionContext, blipee: BlipeeResource):
    yield from _load(context, blipee, "sensors/", SENSOR_TABLES)


@multi_asset(
    name="pos_data",
    specs=[
        _spec(t, {"duckdb", "postgres", "python"}, deps=[raw_key(schemas.POS_LOCATIONS)])
        for t in POS_TABLES
    ],
    description="POS exports (Shopify, Square, mapped CSV) from landing/pos, upserted "
    "exactly once; customer ids salted and hashed.",
)
def pos_data(context: AssetExecutionContext, blipee: BlipeeResource):
    yield from _load(context, blipee, "pos/", POS_TABLES)


# Written by every load above rather than by an asset of their own: declared so that the UI
# shows them in group ingestion with a description, and dbt's staging models hang off them.
BOOKKEEPING = [
    AssetSpec(key=raw_key(table), group_name=GROUP, description=table.description,
              owners=OWNERS, kinds={"duckdb", "postgres"})
    for table in (schemas.QUARANTINE, schemas.LOAD_MANIFEST)
]

ASSETS = [reference_data, sensor_data, pos_data, *BOOKKEEPING]
