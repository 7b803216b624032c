"""Device-local wall-clock times -> UTC in the site's IANA zone, with one DST rule.

The rule (docs/sensors.md):
* a time inside the missing hour (spring forward) is read with the offset in force before
  the jump, i.e. it shifts forward: Europe/Berlin 2026-03-29 02:30 -> 01:30 UTC (= 03:30 CEST);
* a time inside the repeated hour (fall back) is read by the order of rows: within one file,
  the first occurrence of a wall-clock value for a series (sensor and line or zone) takes
  the earlier, summer offset, the repeat takes the later, standard offset. An isolated
  timestamp is a first occurrence, so it takes the earlier offset (Python's fold=0).

Only the rows of the repeated and missing hours leave the vectorised path.

`localize` keeps each local row's wall-clock value as `<column>__wall` (null for rows that
were UTC already): the checks measure a bin in wall-clock time across a DST change
(checks.dst_gap, checks.interval_mismatch).
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import polars as pl

from ingestion.sensors.extract import UTC_DT

_ROW = "__row"


def localize(frame: pl.DataFrame, column: str, series_keys: list[str],
             zone_column: str = "site_timezone") -> pl.DataFrame:
    """Replace `column` (naive) by its UTC value, reading local rows in their site's zone.

    Rows whose `<column>__local` is False are UTC already. A local row whose zone is null
    (or unknown to the tz database) gets a null time, which the checks reject.
    """
    local_flag = f"{column}__local"
    wall = f"{column}__wall"
    if frame.height == 0:
        return frame.with_columns(pl.col(column).cast(UTC_DT),
                                  pl.lit(None, pl.Datetime("us")).alias(wall))
    is_local = frame[local_flag]
    if not is_local.any():
        return frame.with_columns(pl.col(column).dt.replace_time_zone("UTC"),
                                  pl.lit(None, pl.Datetime("us")).alias(wall))
    frame = frame.with_columns(
        pl.when(pl.col(local_flag)).then(pl.col(column).cast(pl.Datetime("us"))).alias(wall))
    zones = frame.filter(is_local)[zone_column].unique().to_list()
    result = frame[column].dt.replace_time_zone("UTC")
    for zone in zones:
        if zone is None:
            mask = is_local & frame[zone_column].is_null()
            result = pl.select(pl.when(mask).then(None).otherwise(result)).to_series()
            continue
        mask = is_local & (frame[zone_column] == zone)
        converted = _convert_zone(frame.filter(mask), column, series_keys, zone)
        # scatter the converted values back at the masked positions
        idx = mask.arg_true()
        result = result.scatter(idx, converted)
    return frame.with_columns(result.alias(column))


def _convert_zone(part: pl.DataFrame, column: str, series_keys: list[str],
                  zone: str) -> pl.Series:
    naive = part[column]
    try:
        strict = naive.dt.replace_time_zone(zone, ambiguous="null", non_existent="null")
    except Exception:  # unknown zone name: the rows get no time and are rejected later
        return pl.Series(column, [None] * part.height, dtype=UTC_DT)
    out = strict.dt.convert_time_zone("UTC")
    odd = naive.is_not_null() & out.is_null()
    if not odd.any():
        return out.alias(column)
    # the few rows of a repeated or missing hour, in file order
    idx = odd.arg_true()
    subset = part[idx].with_row_index(_ROW)
    early = subset[column].dt.replace_time_zone(zone, ambiguous="earliest",
                                                non_existent="null").dt.convert_time_zone("UTC")
    late = subset[column].dt.replace_time_zone(zone, ambiguous="latest",
                                               non_existent="null").dt.convert_time_zone("UTC")
    keys = [k for k in series_keys if k in subset.columns]
    occurrence = subset.select(
        pl.int_range(pl.len()).over([*keys, column], order_by=_ROW)
    ).to_series()
    chosen = pl.select(
        pl.when(occurrence > 0).then(late).otherwise(early)
    ).to_series()
    gap = chosen.is_null()
    if gap.any():
        tz = ZoneInfo(zone)
        values = chosen.to_list()
        for i in gap.arg_true().to_list():
            local = subset[column][i]
            values[i] = datetime.combine(local.date(), local.time(), tzinfo=tz).astimezone(UTC)
        chosen = pl.Series(values, dtype=UTC_DT)
    return out.scatter(idx, chosen).alias(column)


def to_utc_scalar(naive: datetime, zone: str) -> datetime:
    """The same rule for one isolated timestamp (fold=0: earlier offset, gaps shift forward)."""
    return naive.replace(tzinfo=ZoneInfo(zone), fold=0).astimezone(UTC)
