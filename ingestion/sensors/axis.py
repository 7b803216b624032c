"""Axis: AXIS 3D People Counter (a3dpc) exports, AXIS People Counter (tvpc), Retail Data push.

Which payload a file holds is read from its CSV header or JSON keys (docs/sensors.md):
* a3dpc export CSV/JSON `start,end,in,out`: interval counts, camera-local times without
  offset, end exclusive;
* a3dpc occupancy export `start,end,peak`: the bin's peak occupancy, stored as the sensor's
  occupancy at the bin start;
* a3dpc real-time `/a3dpc/api/occupancy`: occupancy now plus `total_in/total_out` running
  totals (counter readings);
* tvpc export CSV (`Interval start,...,Pedestrians coming in,...`) and export JSON
  (`data: {YYYYMMDDhhmmss: [in, out]}`): interval counts; tvpc occupancy-export-json: the
  "Total In"/"Total Out" positions of each bin (counts over [bin, bin + delta));
* tvpc live-sum: totals since local midnight -> counter readings (the midnight reset is a
  drop, which the cumulative rules treat as a reset);
* Axis Retail Data push: `people-counts` measurements with UTC windows; `utcSent` is kept
  as the receive time; `sensor.timezone` and `sensor.timeZone` are both accepted (used only
  when a window has local times alone);
* tvpc list-cnt (days with data) and the a3dpc queue monitor export carry no counts: no rows;
  an a3dpc error body (`{"error": ...}`) is quarantined as VENDOR_ERROR so the gap is seen.
These devices count one line: rows carry no line reference and map to the sensor's only line.
"""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl

from ingestion.records import MALFORMED_ROW, VENDOR_ERROR
from ingestion.sensors.extract import Extract, as_int, parse_time_columns
from ingestion.sensors.jsondocs import documents


class UnrecognisedPayload(ValueError):
    """A file in a vendor folder whose shape matches none of the vendor's formats."""


def parse(content: bytes, ctx: Any) -> Extract:
    head = content.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if head in (b"{", b"["):
        return parse_json(content, ctx)
    return parse_csv(content, ctx)


def parse_csv(content: bytes, ctx: Any) -> Extract:
    header = content.lstrip(b"\xef\xbb\xbf").split(b"\n", 1)[0].decode("utf-8", "replace")
    names = [h.strip().lower() for h in header.strip().split(",")]
    frame = pl.read_csv(io.BytesIO(content), infer_schema=False, truncate_ragged_lines=True)
    frame = frame.rename({c: c.strip().lower() for c in frame.columns})
    line_no = pl.int_range(2, frame.height + 2, dtype=pl.Int64).alias("line_no")
    if names[:4] == ["start", "end", "in", "out"]:
        extract = Extract("axis_a3dpc_csv", raw_lines_available=True)
        extract.add("counts", _typed(frame.select(
            pl.col("start").alias("period_start"), pl.col("end").alias("period_end"),
            _count("in").alias("count_in"), _count("out").alias("count_out"), line_no,
        ), "counts"))
        return extract
    if names[:3] == ["start", "end", "peak"]:
        extract = Extract("axis_a3dpc_occupancy_csv", raw_lines_available=True)
        extract.add("occupancy", _typed(frame.select(
            pl.col("start").alias("ts"), _count("peak").alias("occupancy"), line_no,
        ), "occupancy"))
        return extract
    if "pedestrians coming in" in names and "interval start" in names:
        extract = Extract("axis_tvpc_csv", raw_lines_available=True)
        extract.add("counts", _typed(frame.select(
            pl.col("camera serial number").alias("device_serial"),
            pl.col("interval start").alias("period_start"),
            pl.col("interval stop").alias("period_end"),
            _count("pedestrians coming in").alias("count_in"),
            _count("pedestrians going out").alias("count_out"), line_no,
        ), "counts"))
        return extract
    if "interval start" in names and any(n.endswith(" high") for n in names):
        return Extract("axis_queue_monitor_csv")  # queue levels, not counts: no rows
    raise UnrecognisedPayload(f"unrecognised Axis CSV header: {header.strip()[:200]}")


def _count(name: str) -> pl.Expr:
    return pl.col(name).str.strip_chars().cast(pl.Int64, strict=False)


def _typed(frame: pl.DataFrame, kind: str) -> pl.DataFrame:
    return parse_time_columns(frame, kind)


def parse_json(content: bytes, ctx: Any) -> Extract:
    docs = list(documents(content))
    if not docs:
        return Extract("axis_json")
    shapes = {_shape(doc) for _, doc, _, error in docs if error is None}
    extract = Extract("axis_" + "+".join(sorted(shapes)) if shapes else "axis_json")
    extract.is_live = bool(shapes & {"retail_push", "tvpc_live_sum", "a3dpc_realtime"})
    extract.raw_lines_available = not content.lstrip().startswith(b"[")
    for position, doc, raw, error in docs:
        if error is not None:
            extract.reject(MALFORMED_ROW, error, raw, position)
            continue
        shape = _shape(doc)
        handler = _HANDLERS.get(shape)
        if handler is None:
            raise UnrecognisedPayload(f"unrecognised Axis JSON (keys {sorted(doc)[:8]})")
        handler(doc, position, extract)
    return extract


def _shape(doc: Any) -> str:
    if not isinstance(doc, dict):
        return "unknown"
    if doc.get("apiName") == "Axis Retail Data" or "measurements" in (doc.get("data") or {}):
        return "retail_push"
    if "error" in doc:
        return "error"
    if "days" in doc:
        return "tvpc_list_cnt"
    if isinstance(doc.get("counter"), dict) and isinstance(doc.get("data"), dict):
        return "tvpc_export"
    if isinstance(doc.get("data"), list):
        first = doc["data"][0] if doc["data"] else {}
        return "a3dpc_occupancy_export" if "peak" in first else "a3dpc_export"
    if "occupancy" in doc and "total_in" in doc:
        return "a3dpc_realtime"
    if "in" in doc and "out" in doc and "timestamp" in doc:
        return "tvpc_live_sum"
    return "unknown"


