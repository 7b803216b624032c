"""Writing hand-made rows into the canonical raw tables on DuckDB or PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from infra.warehouse import connect_duckdb, connect_postgres
from ingestion.schemas import ALL_TABLES, LINEAGE

LINEAGE_NAMES = {column.name for column in LINEAGE}


def insert_rows(
    conn: Any, dialect: str, table: str, rows: list[dict[str, Any]], delivered_at: datetime
) -> None:
    """Insert rows (lineage columns filled in) into raw.<table>, replacing rows with the same
    key the way the loader does: a later delivery of a key wins."""
    spec = ALL_TABLES[table]
    names = spec.column_names
    marker = "?" if dialect == "duckdb" else "%s"
    for row in rows:
        full = {
            "source_file": "test.csv", "source_format": "test", "delivered_at": delivered_at,
            "ingested_at": delivered_at, **row,
        }
        if spec.key:
            where = " and ".join(f"{k} = {marker}" for k in spec.key)
            conn.execute(f"delete from {spec.qualified} where {where}", [full[k] for k in spec.key])
        conn.execute(
            f"insert into {spec.qualified} ({', '.join(names)}) "
            f"values ({', '.join(marker for _ in names)})",
            [full.get(name) for name in names],
        )


def load(conn: Any, dialect: str, tables: dict[str, list[dict[str, Any]]],
         delivered_at: datetime) -> None:
    for table, rows in tables.items():
        insert_rows(conn, dialect, table, rows, delivered_at)


@contextmanager
def connection(target: str, where: str) -> Iterator[Any]:
    """A short-lived connection (dbt needs the DuckDB file to itself while it runs)."""
    conn = connect_duckdb(Path(where)) if target == "duckdb" else connect_postgres(where)
    try:
        yield conn
    finally:
        conn.close()


def plain(value: Any) -> Any:
    """Decimals and floats as floats rounded to 6 places, to compare across warehouses."""
    if isinstance(value, Decimal | float):
        return round(float(value), 6)
    return value


@dataclass(frozen=True)
class BuiltChain:
    """A hand-made chain loaded and built: a query function, dbt's env and the work dir."""

    query: Callable[[str], list[tuple[Any, ...]]]
    env: dict[str, str]
    work: Path


# A module fixture's params: every build test runs on both warehouses.
WAREHOUSES = ["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)]


@contextmanager
def built_chain(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
                name: str, tables: dict[str, list[dict[str, Any]]], delivered: datetime,
                build: list[str]) -> Iterator[BuiltChain]:
    """`tables` loaded into fresh raw tables on the warehouse `request.param` names (a
    scratch database on PostgreSQL), then `dbt <build>`; plain values back from queries."""
    from dbt_runner import run_dbt

    from infra.postgres import dbt_env, scratch_database
    from ingestion.raw_tables import ensure_raw_tables

    target = request.param
    work = tmp_path_factory.mktemp(f"dbt-{name}-{target}")

    def run(where: str, env: dict[str, str]) -> BuiltChain:
        with connection(target, where) as conn:
            ensure_raw_tables(conn, target)
            load(conn, target, tables, delivered)
        run_dbt(build, target, env, work)

        def select(sql: str) -> list[tuple[Any, ...]]:
            with connection(target, where) as conn:
                return [tuple(plain(v) for v in row) for row in conn.execute(sql).fetchall()]
        return BuiltChain(select, {**env, "DBT_TARGET": target}, work)

    if target == "duckdb":
        path = str(work / "warehouse.duckdb")
        yield run(path, {"BLIPEE_DUCKDB_PATH": path})
        return
    server = request.getfixturevalue("pg_server_dsn")
    with scratch_database(server, prefix=f"blipee_dbt_{name}") as dsn:
        yield run(dsn, dbt_env(dsn))
