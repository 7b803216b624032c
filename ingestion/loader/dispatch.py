"""Pick the parser for a landed file from the first folder of its path.

The sensor and POS parsers are imported when first needed: loading only reference files
does not pay for importing them.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from functools import cache
from pathlib import Path, PurePosixPath
from typing import Any

from ingestion.records import LoadContext, ParseResult

Parser = Callable[[bytes, LoadContext], ParseResult]

_ENTRY_POINTS = {
    "sensors": ("ingestion.sensors", "parse_sensor_file"),
    "pos": ("ingestion.pos", "parse_pos_file"),
}
# Parsers registered in code win over the entry points above (tests, embedding apps).
OVERRIDES: dict[str, Parser] = {}
# The table a parser-level reject most likely belongs to, for per-table report counts.
DEFAULT_TABLE = {"sensors": "sensor_counts", "pos": "pos_transactions"}


class NoParser(Exception):
    """No parser for this landing folder: the file is quarantined whole."""


def parser_for(kind: str) -> Parser:
    if kind in OVERRIDES:
        return OVERRIDES[kind]
    if kind == "reference":
        return _parse_reference
    if kind not in _ENTRY_POINTS:
        raise NoParser(f"no parser for landing folder {kind!r} (expected reference, "
                       "sensors or pos)")
    module_name, function = _ENTRY_POINTS[kind]
    return getattr(importlib.import_module(module_name), function)


def parse(kind: str, content: bytes, ctx: LoadContext, landing_dir: Path) -> ParseResult:
    """Run the folder's parser; a parser that asks for `landing_dir` (the generic POS CSV
    reads its mapping.yaml beside the file) gets it."""
    parser = parser_for(kind)
    if _wants_landing_dir(parser):
        return parser(content, ctx, landing_dir=landing_dir)  # type: ignore[call-arg]
    return parser(content, ctx)


@cache
def _wants_landing_dir(parser: Any) -> bool:
    try:
        return "landing_dir" in inspect.signature(parser).parameters
    except (TypeError, ValueError):
        return False


def after_upsert(kind: str) -> Callable[..., int] | None:
    """The sensors' step run after a file's rows are upserted, inside its transaction:
    interval counts derived from cumulative counter readings (ingestion/sensors/cumulative)."""
    if kind != "sensors":
        return None
    from ingestion.sensors import (
        cumulative_scope,
        cumulative_sensors,
        derive_cumulative_intervals,
    )

    def derive(conn: Any, dialect: str, rows: dict[str, Any], ingested_at: Any) -> int:
        # the scope of lines and times is worked out only for sensors that have readings
        sensor_ids = cumulative_sensors(rows)
        if not sensor_ids or not _has_readings(conn, dialect, sensor_ids):
            return 0
        keys, since, until = cumulative_scope(rows)
        return derive_cumulative_intervals(conn, dialect, keys, since, until, ingested_at)

    return derive


def _has_readings(conn: Any, dialect: str, sensor_ids: list[str]) -> bool:
    """Whether any counter reading is stored for these sensors.

    Derived interval rows come only from stored readings (which are never deleted), so
    without readings there are no derived rows to replace or add: the derivation, a scan of
    raw.sensor_counts, would change nothing. Interval-only devices skip it.
    """
    from ingestion.loader.store import run
    from ingestion.sensors.cumulative import SENSOR_COUNTER_READINGS

    marks = ", ".join(["%s"] * len(sensor_ids))
    return bool(run(conn, dialect, f"select 1 from {SENSOR_COUNTER_READINGS.qualified} "
                    f"where sensor_id in ({marks}) limit 1", sensor_ids))


def _parse_reference(content: bytes, ctx: LoadContext) -> ParseResult:
    from ingestion.reference import parse_reference_file  # it imports the loader's frames

    return parse_reference_file(content, ctx, PurePosixPath(ctx.source_file).stem)


def default_table(kind: str, source_file: str) -> str:
    if kind == "reference":
        return PurePosixPath(source_file).stem
    return DEFAULT_TABLE.get(kind, "unknown")
