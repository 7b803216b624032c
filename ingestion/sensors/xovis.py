"""Xovis PC2/PC2S/PC3 data push, firmware 5 (`logics_data`) and firmware 4 (count push).

What becomes what (docs/sensors.md):
* v5 `logics_data.logics[].records[]`: `from`/`to` are epoch milliseconds UTC; the counts
  named `fw` and `bw` -> interval counts of that logic. `fw` is "in" unless the sensor line
  is registered as direction-inverted (which way is "in" is site configuration, not
  payload). Line reference: the logic id as text, name: the logic name. Logics without
  fw/bw (zone `balance`, occupancy) have no canonical table: no rows. Demographic splits
  (`fw-male`, `bw-age`, ...) are not loaded;
* v4 count push (`content.element[]`, data-type LINE): `measurement[]` windows with
  offsets, `value[]` labelled fw/bw. Line reference: element-id as text, name:
  element-name. Device: `sensor-info.serial-number` (and `name`);
* v5 `live_data` and the v4 event push (`values[]`) are per-person events; counts come from
  the count pushes, so they give no rows (counting both would count people twice);
* v5 `status_data` is device health: no rows.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ingestion.records import MALFORMED_ROW
from ingestion.sensors.extract import Extract, as_int
from ingestion.sensors.jsondocs import documents

_COLUMNS = ("device_serial", "device_name", "line_ref", "line_name", "period_start",
            "period_end", "count_in", "count_out", "line_no")


def parse(content: bytes, ctx: Any) -> Extract:
    extract = Extract("xovis_json", is_live=True)
    extract.raw_lines_available = not content.lstrip().startswith(b"[")
    cols: dict[str, list[Any]] = {k: [] for k in _COLUMNS}
    kinds = set()
    for position, doc, raw, error in documents(content):
        if error is not None:
            extract.reject(MALFORMED_ROW, error, raw, position)
            continue
        if not isinstance(doc, dict):
            extract.reject(MALFORMED_ROW, "a Xovis push must be a JSON object",
                           str(doc)[:2000], position)
            continue
        if "logics_data" in doc:
            kinds.add("v5")
            _v5_logics(doc["logics_data"], position, cols)
        elif "content" in doc and "sensor-info" in doc:
            kinds.add("v4")
            _v4_counts(doc, position, cols)
        elif {"live_data", "status_data", "values"} & doc.keys():
            kinds.add("events" if "status_data" not in doc else "status")
        else:
            raise ValueError(f"unrecognised Xovis push (keys {sorted(doc)[:8]})")
    if kinds & {"v5", "v4"}:
        extract.source_format = "xovis_" + "+".join(sorted(kinds & {"v5", "v4"}))
    extract.add_rows("counts", cols)
    return extract


def _append(cols: dict[str, list[Any]], *values: Any) -> None:
    for column, value in zip(cols.values(), values, strict=True):
        column.append(value)


def _v5_logics(data: dict, position: int | None, cols: dict[str, list[Any]]) -> None:
    sensor = data.get("sensor_info") or {}
    serial = sensor.get("serial_number")
    for logic in data.get("logics") or ():
        for record in logic.get("records") or ():
            counts = {c.get("name"): c.get("value") for c in record.get("counts") or ()}
            if "fw" not in counts and "bw" not in counts:
                continue
            _append(cols, serial, None, _text(logic.get("id")), logic.get("name"),
                    _epoch_ms(record.get("from")), _epoch_ms(record.get("to")),
                    as_int(counts.get("fw")), as_int(counts.get("bw")), position)


def _v4_counts(doc: dict, position: int | None, cols: dict[str, list[Any]]) -> None:
    info = doc.get("sensor-info") or {}
    for element in (doc.get("content") or {}).get("element") or ():
        if element.get("data-type") not in (None, "LINE"):
            continue
        for m in element.get("measurement") or ():
            values = {v.get("label"): v.get("value") for v in m.get("value") or ()}
            _append(cols, info.get("serial-number"), info.get("name"),
                    _text(element.get("element-id")), element.get("element-name"),
                    m.get("from"), m.get("to"), as_int(values.get("fw")),
                    as_int(values.get("bw")), position)


def _epoch_ms(value: Any) -> str | None:
    """Epoch milliseconds (UTC) as ISO text, so v4 and v5 rows share one column type."""
    ms = as_int(value)
    return None if ms is None else datetime.fromtimestamp(ms / 1000, UTC).isoformat()


def _text(value: Any) -> str | None:
    return None if value is None else str(value)
