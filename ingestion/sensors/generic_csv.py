"""The generic sensor CSV of docs/landing-layout.md, read at close to DuckDB's own speed.

Header `device_serial,line_id,period_start,period_end,count_in,count_out`, one row per
device, line and interval, counts within the interval. Times are ISO 8601: with an offset
(or Z) as given, without one in the site's zone. The whole file is read by polars as text
in one call, then cast column-wise; a value that is not an integer becomes null and the
row is quarantined (MALFORMED_ROW) by the checks. Extra columns are ignored.
"""

from __future__ import annotations

import io
from typing import Any

import polars as pl

from ingestion.sensors.extract import Extract, parse_time_columns

SOURCE_FORMAT = "generic_sensor_csv"
REQUIRED = ("device_serial", "line_id", "period_start", "period_end", "count_in", "count_out")


class BadHeader(ValueError):
    """The header lacks a required column."""


def parse(content: bytes, ctx: Any) -> Extract:
    frame = pl.read_csv(
        io.BytesIO(content), infer_schema=False, truncate_ragged_lines=True,
        columns=None,
    )
    frame = frame.rename({c: c.strip().lower().lstrip("\ufeff") for c in frame.columns})
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise BadHeader(f"generic sensor CSV lacks column(s) {', '.join(missing)}")
    extract = Extract(SOURCE_FORMAT, raw_lines_available=True)
    frame = frame.select(
        pl.col("device_serial").str.strip_chars(),
        pl.col("device_serial").str.strip_chars().alias("device_name"),  # a name works too
        pl.col("line_id").str.strip_chars().alias("line_ref"),
        pl.col("period_start"),
        pl.col("period_end"),
        pl.col("count_in").str.strip_chars().cast(pl.Int64, strict=False),
        pl.col("count_out").str.strip_chars().cast(pl.Int64, strict=False),
        pl.int_range(2, pl.len() + 2, dtype=pl.Int64).alias("line_no"),
    )
    extract.add("counts", parse_time_columns(frame, "counts"))
    return extract
