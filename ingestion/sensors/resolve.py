"""Device -> sensor -> line resolution against raw.sensors, by join (no per-row Python).

A device matches a sensor by its normalised serial (lower case, no ':' or '-'), else by its
device name (case-insensitive; a payload that names the device once has that value tried as
both). A vendor line reference matches `raw.sensors.line_id` as
text, spaces around it aside (the vendor's line number, e.g. Milesight `line: 1` -> "1",
Xovis geometry name "Line 0", Hikvision channelID "1"); failing that the vendor's line name
matches line_id case-insensitively. Formats that carry no line at all map to the sensor's
only line.

`resolve_rows` is the entry point: it resolves each distinct device and line reference of a
file once and puts the answer back onto the rows, so a file of a million rows that names a
few dozen devices costs one pass, not a normalisation per row. Where the rows come in
blocks of one device and line (blocks.py), the answer goes to each block's rows by position;
otherwise by one join on the references.
"""

from __future__ import annotations

import polars as pl

from ingestion.sensors.blocks import block_starts
from ingestion.sensors.extract import normalise_serial

REGISTRY_SCHEMA: dict[str, pl.DataType] = {
    "sensor_id": pl.Utf8,
    "line_id": pl.Utf8,
    "site_id": pl.Utf8,
    "vendor": pl.Utf8,
    "device_serial": pl.Utf8,
    "device_name": pl.Utf8,
    "line_role": pl.Utf8,
    "interval_minutes": pl.Int64,
    "max_count_per_interval": pl.Int64,
    "is_direction_inverted": pl.Boolean,
    "site_timezone": pl.Utf8,
}
# Rows are resolved per block (blocks.py) when blocks hold this many rows on average;
# below, per block costs more than one join of the rows (interleaved lines, say).
_ROWS_PER_BLOCK = 4
LINE_ATTRIBUTES = ("interval_minutes", "max_count_per_interval", "is_direction_inverted")


def sensor_registry(sensors: pl.DataFrame | None) -> pl.DataFrame:
    """raw.sensors (+ site_timezone) with match keys; an absent frame is an empty registry."""
    if sensors is None:
        sensors = pl.DataFrame(schema=REGISTRY_SCHEMA)
    cols = [
        (pl.col(c).cast(t, strict=False) if c in sensors.columns else pl.lit(None, t)).alias(c)
        for c, t in REGISTRY_SCHEMA.items()
    ]
    return sensors.select(cols).with_columns(
        normalise_serial(pl.col("device_serial")).alias("serial_key"),
        pl.col("device_name").str.strip_chars().str.to_lowercase().alias("name_key"),
        pl.col("line_id").str.to_lowercase().alias("line_key"),
        pl.col("is_direction_inverted").fill_null(False),
    )


DEVICE_REFS = ("device_serial", "device_name")
LINE_REFS = ("line_ref", "line_name")


def resolve_rows(frame: pl.DataFrame, registry: pl.DataFrame, folder: str | None = None, *,
                 lines: bool) -> pl.DataFrame:
    """Add sensor_id, site_timezone and the line attributes to every row.

    With `lines`, also line_id (null when no line matches); without (occupancy, zones), the
    attributes are the device's first line's. Null sensor_id: the device is unknown.
    """
    refs = [*DEVICE_REFS, *LINE_REFS] if lines else list(DEVICE_REFS)
    # a reference no row carries (a format without line names) is left out of the join;
    # when rows carry none at all, the all-null references are the one key
    keys = [c for c in refs if frame[c].null_count() < frame.height] or refs
    absent = [c for c in refs if c not in keys]
    starts = frame.select(block_starts(keys)).to_series()
    in_blocks = starts.sum() * _ROWS_PER_BLOCK <= frame.height
    firsts = frame.select(keys).filter(starts) if in_blocks else frame.select(keys)
    distinct = firsts.unique(maintain_order=True).with_columns(
        pl.lit(None, pl.Utf8).alias(c) for c in absent)
    distinct = resolve_devices(distinct, registry, folder)
    resolved = (resolve_lines(distinct, registry) if lines
                else resolve_sensor_attributes(distinct, registry)).drop(absent)
    if not in_blocks:
        return frame.join(resolved, on=keys, how="left", nulls_equal=True,
                          maintain_order="left")
    # one answer per block, spread onto its rows by position: no hash of the row keys
    per_block = firsts.join(resolved, on=keys, how="left", nulls_equal=True,
                            maintain_order="left").drop(keys)
    block = starts.cast(pl.UInt32).cum_sum() - 1
    return frame.hstack(per_block.select(pl.all().gather(block)))


