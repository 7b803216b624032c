"""Asset checks beside the raw tables: the invariants the loader promises, re-read from the
warehouse after every load, so a broken promise shows in the UI rather than in a report."""

from __future__ import annotations

from dagster import AssetCheckResult, AssetCheckSeverity, asset_check

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


CHECKS = [
    *(_key_check(t) for t in (*schemas.FACT_TABLES, schemas.SITES, schemas.SENSORS)),
    counts_are_valid_intervals,
    no_unreadable_files,
]
