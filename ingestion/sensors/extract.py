"""The vendor-neutral shape every vendor parser fills before resolution and checks.

A vendor module only knows its payload: it names the device (serial and/or name), the
vendor's line or zone reference, and the times as written. Everything that needs the sensor
registry (sensor_id, line_id, site zone, direction, limits) happens later in `finish.py`, in
one vectorised pass shared by all vendors.

Times: a vendor either hands strings (parsed here by `parse_time_columns`) or datetimes.
Each time column `<c>` travels with a boolean `<c>__local`: True means a naive device-local
wall-clock time still to be placed in the site's zone, False means the value is UTC already.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import polars as pl

from ingestion.records import QuarantinedRow

UTC_DT = pl.Datetime("us", "UTC")
NAIVE_DT = pl.Datetime("us")

_DEVICE = {"device_serial": pl.Utf8, "device_name": pl.Utf8}
_TAIL = {"received_at": UTC_DT, "line_no": pl.Int64, "raw": pl.Utf8}

# intermediate kinds -> their columns (time columns listed with their __local flag)
SCHEMAS: dict[str, dict[str, pl.DataType]] = {
    "counts": {
        **_DEVICE,
        "line_ref": pl.Utf8,
        "line_name": pl.Utf8,
        "period_start": NAIVE_DT,
        "period_start__local": pl.Boolean,
        "period_end": NAIVE_DT,
        "period_end__local": pl.Boolean,
        "count_in": pl.Int64,
        "count_out": pl.Int64,
        **_TAIL,
    },
    "readings": {
        **_DEVICE,
        "line_ref": pl.Utf8,
        "line_name": pl.Utf8,
        "reading_at": NAIVE_DT,
        "reading_at__local": pl.Boolean,
        "total_in": pl.Int64,
        "total_out": pl.Int64,
        **_TAIL,
    },
    "occupancy": {
        **_DEVICE,
        "ts": NAIVE_DT,
        "ts__local": pl.Boolean,
        "occupancy": pl.Int64,
        **_TAIL,
    },
    "zones": {
        **_DEVICE,
        "zone_ref": pl.Utf8,
        "period_start": NAIVE_DT,
        "period_start__local": pl.Boolean,
        "period_end": NAIVE_DT,
        "period_end__local": pl.Boolean,
        "visits": pl.Int64,
        "avg_dwell_seconds": pl.Float64,
        **_TAIL,
    },
}
TIME_COLUMNS: dict[str, tuple[str, ...]] = {
    "counts": ("period_start", "period_end"),
    "readings": ("reading_at",),
    "occupancy": ("ts",),
    "zones": ("period_start", "period_end"),
}


@dataclass
class Extract:
    """What a vendor parser found in one file, before resolution.

    `is_live` marks push formats (the device sent this just now), for which a device time far
    older than the receive time means a frozen clock; exports and queries of past days are
    old by design and are not held to that.
    """

    source_format: str
    is_live: bool = False
    raw_lines_available: bool = False  # line_no points into the file's lines (CSV, JSONL)
    inclusive_end: bool = False  # period_end ending in :59 is the last second (Hikvision)
    frames: dict[str, list[pl.DataFrame]] = field(default_factory=dict)
    rejects: list[QuarantinedRow] = field(default_factory=list)

    def add(self, kind: str, frame: pl.DataFrame) -> None:
        if frame.height:
            self.frames.setdefault(kind, []).append(conform(kind, frame))

    def add_rows(self, kind: str, columns: dict[str, list[Any]]) -> None:
        """Add rows given as column lists; string times are parsed, missing columns null."""
        if not columns or not next(iter(columns.values())):
            return
        self.add(kind, parse_time_columns(pl.DataFrame(columns, strict=False), kind))

    def reject(self, code: str, reason: str, raw: str | None = None,
               line_no: int | None = None) -> None:
        self.rejects.append(QuarantinedRow(code, reason, raw, line_no))

    def frame(self, kind: str) -> pl.DataFrame:
        parts = self.frames.get(kind)
        if not parts:
            return empty(kind)
        return pl.concat(parts, how="vertical") if len(parts) > 1 else parts[0]


def empty(kind: str) -> pl.DataFrame:
    return pl.DataFrame(schema=SCHEMAS[kind])


def conform(kind: str, frame: pl.DataFrame) -> pl.DataFrame:
    """Select the kind's columns in order, casting, and filling absent ones with nulls."""
    schema = SCHEMAS[kind]
    exprs = []
    for name, dtype in schema.items():
        if name in frame.columns:
            exprs.append(pl.col(name).cast(dtype, strict=False))
        elif name.endswith("__local"):
            exprs.append(pl.lit(False, pl.Boolean).alias(name))
        else:
            exprs.append(pl.lit(None, dtype).alias(name))
    return frame.select(exprs)


