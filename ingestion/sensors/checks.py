"""Row checks on resolved sensor rows, as polars expressions (one place, reused by GX).

Each check is a boolean expression that is True for a BAD row. `first_failure` folds an
ordered list of them into one reason-code column, so each rejected row carries exactly one
code (the first failing check) and the rest of the file loads.

Columns the expressions expect (as produced by `finish.py`): count_in, count_out,
period_start, period_end (UTC), interval_minutes, max_count_per_interval, clock_ref (the
receive-time reference) and is_live. Occupancy rows use `occupancy` and `ts`; zone rows use
`visits`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import polars as pl

from ingestion.plausible_time import EARLIEST_ANY, FUTURE_TOLERANCE, OPEN_DATE_MARGIN
from ingestion.records import (
    BAD_PERIOD,
    DUPLICATE_KEY,
    FROZEN_CLOCK,
    FUTURE_TIMESTAMP,
    IMPLAUSIBLE_COUNT,
    IMPLAUSIBLE_TIMESTAMP,
    INTERVAL_MISMATCH,
    MALFORMED_ROW,
    NEGATIVE_COUNT,
)
from ingestion.sensors.blocks import block_starts
from ingestion.value_ranges import INT_MAX

# A bin of naive local times that lies in the hour skipped when clocks go forward: it
# covers no real time (docs/sensors.md, "Local times and DST").
DST_GAP = "DST_GAP"
FROZEN_CLOCK_AFTER = timedelta(days=1)
INTERVAL_TOLERANCE_SECONDS = 2  # unaligned Milesight windows, rounding in exports
INT32_MAX = INT_MAX["int"]

REASONS = {
    MALFORMED_ROW: "a required value is missing, not an integer or out of range",
    NEGATIVE_COUNT: "a count is negative",
    BAD_PERIOD: "period_end is not after period_start",
    FUTURE_TIMESTAMP: "a timestamp is more than 5 minutes after the load clock",
    IMPLAUSIBLE_TIMESTAMP: f"a timestamp is before the site's open date minus "
                           f"{OPEN_DATE_MARGIN.days} days (before {EARLIEST_ANY.date()} where "
                           "the site or its open date is unknown)",
    DST_GAP: "the bin lies in the local hour skipped when clocks went forward: it covers no "
             "real time",
    IMPLAUSIBLE_COUNT: "a count exceeds the sensor's max_count_per_interval",
    INTERVAL_MISMATCH: "the period length differs from the sensor's interval_minutes",
    FROZEN_CLOCK: "device time is more than a day older than the receive time (frozen clock)",
    DUPLICATE_KEY: "the same key appears again later in the file; the last occurrence is kept",
}


def malformed(values: list[str], required: list[str]) -> pl.Expr:
    """A required column is null, or a count does not fit a 32-bit integer."""
    bad = pl.lit(False)
    for name in required:
        bad = bad | pl.col(name).is_null()
    for name in values:
        bad = bad | (pl.col(name).abs() > INT32_MAX).fill_null(False)
    return bad


def negative(values: list[str]) -> pl.Expr:
    bad = pl.lit(False)
    for name in values:
        bad = bad | (pl.col(name) < 0).fill_null(False)
    return bad


def bad_period() -> pl.Expr:
    return (pl.col("period_end") <= pl.col("period_start")).fill_null(False)


def future(now: datetime, times: list[str]) -> pl.Expr:
    limit = pl.lit(now + FUTURE_TOLERANCE).cast(pl.Datetime("us", "UTC"))
    bad = pl.lit(False)
    for name in times:
        bad = bad | (pl.col(name) > limit).fill_null(False)
    return bad


def too_early(earliest: pl.Expr, times: list[str]) -> pl.Expr:
    """A time before the plausible window (ingestion/plausible_time.py): a clock at 1900."""
    bad = pl.lit(False)
    for name in times:
        bad = bad | (pl.col(name) < earliest).fill_null(False)
    return bad


def _wall_seconds() -> pl.Expr:
    """The bin's length on the wall clock: null unless both ends were naive local times."""
    return (pl.col("period_end__wall") - pl.col("period_start__wall")).dt.total_seconds()


def dst_gap() -> pl.Expr:
    """A local bin with a wall-clock length but none in real time: 02:00-03:00 on the day
    clocks jump from 02:00 to 03:00 (both ends are the same instant)."""
    return (bad_period() & (_wall_seconds() > 0)).fill_null(False)


def implausible(values: list[str]) -> pl.Expr:
    limit = pl.col("max_count_per_interval")
    bad = pl.lit(False)
    for name in values:
        bad = bad | (pl.col(name) > limit).fill_null(False)
    return bad


def interval_mismatch(*, wall_clock: bool = False) -> pl.Expr:
    """The real length differs from interval_minutes, unless the bin is of naive local
    times whose wall-clock length matches: across a DST change a device's hour 02:00-03:00
    lasts two real hours (fall back), and that bin is valid."""
    seconds = (pl.col("period_end") - pl.col("period_start")).dt.total_seconds()
    expected = pl.col("interval_minutes") * 60
    off = (seconds - expected).abs() > INTERVAL_TOLERANCE_SECONDS
    if not wall_clock:
        return off.fill_null(False)
    wall_fits = ((_wall_seconds() - expected).abs() <= INTERVAL_TOLERANCE_SECONDS
                 ).fill_null(False)
    return (off & ~wall_fits).fill_null(False)


