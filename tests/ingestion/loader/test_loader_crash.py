"""A loader process killed inside a file's transaction leaves nothing of that file behind.

A real subprocess loads the landing dir; the loader's test hook (ingestion/loader/hooks.py)
makes it pause inside the transaction of the big weather file after writing its rows, the
test SIGKILLs it there, and a rerun must give exactly the tables of a clean load.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from loader_support import NOW, count, land_reference, snapshot, write

from infra.postgres import scratch_database
from infra.warehouse import connect_duckdb, connect_postgres
from ingestion.loader import load_landing
from ingestion.loader.hooks import PAUSE_MARKER, PAUSE_ON, PAUSE_SECONDS
from ingestion.raw_tables import ensure_raw_tables

REPO = Path(__file__).resolve().parents[3]
WEATHER_ROWS = 20_000
LOADER = """
import sys
from pathlib import Path
from ingestion.loader import load_landing
from infra.settings import Settings
from infra.warehouse import connect_duckdb, connect_postgres
from ingestion.raw_tables import ensure_raw_tables
dialect, target, landing = sys.argv[1], sys.argv[2], Path(sys.argv[3])
conn = connect_duckdb(target) if dialect == "duckdb" else connect_postgres(target)
ensure_raw_tables(conn, dialect)
load_landing(conn, dialect, landing, settings=Settings(data_dir=landing, landing_dir=landing))
"""


def _weather(rows: int) -> str:
    start = datetime(2024, 1, 1, tzinfo=UTC)
    lines = [f"s{i % 2 + 1},{(start + timedelta(hours=i // 2)).isoformat()},{i % 30}.5,0,sun"
             for i in range(rows)]
    return "site_id,ts,temperature_c,precipitation_mm,condition\n" + "\n".join(lines) + "\n"


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def targets(request, tmp_path):
    """Two empty warehouses' addresses (DuckDB paths or PostgreSQL DSNs)."""
    if request.param == "duckdb":
        yield "duckdb", [str(tmp_path / "killed.duckdb"), str(tmp_path / "clean.duckdb")]
        return
    server = request.getfixturevalue("pg_server_dsn")
    with scratch_database(server, "blipee_kill") as a, scratch_database(server, "blipee_k") as b:
        yield "postgres", [a, b]


def _connect(dialect: str, target: str):
    conn = connect_duckdb(target) if dialect == "duckdb" else connect_postgres(target)
    ensure_raw_tables(conn, dialect)
    return conn


def test_killed_load_leaves_nothing_and_rerun_equals_clean_load(targets, tmp_path, settings,
                                                                landing):
    dialect, (killed, clean) = targets
    land_reference(landing)
    write(landing, "reference/weather.csv", _weather(WEATHER_ROWS))
    marker = tmp_path / "inside-transaction"
    env = {**os.environ, PAUSE_SECONDS: "120", PAUSE_MARKER: str(marker),
           PAUSE_ON: "reference/weather.csv"}
    process = subprocess.Popen([sys.executable, "-c", LOADER, dialect, killed, str(landing)],
                               cwd=REPO, env=env, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():
            assert process.poll() is None, process.stderr.read().decode()
            assert time.monotonic() < deadline, "loader never reached the weather transaction"
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == -signal.SIGKILL

    conn = _connect(dialect, killed)
    # the three earlier files committed; the weather file left no row, reject or manifest
    assert count(conn, "weather") == 0
    assert count(conn, "load_manifest") == 3
    assert count(conn, "load_manifest", "where path = 'reference/weather.csv'") == 0
    rerun = load_landing(conn, dialect, landing, settings=settings, now=NOW)
    assert (rerun.files_loaded, rerun.files_skipped) == (1, 3)
    assert count(conn, "weather") == WEATHER_ROWS

    reference = _connect(dialect, clean)
    load_landing(reference, dialect, landing, settings=settings, now=NOW)
    for table in ("organizations", "sites", "sensors", "weather", "quarantine",
                  "load_manifest"):
        assert snapshot(conn, dialect, table) == snapshot(reference, dialect, table), table
    conn.close()
    reference.close()
