"""A chain's raw tables for the transformation benchmark, generated inside DuckDB.

Everything is SQL over `range()`, so 35M counting rows take seconds, not a Python loop.
Counts are deterministic: a hash of (site, interval, line) scaled by a daytime profile.
The history runs from START (midnight UTC) for `days` days plus HISTORY_TAIL_HOURS, so the
hour that lands next (`next_hour_start`) is a trading hour in London and Berlin, not night.

Shape per site: one sensor with an entrance line (1) and a passer-by line (2) reporting every
`interval_minutes` around the clock; POS transactions during trading hours (a few per hour,
shaped like the footfall); a line item for one transaction in LINE_EVERY; two staff shifts a
day. Sites alternate by region between Europe/London (GBP) and Europe/Berlin (EUR, closed on
Sundays).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import duckdb

START = datetime(2025, 1, 6, tzinfo=UTC)  # a Monday
HISTORY_TAIL_HOURS = 12  # the history ends at 12:00 UTC, so the next hour is a trading hour
REGIONS = 10
UK_REGIONS = 4  # regions 0..3 are in the UK (Europe/London, GBP), the rest in Germany
TRADING_UTC_HOURS = (9, 18)  # POS hours (UTC) inside 09:00-21:00 local in both zones, all year
UK_SUNDAY_UTC_HOURS = (11, 15)  # inside 11:00-17:00 London time
LINE_EVERY = 50  # one transaction in 50 also has a line item (units come from item_count)
SOURCE_SYSTEM = "bench_pos"


@dataclass(frozen=True)
class Shape:
    """The generated chain's size."""

    stores: int
    days: int
    interval_minutes: int

    @property
    def intervals_per_hour(self) -> int:
        return 60 // self.interval_minutes

    @property
    def history_end(self) -> datetime:
        return START + timedelta(days=self.days, hours=HISTORY_TAIL_HOURS)

    @property
    def history_intervals(self) -> int:
        return (self.days * 24 + HISTORY_TAIL_HOURS) * self.intervals_per_hour

    def next_hour_start(self, hours_after: int = 0) -> datetime:
        """Start of the `hours_after`-th hour after the history (0 = the first new hour)."""
        return self.history_end + timedelta(hours=hours_after)


def _ts(value: datetime) -> str:
    return f"timestamptz '{value.isoformat()}'"


def _site_expr(column: str) -> str:
    return f"'s' || lpad(cast({column} as varchar), 4, '0')"


def _unit(seed: str) -> str:
    """A deterministic pseudo-random number in [0, 1) from a SQL expression."""
    return f"(hash({seed}) % 1000000) / 1000000.0"


def _profile(utc_hour: str) -> str:
    """Daytime weight in [0, 1]: 0 before 06:00 and after 20:00 UTC, peak at 13:00."""
    return f"greatest(0.0, 1.0 - abs({utc_hour} - 13) / 7.0)"


def insert_reference(conn: duckdb.DuckDBPyConnection, shape: Shape) -> None:
    """organizations, regions, sites (with opening hours), sensors, pos_locations."""
    lineage = ("'bench/reference.csv', 'reference_csv', "
               f"{_ts(START - timedelta(days=1))}, {_ts(START - timedelta(days=1))}")
    conn.execute(
        f"insert into raw.organizations values ('bench', 'Bench Retail', 'EUR', {lineage})")
    conn.execute(f"""
        insert into raw.regions
        select 'r' || lpad(cast(r as varchar), 2, '0'), 'bench',
               case when r < {UK_REGIONS} then 'UK ' else 'DE ' end || r, {lineage}
        from range({REGIONS}) as t(r)
    """)
    week = ", ".join(
        "'09:00', '21:00'" if day != "sun" else
        "case when is_uk then '11:00' end, case when is_uk then '17:00' end"
        for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    )
    conn.execute(f"""
        insert into raw.sites
        select {_site_expr('i')}, 'bench', 'r' || lpad(cast(i % {REGIONS} as varchar), 2, '0'),
               'Store ' || i, 'store',
               case when is_uk then 'Europe/London' else 'Europe/Berlin' end,
               case when is_uk then 'GB' else 'DE' end, null,
               'mall' || (i % 37), 400 + (i % 9) * 100,
               case when is_uk then 'GBP' else 'EUR' end,
               date '2020-01-01', null, {week}, {lineage}
        from (select i, i % {REGIONS} < {UK_REGIONS} as is_uk
              from range({shape.stores}) as t(i))
    """)
    conn.execute(f"""
        insert into raw.sensors
        select 'sen' || lpad(cast(i as varchar), 4, '0'), cast(line as varchar),
               {_site_expr('i')}, 'generic', 'SN' || i, 'door ' || i,
               case when line = 1 then 'entrance' else 'passerby' end,
               {shape.interval_minutes}, 2000, false, {lineage}
        from range({shape.stores}) as s(i), range(1, 3) as l(line)
    """)
    conn.execute(f"""
        insert into raw.pos_locations
        select '{SOURCE_SYSTEM}', 'loc' || i, {_site_expr('i')}, {lineage}
        from range({shape.stores}) as t(i)
    """)


