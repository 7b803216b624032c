"""DuckDB steps take the one-writer pool; PostgreSQL steps carry none and run in parallel."""

import pytest

from orchestration.lib.concurrency import DUCKDB_POOL, WAREHOUSE_TAG, executor, warehouse_step


def test_duckdb_steps_share_one_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BLIPEE_WAREHOUSE", "duckdb")
    assert warehouse_step() == {"op_tags": {WAREHOUSE_TAG: "duckdb"}, "pool": DUCKDB_POOL}


def test_postgres_steps_keep_their_parallelism(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BLIPEE_WAREHOUSE", "postgres")
    assert warehouse_step() == {"op_tags": {WAREHOUSE_TAG: "postgres"}, "pool": None}


def test_the_executor_limits_only_duckdb_tagged_steps() -> None:
    config = executor().apply_config_mapping({}).value["config"]
    assert config["tag_concurrency_limits"] == [
        {"key": WAREHOUSE_TAG, "value": "duckdb", "limit": 1}]
    assert config["max_concurrent"] is None  # everything else as parallel as the machine
