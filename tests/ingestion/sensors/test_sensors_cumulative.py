"""Cumulative counters -> interval counts in the warehouse, on DuckDB and on PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import polars as pl
import pytest
from sensor_helpers import line, parse, registry, utc

from infra.warehouse import connect_duckdb, connect_postgres
from ingestion.raw_tables import ensure_raw_tables
from ingestion.schemas import SENSOR_COUNTS
from ingestion.sensors import (
    SENSOR_COUNTER_READINGS,
    cumulative_scope,
    cumulative_sensors,
    derive_cumulative_intervals,
)

T0 = utc(2026, 6, 1, 8, 0)
LOADED = utc(2026, 6, 2)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def warehouse(request, tmp_path):
    if request.param == "duckdb":
        conn = connect_duckdb(tmp_path / "w.duckdb")
    else:
        conn = connect_postgres(request.getfixturevalue("pg_dsn"))
    ensure_raw_tables(conn, request.param)
    conn.execute(SENSOR_COUNTER_READINGS.ddl(request.param))
    yield conn, request.param
    conn.close()


def upsert(conn: Any, dialect: str, table, frame: pl.DataFrame, source_file: str) -> None:
    """What the loader does: lineage columns added, a later delivery of a key replaces it."""
    p = "?" if dialect == "duckdb" else "%s"
    full = frame.with_columns(
        pl.lit(source_file).alias("source_file"), pl.lit("test_format").alias("source_format"),
        pl.lit(LOADED).alias("delivered_at"), pl.lit(LOADED).alias("ingested_at"),
    ).select(table.column_names)
    where = " and ".join(f"{k} = {p}" for k in table.key)
    cols = ", ".join(table.column_names)
    marks = ", ".join([p] * len(table.column_names))
    for row in full.iter_rows(named=True):
        conn.execute(f"delete from {table.qualified} where {where}",
                     tuple(row[k] for k in table.key))
        conn.execute(f"insert into {table.qualified} ({cols}) values ({marks})",
                     tuple(row.values()))


def readings(*values: tuple[int, int, int]) -> pl.DataFrame:
    return pl.DataFrame(
        {"sensor_id": "s1", "line_id": "1",
         "reading_at": [at(m) for m, _, _ in values],
         "total_in": [i for _, i, _ in values], "total_out": [o for _, _, o in values],
         "received_at": [at(m) for m, _, _ in values]},
        schema_overrides={"reading_at": pl.Datetime("us", "UTC"),
                          "received_at": pl.Datetime("us", "UTC")})


def load_readings(conn, dialect, frame: pl.DataFrame, name: str) -> None:
    upsert(conn, dialect, SENSOR_COUNTER_READINGS, frame, name)
    keys, since, until = cumulative_scope({"sensor_counter_readings": frame})
    derive_cumulative_intervals(conn, dialect, keys, since, until, ingested_at=LOADED)


def counts(conn) -> list[tuple]:
    got = conn.execute(
        f"select period_start, period_end, count_in, count_out, source_format "
        f"from {SENSOR_COUNTS.qualified} order by period_start").fetchall()
    return [(s.astimezone(T0.tzinfo), e.astimezone(T0.tzinfo), i, o, f)
            for s, e, i, o, f in got]


def test_differences_and_reset(warehouse):
    conn, dialect = warehouse
    # totals in: 10, 25, 5, 12 (the drop to 5 is a reset); out: 3, 9, 1, 4
    load_readings(conn, dialect, readings((0, 10, 3), (15, 25, 9), (30, 5, 1), (45, 12, 4)),
                  "a.json")
    assert counts(conn) == [
        (at(0), at(15), 25 - 10, 9 - 3, "test_format+cumulative"),
        (at(15), at(30), 5, 1, "test_format+cumulative"),       # after a reset: new total
        (at(30), at(45), 12 - 5, 4 - 1, "test_format+cumulative"),
    ]


def test_any_file_order_gives_the_same_rows(warehouse, tmp_path):
    conn, dialect = warehouse
    first = readings((0, 100, 50), (30, 130, 70))
    second = readings((15, 110, 60), (45, 10, 2))   # interleaved, with a reset at 45
    load_readings(conn, dialect, second, "b.json")
    load_readings(conn, dialect, first, "a.json")
    # in order: 100, 110, 130, 10 -> 10, 20, reset 10; out 50, 60, 70, 2 -> 10, 10, reset 2
    expected = [(at(0), at(15), 10, 10), (at(15), at(30), 20, 10), (at(30), at(45), 10, 2)]
    assert [row[:4] for row in counts(conn)] == expected
    conn.execute(f"delete from {SENSOR_COUNTS.qualified}")
    conn.execute(f"delete from {SENSOR_COUNTER_READINGS.qualified}")
    load_readings(conn, dialect, first, "a.json")
    load_readings(conn, dialect, second, "b.json")
    assert [row[:4] for row in counts(conn)] == expected
    # loading a file again changes nothing
    load_readings(conn, dialect, first, "a.json")
    assert [row[:4] for row in counts(conn)] == expected


def test_direct_interval_counts_win_over_derived_ones(warehouse):
    conn, dialect = warehouse
    load_readings(conn, dialect, readings((0, 10, 0), (15, 14, 1), (30, 20, 2)), "totals.json")
    assert len(counts(conn)) == 2
    # a periodic report for 08:00..08:15 arrives later: the derived row it overlaps goes
    direct = pl.DataFrame({
        "sensor_id": ["s1"], "line_id": ["1"], "period_start": [at(0)], "period_end": [at(15)],
        "count_in": [4], "count_out": [1], "received_at": [at(15)]},
        schema_overrides={"count_in": pl.Int32, "count_out": pl.Int32})
    upsert(conn, dialect, SENSOR_COUNTS, direct, "periodic.json")
    keys, since, until = cumulative_scope({"sensor_counts": direct})
    derive_cumulative_intervals(conn, dialect, keys, since, until, ingested_at=LOADED)
    assert counts(conn) == [
        (at(0), at(15), 4, 1, "test_format"),
        (at(15), at(30), 20 - 14, 2 - 1, "test_format+cumulative"),
    ]


def test_parsed_milesight_totals_flow_into_the_warehouse(warehouse):
    conn, dialect = warehouse
    sensors = registry(line("s1", "1", "dev1", tz="UTC"))

    def report(minute: int, total_in: int) -> bytes:
        return (b'{"device_info":{"device_sn":"dev1"},"line_total_data":[{"line":1,'
                b'"total":{"in_counted":%d,"out_counted":0}}],'
                b'"time_info":{"time":"2026-06-01T08:%02d:00Z"}}' % (total_in, minute))

    for name, body in (("x.jsonl", report(10, 40)), ("y.jsonl", report(0, 30))):
        result = parse(body, f"sensors/milesight/dev1/{name}", sensors, utc(2026, 6, 1, 9))
        load_readings(conn, dialect, result.tables["sensor_counter_readings"], name)
    # readings 08:00 -> 30, 08:10 -> 40: one interval of 10 entries
    assert [row[:3] for row in counts(conn)] == [(at(0), at(10), 10)]


def test_cumulative_sensors_are_the_sensors_of_the_scope():
    """The loader asks about these sensors first, then works out the scope: both must name
    the same sensors, from readings and from direct counts alike."""
    readings = pl.DataFrame({"sensor_id": ["s2", "s1", "s2"], "line_id": ["1", "1", "2"],
                             "reading_at": [T0, T0, T0]})
    direct = pl.DataFrame({"sensor_id": ["s3"], "line_id": ["1"], "period_start": [T0],
                           "period_end": [T0]})
    tables = {"sensor_counter_readings": readings, "sensor_counts": direct}
    keys, _, _ = cumulative_scope(tables)
    assert cumulative_sensors(tables) == ["s1", "s2", "s3"] == sorted({s for s, _ in keys})
    assert cumulative_sensors({"sensor_counts": direct.clear()}) == []
