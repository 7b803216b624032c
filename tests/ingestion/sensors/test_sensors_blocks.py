"""Rows in blocks of one device and line: resolution per block and the key-uniqueness proof.

Files usually list a device's rows together in time order; resolve.py and checks.py take a
cheaper path for them. These tests hold those paths to the answers of the general ones.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import polars as pl
import pytest
from sensor_helpers import line, parse, registry, rows, utc

from ingestion.records import DUPLICATE_KEY
from ingestion.sensors import checks
from ingestion.sensors.resolve import resolve_rows, sensor_registry

HEADER = b"device_serial,line_id,period_start,period_end,count_in,count_out\n"
NOW = utc(2026, 6, 2)
START = utc(2026, 6, 1)


@pytest.fixture
def sensors():
    return registry(
        line("s1", "1", "aa:bb:cc:00:00:01", tz="UTC", interval_minutes=15),
        line("s1", "2", "aa:bb:cc:00:00:01", tz="UTC", interval_minutes=15),
        line("s2", "1", "dev2", tz="Europe/Lisbon", interval_minutes=15),
    )


def _csv(blocks: list[tuple[str, str, int]]) -> bytes:
    """One block of `n` consecutive 15-minute rows per (device, line, n); count_in numbers
    the rows of the file from 1."""
    out, row = [], 0
    for device, line_ref, n in blocks:
        for i in range(n):
            row += 1
            begin = START + timedelta(minutes=15 * i)
            out.append(f"{device},{line_ref},{begin:%Y-%m-%dT%H:%M:%SZ},"
                       f"{begin + timedelta(minutes=15):%Y-%m-%dT%H:%M:%SZ},{row},0")
    return HEADER + "\n".join(out).encode() + b"\n"


def test_rows_in_blocks_get_their_own_blocks_sensor_and_line(sensors):
    """Blocks of 5 rows take the per-block path; a device written two ways (serial with
    colons, then normalised) in two blocks resolves the same, and each row keeps its place."""
    content = _csv([("aa:bb:cc:00:00:01", "1", 5), ("dev2", "1", 5),
                    ("AABBCC000001", " 2 ", 5)])
    result = parse(content, "sensors/generic/blocks.csv", sensors, NOW)
    assert result.quarantined == []
    got = [(r["count_in"], r["sensor_id"], r["line_id"]) for r in rows(result, "sensor_counts")]
    assert got == ([(n, "s1", "1") for n in range(1, 6)] + [(n, "s2", "1") for n in range(6, 11)]
                   + [(n, "s1", "2") for n in range(11, 16)])


def test_per_block_and_joined_resolution_give_the_same_rows(sensors):
    """The same rows resolved in blocks and interleaved (one join) get the same answers."""
    frame = pl.DataFrame({
        "device_serial": ["dev2"] * 4 + ["AA-BB-CC-00-00-01"] * 4 + ["nobody"] * 4,
        "device_name": [None] * 12,
        "line_ref": ["1"] * 8 + ["9"] * 4,
        "line_name": [None] * 12,
        "n": list(range(12)),
    }, schema_overrides={"device_name": pl.Utf8, "line_name": pl.Utf8})
    known = sensor_registry(sensors)
    in_blocks = resolve_rows(frame, known, lines=True)
    shuffled = resolve_rows(frame.sort(pl.col("n") % 4, "n"), known, lines=True).sort("n")
    assert in_blocks.equals(shuffled)
    assert in_blocks.select("sensor_id", "line_id", "site_timezone").rows() == (
        [("s2", "1", "Europe/Lisbon")] * 4 + [("s1", "1", "UTC")] * 4 + [(None, None, None)] * 4)


def _frame(series: list[str], minutes: list[int | None]) -> pl.DataFrame:
    start = datetime(2026, 6, 1)
    return pl.DataFrame({
        "sensor_id": series,
        "period_start": [None if m is None else start + timedelta(minutes=m) for m in minutes],
    })


@pytest.mark.parametrize(("series", "minutes", "proven"), [
    (["a", "a", "b", "b"], [0, 15, 0, 15], True),       # one ascending block per series
    (["a"], [0], True),
    (["a", "a", "b", "b", "a"], [0, 15, 0, 15, 30], False),  # a's rows in two blocks
    (["a", "a", "a"], [0, 15, 15], False),               # a time repeats
    (["a", "a", "a"], [15, 0, 30], False),               # out of order: not proven
    (["a", "a", "a"], [0, None, 0], False),              # a null time hides a repeat
])
def test_uniqueness_proof_holds_only_for_ascending_blocks(series, minutes, proven):
    frame = _frame(series, minutes)
    assert checks.series_in_ascending_blocks(frame, ["sensor_id"], "period_start") is proven


@pytest.mark.parametrize(("series", "minutes", "may_repeat"), [
    (["a", "a", "b", "b", "a"], [0, 15, 0, 15, 30], False),  # not proven, hashes differ
    (["a", "a", "b", "b", "a"], [0, 15, 0, 15, 0], True),    # a@0 again in a later block
    (["a", "a", "a"], [30, 0, 30], True),                    # out of order with a repeat
])
def test_keys_the_proof_cannot_clear_are_hashed(series, minutes, may_repeat):
    assert checks.may_repeat_key(_frame(series, minutes),
                                 ["sensor_id", "period_start"]) is may_repeat


def test_a_series_coming_back_later_in_the_file_is_still_deduplicated(sensors):
    """Blocks s1/1, s2/1, s1/1 again, the last restating the first block's first interval:
    the restated row wins and the earlier one is quarantined as DUPLICATE_KEY."""
    content = _csv([("dev2", "1", 4), ("aa:bb:cc:00:00:01", "1", 4), ("dev2", "1", 1)])
    result = parse(content, "sensors/generic/back.csv", sensors, NOW)
    assert [(q.reason_code, q.line_no) for q in result.quarantined] == [(DUPLICATE_KEY, 2)]
    s2 = sorted((r["period_start"], r["count_in"]) for r in rows(result, "sensor_counts")
                if r["sensor_id"] == "s2")
    assert s2 == [(utc(2026, 6, 1, 0, 0), 9), (utc(2026, 6, 1, 0, 15), 2),
                  (utc(2026, 6, 1, 0, 30), 3), (utc(2026, 6, 1, 0, 45), 4)]
