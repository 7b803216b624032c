"""The loader's SQL on both warehouses: staging, latest-wins upserts, plain appends, reads.

DuckDB: Arrow frames are registered as views and written with delete-then-insert (the key
match found by hash joins). PostgreSQL: rows are COPYed (CSV) into a temp staging table and
merged with INSERT ... ON CONFLICT (key) DO UPDATE ... WHERE the incoming row is newer.

"Newer" is the pair (delivered_at, source_file) compared lexicographically: the later
delivery wins, and a tie goes to the larger file name, so the outcome does not depend on the
order in which files are loaded.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import polars as pl
import pyarrow as pa

from ingestion.loader.frames import polars_type
from ingestion.schemas import Table

_COPY_CHUNK_ROWS = 200_000


def run(conn: Any, dialect: str, query: str, params: Sequence[Any] = ()) -> list[tuple]:
    """Execute one statement (placeholders written `%s`) and return its rows, if any."""
    if dialect == "duckdb":
        result = conn.execute(query.replace("%s", "?"), list(params))
        return result.fetchall() if result.description else []
    cursor = conn.execute(query, list(params) or None)
    return cursor.fetchall() if cursor.description else []


@contextmanager
def transaction(conn: Any, dialect: str) -> Iterator[None]:
    """One database transaction: everything inside commits together or not at all."""
    if dialect == "duckdb":
        conn.begin()
        try:
            yield
        except BaseException:
            conn.rollback()
            raise
        conn.commit()
        return
    with conn.transaction():
        yield
    if not conn.autocommit:
        conn.commit()


def read_polars(conn: Any, dialect: str, query: str, schema: dict[str, pl.DataType]
                ) -> pl.DataFrame:
    """A query's result as a polars frame with the given column types."""
    if dialect == "duckdb":
        frame = conn.sql(query).pl()
        return frame.cast(schema) if frame.height else pl.DataFrame(schema=schema)  # type: ignore[arg-type]
    rows = run(conn, dialect, query)
    return pl.DataFrame(rows, schema=schema, orient="row")


def table_schema(table: Table, names: Sequence[str] | None = None) -> dict[str, pl.DataType]:
    by_name = {c.name: c for c in table.columns}
    return {n: polars_type(by_name[n].type) for n in (names or table.column_names)}


def _cols(table: Table, prefix: str = "") -> str:
    return ", ".join(f"{prefix}{c}" for c in table.column_names)


def _key_match(table: Table, a: str = "t", b: str = "s",
               key: Sequence[str] | None = None) -> str:
    return " and ".join(f"{a}.{k} = {b}.{k}" for k in (key or table.key))


def _newer(a: str = "s", b: str = "t") -> str:
    """Row `a` replaces row `b`: delivered later, or at the same time from a file >= b's."""
    return (f"({a}.delivered_at > {b}.delivered_at or ({a}.delivered_at = {b}.delivered_at "
            f"and {a}.source_file >= {b}.source_file))")


def stage(conn: Any, dialect: str, name: str, table: Table, rows: pa.Table) -> str:
    """Make `rows` queryable as `name` inside the current transaction; return the name."""
    if dialect == "duckdb":
        conn.register(name, rows)
        return name
    run(conn, dialect, f"create temp table {name} (like {table.qualified}) on commit drop")
    _copy(conn, name, table, rows)
    return name


def unstage(conn: Any, dialect: str, name: str) -> None:
    if dialect == "duckdb":
        conn.unregister(name)


def _copy(conn: Any, target: str, table: Table, rows: pa.Table) -> None:
    """COPY Arrow rows into a PostgreSQL table as CSV: NULL is an unquoted empty field."""
    frame = pl.from_arrow(rows)
    assert isinstance(frame, pl.DataFrame)
    with conn.cursor() as cursor, cursor.copy(
        f"copy {target} ({_cols(table)}) from stdin (format csv)"
    ) as copy:
        for start in range(0, frame.height, _COPY_CHUNK_ROWS):
            buffer = io.BytesIO()
            frame.slice(start, _COPY_CHUNK_ROWS).write_csv(
                buffer, include_header=False, datetime_format="%Y-%m-%dT%H:%M:%S%.6f%:z"
            )
            copy.write(buffer.getvalue())


def append(conn: Any, dialect: str, table: Table, rows: pa.Table) -> None:
    """Insert rows as they are (quarantine, manifest)."""
    if rows.num_rows == 0:
        return
    if dialect == "duckdb":
        conn.register("_append_rows", rows)
        try:
            conn.execute(f"insert into {table.qualified} ({_cols(table)}) "
                         f"select {_cols(table)} from _append_rows")
        finally:
            conn.unregister("_append_rows")
        return
    _copy(conn, table.qualified, table, rows)


