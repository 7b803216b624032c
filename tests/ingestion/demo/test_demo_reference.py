"""Reference CSVs: headers are the raw tables' columns, contents describe the chain."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from demo_landing_reader import header, reference

from ingestion import schemas
from ingestion.demo import DemoSummary

LINEAGE = {"source_file", "source_format", "delivered_at", "ingested_at"}


@pytest.mark.parametrize("table", schemas.REFERENCE_TABLES, ids=lambda t: t.name)
def test_reference_header_is_the_schema_without_lineage(landing: Path,
                                                        table: schemas.Table) -> None:
    expected = [name for name in table.column_names if name not in LINEAGE]
    assert header(landing / "reference" / f"{table.name}.csv") == expected


def test_sites_two_zones_two_currencies_and_sunday_closing(landing: Path) -> None:
    sites = reference(landing, "sites")
    assert len(sites) == 6
    assert {(s["timezone"], s["currency"]) for s in sites} == {
        ("Europe/London", "GBP"), ("Europe/Berlin", "EUR")}
    # template: mall, street, mall, street, mall, street for the first six stores
    assert [s["site_type"] for s in sites] == ["mall", "street"] * 3
    closed_sunday = [s["site_id"] for s in sites if s["sun_open"] == ""]
    assert closed_sunday == ["site_003", "site_006"]  # the German stores
    london_mall = sites[0]
    assert (london_mall["mon_open"], london_mall["mon_close"]) == ("10:00", "22:00")
    london_street = sites[3]
    assert (london_street["sat_open"], london_street["sun_open"]) == ("09:00", "11:00")


def test_sensors_one_row_per_line_and_exactly_one_inverted(landing: Path) -> None:
    sensors = reference(landing, "sensors")
    roles = Counter(row["line_role"] for row in sensors)
    # 6 stores, each with one entrance line and one passer-by line
    assert roles == {"entrance": 6, "passerby": 6}
    assert [r["is_direction_inverted"] for r in sensors].count("true") == 1
    inverted = next(r for r in sensors if r["is_direction_inverted"] == "true")
    assert (inverted["vendor"], inverted["line_role"]) == ("axis", "entrance")
    assert {r["vendor"] for r in sensors} == {"milesight", "axis", "generic", "hikvision"}
    assert {r["interval_minutes"] for r in sensors} == {"15"}


def test_a_twelve_store_chain_has_eight_malls_and_an_ignored_staff_door(tmp_path: Path) -> None:
    from ingestion.demo.chain import build_chain

    chain = build_chain(12, 42)
    assert sum(store.site_type == "mall" for store in chain) == 8
    roles = [line.role for store in chain for device in store.devices for line in device.lines]
    assert roles.count("ignore") == 1
    assert len({store.region.region_id for store in chain}) == 3


def test_pos_locations_cover_every_store_once(landing: Path) -> None:
    rows = reference(landing, "pos_locations")
    assert sorted(r["site_id"] for r in rows) == [f"site_{i:03d}" for i in range(1, 7)]
    assert Counter(r["source_system"] for r in rows) == {"shopify": 2, "square": 2,
                                                         "sap_pos": 2}


def test_targets_cover_every_method_of_the_demo(landing: Path, demo: DemoSummary) -> None:
    targets = {t["target_id"]: t for t in reference(landing, "targets_input")}
    keys = {tid: (t["level"], t["level_id"], t["metric"], t["method"], t["period_type"],
                  t["period_start"], t["period_end"], t["cascade_to"])
            for tid, t in targets.items()}
    assert keys == {
        "tgt_org_demo_net_sales_fy2026": ("organization", "org_demo", "net_sales",
                                          "historical", "custom", "2026-01-01", "2026-12-31",
                                          "site"),
        "tgt_reg_uk_north_footfall_2026q4": ("region", "reg_uk_north", "footfall",
                                             "potential", "quarter", "2026-10-01", "",
                                             "site"),
        # the last whole month before the window's end (2026-10-30)
        "tgt_org_demo_conversion_rate_2026_09": ("organization", "org_demo",
                                                 "conversion_rate", "historical", "month",
                                                 "2026-09-01", "", "site"),
        "tgt_reg_de_net_sales_2026_10_bottom_up": ("region", "reg_de", "net_sales",
                                                   "bottom_up", "month", "2026-10-01", "",
                                                   "site"),
        "tgt_site_003_net_sales_2026_10": ("site", "site_003", "net_sales", "historical",
                                           "month", "2026-10-01", "", "staff"),
        "tgt_site_006_net_sales_2026_10": ("site", "site_006", "net_sales", "historical",
                                           "month", "2026-10-01", "", "staff"),
        "tgt_reg_uk_south_net_sales_2026_10_weighted": ("region", "reg_uk_south",
                                                        "net_sales", "weighted", "month",
                                                        "2026-10-01", "", "site"),
    }
    annual = targets["tgt_org_demo_net_sales_fy2026"]
    plan = float(annual["target_value"])
    assert (float(annual["stretch_value"]), float(annual["minimum_value"])) == pytest.approx(
        (plan * 1.1, plan * 0.95))
    # a month of a store is about a twelfth of the chain's year over six stores (in EUR)
    for site in ("site_003", "site_006"):
        month = float(targets[f"tgt_{site}_net_sales_2026_10"]["target_value"])
        assert plan / 12 / 6 * 0.6 < month < plan / 12 / 6 * 1.6
    bottom_up = targets["tgt_reg_de_net_sales_2026_10_bottom_up"]
    assert (bottom_up["target_value"], bottom_up["currency"]) == ("", "EUR")
    assert 0.1 < float(targets["tgt_org_demo_conversion_rate_2026_09"]["target_value"]) < 0.3
    assert targets["tgt_org_demo_conversion_rate_2026_09"]["currency"] == ""


def test_the_weighted_target_has_weights_a_cap_and_a_floor(landing: Path) -> None:
    rows = reference(landing, "target_constraints")
    target_id = "tgt_reg_uk_south_net_sales_2026_10_weighted"
    assert {r["target_id"] for r in rows} == {target_id}
    by_site = {r["org_unit_id"]: r for r in rows}
    assert set(by_site) == {"site_001", "site_004"}  # the region's stores
    (target,) = [t for t in reference(landing, "targets_input") if t["target_id"] == target_id]
    value = float(target["target_value"])
    weights = {site: float(r["weight"]) for site, r in by_site.items()}
    share = {site: value * w / sum(weights.values()) for site, w in weights.items()}
    capped = [r for r in rows if r["cap_value"]]
    floored = [r for r in rows if r["floor_value"]]
    assert len(capped) == len(floored) == 1
    # the cap binds (under the weighted share), so does the floor (above it)
    assert float(capped[0]["cap_value"]) < share[capped[0]["org_unit_id"]]
    assert float(floored[0]["floor_value"]) > share[floored[0]["org_unit_id"]]
    assert float(capped[0]["cap_value"]) + float(floored[0]["floor_value"]) <= value


def test_org_units_put_a_floor_two_teams_and_the_staff_under_each_store(landing: Path
                                                                        ) -> None:
    rows = reference(landing, "org_units")
    assert len(rows) == 6 * (1 + 2 + 14)
    units = {(r["org_unit_level"], r["org_unit_id"]): (r["parent_level"], r["parent_id"])
             for r in rows}
    assert units[("department", "site_003_floor")] == ("site", "site_003")
    assert units[("team", "site_003_team_a")] == ("department", "site_003_floor")
    assert units[("team", "site_003_team_b")] == ("department", "site_003_floor")
    assert units[("staff", "site_003_e07")] == ("team", "site_003_team_a")
    assert units[("staff", "site_003_e08")] == ("team", "site_003_team_b")
    assert {r["org_unit_name"] for r in rows if r["org_unit_level"] == "department"} == {
        "Sales floor"}
    # every staff member of the shifts is listed
    staff = {r["staff_id"] for r in reference(landing, "staff_shifts")}
    assert staff <= {unit for level, unit in units if level == "staff"}


def test_events_hold_promotions_and_a_mall_event(landing: Path) -> None:
    types = Counter(row["event_type"] for row in reference(landing, "events"))
    assert types["promotion"] >= 1 and types["mall_event"] == 1


def test_holidays_come_from_the_holidays_package(holiday_demo: DemoSummary) -> None:
    events = reference(holiday_demo.landing_dir, "events")
    holidays = {(e["region_id"], e["start_date"]) for e in events if e["event_type"] == "holiday"}
    assert ("reg_uk_south", "2026-08-31") in holidays  # Summer Bank Holiday
    assert ("reg_de", "2026-10-03") in holidays  # Tag der Deutschen Einheit


def test_weather_is_hourly_per_site(landing: Path) -> None:
    rows = reference(landing, "weather")
    per_site = Counter(r["site_id"] for r in rows)
    # 14 local days of 24 hours, plus one 25-hour day (2026-10-25, clocks go back)
    assert set(per_site.values()) == {14 * 24 + 1}
    assert all(r["ts"].endswith("+00:00") for r in rows)


def test_staff_shifts_are_utc_and_cover_the_opening(landing: Path) -> None:
    rows = [r for r in reference(landing, "staff_shifts") if r["site_id"] == "site_001"]
    day = [r for r in rows if r["shift_id"].startswith("site_001_20261020")]
    # 2026-10-20 is BST (+01:00): the store opens 10:00 local = 09:00 UTC, the opening
    # pair starts half an hour before
    assert min(r["shift_start"] for r in day) == "2026-10-20T08:30:00+00:00"
    assert max(r["shift_end"] for r in day) == "2026-10-20T21:30:00+00:00"  # 22:30 local


def test_sites_carry_their_iso_country_and_subdivision(landing: Path) -> None:
    sites = reference(landing, "sites")
    assert {(s["timezone"], s["country"], s["subdivision"]) for s in sites} == {
        ("Europe/London", "GB", "GB-ENG"), ("Europe/Berlin", "DE", "DE-BE")}


@pytest.mark.parametrize("stores", [12, 60])
def test_every_store_has_a_name_of_its_own(stores: int) -> None:
    from ingestion.demo.chain import build_chain

    names = [store.name for store in build_chain(stores, 42)]
    assert len(set(names)) == len(names), Counter(names).most_common(3)
    mall_ids = [store.mall_id for store in build_chain(stores, 42) if store.mall_id]
    assert len(set(mall_ids)) == len(mall_ids)


def test_closures_list_the_days_the_stores_close_or_open_differently(
        holiday_demo: DemoSummary) -> None:
    closures = {(c["site_id"], c["local_date"]): c
                for c in reference(holiday_demo.landing_dir, "site_closures")}
    # German Unity Day: the German store (site_003) is shut, with the holiday as the reason
    unity = closures[("site_003", "2026-10-03")]
    assert (unity["is_closed"], unity["open_time"], unity["close_time"]) == ("true", "", "")
    assert unity["reason"] == "German Unity Day"
    # the August bank holiday: the London street store opens on Sunday hours; the mall's
    # Sunday hours are its weekday hours, so it has no row
    bank = closures[("site_002", "2026-08-31")]
    assert (bank["is_closed"], bank["open_time"], bank["close_time"]) == (
        "false", "11:00", "17:00")
    assert ("site_001", "2026-08-31") not in closures
    # Sundays closed by the weekly hours are not closures
    assert ("site_003", "2026-10-04") not in closures
    assert set(closures) == {("site_003", "2026-10-03"), ("site_002", "2026-08-31")}


def test_christmas_closes_every_store_and_christmas_eve_closes_early(tmp_path: Path) -> None:
    from ingestion.demo import generate_demo

    summary = generate_demo(tmp_path / "landing", stores=3, days=3, seed=42,
                            end_date=date(2026, 12, 26))
    rows = {(c["site_id"], c["local_date"]): (c["is_closed"], c["open_time"], c["close_time"])
            for c in reference(summary.landing_dir, "site_closures")}
    assert rows == {
        ("site_001", "2026-12-24"): ("false", "10:00", "17:00"),
        ("site_001", "2026-12-25"): ("true", "", ""),
        ("site_002", "2026-12-24"): ("false", "09:00", "17:00"),
        ("site_002", "2026-12-25"): ("true", "", ""),
        ("site_002", "2026-12-26"): ("false", "11:00", "17:00"),  # Boxing Day, Sunday hours
        ("site_003", "2026-12-24"): ("false", "10:00", "14:00"),
        ("site_003", "2026-12-25"): ("true", "", ""),
        ("site_003", "2026-12-26"): ("true", "", ""),  # Second Day of Christmas
    }
