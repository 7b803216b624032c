"""Reference CSVs under landing/reference/, headed exactly by the raw tables' columns.

The header of each file is its table's columns in ingestion/schemas.py minus the lineage
columns the loader adds, so a schema change shows up here at once. Weather and staff shifts
grow with the window and are streamed a store-day at a time; the rest is small.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from ingestion import schemas
from ingestion.demo.calendar import Event, day_context, weekly_hours
from ingestion.demo.chain import (
    EUR_TO_GBP,
    ORGANIZATION_ID,
    ORGANIZATION_NAME,
    REGIONS,
    REPORTING_CURRENCY,
    Store,
)
from ingestion.demo.sales import CATALOGUE, SKU_WEIGHTS
from ingestion.demo.staffing import Shift
from ingestion.demo.weather import HourlyWeather

LINEAGE_COLUMNS = frozenset(column.name for column in schemas.LINEAGE)
MAX_COUNT = {"entrance": 500, "passerby": 3000, "ignore": 200}


def reference_columns(table: schemas.Table) -> list[str]:
    return [name for name in table.column_names if name not in LINEAGE_COLUMNS]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".") if value != int(value) else f"{value:.1f}"
    return str(value)


class ReferenceCsv:
    """One reference CSV, opened with its header; rows are dicts keyed by column."""

    def __init__(self, landing: Path, table: schemas.Table) -> None:
        self.path = landing / "reference" / f"{table.name}.csv"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.columns = reference_columns(table)
        self._handle = self.path.open("w", encoding="utf-8", newline="")
        self._csv = csv.writer(self._handle, lineterminator="\n")
        self._csv.writerow(self.columns)
        self.count = 0

    def add(self, rows: Iterable[dict[str, Any]]) -> None:
        for row in rows:
            unknown = set(row) - set(self.columns)
            if unknown:
                raise KeyError(f"{self.path.name}: no column {sorted(unknown)}")
            self._csv.writerow([_cell(row.get(column)) for column in self.columns])
            self.count += 1

    def close(self) -> Path:
        self._handle.close()
        return self.path


def write_table(landing: Path, table: schemas.Table, rows: Iterable[dict[str, Any]]) -> Path:
    writer = ReferenceCsv(landing, table)
    writer.add(rows)
    return writer.close()


def utc_iso(epoch: int) -> str:
    return datetime.fromtimestamp(int(epoch), UTC).isoformat()


def site_rows(chain: tuple[Store, ...]) -> list[dict[str, Any]]:
    rows = []
    for store in chain:
        row: dict[str, Any] = {
            "site_id": store.site_id, "organization_id": ORGANIZATION_ID,
            "region_id": store.region.region_id, "name": store.name,
            "site_type": store.site_type, "timezone": store.timezone,
            "country": store.region.country,
            "subdivision": f"{store.region.country}-{store.region.subdivision}",
            "mall_id": store.mall_id, "area_sqm": store.area_sqm, "currency": store.currency,
            "open_date": store.open_date.isoformat(), "close_date": None,
        }
        for day, hours in zip(schemas.WEEKDAYS, weekly_hours(store), strict=True):
            row[f"{day}_open"] = hours[0] if hours else None
            row[f"{day}_close"] = hours[1] if hours else None
        rows.append(row)
    return rows


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def closure_rows(chain: tuple[Store, ...], first: date, last: date,
                 events: tuple[Event, ...]) -> list[dict[str, Any]]:
    """The days a store closes, or opens other than its weekly hours, in the window: the
    same day_context the traffic and the tickets are drawn from (public holidays closed or
    on Sunday hours, Christmas Eve's early close)."""
    rows = []
    for store in chain:
        week = weekly_hours(store)
        for offset in range((last - first).days + 1):
            day = first + timedelta(days=offset)
            regular = week[day.weekday()]
            context = day_context(store, day, events)
            hours = context.hours
            if hours is None and regular is None:
                continue
            if regular is not None and hours is not None and (
                    _hhmm(hours[0]), _hhmm(hours[1])) == regular:
                continue
            holiday = context.holiday
            if hours is None:
                reason = holiday or "closed"
            elif (day.month, day.day) == (12, 24):
                reason = "Christmas Eve: early closing"
            else:
                reason = f"{holiday}: Sunday hours" if holiday else "special hours"
            rows.append({
                "site_id": store.site_id, "local_date": day.isoformat(),
                "is_closed": hours is None,
                "open_time": None if hours is None else _hhmm(hours[0]),
                "close_time": None if hours is None else _hhmm(hours[1]),
                "reason": reason,
            })
    return rows


def sensor_rows(chain: tuple[Store, ...], interval_minutes: int) -> list[dict[str, Any]]:
    return [
        {
            "sensor_id": device.sensor_id, "line_id": line.line_id, "site_id": store.site_id,
            "vendor": device.vendor, "device_serial": device.serial, "device_name": device.name,
            "line_role": line.role, "interval_minutes": interval_minutes,
            "max_count_per_interval": MAX_COUNT[line.role] * interval_minutes // 15,
            "is_direction_inverted": device.inverted,
        }
        for store in chain for device in store.devices for line in device.lines
    ]


def expected_annual_net_sales(chain: tuple[Store, ...]) -> float:
    """A plausible plan: footfall x conversion x average ticket over a year, in GBP."""
    mean_price = float(np.dot(SKU_WEIGHTS, [item[3] for item in CATALOGUE])) / 100
    ticket = mean_price * 1.55 * 1.08 * 0.97  # items per ticket, quantity, discounts
    total = 0.0
    for store in chain:
        fx = 1.0 if store.currency == REPORTING_CURRENCY else EUR_TO_GBP * 1.15
        days = 305 if store.sunday_closed else 358
        total += store.base_footfall * store.conversion * ticket * fx * days
    return total


def target_rows(chain: tuple[Store, ...], first: date, last: date) -> list[dict[str, Any]]:
    plan = round(expected_annual_net_sales(chain) * 1.05, -3)
    return [
        {
            "target_id": f"tgt_{ORGANIZATION_ID}_net_sales_fy{year}",
            "organization_id": ORGANIZATION_ID, "level": "organization",
            "level_id": ORGANIZATION_ID, "metric": "net_sales",
            "period_start": f"{year}-01-01", "period_end": f"{year}-12-31",
            "target_value": f"{plan:.2f}", "currency": REPORTING_CURRENCY, "method": "manual",
        }
        for year in range(first.year, last.year + 1)
    ]


def event_rows(events: tuple[Event, ...]) -> list[dict[str, Any]]:
    return [
        {
            "event_id": e.event_id, "event_type": e.event_type, "name": e.name,
            "start_date": e.start_date.isoformat(), "end_date": e.end_date.isoformat(),
            "organization_id": ORGANIZATION_ID, "region_id": e.region_id, "site_id": e.site_id,
            "expected_uplift": e.traffic_uplift if e.event_type != "holiday" else None,
        }
        for e in events
    ]


def static_tables(chain: tuple[Store, ...], interval_minutes: int, first: date, last: date,
                  events: tuple[Event, ...]) -> dict[schemas.Table, list[dict[str, Any]]]:
    regions = {store.region.region_id for store in chain}
    systems = {
        (store.pos_system, store.pos_location_id, store.site_id) for store in chain
    }
    return {
        schemas.ORGANIZATIONS: [{"organization_id": ORGANIZATION_ID, "name": ORGANIZATION_NAME,
                                 "reporting_currency": REPORTING_CURRENCY}],
        schemas.REGIONS: [{"region_id": r.region_id, "organization_id": ORGANIZATION_ID,
                           "name": r.name} for r in REGIONS if r.region_id in regions],
        schemas.SITES: site_rows(chain),
        schemas.SENSORS: sensor_rows(chain, interval_minutes),
        schemas.POS_LOCATIONS: [{"source_system": s, "location_id": loc, "site_id": site}
                                for s, loc, site in sorted(systems)],
        schemas.TARGETS_INPUT: target_rows(chain, first, last),
        schemas.EVENTS: event_rows(events),
        schemas.SITE_CLOSURES: closure_rows(chain, first, last, events),
    }


def weather_rows(store: Store, weather: HourlyWeather) -> Iterable[dict[str, Any]]:
    for ts, temp, rain, condition in zip(weather.hour_utc, weather.temperature_c,
                                         weather.precipitation_mm, weather.condition,
                                         strict=True):
        yield {"site_id": store.site_id, "ts": utc_iso(ts), "temperature_c": f"{temp:.1f}",
               "precipitation_mm": f"{rain:.1f}", "condition": condition}


def shift_rows(store: Store, shifts: tuple[Shift, ...]) -> Iterable[dict[str, Any]]:
    for shift in shifts:
        yield {"shift_id": shift.shift_id, "site_id": store.site_id, "staff_id": shift.staff_id,
               "shift_start": utc_iso(shift.start_utc), "shift_end": utc_iso(shift.end_utc),
               "role": shift.role}
