"""The resources every asset shares: blipee's settings and the warehouse they point at."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from dagster import ConfigurableResource

from infra.postgres import dbt_env, resolve_dsn
from infra.settings import Settings
from infra.warehouse import open_warehouse
from ingestion.raw_tables import open_raw_warehouse


class BlipeeResource(ConfigurableResource):
    """blipee's settings (BLIPEE_* environment, blipee.toml, embedded defaults).

    Empty fields fall back to the environment, so the same definitions run on the embedded
    DuckDB warehouse locally and on PostgreSQL where BLIPEE_WAREHOUSE=postgres is set.
    """

    data_dir: str | None = None
    warehouse: str | None = None

    def settings(self) -> Settings:
        env = dict(os.environ)
        if self.data_dir:
            env["BLIPEE_DATA_DIR"] = self.data_dir
        if self.warehouse:
            env["BLIPEE_WAREHOUSE"] = self.warehouse
        return Settings.from_env(env)

    @contextmanager
    def connect(self, *, read_only: bool = False) -> Iterator[tuple[Any, str]]:
        """(connection, dialect) of the warehouse. Steps that only read ask for read_only:
        on DuckDB several read-only processes may share the file (while nobody writes); a
        file that does not exist yet is created with its raw tables instead."""
        settings = self.settings()
        if read_only and (settings.warehouse != "duckdb" or settings.duckdb_path.exists()):
            with open_warehouse(settings, read_only=True) as (conn, dialect):
                yield conn, dialect
            return
        with open_raw_warehouse(settings) as (conn, dialect):
            yield conn, dialect

    def dbt_environment(self) -> dict[str, str]:
        """Environment for a dbt process so its profile targets the same warehouse."""
        settings = self.settings()
        env = {
            "BLIPEE_DATA_DIR": str(settings.data_dir),
            "BLIPEE_DUCKDB_PATH": str(settings.duckdb_path),
            "DBT_TARGET": settings.warehouse,
        }
        if settings.warehouse == "postgres":
            env.update(dbt_env(resolve_dsn(settings.pg_dsn, settings.data_dir)))
        return env
