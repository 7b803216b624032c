"""Quarantine reasons a person can act on: the column, the value, what was expected.

`checks.py` finds the bad rows with one code each; the reason text is built here, only for
the rows that failed (a handful per file), from the row's own values: an interval mismatch
names the measured and the configured length, a frozen clock the device and both times, a
malformed row the column and why (missing, not an integer, an unreadable time, a local
time whose site zone is unknown).
"""

from __future__ import annotations

import polars as pl

from ingestion.records import (
    BAD_PERIOD,
    FROZEN_CLOCK,
    FUTURE_TIMESTAMP,
    IMPLAUSIBLE_COUNT,
    INTERVAL_MISMATCH,
    MALFORMED_ROW,
    NEGATIVE_COUNT,
)
from ingestion.sensors.checks import INT32_MAX, REASONS

VALUES = {"counts": ["count_in", "count_out"], "readings": ["total_in", "total_out"],
          "occupancy": ["occupancy"], "zones": ["visits"]}
TIMES = {"counts": ["period_start", "period_end"], "readings": ["reading_at"],
         "occupancy": ["ts"], "zones": ["period_start", "period_end"]}
NON_NEGATIVE = {"zones": ["visits", "avg_dwell_seconds"]}


def _text(column: str, frame: pl.DataFrame) -> pl.Expr:
    if column not in frame.columns:
        return pl.lit("?")
    dtype = frame.schema[column]
    if isinstance(dtype, pl.Datetime):
        zone = " UTC" if dtype.time_zone else ""
        return pl.col(column).dt.strftime(f"%Y-%m-%d %H:%M:%S{zone}").fill_null("?")
    return pl.col(column).cast(pl.Utf8).fill_null("?")


def _device(frame: pl.DataFrame) -> pl.Expr:
    names = [pl.col(c) for c in ("device_serial", "device_name") if c in frame.columns]
    return pl.format("{} (sensor {})", pl.coalesce([*names, pl.lit("?")]), _text("sensor_id",
                                                                               frame))


def _time_problem(column: str, frame: pl.DataFrame) -> pl.Expr:
    """Why a time column is null: an unreadable text, or a local time without a usable zone."""
    wall, zone = f"{column}__wall", "site_timezone"
    if wall not in frame.columns or zone not in frame.columns:
        return pl.lit(f"{column}: missing or not a readable time (bad format or offset)")
    return (
        pl.when(pl.col(wall).is_not_null() & pl.col(zone).is_null())
        .then(pl.format(f"{column}: local time {{}} and the site has no time zone",
                        _text(wall, frame)))
        .when(pl.col(wall).is_not_null())
        .then(pl.format(f"{column}: local time {{}} and the site's time zone {{}} is not "
                        "a known IANA zone", _text(wall, frame), pl.col(zone)))
        .otherwise(pl.lit(f"{column}: missing or not a readable time (bad format or offset)"))
    )


def _malformed(kind: str, frame: pl.DataFrame) -> pl.Expr:
    parts = []
    for name in VALUES[kind]:
        if name not in frame.columns:
            continue
        parts.append(pl.when(pl.col(name).is_null() & (pl.lit(kind) != "zones"))
                     .then(pl.lit(f"{name}: missing or not an integer")))
        parts.append(pl.when((pl.col(name).abs() > INT32_MAX).fill_null(False))
                     .then(pl.format(f"{name}: {{}} does not fit a 32-bit count",
                                     pl.col(name))))
    parts += [pl.when(pl.col(t).is_null()).then(_time_problem(t, frame))
              for t in TIMES[kind] if t in frame.columns]
    return pl.concat_str(parts, separator="; ", ignore_nulls=True)


def _negative(kind: str, frame: pl.DataFrame) -> pl.Expr:
    names = [n for n in NON_NEGATIVE.get(kind, VALUES[kind]) if n in frame.columns]
    return pl.concat_str([pl.when(pl.col(n) < 0).then(pl.format(f"{n} is {{}}", pl.col(n)))
                          for n in names], separator="; ", ignore_nulls=True)


def _minutes(expr: pl.Expr) -> pl.Expr:
    return (expr.dt.total_seconds() / 60).round(2).cast(pl.Utf8)


def row_reasons(kind: str, frame: pl.DataFrame) -> pl.Expr:
    """The reason text of each failed row (by its `_code`); the fixed text where this module
    has nothing more specific."""
    code = pl.col("_code")
    fixed = pl.col("_code").replace_strict(REASONS, default=pl.col("_code"),
                                           return_dtype=pl.Utf8)
    expr = pl.when(code == MALFORMED_ROW).then(_malformed(kind, frame))
    expr = expr.when(code == NEGATIVE_COUNT).then(_negative(kind, frame))
    has = set(frame.columns)
    if {"period_start", "period_end"} <= has:
        expr = expr.when(code == BAD_PERIOD).then(pl.format(
            "period_end {} is not after period_start {}", _text("period_end", frame),
            _text("period_start", frame)))
    if {"period_start", "period_end", "interval_minutes"} <= has:
        expr = expr.when(code == INTERVAL_MISMATCH).then(pl.format(
            "the period {} .. {} lasts {} minutes; the sensor's interval_minutes is {}",
            _text("period_start", frame), _text("period_end", frame),
            _minutes(pl.col("period_end") - pl.col("period_start")),
            _text("interval_minutes", frame)))
    time = TIMES[kind][-1]
    if {time, "clock_ref"} <= has:
        expr = expr.when(code == FROZEN_CLOCK).then(pl.format(
            "device {} says {} = {}, but the data reached us by {} (receive time): more "
            "than a day later, a frozen clock", _device(frame), pl.lit(time), _text(time, frame),
            _text("clock_ref", frame)))
    if "max_count_per_interval" in has:
        limit = pl.col("max_count_per_interval")
        over = [pl.when(pl.col(n) > limit).then(pl.format(
            f"{n} {{}} exceeds the sensor's max_count_per_interval {{}}", pl.col(n), limit))
            for n in VALUES[kind] if n in has]
        expr = expr.when(code == IMPLAUSIBLE_COUNT).then(
            pl.concat_str(over, separator="; ", ignore_nulls=True))
    expr = expr.when(code == FUTURE_TIMESTAMP).then(pl.format(
        "{}: {}", fixed, pl.concat_str([_text(t, frame) for t in TIMES[kind]], separator=" .. ")))
    return pl.coalesce(expr.otherwise(None).replace("", None), fixed)