# Formats tried in turn; the first that parses a value wins. (format, is_local, fixed zone)
_LOCAL_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y/%m/%d %H:%M:%S",
    "%Y%m%d%H%M%S",
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M",
)
_OFFSET_FORMATS = (
    "%Y-%m-%dT%H:%M:%S%z",
    "%Y-%m-%dT%H:%M:%S%.f%z",
    "%Y-%m-%d %H:%M:%S%z",
    "%Y-%m-%d %H:%M:%S%.f%z",
    "%Y-%m-%dT%H:%M%z",
)


# The offset formats without their `%z`: the fast path below parses the text before a
# trailing "+hh:mm" with one of these and subtracts the offset itself.
_OFFSET_BODY_FORMATS = tuple(f.removesuffix("%z") for f in _OFFSET_FORMATS)
_OFFSET_SUFFIX = re.compile(r"([+-])(\d{2}):(\d{2})$")


def parse_time_strings(values: pl.Series) -> tuple[pl.Series, pl.Series]:
    """ISO-ish strings -> (naive datetime, is_local). Offsets (and Z) are applied to UTC.

    Values with a trailing `+hh:mm` (or Z) take a fast path: the text before the offset is
    parsed with a fixed format and the offset subtracted as a duration (polars' `%z` parser
    is ~10x slower). Then the formats that read the column's first value are tried first, so
    the common case (one format for the whole column) costs a single vectorised pass; the
    rest are tried on what is still unparsed.
    """
    s = values.cast(pl.Utf8).str.strip_chars()
    n = len(s)
    common = _parse_common_offset(s)
    if common is not None:
        return common.alias(values.name), pl.repeat(False, n, dtype=pl.Boolean,
                                                    eager=True).alias("local")
    has_z = s.str.ends_with("Z")
    if has_z.any():
        s = pl.select(
            pl.when(has_z).then(s.str.slice(0, s.str.len_chars() - 1) + "+00:00").otherwise(s)
        ).to_series()
    todo = s.is_not_null()
    out = pl.Series(values.name, [None] * n, dtype=NAIVE_DT)
    first = s.drop_nulls().head(1)
    if len(first) and _OFFSET_SUFFIX.search(first[0]):  # offsets that differ between rows
        out, hit = _parse_with_offset(s)
        if hit.all():
            return out.alias(values.name), pl.repeat(False, n, dtype=pl.Boolean,
                                                     eager=True).alias("local")
        todo = todo & ~hit
        first = s.filter(todo).head(1)
    local = pl.repeat(False, n, dtype=pl.Boolean, eager=True).alias("local")
    formats = [(f, True) for f in _LOCAL_FORMATS] + [(f, False) for f in _OFFSET_FORMATS]
    formats.sort(key=lambda spec: _parse(first, *spec).null_count() > 0)
    for fmt, is_local in formats:
        if not todo.any():
            break
        parsed = _parse(s, fmt, is_local)
        hit = todo & parsed.is_not_null()
        if hit.all():
            return parsed.alias(values.name), pl.repeat(is_local, n, dtype=pl.Boolean,
                                                         eager=True).alias("local")
        if hit.any():
            out = pl.select(pl.when(hit).then(parsed).otherwise(out)).to_series()
            local = local | (hit & is_local)
            todo = todo & ~hit
    return out.alias(values.name), local


