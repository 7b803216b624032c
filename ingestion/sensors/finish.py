"""From a vendor's Extract to canonical frames and quarantined rows, the same for all vendors.

Steps, each vectorised over the whole file: resolve device -> sensor (and line), place
local times in the site's zone (timeconv.py), swap in/out for direction-inverted lines,
run the row checks (checks.py), then split good rows (canonical columns, lineage left to the
loader) from rejected ones (one QuarantinedRow each, with the vendor's raw text).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import PurePosixPath

import polars as pl

from ingestion import plausible_time
from ingestion.records import (
    DUPLICATE_KEY,
    UNKNOWN_DEVICE,
    UNKNOWN_LINE,
    LoadContext,
    ParseResult,
    QuarantinedRow,
)
from ingestion.schemas import SENSOR_COUNTS, SENSOR_OCCUPANCY, ZONE_ACTIVITY, Table
from ingestion.sensors import checks
from ingestion.sensors.cumulative import SENSOR_COUNTER_READINGS
from ingestion.sensors.extract import SCHEMAS, TIME_COLUMNS, UTC_DT, Extract
from ingestion.sensors.reasons import row_reasons
from ingestion.sensors.resolve import resolve_rows, sensor_registry
from ingestion.sensors.timeconv import localize

LINEAGE = {"source_file", "source_format", "delivered_at", "ingested_at"}
_DATED_NAME = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
# A file named for day D holds what was received on D in some zone: no earlier than D-14h UTC.
_EARLIEST_ZONE = timedelta(hours=14)

OUTPUT: dict[str, Table] = {
    "counts": SENSOR_COUNTS,
    "readings": SENSOR_COUNTER_READINGS,
    "occupancy": SENSOR_OCCUPANCY,
    "zones": ZONE_ACTIVITY,
}
_KEYS = {
    "counts": ["sensor_id", "line_id", "period_start"],
    "readings": ["sensor_id", "line_id", "reading_at"],
    "occupancy": ["sensor_id", "ts"],
    "zones": ["sensor_id", "zone_id", "period_start"],
}
_SERIES = {
    "counts": ["sensor_id", "line_id"],
    "readings": ["sensor_id", "line_id"],
    "occupancy": ["sensor_id"],
    "zones": ["sensor_id", "zone_ref"],
}
_CHECKS = {
    "counts": checks.count_checks,
    "readings": checks.reading_checks,
    "occupancy": checks.occupancy_checks,
    "zones": checks.zone_checks,
}
_SWAP = {"counts": ("count_in", "count_out"), "readings": ("total_in", "total_out")}
_WITH_LINES = ("counts", "readings")  # kinds resolved to a counting line


_POLARS_TYPES: dict[str, pl.DataType] = {
    "text": pl.Utf8,
    "int": pl.Int32,
    "bigint": pl.Int64,
    "float": pl.Float64,
    "bool": pl.Boolean,
    "date": pl.Date,
    "timestamptz": UTC_DT,
}


def canonical_columns(table: Table) -> dict[str, pl.DataType]:
    """The table's columns minus lineage, as polars dtypes."""
    return {c.name: _POLARS_TYPES[c.type] for c in table.columns if c.name not in LINEAGE}


def empty_table(table: Table) -> pl.DataFrame:
    return pl.DataFrame(schema=canonical_columns(table))


def device_folder(source_file: str) -> str | None:
    """`sensors/<vendor>/<device>/<file>` -> <device>; None for shallower paths."""
    parts = PurePosixPath(source_file).parts
    return parts[2] if len(parts) >= 4 else None


def clock_reference(source_file: str, delivered_at: datetime) -> datetime:
    """When the data of this file reached us at the earliest: the file-name day, else landing."""
    match = _DATED_NAME.search(PurePosixPath(source_file).name)
    if match:
        try:
            day = datetime(*(int(g) for g in match.groups()), tzinfo=UTC)
        except ValueError:
            return delivered_at
        return min(delivered_at, day - _EARLIEST_ZONE)
    return delivered_at


