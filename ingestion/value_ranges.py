"""What a value of each logical column type (ingestion/schemas.py) may be on both warehouses.

`int` is a 32-bit integer on DuckDB and PostgreSQL, `bigint` 64-bit, `money` decimal(18, 4)
(|value| < 10^14). A parser holds its values to these before building a frame, so that one
out-of-range value is a rejected row naming its column, not a file that fails to load.
"""

from __future__ import annotations

from decimal import Decimal

INT_MAX = {"int": 2**31 - 1, "bigint": 2**63 - 1}
MONEY_LIMIT = Decimal(10) ** 14


def fits(kind: str, value: object) -> bool:
    """Whether `value` can be stored in a column of logical type `kind` on both warehouses."""
    if value is None:
        return True
    if kind in INT_MAX:
        return (isinstance(value, int) and not isinstance(value, bool)
                and -INT_MAX[kind] - 1 <= value <= INT_MAX[kind])
    if kind == "money":
        return isinstance(value, Decimal) and value.is_finite() and abs(value) < MONEY_LIMIT
    return True


def range_text(kind: str) -> str:
    """The range of `kind`, for reasons."""
    if kind in INT_MAX:
        return f"{-INT_MAX[kind] - 1}..{INT_MAX[kind]}"
    if kind == "money":
        return "decimal(18, 4): |value| < 10^14"
    return kind
