"""Writers for the people-counter formats, byte for byte as the vendors deliver them.

Each writer takes an iterable of already-formatted rows or documents and streams them to
one file, so the ingestion benchmark can reuse them for multi-million-row files. The shapes
mirror the real payloads in tests/fixtures/vendor-samples (see its README):

- Milesight VS1xx HTTP push: one JSON document per line (JSONL), `line_periodic_data` with
  interval counts or `line_total_data` with running totals; `time_info.start_time/end_time`
  device-local ISO 8601 with offset (a zero offset written `-00:00`, as the live capture does).
- AXIS 3D People Counter export-csv: `start,end,in,out`, camera-local `YYYY-MM-DD HH:MM:SS`
  without offset, `end` exclusive; the device is named by its folder (serial).
- Hikvision ISAPI `CountingStatisticsResult`: `matchList/matchElement/timeSpan` with
  device-local times without offset and an inclusive `endTime` (`10:14:59`).
- Generic sensor CSV (docs/landing-layout.md):
  `device_serial,line_id,period_start,period_end,count_in,count_out`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

GENERIC_SENSOR_HEADER = "device_serial,line_id,period_start,period_end,count_in,count_out"
AXIS_HEADER = "start,end,in,out"
HIKVISION_NAMESPACE = "http://www.hikvision.com/ver20/XMLSchema"

MILESIGHT_TIME_ZONES = {
    "Europe/London": "UTC-0:00 Western European Time (WET), Greenwich Mean Time (GMT)",
    "Europe/Berlin": "UTC+1:00 Central European Time (CET)",
}


def _open(path: Path):
    path.parent.mkdir(parents=True, exist_ok=True)
    return path.open("w", encoding="utf-8", newline="\n")


def dumps(document: Any) -> str:
    """Compact, key-sorted JSON: the same document always gives the same bytes."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def write_generic_sensor_csv(path: Path, rows: Iterable[tuple[Any, ...]]) -> int:
    """Rows of (device_serial, line_id, period_start, period_end, count_in, count_out).

    Values are written as given (str() of each), so callers may pass deliberately broken
    values; timestamps are expected as ISO 8601 text.
    """
    written = 0
    with _open(path) as handle:
        handle.write(GENERIC_SENSOR_HEADER + "\n")
        for row in rows:
            handle.write(",".join(map(str, row)) + "\n")
            written += 1
    return written


def write_axis_csv(path: Path, rows: Iterable[tuple[str, str, int, int]]) -> int:
    """Rows of (start, end, in, out) with camera-local 'YYYY-MM-DD HH:MM:SS' times."""
    written = 0
    with _open(path) as handle:
        handle.write(AXIS_HEADER + "\n")
        for start, end, count_in, count_out in rows:
            handle.write(f"{start},{end},{count_in},{count_out}\n")
            written += 1
    return written


def write_hikvision_xml(path: Path, rows: Iterable[tuple[str, str, int, int]]) -> int:
    """Rows of (startTime, endTime inclusive, enterCount, exitCount), device-local times.

    The match count is only known at the end, so the elements are buffered as text (one
    device-day is a few hundred lines) before the header is written.
    """
    elements = [
        f"<matchElement>\n<timeSpan>\n<startTime>{start}</startTime>\n<endTime>{end}</endTime>\n"
        f"</timeSpan>\n<enterCount>{enter}</enterCount>\n<exitCount>{leave}</exitCount>\n"
        "</matchElement>\n"
        for start, end, enter, leave in rows
    ]
    with _open(path) as handle:
        handle.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        handle.write(f'<CountingStatisticsResult version="2.0" xmlns="{HIKVISION_NAMESPACE}">\n')
        handle.write("<responseStatus>true</responseStatus>\n")
        handle.write(f"<responseStatusStrg>{'OK' if elements else 'NO MATCHES'}"
                     "</responseStatusStrg>\n")
        handle.write(f"<numOfMatches>{len(elements)}</numOfMatches>\n<matchList>\n")
        handle.writelines(elements)
        handle.write("</matchList>\n</CountingStatisticsResult>\n")
    return len(elements)


def write_milesight_jsonl(path: Path, documents: Iterable[dict[str, Any]]) -> int:
    """One Milesight push document per line."""
    written = 0
    with _open(path) as handle:
        for document in documents:
            handle.write(dumps(document) + "\n")
            written += 1
    return written


def milesight_device_info(name: str, serial: str, mac: str, ip_address: str,
                          running_time: int) -> dict[str, Any]:
    return {
        "device_mac": mac,
        "device_name": name,
        "device_sn": serial,
        "firmware_version": "V_125.1.0.3-r2",
        "hardware_version": "V1.1",
        "ip_address": ip_address,
        "running_time": running_time,
    }


def milesight_time_info(timezone: str, start: str, end: str, dst: bool) -> dict[str, Any]:
    return {
        "dst_status": dst,
        "enable_dst": True,
        "end_time": end,
        "start_time": start,
        "time_zone": MILESIGHT_TIME_ZONES.get(timezone, timezone),
    }


def milesight_periodic_document(device_info: dict[str, Any], time_info: dict[str, Any],
                                lines: Iterable[tuple[int, str, str, int, int]]
                                ) -> dict[str, Any]:
    """A periodic report: lines of (line, line_name, line_uuid, in, out) within the period."""
    return {
        "device_info": device_info,
        "line_periodic_data": [
            {"line": line, "line_name": name, "line_uuid": uid,
             "total": {"in": count_in, "out": count_out}}
            for line, name, uid, count_in, count_out in lines
        ],
        "time_info": time_info,
    }


def milesight_total_document(device_info: dict[str, Any], time_info: dict[str, Any],
                             lines: Iterable[tuple[int, str, str, int, int]]) -> dict[str, Any]:
    """A cumulative report: lines of (line, line_name, line_uuid, in_counted, out_counted)."""
    return {
        "device_info": device_info,
        "line_total_data": [
            {"line": line, "line_name": name, "line_uuid": uid,
             "total": {"capacity_counted": total_in - total_out, "in_counted": total_in,
                       "out_counted": total_out}}
            for line, name, uid, total_in, total_out in lines
        ],
        "time_info": time_info,
    }