def finish(extract: Extract, ctx: LoadContext, content: bytes) -> ParseResult:
    """Resolve, localise, invert and check an Extract; split good rows from rejects."""
    result = ParseResult(extract.source_format)
    result.quarantined.extend(extract.rejects)
    registry = sensor_registry(ctx.sensors)
    ref = clock_reference(ctx.source_file, _utc(ctx.delivered_at))
    frames = {kind: extract.frame(kind) for kind in SCHEMAS}
    frames = {k: f for k, f in frames.items() if f.height}
    folder = device_folder(ctx.source_file)
    resolved = {k: resolve_rows(f, registry, folder, lines=k in _WITH_LINES)
                for k, f in frames.items()}
    rows = sum(f.height for f in resolved.values())
    known = rows - sum(f["sensor_id"].null_count() for f in resolved.values())
    if rows and not known:
        serials = {s for f in resolved.values() for s in f["device_serial"].drop_nulls()}
        names = {s for f in resolved.values() for s in f["device_name"].drop_nulls()}
        result.reject(UNKNOWN_DEVICE, unknown_device_reason(serials, names, folder,
                                                            ctx.source_file),
                      content.decode("utf-8", errors="replace"), None)
        return result
    raw_text = RawText(content, extract.raw_lines_available)
    for kind, frame in resolved.items():
        if frame["sensor_id"].null_count():
            unknown = frame.filter(pl.col("sensor_id").is_null())
            _quarantine(result, unknown.with_columns(
                pl.lit(UNKNOWN_DEVICE).alias("_code"),
                pl.when(pl.col("device_serial").is_not_null()).then(pl.format(
                    "no sensor registered with device_serial {} (the payload's device)",
                    "device_serial"))
                .when(pl.col("device_name").is_not_null()).then(pl.format(
                    "no sensor registered for the device named {} in the payload",
                    "device_name"))
                .otherwise(pl.lit(unknown_device_reason(set(), set(), folder,
                                                        ctx.source_file)))
                .alias("_reason")),
                raw_text, OUTPUT[kind].name)
            frame = frame.filter(pl.col("sensor_id").is_not_null())
        good = _finish_kind(kind, frame, extract, ctx, ref, result, raw_text)
        if good is not None and good.height:
            table = OUTPUT[kind]
            prev = result.tables.get(table.name)
            result.tables[table.name] = good if prev is None else pl.concat([prev, good])
            # every rule of the loader's validation, and the key de-duplication, ran here
            result.checked.add(table.name)
    return result


def _finish_kind(kind: str, frame: pl.DataFrame, extract: Extract, ctx: LoadContext,
                 ref: datetime, result: ParseResult, raw_text: RawText) -> pl.DataFrame | None:
    """Unknown lines, zones, UTC times, direction and checks for one kind; returns the good
    rows.

    A step that would change nothing (no unknown line, no inverted sensor, no bad row) is
    skipped rather than run as a pass over every row.
    """
    if frame.height == 0:
        return None
    if kind in _WITH_LINES and frame["line_id"].null_count():
        no_line = frame.filter(pl.col("line_id").is_null())
        _quarantine(result, no_line.with_columns(
            pl.lit(UNKNOWN_LINE).alias("_code"),
            pl.format("sensor {} has no line registered as {} (name {})",
                      "sensor_id", pl.col("line_ref").fill_null("-"),
                      pl.col("line_name").fill_null("-")).alias("_reason")),
            raw_text, OUTPUT[kind].name)
        frame = frame.filter(pl.col("line_id").is_not_null())
    if kind == "zones":
        frame = frame.with_columns(pl.col("zone_ref").alias("zone_id"))
    for column in TIME_COLUMNS[kind]:
        frame = localize(frame, column, _SERIES[kind])
    if extract.inclusive_end and "period_end" in frame.columns:
        # after the zone is applied, so a repeated-hour end (02:59:59 CEST) stays right
        end = pl.col("period_end")
        frame = frame.with_columns(
            pl.when(end.dt.second() == 59).then(end + timedelta(seconds=1)).otherwise(end)
            .alias("period_end"))
    frame = frame.with_columns(
        # a payload's own sent time comes from the same (possibly frozen) device clock, so
        # the later of it and the landing reference is what the device time is held against
        pl.max_horizontal("received_at", pl.lit(ref).cast(UTC_DT)).alias("clock_ref"),
        pl.coalesce("received_at", pl.lit(_utc(ctx.delivered_at)).cast(UTC_DT))
        .alias("received_at"),
        pl.lit(extract.is_live).alias("is_live"),
    )
    if kind in _SWAP and frame["is_direction_inverted"].any():
        a, b = _SWAP[kind]
        inverted = pl.col("is_direction_inverted").fill_null(False)
        frame = frame.with_columns(
            pl.when(inverted).then(pl.col(b)).otherwise(pl.col(a)).alias(a),
            pl.when(inverted).then(pl.col(a)).otherwise(pl.col(b)).alias(b),
        )
    now = _utc(ctx.now)
    earliest = plausible_time.earliest_expr(  # the plausible-time window's start, per sensor
        "sensor_id", plausible_time.earliest_by_sensor(ctx.sensors, ctx.sites),
        frame[TIME_COLUMNS[kind][0]])
    rules = _CHECKS[kind](now, earliest, wall_clock=True)  # localize added the __wall columns
    frame = frame.with_columns(checks.first_failure(rules).alias("_code"))
    if checks.may_repeat_key(frame, _KEYS[kind]):
        frame = frame.with_columns(
            pl.when(pl.col("_code").is_null() & checks.duplicate_key(_KEYS[kind]))
            .then(pl.lit(DUPLICATE_KEY)).otherwise(pl.col("_code")).alias("_code")
        )
    if frame["_code"].null_count() < frame.height:
        bad = frame.filter(pl.col("_code").is_not_null())
        _quarantine(result, bad.with_columns(row_reasons(kind, bad).alias("_reason")),
                    raw_text, OUTPUT[kind].name)
        frame = frame.filter(pl.col("_code").is_null())
    schema = canonical_columns(OUTPUT[kind])
    return frame.select([pl.col(c).cast(t) for c, t in schema.items()])


