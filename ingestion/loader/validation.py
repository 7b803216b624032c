"""Row checks run by the loader on every canonical frame, as vectorised polars expressions.

These are the same rules as the Great Expectations suites in ingestion/expectations/ (the
declarative spec, run in tests and Dagster asset checks). The loader does not call GE per
file: a GE validation costs ~0.1-0.5 s of fixed overhead and converts to pandas, which would
dominate small files and double the memory of big ones (docs/ingestion.md has the numbers).
Each failing row is rejected with the first rule it breaks, in the order listed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import polars as pl

from ingestion.loader.frames import DETAIL, REASON
from ingestion.plausible_time import FUTURE_TOLERANCE
from ingestion.records import (
    BAD_PERIOD,
    DUPLICATE_KEY,
    FUTURE_TIMESTAMP,
    IMPLAUSIBLE_COUNT,
    MALFORMED_ROW,
    NEGATIVE_COUNT,
)
from ingestion.schemas import Table

TRANSACTION_TYPES = ("sale", "return", "exchange", "void")

# table -> non-negative count columns
_COUNTS = {
    "sensor_counts": ("count_in", "count_out"),
    "sensor_occupancy": ("occupancy",),
    "zone_activity": ("visits", "avg_dwell_seconds"),
}
# table -> (start, end, end must be strictly after start)
_PERIODS = {
    "sensor_counts": ("period_start", "period_end", True),
    "zone_activity": ("period_start", "period_end", True),
    "staff_shifts": ("shift_start", "shift_end", True),
    "targets_input": ("period_start", "period_end", False),
    "events": ("start_date", "end_date", False),
}
# table -> timestamp columns that may not lie in the future
_NOT_FUTURE = {
    "sensor_counts": ("period_start", "period_end"),
    "sensor_occupancy": ("ts",),
    "zone_activity": ("period_start", "period_end"),
    "pos_transactions": ("ts",),
}


def _rules(table: Table, now: datetime, limits: pl.DataFrame | None
           ) -> list[tuple[str, pl.Expr, pl.Expr]]:
    """(reason code, failing-row predicate, reason text) in priority order."""
    rules: list[tuple[str, pl.Expr, pl.Expr]] = []
    for col in _COUNTS.get(table.name, ()):
        rules.append((NEGATIVE_COUNT, pl.col(col) < 0,
                      pl.format(f"{col} is negative ({{}})", pl.col(col))))
    if table.name in _PERIODS:
        start, end, strict = _PERIODS[table.name]
        bad = pl.col(end) <= pl.col(start) if strict else pl.col(end) < pl.col(start)
        rules.append((BAD_PERIOD, bad, pl.format(f"{end} {{}} is not after {start} {{}}",
                                                 pl.col(end), pl.col(start))))
    horizon = now + FUTURE_TOLERANCE
    for col in _NOT_FUTURE.get(table.name, ()):
        rules.append((FUTURE_TIMESTAMP, pl.col(col) > pl.lit(horizon),
                      pl.format(f"{col} {{}} is more than 5 minutes after {now.isoformat()}",
                                pl.col(col))))
    if table.name == "pos_transactions":
        rules.append((MALFORMED_ROW, ~pl.col("type").is_in(TRANSACTION_TYPES),
                      pl.format("unknown transaction type {}", pl.col("type"))))
    if table.name == "sensor_counts" and limits is not None:
        limit = pl.col("_max_count")
        over = (pl.col("count_in") > limit) | (pl.col("count_out") > limit)
        rules.append((IMPLAUSIBLE_COUNT, over.fill_null(False),
                      pl.format("count_in {} / count_out {} above the plausible maximum {}",
                                pl.col("count_in"), pl.col("count_out"), limit)))
    return rules


def _count_limits(frame: pl.DataFrame, sensors: Any) -> pl.DataFrame | None:
    """Per row, the sensor line's max_count_per_interval scaled to the row's period length.

    A 60-minute row of a sensor registered with 15-minute intervals may hold 4x the maximum.
    """
    if not isinstance(sensors, pl.DataFrame) or sensors.is_empty():
        return None
    limits = sensors.select(
        "sensor_id", "line_id",
        pl.col("max_count_per_interval").cast(pl.Float64).alias("_max"),
        pl.col("interval_minutes").cast(pl.Float64).alias("_interval"),
    ).filter(pl.col("_max").is_not_null()).unique(["sensor_id", "line_id"], keep="last")
    if limits.is_empty():
        return None
    return limits


def validate(frame: pl.DataFrame, table: Table, *, now: datetime, sensors: Any = None
             ) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Split a canonical frame into (rows to load, rejected rows with _reason_code/_reason).

    Within one file a key may hold one value: of several rows with the same key the last one
    in the file is kept (a device re-sends a corrected period later) and the earlier ones are
    rejected as DUPLICATE_KEY, so nothing is dropped silently.
    """
    limits = _count_limits(frame, sensors) if table.name == "sensor_counts" else None
    work = frame
    if limits is not None:
        minutes = (pl.col("period_end") - pl.col("period_start")).dt.total_minutes()
        scale = pl.max_horizontal(pl.lit(1.0), minutes / pl.col("_interval")).fill_null(1.0)
        work = work.join(limits, on=["sensor_id", "line_id"], how="left",
                         maintain_order="left").with_columns(
            (pl.col("_max") * scale).alias("_max_count")
        )
    rules = _rules(table, now, limits)
    if rules:
        code = pl.when(rules[0][1]).then(pl.lit(rules[0][0]))
        text = pl.when(rules[0][1]).then(rules[0][2])
        for reason_code, failing, reason in rules[1:]:
            code = code.when(failing).then(pl.lit(reason_code))
            text = text.when(failing).then(reason)
        work = work.with_columns(code.otherwise(None).alias(REASON))
        # the reason texts are formatted for the failing rows only, not the whole file
        failed = work.filter(pl.col(REASON).is_not_null()).with_columns(
            text.otherwise(None).alias(DETAIL))
    else:
        work = work.with_columns(pl.lit(None, pl.String).alias(REASON))
        failed = work.clear().with_columns(pl.lit(None, pl.String).alias(DETAIL))
    extra = [c for c in ("_max", "_interval", "_max_count") if c in work.columns]
    failed = failed.drop(extra)
    kept = work.filter(pl.col(REASON).is_null()).drop(extra).with_columns(
        pl.lit(None, pl.String).alias(DETAIL))
    if table.key and kept.height and _may_repeat(kept, list(table.key)):
        key = list(table.key)
        keyed = pl.struct(key) if len(key) > 1 else pl.col(key[0])
        last = keyed.is_last_distinct()
        kept = kept.with_columns(last.alias("_last"))
        if not kept["_last"].all():
            dups = kept.filter(~pl.col("_last")).with_columns(
                pl.lit(DUPLICATE_KEY).alias(REASON),
                pl.format("key ({}) appears again later in the file",
                          pl.concat_str([pl.col(k).cast(pl.String) for k in key],
                                        separator=", ")).alias(DETAIL),
            )
            failed = pl.concat([failed, dups.drop("_last")], how="vertical_relaxed")
            kept = kept.filter(pl.col("_last"))
        kept = kept.drop("_last")
    return kept.drop(REASON, DETAIL), failed


def _may_repeat(frame: pl.DataFrame, key: list[str]) -> bool:
    """False when every row's key hash differs, so no key repeats (equal keys hash equal);
    ~2.5x cheaper than finding the repeats, which most files do not have."""
    return frame.select(pl.struct(key).hash().n_unique()).item() < frame.height
