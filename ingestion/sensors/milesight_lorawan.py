"""Milesight VS133 / VS135 LoRaWAN uplinks, decoded or as the raw channel/type/data bytes.

A landed file holds one uplink object, an array of them, or JSONL. An uplink carries the
official decoder's flat keys (at the top level or under `decoded`, `decoded_payload` or
`object`) or the raw payload as hex (`payloadHex`, `hex`, `data`), which `decode` turns
into the same keys. Uplink time: `received_at` / `time` / `timestamp` when the network
server added one, else the file's delivery time. What becomes what:
* `line_N_total_in/out` (cumulative, uint32) -> counter readings at the uplink time;
* `line_N_period_in/out` (uint16, counts in the reporting period) -> interval counts over
  [time - interval_minutes, time), interval_minutes from raw.sensors (no interval
  registered -> the row has no period start and is quarantined as MALFORMED_ROW);
* `region_N_avg_dwell` (seconds) -> zone_activity over the same period, visits unknown;
* `region_N_count` (people now in a region) has no canonical table: no rows.
Line reference: N as text.
"""

from __future__ import annotations

import re
import struct
from datetime import UTC, datetime, timedelta
from typing import Any

import polars as pl

from ingestion.records import MALFORMED_ROW
from ingestion.sensors.extract import Extract, normalise_serial_text
from ingestion.sensors.jsondocs import documents

SOURCE_FORMAT = "milesight_lorawan"
_KEY = re.compile(r"^(line|region)_(\d+)_(total_in|total_out|period_in|period_out|count|"
                  r"avg_dwell|max_dwell)$")
# channel, type -> (size in bytes, decoder to keys)
_LINES = {0x03: 1, 0x06: 2, 0x09: 3, 0x0C: 4}


def decode(payload: bytes) -> dict[str, int]:
    """The VS133 uplink channels that carry counts (per Milesight-IoT/SensorDecoders)."""
    out: dict[str, int] = {}
    i = 0
    while i + 2 <= len(payload):
        channel, kind = payload[i], payload[i + 1]
        i += 2
        base = max((c for c in _LINES if c <= channel), default=None)
        if kind == 0xD2 and base is not None and channel - base in (0, 1):
            key = f"line_{_LINES[base]}_total_{'in' if channel == base else 'out'}"
            out[key] = struct.unpack_from("<I", payload, i)[0]
            i += 4
        elif kind == 0xCC and base is not None and channel - base == 2:
            n = _LINES[base]
            out[f"line_{n}_period_in"], out[f"line_{n}_period_out"] = struct.unpack_from(
                "<HH", payload, i)
            i += 4
        elif channel == 0x0F and kind == 0xE3:
            for n in range(4):
                out[f"region_{n + 1}_count"] = payload[i + n]
            i += 4
        elif channel == 0x10 and kind == 0xE4:
            region = payload[i]
            avg, peak = struct.unpack_from("<HH", payload, i + 1)
            out[f"region_{region}_avg_dwell"], out[f"region_{region}_max_dwell"] = avg, peak
            i += 5
        elif channel == 0xFF:  # device info channels: skip by known sizes
            size = {0x01: 1, 0x09: 2, 0x0A: 2, 0x0B: 1, 0x0F: 1, 0x16: 8, 0x1F: 1}.get(kind)
            if size is None:
                raise ValueError(f"unknown device-info type 0x{kind:02x}")
            i += size
        else:
            raise ValueError(f"unknown channel 0x{channel:02x} type 0x{kind:02x}")
    return out


