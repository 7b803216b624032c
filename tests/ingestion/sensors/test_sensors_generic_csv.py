"""The generic sensor CSV, VIVOTEK report pushes, and the DST rule on local times."""

from __future__ import annotations

from datetime import datetime
from itertools import pairwise

import pytest
from sensor_helpers import codes, line, parse, registry, rows, utc

from ingestion.records import MALFORMED_ROW
from ingestion.sensors.timeconv import to_utc_scalar

HEADER = b"device_serial,line_id,period_start,period_end,count_in,count_out\n"


def counts(result) -> list[tuple]:
    """sensor_counts rows as (sensor, line, start, end, in, out), in file order."""
    return [(r["sensor_id"], r["line_id"], r["period_start"], r["period_end"], r["count_in"],
             r["count_out"]) for r in rows(result, "sensor_counts")]


@pytest.fixture
def sensors():
    return registry(
        line("g-ber", "entrance", "AA:BB:CC:00:00:01", tz="Europe/Berlin", interval_minutes=15),
        line("g-ny", "1", "aabbcc000002", tz="America/New_York"),
        line("vv", "Counting1", "00:02:81:31:00:08", tz="Asia/Taipei"),
        line("vv", "Counting2", "00:02:81:31:00:08", tz="Asia/Taipei"),
    )


def test_generic_csv_offsets_local_times_and_serial_normalisation(sensors):
    content = HEADER + (
        # naive: Berlin local, 2026-11-02 10:00 CET = 09:00 UTC
        b"aa-bb-cc-00-00-01,entrance,2026-11-02 10:00:00,2026-11-02 10:15:00,7,5\n"
        # offset given: taken as is (10:15+01:00 = 09:15Z)
        b"AABBCC000001,entrance,2026-11-02T10:15:00+01:00,2026-11-02T10:30:00+01:00,3,2\n"
        # New York naive: 2026-11-02 09:00 EST (UTC-5) = 14:00 UTC; Z works as well
        b"aabbcc000002,1,2026-11-02T09:00:00,2026-11-02T15:00:00Z,1,0\n"
    )
    result = parse(content, "sensors/generic/export.csv", sensors, utc(2026, 11, 3))
    assert result.quarantined == []
    assert counts(result) == [
        ("g-ber", "entrance", utc(2026, 11, 2, 9), utc(2026, 11, 2, 9, 15), 7, 5),
        ("g-ber", "entrance", utc(2026, 11, 2, 9, 15), utc(2026, 11, 2, 9, 30), 3, 2),
        ("g-ny", "1", utc(2026, 11, 2, 14), utc(2026, 11, 2, 15), 1, 0),
    ]


def test_generic_csv_bad_values_are_quarantined_with_their_line(sensors):
    content = HEADER + (
        b"aabbcc000001,entrance,2026-11-02 10:00:00,2026-11-02 10:15:00,7,5\n"
        b"aabbcc000001,entrance,2026-11-02 10:15:00,2026-11-02 10:30:00,2.5,1\n"
        b"aabbcc000001,entrance,not a time,2026-11-02 10:45:00,1,1\n"
    )
    result = parse(content, "sensors/generic/export.csv", sensors, utc(2026, 11, 3))
    assert len(rows(result, "sensor_counts")) == 1
    assert [(q.reason_code, q.line_no, q.raw_content) for q in result.quarantined] == [
        (MALFORMED_ROW, 3,
         "aabbcc000001,entrance,2026-11-02 10:15:00,2026-11-02 10:30:00,2.5,1"),
        (MALFORMED_ROW, 4, "aabbcc000001,entrance,not a time,2026-11-02 10:45:00,1,1"),
    ]


def test_generic_csv_without_required_columns_is_unreadable(sensors):
    result = parse(b"serial,in\nx,1\n", "sensors/generic/bad.csv", sensors, utc(2026, 1, 1))
    assert codes(result) == ["UNREADABLE_FILE"]
    assert "line_id" in result.quarantined[0].reason


