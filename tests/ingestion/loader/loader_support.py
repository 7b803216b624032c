"""Helpers for the loader tests: tiny parsers, landing files, table snapshots.

The tiny parsers stand in for the vendor parsers where a test needs a format it controls
exactly (the real parsers have their own tests); they are registered through the loader's
public OVERRIDES registry, not by patching loader internals.
"""

from __future__ import annotations

import csv
import io
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

from ingestion.records import UNKNOWN_DEVICE, LoadContext, ParseResult
from ingestion.schemas import ALL_TABLES

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)

ORGS = "organization_id,name,reporting_currency\norg1,Acme,EUR\n"
SITES = (
    "site_id,organization_id,region_id,name,site_type,timezone,currency,open_date\n"
    "s1,org1,r1,Lisbon,store,Europe/Lisbon,EUR,2020-01-01\n"
    "s2,org1,r1,Berlin,store,Europe/Berlin,EUR,2021-06-01\n"
)
SENSORS = (
    "sensor_id,line_id,site_id,vendor,device_serial,line_role,interval_minutes,"
    "max_count_per_interval\n"
    "sen1,1,s1,test,dev1,entrance,15,100\n"
    "sen1,2,s1,test,dev1,passerby,15,\n"
)
SENSOR_HEADER = "device_serial,line_id,period_start,period_end,count_in,count_out\n"
POS_HEADER = "external_id,line_no,site_id,ts,type,sku,quantity,line_amount\n"


def write(landing: Path, rel: str, text: str | bytes, mtime: datetime | None = None) -> Path:
    """Land a file; `mtime` is its delivery time."""
    path = landing / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, str):
        path.write_text(text)
    else:
        path.write_bytes(text)
    if mtime is not None:
        os.utime(path, (mtime.timestamp(), mtime.timestamp()))
    return path


def land_reference(landing: Path, sensors: str = SENSORS) -> None:
    write(landing, "reference/organizations.csv", ORGS, datetime(2025, 1, 1, tzinfo=UTC))
    write(landing, "reference/sites.csv", SITES, datetime(2025, 1, 1, tzinfo=UTC))
    write(landing, "reference/sensors.csv", sensors, datetime(2025, 1, 1, tzinfo=UTC))


def tiny_sensor_parser(content: bytes, ctx: LoadContext) -> ParseResult:
    """The generic sensor CSV with offsets only; devices resolved through ctx.sensors."""
    result = ParseResult(source_format="test_sensor_csv")
    text = content.decode("utf-8")  # UnicodeDecodeError: the loader quarantines the file
    known: dict[str, str] = {}
    if ctx.sensors is not None and ctx.sensors.height:
        known = dict(ctx.sensors.select("device_serial", "sensor_id").unique().iter_rows())
    rows = []
    lines = text.splitlines()
    for line_no, record in enumerate(csv.DictReader(io.StringIO(text)), start=2):
        raw = lines[line_no - 1]
        if record["device_serial"] not in known:
            result.reject(UNKNOWN_DEVICE, f"device {record['device_serial']} not registered",
                          raw=raw, line_no=line_no)
            continue
        rows.append({
            "sensor_id": known[record["device_serial"]],
            "line_id": record["line_id"],
            "period_start": record["period_start"],
            "period_end": record["period_end"],
            "count_in": record["count_in"],
            "count_out": record["count_out"],
            "_line_no": line_no,
            "_raw": raw,
        })
    if rows:
        result.tables["sensor_counts"] = pl.DataFrame(rows)
    return result


def tiny_pos_parser(content: bytes, ctx: LoadContext) -> ParseResult:
    """One row per line; the transaction header is built from its lines."""
    result = ParseResult(source_format="test_pos_csv")
    frame = pl.read_csv(content, infer_schema=False)
    lines = frame.select(
        pl.lit("testpos").alias("source_system"), "external_id",
        pl.col("line_no").cast(pl.Int32), "sku", pl.col("quantity").cast(pl.Int32),
        pl.col("line_amount").cast(pl.Float64),
    )
    headers = frame.group_by("external_id", maintain_order=True).agg(
        pl.col("site_id").first(), pl.col("ts").first(), pl.col("type").first(),
        pl.col("line_amount").cast(pl.Float64).sum().alias("net_amount"),
        pl.col("quantity").cast(pl.Int32).sum().alias("item_count"),
    ).with_columns(pl.lit("testpos").alias("source_system"), pl.lit("EUR").alias("currency"))
    result.tables["pos_transactions"] = headers
    result.tables["pos_transaction_lines"] = lines
    return result


def snapshot(conn: Any, dialect: str, table: str,
             exclude: tuple[str, ...] = ("ingested_at", "quarantined_at", "loaded_at")
             ) -> list[tuple]:
    """A table's full contents, sorted, without the columns that record when we ran."""
    cols = [c for c in ALL_TABLES[table].column_names if c not in exclude]
    order = ", ".join(str(i + 1) for i in range(len(cols)))
    query = f"select {', '.join(cols)} from raw.{table} order by {order}"
    if dialect == "duckdb":
        return conn.execute(query).fetchall()
    return conn.execute(query).fetchall()


def count(conn: Any, table: str, where: str = "") -> int:
    return conn.execute(f"select count(*) from raw.{table} {where}").fetchone()[0]
