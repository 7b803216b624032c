"""A small hand-made retail dataset for the dbt tests, with every mart value worked out.

Organisation O1 has two trading sites on Monday 2024-06-03 and two 24-hour sites that only
report on DST days:

- LON (Europe/London, GBP, BST = UTC+1), open 09:00-12:00 local = 08:00-11:00 UTC, one
  entrance line and one passer-by line reporting hourly; POS with sales, returns of both
  signs, a void and a zero-value sale; two staff shifts. Also traded on 2023-06-05, the
  same weekday 364 days earlier (like-for-like).
- BER (Europe/Berlin, EUR, CEST = UTC+2), open 10:00-12:00 local = 08:00-10:00 UTC; its
  entrance line misses the 09:00 UTC interval (a sensor outage), no staff roster.
- B25 (Europe/Berlin, open 00:00-24:00) counts 1 in and 1 out every hour of 2024-10-27,
  the day clocks go back: 25 hours. B23 does the same on 2024-03-31: 23 hours.

LON is in England (GB, GB-ENG), the Berlin sites in Berlin (DE, DE-BE): raw.public_holidays
holds those two calendars as the reference load computes them.

Closures (raw.site_closures) on days LON's data covers (its spine runs every day from
2023-06-05 to 2024-06-03):

- Monday 2024-05-06, the early May bank holiday in England: LON is closed. Its sensor still
  reports its three regular hours (08:00-11:00 UTC), with a cleaner's 1 in / 1 out at
  08:00 UTC, and the POS sends nothing. Were the day open, it would be 3 hours with complete
  traffic (footfall 1) and no sales, so incomplete; closed, it has no hour in
  fct_site_hourly and no row in fct_site_daily.
- Friday 2024-05-24, a staff-training morning: LON opens at 10:00 instead of 09:00 (special
  hours 10:00-12:00 local = 09:00-11:00 UTC). The sensor reports 08:00 UTC too (4 in / 1 out
  of staff before opening): those counts are outside the day's hours and do not count.
  Entrance 09:00 UTC 6 in / 2 out, 10:00 UTC 3 in / 6 out: running net from 10:00 local 4,
  then 1, the imbalance of 1 spread over the 120 open minutes (4 - 1 * 60/120 = 3.5, then
  1 - 1 = 0); one sale (c1, 40.00, 2 units) at 09:30 UTC. The day has exactly 2 hours, both
  complete: footfall 6 + 3 = 9, 1 transaction, conversion 1 / 9, occupancy 3.5 and 0.

These change no other expectation: the weekly and monthly rollups of May 2024 are not
asserted, and no asserted day is one of them. LON also closes on Christmas Day 2024 and
closes early on Christmas Eve, days after its data ends (no hour exists to take away).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

Row = dict[str, Any]


def utc(text: str) -> datetime:
    """'2024-06-03 08:00' -> an aware UTC datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


DELIVERED = utc("2024-06-04 00:00")
WEEK = {f"{day}_{edge}": time for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
        for edge, time in (("open", None), ("close", None))}


COUNTRY = {"UK": ("GB", "GB-ENG"), "DE": ("DE", "DE-BE")}


def _site(site_id: str, region: str, tz: str, currency: str, open_: str, close: str) -> Row:
    hours = {key: (open_ if key.endswith("open") else close) for key in WEEK}
    country, subdivision = COUNTRY[region]
    return {
        "site_id": site_id, "organization_id": "O1", "region_id": region, "name": site_id,
        "site_type": "mall", "timezone": tz, "country": country, "subdivision": subdivision,
        "mall_id": None, "area_sqm": 100.0,
        "currency": currency, "open_date": date(2023, 1, 1), "close_date": None, **hours,
    }


def _line(sensor: str, line: str, site: str, role: str) -> Row:
    return {
        "sensor_id": sensor, "line_id": line, "site_id": site, "vendor": "generic",
        "device_serial": sensor, "device_name": None, "line_role": role,
        "interval_minutes": 60, "max_count_per_interval": None, "is_direction_inverted": False,
    }


