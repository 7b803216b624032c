"""Landing files for the ingestion benchmark, written with vectorised polars (no row loops).

Three sensor formats with the same number of counting rows each: the generic sensor CSV,
AXIS 3D People Counter export CSVs (1-minute bins, camera-local time) and Milesight VS133
push JSONL (5-minute periodic reports of 4 lines, with the collector's `received_at`); the
generic POS CSV (SAP-style transaction lines, bench/pos_ingest.py's generator); many small
generic sensor files (one device-day each) for the per-file overhead; plus the reference
CSVs that register every device, site and POS location.

File sizes, at 10M rows per format: generic 10 files of 1M rows; Axis 20 files of 500k
(one camera's export each); Milesight 100 files of ~138k (one device's 120 days each); POS
10 files of 1M lines. Large files are the realistic bulk case (a collector's or a POS
system's export) and keep each file at or above DuckDB's row group (122,880 rows), from
where DuckDB writes a committed file straight to its blocks; a file below that goes through
DuckDB's write-ahead log and costs ~3x more to commit. Small files are measured on their
own (`generic_small_files`, files/s).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl

START = datetime(2020, 1, 1, tzinfo=UTC)
MAX_COUNT = 100
GENERIC_DEVICES, GENERIC_LINES = 40, 2
AXIS_DEVICES = 20
MILESIGHT_DEVICES, MILESIGHT_LINES, MILESIGHT_MINUTES = 25, 4, 5
MILESIGHT_DAYS_PER_FILE = 120
POS_LINES_PER_FILE = 1_000_000
SMALL_FILES = 400  # device-day files of the generic CSV: 2 lines x 96 quarter hours


def _ts(expr: pl.Expr, fmt: str) -> pl.Expr:
    return expr.dt.strftime(fmt)


def _counts(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    return rng.integers(0, 30, n, dtype=np.int32), rng.integers(0, 30, n, dtype=np.int32)


def _touch(path: Path, at: datetime) -> None:
    os.utime(path, (at.timestamp(), at.timestamp()))


def write_reference(landing: Path) -> None:
    ref = landing / "reference"
    ref.mkdir(parents=True, exist_ok=True)
    (ref / "organizations.csv").write_text(
        "organization_id,name,reporting_currency\nbench,Bench Retail,EUR\n")
    (ref / "regions.csv").write_text("region_id,organization_id,name\nr1,bench,All\n")
    (ref / "sites.csv").write_text(
        "site_id,organization_id,region_id,name,site_type,timezone,currency,open_date\n"
        "generic,bench,r1,Generic,store,Europe/Lisbon,EUR,2019-01-01\n"
        "axis,bench,r1,Axis,store,UTC,EUR,2019-01-01\n"
        "milesight,bench,r1,Milesight,store,Asia/Shanghai,EUR,2019-01-01\n"
        + "".join(f"site-{plant},bench,r1,Plant {plant},store,{zone},EUR,2019-01-01\n"
                  for plant, zone in _pos_plants()))
    (ref / "pos_locations.csv").write_text(
        "source_system,location_id,site_id\n"
        + "".join(f"sap_pos,{plant},site-{plant}\n" for plant, _ in _pos_plants()))
    rows = ["sensor_id,line_id,site_id,vendor,device_serial,line_role,interval_minutes,"
            "max_count_per_interval,is_direction_inverted"]
    rows += [f"gen{d:03d},{ln},generic,generic,gen{d:03d},entrance,15,{MAX_COUNT},false"
             for d in range(GENERIC_DEVICES) for ln in range(1, GENERIC_LINES + 1)]
    rows += [f"axis{d:03d},1,axis,axis,accc8e{d:06x},entrance,1,{MAX_COUNT},false"
             for d in range(AXIS_DEVICES)]
    rows += [f"ms{d:03d},{ln},milesight,milesight,6384e1617995{d:04d},entrance,"
             f"{MILESIGHT_MINUTES},{MAX_COUNT},false"
             for d in range(MILESIGHT_DEVICES) for ln in range(1, MILESIGHT_LINES + 1)]
    (ref / "sensors.csv").write_text("\n".join(rows) + "\n")


def _pos_plants() -> list[tuple[str, str]]:
    from bench import pos_ingest

    return [(str(1000 + i), pos_ingest.ZONES[i % len(pos_ingest.ZONES)])
            for i in range(pos_ingest.SITES)]


def write_pos(landing: Path, rows: int, seed: int = 7) -> int:
    """Generic POS CSV (SAP-style, bench/pos_ingest.py's data) in files of 1M lines."""
    from bench import pos_ingest

    folder = landing / "pos" / "generic" / "sap"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "mapping.yaml").write_text(pos_ingest.MAPPING)
    written = 0
    for part in range(-(-rows // POS_LINES_PER_FILE)):
        n = min(POS_LINES_PER_FILE, rows - written)
        path = folder / f"export-{part:03d}.csv"
        # a distinct seed per file; the generator numbers transactions from 4e9 in each file,
        # so the files are shifted apart to keep transaction ids unique across files
        pos_ingest.write_csv(path, n, seed=seed + part, first_document=part * n)
        _touch(path, datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=part))
        written += n
    return written


def write_small_generic(landing: Path, rows: int, seed: int = 4) -> int:
    """SMALL_FILES device-day files of the generic CSV (192 rows each), whatever `rows`."""
    rng = np.random.default_rng(seed)
    folder = landing / "sensors" / "generic" / "daily"
    per_day = GENERIC_LINES * 96
    written = 0
    for n in range(SMALL_FILES):
        device, day = n % GENERIC_DEVICES, n // GENERIC_DEVICES
        start = START + timedelta(days=day)
        c_in, c_out = _counts(per_day, rng)
        step = np.tile(np.arange(96), GENERIC_LINES)
        begin = pl.lit(start) + pl.duration(minutes=pl.col("step") * 15)
        frame = pl.DataFrame({"line_id": np.repeat(np.arange(1, GENERIC_LINES + 1), 96),
                              "step": step, "count_in": c_in, "count_out": c_out}).select(
            pl.lit(f"gen{device:03d}").alias("device_serial"),
            "line_id",
            _ts(begin, "%Y-%m-%dT%H:%M:%SZ").alias("period_start"),
            _ts(begin + pl.duration(minutes=15), "%Y-%m-%dT%H:%M:%SZ").alias("period_end"),
            "count_in", "count_out",
        )
        path = folder / f"gen{device:03d}" / f"{start:%Y-%m-%d}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        frame.write_csv(path)
        _touch(path, start + timedelta(days=1, hours=1))
        written += frame.height
    return written


def write_generic(landing: Path, rows: int, seed: int = 1) -> int:
    """The generic sensor CSV, split over up to 10 files by device; returns rows written."""
    rng = np.random.default_rng(seed)
    series = GENERIC_DEVICES * GENERIC_LINES
    per_series = -(-rows // series)
    files = max(1, min(10, rows // 200_000))
    folder = landing / "sensors" / "generic" / "bulk"
    folder.mkdir(parents=True, exist_ok=True)
    written = 0
    for part, devices in enumerate(np.array_split(np.arange(GENERIC_DEVICES), files)):
        n = len(devices) * GENERIC_LINES * per_series
        device = np.repeat(devices, GENERIC_LINES * per_series)
        line = np.tile(np.repeat(np.arange(1, GENERIC_LINES + 1), per_series), len(devices))
        step = np.tile(np.arange(per_series), len(devices) * GENERIC_LINES)
        c_in, c_out = _counts(n, rng)
        start = pl.lit(START) + pl.duration(minutes=pl.col("step") * 15)
        frame = pl.DataFrame({"device": device, "line_id": line, "step": step,
                              "count_in": c_in, "count_out": c_out}).select(
            pl.format("gen{}", pl.col("device").cast(pl.String).str.zfill(3))
            .alias("device_serial"),
            "line_id",
            _ts(start, "%Y-%m-%dT%H:%M:%SZ").alias("period_start"),
            _ts(start + pl.duration(minutes=15), "%Y-%m-%dT%H:%M:%SZ").alias("period_end"),
            "count_in", "count_out",
        )
        if written + frame.height > rows:
            frame = frame.head(rows - written)
        path = folder / f"counts-part{part:02d}.csv"
        frame.write_csv(path)
        _touch(path, START + timedelta(minutes=15 * per_series + 60))
        written += frame.height
    return written


def write_axis(landing: Path, rows: int, seed: int = 2) -> int:
    """AXIS 3D People Counter export CSVs: one file per camera, 1-minute bins, local time."""
    rng = np.random.default_rng(seed)
    per_device = -(-rows // AXIS_DEVICES)
    written = 0
    for d in range(AXIS_DEVICES):
        n = min(per_device, rows - written)
        if n <= 0:
            break
        c_in, c_out = _counts(n, rng)
        start = pl.lit(START.replace(tzinfo=None)) + pl.duration(minutes=pl.col("step"))
        frame = pl.DataFrame({"step": np.arange(n), "in": c_in, "out": c_out}).select(
            _ts(start, "%Y-%m-%d %H:%M:%S").alias("start"),
            _ts(start + pl.duration(minutes=1), "%Y-%m-%d %H:%M:%S").alias("end"),
            "in", "out",
        )
        folder = landing / "sensors" / "axis" / f"accc8e{d:06x}"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{START:%Y-%m-%d}.csv"
        frame.write_csv(path)
        _touch(path, START + timedelta(minutes=n + 60))
        written += n
    return written


def write_milesight(landing: Path, rows: int, seed: int = 3) -> int:
    """Milesight VS133 push JSONL: a document per 5-minute report with 4 lines' counts."""
    rng = np.random.default_rng(seed)
    reports = -(-rows // (MILESIGHT_DEVICES * MILESIGHT_LINES))
    per_file = MILESIGHT_DAYS_PER_FILE * 24 * 60 // MILESIGHT_MINUTES
    written = 0
    tz = timedelta(hours=8)  # the devices report in China Standard Time, with offset
    for d in range(MILESIGHT_DEVICES):
        serial = f"6384e1617995{d:04d}"
        folder = landing / "sensors" / "milesight" / serial
        folder.mkdir(parents=True, exist_ok=True)
        for first in range(0, reports, per_file):
            n = min(per_file, reports - first)
            if written >= rows:
                return written
            local = pl.lit((START + tz).replace(tzinfo=None)) + pl.duration(
                minutes=pl.col("step") * MILESIGHT_MINUTES)
            counts = {f"{k}{ln}": v for ln in range(1, MILESIGHT_LINES + 1)
                      for k, v in zip(("i", "o"), _counts(n, rng), strict=True)}
            frame = pl.DataFrame({"step": np.arange(first, first + n), **counts})
            lit = pl.lit
            items = [pl.concat_str(lit(f'{{"line":{ln},"line_name":"Line{ln}","total":{{"in":'),
                                   pl.col(f"i{ln}"), lit(',"out":'), pl.col(f"o{ln}"), lit("}}"))
                     for ln in range(1, MILESIGHT_LINES + 1)]
            fmt = "%Y-%m-%dT%H:%M:%S+08:00"
            docs = frame.select(pl.concat_str(
                lit('{"device_info":{"device_sn":"' + serial.upper()
                    + '","device_name":"VS133"},"time_info":{"start_time":"'),
                _ts(local, fmt),
                lit('","end_time":"'),
                _ts(local + pl.duration(minutes=MILESIGHT_MINUTES), fmt),
                lit('","time_zone":"UTC+8:00"},"received_at":"'),
                _ts(local + pl.duration(minutes=MILESIGHT_MINUTES, seconds=2), fmt),
                lit('","line_periodic_data":['),
                pl.concat_str(items, separator=","),
                lit("]}"),
            ).alias("doc"))
            day = START + timedelta(minutes=first * MILESIGHT_MINUTES)
            path = folder / f"{day:%Y-%m-%d}.jsonl"
            path.write_text("\n".join(docs["doc"].to_list()) + "\n")
            _touch(path, day + timedelta(minutes=n * MILESIGHT_MINUTES + 60))
            written += n * MILESIGHT_LINES
    return written