def resolve_devices(frame: pl.DataFrame, registry: pl.DataFrame,
                    folder: str | None = None) -> pl.DataFrame:
    """Add sensor_id and site_timezone (null when the device is unknown).

    Order: the payload's serial, the payload's device name, then the landing folder's
    device name (a serial, for formats whose payload names no device).
    """
    devices = registry.unique("sensor_id", keep="first", maintain_order=True)
    by_serial = (
        devices.filter(pl.col("serial_key").is_not_null() & (pl.col("serial_key") != ""))
        .unique("serial_key", keep="first", maintain_order=True)
        .select("serial_key", pl.col("sensor_id").alias("_sid_s"),
                pl.col("site_timezone").alias("_tz_s"))
    )
    by_name = (
        devices.filter(pl.col("name_key").is_not_null())
        .unique("name_key", keep="first", maintain_order=True)
        .select("name_key", pl.col("sensor_id").alias("_sid_n"),
                pl.col("site_timezone").alias("_tz_n"))
    )
    by_folder = by_serial.rename({"serial_key": "folder_key", "_sid_s": "_sid_f",
                                  "_tz_s": "_tz_f"})
    # normalised and matched once per distinct serial, then one join back onto the rows
    serials = (
        frame.select(pl.col("device_serial").unique())
        .with_columns(normalise_serial(pl.col("device_serial")).alias("serial_key"))
        .join(by_serial, on="serial_key", how="left")
        .drop("serial_key")
    )
    out = frame.join(serials, on="device_serial", how="left", nulls_equal=True,
                     maintain_order="left")
    sensor_id, zone = out["_sid_s"], out["_tz_s"]
    missing = sensor_id.is_null()
    if missing.any():  # only rows the serial did not resolve try the name, then the folder
        idx = missing.arg_true()
        rest = (
            out[idx]
            .with_columns(
                # a payload that names the device once (the generic CSV's device_serial
                # column takes a serial or a name) has that value tried as a name too
                pl.coalesce("device_name", "device_serial").str.strip_chars().str.to_lowercase()
                .alias("name_key"),
                normalise_serial(pl.lit(folder, pl.Utf8)).alias("folder_key"),
            )
            .join(by_name, on="name_key", how="left", maintain_order="left")
            .join(by_folder, on="folder_key", how="left", maintain_order="left")
            .select(
                pl.coalesce("_sid_n", "_sid_f").alias("sensor_id"),
                pl.when(pl.col("_sid_n").is_not_null()).then(pl.col("_tz_n"))
                .otherwise(pl.col("_tz_f")).alias("site_timezone"),
            )
        )
        sensor_id = sensor_id.scatter(idx, rest["sensor_id"])
        zone = zone.scatter(idx, rest["site_timezone"])
    return out.drop("_sid_s", "_tz_s").with_columns(
        sensor_id.alias("sensor_id"), zone.alias("site_timezone"))


def resolve_lines(frame: pl.DataFrame, registry: pl.DataFrame) -> pl.DataFrame:
    """Add line_id and the line's attributes (null line_id when no line matches)."""
    attrs = list(LINE_ATTRIBUTES)
    lines = registry.select("sensor_id", "line_id", "line_key", *attrs)
    by_ref = lines.unique(["sensor_id", "line_id"], keep="first", maintain_order=True).select(
        "sensor_id", pl.col("line_id").alias("_ref_key"), pl.col("line_id").alias("_l1"),
        *[pl.col(a).alias(f"_1{a}") for a in attrs],
    )
    by_name = lines.unique(["sensor_id", "line_key"], keep="first", maintain_order=True).select(
        "sensor_id", pl.col("line_key").alias("_name_key"), pl.col("line_id").alias("_l2"),
        *[pl.col(a).alias(f"_2{a}") for a in attrs],
    )
    only = (
        lines.group_by("sensor_id").agg(pl.len().alias("_n"), pl.all().first())
        .filter(pl.col("_n") == 1)
        .select("sensor_id", pl.col("line_id").alias("_l3"),
                *[pl.col(a).alias(f"_3{a}") for a in attrs])
    )
    # resolved once per distinct (sensor, line ref, line name), then one join back
    refs = ["sensor_id", "line_ref", "line_name"]
    out = (
        frame.select(refs).unique()
        .with_columns(pl.col("line_ref").str.strip_chars().alias("_ref_key"),
                      pl.col("line_name").str.strip_chars().str.to_lowercase()
                      .alias("_name_key"))
        .join(by_ref, on=["sensor_id", "_ref_key"], how="left", maintain_order="left")
        .join(by_name, on=["sensor_id", "_name_key"], how="left", maintain_order="left")
        .join(only, on="sensor_id", how="left", maintain_order="left")
    )
    no_line = pl.col("line_ref").is_null() & pl.col("line_name").is_null()
    pick = (
        pl.when(pl.col("_l1").is_not_null()).then(1)
        .when(pl.col("_l2").is_not_null()).then(2)
        .when(no_line & pl.col("_l3").is_not_null()).then(3)
    )
    out = out.with_columns(pick.alias("_pick"))
    chosen = [pl.when(pl.col("_pick") == i).then(pl.col(f"_l{i}")) for i in (1, 2, 3)]
    exprs = [pl.coalesce(*chosen).alias("line_id")]
    for a in attrs:
        exprs.append(
            pl.coalesce(*[pl.when(pl.col("_pick") == i).then(pl.col(f"_{i}{a}"))
                          for i in (1, 2, 3)]).alias(a)
        )
    resolved = out.select(*refs, *exprs)
    return frame.drop([c for c in ("line_id", *attrs) if c in frame.columns]).join(
        resolved, on=refs, how="left", nulls_equal=True, maintain_order="left")


def resolve_sensor_attributes(frame: pl.DataFrame, registry: pl.DataFrame) -> pl.DataFrame:
    """For occupancy and zones (no line): the device's first line's limits and direction."""
    attrs = registry.unique("sensor_id", keep="first", maintain_order=True).select(
        "sensor_id", *LINE_ATTRIBUTES
    )
    return frame.join(attrs, on="sensor_id", how="left", maintain_order="left")
