"""The ingestion assets materialise through Dagster on a real DuckDB file, and the landing
sensor launches a run only when something new has landed."""

from datetime import date
from pathlib import Path

import duckdb
import pytest
from dagster import (
    AssetKey,
    DagsterInstance,
    RunRequest,
    SkipReason,
    build_sensor_context,
    materialize,
)

from ingestion.demo import generate_demo
from orchestration.defs.ingestion.assets import pos_data, reference_data, sensor_data
from orchestration.defs.ingestion.checks import evaluate, raw_table_checks
from orchestration.defs.ingestion.quarantine import quarantine
from orchestration.defs.ingestion.sensors import landing_sensor
from orchestration.resources import BlipeeResource


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    generate_demo(tmp_path / "landing", stores=2, days=2, seed=7, end_date=date(2026, 11, 20))
    return tmp_path


def _materialize(data_dir: Path):
    return materialize(
        [reference_data, sensor_data, pos_data, quarantine, raw_table_checks],
        resources={"blipee": BlipeeResource(data_dir=str(data_dir), warehouse="duckdb")},
        instance=DagsterInstance.ephemeral(),
    )


def conn_newest(data_dir: Path):
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as conn:
        conn.execute("set timezone = 'UTC'")
        return conn.execute("select max(period_start) from raw.sensor_counts").fetchone()[0]


def _metadata(result, *path: str) -> dict:
    [event] = [e for e in result.get_asset_materialization_events()
               if e.asset_key == AssetKey(list(path))]
    return event.materialization.metadata


def test_assets_load_the_landing_area_once(data_dir: Path) -> None:
    first = _materialize(data_dir)
    assert first.success
    counts = _metadata(first, "raw", "sensor_counts")
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as conn:
        stored = conn.execute("select count(*) from raw.sensor_counts").fetchone()[0]
        sites = conn.execute("select count(*) from raw.sites").fetchone()[0]
    assert stored > 0
    assert counts["dagster/row_count"].value == stored
    # a re-sent period replaces rows instead of adding them: written >= kept
    assert counts["rows_loaded_this_run"].value >= stored
    preview = counts["preview_newest_rows"].value
    assert "| sensor_id |" in preview
    newest = conn_newest(data_dir)
    assert preview.splitlines()[2].split(" | ")[2] == str(newest)  # newest period first
    assert _metadata(first, "raw", "sites")["dagster/row_count"].value == sites == 2

    checks = {e.check_name: e.passed for e in first.get_asset_check_evaluations()}
    assert checks["sensor_counts_key_is_unique"] is True
    assert checks["sensor_counts_expectations"] is True  # the Great Expectations suite
    assert checks["pos_transactions_expectations"] is True
    assert all(checks.values()), checks

    rejects = _metadata(first, "raw", "quarantine")
    assert rejects["dagster/row_count"].value == quarantined(data_dir)
    assert "| reason_code | source_format |" in rejects["rows_by_reason_code_and_format"].value
    assert "blipee quarantine replay" in rejects["how_to_replay"].value

    second = _materialize(data_dir)
    again = _metadata(second, "raw", "sensor_counts")
    assert again["rows_loaded_this_run"].value == 0
    assert again["files_loaded"].value == 0
    assert again["dagster/row_count"].value == stored


def quarantined(data_dir: Path) -> int:
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as conn:
        return conn.execute("select count(*) from raw.quarantine").fetchone()[0]


def test_landing_sensor_fires_for_new_files_only(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    landing = tmp_path / "landing"
    (landing / "sensors" / "generic").mkdir(parents=True)
    monkeypatch.setenv("BLIPEE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("BLIPEE_CONFIG", str(tmp_path / "none.toml"))
    (landing / "sensors" / "generic" / "a.csv").write_text("x\n")

    context = build_sensor_context()
    assert isinstance(landing_sensor(context), RunRequest)
    assert isinstance(landing_sensor(context), SkipReason)  # nothing new since the cursor
    (landing / "sensors" / "generic" / "b.csv").write_text("y\n")
    request = landing_sensor(context)
    assert isinstance(request, RunRequest)
    assert request.run_key.endswith("-2")  # two files seen


def test_expectations_check_fails_on_a_bad_row(data_dir: Path) -> None:
    assert _materialize(data_dir).success
    with duckdb.connect(str(data_dir / "warehouse.duckdb")) as conn:
        conn.execute(
            "insert into raw.sensor_counts select sensor_id, line_id, "
            "period_start + interval 1 day * 400, period_end + interval 1 day * 400, -5, "
            "count_out, received_at, 'bad.csv', source_format, delivered_at, now() "
            "from raw.sensor_counts limit 1"
        )
    with BlipeeResource(data_dir=str(data_dir), warehouse="duckdb").connect(
            read_only=True) as (conn, _):
        result = evaluate(conn, "sensor_counts_expectations")
    assert result.passed is False
    failed = result.metadata["failed"].value
    assert {f["reason_code"] for f in failed} >= {"NEGATIVE_COUNT", "FUTURE_TIMESTAMP"}