def _parse_common_offset(s: pl.Series) -> pl.Series | None:
    """Naive UTC when every value ends with the same `Z` or `+hh:mm` and has one format.

    The usual file (a device writes one offset, or UTC with Z): the suffix is parsed as a
    literal part of the format, the fastest path polars has, and the offset subtracted.
    None when the values differ in offset or format; the general paths handle them.
    """
    expr = _common_offset_expr(s)
    if expr is None:
        return None
    parsed = s.to_frame().select(expr).to_series()
    return parsed if parsed.null_count() == s.null_count() else None


def _common_offset_expr(s: pl.Series) -> pl.Expr | None:
    """The fixed-format parse of column `s.name`, shaped on its first value: the format
    that reads it with its `Z` or `+hh:mm` as a literal suffix, minus that offset. A value of
    any other shape or offset comes out null (the whole value must match the format)."""
    first = s.head(1) if not s.null_count() else s.drop_nulls().head(1)
    if first.is_empty():
        return None
    text = first[0]
    match = _OFFSET_SUFFIX.search(text)
    if text.endswith("Z"):
        suffix, offset = "Z", timedelta(0)
    elif match and int(match[2]) <= 23 and int(match[3]) <= 59:
        sign = -1 if match[1] == "-" else 1
        suffix = match[0]
        offset = sign * timedelta(hours=int(match[2]), minutes=int(match[3]))
    else:
        return None
    for fmt in _OFFSET_BODY_FORMATS:
        if _parse(first, fmt + suffix, True).null_count():
            continue
        parsed = pl.col(s.name).str.to_datetime(fmt + suffix, strict=False, time_unit="us",
                                                cache=False)
        return parsed - offset if offset else parsed
    return None


def _parse_with_offset(s: pl.Series) -> tuple[pl.Series, pl.Series]:
    """(naive UTC, parsed) for values ending in `+hh:mm`/`-hh:mm`; others stay null.

    Gives what the `%z` formats give, for the values it reads: local text minus offset.
    """
    n = len(s)
    nothing = pl.Series(s.name, [None] * n, dtype=NAIVE_DT)
    if n == 0:
        return nothing, pl.Series([], dtype=pl.Boolean)
    length = s.str.len_bytes()
    tail = s.str.slice(-6)
    shaped = (tail.str.slice(0, 1).is_in(["+", "-"]) & (tail.str.slice(3, 1) == ":")
              & (length > 6)).fill_null(False)
    if not shaped.any():
        return nothing, shaped
    hours = tail.str.slice(1, 2).cast(pl.Int64, strict=False)
    minutes = tail.str.slice(4, 2).cast(pl.Int64, strict=False)
    sign = pl.when(tail.str.starts_with("-")).then(-1).otherwise(1)
    offset = pl.select(
        pl.when((hours <= 23) & (minutes <= 59))
        .then(pl.duration(minutes=sign * (hours * 60 + minutes)))
    ).to_series()
    body = pl.select(pl.when(shaped).then(s.str.slice(0, length - 6))).to_series()
    first = body.drop_nulls().head(1)
    formats = sorted(_OFFSET_BODY_FORMATS,
                     key=lambda f: _parse(first, f, True).null_count() > 0)
    out = nothing
    todo = shaped & offset.is_not_null()
    for fmt in formats:
        if not todo.any():
            break
        parsed = _parse(body, fmt, True) - offset
        hit = todo & parsed.is_not_null()
        out = parsed if hit.all() else pl.select(
            pl.when(hit).then(parsed).otherwise(out)).to_series()
        todo = todo & ~hit
    return out.alias(s.name), shaped & ~todo & out.is_not_null()


def _parse(s: pl.Series, fmt: str, is_local: bool) -> pl.Series:
    # cache=False: polars' per-value cache costs more than it saves on time columns, where
    # most values differ (measured 2x faster on 1M rows)
    if is_local:
        return s.str.to_datetime(fmt, strict=False, time_unit="us", cache=False)
    parsed = s.str.to_datetime(fmt, strict=False, time_unit="us", time_zone="UTC",
                               cache=False)
    return parsed.dt.replace_time_zone(None)


# a period's end, often written as the next row's start (see `_chained_ends`)
_START, _END = "period_start", "period_end"


