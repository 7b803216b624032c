"""The generic sensor CSV of docs/landing-layout.md, read at close to DuckDB's own speed.

Header `device_serial,line_id,period_start,period_end,count_in,count_out`, one row per
device, line and interval, counts within the interval. Times are ISO 8601: with an offset
(or Z) as given, without one in the site's zone. The whole file is read by polars in one
call, the counts as integers by the reader itself when the header names them exactly
`count_in`/`count_out` (other spellings are read as text and cast); a file where the
reader misses a count is read again as text and its counts cast column-wise, padded values
trimmed, so a value that is not an integer becomes null and the row is quarantined
(MALFORMED_ROW) by the checks. Extra columns are ignored. Per-row work is kept to the
reads: trimming and matching device and line names happen once per distinct value
(resolve.py), the times take the fixed-format path of extract.py.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from ingestion.sensors.extract import Extract, parse_time_columns

SOURCE_FORMAT = "generic_sensor_csv"
COUNTS = ("count_in", "count_out")
REQUIRED = ("device_serial", "line_id", "period_start", "period_end", "count_in", "count_out")


class BadHeader(ValueError):
    """The header lacks a required column."""


def parse(content: bytes, ctx: Any) -> Extract:
    frame = _read(content, typed_counts=True)
    if any(frame.schema.get(c) == pl.Int64 and frame[c].null_count() for c in COUNTS):
        # a count the reader could not take (missing, "2.5", "7 ") is read again as text:
        # padded values are trimmed, the rest quarantined
        frame = _read(content, typed_counts=False)
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise BadHeader(f"generic sensor CSV lacks column(s) {', '.join(missing)}")
    extract = Extract(SOURCE_FORMAT, raw_lines_available=True)
    # device and line are left as written: resolution trims them once per distinct value
    frame = frame.select(
        pl.col("device_serial"),  # a serial or a name (resolve.py tries it as both)
        pl.col("line_id").alias("line_ref"),
        pl.col("period_start"),
        pl.col("period_end"),
        _integers(frame["count_in"]),
        _integers(frame["count_out"]),
        pl.int_range(2, pl.len() + 2, dtype=pl.Int64).alias("line_no"),
    )
    extract.add("counts", parse_time_columns(frame, "counts"))
    return extract


def _read(content: bytes, *, typed_counts: bool) -> pl.DataFrame:
    """The file as text columns, the counts read as integers by the reader itself when
    `typed_counts` (a value it cannot read is null: the caller reads the file again)."""
    typed = {c: pl.Int64 for c in COUNTS} if typed_counts else None
    frame = pl.read_csv(content, infer_schema=False, truncate_ragged_lines=True,
                        schema_overrides=typed, ignore_errors=typed_counts)
    return frame.rename({c: c.strip().lower().lstrip("\ufeff") for c in frame.columns})


def _integers(text: pl.Series) -> pl.Series:
    """Integer values of a count column; anything else (2.5, 'n/a') is null.

    A column the reader already read as integers is returned as is. In a text column,
    values with spaces around them are trimmed, but only when the plain cast misses some:
    trimming is a pass over every value.
    """
    if text.dtype == pl.Int64:
        return text
    values = text.cast(pl.Int64, strict=False)
    if values.null_count() > text.null_count():
        trimmed = text.str.strip_chars().cast(pl.Int64, strict=False)
        values = pl.select(pl.coalesce(values, trimmed)).to_series()
    return values.alias(text.name)