def insert_sensor_counts(conn: duckdb.DuckDBPyConnection, shape: Shape, first: int,
                         count: int) -> None:
    """Intervals first .. first+count-1 (from START) of every store and line."""
    minutes = shape.interval_minutes
    start = f"{_ts(START)} + to_minutes(cast(k * {minutes} as bigint))"
    scale = f"{_unit('i, k, line')}"
    conn.execute(f"""
        insert into raw.sensor_counts
        select sensor_id, line_id, period_start, period_end,
               cast(floor(weight * base * (0.6 + 0.8 * r_in)) as integer) as count_in,
               cast(floor(weight * base * (0.6 + 0.8 * r_out)) as integer) as count_out,
               period_end + interval 2 minute as received_at,
               'bench/sensors/' || strftime(period_start, '%Y-%m-%d') || '.csv',
               'generic_csv',
               period_end + interval 5 minute as delivered_at,
               period_end + interval 6 minute as ingested_at
        from (
            select 'sen' || lpad(cast(i as varchar), 4, '0') as sensor_id,
                   cast(line as varchar) as line_id,
                   {start} as period_start,
                   {start} + to_minutes({minutes}) as period_end,
                   case when line = 1 then (6 + i % 11) * {minutes} / 15.0
                        else (60 + i % 50) * {minutes} / 15.0 end as base,
                   case when line = 1 then {_profile('hour(period_start)')}
                        else 0.1 + {_profile('hour(period_start)')} end as weight,
                   {scale} as r_in,
                   {_unit('k, i, line, 7')} as r_out
            from range({first}, {first + count}) as t(k),
                 range({shape.stores}) as s(i),
                 range(1, 3) as l(line)
        )
    """)


def insert_pos(conn: duckdb.DuckDBPyConnection, shape: Shape, first_hour: int,
               hours: int) -> None:
    """Transactions (and a few line items) of hours first_hour .. +hours-1 from START."""
    low, high = TRADING_UTC_HOURS
    sun_low, sun_high = UK_SUNDAY_UTC_HOURS
    conn.execute(f"""
        create or replace temp table bench_pos as
        select i, h, n, hour_start,
               {_site_expr('i')} as site_id,
               case when is_uk then 'GBP' else 'EUR' end as currency,
               'tx-' || i || '-' || h || '-' || n as external_id,
               {_unit('i, h, n')} as r
        from (
            select *, unnest(range(per_hour)) as n
            from (
                select i, h, i % {REGIONS} < {UK_REGIONS} as is_uk,
                       {_ts(START)} + to_hours(cast(h as bigint)) as hour_start,
                       cast(floor((3 + i % 7) * {_profile("h % 24")} * 2.0
                                  * (0.5 + {_unit('h, i')})) as integer) as per_hour
                from range({first_hour}, {first_hour + hours}) as t(h),
                     range({shape.stores}) as s(i)
            )
            where h % 24 between {low} and {high}
              and ((h // 24) % 7 <> 6  -- START is a Monday: day 6 is a Sunday
                   or (is_uk and h % 24 between {sun_low} and {sun_high}))
        )
    """)
    conn.execute(f"""
        insert into raw.pos_transactions
        select '{SOURCE_SYSTEM}', external_id, site_id,
               hour_start + to_seconds(cast(floor(r * 3599) as bigint)) as ts,
               case when r < 0.94 then 'sale' when r < 0.97 then 'return'
                    when r < 0.99 then 'exchange' else 'void' end as type,
               amount * 1.2, 0, amount * 0.2,
               case when r >= 0.94 and r < 0.97 then -amount
                    when r >= 0.97 and r < 0.99 then amount / 10 else amount end,
               currency, 1 + cast(floor(r * 1000) as integer) % 4, 'staff' || (n % 5),
               md5('c' || external_id), case when n % 3 = 0 then 'cash' else 'card' end,
               'bench/pos/' || strftime(hour_start, '%Y-%m-%d') || '.json', 'pos_json',
               hour_start + interval 65 minute, hour_start + interval 66 minute
        from (select *, cast(10 + floor({_unit('external_id')} * 9000) / 100 as decimal(18, 4))
                        as amount
              from bench_pos)
    """)
    conn.execute(f"""
        insert into raw.pos_transaction_lines
        select '{SOURCE_SYSTEM}', external_id, 1, 'SKU' || (n % 97), 'Product ' || (n % 97),
               'category ' || (n % 5), 1, 10, 10,
               'bench/pos/' || strftime(hour_start, '%Y-%m-%d') || '.json', 'pos_json',
               hour_start + interval 65 minute, hour_start + interval 66 minute
        from bench_pos
        where (h + i + n) % {LINE_EVERY} = 0
    """)
    conn.execute("drop table bench_pos")