def parse_time_columns(frame: pl.DataFrame, kind: str) -> pl.DataFrame:
    """Parse the kind's time columns where they are strings; integers are epoch ms UTC.

    Columns in one fixed format with one offset (the usual file) are parsed as written, all
    in one pass; any other column (values with spaces around them included) goes through
    `parse_time_strings`, which trims every value first. A period end written as the next
    row's period start (consecutive intervals, the usual file) takes that start's parse
    (`_chained_ends`), so only the other ends are parsed.
    """
    texts = [n for n in (*TIME_COLUMNS[kind], "received_at")
             if n in frame.columns and frame.schema[n] == pl.Utf8]
    chained = _chained_ends(frame) if {_START, _END} <= set(texts) else None
    own = [n for n in texts if n != _END or chained is None]  # parsed from their own text
    fast = {n: e for n in own if (e := _common_offset_expr(frame[n])) is not None}
    parsed_fast = frame.select([e.alias(n) for n, e in fast.items()])
    every_row = {n: parsed_fast[n] for n in fast
                 if parsed_fast[n].null_count() == frame[n].null_count()}

    def text_column(name: str) -> tuple[pl.Series, pl.Series]:
        if name in every_row:
            return every_row[name], pl.repeat(False, frame.height, dtype=pl.Boolean,
                                              eager=True)
        return parse_time_strings(frame[name])

    updates = []
    done: dict[str, tuple[pl.Series, pl.Series]] = {}
    for name in TIME_COLUMNS[kind]:
        if name not in frame.columns:
            continue
        dtype = frame.schema[name]
        if dtype == pl.Utf8:
            done[name] = (text_column(name) if name in own
                          else _from_next_start(frame[name], chained, *done[_START]))
            parsed, local = done[name]
            updates += [parsed.alias(name), local.alias(f"{name}__local")]
        elif dtype.is_integer():
            updates += [
                pl.from_epoch(frame[name], time_unit="ms").cast(NAIVE_DT).alias(name),
                pl.Series(f"{name}__local", [False] * frame.height, dtype=pl.Boolean),
            ]
        elif dtype == pl.Null:
            updates += [pl.Series(name, [None] * frame.height, dtype=NAIVE_DT)]
    if "received_at" in texts:
        parsed, local = text_column("received_at")
        updates.append(
            pl.select(pl.when(local).then(None).otherwise(parsed)).to_series()
            .dt.replace_time_zone("UTC").alias("received_at")
        )
    return frame.with_columns(updates) if updates else frame


def _chained_ends(frame: pl.DataFrame) -> pl.Series | None:
    """Rows whose period_end text is the next row's period_start text, when that is most
    rows (a comparison of adjacent values, ~5x cheaper than parsing them); else None."""
    same = frame.select(pl.col(_END).eq(pl.col(_START).shift(-1)).fill_null(False)
                        ).to_series()
    return same if same.sum() * 2 > frame.height else None


def _from_next_start(ends: pl.Series, chained: pl.Series, starts: pl.Series,
                     starts_local: pl.Series) -> tuple[pl.Series, pl.Series]:
    """(naive datetime, is_local) of period_end: the next row's parsed start where the text is
    the same, `parse_time_strings` on the rest (the last row of each run, gaps)."""
    parsed, local = starts.shift(-1), starts_local.shift(-1)
    rest = (~chained).arg_true()
    if len(rest):
        rest_parsed, rest_local = parse_time_strings(ends.gather(rest))
        parsed = parsed.scatter(rest, rest_parsed)
        local = local.scatter(rest, rest_local)
    return parsed.alias(ends.name), local.alias("local")


def normalise_serial(expr: pl.Expr) -> pl.Expr:
    """Lower case, without ':' and '-' (docs/landing-layout.md)."""
    return expr.str.to_lowercase().str.replace_all(r"[:\-\s]", "")


def normalise_serial_text(value: str | None) -> str | None:
    if value is None:
        return None
    return "".join(ch for ch in str(value).lower() if ch not in ":- \t")


def as_int(value: Any) -> int | None:
    """Integers only: a float with a fraction, a bool or a non-integer string is null."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return None
    return None