def _count(sensor: str, line: str, start: datetime, count_in: int, count_out: int) -> Row:
    return {
        "sensor_id": sensor, "line_id": line, "period_start": start,
        "period_end": start + timedelta(hours=1), "count_in": count_in,
        "count_out": count_out, "received_at": None,
    }


def _sale(ext: str, site: str, ts: str, kind: str, net: str, items: int | None,
          currency: str = "GBP") -> Row:
    return {
        "source_system": "test", "external_id": ext, "site_id": site, "ts": utc(ts),
        "type": kind, "gross_amount": None, "discount": None, "tax": Decimal("1.00"),
        "net_amount": Decimal(net), "currency": currency, "item_count": items,
        "staff_id": None, "customer_id": None, "payment_method": None,
    }


def public_holidays() -> list[Row]:
    """raw.public_holidays as loading the sites computes it (ingestion/reference.py)."""
    from ingestion.reference import public_holiday_frame

    return public_holiday_frame(COUNTRY.values()).to_dicts()


def reference() -> dict[str, list[Row]]:
    return {
        "organizations": [{"organization_id": "O1", "name": "Acme", "reporting_currency": "GBP"}],
        "regions": [
            {"region_id": "UK", "organization_id": "O1", "name": "United Kingdom"},
            {"region_id": "DE", "organization_id": "O1", "name": "Germany"},
        ],
        "sites": [
            _site("LON", "UK", "Europe/London", "GBP", "09:00", "12:00"),
            _site("BER", "DE", "Europe/Berlin", "EUR", "10:00", "12:00"),
            _site("B25", "DE", "Europe/Berlin", "EUR", "00:00", "24:00"),
            _site("B23", "DE", "Europe/Berlin", "EUR", "00:00", "24:00"),
        ],
        "sensors": [
            _line("lon-1", "1", "LON", "entrance"),
            _line("lon-1", "2", "LON", "passerby"),
            _line("ber-1", "1", "BER", "entrance"),
            _line("b25-1", "1", "B25", "entrance"),
            _line("b23-1", "1", "B23", "entrance"),
        ],
        "staff_shifts": [
            {"shift_id": "A", "site_id": "LON", "staff_id": "s1", "role": None,
             "shift_start": utc("2024-06-03 07:30"), "shift_end": utc("2024-06-03 10:30")},
            {"shift_id": "B", "site_id": "LON", "staff_id": "s2", "role": None,
             "shift_start": utc("2024-06-03 09:00"), "shift_end": utc("2024-06-03 11:00")},
        ],
        "site_closures": [
            {"site_id": "LON", "local_date": date(2024, 5, 6), "is_closed": True,
             "open_time": None, "close_time": None, "reason": "Early May bank holiday"},
            {"site_id": "LON", "local_date": date(2024, 5, 24), "is_closed": False,
             "open_time": "10:00", "close_time": "12:00", "reason": "Staff training"},
            {"site_id": "LON", "local_date": date(2024, 12, 24), "is_closed": False,
             "open_time": "09:00", "close_time": "11:00", "reason": "Christmas Eve"},
            {"site_id": "LON", "local_date": date(2024, 12, 25), "is_closed": True,
             "open_time": None, "close_time": None, "reason": "Christmas Day"},
        ],
        "public_holidays": public_holidays(),
    }


def dst_counts() -> list[Row]:
    """1 in / 1 out in every UTC hour of the local days 2024-10-27 (B25) and 2024-03-31 (B23).

    Berlin 2024-10-27 runs 2024-10-26 22:00 UTC .. 2024-10-27 23:00 UTC = 25 hours;
    2024-03-31 runs 2024-03-30 23:00 UTC .. 2024-03-31 22:00 UTC = 23 hours.
    """
    rows = []
    for sensor, first, hours in (("b25-1", utc("2024-10-26 22:00"), 25),
                                 ("b23-1", utc("2024-03-30 23:00"), 23)):
        rows += [_count(sensor, "1", first + timedelta(hours=h), 1, 1) for h in range(hours)]
    return rows


