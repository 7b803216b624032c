"""`raw/quarantine` as an asset of its own: every row or file the loads rejected, in sight.

The loads write the table as they go (a rejected row is stored in the same transaction as
its file's good rows); this asset runs after them and reads it back, so the UI shows what
was rejected, why, from which format, the newest rejects, and how to replay them once the
cause is fixed.
"""

from typing import Any

from dagster import (
    AssetExecutionContext,
    AutomationCondition,
    MaterializeResult,
    MetadataValue,
    asset,
)

from ingestion import schemas
from orchestration.defs.ingestion.assets import (
    GROUP,
    OWNERS,
    freshness_attributes,
    raw_key,
)
from orchestration.lib.concurrency import warehouse_step
from orchestration.lib.markdown import table
from orchestration.resources import BlipeeResource

NEWEST = 10

BY_REASON_SQL = """
select reason_code, source_format, count(*) as quarantined_rows,
       count(distinct source_file) as files, max(quarantined_at) as newest
from raw.quarantine
group by reason_code, source_format
order by quarantined_rows desc, reason_code, source_format
"""
NEWEST_SQL = f"""
select quarantined_at, reason_code, source_format, source_file, line_no, reason,
       substr(raw_content, 1, 80) as raw_content
from raw.quarantine
order by quarantined_at desc, source_file, line_no
limit {NEWEST}
"""

REPLAY = """Fix the cause, then load the rejected files again (from the repository root):

- `UNKNOWN_DEVICE`: register the device and its lines in `landing/reference/sensors.csv`,
  then `.venv/bin/blipee quarantine replay --reason-code UNKNOWN_DEVICE`
- any other code: correct the source file or the reference data it names, then
  `.venv/bin/blipee quarantine replay --reason-code <CODE>`

`.venv/bin/blipee quarantine list` prints these counts in a terminal; the reason codes are
explained in docs/ingestion.md (Quarantine). A replayed file goes through the same
latest-delivery-wins rules as on its first load, and replaying twice changes nothing."""


def _since(conn: Any, dialect: str, timestamp: float | None) -> int:
    if timestamp is None:
        return int(conn.execute("select count(*) from raw.quarantine").fetchone()[0])
    cast = "to_timestamp(?)" if dialect == "duckdb" else "to_timestamp(%s)"
    sql = f"select count(*) from raw.quarantine where quarantined_at > {cast}"
    return int(conn.execute(sql, [timestamp]).fetchone()[0])


@asset(
    key=raw_key(schemas.QUARANTINE),
    group_name=GROUP,
    owners=OWNERS,
    kinds={"duckdb", "postgres", "python"},
    description=schemas.QUARANTINE.description + " Read back after each load: rows by reason "
    "code and source format, the newest rejects, and how to replay them.",
    # one table of each load stands for it: this runs after all three
    deps=[raw_key(schemas.SITES), raw_key(schemas.SENSOR_COUNTS),
          raw_key(schemas.POS_TRANSACTIONS)],
    automation_condition=AutomationCondition.eager(),
    **freshness_attributes("sensor_counts"),
    **warehouse_step(),
)
def quarantine(context: AssetExecutionContext, blipee: BlipeeResource) -> MaterializeResult:
    """Rows by reason code and format, the newest rejects and the replay commands."""
    previous = context.instance.get_latest_materialization_event(context.asset_key)
    with blipee.connect(read_only=True) as (conn, dialect):
        by_reason = conn.execute(BY_REASON_SQL).fetchall()
        newest = conn.execute(NEWEST_SQL).fetchall()
        new_rows = _since(conn, dialect, previous.timestamp if previous else None)
        files = conn.execute("select count(distinct source_file) from raw.quarantine").fetchone()
    total = sum(row[2] for row in by_reason)
    return MaterializeResult(metadata={
        "dagster/row_count": MetadataValue.int(total),
        "rows_new_since_last_materialization": MetadataValue.int(new_rows),
        "files_with_rejects": MetadataValue.int(int(files[0])),
        "rows_by_reason_code_and_format": MetadataValue.md(table(
            ["reason_code", "source_format", "rows", "files", "newest"], by_reason)),
        "newest_rejects": MetadataValue.md(table(
            ["quarantined_at", "reason_code", "source_format", "source_file", "line_no",
             "reason", "raw_content"], newest)),
        "how_to_replay": MetadataValue.md(REPLAY),
    })
