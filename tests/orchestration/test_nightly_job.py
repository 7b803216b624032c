"""The nightly job as the UI runs it: through a real Dagster instance, one process per step
(the multiprocess executor), on a DuckDB warehouse. Every step and every check succeeds, and
no two steps that open the DuckDB file ever run at the same time."""

from datetime import date
from itertools import pairwise
from pathlib import Path

import pytest

from infra.settings import Settings
from ingestion.demo import generate_demo
from orchestration.instance import run_nightly_build

WAREHOUSE_STEPS = ("reference_data", "sensor_data", "pos_data", "raw__quarantine",
                   "raw_table_checks", "blipee_dbt_models", "ml__training_frame",
                   "ml__backtest_scores", "ml__day_ahead", "ml__nowcast", "ml__estimated_hours",
                   "blipee_dbt_forecasts")


@pytest.fixture
def demo_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    generate_demo(tmp_path / "landing", stores=2, days=3, seed=5, end_date=date(2026, 11, 20))
    for name, value in {"BLIPEE_DATA_DIR": str(tmp_path), "BLIPEE_WAREHOUSE": "duckdb",
                        "DBT_TARGET": "duckdb", "BLIPEE_CONFIG": str(tmp_path / "none.toml"),
                        "DAGSTER_HOME": str(tmp_path / "dagster_home"),
                        # one target, few boosting rounds: the wiring, not the accuracy
                        "BLIPEE_ML_TARGETS": "footfall", "BLIPEE_ML_ROUNDS": "20"}.items():
        monkeypatch.setenv(name, value)  # the step processes inherit the environment
    return Settings.from_env()


@pytest.mark.slow
def test_nightly_job_succeeds_step_by_step_in_separate_processes(demo_env: Settings) -> None:
    outcome = run_nightly_build(demo_env)

    assert outcome.steps_failed == []
    assert outcome.success, outcome
    assert {*WAREHOUSE_STEPS, "ml__forecast_models"} <= set(outcome.steps_succeeded)
    assert outcome.checks_failed == []
    assert len(outcome.checks_passed) > 100  # dbt data tests and the raw tables' checks
    assert any(c.endswith(":sensor_counts_expectations") for c in outcome.checks_passed)
    assert outcome.materialized >= 60
    # one DuckDB step at a time: their [start, end] windows never overlap
    windows = sorted(outcome.step_windows[s] for s in WAREHOUSE_STEPS)
    for (_, end), (start, _) in pairwise(windows):
        assert start >= end
    assert (Path(demo_env.data_dir) / "dagster_home" / "dagster.yaml").exists()