def lon_counts_2024() -> list[Row]:
    return [
        _count("lon-1", "1", utc("2024-06-03 08:00"), 10, 2),
        _count("lon-1", "1", utc("2024-06-03 09:00"), 20, 18),
        _count("lon-1", "1", utc("2024-06-03 10:00"), 0, 6),
        _count("lon-1", "2", utc("2024-06-03 08:00"), 50, 50),
        _count("lon-1", "2", utc("2024-06-03 09:00"), 60, 40),
        _count("lon-1", "2", utc("2024-06-03 10:00"), 0, 0),
    ]


def lon_counts_2023() -> list[Row]:
    return [
        _count("lon-1", "1", utc("2023-06-05 08:00"), 6, 6),
        _count("lon-1", "1", utc("2023-06-05 09:00"), 12, 12),
        _count("lon-1", "1", utc("2023-06-05 10:00"), 2, 2),
        _count("lon-1", "2", utc("2023-06-05 08:00"), 10, 10),
        _count("lon-1", "2", utc("2023-06-05 09:00"), 10, 10),
        _count("lon-1", "2", utc("2023-06-05 10:00"), 10, 10),
    ]


def lon_counts_closures() -> list[Row]:
    """LON's entrance line on its closed holiday (2024-05-06) and short day (2024-05-24)."""
    return [
        _count("lon-1", "1", utc("2024-05-06 08:00"), 1, 1),  # the cleaner
        _count("lon-1", "1", utc("2024-05-06 09:00"), 0, 0),
        _count("lon-1", "1", utc("2024-05-06 10:00"), 0, 0),
        _count("lon-1", "1", utc("2024-05-24 08:00"), 4, 1),  # before the special opening
        _count("lon-1", "1", utc("2024-05-24 09:00"), 6, 2),
        _count("lon-1", "1", utc("2024-05-24 10:00"), 3, 6),
    ]


def ber_counts() -> list[Row]:
    # the 09:00 UTC interval never arrives: a sensor outage
    return [_count("ber-1", "1", utc("2024-06-03 08:00"), 5, 1)]


def lon_sales() -> list[Row]:
    return [
        _sale("p0", "LON", "2023-06-05 09:30", "sale", "80.00", 2),
        _sale("t1", "LON", "2024-06-03 08:15", "sale", "30.00", 2),
        _sale("t2", "LON", "2024-06-03 08:40", "sale", "20.00", 1),
        _sale("t3", "LON", "2024-06-03 09:10", "return", "-10.00", 1),
        _sale("t4", "LON", "2024-06-03 09:20", "void", "99.00", 5),
        _sale("t5", "LON", "2024-06-03 09:30", "sale", "50.00", None),
        _sale("t6", "LON", "2024-06-03 10:30", "return", "5.00", 1),
        _sale("t7", "LON", "2024-06-03 10:45", "sale", "15.00", 1),
        _sale("t8", "LON", "2024-06-03 10:50", "sale", "0.00", 1),
    ]


def lon_sales_closures() -> list[Row]:
    """LON's one sale on its short day; nothing on the closed holiday."""
    return [_sale("c1", "LON", "2024-05-24 09:30", "sale", "40.00", 2)]


def lon_sale_lines() -> list[Row]:
    # t5 has no item_count: its units come from its lines, 2 + 1 = 3
    return [
        {"source_system": "test", "external_id": "t5", "line_no": n, "sku": f"sku{n}",
         "product_name": None, "category": None, "quantity": q, "unit_price": None,
         "line_amount": None}
        for n, q in ((1, 2), (2, 1))
    ]


def ber_sales() -> list[Row]:
    return [
        _sale("b1", "BER", "2024-06-03 08:30", "sale", "100.00", 4, "EUR"),
        _sale("b2", "BER", "2024-06-03 09:30", "sale", "60.00", 2, "EUR"),
    ]


def full() -> dict[str, list[Row]]:
    """The whole dataset, as the mart assertions expect it."""
    return {
        **reference(),
        "sensor_counts": lon_counts_2023() + lon_counts_closures() + lon_counts_2024()
        + ber_counts() + dst_counts(),
        "pos_transactions": lon_sales() + lon_sales_closures() + ber_sales(),
        "pos_transaction_lines": lon_sale_lines(),
    }
