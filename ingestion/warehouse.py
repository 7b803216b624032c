"""Connections to the warehouse (DuckDB file or PostgreSQL) and the raw schema in it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import psycopg

from ingestion.postgres import resolve_dsn
from ingestion.schemas import ALL_TABLES, RAW_SCHEMA
from ingestion.settings import Settings


def connect_duckdb(path: Path | str) -> duckdb.DuckDBPyConnection:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = duckdb.connect(str(path))
    conn.execute("set timezone = 'UTC'")
    return conn


def connect_postgres(dsn: str) -> psycopg.Connection:
    conn = psycopg.connect(dsn, autocommit=True)
    conn.execute("set timezone = 'UTC'")
    return conn


def ensure_raw_tables(conn: Any, dialect: str) -> None:
    """Create schema `raw` and every canonical table that does not exist yet."""
    conn.execute(f"create schema if not exists {RAW_SCHEMA}")
    for table in ALL_TABLES.values():
        conn.execute(table.ddl(dialect))


@contextmanager
def open_warehouse(settings: Settings) -> Iterator[tuple[Any, str]]:
    """Yield (connection, dialect) for the configured warehouse, raw tables in place.

    A PostgreSQL warehouse without a configured DSN is the embedded server under the data dir.
    """
    if settings.warehouse == "postgres":
        conn: Any = connect_postgres(resolve_dsn(settings.pg_dsn, settings.data_dir))
        dialect = "postgres"
    else:
        conn = connect_duckdb(settings.duckdb_path)
        dialect = "duckdb"
    try:
        ensure_raw_tables(conn, dialect)
        yield conn, dialect
    finally:
        conn.close()
