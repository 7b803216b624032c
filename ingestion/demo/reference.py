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
from ingestion.demo.staffing import STAFF_POOL, Shift, staff_id
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


def _ticket() -> float:
    """The average ticket in GBP: mean price x items per ticket, quantity, discounts."""
    mean_price = float(np.dot(SKU_WEIGHTS, [item[3] for item in CATALOGUE])) / 100
    return mean_price * 1.55 * 1.08 * 0.97


def _to_reporting(store: Store) -> float:
    return 1.0 if store.currency == REPORTING_CURRENCY else EUR_TO_GBP * 1.15


def _open_share(store: Store) -> float:
    """The share of a year's days the store trades (Sundays and holidays off in DE)."""
    return (305 if store.sunday_closed else 358) / 365


def expected_annual_net_sales(chain: tuple[Store, ...]) -> float:
    """A plausible plan: footfall x conversion x average ticket over a year, in GBP."""
    ticket = _ticket()
    total = 0.0
    for store in chain:
        days = 305 if store.sunday_closed else 358
        total += store.base_footfall * store.conversion * ticket * _to_reporting(store) * days
    return total


def expected_net_sales(store: Store, days: int) -> float:
    """The store's plausible net sales over `days` calendar days, in its own currency."""
    local = 1.0 if store.currency == REPORTING_CURRENCY else 1.15
    return (store.base_footfall * store.conversion * _ticket() * local * days
            * _open_share(store))


def _month(day: date) -> tuple[date, date]:
    """First and last day of the month of `day`."""
    first = day.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following - timedelta(days=1)


def _money(value: float, step: float = 100) -> str:
    return f"{round(value / step) * step:.2f}"


def _region_stores(chain: tuple[Store, ...], region_id: str) -> list[Store]:
    return [store for store in chain if store.region.region_id == region_id]


