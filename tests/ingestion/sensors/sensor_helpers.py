"""Building a LoadContext with a small sensor registry, the way the loader does."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import polars as pl

from ingestion.records import LoadContext, ParseResult
from ingestion.sensors import parse_sensor_file

SENSOR_COLUMNS = {
    "sensor_id": pl.Utf8,
    "line_id": pl.Utf8,
    "site_id": pl.Utf8,
    "vendor": pl.Utf8,
    "device_serial": pl.Utf8,
    "device_name": pl.Utf8,
    "line_role": pl.Utf8,
    "interval_minutes": pl.Int32,
    "max_count_per_interval": pl.Int32,
    "is_direction_inverted": pl.Boolean,
    "site_timezone": pl.Utf8,
}


def line(sensor_id: str, line_id: str, serial: str | None, tz: str = "Europe/Berlin",
         **attrs: Any) -> dict[str, Any]:
    row = {
        "sensor_id": sensor_id, "line_id": line_id, "site_id": "site-1", "vendor": "x",
        "device_serial": serial, "device_name": None, "line_role": "entrance",
        "interval_minutes": None, "max_count_per_interval": None,
        "is_direction_inverted": False, "site_timezone": tz,
    }
    row.update(attrs)
    return row


def registry(*rows: dict[str, Any]) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema=SENSOR_COLUMNS)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def parse(content: bytes, source_file: str, sensors: pl.DataFrame,
          delivered_at: datetime, now: datetime | None = None) -> ParseResult:
    ctx = LoadContext(source_file=source_file, delivered_at=delivered_at,
                      now=now or delivered_at, sensors=sensors)
    return parse_sensor_file(content, ctx)


def rows(result: ParseResult, table: str) -> list[dict[str, Any]]:
    frame = result.tables.get(table)
    return [] if frame is None else frame.to_dicts()


def codes(result: ParseResult) -> list[str]:
    return [q.reason_code for q in result.quarantined]
