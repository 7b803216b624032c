"""VIVOTEK (SC8131 and kin) counting report push, CSV or JSON.

CSV: a device block (`UtcTime,...,MacAddress,...` + one row), then rule rows
`RuleType,RuleName,In,Out,StartTime,EndTime` with UTC `Z` times. JSON: `Source{...}` and
`Data[{RuleType, CountingInfo[{RuleName, In, Out, StartTime, EndTime}]}]`. Only
`RuleType` Counting rows are loaded. Device: MacAddress; line reference: RuleName (the
vendor's CSV and JSON twins disagree on it, "Counting1" vs "Conting1": register the one
your devices send). `UtcTime` is kept as the receive time.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from ingestion.sensors.extract import Extract, as_int
from ingestion.sensors.jsondocs import documents

_COLUMNS = ("device_serial", "line_ref", "period_start", "period_end", "count_in",
            "count_out", "received_at", "line_no")


def parse(content: bytes, ctx: Any) -> Extract:
    if content.lstrip(b"\xef\xbb\xbf \r\n\t")[:1] in (b"{", b"["):
        return _parse_json(content)
    return _parse_csv(content)


def _parse_csv(content: bytes) -> Extract:
    extract = Extract("vivotek_csv", is_live=True, raw_lines_available=True)
    cols: dict[str, list[Any]] = {k: [] for k in _COLUMNS}
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig", errors="replace"))))
    header: list[str] = []
    device: dict[str, str] = {}
    for line_no, row in enumerate(rows, start=1):
        if not row:
            continue
        if row[0] in ("UtcTime", "RuleType"):
            header = [h.strip() for h in row]
            continue
        record = dict(zip(header, (v.strip() for v in row), strict=False))
        if "MacAddress" in record:
            device = record
        elif record.get("RuleType") == "Counting":
            _append(cols, device.get("MacAddress"), record.get("RuleName"),
                    record.get("StartTime"), record.get("EndTime"), as_int(record.get("In")),
                    as_int(record.get("Out")), device.get("UtcTime"), line_no)
    extract.add_rows("counts", cols)
    return extract


def _parse_json(content: bytes) -> Extract:
    extract = Extract("vivotek_json", is_live=True)
    cols: dict[str, list[Any]] = {k: [] for k in _COLUMNS}
    for position, doc, _raw, _error in documents(content):
        source = doc.get("Source") or {}
        for block in doc.get("Data") or ():
            if block.get("RuleType") != "Counting":
                continue
            for info in block.get("CountingInfo") or ():
                _append(cols, source.get("MacAddress"), info.get("RuleName"),
                        info.get("StartTime"), info.get("EndTime"), as_int(info.get("In")),
                        as_int(info.get("Out")), source.get("UtcTime"), position)
    extract.add_rows("counts", cols)
    return extract


def _append(cols: dict[str, list[Any]], *values: Any) -> None:
    for column, value in zip(cols.values(), values, strict=True):
        column.append(value)
