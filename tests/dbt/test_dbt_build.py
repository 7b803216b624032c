"""`dbt build` on DuckDB and PostgreSQL over a hand-made dataset, checking mart values.

The dataset and the arithmetic behind each expected number are in dataset.py and in the
comments below. The same assertions run against both warehouses.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import dbt_dataset as dataset
import pytest
from dbt_rows import load
from dbt_runner import run_dbt

from infra.postgres import dbt_env, scratch_database
from infra.warehouse import connect_duckdb, connect_postgres
from ingestion.raw_tables import ensure_raw_tables

Query = Callable[[str], list[tuple[Any, ...]]]
pytestmark = [pytest.mark.slow, pytest.mark.dbt]


@pytest.fixture(
    scope="module", params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def built(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Query]:
    """The full dataset loaded and `dbt build` run once per warehouse; yields a query fn."""
    work = tmp_path_factory.mktemp(f"dbt-{request.param}")
    if request.param == "duckdb":
        path = work / "warehouse.duckdb"
        conn = connect_duckdb(path)
        ensure_raw_tables(conn, "duckdb")
        load(conn, "duckdb", dataset.full(), dataset.DELIVERED)
        conn.close()
        run_dbt(["build"], "duckdb", {"BLIPEE_DUCKDB_PATH": str(path)}, work)
        reader = connect_duckdb(path)
        yield lambda sql: reader.execute(sql).fetchall()
        reader.close()
        return
    server = request.getfixturevalue("pg_server_dsn")
    with scratch_database(server, prefix="blipee_dbt") as dsn:
        conn = connect_postgres(dsn)
        ensure_raw_tables(conn, "postgres")
        load(conn, "postgres", dataset.full(), dataset.DELIVERED)
        run_dbt(["build"], "postgres", dbt_env(dsn), work)
        yield lambda sql: conn.execute(sql).fetchall()
        conn.close()


def one(query: Query, sql: str) -> dict[str, Any]:
    """The single row of `sql` as a dict (column names from the select list)."""
    rows = query(sql)
    assert len(rows) == 1, f"expected one row, got {rows}"
    columns = [c.strip().split(" as ")[-1].split(".")[-1] for c in _select_list(sql)]
    return dict(zip(columns, rows[0], strict=True))


def _select_list(sql: str) -> list[str]:
    return sql.split("select", 1)[1].split(" from ", 1)[0].split(",")


def approx(value: float | None) -> Any:
    return None if value is None else pytest.approx(value, abs=1e-4)


def _floats(row: dict[str, Any]) -> dict[str, Any]:
    return {k: (float(v) if v is not None and not isinstance(v, bool | str | date) else v)
            for k, v in row.items()}


HOURLY_COLUMNS = (
    "local_hour, footfall, exits, passersby, capture_rate, transactions, returns, voids, "
    "net_sales, units, atv, upt, conversion_rate, sales_per_visitor, staff_hours, "
    "shopper_to_staff, sales_per_staff_hour, occupancy_avg, avg_dwell_minutes, data_complete"
)


def hourly(query: Query, site: str, hour_utc: str) -> dict[str, Any]:
    sql = (
        f"select {HOURLY_COLUMNS} from marts.fct_site_hourly where site_id = '{site}' "
        f"and hour_start_at = cast('{hour_utc}+00' as timestamptz)"
    )
    return _floats(one(query, sql))


def test_lon_hour_with_sales_and_staff(built: Query) -> None:
    row = hourly(built, "LON", "2024-06-03 08:00:00")
    assert row == {
        "local_hour": 9,  # 08:00 UTC is 09:00 BST
        "footfall": 10, "exits": 2, "passersby": 100,  # 50 in + 50 out on the passer-by line
        "capture_rate": approx(0.1),  # 10 / 100
        "transactions": 2, "returns": 0, "voids": 0,
        "net_sales": approx(50.0), "units": 3,  # t1 30 (2 units) + t2 20 (1 unit)
        "atv": approx(25.0), "upt": approx(1.5), "conversion_rate": approx(0.2),
        "sales_per_visitor": approx(5.0),
        "staff_hours": approx(1.0),  # shift A 07:30-10:30 covers the whole hour
        "shopper_to_staff": approx(10.0), "sales_per_staff_hour": approx(50.0),
        # running net 8, 10, 4 at 10:00, 11:00, 12:00 local; imbalance 4 spread over 3 h:
        # 8 - 4 * 1/3 = 6.6667; dwell = 6.6667 persons * 60 min / 10 entries = 40 min
        "occupancy_avg": approx(8 - 4 / 3), "avg_dwell_minutes": approx(40.0),
        "data_complete": True,
    }


def test_lon_hour_with_return_void_and_lines(built: Query) -> None:
    row = hourly(built, "LON", "2024-06-03 09:00:00")
    assert row == {
        "local_hour": 10, "footfall": 20, "exits": 18, "passersby": 100,
        "capture_rate": approx(0.2),
        # t5 (50, units 2 + 1 from its lines) is the only sale; t3 returns -10 (refund 10);
        # t4 is a void and changes nothing but the void count
        "transactions": 1, "returns": 1, "voids": 1, "net_sales": approx(40.0), "units": 3,
        "atv": approx(40.0), "upt": approx(3.0), "conversion_rate": approx(0.05),
        "sales_per_visitor": approx(2.0),
        "staff_hours": approx(2.0),  # shifts A and B both cover the hour
        "shopper_to_staff": approx(10.0), "sales_per_staff_hour": approx(20.0),
        # 10 - 4 * 2/3 = 7.3333 persons; dwell 7.3333 * 60 / 20 = 22 min
        "occupancy_avg": approx(10 - 8 / 3), "avg_dwell_minutes": approx(22.0),
        "data_complete": True,
    }


def test_lon_zero_footfall_hour_has_null_ratios_not_zero(built: Query) -> None:
    row = hourly(built, "LON", "2024-06-03 10:00:00")
    assert row == {
        "local_hour": 11, "footfall": 0, "exits": 6, "passersby": 0,
        "capture_rate": None,  # 0 / 0
        # t7 15.00 counts; t8 is a sale of 0.00 (not a transaction); t6 refunds +5.00
        "transactions": 1, "returns": 1, "voids": 0, "net_sales": approx(10.0), "units": 1,
        "atv": approx(10.0), "upt": approx(1.0),
        "conversion_rate": None, "sales_per_visitor": None,  # footfall 0
        "staff_hours": approx(1.5),  # A until 10:30 (0.5) + B (1.0)
        "shopper_to_staff": approx(0.0), "sales_per_staff_hour": approx(10 / 1.5),
        "occupancy_avg": approx(0.0),  # empty at close: 4 - 4 * 3/3
        "avg_dwell_minutes": None,
        "data_complete": True,
    }


def test_sensor_outage_hour_is_null_and_incomplete(built: Query) -> None:
    row = hourly(built, "BER", "2024-06-03 09:00:00")
    assert row["footfall"] is None and row["exits"] is None
    assert row["conversion_rate"] is None and row["occupancy_avg"] is None
    assert row["transactions"] == 1 and row["net_sales"] == approx(60.0)  # POS still there
    assert row["staff_hours"] is None  # BER has no roster at all: null, never 0
    assert row["data_complete"] is False


DAILY_COLUMNS = (
    "hours_open, hours_complete, data_complete, footfall, passersby, capture_rate, "
    "transactions, returns, net_sales, units, conversion_rate, atv, upt, sales_per_visitor, "
    "staff_hours, shopper_to_staff, sales_per_staff_hour, occupancy_avg, occupancy_peak, "
    "avg_dwell_minutes, currency"
)


def test_daily_is_a_ratio_of_sums(built: Query) -> None:
    row = _floats(one(built, f"select {DAILY_COLUMNS} from marts.fct_site_daily "
                              "where site_id = 'LON' and local_date = cast('2024-06-03' as date)"))
    assert row == {
        "hours_open": 3, "hours_complete": 3, "data_complete": True,
        "footfall": 30, "passersby": 200, "capture_rate": approx(0.15),  # 30 / 200
        "transactions": 4, "returns": 2, "net_sales": approx(100.0), "units": 7,
        "conversion_rate": approx(4 / 30),  # not the mean of 0.2, 0.05 and null
        "atv": approx(25.0), "upt": approx(1.75), "sales_per_visitor": approx(100 / 30),
        "staff_hours": approx(4.5), "shopper_to_staff": approx(30 / 4.5),
        "sales_per_staff_hour": approx(100 / 4.5),
        # person-minutes (400 + 440 + 0) over 180 open minutes; dwell 840 / 30 entries
        "occupancy_avg": approx(840 / 180), "occupancy_peak": approx(10 - 8 / 3),
        "avg_dwell_minutes": approx(28.0), "currency": "GBP",
    }


def test_daily_with_outage_matches_ratio_inputs(built: Query) -> None:
    row = _floats(one(built, f"select {DAILY_COLUMNS} from marts.fct_site_daily "
                              "where site_id = 'BER' and local_date = cast('2024-06-03' as date)"))
    assert (row["hours_open"], row["hours_complete"], row["data_complete"]) == (2, 1, False)
    # every metric over the one complete hour (08:00 UTC): its 5 visitors and its sale b1,
    # not b2 of the outage hour, so the row's sums divide into its ratios (docs/metrics.md)
    assert row["footfall"] == 5 and row["transactions"] == 1
    assert row["net_sales"] == approx(100.0) and row["currency"] == "EUR"
    assert row["conversion_rate"] == approx(0.2) and row["atv"] == approx(100.0)


def _lon_day(day: str) -> str:
    return f"site_id = 'LON' and local_date = cast('{day}' as date)"


def test_closed_holiday_has_no_hours_and_no_day(built: Query) -> None:
    """LON is closed on the early May bank holiday (dataset.py). The sensor's stray counts
    arrived, but no hour of the day is open, so the marts have no hour and no day for it:
    the day is neither open with footfall 0 (or the cleaner's 1) nor incomplete."""
    strays = built(
        "select count(*), sum(count_in), "
        "sum(case when is_within_opening_hours then 1 else 0 end) "
        f"from intermediate.int_sensor_intervals where {_lon_day('2024-05-06')}"
    )
    assert [tuple(int(v) for v in r) for r in strays] == [(3, 1, 0)]
    for mart in ("fct_site_hourly", "fct_site_daily"):
        rows = built(f"select count(*) from marts.{mart} where {_lon_day('2024-05-06')}")
        assert int(rows[0][0]) == 0, mart
    # the days either side, without any data, are open and incomplete: 3 hours, none complete
    around = built(
        "select local_date, hours_open, hours_complete, data_complete from marts.fct_site_daily "
        "where site_id = 'LON' and local_date between cast('2024-05-05' as date) "
        "and cast('2024-05-07' as date) order by local_date"
    )
    assert [(d, int(h), int(c), k) for d, h, c, k in around] == [
        (date(2024, 5, 5), 3, 0, False), (date(2024, 5, 7), 3, 0, False),
    ]
    # and the rollups lose the closed day's hours: ISO week from Monday 2024-05-06, 6 x 3
    week = built(
        "select hours_open from marts.fct_site_weekly "
        "where site_id = 'LON' and week_start_date = cast('2024-05-06' as date)"
    )
    assert [int(h) for (h,) in week] == [18]


def test_special_hours_day_has_exactly_those_hours(built: Query) -> None:
    """LON opens at 10:00 instead of 09:00 on 2024-05-24 (dataset.py): two hours, 10:00 and
    11:00 local; the staff's 4 in / 1 out at 09:00 local count nowhere, neither in footfall
    nor in the occupancy reconstruction (which starts from 10:00)."""
    rows = built(
        "select local_hour, open_minutes, footfall, exits, transactions, occupancy_avg, "
        f"data_complete from marts.fct_site_hourly where {_lon_day('2024-05-24')} "
        "order by hour_start_at"
    )
    assert [(int(h), int(m), f, e, t, float(o), k) for h, m, f, e, t, o, k in rows] == [
        (10, 60, 6, 2, 1, approx(3.5), True),  # running net 4, minus half the imbalance of 1
        (11, 60, 3, 6, 0, approx(0.0), True),  # empty at close
    ]
    row = _floats(one(built, f"select {DAILY_COLUMNS} from marts.fct_site_daily "
                              f"where {_lon_day('2024-05-24')}"))
    assert row == {
        "hours_open": 2, "hours_complete": 2, "data_complete": True,
        "footfall": 9, "passersby": None, "capture_rate": None,  # no passer-by counts that day
        "transactions": 1, "returns": 0, "net_sales": approx(40.0), "units": 2,
        "conversion_rate": approx(1 / 9), "atv": approx(40.0), "upt": approx(2.0),
        "sales_per_visitor": approx(40 / 9),
        "staff_hours": None, "shopper_to_staff": None, "sales_per_staff_hour": None,
        # person-minutes 3.5 * 60 + 0 over 120 open minutes; dwell 210 / 9 entries
        "occupancy_avg": approx(210 / 120), "occupancy_peak": approx(3.5),
        "avg_dwell_minutes": approx(210 / 9), "currency": "GBP",
    }


def test_dst_days_have_23_and_25_hours(built: Query) -> None:
    rows = built(
        "select site_id, local_date, hours_open, footfall from marts.fct_site_daily "
        "where site_id in ('B25', 'B23') order by site_id"
    )
    assert [(s, d, int(h), int(f)) for s, d, h, f in rows] == [
        ("B23", date(2024, 3, 31), 23, 23),  # spring forward: one count per hour
        ("B25", date(2024, 10, 27), 25, 25),  # fall back: 02:00 happens twice
    ]
    twice = built(
        "select count(*) from marts.fct_site_hourly where site_id = 'B25' and local_hour = 2"
    )
    assert twice[0][0] == 2


def test_org_rollup_is_per_currency(built: Query) -> None:
    rows = built(
        "select currency, site_count, footfall, net_sales from marts.fct_organization_daily "
        "where organization_id = 'O1' and local_date = cast('2024-06-03' as date) "
        "order by currency"
    )
    assert [(c, int(s), int(f), float(n)) for c, s, f, n in rows] == [
        ("EUR", 1, 5, 100.0),  # BER only (its complete hour): GBP and EUR never added together
        ("GBP", 1, 30, 100.0),
    ]


def test_like_for_like_against_364_days_earlier(built: Query) -> None:
    row = _floats(one(built,
        "select prior_local_date, is_comparable, footfall, prior_footfall, footfall_growth, "
        "net_sales, prior_net_sales, net_sales_growth from marts.fct_site_like_for_like "
        "where site_id = 'LON' and local_date = cast('2024-06-03' as date)"))
    assert row == {
        "prior_local_date": date(2023, 6, 5), "is_comparable": True,
        "footfall": 30, "prior_footfall": 20, "footfall_growth": approx(0.5),  # 30/20 - 1
        "net_sales": approx(100.0), "prior_net_sales": approx(80.0),
        "net_sales_growth": approx(0.25),  # 100/80 - 1
    }


def test_retail_rollup_week_and_period(built: Query) -> None:
    # FY2024 starts 2024-02-04; 2024-06-03 is fiscal day 121 -> week 18 (from 2024-06-02),
    # the first week of period 5 (weeks 18-22, the 5-week period of Q2)
    row = _floats(one(built,
        "select retail_week_start_date, footfall from marts.fct_site_retail_weekly "
        "where site_id = 'LON' and fiscal_year = 2024 and retail_week = 18"))
    assert row == {"retail_week_start_date": date(2024, 6, 2), "footfall": 30}
    period = built(
        "select retail_period_start_date, footfall from marts.fct_site_retail_periods "
        "where site_id = 'LON' and fiscal_year = 2024 and retail_period = 5"
    )
    assert [(d, int(f)) for d, f in period] == [(date(2024, 6, 2), 30)]


# NRF 4-5-4 calendar (nrf.com/resources/4-5-4-calendar): FY2023 = 2023-01-29 .. 2024-02-03
# (53 weeks), FY2024 = 2024-02-04 .. 2025-02-01, FY2025 = 2025-02-02 .. 2026-01-31.
NRF_YEARS = [
    (2023, date(2023, 1, 29), date(2024, 2, 3), 53),
    (2024, date(2024, 2, 4), date(2025, 2, 1), 52),
    (2025, date(2025, 2, 2), date(2026, 1, 31), 52),
]


def test_dim_date_follows_the_nrf_calendar(built: Query) -> None:
    rows = built(
        "select fiscal_year, min(date_day), max(date_day), max(retail_week) "
        "from marts.dim_date where fiscal_year between 2023 and 2025 "
        "group by fiscal_year order by fiscal_year"
    )
    assert [tuple(r) for r in rows] == NRF_YEARS
    week_53 = one(built, "select retail_period, retail_quarter, retail_week_of_period "
                         "from marts.dim_date where date_day = cast('2024-02-03' as date)")
    # the 53rd week goes into the last period: period 12 has weeks 48-53 (4 + 1 extra ... as
    # 5th week of a 4-week period), so 2024-02-03 is its 5th week
    assert week_53 == {"retail_period": 12, "retail_quarter": 4, "retail_week_of_period": 5}
    span = one(built, "select count(*) as days from marts.dim_date")
    assert span["days"] == (date(2030, 12, 31) - date(2018, 1, 1)).days + 1


def test_public_holidays_follow_each_sites_country_and_subdivision(built: Query) -> None:
    calendars = built(
        "select country_code, subdivision_code, holiday_name from marts.dim_holiday "
        "where holiday_date = cast('2024-10-03' as date) order by country_code"
    )
    assert [tuple(r) for r in calendars] == [("DE", "DE-BE", "German Unity Day")]
    per_site = built(
        "select holiday_date, site_id from intermediate.int_site_holidays where holiday_date in "
        "(cast('2024-03-08' as date), cast('2024-05-06' as date), cast('2024-12-25' as date)) "
        "order by holiday_date, site_id"
    )
    assert [tuple(r) for r in per_site] == [
        *((date(2024, 3, 8), site) for site in ("B23", "B25", "BER")),  # Women's Day, Berlin
        (date(2024, 5, 6), "LON"),  # early May bank holiday, England
        *((date(2024, 12, 25), site) for site in ("B23", "B25", "BER", "LON")),
    ]
    site = one(built, "select country_code, subdivision_code from marts.dim_site "
                      "where site_id = 'BER'")
    assert site == {"country_code": "DE", "subdivision_code": "DE-BE"}


# the models the hourly refresh (`dbt build --select fct_site_hourly+`) updates incrementally
INCREMENTAL_MODELS = {
    "fct_site_hourly": "site_id, hour_start_at",
    "fct_site_daily": "site_id, local_date",
}


@contextmanager
def _connection(target: str, where: str) -> Iterator[Any]:
    """A short-lived connection (dbt needs the DuckDB file to itself between runs)."""
    conn = connect_duckdb(Path(where)) if target == "duckdb" else connect_postgres(where)
    try:
        yield conn
    finally:
        conn.close()


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_warehouse(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[str, str, dict[str, str]]]:
    """(target, path or DSN, dbt env) of an empty warehouse with the raw tables."""
    if request.param == "duckdb":
        path = str(tmp_path / "warehouse.duckdb")
        with _connection("duckdb", path) as conn:
            ensure_raw_tables(conn, "duckdb")
        yield "duckdb", path, {"BLIPEE_DUCKDB_PATH": path}
        return
    server = request.getfixturevalue("pg_server_dsn")
    with scratch_database(server, prefix="blipee_dbt_inc") as dsn:
        with _connection("postgres", dsn) as conn:
            ensure_raw_tables(conn, "postgres")
        yield "postgres", dsn, dbt_env(dsn)


def test_incremental_runs_equal_a_full_refresh(
    empty_warehouse: tuple[str, str, dict[str, str]], tmp_path: Path
) -> None:
    """Three deliveries, the last re-sending a corrected count and a corrected transaction
    (moved to another hour), each followed by the hourly refresh's selection; then a full
    refresh of the same selection must give exactly the same incremental tables."""
    target, where, env = empty_warehouse
    first, second = dataset.DELIVERED, dataset.DELIVERED + timedelta(hours=1)
    lon_2024 = dataset.lon_counts_2024()
    late_hour = [r for r in lon_2024 if r["period_start"].hour == 10]
    with _connection(target, where) as conn:
        load(conn, target, {
            **dataset.reference(),
            "sensor_counts": dataset.lon_counts_2023() + dataset.lon_counts_closures()
            + [r for r in lon_2024 if r not in late_hour] + dataset.dst_counts(),
            # p0, t1 .. t5 and the short day's c1
            "pos_transactions": dataset.lon_sales()[:6] + dataset.lon_sales_closures(),
            "pos_transaction_lines": dataset.lon_sale_lines(),
        }, first)
    run_dbt(["seed"], target, env, tmp_path)
    run_dbt(["run"], target, env, tmp_path)

    def deliver(tables: dict[str, list[dict[str, Any]]], delivered: Any) -> None:
        with _connection(target, where) as writer:
            load(writer, target, tables, delivered)
        run_dbt(["run", "--select", "fct_site_hourly+"], target, env, tmp_path)

    # LON's 10:00 hour arrives late; BER is a site not loaded before
    deliver({"sensor_counts": late_hour + dataset.ber_counts(),
             "pos_transactions": dataset.lon_sales()[6:] + dataset.ber_sales()}, second)
    corrected = dict(lon_2024[1], count_in=22)  # 09:00 UTC entrance re-sent: 20 -> 22
    t2 = dataset.lon_sales()[2]  # 08:40 UTC sale of 20.00, re-sent as 09:40 and 25.00
    moved = dict(t2, ts=t2["ts"] + timedelta(hours=1), net_amount=Decimal("25.00"))
    deliver({"sensor_counts": [corrected], "pos_transactions": [moved]},
            second + timedelta(hours=1))

    def query(sql: str) -> list[tuple[Any, ...]]:
        with _connection(target, where) as reader:
            return [tuple(row) for row in reader.execute(sql).fetchall()]

    def snapshot() -> dict[str, list[tuple[Any, ...]]]:
        return {model: query(f"select * from marts.{model} order by {key}")
                for model, key in INCREMENTAL_MODELS.items()}

    incremental = snapshot()
    run_dbt(["run", "--select", "fct_site_hourly+", "--full-refresh"], target, env, tmp_path)
    refreshed = snapshot()
    for model in INCREMENTAL_MODELS:
        assert incremental[model] == refreshed[model], model
    lon = query(
        "select footfall, transactions, net_sales from marts.fct_site_hourly "
        "where site_id = 'LON' and local_date = date '2024-06-03' order by hour_start_at"
    )
    # 08:00: t1 30.00 only (t2 moved out); 09:00: 22 in (corrected), t5 50 + t2 25 - t3 10
    # = 65.00 over 2 sales; 10:00 (late hour): t7 15 + t6 refund 5 -> 10.00, 1 sale
    assert [(f, n, float(s)) for f, n, s in lon] == [(10, 1, 30.0), (22, 2, 65.0), (0, 1, 10.0)]
    daily = query(
        "select footfall, transactions, net_sales from marts.fct_site_daily "
        "where site_id = 'LON' and local_date = date '2024-06-03'"
    )
    # 10 + 22 + 0 entries, 1 + 2 + 1 sales, 30 + 65 + 10 net
    assert [(f, n, float(s)) for f, n, s in daily] == [(32, 4, 105.0)]
    ber = query("select count(*) from marts.fct_site_daily where site_id = 'BER'")
    assert ber == [(1,)]  # the new site's day was rolled up
    for model, key in INCREMENTAL_MODELS.items():
        keys = query(f"select count(*), count(distinct ({key})) from marts.{model}")
        assert keys[0][0] == keys[0][1]  # delete+insert kept one row per key
