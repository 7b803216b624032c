"""The reference frames a parser sees (LoadContext), read back from the warehouse."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl

from ingestion.loader.store import read_polars, table_schema
from ingestion.schemas import POS_LOCATIONS, SENSORS, SITES


@dataclass(frozen=True)
class Reference:
    """raw.sensors (+ site_timezone), raw.sites and raw.pos_locations as polars frames."""

    sensors: pl.DataFrame
    sites: pl.DataFrame
    pos_locations: pl.DataFrame


def _data_names(table: Any) -> list[str]:
    return [c for c in table.column_names
            if c not in ("source_file", "source_format", "delivered_at", "ingested_at")]


def read_reference(conn: Any, dialect: str) -> Reference:
    """Read the registered devices, sites and POS locations (empty frames if none yet)."""
    sensor_cols = _data_names(SENSORS)
    sensors_schema = table_schema(SENSORS, sensor_cols) | {"site_timezone": pl.String()}
    sensors = read_polars(
        conn, dialect,
        f"select {', '.join('s.' + c for c in sensor_cols)}, t.timezone as site_timezone "
        f"from {SENSORS.qualified} s left join {SITES.qualified} t on t.site_id = s.site_id "
        "order by s.sensor_id, s.line_id",
        sensors_schema,
    )
    sites = read_polars(conn, dialect,
                        f"select {', '.join(_data_names(SITES))} from {SITES.qualified} "
                        "order by site_id", table_schema(SITES, _data_names(SITES)))
    locations = read_polars(
        conn, dialect,
        f"select {', '.join(_data_names(POS_LOCATIONS))} from {POS_LOCATIONS.qualified} "
        "order by source_system, location_id",
        table_schema(POS_LOCATIONS, _data_names(POS_LOCATIONS)),
    )
    return Reference(sensors=sensors, sites=sites, pos_locations=locations)