def frozen_clock(time: str) -> pl.Expr:
    """Live pushes only: device time far older than when the data reached us."""
    lag = pl.col("clock_ref") - pl.col(time)
    return (pl.col("is_live") & (lag > FROZEN_CLOCK_AFTER)).fill_null(False)


def duplicate_key(keys: list[str]) -> pl.Expr:
    """Every occurrence of a key but the last (a later row is the later delivery)."""
    return ~pl.struct(keys).is_last_distinct()


def may_repeat_key(frame: pl.DataFrame, keys: list[str]) -> bool:
    """False when no key can repeat, so `duplicate_key` need not run.

    `keys` are series columns then a time column. First the cheap proof of the usual file
    (`series_in_ascending_blocks`, ~4x cheaper); failing that, no key repeats when every
    row's key hash differs (equal keys hash equal; ~2.5x cheaper than `duplicate_key`).
    """
    if series_in_ascending_blocks(frame, keys[:-1], keys[-1]):
        return False
    return frame.select(pl.struct(keys).hash().n_unique()).item() < frame.height


def series_in_ascending_blocks(frame: pl.DataFrame, series: list[str], time: str) -> bool:
    """True when each series' rows form one block with strictly increasing times.

    How devices and exports write files (a device's lines one after the other, or one line
    per file); then no (series, time) key repeats, and this is proven with one pass over
    adjacent rows instead of hashing every key. A null time breaks the proof (two rows
    around it could share a time), as does a series seen in two blocks.
    """
    if frame.height < 2:
        return True
    starts = frame.select(block_starts(series)).to_series()
    firsts = frame.select(series).filter(starts)
    if firsts.height != firsts.unique().height:
        return False
    ascending = (pl.col(time).diff() > pl.duration(microseconds=0)).fill_null(False)
    return bool(frame.select((ascending | starts).all()).item())


_ANY = pl.lit(EARLIEST_ANY).cast(pl.Datetime("us", "UTC"))


def count_checks(now: datetime, earliest: pl.Expr = _ANY, *, wall_clock: bool = False
                 ) -> list[tuple[str, pl.Expr]]:
    """`earliest`: per row, the start of the plausible window (plausible_time.py);
    `wall_clock`: the frame has the `__wall` columns of timeconv.localize (the DST rules)."""
    values = ["count_in", "count_out"]
    return [
        (MALFORMED_ROW, malformed(values, [*values, "period_start", "period_end"])),
        (NEGATIVE_COUNT, negative(values)),
        (DST_GAP, dst_gap() if wall_clock else pl.lit(False)),
        (BAD_PERIOD, bad_period()),
        (FUTURE_TIMESTAMP, future(now, ["period_start", "period_end"])),
        (IMPLAUSIBLE_TIMESTAMP, too_early(earliest, ["period_start"])),
        (FROZEN_CLOCK, frozen_clock("period_end")),
        (IMPLAUSIBLE_COUNT, implausible(values)),
        (INTERVAL_MISMATCH, interval_mismatch(wall_clock=wall_clock)),
    ]


def reading_checks(now: datetime, earliest: pl.Expr = _ANY, *, wall_clock: bool = False
                   ) -> list[tuple[str, pl.Expr]]:
    values = ["total_in", "total_out"]
    return [
        (MALFORMED_ROW, malformed([], [*values, "reading_at"])),
        (NEGATIVE_COUNT, negative(values)),
        (FUTURE_TIMESTAMP, future(now, ["reading_at"])),
        (IMPLAUSIBLE_TIMESTAMP, too_early(earliest, ["reading_at"])),
        (FROZEN_CLOCK, frozen_clock("reading_at")),
    ]


def occupancy_checks(now: datetime, earliest: pl.Expr = _ANY, *, wall_clock: bool = False
                     ) -> list[tuple[str, pl.Expr]]:
    return [
        (MALFORMED_ROW, malformed(["occupancy"], ["occupancy", "ts"])),
        (NEGATIVE_COUNT, negative(["occupancy"])),
        (FUTURE_TIMESTAMP, future(now, ["ts"])),
        (IMPLAUSIBLE_TIMESTAMP, too_early(earliest, ["ts"])),
        (FROZEN_CLOCK, frozen_clock("ts")),
    ]


def zone_checks(now: datetime, earliest: pl.Expr = _ANY, *, wall_clock: bool = False
                ) -> list[tuple[str, pl.Expr]]:
    return [
        (MALFORMED_ROW, malformed(["visits"], ["period_start", "period_end"])),
        (NEGATIVE_COUNT, negative(["visits", "avg_dwell_seconds"])),
        (DST_GAP, dst_gap() if wall_clock else pl.lit(False)),
        (BAD_PERIOD, bad_period()),
        (FUTURE_TIMESTAMP, future(now, ["period_start", "period_end"])),
        (IMPLAUSIBLE_TIMESTAMP, too_early(earliest, ["period_start"])),
        (FROZEN_CLOCK, frozen_clock("period_end")),
    ]


def first_failure(checks: list[tuple[str, pl.Expr]]) -> pl.Expr:
    """One Utf8 column: the code of the first failing check, null for a good row."""
    expr: pl.Expr | None = None
    for code, bad in checks:
        expr = pl.when(bad).then(pl.lit(code)) if expr is None else expr.when(bad).then(
            pl.lit(code))
    assert expr is not None
    return expr.otherwise(pl.lit(None, pl.Utf8))
