"""Row checks, direction, device resolution and the frozen-clock guard."""

from __future__ import annotations

import orjson
import polars as pl
import pytest
from sensor_helpers import line, parse, registry, rows, utc

from ingestion.records import (
    BAD_PERIOD,
    DUPLICATE_KEY,
    FROZEN_CLOCK,
    FUTURE_TIMESTAMP,
    IMPLAUSIBLE_COUNT,
    INTERVAL_MISMATCH,
    MALFORMED_ROW,
    NEGATIVE_COUNT,
    UNKNOWN_DEVICE,
)
from ingestion.sensors import checks

HEADER = b"device_serial,line_id,period_start,period_end,count_in,count_out\n"
NOW = utc(2026, 6, 1, 12, 0)


@pytest.fixture
def sensors():
    return registry(
        line("s1", "1", "dev1", tz="UTC", interval_minutes=15, max_count_per_interval=100),
        line("s2", "1", "dev2", tz="UTC", is_direction_inverted=True),
        line("s3", "1", None, tz="UTC", device_name="Front Door"),
    )


def csv(*lines: str) -> bytes:
    return HEADER + "\n".join(lines).encode() + b"\n"


def test_each_row_check_rejects_only_its_row(sensors):
    content = csv(
        "dev1,1,2026-06-01T08:00:00Z,2026-06-01T08:15:00Z,5,4",     # good
        "dev1,1,2026-06-01T08:15:00Z,2026-06-01T08:30:00Z,-1,4",    # negative
        "dev1,1,2026-06-01T08:30:00Z,2026-06-01T08:30:00Z,1,1",     # end == start
        "dev1,1,2026-06-01T12:05:00Z,2026-06-01T12:20:00Z,1,1",     # ends 20 min after now
        "dev1,1,2026-06-01T09:00:00Z,2026-06-01T09:15:00Z,101,0",   # > max 100
        "dev1,1,2026-06-01T09:15:00Z,2026-06-01T10:15:00Z,1,0",     # 60 min, not 15
        "dev1,1,2026-06-01T10:30:00Z,2026-06-01T10:45:00Z,x,0",     # not an integer
        "dev1,1,2026-06-01T11:54:00Z,2026-06-01T12:04:59Z,0,0",     # 4m59s ahead: not future
    )
    result = parse(content, "sensors/generic/checks.csv", sensors, NOW)
    assert [(q.reason_code, q.line_no) for q in result.quarantined] == [
        (NEGATIVE_COUNT, 3), (BAD_PERIOD, 4), (FUTURE_TIMESTAMP, 5), (IMPLAUSIBLE_COUNT, 6),
        (INTERVAL_MISMATCH, 7), (MALFORMED_ROW, 8), (INTERVAL_MISMATCH, 9)]
    assert [r["count_in"] for r in rows(result, "sensor_counts")] == [5]


def test_duplicate_key_keeps_the_last_occurrence(sensors):
    content = csv(
        "dev1,1,2026-06-01T08:00:00Z,2026-06-01T08:15:00Z,5,4",
        "dev1,1,2026-06-01T08:15:00Z,2026-06-01T08:30:00Z,1,1",
        "dev1,1,2026-06-01T08:00:00Z,2026-06-01T08:15:00Z,6,4",   # corrected re-send
    )
    result = parse(content, "sensors/generic/dup.csv", sensors, NOW)
    assert [(q.reason_code, q.line_no) for q in result.quarantined] == [(DUPLICATE_KEY, 2)]
    assert sorted((r["period_start"], r["count_in"]) for r in rows(result, "sensor_counts")) == [
        (utc(2026, 6, 1, 8), 6), (utc(2026, 6, 1, 8, 15), 1)]


def test_inverted_line_swaps_in_and_out(sensors):
    result = parse(csv("dev2,1,2026-06-01T08:00:00Z,2026-06-01T08:15:00Z,9,2"),
                   "sensors/generic/inv.csv", sensors, NOW)
    # the device's in (9) is the site's out
    assert [(r["count_in"], r["count_out"]) for r in rows(result, "sensor_counts")] == [(2, 9)]


def test_device_name_matches_when_no_serial_is_registered(sensors):
    result = parse(csv("front door,1,2026-06-01T08:00:00Z,2026-06-01T08:15:00Z,1,0"),
                   "sensors/generic/name.csv", sensors, NOW)
    # the generic CSV's device column is tried as serial, then as name (case-insensitive)
    assert result.quarantined == []
    assert [r["sensor_id"] for r in rows(result, "sensor_counts")] == ["s3"]


