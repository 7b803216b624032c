"""Cumulative counters: stored as raw readings, turned into interval counts in the warehouse.

Why not difference inside the parser: the previous reading of a counter is often in another
file, and files may load in any order. So a parser only emits readings
(`raw.sensor_counter_readings`, key sensor_id, line_id, reading_at); after upserting a file
the loader calls `derive_cumulative_intervals` for the sensor lines and time range the file
touched, which recomputes the derived interval rows of raw.sensor_counts from ALL stored
readings. Loading the same files in any order therefore gives the same rows.

Rules (docs/sensors.md):
* consecutive readings r0 < r1 of one line give the interval [r0, r1) with
  count = r1 - r0; if either counter dropped (total_in or total_out below the previous), the
  counter was reset and the interval count is the new total (r1);
* derived rows carry source_format `<reading format>+cumulative`, the later reading's
  source_file, delivered_at and received_at;
* a derived interval that overlaps a directly reported interval of the same line (a
  Milesight periodic report next to its running totals, a LoRaWAN period uplink) is not
  written: direct interval counts win, so the same crossings are never counted twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import polars as pl

from ingestion.schemas import SENSOR_COUNTER_READINGS, SENSOR_COUNTS

DERIVED_SUFFIX = "+cumulative"
_KEYS_TABLE = "_blipee_derive_keys"


# tables whose rows bound the derivation: (name, column of the earliest, of the latest time)
_SCOPE_TABLES = (("sensor_counter_readings", "reading_at", "reading_at"),
                 ("sensor_counts", "period_start", "period_end"))


def _scope_frames(tables: dict[str, Any]) -> list[tuple[Any, str, str]]:
    return [(tables[name], low, high) for name, low, high in _SCOPE_TABLES
            if tables.get(name) is not None and len(tables[name])]


def cumulative_sensors(tables: dict[str, Any]) -> list[str]:
    """The sensors `cumulative_scope` would cover: one column's distinct values, cheap
    enough to ask first whether any of them has stored readings at all."""
    return sorted({s for frame, _, _ in _scope_frames(tables)
                   for s in frame["sensor_id"].unique().to_list()})


def cumulative_scope(tables: dict[str, Any]) -> tuple[list[tuple[str, str]],
                                                      datetime | None, datetime | None]:
    """Sensor lines and time range a parsed file touches, for `derive_cumulative_intervals`.

    Both readings and direct interval rows count: a direct row loaded after derived rows
    must push the overlapping derived rows out.
    """
    keys: set[tuple[str, str]] = set()
    lows: list[datetime] = []
    highs: list[datetime] = []
    for frame, low, high in _scope_frames(tables):
        keys.update(frame.select("sensor_id", "line_id").unique().iter_rows())
        lows.append(frame[low].min())
        highs.append(frame[high].max())
    if not keys:
        return [], None, None
    return sorted(keys), min(lows), max(highs)


def derive_cumulative_intervals(conn: Any, dialect: str,
                                sensor_line_keys: Iterable[tuple[str, str]],
                                since: datetime | None = None, until: datetime | None = None,
                                ingested_at: datetime | None = None) -> int:
    """Recompute derived interval rows of raw.sensor_counts for these lines; return rows written.

    Affected intervals are those whose end is at or after `since` and whose start is at or
    before `until` (None = unbounded). Runs inside the caller's transaction.
    """
    keys = sorted(set(sensor_line_keys))
    if not keys:
        return 0
    p = "?" if dialect == "duckdb" else "%s"
    ingested_at = ingested_at or datetime.now(UTC)
    lo = since or datetime(1970, 1, 1, tzinfo=UTC)
    hi = until or datetime(9999, 1, 1, tzinfo=UTC)
    counts = SENSOR_COUNTS.qualified
    readings = SENSOR_COUNTER_READINGS.qualified
    conn.execute(f"drop table if exists {_KEYS_TABLE}")
    conn.execute(f"create temp table {_KEYS_TABLE} (sensor_id text, line_id text)")
    _insert_keys(conn, dialect, keys)
    conn.execute(
        f"""
        delete from {counts}
        where source_format like {p}
          and period_end >= {p} and period_start <= {p}
          and exists (select 1 from {_KEYS_TABLE} k
                      where k.sensor_id = {counts}.sensor_id and k.line_id = {counts}.line_id)
        """,
        ("%" + DERIVED_SUFFIX, lo, hi),
    )
    insert = f"""
        insert into {counts} (sensor_id, line_id, period_start, period_end, count_in, count_out,
                              received_at, source_file, source_format, delivered_at, ingested_at)
        with ordered as (
            select
                r.sensor_id, r.line_id, r.reading_at, r.total_in, r.total_out, r.received_at,
                r.source_file, r.source_format, r.delivered_at,
                lag(r.reading_at) over w as prev_at,
                lag(r.total_in) over w as prev_in,
                lag(r.total_out) over w as prev_out
            from {readings} as r
            inner join {_KEYS_TABLE} as k on k.sensor_id = r.sensor_id and k.line_id = r.line_id
            window w as (partition by r.sensor_id, r.line_id order by r.reading_at)
        ),
        intervals as (
            select
                sensor_id, line_id,
                prev_at as period_start,
                reading_at as period_end,
                case when total_in < prev_in or total_out < prev_out
                     then total_in else total_in - prev_in end as count_in,
                case when total_in < prev_in or total_out < prev_out
                     then total_out else total_out - prev_out end as count_out,
                received_at, source_file, source_format || {p} as source_format, delivered_at
            from ordered
            where prev_at is not null and reading_at >= {p} and prev_at <= {p}
        )
        select
            i.sensor_id, i.line_id, i.period_start, i.period_end,
            cast(i.count_in as integer), cast(i.count_out as integer),
            i.received_at, i.source_file, i.source_format, i.delivered_at, {p}
        from intervals as i
        where not exists (
            select 1 from {counts} as d
            where d.sensor_id = i.sensor_id and d.line_id = i.line_id
              and d.period_start < i.period_end and d.period_end > i.period_start
        )
    """
    params = (DERIVED_SUFFIX, lo, hi, ingested_at)
    if dialect == "duckdb":
        written = conn.execute(insert, params).fetchone()[0]
    else:
        written = conn.execute(insert, params).rowcount
    conn.execute(f"drop table if exists {_KEYS_TABLE}")
    return int(written)


def _insert_keys(conn: Any, dialect: str, keys: list[tuple[str, str]]) -> None:
    if dialect == "duckdb":
        frame = pl.DataFrame(keys, schema={"sensor_id": pl.Utf8, "line_id": pl.Utf8},
                             orient="row")
        conn.register("_blipee_keys_frame", frame.to_arrow())
        conn.execute(f"insert into {_KEYS_TABLE} select * from _blipee_keys_frame")
        conn.unregister("_blipee_keys_frame")
    else:
        with conn.cursor() as cur:
            cur.executemany(f"insert into {_KEYS_TABLE} values (%s, %s)", keys)
