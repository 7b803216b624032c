"""End to end: the demo chain through the CLI (ingest, dbt build, summary) on DuckDB.

The chain's planted faults must come out as the design says: the outage as incomplete hours
with null metrics (not zeros), the re-sent period with the corrected counts, the malformed
rows in quarantine, the duplicate file loaded once; and running everything again changes
nothing.
"""

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import psycopg
import pytest

from ingestion.demo import generate_demo

BLIPEE = str(Path(sys.executable).parent / "blipee")
TABLES = ("raw.sensor_counts", "raw.pos_transactions", "raw.quarantine", "raw.load_manifest",
          "marts.fct_site_hourly", "marts.fct_site_daily")


def _blipee(data_dir: Path, *args: str) -> str:
    env = {**os.environ, "BLIPEE_DATA_DIR": str(data_dir), "BLIPEE_CONFIG": "none",
           "BLIPEE_WAREHOUSE": "duckdb", "DBT_TARGET": "duckdb"}
    done = subprocess.run([BLIPEE, *args], env=env, capture_output=True, text=True,
                          timeout=600, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout


def _fingerprint(conn: duckdb.DuckDBPyConnection) -> dict[str, int]:
    return {t: conn.execute(f"select count(*) from {t}").fetchone()[0] for t in TABLES}


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory):
    data_dir = tmp_path_factory.mktemp("demo")
    summary = generate_demo(data_dir / "landing", stores=4, days=14, seed=11,
                            end_date=date(2026, 11, 20))
    _blipee(data_dir, "ingest")
    _blipee(data_dir, "build")
    report = _blipee(data_dir, "summary")
    return data_dir, summary, report


def test_summary_prints_kpis_per_store_and_next_steps(pipeline) -> None:
    _, summary, report = pipeline
    assert "make ui" in report
    assert "http://127.0.0.1:3000" in report
    assert ".venv/bin/blipee quarantine list" in report  # works without an activated venv
    assert '"last 7 days" = 2026-11-14 .. 2026-11-20' in report
    # what loaded reconciles with what the marts count
    assert "rows loaded (" in report and "sales with a positive net amount" in report
    for site in ("site_001", "site_002", "site_003", "site_004"):
        assert site in report
    assert summary.stores == 4


def test_outage_hours_are_incomplete_and_null_not_zero(pipeline) -> None:
    data_dir, summary, _ = pipeline
    outage = summary.fault("sensor_outage")
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as conn:
        rows = conn.execute(
            "select data_complete, footfall from marts.fct_site_hourly "
            "where site_id = ? and hour_start_at >= ? and hour_start_at < ?",
            [outage.site_id, outage.start, outage.end],
        ).fetchall()
    assert rows, "the outage hours exist in the mart"
    assert all(complete is False and footfall is None for complete, footfall in rows)


def test_resent_period_wins_and_duplicate_file_loads_once(pipeline) -> None:
    data_dir, summary, _ = pipeline
    resent = summary.fault("resent_period")
    duplicate = summary.fault("duplicate_file")
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as conn:
        sources = conn.execute(
            "select distinct source_file from raw.sensor_counts "
            "where sensor_id = ? and period_start >= ? and period_start < ?",
            [resent.sensor_id, resent.start, resent.end],
        ).fetchall()
        manifest = conn.execute(
            "select count(*) from raw.load_manifest where path in (?, ?)", list(duplicate.files)
        ).fetchone()[0]
    assert sources == [(resent.files[1],)]  # only the later, corrected delivery remains
    assert manifest == 1


def test_malformed_rows_are_quarantined_with_reason_codes(pipeline) -> None:
    data_dir, summary, _ = pipeline
    malformed = summary.fault("malformed_rows")
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as conn:
        codes = conn.execute(
            "select reason_code, count(*) from raw.quarantine where source_file = ? "
            "group by 1 order by 1", [malformed.files[0]],
        ).fetchall()
        loaded = conn.execute(
            "select count(*) from raw.sensor_counts where source_file = ?", [malformed.files[0]]
        ).fetchone()[0]
    assert sum(n for _, n in codes) == 4
    assert {code for code, _ in codes} <= {"MALFORMED_ROW", "NEGATIVE_COUNT", "BAD_PERIOD"}
    assert loaded > 0  # the rest of the file loaded


def test_running_everything_again_changes_nothing(pipeline) -> None:
    data_dir, _, _ = pipeline
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as conn:
        before = _fingerprint(conn)
        footfall = conn.execute("select sum(footfall) from marts.fct_site_daily").fetchone()
    _blipee(data_dir, "ingest")
    _blipee(data_dir, "build")
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as conn:
        assert _fingerprint(conn) == before
        assert conn.execute("select sum(footfall) from marts.fct_site_daily").fetchone() == footfall


def test_the_same_commands_run_on_a_postgres_warehouse(tmp_path: Path, pg_dsn: str) -> None:
    """BLIPEE_WAREHOUSE=postgres: ingestion and dbt both go to PostgreSQL, unchanged."""
    generate_demo(tmp_path / "landing", stores=2, days=3, seed=3, end_date=date(2026, 11, 20))
    env = {**os.environ, "BLIPEE_DATA_DIR": str(tmp_path), "BLIPEE_CONFIG": "none",
           "BLIPEE_WAREHOUSE": "postgres", "BLIPEE_PG_DSN": pg_dsn}
    for command in (["ingest"], ["build"], ["summary"]):
        done = subprocess.run([BLIPEE, *command], env=env, capture_output=True, text=True,
                              timeout=600, check=False)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "site_002" in done.stdout
    with psycopg.connect(pg_dsn) as conn:
        sites, footfall = conn.execute(
            "select count(distinct site_id), sum(footfall) from marts.fct_site_daily"
        ).fetchone()
    assert sites == 2
    assert footfall > 0
    assert not (tmp_path / "warehouse.duckdb").exists()  # nothing went to DuckDB
