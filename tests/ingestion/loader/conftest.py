"""Fixtures for the loader tests: a fresh warehouse of each kind, tiny parsers installed."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from loader_support import tiny_pos_parser, tiny_sensor_parser

from infra.postgres import scratch_database
from infra.settings import Settings
from infra.warehouse import connect_duckdb, connect_postgres
from ingestion.loader import dispatch
from ingestion.raw_tables import ensure_raw_tables
from tests.ingestion.bad_input_warehouse import wh  # noqa: F401 (the bad-input tests' fixture)

Warehouse = tuple[Any, str]


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def make_warehouse(request: pytest.FixtureRequest, tmp_path: Path
                   ) -> Iterator[Callable[[], Warehouse]]:
    """A factory of empty warehouses (raw tables created) of the parametrised kind."""
    dialect = request.param
    stack = ExitStack()
    counter = iter(range(1000))

    def make() -> Warehouse:
        if dialect == "duckdb":
            conn: Any = connect_duckdb(tmp_path / f"warehouse-{next(counter)}.duckdb")
        else:
            server = request.getfixturevalue("pg_server_dsn")
            conn = connect_postgres(stack.enter_context(scratch_database(server, "blipee_ld")))
        stack.callback(conn.close)
        ensure_raw_tables(conn, dialect)
        return conn, dialect

    with stack:
        yield make


@pytest.fixture
def warehouse(make_warehouse: Callable[[], Warehouse]) -> Warehouse:
    return make_warehouse()


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    path = tmp_path / "landing"
    path.mkdir()
    return path


@pytest.fixture
def settings(tmp_path: Path, landing: Path) -> Settings:
    return Settings(data_dir=tmp_path, landing_dir=landing)


@pytest.fixture
def tiny_parsers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Install the tests' tiny sensor and POS parsers for the landing folders."""
    monkeypatch.setitem(dispatch.OVERRIDES, "sensors", tiny_sensor_parser)
    monkeypatch.setitem(dispatch.OVERRIDES, "pos", tiny_pos_parser)
