"""Asset checks beside the raw tables: the invariants the loader promises, re-read from the
warehouse after every load, so a broken promise shows in the UI rather than in a report.

All of them run in one step (`raw_table_checks`) over one read-only connection: on DuckDB a
step per check would mean a process per check, each waiting its turn for the file.
"""

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import polars as pl
from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    MetadataValue,
    multi_asset_check,
)

from ingestion import schemas
from orchestration.defs.ingestion.assets import raw_key
from orchestration.lib.concurrency import warehouse_step
from orchestration.resources import BlipeeResource

Evaluate = Callable[[Any], AssetCheckResult]
CHECKS: dict[str, tuple[AssetCheckSpec, Evaluate]] = {}  # check name -> (spec, evaluation)


def _register(table: schemas.Table, name: str, description: str):
    def decorate(evaluate: Evaluate) -> Evaluate:
        # no automation condition: the check rides along in every run of its asset
        spec = AssetCheckSpec(name=name, asset=raw_key(table), description=description)
        CHECKS[name] = (spec, evaluate)
        return evaluate
    return decorate


def _scalar(conn: Any, sql: str) -> int:
    return int(conn.execute(sql).fetchone()[0])


def _key_check(table: schemas.Table) -> None:
    keys = ", ".join(table.key)

    @_register(table, f"{table.name}_key_is_unique",
               f"One row per ({keys}): re-deliveries replaced the earlier row instead of "
               "adding one.")
    def evaluate(conn: Any) -> AssetCheckResult:
        duplicates = _scalar(conn, f"select count(*) from (select {keys} from "
                             f"{table.qualified} group by {keys} having count(*) > 1) as d")
        return AssetCheckResult(passed=duplicates == 0, metadata={"duplicate_keys": duplicates})


@_register(schemas.SENSOR_COUNTS, "counts_are_valid_intervals",
           "Counts are non-negative and every period ends after it starts.")
def counts_are_valid_intervals(conn: Any) -> AssetCheckResult:
    bad = _scalar(conn, "select count(*) from raw.sensor_counts "
                  "where count_in < 0 or count_out < 0 or period_end <= period_start")
    return AssetCheckResult(passed=bad == 0, metadata={"invalid_rows": bad})


@_register(schemas.SENSOR_COUNTS, "no_unreadable_files",
           "Warns when whole files were quarantined as unreadable.")
def no_unreadable_files(conn: Any) -> AssetCheckResult:
    files = _scalar(conn, "select count(distinct source_file) from raw.quarantine "
                    "where reason_code = 'UNREADABLE_FILE'")
    return AssetCheckResult(passed=files == 0, severity=AssetCheckSeverity.WARN,
                            metadata={"unreadable_files": files})


# The Great Expectations suites kept in ingestion/expectations/, run over the most recently
# ingested rows of each fact table (the loader applies the same rules per file, vectorised).
GE_SAMPLE_ROWS = 50_000


def _recent_rows(conn: Any, table: schemas.Table) -> pl.DataFrame:
    cursor = conn.execute(
        f"select * from {table.qualified} order by ingested_at desc limit {GE_SAMPLE_ROWS}"
    )
    names = [d[0] for d in cursor.description]
    return pl.DataFrame(cursor.fetchall(), schema=names, orient="row", infer_schema_length=None)


def _expectations_check(table: schemas.Table) -> None:
    @_register(table, f"{table.name}_expectations",
               f"Great Expectations suite `{table.name}` over the {GE_SAMPLE_ROWS:,} most "
               "recently ingested rows.")
    def evaluate(conn: Any) -> AssetCheckResult:
        from ingestion.expectations import run_suite

        frame = _recent_rows(conn, table)
        sensors = _recent_rows(conn, schemas.SENSORS) if table is schemas.SENSOR_COUNTS else None
        if frame.is_empty():
            return AssetCheckResult(passed=True, metadata={"rows_checked": 0})
        outcome = run_suite(frame, table.name, now=datetime.now(UTC), sensors=sensors)
        failed = json.loads(json.dumps(outcome.failed, default=str))
        return AssetCheckResult(
            passed=outcome.success,
            metadata={"rows_checked": frame.height, "expectations": outcome.evaluated,
                      "failed": MetadataValue.json(failed)},
        )


for _table in (schemas.SENSOR_COUNTS, schemas.SENSOR_OCCUPANCY, schemas.ZONE_ACTIVITY,
               schemas.POS_TRANSACTIONS):
    _expectations_check(_table)
for _table in (*schemas.FACT_TABLES, schemas.SITES, schemas.SENSORS):
    _key_check(_table)


def evaluate(conn: Any, name: str) -> AssetCheckResult:
    """One check by name on an open connection (tests call this directly)."""
    spec, check = CHECKS[name]
    result = check(conn)
    return result._replace(asset_key=spec.asset_key, check_name=spec.name)


@multi_asset_check(
    name="raw_table_checks",
    specs=[spec for spec, _ in CHECKS.values()],
    can_subset=True,
    description="The raw tables' invariants and Great Expectations suites, in one step.",
    **warehouse_step(),
)
def raw_table_checks(context: AssetCheckExecutionContext,
                     blipee: BlipeeResource) -> Iterator[AssetCheckResult]:
    selected = {key.name for key in context.selected_asset_check_keys}
    with blipee.connect(read_only=True) as (conn, _):
        for name in CHECKS:
            if name in selected:
                yield evaluate(conn, name)


ASSET_CHECKS = [raw_table_checks]