class RawText:
    """The vendor's text for a rejected row: its file line, or the whole single document."""

    def __init__(self, content: bytes, by_line: bool) -> None:
        self._content = content
        self._by_line = by_line
        self._lines: list[bytes] | None = None

    def for_row(self, line_no: int | None) -> str | None:
        if line_no is None:
            return self._content.decode("utf-8", errors="replace")
        if not self._by_line:
            return None
        if self._lines is None:
            self._lines = self._content.splitlines()
        if 0 < line_no <= len(self._lines):
            return self._lines[line_no - 1].decode("utf-8", errors="replace")
        return None


def unknown_device_reason(serials: set[str], names: set[str], folder: str | None,
                          source_file: str) -> str:
    """What was looked for in raw.sensors, and where it came from (payload or folder)."""
    looked = []
    if serials:
        looked.append(f"device_serial {', '.join(sorted(serials))} (from the payload)")
    if names:
        looked.append(f"device name {', '.join(sorted(names))} (from the payload)")
    if folder:
        looked.append(f"device folder {folder!r} (of {source_file})")
    if not looked:
        return (f"the file names no device and {source_file} lies in no device folder "
                "(expected sensors/<vendor>/<device serial>/<file>)")
    return "no sensor registered for " + " or ".join(looked)


def _quarantine(result: ParseResult, bad: pl.DataFrame, raw_text: RawText,
                table: str | None = None) -> None:
    """Rejected rows with the vendor's text: the row's raw, its file line or document, or
    (array elements) the row's values as JSON; `table` is the one they were meant for."""
    raw = bad["raw"]
    if raw.null_count():
        raw = pl.Series([
            raw_text.for_row(n) if text is None else text
            for text, n in zip(raw.to_list(), bad["line_no"].to_list(), strict=True)
        ], dtype=pl.Utf8)
    if raw.null_count():
        payload = [c for c in SCHEMAS_RAW_COLUMNS if c in bad.columns]
        as_json = bad.select(pl.struct(payload).struct.json_encode()).to_series()
        raw = pl.select(pl.coalesce(raw, as_json)).to_series()
    for code, reason, text, line_no in zip(bad["_code"], bad["_reason"], raw, bad["line_no"],
                                           strict=True):
        result.quarantined.append(QuarantinedRow(code, reason, text, line_no, table))


SCHEMAS_RAW_COLUMNS = (
    "device_serial", "device_name", "line_ref", "line_name", "zone_ref", "period_start",
    "period_end", "reading_at", "ts", "count_in", "count_out", "total_in", "total_out",
    "occupancy", "visits", "avg_dwell_seconds",
)


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