def test_unknown_device_file_is_kept_whole_for_replay(sensors):
    content = csv("nobody,1,2026-06-01T08:00:00Z,2026-06-01T08:15:00Z,1,0")
    result = parse(content, "sensors/generic/unknown.csv", sensors, NOW)
    assert result.tables == {}
    assert [(q.reason_code, q.line_no, q.raw_content) for q in result.quarantined] == [
        (UNKNOWN_DEVICE, None, content.decode())]


def test_unknown_device_rows_beside_known_ones(sensors):
    content = csv("dev1,1,2026-06-01T08:00:00Z,2026-06-01T08:15:00Z,1,0",
                  "nobody,1,2026-06-01T08:00:00Z,2026-06-01T08:15:00Z,1,0")
    result = parse(content, "sensors/generic/mixed.csv", sensors, NOW)
    assert len(rows(result, "sensor_counts")) == 1
    assert [(q.reason_code, q.line_no, q.raw_content) for q in result.quarantined] == [
        (UNKNOWN_DEVICE, 3, "nobody,1,2026-06-01T08:00:00Z,2026-06-01T08:15:00Z,1,0")]


def milesight_report(start: str, end: str) -> bytes:
    return orjson.dumps({
        "device_info": {"device_sn": "dev1"},
        "line_periodic_data": [{"line": 1, "total": {"in": 1, "out": 0}}],
        "time_info": {"start_time": start, "end_time": end}})


def test_frozen_device_clock_is_quarantined_not_trusted():
    sensors = registry(line("s1", "1", "dev1", tz="UTC"))
    content = b"\n".join([
        # live: 45 minutes before receipt
        milesight_report("2026-06-01T09:00:00Z", "2026-06-01T09:15:00Z"),
        # clock stuck 2.5 years back while the data keeps coming
        milesight_report("2024-01-01T00:00:00Z", "2024-01-01T00:15:00Z"),
    ])
    result = parse(content, "sensors/milesight/dev1/pushes.jsonl", sensors,
                   delivered_at=utc(2026, 6, 1, 10, 0))
    assert [(q.reason_code, q.line_no) for q in result.quarantined] == [(FROZEN_CLOCK, 2)]
    assert len(rows(result, "sensor_counts")) == 1


def test_frozen_clock_uses_the_file_date_not_a_late_delivery():
    sensors = registry(line("s1", "1", "dev1", tz="UTC"))
    # a day file delivered (or backfilled) months later: its data is from its own day
    content = milesight_report("2026-06-01T09:00:00Z", "2026-06-01T09:15:00Z")
    result = parse(content, "sensors/milesight/dev1/2026-06-01.jsonl", sensors,
                   delivered_at=utc(2026, 9, 1), now=utc(2026, 9, 1))
    assert result.quarantined == []
    # exports (not live pushes) are never held to the receive time
    export = b"start,end,in,out\n2020-01-01 00:00:00,2020-01-01 00:15:00,1,0\n"
    result = parse(export, "sensors/axis/dev1/x.csv", sensors, delivered_at=utc(2026, 9, 1))
    assert result.quarantined == []


def test_check_expressions_work_on_a_plain_frame():
    # the same expressions a Great Expectations suite can evaluate
    frame = pl.DataFrame({
        "count_in": [1, -1], "count_out": [0, 0],
        "period_start": [utc(2026, 1, 1, 0), utc(2026, 1, 1, 0)],
        "period_end": [utc(2026, 1, 1, 0, 15), utc(2026, 1, 1, 0, 15)],
        "interval_minutes": [15, 15], "max_count_per_interval": [None, None],
        "clock_ref": [utc(2026, 1, 1, 1), utc(2026, 1, 1, 1)], "is_live": [True, True],
    }, schema_overrides={"max_count_per_interval": pl.Int64})
    got = frame.select(checks.first_failure(checks.count_checks(utc(2026, 1, 2))))
    assert got.to_series().to_list() == [None, NEGATIVE_COUNT]


@pytest.mark.parametrize("path", [
    "sensors/milesight/dev1/x.jsonl", "sensors/axis/dev1/x.json", "sensors/axis/dev1/x.csv",
    "sensors/hikvision/dev1/x.xml", "sensors/xovis/dev1/x.json",
    "sensors/milesight-lorawan/dev1/x.json", "sensors/generic/x.csv",
    "sensors/unknown-vendor/dev1/x.json",
])
def test_garbage_is_one_unreadable_file_row_never_an_exception(sensors, path):
    garbage = b"\x00\xff<<not {a payload\n\x01"
    result = parse(garbage, path, sensors, NOW)
    assert result.tables == {}
    assert [(q.reason_code, q.line_no) for q in result.quarantined] == [("UNREADABLE_FILE", None)]
