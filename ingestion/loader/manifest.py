"""The load manifest: which landed files are loaded, and what makes two files the same.

A file's identity is its content (sha256) and the folder it landed in: the same bytes in
one device folder are one delivery under any name (a copy loads nothing), the same bytes
in two device folders are two deliveries (two cameras that both wrote an all-zero day).
Axis and Hikvision payloads do not name their device, so the folder is part of the data.

Warehouses made before the folder was part of the identity are migrated in place by
`migrate_manifest` (idempotent, run by `ensure_raw_tables`): the column is added and filled
from each row's path, and the key becomes (sha256, landing_folder).
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

from ingestion.schemas import LOAD_MANIFEST, RAW_SCHEMA

FOLDER = "landing_folder"


def landing_folder(rel: str) -> str:
    """The landing-relative folder of a file: `sensors/axis/<serial>` for a device's file."""
    return PurePosixPath(rel).parent.as_posix()


def is_loaded(conn: Any, dialect: str, sha256: str, rel: str) -> bool:
    """Whether these bytes were loaded from this file's folder already."""
    from ingestion.loader.store import run

    return bool(run(conn, dialect, f"select 1 from {LOAD_MANIFEST.qualified} "
                    f"where sha256 = %s and {FOLDER} = %s", [sha256, landing_folder(rel)]))


def forget(conn: Any, dialect: str, sha256: str, rel: str) -> None:
    """Delete the manifest row of this identity (before writing its new one)."""
    from ingestion.loader.store import run

    run(conn, dialect, f"delete from {LOAD_MANIFEST.qualified} "
        f"where sha256 = %s and {FOLDER} = %s", [sha256, landing_folder(rel)])


def _primary_key(conn: Any) -> list[str]:
    rows = conn.execute(
        "select k.column_name from information_schema.table_constraints t "
        "join information_schema.key_column_usage k "
        "on k.constraint_schema = t.constraint_schema and k.constraint_name = t.constraint_name "
        f"where t.table_schema = '{RAW_SCHEMA}' and t.table_name = '{LOAD_MANIFEST.name}' "
        "and t.constraint_type = 'PRIMARY KEY' order by k.ordinal_position").fetchall()
    return [r[0] for r in rows]


def _folder_of_path(column: str = "path") -> str:
    """SQL for the folder of a landing path (both dialects): everything before the last /."""
    return (f"case when strpos({column}, '/') = 0 then '.' else "
            f"left({column}, length({column}) - strpos(reverse({column}), '/')) end")


def migrate_manifest(conn: Any, dialect: str) -> None:
    """Bring an existing raw.load_manifest to the (sha256, landing_folder) identity.

    Safe to run on every start: rows without a folder get theirs from their path, and the
    key is changed only while it is still the old one. PostgreSQL changes the constraint in
    place (views on the table stay valid); DuckDB cannot drop a primary key, so the table is
    rebuilt (it holds one row per landed file).
    """
    conn.execute(f"update {LOAD_MANIFEST.qualified} set {FOLDER} = {_folder_of_path()} "
                 f"where {FOLDER} is null")
    wanted = list(LOAD_MANIFEST.key)
    if _primary_key(conn) == wanted:
        return
    if dialect == "postgres":
        name = conn.execute(
            "select constraint_name from information_schema.table_constraints "
            f"where table_schema = '{RAW_SCHEMA}' and table_name = '{LOAD_MANIFEST.name}' "
            "and constraint_type = 'PRIMARY KEY'").fetchall()
        table = LOAD_MANIFEST.qualified
        with conn.transaction():
            if name:
                conn.execute(f"alter table {table} drop constraint {name[0][0]}")
            conn.execute(f"alter table {table} alter column {FOLDER} set not null")
            conn.execute(f"alter table {table} add primary key ({', '.join(wanted)})")
        return
    columns = ", ".join(LOAD_MANIFEST.column_names)
    rebuilt = f"{RAW_SCHEMA}.{LOAD_MANIFEST.name}__rebuilt"
    conn.begin()
    try:
        conn.execute(f"drop table if exists {rebuilt}")
        conn.execute(LOAD_MANIFEST.ddl(dialect, rebuilt))
        conn.execute(f"insert into {rebuilt} ({columns}) select {columns} "
                     f"from {LOAD_MANIFEST.qualified}")
        conn.execute(f"drop table {LOAD_MANIFEST.qualified}")
        conn.execute(f"alter table {rebuilt} rename to {LOAD_MANIFEST.name}")
    except BaseException:
        conn.rollback()
        raise
    conn.commit()
