"""The leaderboard preview on marts/fct_benchmarks, read from a real DuckDB file."""

from pathlib import Path

from infra.warehouse import connect_duckdb
from orchestration.lib.kpis import fct_benchmarks_metadata


def test_leaderboard_shows_the_newest_whole_week_ranked_within_store_type(tmp_path: Path):
    conn = connect_duckdb(tmp_path / "w.duckdb")
    conn.execute("create schema marts")
    conn.execute("create table marts.fct_site_daily as select date '2026-11-24' as local_date")
    conn.execute("""
        create table marts.fct_benchmarks as select * from (values
            ('week', 'store_type', 'mall', 'conversion_rate', date '2026-11-16', 'A', 1, 0.25,
             1.0, 0.01, 2),
            ('week', 'store_type', 'mall', 'conversion_rate', date '2026-11-16', 'B', 2, 0.20,
             0.0, -0.04, 1),
            -- the week of 11-23 has not ended on 11-24: left out
            ('week', 'store_type', 'mall', 'conversion_rate', date '2026-11-23', 'B', 1, 0.5,
             1.0, 0.0, 2),
            ('week', 'store_type', 'mall', 'atv', date '2026-11-16', 'B', 1, 30.0, 1.0, 0.0, 1)
        ) as t(period_type, peer_group_type, peer_group_name, metric, period_start_date,
               site_id, peer_rank, metric_value, percentile, gap_to_top_quartile,
               prior_peer_rank)
    """)
    text = fct_benchmarks_metadata(
        lambda sql: conn.execute(sql).fetchall())["leaderboard_conversion_newest_week"].value
    conn.close()
    assert "week of 2026-11-16" in text
    lines = [line for line in text.splitlines() if line.startswith("| mall")]
    assert lines == ["| mall | 1 | A | 25.0% | 1.00 | 1.0% | 2 |",
                     "| mall | 2 | B | 20.0% | 0.00 | -4.0% | 1 |"]
