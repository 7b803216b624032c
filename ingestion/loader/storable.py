"""Values a warehouse cannot store, found before they poison a file's transaction.

PostgreSQL text cannot hold NUL (U+0000): a COPY with one fails, and with it the file's
whole transaction. DuckDB stores NUL, but the two warehouses must hold the same rows, so on
both a row with a NUL in any text value is rejected (MALFORMED_ROW, naming the column)
instead of being written. Quarantine rows themselves are always written: their texts are
cleaned (NUL shown as the four characters `\\x00`, text that is not valid UTF-8 shown with
backslash escapes), since a reject that cannot be stored would lose the file again.
"""

from __future__ import annotations

import polars as pl

from ingestion.records import MALFORMED_ROW

NUL = "\x00"
NUL_SHOWN = "\\x00"
# a NUL reaches a value as the byte itself or as a JSON escape; a file holding neither
# cannot produce one, and its rows are not scanned (a pass over every text value)
NUL_BYTE, JSON_NUL = b"\x00", b"\\u0000"


def may_hold_nul(content: bytes) -> bool:
    """Whether a parse of these bytes can yield a text value with a NUL in it.

    Three byte scans at memchr speed (a 54 MB CSV: ~10 ms); the escape is looked for only
    where a backslash is (a substring search is ~6x slower than a byte search)."""
    return NUL_BYTE in content or (b"\\" in content and JSON_NUL in content)


def nul_problems(frame: pl.DataFrame, reason_column: str, code_column: str
                 ) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Split rows into (storable, rejected); a rejected row names its first text column
    holding a NUL in `reason_column`, MALFORMED_ROW in `code_column`."""
    texts = [c for c, t in frame.schema.items() if t == pl.String and not c.startswith("_")]
    if not texts or frame.height == 0:
        return frame, frame.clear().with_columns(pl.lit(None, pl.String).alias(reason_column),
                                                 pl.lit(None, pl.String).alias(code_column))
    reason = pl.coalesce([
        pl.when(pl.col(c).str.contains(NUL, literal=True))
        .then(pl.lit(f"{c}: holds a NUL character (U+0000), which PostgreSQL cannot store"))
        for c in texts
    ])
    marked = frame.with_columns(reason.alias(reason_column))
    bad = marked.filter(pl.col(reason_column).is_not_null()).with_columns(
        pl.lit(MALFORMED_ROW).alias(code_column))
    good = marked.filter(pl.col(reason_column).is_null()).drop(reason_column)
    return good, bad


def clean_text(value: str | None) -> str | None:
    """A text PostgreSQL and DuckDB both store: NUL shown as `\\x00`, lone surrogates (bytes
    that were not UTF-8, decoded with surrogateescape) as backslash escapes."""
    if value is None:
        return None
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        value = value.encode("utf-8", "backslashreplace").decode("utf-8")
    return value.replace(NUL, NUL_SHOWN) if NUL in value else value


def clean_column(column: str) -> pl.Expr:
    """`clean_text` as an expression over a String column (polars strings are UTF-8)."""
    return pl.col(column).str.replace_all(NUL, NUL_SHOWN, literal=True)
