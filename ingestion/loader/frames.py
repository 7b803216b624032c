"""Turn whatever a parser handed over into a frame with the canonical raw table's columns.

Parsers may give rows as dicts, an Arrow table or a polars frame, typed or as strings (the
reference CSVs are all strings). Two optional helper columns make quarantine rows exact:
`_line_no` (the row's line in the file) and `_raw` (its original text). Values that do not
cast, and missing required values, become MALFORMED_ROW rejects instead of failing the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import polars as pl
import pyarrow as pa

from ingestion.records import MALFORMED_ROW
from ingestion.schemas import LINEAGE, Table

LINE_NO = "_line_no"
RAW = "_raw"
REASON = "_reason_code"
DETAIL = "_reason"
HELPERS = (LINE_NO, RAW)
LINEAGE_NAMES = tuple(c.name for c in LINEAGE)

_POLARS: dict[str, pl.DataType] = {
    "text": pl.String(),
    "int": pl.Int32(),
    "bigint": pl.Int64(),
    "float": pl.Float64(),
    "money": pl.Decimal(18, 4),
    "bool": pl.Boolean(),
    "date": pl.Date(),
    "timestamptz": pl.Datetime("us", "UTC"),
}

# Offsets first (then converted to UTC), then naive forms (taken as UTC).
_TS_FORMATS_TZ = ("%Y-%m-%dT%H:%M:%S%.f%:z", "%Y-%m-%dT%H:%M%:z")
_TS_FORMATS_NAIVE = ("%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M", "%Y-%m-%d")
_TRUE = ("true", "t", "1", "yes", "y")
_FALSE = ("false", "f", "0", "no", "n")


def polars_type(kind: str) -> pl.DataType:
    return _POLARS[kind]


def data_columns(table: Table) -> list[str]:
    """The columns a parser provides: the table's columns minus lineage."""
    return [c.name for c in table.columns if c.name not in LINEAGE_NAMES]


def empty_frame(table: Table, with_lineage: bool = True) -> pl.DataFrame:
    names = table.column_names if with_lineage else data_columns(table)
    by_name = {c.name: c for c in table.columns}
    return pl.DataFrame(schema={n: _POLARS[by_name[n].type] for n in names})


def to_polars(rows: Any, table: Table) -> pl.DataFrame:
    """Any accepted parser output as a polars frame (columns not yet cast)."""
    if isinstance(rows, pl.DataFrame):
        return rows
    if isinstance(rows, pl.LazyFrame):
        return rows.collect()
    if isinstance(rows, pa.Table | pa.RecordBatch):
        return pl.from_arrow(rows)  # type: ignore[return-value]
    rows = list(rows)
    if not rows:
        return empty_frame(table, with_lineage=False)
    names = data_columns(table) + [h for h in HELPERS if any(h in r for r in rows[:1])]
    return pl.from_dicts(rows, schema=names, infer_schema_length=None)


def _parse_timestamps(col: pl.Expr) -> pl.Expr:
    text = (
        col.str.strip_chars()
        .str.replace(r"^(\d{4}-\d{2}-\d{2}) ", "${1}T")
        .str.replace(r"Z$", "+00:00")
        .str.replace(r"([+-]\d{2})(\d{2})$", "${1}:${2}")
        .str.replace(r"([+-]\d{2})$", "${1}:00")
    )
    aware = [
        text.str.strptime(pl.Datetime("us", "UTC"), f, strict=False) for f in _TS_FORMATS_TZ
    ]
    naive = [
        text.str.strptime(pl.Datetime("us"), f, strict=False).dt.replace_time_zone("UTC")
        for f in _TS_FORMATS_NAIVE
    ]
    return pl.coalesce([*aware, *naive])


def _cast(col: pl.Expr, source: pl.DataType, kind: str) -> pl.Expr:
    target = _POLARS[kind]
    if source == pl.String():
        text = col.str.strip_chars()
        text = pl.when(text == "").then(None).otherwise(text) if kind != "text" else col
        if kind == "timestamptz":
            return _parse_timestamps(text)
        if kind == "date":
            return text.str.strptime(pl.Date(), "%Y-%m-%d", strict=False)
        if kind == "bool":
            lower = text.str.to_lowercase()
            return (
                pl.when(lower.is_in(_TRUE)).then(True)
                .when(lower.is_in(_FALSE)).then(False)
                .otherwise(None)
            )
        if kind == "money":
            return text.cast(pl.Float64, strict=False).cast(target, strict=False)
        return text.cast(target, strict=False)
    if kind == "timestamptz" and isinstance(source, pl.Datetime):
        if source.time_zone is None:
            return col.dt.replace_time_zone("UTC").dt.cast_time_unit("us")
        return col.dt.convert_time_zone("UTC").dt.cast_time_unit("us")
    if kind == "timestamptz" and isinstance(source, pl.Date):
        return col.cast(pl.Datetime("us")).dt.replace_time_zone("UTC")
    if kind == "money" and source.is_float():
        return col.round(4).cast(target, strict=False)
    return col.cast(target, strict=False)


