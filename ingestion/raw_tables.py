"""The raw schema in the warehouse: every canonical table created before a load writes to it.

A warehouse made by an earlier release keeps working: a column the declaration gained since
is added to the existing table (nullable, at the end; every insert names its columns), so
upgrading blipee never needs a hand-written `alter table`. A column declared nullable since
(targets_input's target_value and period_end) loses its `not null` the same way.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from infra.settings import Settings
from infra.warehouse import open_warehouse
from ingestion.loader.manifest import migrate_manifest
from ingestion.schemas import ALL_TABLES, RAW_SCHEMA, Table


def ensure_raw_tables(conn: Any, dialect: str) -> None:
    """Create schema `raw` and every canonical table; add columns declared since."""
    conn.execute(f"create schema if not exists {RAW_SCHEMA}")
    for table in ALL_TABLES.values():
        conn.execute(table.ddl(dialect))
        _add_missing_columns(conn, dialect, table)
    migrate_manifest(conn, dialect)  # its identity gained the landing folder


def _add_missing_columns(conn: Any, dialect: str, table: Table) -> None:
    existing = {
        str(row[0]): str(row[1]).upper() == "YES"
        for row in conn.execute(
            "select column_name, is_nullable from information_schema.columns "
            f"where table_schema = '{RAW_SCHEMA}' and table_name = '{table.name}'"
        ).fetchall()
    }
    for column in table.columns:
        if column.name not in existing:
            conn.execute(
                f"alter table {table.qualified} add column {column.name} "
                f"{column.sql_type(dialect)}"
            )
        elif column.nullable and not existing[column.name] and column.name not in table.key:
            # made optional since: a row without it must not be refused by the warehouse
            conn.execute(f"alter table {table.qualified} alter column {column.name} "
                         "drop not null")


@contextmanager
def open_raw_warehouse(settings: Settings) -> Iterator[tuple[Any, str]]:
    """Yield (connection, dialect) for the configured warehouse with the raw tables in place."""
    with open_warehouse(settings) as (conn, dialect):
        ensure_raw_tables(conn, dialect)
        yield conn, dialect
