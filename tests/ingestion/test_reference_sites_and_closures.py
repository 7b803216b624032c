"""Sites' country and subdivision, the public holidays computed from them, and site
closures: validated by the reference load on DuckDB and PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from infra.postgres import scratch_database
from infra.settings import Settings
from infra.warehouse import connect_duckdb, connect_postgres
from ingestion.loader import load_landing
from ingestion.raw_tables import ensure_raw_tables
from ingestion.reference import HOLIDAY_YEARS

REPO = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
SITES = (
    "site_id,organization_id,region_id,name,site_type,timezone,country,subdivision,"
    "currency,open_date,mon_open,mon_close\n"
    "s1,org1,r1,Berlin Mitte,store,Europe/Berlin,de,BE,EUR,2020-01-01,09:00,19:00\n"
    "s2,org1,r1,London,store,Europe/London,GB,GB-ENG,GBP,2020-01-01,09:00,19:00\n"
    "s3,org1,r1,Lisbon,store,Europe/Lisbon,PT,,EUR,2020-01-01,09:00,19:00\n"
    "s4,org1,r1,Nowhere,store,Europe/London,XX,,GBP,2020-01-01,09:00,19:00\n"
    "s5,org1,r1,Wrong region,store,Europe/London,GB,DE-BE,GBP,2020-01-01,09:00,19:00\n"
    "s6,org1,r1,No country,store,Europe/London,,ENG,GBP,2020-01-01,09:00,19:00\n"
)
CLOSURES = (
    "site_id,local_date,is_closed,open_time,close_time,reason\n"
    "s1,2026-10-03,true,,,German Unity Day\n"
    "s2,2026-12-24,false,09:00,17:00,Christmas Eve\n"
    "s1,2026-12-25,true,10:00,,closed with hours\n"
    "s2,2026-12-26,false,11:00,,half the hours\n"
    "s2,2026-12-27,false,11:00,5pm,not HH:MM\n"
    "s2,2026-12-28,false,17:00,11:00,close before open\n"
    "s2,2026-12-29,maybe,,,not a boolean\n"
)


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def warehouse(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Any, str]]:
    if request.param == "duckdb":
        conn: Any = connect_duckdb(tmp_path / "warehouse.duckdb")
        ensure_raw_tables(conn, "duckdb")
        yield conn, "duckdb"
        conn.close()
        return
    server = request.getfixturevalue("pg_server_dsn")
    with scratch_database(server, "blipee_ref") as dsn:
        conn = connect_postgres(dsn)
        ensure_raw_tables(conn, "postgres")
        yield conn, "postgres"
        conn.close()


def _land(landing: Path, name: str, text: str) -> None:
    path = landing / "reference" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    stamp = datetime(2026, 10, 31, tzinfo=UTC).timestamp()
    os.utime(path, (stamp, stamp))


def _rows(conn: Any, sql: str) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in conn.execute(sql).fetchall()]


@pytest.fixture
def loaded(warehouse: tuple[Any, str], tmp_path: Path) -> tuple[Any, str, Any]:
    conn, dialect = warehouse
    landing = tmp_path / "landing"
    _land(landing, "sites.csv", SITES)
    _land(landing, "site_closures.csv", CLOSURES)
    settings = Settings(data_dir=tmp_path, landing_dir=landing)
    report = load_landing(conn, dialect, landing, settings=settings, now=NOW)
    again = load_landing(conn, dialect, landing, settings=settings, now=NOW)
    assert again.files_loaded == 0
    return conn, dialect, report


def test_unknown_country_or_subdivision_is_quarantined_naming_column_and_value(loaded):
    conn, _, report = loaded
    assert _rows(conn, "select site_id, country, subdivision from raw.sites order by site_id") \
        == [("s1", "DE", "DE-BE"), ("s2", "GB", "GB-ENG"), ("s3", "PT", None)]
    rejects = _rows(conn, "select line_no, reason_code, reason from raw.quarantine "
                          "where source_file = 'reference/sites.csv' order by line_no")
    assert [(line, code) for line, code, _ in rejects] == [
        (5, "UNKNOWN_CODE"), (6, "UNKNOWN_CODE"), (7, "UNKNOWN_CODE")]
    reasons = [reason for _, _, reason in rejects]
    assert reasons[0].startswith("country 'XX' is not an ISO 3166-1 alpha-2 code")
    assert reasons[1].startswith("subdivision 'DE-BE' is not a subdivision of GB")
    assert reasons[2] == "subdivision 'ENG' given without a country"
    assert report.rows_quarantined["sites"] == 3


def test_public_holidays_are_computed_for_every_country_and_subdivision_once(loaded):
    conn, _, report = loaded
    calendars = _rows(conn, "select country, subdivision, count(*), min(holiday_date), "
                            "max(holiday_date) from raw.public_holidays "
                            "group by country, subdivision order by country")
    assert [c[:2] for c in calendars] == [("DE", "DE-BE"), ("GB", "GB-ENG"), ("PT", "")]
    for _, _, _, first, last in calendars:
        assert first.year == HOLIDAY_YEARS[0] and last.year == HOLIDAY_YEARS[-1]
    named = dict(_rows(conn, "select country, holiday_name from raw.public_holidays "
                             "where holiday_date = cast('2026-10-03' as date)"))
    assert named == {"DE": "German Unity Day"}
    # Berlin's own holiday, not Germany's everywhere
    assert _rows(conn, "select subdivision from raw.public_holidays "
                       "where holiday_date = cast('2026-03-08' as date)") == [("DE-BE",)]
    assert report.rows_loaded["public_holidays"] == sum(c[2] for c in calendars)


def test_closures_are_checked_closed_days_without_hours_special_days_with_both(loaded):
    conn, _, _ = loaded
    kept = _rows(conn, "select site_id, local_date, is_closed, open_time, close_time "
                       "from raw.site_closures order by local_date")
    assert kept == [("s1", date(2026, 10, 3), True, None, None),
                    ("s2", date(2026, 12, 24), False, "09:00", "17:00")]
    rejects = _rows(conn, "select line_no, reason_code, reason from raw.quarantine "
                          "where source_file = 'reference/site_closures.csv' order by line_no")
    assert [(line, code) for line, code, _ in rejects] == [
        (4, "MALFORMED_ROW"), (5, "MALFORMED_ROW"), (6, "MALFORMED_ROW"), (7, "BAD_PERIOD"),
        (8, "MALFORMED_ROW")]
    reasons = [reason for _, _, reason in rejects]
    assert "a closed day has no hours" in reasons[0]
    assert reasons[1].startswith("close_time missing")
    assert reasons[2] == "close_time '5pm' is not a local time HH:MM"
    assert reasons[3] == "close_time 11:00 is not after open_time 17:00"
    assert "is_closed" in reasons[4]


def test_holiday_years_are_dim_dates_calendar() -> None:
    variables = yaml.safe_load((REPO / "dbt_project.yml").read_text())["vars"]
    assert HOLIDAY_YEARS[0] == int(variables["calendar_start"][:4])
    assert HOLIDAY_YEARS[-1] == int(variables["calendar_end"][:4])
