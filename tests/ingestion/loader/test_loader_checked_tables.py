"""Tables a parser has checked: the loader casts them but does not run its rules again.

The sensor parsers run every rule of the loader's validation (and more) in finish.py, so
the loader trusts their `ParseResult.checked` tables. The first test pins that contract on
real rows: whatever the loader would reject, the sensor parser has rejected already.
"""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl
import pytest
from loader_support import NOW, count, land_reference, write

from ingestion.loader import dispatch, load_landing
from ingestion.loader.frames import LINE_NO, RAW, canonicalise
from ingestion.loader.validation import validate
from ingestion.records import LoadContext, ParseResult
from ingestion.schemas import SENSOR_COUNTS
from ingestion.sensors import parse_sensor_file

UTC_DT = pl.Datetime("us", "UTC")
# (device, line, start, end, in, out): good rows and one of each kind of bad row
ROWS = [
    ("dev1", "1", "2025-03-01T08:00:00", "2025-03-01T08:15:00", 5, 4),      # good
    ("dev1", "1", "2025-03-01T08:15:00", "2025-03-01T08:30:00", -1, 4),     # negative
    ("dev1", "1", "2025-03-01T08:30:00", "2025-03-01T08:30:00", 1, 1),      # empty period
    ("dev1", "1", "2025-03-01T12:10:00", "2025-03-01T12:25:00", 1, 1),      # future
    ("dev1", "1", "2025-03-01T09:00:00", "2025-03-01T09:15:00", 101, 0),    # > max 100
    ("dev1", "1", "2025-03-01T09:15:00", "2025-03-01T10:15:00", 120, 0),    # 1 h: 4x max ok
    ("dev1", "1", "2025-03-01T10:30:00", "2025-03-01T10:45:00", 2, 2),      # repeated below
    ("dev1", "1", "2025-03-01T10:30:00", "2025-03-01T10:45:00", 3, 2),      # the later wins
    ("dev1", "2", "2025-03-01T10:30:00", "2025-03-01T10:45:00", 9, 9),      # good, line 2
]


def sensors() -> pl.DataFrame:
    return pl.DataFrame({
        "sensor_id": ["sen1", "sen1"], "line_id": ["1", "2"], "site_id": ["s1", "s1"],
        "vendor": ["x", "x"], "device_serial": ["dev1", "dev1"], "device_name": [None, None],
        "line_role": ["entrance", "passerby"], "interval_minutes": [15, 15],
        "max_count_per_interval": [100, None], "is_direction_inverted": [False, False],
        "site_timezone": ["UTC", "UTC"],
    })


def test_every_row_the_loader_would_reject_the_sensor_parser_rejects():
    content = ("device_serial,line_id,period_start,period_end,count_in,count_out\n" + "".join(
        f"{d},{ln},{s}Z,{e}Z,{i},{o}\n" for d, ln, s, e, i, o in ROWS)).encode()
    ctx = LoadContext(source_file="sensors/generic/day.csv", delivered_at=NOW, now=NOW,
                      sensors=sensors())
    parsed = parse_sensor_file(content, ctx)
    assert parsed.checked == {"sensor_counts"}
    parser_rejects = {q.line_no for q in parsed.quarantined}

    # the same rows as canonical values, through the loader's own rules
    canonical = pl.DataFrame({
        "sensor_id": "sen1", "line_id": [r[1] for r in ROWS],
        "period_start": [datetime.fromisoformat(r[2]).replace(tzinfo=UTC) for r in ROWS],
        "period_end": [datetime.fromisoformat(r[3]).replace(tzinfo=UTC) for r in ROWS],
        "count_in": [r[4] for r in ROWS], "count_out": [r[5] for r in ROWS],
        LINE_NO: list(range(2, len(ROWS) + 2)),
    }).with_columns(pl.col("period_start", "period_end").cast(UTC_DT),
                    pl.col("count_in", "count_out").cast(pl.Int32))
    kept, failed = validate(canonical, SENSOR_COUNTS, now=NOW, sensors=sensors())
    loader_rejects = set(failed[LINE_NO].to_list())
    assert kept.height + failed.height == len(ROWS)

    # the loader rejects lines 3, 4, 5, 6 (counts), 8 (the repeated key); the parser all of
    # those and the 1 h row (interval mismatch: stricter than the loader's scaled maximum)
    assert loader_rejects == {3, 4, 5, 6, 8}
    assert loader_rejects <= parser_rejects
    assert parser_rejects == loader_rejects | {7}
    # and what the parser keeps passes the loader's rules untouched
    rows = canonicalise(parsed.tables["sensor_counts"], SENSOR_COUNTS).rows
    again, refused = validate(rows, SENSOR_COUNTS, now=NOW, sensors=sensors())
    assert refused.height == 0 and again.height == rows.height == 3


def negative_count_parser(checked: bool):
    def parser(content: bytes, ctx: LoadContext) -> ParseResult:
        result = ParseResult("test_checked")
        result.tables["sensor_counts"] = pl.DataFrame({
            "sensor_id": ["sen1"], "line_id": ["1"],
            "period_start": [datetime(2025, 2, 1, 10, tzinfo=UTC)],
            "period_end": [datetime(2025, 2, 1, 10, 15, tzinfo=UTC)],
            "count_in": [-3], "count_out": [1], LINE_NO: [2], RAW: ["x"],
        }).with_columns(pl.col("count_in", "count_out").cast(pl.Int32))
        if checked:
            result.checked.add("sensor_counts")
        return result
    return parser


@pytest.mark.parametrize("checked", [True, False])
def test_the_loader_runs_its_rules_only_on_unchecked_tables(warehouse, landing, settings,
                                                            monkeypatch, checked):
    conn, dialect = warehouse
    monkeypatch.setitem(dispatch.OVERRIDES, "sensors", negative_count_parser(checked))
    land_reference(landing)
    write(landing, "sensors/t/a.csv", "anything", datetime(2025, 2, 2, tzinfo=UTC))
    report = load_landing(conn, dialect, landing, settings=settings, now=NOW)
    if checked:  # the parser's word is taken: it owns the rules for its tables
        assert report.rows_loaded.get("sensor_counts") == 1
        assert count(conn, "quarantine") == 0
    else:
        assert report.rows_quarantined == {"sensor_counts": 1}
        assert conn.execute("select reason_code from raw.quarantine").fetchall() == [
            ("NEGATIVE_COUNT",)]
