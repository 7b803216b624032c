"""The warehouse schema `ml`: what the forecaster writes, on DuckDB and PostgreSQL alike.

Three tables, each replaced by its key so a re-run writes the same rows again and changes
nothing (idempotent):

- `ml.forecasts` — one row per target, horizon family (`nowcast`: the next 4 hours;
  `day_ahead`: the next 14 days), site, origin and hour ahead. Key: target, horizon,
  site_id, origin, hour_start_at.
- `ml.backtest_scores` — one row per model version, target, horizon and method (`lightgbm`
  or a baseline). Key: model_version, target, horizon, method.
- `ml.estimated_hours` — an estimate for each past open hour whose count was lost to an
  outage, kept apart from the count. Key: target, site_id, hour_start_at.

dbt reads them back as sources (`marts.fct_forecasts`, `fct_forecast_accuracy`,
`fct_site_daily_estimated`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

SCHEMA = "ml"


@dataclass(frozen=True)
class MlTable:
    name: str
    columns: tuple[tuple[str, str], ...]  # (name, portable SQL type)
    key: tuple[str, ...]

    def ddl(self) -> str:
        cols = ",\n    ".join(f"{name} {sql_type}" for name, sql_type in self.columns)
        return f"create table if not exists {SCHEMA}.{self.name} (\n    {cols}\n)"

    @property
    def column_names(self) -> list[str]:
        return [name for name, _ in self.columns]


TS = "timestamp with time zone"
FORECASTS = MlTable(
    "forecasts",
    (("model_version", "varchar"), ("target", "varchar"), ("horizon", "varchar"),
     ("site_id", "varchar"), ("origin", TS), ("hour_start_at", TS),
     ("hours_ahead", "integer"), ("yhat", "double precision"), ("p10", "double precision"),
     ("p90", "double precision"), ("interval_method", "varchar"), ("created_at", TS)),
    ("target", "horizon", "site_id", "origin", "hour_start_at"),
)
BACKTEST_SCORES = MlTable(
    "backtest_scores",
    (("model_version", "varchar"), ("target", "varchar"), ("horizon", "varchar"),
     ("method", "varchar"), ("origins", "integer"), ("sites", "integer"),
     ("hours", "integer"), ("first_origin", TS), ("last_origin", TS),
     ("wape", "double precision"), ("wape_4h", "double precision"),
     ("share_4h_within_5pct", "double precision"),
     ("share_4h_within_10pct", "double precision"), ("bias", "double precision"),
     ("mase", "double precision"), ("coverage_80", "double precision"),
     ("width_80", "double precision"), ("interval_method", "varchar"),
     ("evaluated_at", TS)),
    ("model_version", "target", "horizon", "method"),
)
ESTIMATED_HOURS = MlTable(
    "estimated_hours",
    (("model_version", "varchar"), ("target", "varchar"), ("site_id", "varchar"),
     ("hour_start_at", TS), ("origin", TS), ("yhat", "double precision"),
     ("p10", "double precision"), ("p90", "double precision"), ("created_at", TS)),
    ("target", "site_id", "hour_start_at"),
)
TABLES = (FORECASTS, BACKTEST_SCORES, ESTIMATED_HOURS)


def ensure_ml_tables(conn: Any, dialect: str) -> None:
    """Create schema `ml` and its tables where they do not exist yet."""
    _run(conn, dialect, f"create schema if not exists {SCHEMA}")
    for table in TABLES:
        _run(conn, dialect, table.ddl())


def _run(conn: Any, dialect: str, sql: str, params: Sequence | None = None) -> None:
    if dialect == "postgres":
        with conn.cursor() as cur:
            cur.execute(sql, params or None)
    else:
        conn.execute(sql, params or [])


def replace_rows(conn: Any, dialect: str, table: MlTable, frame: pd.DataFrame,
                 scope: dict[str, Sequence] | None = None) -> int:
    """Write `frame` into ml.<table>: rows with the same key (or, given `scope`, every row
    whose columns take those values) are deleted first, all in one transaction."""
    ensure_ml_tables(conn, dialect)
    frame = frame.reindex(columns=table.column_names)
    if dialect == "postgres":
        return _replace_postgres(conn, table, frame, scope)
    return _replace_duckdb(conn, table, frame, scope)


def _scope_where(scope: dict[str, Sequence], mark: str) -> tuple[str, list]:
    clauses, params = [], []
    for column, values in scope.items():
        values = list(values)
        if not values:
            return "1 = 0", []
        clauses.append(f"{column} in ({', '.join(mark for _ in values)})")
        params += values
    return " and ".join(clauses) or "1 = 1", params


def _replace_duckdb(conn: Any, table: MlTable, frame: pd.DataFrame,
                    scope: dict[str, Sequence] | None) -> int:
    name = f"{SCHEMA}.{table.name}"
    conn.register("_ml_rows", frame)
    try:
        conn.execute("begin")
        if scope is not None:
            where, params = _scope_where(scope, "?")
            conn.execute(f"delete from {name} where {where}", params)
        else:
            on = " and ".join(f"t.{k} = n.{k}" for k in table.key)
            conn.execute(f"delete from {name} t where exists "
                         f"(select 1 from _ml_rows n where {on})")
        cols = ", ".join(table.column_names)
        conn.execute(f"insert into {name} ({cols}) select {cols} from _ml_rows")
        conn.execute("commit")
    except BaseException:
        conn.execute("rollback")
        raise
    finally:
        conn.unregister("_ml_rows")
    return len(frame)


def _replace_postgres(conn: Any, table: MlTable, frame: pd.DataFrame,
                      scope: dict[str, Sequence] | None) -> int:
    name = f"{SCHEMA}.{table.name}"
    cols = table.column_names
    records = [tuple(None if pd.isna(v) else _plain(v) for v in row)
               for row in frame.itertuples(index=False, name=None)]
    with conn.transaction(), conn.cursor() as cur:
        if scope is not None:
            where, params = _scope_where(scope, "%s")
            cur.execute(f"delete from {name} where {where}", params)
        else:
            types = dict(table.columns)
            key_cols = ", ".join(f"{k} {types[k]}" for k in table.key)
            cur.execute(f"create temporary table _ml_keys ({key_cols}) on commit drop")
            key_at = [cols.index(k) for k in table.key]
            with cur.copy(f"copy _ml_keys ({', '.join(table.key)}) from stdin") as copy:
                for record in records:
                    copy.write_row([record[i] for i in key_at])
            on = " and ".join(f"t.{k} = n.{k}" for k in table.key)
            cur.execute(f"delete from {name} t using _ml_keys n where {on}")
        with cur.copy(f"copy {name} ({', '.join(cols)}) from stdin") as copy:
            for record in records:
                copy.write_row(record)
    return len(records)


def _plain(value: Any) -> Any:
    """numpy scalars and pandas timestamps as the Python values psycopg adapts."""
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value.item() if hasattr(value, "item") else value


def read_table(conn: Any, dialect: str, table: MlTable, where: str = "",
               params: list | None = None) -> pd.DataFrame:
    from models_ml.data import fetch_frame

    ensure_ml_tables(conn, dialect)
    return fetch_frame(conn, dialect,
                       f"select {', '.join(table.column_names)} from {SCHEMA}.{table.name} "
                       f"{where}", params)