def parse(content: bytes, ctx: Any) -> Extract:
    extract = Extract(SOURCE_FORMAT, is_live=True)
    folder = _folder(ctx.source_file)
    interval = _interval_minutes(ctx.sensors, folder)
    counts: dict[str, list[Any]] = {k: [] for k in (
        "device_serial", "line_ref", "period_start", "period_end", "count_in", "count_out",
        "received_at", "line_no")}
    readings: dict[str, list[Any]] = {k: [] for k in (
        "device_serial", "line_ref", "reading_at", "total_in", "total_out", "received_at",
        "line_no")}
    zones: dict[str, list[Any]] = {k: [] for k in (
        "device_serial", "zone_ref", "period_start", "period_end", "avg_dwell_seconds",
        "received_at", "line_no")}
    for position, doc, raw, error in documents(content):
        if error is not None:
            extract.reject(MALFORMED_ROW, error, raw, position)
            continue
        try:
            values = _values(doc)
        except (ValueError, struct.error) as exc:
            extract.reject(MALFORMED_ROW, f"undecodable uplink: {exc}", str(doc)[:2000],
                           position)
            continue
        device = _device(doc) or folder
        at = _time(doc) or _utc(ctx.delivered_at)
        start = at - timedelta(minutes=interval) if interval else None
        lines: dict[tuple[str, str], dict[str, int]] = {}
        for key, value in values.items():
            match = _KEY.match(key)
            if match:
                lines.setdefault((match.group(1), match.group(2)), {})[match.group(3)] = value
        for (kind, n), fields in sorted(lines.items()):
            if kind == "line" and "total_in" in fields:
                for col, v in zip(readings, (device, n, at, fields.get("total_in"),
                                             fields.get("total_out"), None, position),
                                  strict=True):
                    readings[col].append(v)
            if kind == "line" and "period_in" in fields:
                for col, v in zip(counts, (device, n, start, at, fields.get("period_in"),
                                           fields.get("period_out"), None, position),
                                  strict=True):
                    counts[col].append(v)
            if kind == "region" and "avg_dwell" in fields:
                for col, v in zip(zones, (device, n, start, at, float(fields["avg_dwell"]),
                                          None, position), strict=True):
                    zones[col].append(v)
    for kind, data in (("counts", counts), ("readings", readings), ("zones", zones)):
        if data["line_no"]:
            extract.add(kind, _frame(data))
    return extract


def _frame(data: dict[str, list[Any]]) -> pl.DataFrame:
    utc = pl.Datetime("us", "UTC")
    frame = pl.DataFrame(data, strict=False)
    casts = []
    for col in ("period_start", "period_end", "reading_at"):
        if col in frame.columns:
            casts += [pl.col(col).cast(utc).dt.replace_time_zone(None),
                      pl.lit(False).alias(f"{col}__local")]
    return frame.with_columns(casts)


def _values(doc: Any) -> dict[str, int]:
    if not isinstance(doc, dict):
        raise ValueError("an uplink must be a JSON object")
    for key in ("decoded", "decoded_payload", "object"):
        if isinstance(doc.get(key), dict):
            return doc[key]
    if any(_KEY.match(k) for k in doc):
        return doc
    for key in ("payloadHex", "hex", "data"):
        if isinstance(doc.get(key), str):
            return decode(bytes.fromhex(doc[key].replace(" ", "")))
    raise ValueError("no decoded values and no payload hex")


def _device(doc: Any) -> str | None:
    for key in ("dev_eui", "devEUI", "devEui", "device_sn", "serial"):
        if isinstance(doc, dict) and doc.get(key):
            return str(doc[key])
    return None


def _time(doc: Any) -> datetime | None:
    for key in ("received_at", "time", "timestamp"):
        value = doc.get(key) if isinstance(doc, dict) else None
        if isinstance(value, str):
            try:
                return _utc(datetime.fromisoformat(value.replace("Z", "+00:00")))
            except ValueError:
                return None
    return None


def _folder(source_file: str) -> str | None:
    parts = source_file.split("/")
    return parts[2] if len(parts) >= 4 else None


def _interval_minutes(sensors: pl.DataFrame | None, device: str | None) -> int | None:
    """The device's interval from raw.sensors (one device per LoRaWAN file)."""
    if sensors is None or device is None or "interval_minutes" not in sensors.columns:
        return None
    key = normalise_serial_text(device)
    hits = sensors.filter(
        pl.col("device_serial").str.to_lowercase().str.replace_all(r"[:\-\s]", "") == key
    )["interval_minutes"].drop_nulls()
    return int(hits[0]) if len(hits) else None


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
