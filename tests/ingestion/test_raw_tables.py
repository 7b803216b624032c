"""The canonical raw tables create and round-trip on DuckDB and on PostgreSQL alike."""

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest

from infra.warehouse import connect_duckdb
from ingestion.raw_tables import ensure_raw_tables
from ingestion.schemas import ALL_TABLES, POS_TRANSACTIONS

ROW = ("shopify", "1001", "S01", datetime(2026, 3, 29, 1, 30, tzinfo=UTC), "sale",
       Decimal("12.5000"), Decimal("0.0000"), Decimal("2.5000"), Decimal("10.0000"), "EUR", 2,
       None, None, None, "f.json", "shopify", datetime(2026, 3, 29, 2, tzinfo=UTC),
       datetime(2026, 3, 29, 3, tzinfo=UTC))


def _columns(conn, table: str) -> list[str]:
    return [r[0] for r in conn.execute(
        "select column_name from information_schema.columns "
        "where table_schema = 'raw' and table_name = %s order by ordinal_position"
        .replace("%s", f"'{table}'")
    ).fetchall()]


def _connect(dialect: str, duckdb_path: Path, request: pytest.FixtureRequest):
    """A real DuckDB file or a fresh PostgreSQL database."""
    if dialect == "duckdb":
        return connect_duckdb(duckdb_path)
    return psycopg.connect(request.getfixturevalue("pg_dsn"), autocommit=True)


@pytest.mark.parametrize("dialect", ["duckdb", "postgres"])
def test_raw_tables_have_the_declared_columns_and_keep_money_exact(
    dialect: str, duckdb_path: Path, request: pytest.FixtureRequest
) -> None:
    conn = _connect(dialect, duckdb_path, request)
    ensure_raw_tables(conn, dialect)
    ensure_raw_tables(conn, dialect)  # twice changes nothing
    for table in ALL_TABLES.values():
        assert _columns(conn, table.name) == table.column_names
    placeholders = ", ".join(["%s" if dialect == "postgres" else "?"] * len(ROW))
    if dialect == "postgres":
        conn.cursor().execute(f"insert into {POS_TRANSACTIONS.qualified} values ({placeholders})",
                              ROW)
    else:
        conn.execute(f"insert into {POS_TRANSACTIONS.qualified} values ({placeholders})", ROW)
    amount = conn.execute("select net_amount from raw.pos_transactions").fetchone()[0]
    assert amount == Decimal("10.0000")  # DECIMAL(18, 4), not a float
    conn.close()


@pytest.mark.parametrize("dialect", ["duckdb", "postgres"])
def test_a_warehouse_from_an_earlier_release_gains_the_columns_declared_since(
    dialect: str, duckdb_path: Path, request: pytest.FixtureRequest
) -> None:
    conn = _connect(dialect, duckdb_path, request)
    ensure_raw_tables(conn, dialect)
    sites = ALL_TABLES["sites"]
    dropped = sites.column_names[1]
    conn.execute(f"alter table raw.sites drop column {dropped}")
    assert dropped not in _columns(conn, "sites")
    ensure_raw_tables(conn, dialect)
    assert sorted(_columns(conn, "sites")) == sorted(sites.column_names)
    assert _columns(conn, "sites")[-1] == dropped  # added at the end, inserts name columns
    conn.close()
