"""Time columns as vendors write them: the fixed-format fast path and its fallbacks."""

from __future__ import annotations

from datetime import datetime

import polars as pl

from ingestion.sensors.extract import parse_time_columns


def test_fixed_format_columns_and_a_mixed_column_in_one_frame():
    """period_start has one format and offset (fast path); period_end starts with an offset
    but then has a naive local time and a Z, so it falls back to the general path. Each value
    lands on its own instant, and only the naive one is flagged local."""
    frame = pl.DataFrame({
        "period_start": ["2026-01-01T09:00:00+01:00", "2026-01-01T09:15:00+01:00",
                         "2026-01-01T09:30:00+01:00"],
        "period_end": ["2026-01-01T09:15:00+01:00", "2026-01-01 09:30:00",
                       "2026-01-01T08:45:00Z"],
    })
    out = parse_time_columns(frame, "counts")
    assert out["period_start"].to_list() == [
        datetime(2026, 1, 1, 8, 0), datetime(2026, 1, 1, 8, 15), datetime(2026, 1, 1, 8, 30)]
    assert out["period_start__local"].to_list() == [False, False, False]
    # 09:15+01:00 = 08:15 UTC; 09:30 naive stays wall-clock (placed in the site's zone later)
    assert out["period_end"].to_list() == [
        datetime(2026, 1, 1, 8, 15), datetime(2026, 1, 1, 9, 30), datetime(2026, 1, 1, 8, 45)]
    assert out["period_end__local"].to_list() == [False, True, False]


def test_a_value_the_fixed_format_misses_is_still_read_or_left_null():
    """A padded value and a garbage value in a column whose first value is clean: the padded
    one is read after trimming, the garbage one is null (the checks reject its row)."""
    frame = pl.DataFrame({"ts": ["2026-03-01T10:00:00Z", " 2026-03-01T10:05:00Z ", "soon"]})
    out = parse_time_columns(frame, "occupancy")
    assert out["ts"].to_list() == [datetime(2026, 3, 1, 10, 0), datetime(2026, 3, 1, 10, 5),
                                   None]


def test_period_ends_written_as_the_next_start_take_its_parse():
    """Rows 0, 1 and 3 end where the next row starts (the chained path, more than half the
    rows); row 2 ends before a gap and row 4 is the last, with a naive local end: those two
    are parsed on their own. Every end lands on its own instant, flags included."""
    frame = pl.DataFrame({
        "period_start": ["2026-01-01T09:00:00+01:00", "2026-01-01T09:15:00+01:00",
                         "2026-01-01T09:30:00+01:00", "2026-01-01T10:00:00+01:00",
                         "2026-01-01T10:15:00+01:00"],
        "period_end": ["2026-01-01T09:15:00+01:00", "2026-01-01T09:30:00+01:00",
                       "2026-01-01T09:45:00+01:00", "2026-01-01T10:15:00+01:00",
                       "2026-01-01 10:30:00"],
    })
    out = parse_time_columns(frame, "counts")
    assert out["period_end"].to_list() == [
        datetime(2026, 1, 1, 8, 15), datetime(2026, 1, 1, 8, 30), datetime(2026, 1, 1, 8, 45),
        datetime(2026, 1, 1, 9, 15), datetime(2026, 1, 1, 10, 30)]
    assert out["period_end__local"].to_list() == [False, False, False, False, True]


def test_chained_naive_ends_stay_local_wall_clock_times():
    """Naive local starts and ends, chained: the ends keep the wall-clock values and the
    local flag (the site's zone and the DST rule are applied to them later, as to starts)."""
    frame = pl.DataFrame({
        "period_start": ["2026-10-25 02:00:00", "2026-10-25 02:15:00", "2026-10-25 02:30:00"],
        "period_end": ["2026-10-25 02:15:00", "2026-10-25 02:30:00", "2026-10-25 02:45:00"],
    })
    out = parse_time_columns(frame, "counts")
    assert out["period_end"].to_list() == [
        datetime(2026, 10, 25, 2, 15), datetime(2026, 10, 25, 2, 30),
        datetime(2026, 10, 25, 2, 45)]
    assert out["period_end__local"].to_list() == [True, True, True]
