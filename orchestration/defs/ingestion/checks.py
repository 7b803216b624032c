"""Asset checks beside the raw tables: the invariants the loader promises, re-read from the
warehouse after every load, so a broken promise shows in the UI rather than in a report."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import polars as pl
from dagster import AssetCheckResult, AssetCheckSeverity, MetadataValue, asset_check

from ingestion import schemas
from orchestration.defs.ingestion.assets import raw_key
from orchestration.resources import BlipeeResource


def _duplicate_keys(conn, table: schemas.Table) -> int:
    keys = ", ".join(table.key)
    sql = (f"select count(*) from (select {keys} from {table.qualified} "
           f"group by {keys} having count(*) > 1) as d")
    return int(conn.execute(sql).fetchone()[0])


def _key_check(table: schemas.Table):
    @asset_check(asset=raw_key(table), name=f"{table.name}_key_is_unique",
                 description=f"One row per ({', '.join(table.key)}): re-deliveries replaced "
                 "the earlier row instead of adding one.")
    def check(blipee: BlipeeResource) -> AssetCheckResult:
        with blipee.connect() as (conn, _):
            duplicates = _duplicate_keys(conn, table)
        return AssetCheckResult(passed=duplicates == 0, metadata={"duplicate_keys": duplicates})

    return check


@asset_check(asset=raw_key(schemas.SENSOR_COUNTS), name="counts_are_valid_intervals",
             description="Counts are non-negative and every period ends after it starts.")
def counts_are_valid_intervals(blipee: BlipeeResource) -> AssetCheckResult:
    with blipee.connect() as (conn, _):
        bad = conn.execute(
            "select count(*) from raw.sensor_counts "
            "where count_in < 0 or count_out < 0 or period_end <= period_start"
        ).fetchone()[0]
    return AssetCheckResult(passed=bad == 0, metadata={"invalid_rows": int(bad)})


@asset_check(asset=raw_key(schemas.SENSOR_COUNTS), name="no_unreadable_files",
             description="Warns when whole files were quarantined as unreadable.")
def no_unreadable_files(blipee: BlipeeResource) -> AssetCheckResult:
    with blipee.connect() as (conn, _):
        files = conn.execute(
            "select count(distinct source_file) from raw.quarantine "
            "where reason_code = 'UNREADABLE_FILE'"
        ).fetchone()[0]
    return AssetCheckResult(passed=files == 0, severity=AssetCheckSeverity.WARN,
                            metadata={"unreadable_files": int(files)})


# The Great Expectations suites kept in ingestion/expectations/, run over the most recently
# ingested rows of each fact table (the loader applies the same rules per file, vectorised).
GE_SAMPLE_ROWS = 50_000


def _recent_rows(conn, table: schemas.Table) -> pl.DataFrame:
    cursor = conn.execute(
        f"select * from {table.qualified} order by ingested_at desc limit {GE_SAMPLE_ROWS}"
    )
    names = [d[0] for d in cursor.description]
    return pl.DataFrame(cursor.fetchall(), schema=names, orient="row", infer_schema_length=None)


def _expectations_check(table: schemas.Table):
    @asset_check(asset=raw_key(table), name=f"{table.name}_expectations",
                 description=f"Great Expectations suite `{table.name}` over the "
                 f"{GE_SAMPLE_ROWS:,} most recently ingested rows.")
    def check(blipee: BlipeeResource) -> AssetCheckResult:
        from ingestion.expectations import run_suite

        with blipee.connect() as (conn, _):
            frame = _recent_rows(conn, table)
            sensors = _recent_rows(conn, schemas.SENSORS) if table is schemas.SENSOR_COUNTS \
                else None
        if frame.is_empty():
            return AssetCheckResult(passed=True, metadata={"rows_checked": 0})
        outcome = run_suite(frame, table.name, now=datetime.now(UTC), sensors=sensors)
        return AssetCheckResult(
            passed=outcome.success,
            metadata={"rows_checked": frame.height, "expectations": outcome.evaluated,
                      "failed": MetadataValue.json(json.loads(json.dumps(outcome.failed,
                                                                           default=str)))},
        )

    return check


CHECKS = [
    *(_expectations_check(t) for t in (schemas.SENSOR_COUNTS, schemas.SENSOR_OCCUPANCY,
                                       schemas.ZONE_ACTIVITY, schemas.POS_TRANSACTIONS)),
    *(_key_check(t) for t in (*schemas.FACT_TABLES, schemas.SITES, schemas.SENSORS)),
    counts_are_valid_intervals,
    no_unreadable_files,
]
