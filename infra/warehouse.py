"""Connections to the warehouse: a DuckDB file or a PostgreSQL server, both in UTC."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import psycopg

from infra.postgres import resolve_dsn
from infra.settings import Settings


def connect_duckdb(path: Path | str, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection in UTC; read-only connections may share the file with each other."""
    if not read_only:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = duckdb.connect(str(path), read_only=read_only)
    conn.execute("set timezone = 'UTC'")
    return conn


def connect_postgres(dsn: str) -> psycopg.Connection:
    conn = psycopg.connect(dsn, autocommit=True)
    conn.execute("set timezone = 'UTC'")
    return conn


@contextmanager
def open_warehouse(settings: Settings, *, read_only: bool = False) -> Iterator[tuple[Any, str]]:
    """Yield (connection, dialect) for the configured warehouse, closed afterwards.

    A PostgreSQL warehouse without a configured DSN is the embedded server under the data dir.
    """
    if settings.warehouse == "postgres":
        conn: Any = connect_postgres(resolve_dsn(settings.pg_dsn, settings.data_dir))
        dialect = "postgres"
    else:
        conn = connect_duckdb(settings.duckdb_path, read_only=read_only)
        dialect = "duckdb"
    try:
        yield conn, dialect
    finally:
        conn.close()
