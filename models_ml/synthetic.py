"""Synthetic hourly store series in the shape of marts.fct_site_hourly, for tests and the
benchmark (nothing is downloaded). Sites sit in several countries and zones; traffic has a
daily profile, weekday and holiday effects (each site's own country), rain, events and
Poisson noise; transactions and net sales follow from footfall.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import holidays as holidays_pkg
import numpy as np
import pandas as pd

ZONES = (("PT", "Europe/Lisbon"), ("DE", "Europe/Berlin"), ("US", "America/New_York"),
         ("GB", "Europe/London"))
SITE_TYPES = ("mall", "street", "outlet")


@dataclass(frozen=True)
class SyntheticChain:
    sites: pd.DataFrame
    hourly: pd.DataFrame
    weather: pd.DataFrame
    events: pd.DataFrame


def make_chain(n_sites: int = 4, days: int = 42, end: date = date(2026, 3, 2), seed: int = 7,
               zones: tuple[tuple[str, str], ...] = ZONES) -> SyntheticChain:
    rng = np.random.default_rng(seed)
    start = end - timedelta(days=days)
    site_ids = [f"S{i:03d}" for i in range(n_sites)]
    zone = [zones[i % len(zones)] for i in range(n_sites)]
    area = rng.uniform(300, 3000, n_sites).round()
    sites = pd.DataFrame({
        "site_id": site_ids, "organization_id": "ORG1",
        "region_id": [f"R{i % 3}" for i in range(n_sites)],
        "name": [f"Store {i}" for i in range(n_sites)],
        "site_type": [SITE_TYPES[i % 3] for i in range(n_sites)],
        "timezone": [z[1] for z in zone], "country": [z[0] for z in zone],
        "subdivision": None, "mall_id": None, "area_sqm": area, "currency": "EUR",
        "open_date": start - timedelta(days=365), "close_date": None,
    })
    for day in ("mon", "tue", "wed", "thu", "fri", "sat"):
        sites[f"{day}_open"], sites[f"{day}_close"] = "09:00", "21:00"
    sites["sun_open"], sites["sun_close"] = "10:00", "19:00"

    hours = pd.date_range(datetime.combine(start, datetime.min.time(), UTC),
                          datetime.combine(end, datetime.min.time(), UTC), freq="h",
                          inclusive="left")
    # weather per site: a smooth temperature and rain showers
    n_h = len(hours)
    weather_rows = []
    rain = {}
    for site in site_ids:
        t = np.arange(n_h)
        temp = 12 + 6 * np.sin(2 * np.pi * (t % 24 - 9) / 24) + rng.normal(0, 1, n_h)
        wet = rng.random(n_h) < 0.08
        wet = wet | np.roll(wet, 1) | np.roll(wet, 2)
        precip = np.where(wet, rng.gamma(2, 1.0, n_h), 0.0)
        rain[site] = pd.Series(precip, index=hours)
        weather_rows.append(pd.DataFrame({"site_id": site, "ts": hours,
                                          "temperature_c": temp.round(1),
                                          "precipitation_mm": precip.round(1)}))
    weather = pd.concat(weather_rows, ignore_index=True)
    event_day = start + timedelta(days=days - 10)
    events = pd.DataFrame({
        "event_id": ["E1"], "event_type": ["promotion"], "name": ["Spring sale"],
        "start_date": [event_day], "end_date": [event_day + timedelta(days=2)],
        "organization_id": ["ORG1"], "region_id": [None], "site_id": [None],
        "expected_uplift": [0.3]})

    frames = []
    profile = np.array([0, 0, 0, 0, 0, 0, 0, 0, 0, .55, .75, .9, 1.1, 1.05, .9, .85, .95,
                        1.1, 1.2, 1.0, .8, .5, 0, 0])
    weekday_factor = np.array([0.85, 0.8, 0.85, 0.95, 1.1, 1.45, 0.9])
    years = range(start.year - 1, end.year + 2)
    for country, tz in sorted(set(zone)):
        local = hours.tz_convert(tz).tz_localize(None)
        local_hour = local.hour.to_numpy()
        weekday = local.weekday.to_numpy()
        local_day = local.normalize()
        calendar = holidays_pkg.country_holidays(country, years=years)
        is_holiday = np.array([d.date() in calendar for d in local_day])
        open_from = np.where(weekday == 6, 10, 9)
        open_to = np.where(weekday == 6, 19, 21)
        is_open = (local_hour >= open_from) & (local_hour < open_to)
        on_event = np.array([event_day <= d.date() <= event_day + timedelta(days=2)
                             for d in local_day])
        for i in [k for k, z in enumerate(zone) if z == (country, tz)]:
            site = site_ids[i]
            level = area[i] / 30 * (1.0 + 0.1 * (i % 5))
            mu = (level * profile[local_hour] * weekday_factor[weekday]
                  * np.where(is_holiday, 0.45, 1.0) * np.where(on_event, 1.3, 1.0)
                  * np.where(rain[site].to_numpy() > 0.5, 0.8, 1.0))
            footfall = rng.poisson(np.clip(mu, 0, None)).astype(float)
            transactions = rng.binomial(footfall.astype(int), 0.22).astype(float)
            net_sales = np.round(transactions * rng.gamma(8, 5.0, n_h), 2)
            frame = pd.DataFrame({
                "site_id": site, "hour_start_at": hours, "local_start_at": local,
                "local_date": local_day.date, "local_hour": local_hour,
                "footfall": footfall, "transactions": transactions, "net_sales": net_sales,
                "is_traffic_complete": True, "is_sales_complete": True,
            })[is_open]
            frames.append(frame)
    hourly = pd.concat(frames, ignore_index=True)
    hourly["data_complete"] = True
    return SyntheticChain(sites, hourly, weather, events)


SCHEMAS = ("marts", "raw")


def write_duckdb(conn: Any, chain: SyntheticChain) -> None:
    """marts.fct_site_hourly, raw.sites, raw.weather, raw.events (replacing any)."""
    for schema in SCHEMAS:
        conn.execute(f"create schema if not exists {schema}")
    for table, frame in (("marts.fct_site_hourly", chain.hourly), ("raw.sites", chain.sites),
                         ("raw.weather", chain.weather), ("raw.events", chain.events)):
        conn.register("frame_view", frame)
        conn.execute(f"create or replace table {table} as select * from frame_view")
        conn.unregister("frame_view")
    conn.execute("alter table raw.sites alter subdivision type varchar")
    conn.execute("alter table raw.sites alter mall_id type varchar")
    conn.execute("alter table raw.sites alter close_date type date using close_date::date")
    for column in ("region_id", "site_id"):
        conn.execute(f"alter table raw.events alter {column} type varchar")


_PG_TYPES = {"f": "double precision", "i": "bigint", "b": "boolean", "M": "timestamptz"}


def write_postgres(conn: Any, chain: SyntheticChain) -> None:
    """The same tables on PostgreSQL (COPY)."""
    for schema in SCHEMAS:
        conn.execute(f"create schema if not exists {schema}")
    for table, frame in (("marts.fct_site_hourly", chain.hourly), ("raw.sites", chain.sites),
                         ("raw.weather", chain.weather), ("raw.events", chain.events)):
        columns = []
        for name, dtype in frame.dtypes.items():
            if name == "local_start_at":
                sql_type = "timestamp"
            elif (name.endswith("_date") and name != "local_date") or name == "local_date":
                sql_type = "date"
            else:
                sql_type = _PG_TYPES.get(dtype.kind, "text")
            columns.append(f"{name} {sql_type}")
        conn.execute(f"drop table if exists {table}")
        conn.execute(f"create table {table} ({', '.join(columns)})")
        with conn.cursor() as cur, cur.copy(
                f"copy {table} ({', '.join(frame.columns)}) from stdin") as copy:
            for row in frame.itertuples(index=False):
                copy.write_row([None if (v is None or (isinstance(v, float) and np.isnan(v))
                                         or v is pd.NaT) else v for v in row])