def _a3dpc_export(doc: dict, position: int | None, extract: Extract) -> None:
    rows = doc["data"]
    extract.add_rows("counts", {
        "period_start": [r.get("start") for r in rows],
        "period_end": [r.get("end") for r in rows],
        "count_in": [as_int(r.get("in")) for r in rows],
        "count_out": [as_int(r.get("out")) for r in rows],
        "line_no": [position] * len(rows),
    })


def _a3dpc_occupancy_export(doc: dict, position: int | None, extract: Extract) -> None:
    rows = doc["data"]
    extract.add_rows("occupancy", {
        "ts": [r.get("start") for r in rows],
        "occupancy": [as_int(r.get("peak")) for r in rows],
        "line_no": [position] * len(rows),
    })


def _a3dpc_realtime(doc: dict, position: int | None, extract: Extract) -> None:
    extract.add_rows("occupancy", {
        "device_serial": [doc.get("serial")], "ts": [doc.get("timestamp")],
        "occupancy": [as_int(doc.get("occupancy"))], "line_no": [position],
    })
    extract.add_rows("readings", {
        "device_serial": [doc.get("serial")], "reading_at": [doc.get("timestamp")],
        "total_in": [as_int(doc.get("total_in"))], "total_out": [as_int(doc.get("total_out"))],
        "line_no": [position],
    })


def _tvpc_live_sum(doc: dict, position: int | None, extract: Extract) -> None:
    extract.add_rows("readings", {
        "device_serial": [doc.get("serial")], "device_name": [doc.get("name")],
        "reading_at": [str(doc.get("timestamp"))], "total_in": [as_int(doc.get("in"))],
        "total_out": [as_int(doc.get("out"))], "line_no": [position],
    })


def _tvpc_export(doc: dict, position: int | None, extract: Extract) -> None:
    """export-json `[in, out]` per bin, or occupancy-export-json bins in `types` order."""
    counter = doc["counter"]
    types = list((counter.get("types") or {}).keys())
    at_in = types.index("Total In") if "Total In" in types else 0
    at_out = types.index("Total Out") if "Total Out" in types else 1
    delta = int(counter.get("delta") or 900)
    stamps = sorted(doc["data"])
    starts = pl.Series(stamps, dtype=pl.Utf8).str.to_datetime("%Y%m%d%H%M%S", strict=False)
    values = [doc["data"][k] if isinstance(doc["data"][k], list) else [] for k in stamps]
    extract.add("counts", pl.DataFrame({
        "device_serial": [counter.get("serial")] * len(stamps),
        "device_name": [counter.get("name")] * len(stamps),
        "period_start": starts,
        "period_start__local": [True] * len(stamps),
        "period_end": starts.dt.offset_by(f"{delta}s"),
        "period_end__local": [True] * len(stamps),
        "count_in": [as_int(v[at_in]) if len(v) > at_in else None for v in values],
        "count_out": [as_int(v[at_out]) if len(v) > at_out else None for v in values],
        "line_no": [position] * len(stamps),
    }, strict=False))


def _retail_push(doc: dict, position: int | None, extract: Extract) -> None:
    sensor = doc.get("sensor") or {}
    zone = sensor.get("timeZone") or sensor.get("timezone")
    cols: dict[str, list[Any]] = {k: [] for k in (
        "device_serial", "device_name", "period_start", "period_end", "count_in",
        "count_out", "received_at", "line_no")}
    for m in (doc.get("data") or {}).get("measurements") or ():
        if m.get("kind") != "people-counts":
            continue
        items = {i.get("direction"): as_int(i.get("count")) for i in m.get("items") or ()}
        for col, value in zip(cols, (
            sensor.get("serial"), sensor.get("name"),
            _utc_text(m.get("utcFrom"), m.get("localFrom"), zone),
            _utc_text(m.get("utcTo"), m.get("localTo"), zone),
            items.get("in"), items.get("out"), doc.get("utcSent"), position,
        ), strict=True):
            cols[col].append(value)
    extract.add_rows("counts", cols)


def _utc_text(utc: str | None, local: str | None, zone: str | None) -> str | None:
    """The UTC window when given; else the local one placed in the payload's zone."""
    if utc or not local:
        return utc
    if not zone:
        return local  # naive: the site's zone applies in finish.py
    naive = datetime.fromisoformat(local)
    return naive.replace(tzinfo=ZoneInfo(zone), fold=0).isoformat()


def _no_rows(doc: dict, position: int | None, extract: Extract) -> None:
    """tvpc list-cnt: the days that hold data; nothing to load."""


def _error(doc: dict, position: int | None, extract: Extract) -> None:
    error = doc.get("error") or {}
    message = error.get("message") if isinstance(error, dict) else str(error)
    extract.reject(VENDOR_ERROR, f"the device answered with an error: {message}",
                   str(doc)[:2000], position)


_HANDLERS = {
    "a3dpc_export": _a3dpc_export,
    "a3dpc_occupancy_export": _a3dpc_occupancy_export,
    "a3dpc_realtime": _a3dpc_realtime,
    "tvpc_live_sum": _tvpc_live_sum,
    "tvpc_export": _tvpc_export,
    "retail_push": _retail_push,
    "tvpc_list_cnt": _no_rows,
    "error": _error,
}

