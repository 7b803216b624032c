"""The raw schema in the warehouse: every canonical table created before a load writes to it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from infra.settings import Settings
from infra.warehouse import open_warehouse
from ingestion.schemas import ALL_TABLES, RAW_SCHEMA


def ensure_raw_tables(conn: Any, dialect: str) -> None:
    """Create schema `raw` and every canonical table that does not exist yet."""
    conn.execute(f"create schema if not exists {RAW_SCHEMA}")
    for table in ALL_TABLES.values():
        conn.execute(table.ddl(dialect))


@contextmanager
def open_raw_warehouse(settings: Settings) -> Iterator[tuple[Any, str]]:
    """Yield (connection, dialect) for the configured warehouse with the raw tables in place."""
    with open_warehouse(settings) as (conn, dialect):
        ensure_raw_tables(conn, dialect)
        yield conn, dialect
