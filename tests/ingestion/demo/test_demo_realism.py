"""The demo behaves like shops: weekday and hour shapes, hours, holidays, weather, sales."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
from demo_landing_reader import (
    axis_rows,
    daily_entrance,
    hourly_entrance,
    milesight_line,
    reference,
    shopify_orders,
)

from ingestion.demo import DemoSummary
from ingestion.demo.chain import build_chain

CHAIN = build_chain(6, 42)
MALL = CHAIN[0].devices[0].serial  # site_001, London mall, Milesight line 1 entrance
MALL_NORTH = CHAIN[4].devices[0].serial  # site_005, Manchester mall
STREET_AXIS = CHAIN[1].devices[0].serial  # site_002, Manchester street, inverted


def _weekday_mean(daily: dict[str, int], weekday: int) -> float:
    values = [v for d, v in daily.items() if date.fromisoformat(d).weekday() == weekday]
    return sum(values) / len(values)


def test_mall_saturday_beats_tuesday(landing: Path) -> None:
    for serial in (MALL, MALL_NORTH):
        daily = daily_entrance(landing, serial)
        assert _weekday_mean(daily, 5) > 1.3 * _weekday_mean(daily, 1)


def test_mall_peaks_later_in_the_day_than_the_street(landing: Path) -> None:
    mall = hourly_entrance(landing, MALL)
    street: dict[int, int] = defaultdict(int)
    for path in (landing / "sensors" / "axis" / STREET_AXIS).glob("????-??-??.csv"):
        for start, _, _, file_out in axis_rows(path):
            street[int(start[11:13])] += file_out  # inverted: the file's out is entries
    mall_peak = max(mall, key=mall.get)
    street_peak = max(street, key=street.get)
    assert 15 <= mall_peak <= 18  # afternoon / early evening
    assert 12 <= street_peak <= 13  # lunchtime
    assert mall_peak > street_peak


def test_entrance_counts_only_inside_opening_hours_plus_staff(landing: Path) -> None:
    # London mall 10:00-22:00: staff arrive from 09:30 and the last people leave by 22:30
    outside = inside_band = total = 0
    for path in (landing / "sensors" / "milesight" / MALL).glob("????-??-??.jsonl"):
        for start, count_in, count_out in milesight_line(path, 1):
            minute = start.hour * 60 + start.minute
            total += count_in + count_out
            if minute < 9 * 60 + 30 or minute >= 22 * 60 + 30:
                outside += count_in + count_out
            elif minute < 10 * 60:
                inside_band += count_in + count_out
    assert outside == 0
    # before opening: the opening pair only (2 people a day, 14 days, one stray at most)
    assert inside_band <= 2 * 14
    assert total > 10_000


def test_passers_by_are_several_times_the_footfall(landing: Path) -> None:
    entries = sum(daily_entrance(landing, MALL, line=1).values())
    mall_traffic = 0
    for path in (landing / "sensors" / "milesight" / MALL).glob("????-??-??.jsonl"):
        mall_traffic += sum(i + o for _, i, o in milesight_line(path, 2))
    assert 4 * entries < mall_traffic < 12 * entries


def test_bank_holiday_lifts_the_mall_and_drops_the_street(holiday_demo: DemoSummary) -> None:
    landing = holiday_demo.landing_dir
    mall = daily_entrance(landing, MALL)
    other_mondays = [v for d, v in mall.items()
                     if date.fromisoformat(d).weekday() == 0 and d != "2026-08-31"]
    assert mall["2026-08-31"] > 1.2 * max(other_mondays)
    street = {}
    for path in (landing / "sensors" / "axis" / STREET_AXIS).glob("????-??-??.csv"):
        street[path.stem] = sum(row[3] for row in axis_rows(path))
    other = [v for d, v in street.items()
             if date.fromisoformat(d).weekday() == 0 and d != "2026-08-31"]
    assert street["2026-08-31"] < 0.8 * min(other)


def test_german_stores_are_shut_on_unity_day_and_sundays(holiday_demo: DemoSummary) -> None:
    landing = holiday_demo.landing_dir
    berlin = CHAIN[2].devices[0].serial  # site_003, cumulative Milesight
    for day, expect_open in (("2026-10-03", False), ("2026-10-04", False),
                             ("2026-10-02", True), ("2026-09-26", True)):
        path = landing / "sensors" / "milesight" / berlin / f"{day}.jsonl"
        totals = [json_total(line) for line in path.read_text().splitlines()]
        assert (max(totals) > 0) is expect_open, day
    # the DE POS has no ticket on the holiday
    sap = (landing / "pos" / "generic" / "sap_pos" / "sales_2026-10-03.csv").read_text()
    assert sap.count("\n") == 1  # header only


def json_total(line: str) -> int:
    doc = json.loads(line)
    return next(x["total"]["in_counted"] for x in doc["line_total_data"] if x["line"] == 1)


def test_rain_moves_street_traffic_into_the_mall(holiday_demo: DemoSummary) -> None:
    # Over 40 days, compare open quarter-hours in hours with >= 1 mm of rain (full effect:
    # streets -30 %, malls +12 %) with dry ones at the same stores and times of day.
    landing = holiday_demo.landing_dir
    weather = reference(landing, "weather")

    def rainy(site: str) -> set[str]:
        return {r["ts"][:13] for r in weather
                if r["site_id"] == site and float(r["precipitation_mm"]) >= 1.0}

    wet, dry = [], []
    street_rain = rainy("site_002")
    for path in (landing / "sensors" / "axis" / STREET_AXIS).glob("????-??-??.csv"):
        for start, _, _, entries in axis_rows(path):
            local = datetime.fromisoformat(start)
            if 12 <= local.hour < 17 and local.weekday() != 6:
                (wet if _utc_hour(local) in street_rain else dry).append(entries)
    assert len(wet) >= 8
    assert np.mean(wet) < 0.85 * np.mean(dry)
    wet, dry = [], []
    mall_rain = rainy("site_001")
    for path in (landing / "sensors" / "milesight" / MALL).glob("????-??-??.jsonl"):
        for start, entries, _ in milesight_line(path, 1):
            if 12 <= start.hour < 20 and start.weekday() != 5:
                hour = start.astimezone(UTC).strftime("%Y-%m-%dT%H")
                (wet if hour in mall_rain else dry).append(entries)
    assert len(wet) >= 8
    assert np.mean(wet) > 1.05 * np.mean(dry)


def _utc_hour(local: datetime) -> str:
    aware = local.replace(tzinfo=ZoneInfo("Europe/London"))
    return aware.astimezone(UTC).strftime("%Y-%m-%dT%H")


def test_sales_follow_traffic(landing: Path) -> None:
    entries = daily_entrance(landing, MALL)
    location = int(next(r["location_id"] for r in reference(landing, "pos_locations")
                        if r["site_id"] == "site_001"))
    sales: dict[str, set[int]] = defaultdict(set)
    for order in shopify_orders(landing):
        if order["location_id"] == location and order["cancelled_at"] is None:
            sales[order["created_at"][:10]].add(order["id"])
    days = sorted(entries)
    r = np.corrcoef([entries[d] for d in days], [len(sales[d]) for d in days])[0, 1]
    assert r > 0.8
    conversion = sum(len(sales[d]) for d in days) / sum(entries.values())
    assert 0.1 < conversion < 0.3


def test_voids_about_one_percent_returns_three_to_five(landing: Path) -> None:
    orders = {o["id"]: o for o in shopify_orders(landing)}  # a refunded order comes twice
    voids = sum(o["cancelled_at"] is not None for o in orders.values())
    refunded = sum(bool(o["refunds"]) for o in orders.values())
    sales = len(orders) - voids
    assert 0.003 < voids / len(orders) < 0.025
    # returns come 1-7 days later, so the last week's sales are not all back yet
    assert 0.015 < refunded / sales < 0.06


def test_counts_and_tickets_keep_to_the_closures_file(holiday_demo: DemoSummary) -> None:
    """The street store's Sunday hours on the August bank holiday (11:00-17:00, a row of
    site_closures.csv): nobody enters outside them but the staff in the half hour around."""
    landing = holiday_demo.landing_dir
    (row,) = [c for c in reference(landing, "site_closures")
              if (c["site_id"], c["local_date"]) == ("site_002", "2026-08-31")]
    opens, closes = row["open_time"], row["close_time"]
    rows = axis_rows(landing / "sensors" / "axis" / STREET_AXIS / "2026-08-31.csv")
    # the device is mounted inverted: its `out` column is the store's entries
    outside = [r for r in rows if r[0][11:16] < "10:30" or r[0][11:16] >= "17:30"]
    assert outside and all(r[3] == 0 and r[2] == 0 for r in outside)
    assert sum(r[3] for r in rows if opens <= r[0][11:16] < closes) > 0
