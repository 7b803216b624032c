"""Rows in blocks: files list one device's (and line's) rows together, in time order.

Knowing where blocks start lets per-device work run once per block instead of once per row
(resolution in resolve.py, the key-uniqueness proof in checks.py). Finding the starts is
one comparison of adjacent rows, much cheaper than hashing every row.
"""

from __future__ import annotations

import polars as pl


def block_starts(columns: list[str]) -> pl.Expr:
    """True on the first row and wherever any of `columns` differs from the row above."""
    changed = pl.lit(False)
    for name in columns:
        changed = changed | pl.col(name).ne_missing(pl.col(name).shift(1))
    return (changed | (pl.int_range(pl.len()) == 0)).alias("block_start")
