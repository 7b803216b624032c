"""One step at a time on a DuckDB warehouse; PostgreSQL steps keep their parallelism.

DuckDB lets one process hold its file read-write, or several processes read-only while
nobody writes. Every step that opens the warehouse therefore carries the op tag
`blipee/warehouse=<duckdb|postgres>` and, on DuckDB, the concurrency pool `duckdb_warehouse`:

- inside a run, the executor launches one `duckdb`-tagged step at a time
  (`tag_concurrency_limits`), whatever the instance is configured with;
- across runs (the landing sensor's run beside an automation run), the pool holds the
  steps back; its limit of 1 comes from `dagster.yaml` (`concurrency: pools: default_limit`,
  written by `make dagster-home`).
"""

from __future__ import annotations

from typing import Any

from dagster import ExecutorDefinition, multiprocess_executor

from infra.settings import Settings

WAREHOUSE_TAG = "blipee/warehouse"
DUCKDB_POOL = "duckdb_warehouse"


def warehouse_kind() -> str:
    """`duckdb` or `postgres`, from the same settings the resources read."""
    return Settings.from_env().warehouse


def warehouse_step() -> dict[str, Any]:
    """Keyword arguments for every asset or check decorator whose step opens the warehouse."""
    kind = warehouse_kind()
    return {"op_tags": {WAREHOUSE_TAG: kind}, "pool": DUCKDB_POOL if kind == "duckdb" else None}


def executor() -> ExecutorDefinition:
    """The multiprocess executor with at most one DuckDB step running at once."""
    return multiprocess_executor.configured(
        {"tag_concurrency_limits": [{"key": WAREHOUSE_TAG, "value": "duckdb", "limit": 1}]},
        name="multiprocess_one_duckdb_writer",
    )