def insert_staff_shifts(conn: duckdb.DuckDBPyConnection, shape: Shape) -> None:
    """Two shifts per store and day, 08:00-15:00 and 14:00-21:00 UTC."""
    conn.execute(f"""
        insert into raw.staff_shifts
        select 'sh-' || i || '-' || d || '-' || shift,
               {_site_expr('i')}, 'staff' || (i * 2 + shift),
               {_ts(START)} + to_days(cast(d as integer)) + to_hours(8 + shift * 6),
               {_ts(START)} + to_days(cast(d as integer)) + to_hours(15 + shift * 6),
               case when shift = 0 then 'opening' else 'closing' end,
               'bench/rota.csv', 'staff_csv', {_ts(START)}, {_ts(START)}
        from range({shape.days + 1}) as t(d), range({shape.stores}) as s(i),
             range(2) as x(shift)
    """)


def fill_history(conn: duckdb.DuckDBPyConnection, shape: Shape, chunk_days: int = 30) -> None:
    """Every raw table's history; counts are inserted in time order, chunk by chunk."""
    insert_reference(conn, shape)
    insert_staff_shifts(conn, shape)
    insert_targets(conn, shape)
    per_day = 24 * shape.intervals_per_hour
    for first in range(0, shape.history_intervals, chunk_days * per_day):
        insert_sensor_counts(conn, shape, first,
                             min(chunk_days * per_day, shape.history_intervals - first))
    history_hours = shape.days * 24 + HISTORY_TAIL_HOURS
    for first in range(0, history_hours, chunk_days * 24):
        insert_pos(conn, shape, first, min(chunk_days * 24, history_hours - first))


def land_hour(conn: duckdb.DuckDBPyConnection, shape: Shape, hours_after: int = 0) -> None:
    """The rows of one new hour for every store: counts of every line and the transactions."""
    hour = shape.days * 24 + HISTORY_TAIL_HOURS + hours_after
    insert_sensor_counts(conn, shape, hour * shape.intervals_per_hour, shape.intervals_per_hour)
    insert_pos(conn, shape, hour, 1)


def insert_targets(conn: duckdb.DuckDBPyConnection, shape: Shape) -> None:
    """Targets as a chain sets them, for the targets marts: the organisation's sales year
    (cascaded to every store), its conversion for a month, each region's footfall quarter,
    and every store's sales month cascaded to its staff."""
    lineage = f"'bench/targets_input.csv', 'reference_csv', {_ts(START)}, {_ts(START)}"
    columns = ("target_id, organization_id, level, level_id, metric, period_start, period_end, "
               "target_value, currency, method, name, period_type, stretch_value, "
               "minimum_value, hybrid_weight, cascade_to, source_file, source_format, "
               "delivered_at, ingested_at")
    conn.execute("delete from raw.targets_input")
    conn.execute(f"""
        insert into raw.targets_input ({columns}) values
        ('org_sales_fy', 'bench', 'organization', 'bench', 'net_sales', date '2025-10-01',
         date '2026-09-30', {250_000 * shape.stores}, 'EUR', 'historical', 'Sales year',
         'custom', null, null, null, 'site', {lineage}),
        ('org_conversion_dec', 'bench', 'organization', 'bench', 'conversion_rate',
         date '2025-12-01', null, 0.2, null, 'historical', 'Conversion, December', 'month',
         null, null, null, 'site', {lineage})
    """)
    conn.execute(f"""
        insert into raw.targets_input ({columns})
        select 'footfall_q4_' || region_id, 'bench', 'region', region_id, 'footfall',
               date '2025-10-01', null, 100000 * {max(shape.stores // REGIONS, 1)}, null,
               'potential', 'Footfall Q4', 'quarter', null, null, null, 'site', {lineage}
        from raw.regions
    """)
    conn.execute(f"""
        insert into raw.targets_input ({columns})
        select 'store_sales_dec_' || site_id, 'bench', 'site', site_id, 'net_sales',
               date '2025-12-01', null, 25000, currency, 'historical', 'December', 'month',
               null, null, null, 'staff', {lineage}
        from raw.sites
    """)