def upsert(conn: Any, dialect: str, table: Table, staged: str,
           key_bounds: Sequence[Any] | None = None) -> None:
    """Latest-wins merge of a staged frame (unique on the key) into the raw table.

    `key_bounds` (min and max of each key column of the staged rows, in key order) spares
    DuckDB a scan of the staged frame to find them.
    """
    if dialect == "duckdb":
        if not _may_overlap(conn, table, staged, key_bounds):
            _insert_in_any_order(conn, table, staged)
            return
        # One join finds the stored rows with a staged key; most files bring only new keys,
        # and then the rows go in with a plain insert (measured ~20% faster than always
        # running delete + anti-join insert).
        keys = ", ".join(f"s.{k}" for k in table.key)
        matched = f"_matched_{table.name}"
        conn.execute(f"create or replace temp table {matched} as select {keys}, {_newer()} "
                     f"as wins from {staged} s join {table.qualified} t on {_key_match(table)}")
        try:
            if not conn.execute(f"select count(*) from {matched}").fetchone()[0]:
                _insert_in_any_order(conn, table, staged)
                return
            conn.execute(f"delete from {table.qualified} t using {matched} m "
                         f"where {_key_match(table, 't', 'm')} and m.wins")
            conn.execute(f"insert into {table.qualified} ({_cols(table)}) "
                         f"select {_cols(table, 's.')} from {staged} s where not exists "
                         f"(select 1 from {matched} m where {_key_match(table, 'm', 's')} "
                         "and not m.wins)")
        finally:
            conn.execute(f"drop table if exists {matched}")
        return
    updates = ", ".join(f"{c} = excluded.{c}" for c in table.column_names if c not in table.key)
    run(conn, dialect,
        f"insert into {table.qualified} as t ({_cols(table)}) select {_cols(table)} "
        f"from {staged} on conflict ({', '.join(table.key)}) do update set {updates} "
        f"where {_newer('excluded', 't')}")


def _insert_in_any_order(conn: Any, table: Table, staged: str) -> None:
    """Insert every staged row into the DuckDB table, on every thread, in whatever row order
    (raw rows are found by key).

    With insertion order preserved, an insert from one Arrow frame runs on one thread:
    measured 0.30 s -> 0.19 s for 1M sensor_counts rows on 2 cores. The setting is
    database-wide, so it is put back at once.
    """
    before = conn.execute("select current_setting('preserve_insertion_order')").fetchone()[0]
    conn.execute("set preserve_insertion_order = false")
    try:
        conn.execute(f"insert into {table.qualified} ({_cols(table)}) "
                     f"select {_cols(table)} from {staged}")
    finally:
        conn.execute(f"set preserve_insertion_order = {'true' if before else 'false'}")


def key_bounds(frame: pl.DataFrame, table: Table) -> list[Any]:
    """min, max of each key column of `frame`, in key order (for `upsert`)."""
    row = frame.select(
        [e for k in table.key for e in (pl.col(k).min().alias(f"{k}_min"),
                                         pl.col(k).max().alias(f"{k}_max"))]
    ).row(0)
    return list(row)


def _may_overlap(conn: Any, table: Table, staged: str, bounds: Sequence[Any] | None) -> bool:
    """Whether the DuckDB table holds any row inside the staged keys' bounding box.

    The bounds are constants in the second query, so DuckDB answers it from its per-block
    min/max (zone maps) without reading most of the table: a file of new devices or of a
    new period skips the key join entirely.
    """
    if bounds is None:
        columns = ", ".join(f"min({k}), max({k})" for k in table.key)
        bounds = conn.execute(f"select {columns} from {staged}").fetchone()
    if bounds is None:
        return True
    return _holds_rows_within(conn, table.qualified, dict(zip(
        table.key, zip(bounds[::2], bounds[1::2], strict=True), strict=True)))


def _holds_rows_within(conn: Any, qualified: str, bounds: dict[str, tuple[Any, Any]]) -> bool:
    """Whether a DuckDB table has a row with every column within its (low, high) bounds."""
    if any(low is None or high is None for low, high in bounds.values()):
        return True  # a null bound: assume there may be (callers then take the full path)
    where = " and ".join(f"{column} between ? and ?" for column in bounds)
    values = [v for pair in bounds.values() for v in pair]
    return conn.execute(f"select 1 from {qualified} where {where} limit 1",
                        values).fetchone() is not None


def upsert_children(conn: Any, dialect: str, parent: Table, child: Table, staged_parent: str,
                    staged_child: str, link: Sequence[str],
                    parent_bounds: Sequence[Any] | None = None) -> None:
    """Latest-wins for a header and its lines, as one unit.

    A header that wins replaces its stored lines wholesale (lines the new delivery no longer
    has are deleted); the lines of a header that loses are not written at all. Call before
    upserting the parent, since it compares with the stored parents.

    On DuckDB, when neither a stored header nor a stored line lies in the staged headers' key
    range (`parent_bounds`, as for `upsert`), every staged header wins and has no stored
    lines, so the lines are inserted without the joins.
    """
    if dialect == "duckdb" and parent_bounds is not None and set(link) == set(parent.key):
        bounds = dict(zip(parent.key, zip(parent_bounds[::2], parent_bounds[1::2],
                                          strict=True), strict=True))
        if not (_holds_rows_within(conn, parent.qualified, bounds)
                or _holds_rows_within(conn, child.qualified, bounds)):
            conn.execute(f"insert into {child.qualified} ({_cols(child)}) "
                         f"select {_cols(child)} from {staged_child}")
            return
    winners = f"_winners_{parent.name}"
    on_link = " and ".join(f"w.{k} = x.{k}" for k in link)
    run(conn, dialect, f"create temp table {winners} as select {', '.join(link)} "
        f"from {staged_parent} s where not exists (select 1 from {parent.qualified} t "
        f"where {_key_match(parent)} and not {_newer()})")
    try:
        run(conn, dialect, f"delete from {child.qualified} x where exists "
            f"(select 1 from {winners} w where {on_link})")
        run(conn, dialect, f"insert into {child.qualified} ({_cols(child)}) "
            f"select {_cols(child, 'x.')} from {staged_child} x where exists "
            f"(select 1 from {winners} w where {on_link})")
    finally:
        run(conn, dialect, f"drop table {winners}")
