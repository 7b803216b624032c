"""The resources every asset shares: blipee's settings and the warehouse they point at."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from dagster import ConfigurableResource

from ingestion.postgres import dbt_env, resolve_dsn
from ingestion.settings import Settings
from ingestion.warehouse import open_warehouse


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
        settings = Settings.from_env(env)
        if settings.warehouse == "postgres" and not settings.pg_dsn:
            settings = _with_embedded_pg(settings)
        return settings

    @contextmanager
    def connect(self) -> Iterator[tuple[Any, str]]:
        with open_warehouse(self.settings()) as (conn, dialect):
            yield conn, dialect

    def dbt_environment(self) -> dict[str, str]:
        """Environment for a dbt process so its profile targets the same warehouse."""
        settings = self.settings()
        env = {
            "BLIPEE_DATA_DIR": str(settings.data_dir),
            "BLIPEE_DUCKDB_PATH": str(settings.duckdb_path),
            "DBT_TARGET": settings.warehouse,
        }
        if settings.warehouse == "postgres" and settings.pg_dsn:
            env.update(dbt_env(settings.pg_dsn))
        return env


def _with_embedded_pg(settings: Settings) -> Settings:
    from dataclasses import replace

    return replace(settings, pg_dsn=resolve_dsn(None, settings.data_dir))