@dataclass
class Canonical:
    """A parser frame cast to the table's types; rows that failed are in `rejected`."""

    rows: pl.DataFrame  # data columns + _line_no + _raw
    rejected: pl.DataFrame  # same + _reason_code + _reason


def canonicalise(frame: pl.DataFrame, table: Table) -> Canonical:
    """Cast to the canonical types; a value that does not cast or a missing required value
    rejects its row (MALFORMED_ROW) with the column named in the reason."""
    names = data_columns(table)
    unknown = [c for c in frame.columns if c not in names and c not in HELPERS]
    if unknown:
        raise ValueError(f"{table.name}: unexpected columns {unknown}")
    helpers = [
        pl.col(LINE_NO).cast(pl.Int64, strict=False) if LINE_NO in frame.columns
        else pl.lit(None, pl.Int64).alias(LINE_NO),
        pl.col(RAW).cast(pl.String) if RAW in frame.columns
        else pl.lit(None, pl.String).alias(RAW),
    ]
    by_name = {c.name: c for c in table.columns}
    if _already_canonical(frame, table, names):
        rows = frame.with_columns(helpers).select(*names, LINE_NO, RAW)
        return Canonical(rows, rows.clear().with_columns(
            pl.lit(None, pl.String).alias(DETAIL), pl.lit(MALFORMED_ROW).alias(REASON)))
    casts, problems = [], []
    for name in names:
        column = by_name[name]
        if name not in frame.columns:
            casts.append(pl.lit(None, _POLARS[column.type]).alias(name))
            if not column.nullable:
                problems.append(pl.lit(f"missing column {name}"))
            continue
        casted = _cast(pl.col(name), frame.schema[name], column.type).alias(name)
        casts.append(casted)
        bad_cast = pl.col(name).is_not_null() & casted.is_null()
        if frame.schema[name] == pl.String() and column.type != "text":
            bad_cast = bad_cast & (pl.col(name).str.strip_chars() != "")
        problems.append(pl.when(bad_cast).then(pl.lit(f"{name}: cannot read value as "
                                                      f"{column.type}")))
        if not column.nullable:
            problems.append(pl.when(casted.is_null() & ~bad_cast)
                            .then(pl.lit(f"{name}: required value missing")))
    out = frame.with_columns(helpers).select(
        *casts, LINE_NO, RAW,
        pl.concat_str(problems, separator="; ", ignore_nulls=True).alias(DETAIL)
        if problems else pl.lit(None, pl.String).alias(DETAIL),
    )
    out = out.with_columns(pl.when(pl.col(DETAIL) == "").then(None).otherwise(pl.col(DETAIL))
                           .alias(DETAIL))
    bad = out.filter(pl.col(DETAIL).is_not_null()).with_columns(
        pl.lit(MALFORMED_ROW).alias(REASON)
    )
    good = out.filter(pl.col(DETAIL).is_null()).drop(DETAIL)
    return Canonical(good, bad)


def _already_canonical(frame: pl.DataFrame, table: Table, names: list[str]) -> bool:
    """Every column present in its canonical type and no required value missing: then no
    row can fail a cast, and the per-row problem texts need not be built (parsers that
    type their own output, like the sensor parsers, land here)."""
    by_name = {c.name: c for c in table.columns}
    for name in names:
        column = by_name[name]
        if name not in frame.columns or frame.schema[name] != _POLARS[column.type]:
            return False
        if not column.nullable and frame[name].null_count():
            return False
    return True


def with_lineage(frame: pl.DataFrame, table: Table, *, source_file: str, source_format: str,
                 delivered_at: datetime, ingested_at: datetime) -> pa.Table:
    """The rows to store: canonical columns plus lineage, as Arrow in the table's schema."""
    utc = pl.Datetime("us", "UTC")
    out = frame.with_columns(
        pl.lit(source_file, pl.String).alias("source_file"),
        pl.lit(source_format, pl.String).alias("source_format"),
        pl.lit(delivered_at).cast(utc).alias("delivered_at"),
        pl.lit(ingested_at).cast(utc).alias("ingested_at"),
    ).select(table.column_names)
    # polars' own string layout (string_view) goes across without a copy; converting to
    # large_string copied every string (0.02 s of CPU per 1M sensor rows)
    rows = out.to_arrow(compat_level=pl.CompatLevel.newest())
    target = table.arrow_schema()
    if all(_same_type(have, want) for have, want in zip(rows.schema.types, target.types,
                                                        strict=True)):
        return rows  # a cast would only copy every string
    return rows.cast(target)


def _same_type(have: pa.DataType, want: pa.DataType) -> bool:
    """Equal, counting Arrow's string layouts as one (both warehouses read each)."""
    strings = (pa.types.is_large_string(have) or pa.types.is_string_view(have))
    return have == want or (strings and pa.types.is_string(want))
