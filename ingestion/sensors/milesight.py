"""Milesight VS1xx HTTP(S)/MQTT push (VS121, VS125, VS133, VS135) and the VS121-P flat push.

One JSON document per report, no envelope; a landed file is JSONL (or one document / an
array). What becomes what (docs/sensors.md):
* `line_periodic_data[].total{in,out}` -> interval counts over time_info start..end;
* `line_total_data[].total{in_counted,out_counted}` -> counter readings at end_time (or time);
* `line_trigger_data[].total{in,out}` -> counter readings at `time`: the values are running
  totals (the vendor fixture shows in=27 on two lines 58 s after boot, impossible as
  per-crossing deltas), so they are differenced like line_total_data;
* `region_data.dwell_time_data[]` (periodic avg, milliseconds) and
  `region_trigger_data.dwell_time_data[]` (one person, `duration` in milliseconds: the
  fixture's 96799 matches its 20:10:43 -> 20:12:20 window) -> zone_activity;
* region counts (`current_total`, people now in a region) have no canonical table: no rows;
* VS121-P (`event: "Region People Counting"`): `current_total` -> sensor occupancy at
  end_time (device-local, no offset, so the site's zone applies). Its vendor example is
  not valid JSON; it is read leniently (comments, bare words, missing commas).
The line reference is the line number as text ("1"), with `line_name` as the fallback; a
name that several line numbers of one device carry in a file (VS125 firmware copies line 1's
name and uuid onto line 2) names only the lowest of them, so line 2 is resolved by its
number alone and never lands on line 1.
An optional top-level `received_at` (added by a collector) is kept as the receive time.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from ingestion.records import MALFORMED_ROW
from ingestion.sensors.extract import Extract, as_int, parse_time_columns
from ingestion.sensors.jsondocs import documents, paused_gc

SOURCE_FORMAT = "milesight_json"


class _Rows:
    """Row tuples for one intermediate kind; one list append per row is the only Python work."""

    def __init__(self, **schema: pl.DataType) -> None:
        self.schema = schema
        self.rows: list[tuple[Any, ...]] = []
        self.append = self.rows.append

    def frame(self) -> pl.DataFrame:
        # transposed first: polars builds typed columns from lists ~5x faster than from rows
        columns = [list(values) for values in zip(*self.rows, strict=True)]
        return pl.DataFrame(dict(zip(self.schema, columns, strict=True)), schema=self.schema,
                            strict=False)


_T, _I, _F = pl.Utf8, pl.Int64, pl.Float64


def parse(content: bytes, ctx: Any) -> Extract:
    extract = Extract(SOURCE_FORMAT, is_live=True)
    counts = _Rows(device_serial=_T, device_name=_T, line_ref=_T, line_name=_T,
                   period_start=_T, period_end=_T, count_in=_I, count_out=_I, received_at=_T,
                   line_no=_I)
    readings = _Rows(device_serial=_T, device_name=_T, line_ref=_T, line_name=_T,
                     reading_at=_T, total_in=_I, total_out=_I, received_at=_T, line_no=_I)
    zones = _Rows(device_serial=_T, device_name=_T, zone_ref=_T, period_start=_T,
                  period_end=_T, visits=_I, avg_dwell_seconds=_F, received_at=_T, line_no=_I)
    occupancy = _Rows(device_serial=_T, device_name=_T, ts=_T, occupancy=_I, received_at=_T,
                      line_no=_I)
    with paused_gc():  # a JSONL day is ~10^5 small dicts: the cyclic GC would dominate
        for line_no, doc, raw, error in documents(content, lenient=True):
            if error is not None:
                extract.reject(MALFORMED_ROW, error, raw, line_no)
                continue
            if not isinstance(doc, dict):
                extract.reject(MALFORMED_ROW, "a Milesight report must be a JSON object",
                               str(doc)[:1000], line_no)
                continue
            _report(doc, line_no, counts, readings, zones, occupancy, extract)
    extract.raw_lines_available = not content.lstrip().startswith(b"[")
    for kind, rows in (("counts", counts), ("readings", readings), ("zones", zones),
                       ("occupancy", occupancy)):
        if rows.rows:
            frame = rows.frame()
            if kind in ("counts", "readings"):
                frame = names_of_lowest_lines(frame)
            extract.add(kind, parse_time_columns(frame, kind))
    return extract


def names_of_lowest_lines(frame: pl.DataFrame) -> pl.DataFrame:
    """Drop a line's name where a lower line number of the same device carries it too.

    Lines registered by name (docs/sensors.md) then resolve by number wherever the payload
    gives one: the copied name cannot put line 2's totals on line 1.
    """
    if frame["line_name"].null_count() == frame.height:
        return frame
    number = pl.col("line_ref").cast(pl.Int64, strict=False)
    owner = number.min().over("device_serial", "device_name", "line_name")
    return frame.with_columns(
        pl.when(number.is_not_null() & (number != owner)).then(None)
        .otherwise(pl.col("line_name")).alias("line_name"))


def _report(doc: dict, line_no: int | None, counts: _Rows, readings: _Rows,
            zones: _Rows, occupancy: _Rows, extract: Extract) -> None:
    info = doc.get("device_info") or {}
    serial = _text(info.get("device_sn"))
    name = _text(info.get("device_name") or info.get("device"))
    times = doc.get("time_info") or {}
    start = times.get("start_time")
    end = times.get("end_time")
    at = times.get("time") or end
    received = doc.get("received_at")
    # rejected rows get their JSONL line (or the row's values) in finish.py
    if doc.get("event") == "Region People Counting" or doc.get("current_total") is not None:
        occupancy.append((serial, name, end or at, as_int(doc.get("current_total")), received,
                         line_no))
        return
    try:
        for item in doc.get("line_periodic_data") or ():  # the hot loop: kept inline
            total = item.get("total") or {}
            line, count_in, count_out = item.get("line"), total.get("in"), total.get("out")
            counts.append((
                serial, name, None if line is None else str(line), item.get("line_name"),
                start, end,
                count_in if count_in.__class__ is int else as_int(count_in),
                count_out if count_out.__class__ is int else as_int(count_out),
                received, line_no))
        for item in doc.get("line_total_data") or ():
            total = item.get("total") or {}
            readings.append((serial, name, _text(item.get("line")), item.get("line_name"),
                            end or at, as_int(total.get("in_counted")),
                            as_int(total.get("out_counted")), received, line_no))
        for item in doc.get("line_trigger_data") or ():
            total = item.get("total") or {}
            readings.append((serial, name, _text(item.get("line")), item.get("line_name"), at,
                            _count(total.get("in")), _count(total.get("out")), received,
                            line_no))
        for item in (doc.get("region_data") or {}).get("dwell_time_data") or ():
            avg = item.get("avg_dwell_time")
            zones.append((serial, name, _text(item.get("region")), start, end, None,
                         _seconds(avg), received, line_no))
        for item in (doc.get("region_trigger_data") or {}).get("dwell_time_data") or ():
            duration = item.get("duration")
            zones.append((serial, name, _text(item.get("region")),
                         item.get("dwell_start_time"), item.get("dwell_end_time"), 1,
                         _seconds(duration), received,
                         line_no))
    except (AttributeError, TypeError) as exc:
        extract.reject(MALFORMED_ROW, f"unexpected Milesight structure: {exc}", None, line_no)


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _count(value: Any) -> int | None:
    return value if value.__class__ is int else as_int(value)


def _seconds(milliseconds: Any) -> float | None:
    """Milesight dwell times are milliseconds."""
    try:
        return float(milliseconds) / 1000.0
    except (TypeError, ValueError):
        return None

