"""The targets' previews (Dagster metadata on the leaderboard and progress marts) and the
summary's targets table, read from a real DuckDB file holding hand-made marts."""

from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from infra.warehouse import connect_duckdb
from orchestration.lib.kpis import fct_target_leaderboard_metadata, fct_target_progress_metadata
from orchestration.target_summary import target_rows, target_table


@pytest.fixture
def conn(tmp_path: Path) -> Any:
    """Marts with two organisation sales years (only FY2026 holds the newest day, 2026-11-24)
    and a region footfall target."""
    conn = connect_duckdb(tmp_path / "w.duckdb")
    conn.execute("create schema marts")
    conn.execute("create table marts.fct_site_daily as select date '2026-11-24' as local_date")
    conn.execute("""
        create table marts.fct_targets as select * from (values
            ('FY2025', 0, 'organization', 'net_sales', date '2025-01-01', date '2025-12-31'),
            ('FY2026', 0, 'organization', 'net_sales', date '2026-01-01', date '2026-12-31'),
            ('FOOT', 0, 'region', 'footfall', date '2026-10-01', date '2026-12-31')
        ) as t(target_id, cascade_depth, org_unit_level, metric, period_start_date,
               period_end_date)
    """)
    conn.execute("""
        create table marts.fct_target_progress as select * from (values
            ('FY2026', 'organization', 'organization:O', 'Acme', 'GBP', 1000.0, 800.0, 760.0,
             1050.0, 105.26, 'on_track', date '2026-11-24', true),
            ('FY2026', 'region', 'region:N', 'North', 'GBP', 400.0, 300.0, 320.0, 370.0,
             93.75, 'at_risk', date '2026-11-24', true),
            ('FY2026', 'site', 'site:a', 'Store A', 'GBP', 400.0, 300.0, 320.0, 370.0, 93.75,
             'at_risk', date '2026-11-24', true),
            ('FY2026', 'site', 'site:a', 'Store A', 'GBP', 400.0, 290.0, 310.0, 380.0, 93.5,
             'at_risk', date '2026-11-23', false),
            ('FY2025', 'site', 'site:a', 'Store A', 'GBP', 500.0, 600.0, 500.0, 600.0, 120.0,
             'exceeded', date '2025-12-31', true),
            ('FOOT', 'region', 'region:N', 'North', null, 10.0, 1.0, 5.0, 4.0, 20.0,
             'behind', date '2026-11-24', true)
        ) as t(target_id, org_unit_level, org_unit_key, org_unit_name, currency,
               target_value, actual_to_date, expected_to_date, projected_end_value,
               achievement_pct, status, local_date, is_latest_day)
    """)
    conn.execute("""
        alter table marts.fct_target_progress add column period_start_date date
            default date '2026-01-01'
    """)
    conn.execute("""
        alter table marts.fct_target_progress add column period_end_date date
            default date '2026-12-31'
    """)
    conn.execute("alter table marts.fct_target_progress add column metric varchar "
                 "default 'net_sales'")
    conn.execute("""
        create table marts.fct_target_leaderboard as select * from (values
            ('FY2026', date '2026-11-24', 'organization', 1, 'b', 'Store B', 110.0, 104.0,
             'on_track', 1.0),
            ('FY2026', date '2026-11-24', 'organization', 2, 'a', 'Store A', 93.75, 92.5,
             'at_risk', 0.0),
            ('FY2026', date '2026-11-24', 'region', 1, 'a', 'Store A', 93.75, 92.5,
             'at_risk', null),
            ('FY2025', date '2025-12-31', 'organization', 1, 'a', 'Store A', 120.0, 120.0,
             'exceeded', null)
        ) as t(target_id, local_date, board, board_rank, org_unit_id, org_unit_name,
               achievement_pct, projected_pct, status, board_percentile)
    """)
    yield conn
    conn.close()


def _query(conn: Any) -> Any:
    return lambda sql: conn.execute(sql).fetchall()


def test_leaderboard_ranks_the_stores_on_the_target_holding_the_newest_day(conn: Any) -> None:
    text = fct_target_leaderboard_metadata(_query(conn))["leaderboard_stores_main_target"].value
    assert "Stores on FY2026, 2026-11-24" in text
    lines = [line for line in text.splitlines() if line.startswith("| 1 ") or
             line.startswith("| 2 ")]
    assert lines == ["| 1 | b | Store B | 110.0 | 104.0 | on_track | 1.00 |",
                     "| 2 | a | Store A | 93.8 | 92.5 | at_risk | 0.00 |"]


def test_progress_counts_units_by_status_on_each_targets_newest_day(conn: Any) -> None:
    text = fct_target_progress_metadata(_query(conn))["status_newest_day"].value
    rows = [line for line in text.splitlines() if line.startswith("| F")]
    assert rows == ["| FOOT | net_sales | 2026-11-24 | behind | 1 |",
                    "| FY2025 | net_sales | 2025-12-31 | exceeded | 1 |",
                    "| FY2026 | net_sales | 2026-11-24 | at_risk | 2 |",
                    "| FY2026 | net_sales | 2026-11-24 | on_track | 1 |"]


def test_summary_shows_the_organisation_regions_and_stores_newest_day(conn: Any) -> None:
    rows = target_rows(conn)
    assert [(r[0], r[2], r[10]) for r in rows] == [
        ("FY2026", "organization:O", "on_track"), ("FY2026", "region:N", "at_risk"),
        ("FY2026", "site:a", "at_risk")]
    console = Console(width=160, record=True)
    console.print(target_table(rows))
    text = console.export_text()
    assert "Target FY2026 (2026-01-01 .. 2026-12-31), tracked to 2026-11-24" in text
    assert "    a " in text and "  N " in text and "93.8%" in text and "1,000 GBP" in text


def test_summary_has_no_targets_table_before_the_marts_exist(tmp_path: Path) -> None:
    conn = connect_duckdb(tmp_path / "empty.duckdb")
    conn.execute("create schema marts")
    assert target_rows(conn) == []
    conn.close()