def test_vivotek_csv_report(samples_dir, sensors):
    content = (samples_dir / "other-csv/vivotek_sc8131_report_push.csv").read_bytes()
    result = parse(content, "sensors/vivotek/000281310008/r.csv", sensors,
                   utc(2015, 5, 28, 6, 31))
    # rule rows: Counting1 in 1 out 2, Counting2 0/0, 06:15Z..06:30Z; UtcTime 06:30:01Z
    assert [(r["line_id"], r["period_start"], r["period_end"], r["count_in"], r["count_out"],
             r["received_at"]) for r in rows(result, "sensor_counts")] == [
        ("Counting1", utc(2015, 5, 28, 6, 15), utc(2015, 5, 28, 6, 30), 1, 2,
         utc(2015, 5, 28, 6, 30, 1)),
        ("Counting2", utc(2015, 5, 28, 6, 15), utc(2015, 5, 28, 6, 30), 0, 0,
         utc(2015, 5, 28, 6, 30, 1)),
    ]


def test_vivotek_json_twin_names_lines_differently(samples_dir, sensors):
    content = (samples_dir / "other-csv/vivotek_sc8131_report_push.json").read_bytes()
    result = parse(content, "sensors/vivotek/000281310008/r.json", sensors,
                   utc(2015, 5, 28, 6, 31))
    # the JSON says "Conting1"/"Conting2", not registered: both rows quarantined, not guessed,
    # each with the whole document, so registering the lines and replaying loads them
    assert codes(result) == ["UNKNOWN_LINE", "UNKNOWN_LINE"]
    assert {q.raw_content for q in result.quarantined} == {content.decode()}
    assert "sensor_counts" not in result.tables


def quarter_hours(start_hour: int, hours: int) -> list[str]:
    return [f"{h:02d}:{m:02d}" for h in range(start_hour, start_hour + hours) for m in
            (0, 15, 30, 45)]


def test_fall_back_repeated_hour_gives_distinct_utc_intervals(sensors):
    # A 15-minute series through 2026-10-25 in Berlin: 01:00..01:45, then 02:00..02:45
    # twice (CEST, then CET), then 03:00. Ends are the next row's start.
    local = [*quarter_hours(1, 1), *quarter_hours(2, 1), *quarter_hours(2, 1), "03:00", "03:15"]
    lines = [f"aabbcc000001,entrance,2026-10-25 {a}:00,2026-10-25 {b}:00,1,0"
             for a, b in pairwise(local)]
    content = HEADER + "\n".join(lines).encode() + b"\n"
    result = parse(content, "sensors/generic/dst.csv", sensors, utc(2026, 10, 26))
    assert result.quarantined == []
    got = [(r["period_start"], r["period_end"]) for r in rows(result, "sensor_counts")]
    # 01:00 CEST = 23:00 UTC (24th); first 02:xx = CEST (00:00..00:45 UTC), the repeat = CET
    # (01:00..01:45 UTC); 03:00 CET = 02:00 UTC. 13 rows, each exactly 15 minutes.
    expected_starts = [utc(2026, 10, 24, 23, m) for m in (0, 15, 30, 45)] + [
        utc(2026, 10, 25, 0, m) for m in (0, 15, 30, 45)] + [
        utc(2026, 10, 25, 1, m) for m in (0, 15, 30, 45)] + [utc(2026, 10, 25, 2)]
    assert [s for s, _ in got] == expected_starts
    assert all((e - s).total_seconds() == 900 for s, e in got)
    # 4 distinct UTC intervals per pass through the repeated local hour, 8 in all
    repeated = [s for s in expected_starts if utc(2026, 10, 25, 0) <= s < utc(2026, 10, 25, 2)]
    assert len(set(repeated)) == 8


def test_spring_forward_missing_hour_shifts_forward(sensors):
    # 2026-03-29 Berlin: 02:00..03:00 does not exist. 02:30 is read with the offset before
    # the jump (+01:00): 01:30 UTC, i.e. 03:30 CEST.
    content = HEADER + (
        b"aabbcc000001,entrance,2026-03-29 01:45:00,2026-03-29 02:00:00,1,1\n"
        b"aabbcc000001,entrance,2026-03-29 02:30:00,2026-03-29 02:45:00,2,2\n"
        b"aabbcc000001,entrance,2026-03-29 03:00:00,2026-03-29 03:15:00,3,3\n"
    )
    result = parse(content, "sensors/generic/spring.csv", sensors, utc(2026, 3, 30))
    got = {r["count_in"]: (r["period_start"], r["period_end"])
           for r in rows(result, "sensor_counts")}
    # 01:45 CET = 00:45 UTC; 02:00 (missing) -> 01:00 UTC, same as 03:00 CEST
    assert got[1] == (utc(2026, 3, 29, 0, 45), utc(2026, 3, 29, 1, 0))
    assert got[2] == (utc(2026, 3, 29, 1, 30), utc(2026, 3, 29, 1, 45))
    assert got[3] == (utc(2026, 3, 29, 1, 0), utc(2026, 3, 29, 1, 15))
    assert to_utc_scalar(datetime(2026, 3, 29, 2, 30), "Europe/Berlin") == utc(
        2026, 3, 29, 1, 30)


