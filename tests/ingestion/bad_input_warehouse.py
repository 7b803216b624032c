"""A real warehouse of each kind for the bad-input tests: land files, load, read back.

Imported by the conftests of tests/ingestion/pos and tests/ingestion/sensors and by
tests/ingestion/test_reference_validation.py; the same test runs on DuckDB and PostgreSQL.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from infra.postgres import scratch_database
from infra.settings import Settings
from infra.warehouse import connect_duckdb, connect_postgres
from ingestion.loader import load_landing
from ingestion.loader.reports import LoadReport
from ingestion.loader.store import run
from ingestion.raw_tables import ensure_raw_tables

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
LANDED = datetime(2026, 11, 1, tzinfo=UTC)
ORGS = "organization_id,name,reporting_currency\norg1,Acme,EUR\n"
SITES = ("site_id,organization_id,region_id,name,site_type,timezone,currency,open_date\n"
         "s1,org1,r1,Berlin,store,Europe/Berlin,EUR,2020-01-01\n")


@dataclass
class Warehouse:
    """One empty warehouse with the raw tables, and a landing dir to load from."""

    conn: Any
    dialect: str
    landing: Path
    settings: Settings

    def land(self, rel: str, text: str | bytes, mtime: datetime = LANDED) -> Path:
        path = self.landing / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, str):
            path.write_text(text)
        else:
            path.write_bytes(text)
        os.utime(path, (mtime.timestamp(), mtime.timestamp()))
        return path

    def land_sites(self, sites: str = SITES) -> None:
        self.land("reference/organizations.csv", ORGS)
        self.land("reference/sites.csv", sites)

    def load(self, now: datetime = NOW) -> LoadReport:
        return load_landing(self.conn, self.dialect, self.landing, settings=self.settings,
                            now=now)

    def rows(self, query: str, params: list[Any] | None = None) -> list[tuple]:
        return [tuple(r) for r in run(self.conn, self.dialect, query, params or [])]

    def quarantine(self, like: str = "%") -> list[tuple]:
        """(source_file, line_no, reason_code, reason) of the files matching `like`."""
        return self.rows("select source_file, line_no, reason_code, reason from raw.quarantine "
                         "where source_file like %s order by source_file, line_no, reason_code",
                         [like])


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def wh(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Warehouse]:
    """An empty warehouse of the parametrised kind, with its landing dir."""
    with ExitStack() as stack:
        if request.param == "duckdb":
            conn: Any = connect_duckdb(tmp_path / "warehouse.duckdb")
        else:
            server = request.getfixturevalue("pg_server_dsn")
            conn = connect_postgres(stack.enter_context(scratch_database(server, "blipee_bad")))
        stack.callback(conn.close)
        ensure_raw_tables(conn, request.param)
        landing = tmp_path / "landing"
        landing.mkdir()
        yield Warehouse(conn, request.param, landing,
                        Settings(data_dir=tmp_path, landing_dir=landing))
