"""Parser of the reference CSVs in landing/reference (organisations, sites, sensors, ...).

The file name picks the table (`sites.csv` -> raw.sites); the header must be the table's
columns minus lineage (any order; nullable columns may be left out). Values stay strings
here: the loader casts them to the table's types and quarantines the rows that do not cast,
with their line number and text, like every other parser's rows.
"""

from __future__ import annotations

import csv
import io

import polars as pl

from ingestion.loader.frames import LINE_NO, RAW, data_columns
from ingestion.records import MALFORMED_ROW, UNREADABLE_FILE, LoadContext, ParseResult
from ingestion.schemas import REFERENCE_TABLES

FORMAT = "reference_csv"
_TABLES = {t.name: t for t in REFERENCE_TABLES}


def parse_reference_file(content: bytes, ctx: LoadContext, table_name: str) -> ParseResult:
    """Rows of one reference CSV as strings, plus rejects for rows of the wrong width."""
    result = ParseResult(source_format=FORMAT)
    table = _TABLES.get(table_name)
    if table is None:
        result.reject(UNREADABLE_FILE, f"no reference table named {table_name!r} "
                      f"(expected one of {sorted(_TABLES)})")
        return result
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        result.reject(UNREADABLE_FILE, f"not UTF-8: {error}")
        return result
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [h.strip() for h in next(reader, [])]
    allowed = data_columns(table)
    required = [c.name for c in table.columns if not c.nullable and c.name in allowed]
    unknown = [h for h in header if h not in allowed]
    missing = [c for c in required if c not in header]
    if not header or unknown or missing or len(set(header)) != len(header):
        result.reject(UNREADABLE_FILE, f"header of {table.name} must be columns of "
                      f"{allowed}; unknown {unknown}, missing {missing}",
                      raw=",".join(header))
        return result
    rows: list[list[str]] = []
    lines: list[int] = []
    raws: list[str] = []
    previous_end = reader.line_num
    source_lines = text.splitlines()
    for record in reader:
        start, previous_end = previous_end + 1, reader.line_num
        raw = "\n".join(source_lines[start - 1:previous_end])
        if not any(v.strip() for v in record):
            continue  # blank line
        if len(record) != len(header):
            result.reject(MALFORMED_ROW, f"{len(record)} fields, header has {len(header)}",
                          raw=raw, line_no=start)
            continue
        rows.append(record)
        lines.append(start)
        raws.append(raw)
    columns = {name: [r[i] for r in rows] for i, name in enumerate(header)}
    frame = pl.DataFrame(columns, schema={h: pl.String for h in header})
    # an empty field is a missing value, whatever the column's type
    frame = frame.with_columns(
        pl.when(pl.col(h).str.strip_chars() == "").then(None).otherwise(pl.col(h)).alias(h)
        for h in header
    )
    frame = frame.with_columns(pl.Series(LINE_NO, lines, dtype=pl.Int64),
                               pl.Series(RAW, raws, dtype=pl.String))
    result.tables[table.name] = frame
    return result