def test_isolated_ambiguous_timestamp_takes_the_earlier_offset():
    # 02:30 on 2026-10-25 Berlin, alone: fold=0, CEST (+02:00) -> 00:30 UTC
    assert to_utc_scalar(datetime(2026, 10, 25, 2, 30), "Europe/Berlin") == utc(
        2026, 10, 25, 0, 30)


def test_offsets_across_a_dst_change_in_one_column_take_the_fixed_format_path(sensors):
    """A day file across Berlin's fall-back carries +02:00 and +01:00 in one column (the
    fixed-offset fast path); every value must land on its own UTC instant."""
    content = HEADER + (
        # 02:45+02:00 = 00:45Z; 02:00+01:00 = 01:00Z; 03:00+01:00 = 02:00Z; -05:00 and Z too
        b"aabbcc000001,entrance,2026-10-25T02:45:00+02:00,2026-10-25T02:00:00+01:00,4,1\n"
        b"aabbcc000001,entrance,2026-10-25T02:00:00+01:00,2026-10-25T02:15:00+01:00,6,2\n"
        b"aabbcc000001,entrance,2026-10-25T03:00:00+01:00,2026-10-25T02:15:00Z,1,1\n"
        b"aabbcc000002,1,2026-10-25T09:00:00-04:00,2026-10-25T14:00:00Z,2,0\n"
    )
    result = parse(content, "sensors/generic/dst.csv", sensors, utc(2026, 10, 26))
    assert result.quarantined == []
    assert [(r["period_start"], r["period_end"]) for r in rows(result, "sensor_counts")] == [
        (utc(2026, 10, 25, 0, 45), utc(2026, 10, 25, 1)),
        (utc(2026, 10, 25, 1), utc(2026, 10, 25, 1, 15)),
        (utc(2026, 10, 25, 2), utc(2026, 10, 25, 2, 15)),
        (utc(2026, 10, 25, 13), utc(2026, 10, 25, 14)),
    ]


def test_generic_csv_values_with_spaces_around_them_are_read(sensors):
    """Spaces around a device, line, time or count are trimmed (on the slower path the fixed
    formats fall back to), not read as a different device or a malformed row."""
    content = HEADER + (
        b" aabbcc000002 , 1 , 2026-11-02T15:00:00Z ,2026-11-02T15:15:00Z, 7 ,5\n"
        b"aabbcc000002,1,2026-11-02T15:15:00Z,2026-11-02T15:30:00Z,3, 2\n"
    )
    result = parse(content, "sensors/generic/padded.csv", sensors, utc(2026, 11, 3))
    assert result.quarantined == []
    assert counts(result) == [
        ("g-ny", "1", utc(2026, 11, 2, 15), utc(2026, 11, 2, 15, 15), 7, 5),
        ("g-ny", "1", utc(2026, 11, 2, 15, 15), utc(2026, 11, 2, 15, 30), 3, 2),
    ]


def test_rows_of_every_device_and_line_keep_their_file_order(sensors):
    """Resolution runs once per distinct device and line and is joined back: each row must
    still get its own sensor and line, in the order of the file."""
    content = HEADER + (
        b"00:02:81:31:00:08,Counting2,2026-11-02T01:00:00Z,2026-11-02T01:15:00Z,1,0\n"
        b"aabbcc000002,1,2026-11-02T01:00:00Z,2026-11-02T01:15:00Z,2,0\n"
        b"000281310008,Counting1,2026-11-02T01:00:00Z,2026-11-02T01:15:00Z,3,0\n"
        b"00-02-81-31-00-08,Counting2,2026-11-02T01:15:00Z,2026-11-02T01:30:00Z,4,0\n"
    )
    result = parse(content, "sensors/generic/mixed.csv", sensors, utc(2026, 11, 3))
    assert result.quarantined == []
    assert [(r["count_in"], r["sensor_id"], r["line_id"])
            for r in rows(result, "sensor_counts")] == [
        (1, "vv", "Counting2"), (2, "g-ny", "1"), (3, "vv", "Counting1"), (4, "vv", "Counting2")]
