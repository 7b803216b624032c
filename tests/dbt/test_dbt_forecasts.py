"""The forecaster's tables read back into dbt (schema `ml` -> staging -> marts/forecasts), on
DuckDB and PostgreSQL.

The hand-made dataset of dbt_dataset.py is loaded and the forecast marts are built with their
upstream (`+tag:forecasts`) before the ML assets have ever run: no `ml` schema at all, so
every staging model reads an empty set and the marts are empty. Then a few rows are written
with models_ml.store.replace_rows, as the forecaster writes them, the `ml` staging models and
what reads them are built again, and the marts' values are checked against the numbers worked
out in the comments (the actuals are those of test_dbt_build.py: LON counted 10, 20, 0 at
08, 09, 10 UTC on 2024-06-03 with 2 sales at 08:00; BER counted 5 at 08:00 and lost 09:00).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import dbt_dataset as dataset
import pandas as pd
import pytest
from dbt_dataset import utc
from dbt_rows import connection, load, plain
from dbt_runner import run_dbt

from infra.postgres import dbt_env, scratch_database
from ingestion.raw_tables import ensure_raw_tables
from models_ml.store import BACKTEST_SCORES, ESTIMATED_HOURS, FORECASTS, replace_rows

Query = Callable[[str], list[tuple[Any, ...]]]
pytestmark = [pytest.mark.slow, pytest.mark.dbt]

# the forecast marts and everything they read; tests whose parents are all built
BUILD_FORECASTS = ["build", "--select", "+tag:forecasts", "--indirect-selection", "buildable"]
# once the ml tables exist: the staging views (built empty before) and what reads them
# the read-back and its marts; the targets that also read the forecasts have their own tests
REBUILD_ML = ["build", "--select", "path:dbt_project/models/staging/ml+",
              "--exclude", "path:dbt_project/models/intermediate/targets+"]
MARTS = ("fct_forecasts", "fct_forecast_accuracy", "fct_backtest_scores")
CREATED = utc("2024-06-03 12:00")


def _forecast(target: str, horizon: str, site: str, origin: str, hour: str, ahead: int,
              yhat: float, p10: float, p90: float) -> dict[str, Any]:
    return {"model_version": "v1", "target": target, "horizon": horizon, "site_id": site,
            "origin": utc(origin), "hour_start_at": utc(hour), "hours_ahead": ahead,
            "yhat": yhat, "p10": p10, "p90": p90, "interval_method": "quantile",
            "created_at": CREATED}


FORECAST_ROWS = [
    # LON footfall nowcast from 08:00 (hours ahead 1-3) and from 09:00 (the newer, 1-2)
    _forecast("footfall", "nowcast", "LON", "2024-06-03 08:00", "2024-06-03 08:00", 1, 12, 8, 14),
    _forecast("footfall", "nowcast", "LON", "2024-06-03 08:00", "2024-06-03 09:00", 2, 15, 10, 18),
    _forecast("footfall", "nowcast", "LON", "2024-06-03 08:00", "2024-06-03 10:00", 3, 2, 0, 4),
    _forecast("footfall", "nowcast", "LON", "2024-06-03 09:00", "2024-06-03 09:00", 1, 18, 16, 24),
    _forecast("footfall", "nowcast", "LON", "2024-06-03 09:00", "2024-06-03 10:00", 2, 1, 0, 3),
    # BER: 09:00 UTC is the sensor outage, so it never gets an actual
    _forecast("footfall", "nowcast", "BER", "2024-06-03 08:00", "2024-06-03 08:00", 1, 6, 4, 7),
    _forecast("footfall", "nowcast", "BER", "2024-06-03 08:00", "2024-06-03 09:00", 2, 7, 5, 9),
    _forecast("transactions", "nowcast", "LON", "2024-06-03 08:00", "2024-06-03 08:00", 1,
              1.5, 1, 3),
    # tomorrow's 09:00 BST from midnight: 32 whole hours after the origin -> 33 ahead
    _forecast("footfall", "day_ahead", "LON", "2024-06-03 00:00", "2024-06-04 08:00", 33,
              11, 9, 13),
]


def _score(method: str, wape: float) -> dict[str, Any]:
    model = method == "lightgbm"
    return {"model_version": "v1", "target": "footfall", "horizon": "nowcast",
            "method": method, "origins": 20, "sites": 2, "hours": 80,
            "first_origin": utc("2024-05-01 08:00"), "last_origin": utc("2024-05-31 08:00"),
            "wape": wape, "wape_4h": wape / 2, "share_4h_within_5pct": 0.4,
            "share_4h_within_10pct": 0.7, "bias": 0.01, "mase": 0.9,
            "coverage_80": 0.78 if model else None, "width_80": 5.0 if model else None,
            "interval_method": "quantile" if model else None, "evaluated_at": CREATED}


SCORE_ROWS = [_score("lightgbm", 0.20), _score("seasonal_naive_week", 0.30),
              _score("seasonal_naive_day", 0.25), _score("mean_4_weekdays", 0.40)]

ESTIMATE_ROWS = [
    {"model_version": "v1", "target": "footfall", "site_id": site, "hour_start_at": utc(hour),
     "origin": utc(hour), "yhat": yhat, "p10": p10, "p90": p90, "created_at": CREATED}
    for site, hour, yhat, p10, p90 in (
        ("BER", "2024-06-03 09:00", 4.5, 3.0, 6.0),  # the outage hour
        ("LON", "2024-06-03 08:00", 99.0, 90.0, 110.0),  # a counted hour: the count wins
    )
]


def _query(target: str, where: str) -> Query:
    def query(sql: str) -> list[tuple[Any, ...]]:
        with connection(target, where) as conn:
            return [tuple(plain(v) for v in row) for row in conn.execute(sql).fetchall()]
    return query


def _daily_estimated(query: Query, site: str) -> tuple[Any, ...]:
    rows = query(
        "select hours_open, hours_counted, hours_estimated, hours_missing, footfall_counted, "
        "footfall_estimated, footfall_estimated_p10, footfall_estimated_p90, is_estimated "
        f"from marts.fct_site_daily_estimated where site_id = '{site}' "
        "and local_date = cast('2024-06-03' as date)"
    )
    assert len(rows) == 1, rows
    return rows[0]


@pytest.fixture(
    scope="module", params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def warehouse(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str, dict[str, str], Path]]:
    """(target, path or DSN, dbt env, work dir) of a warehouse with the raw dataset loaded."""
    work = tmp_path_factory.mktemp(f"dbt-forecasts-{request.param}")
    if request.param == "duckdb":
        path = str(work / "warehouse.duckdb")
        with connection("duckdb", path) as conn:
            ensure_raw_tables(conn, "duckdb")
            load(conn, "duckdb", dataset.full(), dataset.DELIVERED)
        yield "duckdb", path, {"BLIPEE_DUCKDB_PATH": path}, work
        return
    server = request.getfixturevalue("pg_server_dsn")
    with scratch_database(server, prefix="blipee_dbt_ml") as dsn:
        with connection("postgres", dsn) as conn:
            ensure_raw_tables(conn, "postgres")
            load(conn, "postgres", dataset.full(), dataset.DELIVERED)
        yield "postgres", dsn, dbt_env(dsn), work


@pytest.fixture(scope="module")
def built(warehouse: tuple[str, str, dict[str, str], Path]) -> dict[str, Any]:
    """Build with no ml tables (and record what that gave), then write the ml rows and
    rebuild what reads them. Yields the query fn and the records of the first build."""
    target, where, env, work = warehouse
    query = _query(target, where)
    run_dbt(BUILD_FORECASTS, target, env, work)
    before = {
        "ml_schema": query("select count(*) from information_schema.schemata "
                           "where schema_name = 'ml'")[0][0],
        "counts": {m: query(f"select count(*) from marts.{m}")[0][0] for m in MARTS},
        "staging": {m: query(f"select count(*) from staging.{m}")[0][0]
                    for m in ("stg_ml__forecasts", "stg_ml__backtest_scores",
                              "stg_ml__estimated_hours")},
        "ber": _daily_estimated(query, "BER"),
    }
    with connection(target, where) as conn:
        replace_rows(conn, target, FORECASTS, pd.DataFrame(FORECAST_ROWS))
        replace_rows(conn, target, BACKTEST_SCORES, pd.DataFrame(SCORE_ROWS))
        replace_rows(conn, target, ESTIMATED_HOURS, pd.DataFrame(ESTIMATE_ROWS))
    run_dbt(REBUILD_ML, target, env, work)
    return {"query": query, "before": before}


def test_without_ml_tables_the_build_succeeds_and_the_marts_are_empty(
    built: dict[str, Any],
) -> None:
    before = built["before"]
    assert before["ml_schema"] == 0  # the ML assets never ran: no schema ml at all
    assert before["counts"] == dict.fromkeys(MARTS, 0)
    assert set(before["staging"].values()) == {0}
    # the counted day stands on its own: BER's lost 09:00 hour is missing, nothing estimated
    assert before["ber"] == (2, 1, 0, 1, 5, 5.0, 5.0, 5.0, False)


def test_fct_forecasts_keeps_the_newest_origin_with_the_complete_actual(
    built: dict[str, Any],
) -> None:
    rows = built["query"](
        "select target, horizon, site_id, hour_start_at, local_date, local_hour, "
        "local_start_at, origin_at, hours_ahead, yhat, p10, p90, actual, has_actual "
        "from marts.fct_forecasts order by target, horizon, site_id, hour_start_at"
    )
    h = utc
    assert rows == [
        # not counted yet: 2024-06-04 08:00 UTC is 09:00 BST
        ("footfall", "day_ahead", "LON", h("2024-06-04 08:00"), date(2024, 6, 4), 9,
         datetime(2024, 6, 4, 9), h("2024-06-03 00:00"), 33, 11.0, 9.0, 13.0, None, False),
        # BER is CEST (UTC+2); its 09:00 UTC hour is the outage: no actual, not 0
        ("footfall", "nowcast", "BER", h("2024-06-03 08:00"), date(2024, 6, 3), 10,
         datetime(2024, 6, 3, 10), h("2024-06-03 08:00"), 1, 6.0, 4.0, 7.0, 5.0, True),
        ("footfall", "nowcast", "BER", h("2024-06-03 09:00"), date(2024, 6, 3), 11,
         datetime(2024, 6, 3, 11), h("2024-06-03 08:00"), 2, 7.0, 5.0, 9.0, None, False),
        # 08:00 only from origin 08:00; 09:00 and 10:00 from the newer origin 09:00
        ("footfall", "nowcast", "LON", h("2024-06-03 08:00"), date(2024, 6, 3), 9,
         datetime(2024, 6, 3, 9), h("2024-06-03 08:00"), 1, 12.0, 8.0, 14.0, 10.0, True),
        ("footfall", "nowcast", "LON", h("2024-06-03 09:00"), date(2024, 6, 3), 10,
         datetime(2024, 6, 3, 10), h("2024-06-03 09:00"), 1, 18.0, 16.0, 24.0, 20.0, True),
        ("footfall", "nowcast", "LON", h("2024-06-03 10:00"), date(2024, 6, 3), 11,
         datetime(2024, 6, 3, 11), h("2024-06-03 09:00"), 2, 1.0, 0.0, 3.0, 0.0, True),
        # LON's 08:00 hour had 2 sales (t1, t2) with its POS feed complete
        ("transactions", "nowcast", "LON", h("2024-06-03 08:00"), date(2024, 6, 3), 9,
         datetime(2024, 6, 3, 9), h("2024-06-03 08:00"), 1, 1.5, 1.0, 3.0, 2.0, True),
    ]


def test_fct_forecast_accuracy_scores_every_origin(built: dict[str, Any]) -> None:
    rows = built["query"](
        "select target, horizon, site_id, hours, origins, first_hour_start_at, "
        "last_hour_start_at, actual_total, forecast_total, absolute_error_total, wape, bias, "
        "coverage_80, width_80 from marts.fct_forecast_accuracy "
        "order by target, horizon, site_id"
    )
    h = utc
    assert rows == [
        # BER: only 08:00 has an actual: |5 - 6| / 5 = 0.2, bias (6 - 5) / 5 = 0.2, 5 in [4, 7]
        ("footfall", "nowcast", "BER", 1, 1, h("2024-06-03 08:00"), h("2024-06-03 08:00"),
         5.0, 6.0, 1.0, 0.2, 0.2, 1.0, 3.0),
        # LON, 5 rows over 2 origins: (y, yhat, p10, p90) = (10, 12, 8, 14), (20, 15, 10, 18),
        # (0, 2, 0, 4) from 08:00 and (20, 18, 16, 24), (0, 1, 0, 3) from 09:00:
        # sum y 50, sum yhat 48, sum |y - yhat| 2 + 5 + 2 + 2 + 1 = 12: WAPE 12 / 50 = 0.24,
        # bias -2 / 50 = -0.04; all covered but 20 in [10, 18]: 4 / 5 = 0.8;
        # width (6 + 8 + 4 + 8 + 3) / 5 = 5.8
        ("footfall", "nowcast", "LON", 5, 2, h("2024-06-03 08:00"), h("2024-06-03 10:00"),
         50.0, 48.0, 12.0, 0.24, -0.04, 0.8, 5.8),
        # 2 sales, forecast 1.5 in [1, 3]: WAPE 0.5 / 2 = 0.25, bias -0.5 / 2 = -0.25
        ("transactions", "nowcast", "LON", 1, 1, h("2024-06-03 08:00"), h("2024-06-03 08:00"),
         2.0, 1.5, 0.5, 0.25, -0.25, 1.0, 2.0),
        # the day-ahead forecast has no actual yet: no row
    ]


def test_fct_backtest_scores_skill_over_the_best_baseline(built: dict[str, Any]) -> None:
    rows = built["query"](
        "select method, is_baseline, wape, best_baseline_wape, skill_vs_best_baseline "
        "from marts.fct_backtest_scores order by wape"
    )
    # the best baseline is seasonal_naive_day (0.25): skill 1 - 0.20 / 0.25 = 0.2
    assert rows == [
        ("lightgbm", False, 0.2, 0.25, 0.2),
        ("seasonal_naive_day", True, 0.25, 0.25, None),
        ("seasonal_naive_week", True, 0.3, 0.25, None),
        ("mean_4_weekdays", True, 0.4, 0.25, None),
    ]


def test_fct_site_daily_estimated_fills_only_the_lost_hours(built: dict[str, Any]) -> None:
    query = built["query"]
    # BER: 08:00 counted 5, 09:00 lost and estimated 4.5 (3, 6): 5 + 4.5 = 9.5 (8, 11)
    assert _daily_estimated(query, "BER") == (2, 1, 1, 0, 5, 9.5, 8.0, 11.0, True)
    # LON: every hour counted (10 + 20 + 0); the estimate of its counted 08:00 is ignored
    assert _daily_estimated(query, "LON") == (3, 3, 0, 0, 30, 30.0, 30.0, 30.0, False)


def test_fct_site_weekly_estimated_sums_its_days(built: dict[str, Any]) -> None:
    """The week of Monday 2024-06-03 holds only that day for BER and LON in this dataset,
    so the week equals the day: BER 9.5 estimated (8, 11) from 5 counted, LON 30 counted."""
    rows = built["query"](
        "select site_id, days_open, hours_open, hours_estimated, footfall_counted, "
        "footfall_estimated, footfall_estimated_p10, footfall_estimated_p90, is_estimated "
        "from marts.fct_site_weekly_estimated where week_start_date = date '2024-06-03' "
        "and site_id in ('BER', 'LON') order by site_id")
    assert [tuple(r) for r in rows] == [("BER", 1, 2, 1, 5, 9.5, 8.0, 11.0, True),
                                        ("LON", 1, 3, 0, 30, 30.0, 30.0, 30.0, False)]
