"""Raw tables as Dagster assets: each multi-asset loads one part of the landing area.

The loading itself is `ingestion.loader.load_landing`; these assets pick which landing
folders they own and turn the load report into run metadata (files, rows loaded and
quarantined per format, a preview of each table's newest rows). Each load runs hourly
(declarative automation) and when the landing sensor sees new files; its step holds the
warehouse alone on DuckDB (orchestration/lib/concurrency.py).
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
from orchestration.defs.dbt.project import manifest
from orchestration.lib import automation
from orchestration.lib.concurrency import warehouse_step
from orchestration.lib.freshness import NO_FRESHNESS_POLICY, source_policies
from orchestration.lib.markdown import table as md_table
from orchestration.resources import BlipeeResource

GROUP = "ingestion"
OWNERS = ["team:data-engineering"]


def raw_key(table: schemas.Table) -> AssetKey:
    """raw.<table> -> ["raw", "<table>"]: the key dagster-dbt gives the dbt source."""
    return AssetKey([schemas.RAW_SCHEMA, table.name])


# The dbt sources' `freshness:` (warn 6 h, error 24 h on the fact tables), one promise for
# dbt and Dagster; tables without one say why.
FRESHNESS = source_policies(manifest())
# Written by the same step as raw.sensor_counts, for cumulative counters only.
FRESHNESS.setdefault(schemas.SENSOR_COUNTER_READINGS.name, FRESHNESS.get("sensor_counts"))
NO_FRESHNESS_REASON = ("reference data: it changes when someone lands a new file, and its "
                       "dbt source declares no freshness")


def freshness_attributes(table_name: str, reason: str = NO_FRESHNESS_REASON) -> dict[str, Any]:
    """`freshness_policy=` for tables with a dbt source freshness, else the reason in metadata."""
    policy = FRESHNESS.get(table_name)
    if policy is not None:
        return {"freshness_policy": policy, "metadata": {}}
    return {"metadata": {NO_FRESHNESS_POLICY: reason}}


def _spec(table: schemas.Table, kinds: set[str], deps: Sequence[AssetKey] = ()) -> AssetSpec:
    freshness = freshness_attributes(table.name)
    return AssetSpec(
        key=raw_key(table),
        group_name=GROUP,
        description=table.description,
        owners=OWNERS,
        kinds=kinds,
        deps=list(deps),
        metadata={"primary_key": ", ".join(table.key) or "none", **freshness.pop("metadata")},
        automation_condition=automation.hourly(),
        **freshness,
    )


# The column that says how new a row is, per table: previews show the newest rows first.
_NEWEST_FIRST = ("period_start", "ts", "quarantined_at", "loaded_at", "shift_start", "date")


def order_newest_first(table: schemas.Table) -> str:
    """The `order by` of a preview: the table's own time column, then the load time."""
    columns = [c for c in _NEWEST_FIRST if c in table.column_names][:1]
    if "ingested_at" in table.column_names:
        columns.append("ingested_at")
    return ", ".join(f"{c} desc" for c in columns)


def _preview(conn: Any, table: schemas.Table, limit: int = 5) -> str:
    order = order_newest_first(table)
    rows = conn.execute(f"select * from {table.qualified}"
                        f"{' order by ' + order if order else ''} limit {limit}").fetchall()
    return md_table(table.column_names, rows)


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
                "preview_newest_rows": MetadataValue.md(_preview(conn, table)),
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
    **warehouse_step(),
    specs=[_spec(t, {"duckdb", "postgres", "csv"})
           for t in (*schemas.REFERENCE_TABLES, *schemas.DERIVED_REFERENCE_TABLES)],
    description="Organisations, regions, sites, sensors, POS locations, shifts, targets, "
    "weather, events and site closures from landing/reference, and the public holidays of "
    "the sites' countries (computed with the holidays package when sites.csv loads).",
)
def reference_data(context: AssetExecutionContext, blipee: BlipeeResource):
    yield from _load(context, blipee, "reference/",
                     (*schemas.REFERENCE_TABLES, *schemas.DERIVED_REFERENCE_TABLES))


SENSOR_TABLES = (schemas.SENSOR_COUNTS, schemas.SENSOR_OCCUPANCY, schemas.ZONE_ACTIVITY,
                 schemas.SENSOR_COUNTER_READINGS)
POS_TABLES = (schemas.POS_TRANSACTIONS, schemas.POS_TRANSACTION_LINES)


@multi_asset(
    name="sensor_data",
    **warehouse_step(),
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
    **warehouse_step(),
    specs=[
        _spec(t, {"duckdb", "postgres", "python"}, deps=[raw_key(schemas.POS_LOCATIONS)])
        for t in POS_TABLES
    ],
    description="POS exports (Shopify, Square, mapped CSV) from landing/pos, upserted "
    "exactly once; customer ids salted and hashed.",
)
def pos_data(context: AssetExecutionContext, blipee: BlipeeResource):
    yield from _load(context, blipee, "pos/", POS_TABLES)


# Written by every load above rather than by an asset of its own: declared so that the UI
# shows it in group ingestion with a description, and dbt's staging model hangs off it.
# (raw.quarantine, written the same way, is an asset of its own: quarantine.py.)
LOAD_MANIFEST = AssetSpec(
    key=raw_key(schemas.LOAD_MANIFEST), group_name=GROUP,
    description=schemas.LOAD_MANIFEST.description, owners=OWNERS, kinds={"duckdb", "postgres"},
    metadata={NO_FRESHNESS_POLICY: "bookkeeping written by every load, never materialised on "
              "its own: the loads' metadata and freshness speak for it"},
)

ASSETS = [reference_data, sensor_data, pos_data, LOAD_MANIFEST]