def target_rows(chain: tuple[Store, ...], first: date, last: date) -> list[dict[str, Any]]:
    """The demo's targets (docs/demo-chain.md, "Targets"): per year the organisation's
    annual net sales (historical, to the sites, stretch 1.1x, minimum 0.95x); a region's
    quarter of footfall (potential); the organisation's conversion rate of the last whole
    month; a region's month of net sales summed bottom_up from its sites' own targets
    (historical, to the staff); a region's month of net sales weighted by the stores'
    areas with a cap and a floor (target_constraints.csv)."""
    plan = round(expected_annual_net_sales(chain) * 1.05, -3)
    rows: list[dict[str, Any]] = [
        {
            "target_id": f"tgt_{ORGANIZATION_ID}_net_sales_fy{year}",
            "organization_id": ORGANIZATION_ID, "level": "organization",
            "level_id": ORGANIZATION_ID, "metric": "net_sales",
            "period_start": f"{year}-01-01", "period_end": f"{year}-12-31",
            "target_value": f"{plan:.2f}", "currency": REPORTING_CURRENCY,
            "method": "historical", "name": f"FY{year} net sales", "period_type": "custom",
            "stretch_value": f"{plan * 1.1:.2f}", "minimum_value": f"{plan * 0.95:.2f}",
            "cascade_to": "site",
        }
        for year in range(first.year, last.year + 1)
    ]
    month_start, month_end = _month(last)
    month = f"{month_start:%Y_%m}"
    days = (month_end - month_start).days + 1
    common = {"organization_id": ORGANIZATION_ID, "period_start": month_start.isoformat()}
    # a region's quarter of footfall, shared by the forecast (potential)
    footfall_region = chain[1 % len(chain)].region
    quarter_start = date(last.year, 3 * ((last.month - 1) // 3) + 1, 1)
    quarter_days = (_month(quarter_start.replace(month=quarter_start.month + 2))[1]
                    - quarter_start).days + 1
    footfall = sum(store.base_footfall * quarter_days * _open_share(store)
                   for store in _region_stores(chain, footfall_region.region_id))
    rows.append({
        "target_id": f"tgt_{footfall_region.region_id}_footfall_{last.year}"
                     f"q{(last.month - 1) // 3 + 1}",
        "organization_id": ORGANIZATION_ID, "level": "region",
        "level_id": footfall_region.region_id, "metric": "footfall",
        "period_start": quarter_start.isoformat(), "period_end": None,
        "target_value": _money(footfall * 1.03, 1000), "currency": None,
        "method": "potential", "name": f"{footfall_region.name} footfall Q"
                                       f"{(last.month - 1) // 3 + 1} {last.year}",
        "period_type": "quarter", "cascade_to": "site",
    })
    # the organisation's conversion rate of the last whole month (a rate, never a sum)
    whole_end = last if last == _month(last)[1] else month_start - timedelta(days=1)
    whole_start = whole_end.replace(day=1)
    visitors = sum(store.base_footfall for store in chain)
    conversion = sum(store.base_footfall * store.conversion for store in chain) / visitors
    rows.append({
        "target_id": f"tgt_{ORGANIZATION_ID}_conversion_rate_{whole_start:%Y_%m}",
        "organization_id": ORGANIZATION_ID, "level": "organization",
        "level_id": ORGANIZATION_ID, "metric": "conversion_rate",
        "period_start": whole_start.isoformat(), "period_end": None,
        "target_value": f"{round(conversion * 1.05, 3):.3f}", "currency": None,
        "method": "historical", "name": f"Conversion {whole_start:%B %Y}",
        "period_type": "month", "cascade_to": "site",
    })
    # bottom_up: a region's month is the sum of its sites' own month targets; the third
    # store's region (Germany: its SAP tills record the staff ids of the shifts, so the
    # sites' targets cascade to staff with a history)
    summed = chain[2 % len(chain)].region
    rows.append({
        **common, "target_id": f"tgt_{summed.region_id}_net_sales_{month}_bottom_up",
        "level": "region", "level_id": summed.region_id, "metric": "net_sales",
        "period_end": None, "target_value": None, "currency": summed.currency,
        "method": "bottom_up", "name": f"{summed.name} net sales {month_start:%B %Y}",
        "period_type": "month", "cascade_to": "site",
    })
    for store in _region_stores(chain, summed.region_id):
        rows.append({
            **common, "target_id": f"tgt_{store.site_id}_net_sales_{month}",
            "level": "site", "level_id": store.site_id, "metric": "net_sales",
            "period_end": None,
            "target_value": _money(expected_net_sales(store, days) * 1.05),
            "currency": store.currency, "method": "historical",
            "name": f"{store.name} net sales {month_start:%B %Y}", "period_type": "month",
            "cascade_to": "staff",
        })
    # weighted: the first region's month split by the weights of target_constraints.csv
    weighted = chain[0].region
    value = sum(expected_net_sales(store, days)
                for store in _region_stores(chain, weighted.region_id)) * 1.05
    rows.append({
        **common, "target_id": weighted_target_id(chain, last), "level": "region",
        "level_id": weighted.region_id, "metric": "net_sales", "period_end": None,
        "target_value": _money(value), "currency": weighted.currency, "method": "weighted",
        "name": f"{weighted.name} net sales {month_start:%B %Y} (weighted)",
        "period_type": "month", "cascade_to": "site",
    })
    return rows


def weighted_target_id(chain: tuple[Store, ...], last: date) -> str:
    return f"tgt_{chain[0].region.region_id}_net_sales_{last:%Y_%m}_weighted"


def constraint_rows(chain: tuple[Store, ...], last: date,
                    targets: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The weighted target's children: weighted by sales area; the largest store capped at
    90 % of its weighted share and the smallest floored at 110 % of its own (a region of one
    store gets its weight only)."""
    target_id = weighted_target_id(chain, last)
    value = float(next(t for t in targets if t["target_id"] == target_id)["target_value"])
    stores = sorted(_region_stores(chain, chain[0].region.region_id),
                    key=lambda store: (-store.area_sqm, store.site_id))
    total = sum(round(store.area_sqm) for store in stores)
    rows = [{"target_id": target_id, "org_unit_level": "site", "org_unit_id": store.site_id,
             "weight": float(round(store.area_sqm)), "floor_value": None, "cap_value": None,
             "min_share": None} for store in stores]
    if len(stores) > 1:
        largest, smallest = rows[0], rows[-1]
        largest["cap_value"] = _money(value * largest["weight"] / total * 0.9)
        smallest["floor_value"] = _money(value * smallest["weight"] / total * 1.1)
        smallest["min_share"] = 0.05
    return rows


def org_unit_rows(chain: tuple[Store, ...]) -> list[dict[str, Any]]:
    """Below each store: the sales floor, its two teams, and the store's staff pool
    (numbers 1-7 in team a, 8-14 in team b), ids as staffing.staff_id gives them."""
    rows: list[dict[str, Any]] = []
    for store in chain:
        floor = f"{store.site_id}_floor"
        unit = {"organization_id": ORGANIZATION_ID}
        rows.append({**unit, "org_unit_level": "department", "org_unit_id": floor,
                     "org_unit_name": "Sales floor", "parent_level": "site",
                     "parent_id": store.site_id})
        for team in ("a", "b"):
            rows.append({**unit, "org_unit_level": "team",
                         "org_unit_id": f"{store.site_id}_team_{team}",
                         "org_unit_name": f"Team {team.upper()}", "parent_level": "department",
                         "parent_id": floor})
        for number in range(1, STAFF_POOL + 1):
            team = "a" if number <= STAFF_POOL // 2 else "b"
            rows.append({**unit, "org_unit_level": "staff",
                         "org_unit_id": staff_id(store, number),
                         "org_unit_name": f"{store.name} staff {number:02d}",
                         "parent_level": "team", "parent_id": f"{store.site_id}_team_{team}"})
    return rows


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
    targets = target_rows(chain, first, last)
    return {
        schemas.ORGANIZATIONS: [{"organization_id": ORGANIZATION_ID, "name": ORGANIZATION_NAME,
                                 "reporting_currency": REPORTING_CURRENCY}],
        schemas.REGIONS: [{"region_id": r.region_id, "organization_id": ORGANIZATION_ID,
                           "name": r.name} for r in REGIONS if r.region_id in regions],
        schemas.SITES: site_rows(chain),
        schemas.SENSORS: sensor_rows(chain, interval_minutes),
        schemas.POS_LOCATIONS: [{"source_system": s, "location_id": loc, "site_id": site}
                                for s, loc, site in sorted(systems)],
        schemas.TARGETS_INPUT: targets,
        schemas.EVENTS: event_rows(events),
        schemas.SITE_CLOSURES: closure_rows(chain, first, last, events),
        schemas.TARGET_CONSTRAINTS: constraint_rows(chain, last, targets),
        schemas.ORG_UNITS: org_unit_rows(chain),
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
