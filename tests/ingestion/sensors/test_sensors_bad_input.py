"""Issue 12 items 6, 9 and 10 for sensor files, loaded into DuckDB and PostgreSQL.

Counts dated before the plausible window are quarantined; a Milesight line that copies
line 1's name stays off line 1; bins of naive local hours across a DST change are valid
when their wall-clock length is the interval.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from tests.ingestion.bad_input_warehouse import Warehouse

SENSORS = ("sensor_id,line_id,site_id,vendor,device_serial,line_role,interval_minutes\n"
           "ax1,1,s1,axis,AXIS1,entrance,15\n"
           "gen1,1,s1,generic,GEN1,entrance,60\n"
           "hk1,1,s1,hikvision,HK1,entrance,60\n"
           "ms1,Line1,s1,milesight,MS1,entrance,1\n"
           "ms1,Line2,s1,milesight,MS1,passerby,1\n")
GENERIC_HEADER = "device_serial,line_id,period_start,period_end,count_in,count_out\n"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def land_reference(wh: Warehouse) -> None:
    wh.land_sites()  # s1 Berlin, opened 2020-01-01: the window starts 2019-10-03
    wh.land("reference/sensors.csv", SENSORS)


def counts(wh: Warehouse, sensor_id: str) -> list[tuple]:
    got = wh.rows("select line_id, period_start, period_end, count_in, count_out "
                  "from raw.sensor_counts where sensor_id = %s order by period_start, line_id",
                  [sensor_id])
    return [(line, _utc(a), _utc(b), i, o) for line, a, b, i, o in got]


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


def codes(wh: Warehouse, like: str) -> list[tuple]:
    return [(line, code) for _, line, code, _ in wh.quarantine(like)]


def hikvision_bin(start: str, end: str, enter: int) -> str:
    return (f"<matchElement><timeSpan><startTime>{start}</startTime><endTime>{end}</endTime>"
            f"</timeSpan><enterCount>{enter}</enterCount><exitCount>0</exitCount>"
            "</matchElement>")


def test_counts_dated_before_the_plausible_window_are_quarantined(wh):
    land_reference(wh)
    wh.land("sensors/axis/AXIS1/export.csv", "start,end,in,out\n"
            "1900-01-01 00:00:00,1900-01-01 00:15:00,1,0\n"
            "2019-06-01 10:00:00,2019-06-01 10:15:00,2,0\n"     # before the fit-out margin
            "2019-11-01 10:00:00,2019-11-01 10:15:00,3,0\n")    # within it: plausible
    wh.land("sensors/generic/day.csv", GENERIC_HEADER
            + "GEN1,1,1900-01-01T10:00:00Z,1900-01-01T11:00:00Z,4,0\n"
            + "GEN1,1,2026-11-02T10:00:00Z,2026-11-02T11:00:00Z,5,0\n")
    wh.land("sensors/hikvision/HK1/2026-11-02.xml",
            "<CountingStatisticsResult><matchList>"
            + hikvision_bin("1900-01-01T10:00:00", "1900-01-01T10:59:59", 6)
            + hikvision_bin("2026-11-02T10:00:00", "2026-11-02T10:59:59", 7)
            + "</matchList></CountingStatisticsResult>")
    wh.load()

    assert [r[3] for r in counts(wh, "ax1")] == [3]
    assert [r[3] for r in counts(wh, "gen1")] == [5]
    assert [r[3] for r in counts(wh, "hk1")] == [7]
    assert codes(wh, "sensors/axis/%") == [(2, "IMPLAUSIBLE_TIMESTAMP"),
                                           (3, "IMPLAUSIBLE_TIMESTAMP")]
    assert codes(wh, "sensors/generic/%") == [(2, "IMPLAUSIBLE_TIMESTAMP")]
    assert [code for _, code in codes(wh, "sensors/hikvision/%")] == ["IMPLAUSIBLE_TIMESTAMP"]
    assert all("open date minus 90 days" in reason for *_, reason in wh.quarantine("sensors/%"))


def vs125(lines: list[tuple[int, str, int, int]]) -> dict:
    """A VS125 periodic report: (line number, name, in, out) per line, all with one uuid."""
    uuid = "fb798b5f-2c15-4360-8713-ba0d213169c7"
    return {
        "device_info": {"device_sn": "MS1", "device_name": "People Counter"},
        "line_periodic_data": [{"line": n, "line_name": name, "line_uuid": uuid,
                                "total": {"in": i, "out": o}} for n, name, i, o in lines],
        "line_total_data": [{"line": n, "line_name": name, "line_uuid": uuid,
                             "total": {"in_counted": 100 * i, "out_counted": 100 * o}}
                            for n, name, i, o in lines],
        "time_info": {"start_time": "2026-11-02T10:00:00+00:00",
                      "end_time": "2026-11-02T10:01:00+00:00"},
    }


def test_a_milesight_line_that_copies_line_1s_name_stays_off_line_1(wh):
    land_reference(wh)  # ms1 registered by line name: Line1, Line2
    report = vs125([(1, "Line1", 3, 2), (2, "Line1", 9, 8)])
    wh.land("sensors/milesight/MS1/2026-11-02.jsonl", json.dumps(report) + "\n")
    wh.load(now=utc(2026, 11, 2, 10, 2))

    # line 1's own counts and totals are stored; line 2's are not put on line 1
    assert [(r[0], r[3], r[4]) for r in counts(wh, "ms1")] == [("Line1", 3, 2)]
    assert wh.rows("select line_id, total_in, total_out from raw.sensor_counter_readings") == [
        ("Line1", 300, 200)]
    rejected = wh.quarantine("sensors/milesight/%")
    assert [code for _, _, code, _ in rejected] == ["UNKNOWN_LINE", "UNKNOWN_LINE"]
    assert all("no line registered as 2" in reason for *_, reason in rejected)


def test_a_milesight_line_number_wins_when_lines_are_registered_by_number(wh):
    land_reference(wh)
    wh.land("reference/sensors.csv", SENSORS.replace("ms1,Line1", "ms1,1")
            .replace("ms1,Line2", "ms1,2"))
    report = vs125([(1, "Line1", 3, 2), (2, "Line1", 9, 8)])
    wh.land("sensors/milesight/MS1/2026-11-02.jsonl", json.dumps(report) + "\n")
    wh.load(now=utc(2026, 11, 2, 10, 2))
    assert [(r[0], r[3], r[4]) for r in counts(wh, "ms1")] == [("1", 3, 2), ("2", 9, 8)]
    assert wh.quarantine("sensors/%") == []


def test_dst_bins_of_naive_local_hours_are_valid_when_their_wall_length_is_the_interval(wh):
    land_reference(wh)  # gen1: hourly, site s1 in Europe/Berlin
    wh.land("sensors/generic/2026-10-25.csv", GENERIC_HEADER
            + "GEN1,1,2026-10-25 01:00:00,2026-10-25 02:00:00,1,0\n"
            + "GEN1,1,2026-10-25 02:00:00,2026-10-25 03:00:00,2,0\n"   # two real hours
            + "GEN1,1,2026-10-25 03:00:00,2026-10-25 04:00:00,3,0\n")
    wh.land("sensors/generic/2026-03-29.csv", GENERIC_HEADER
            + "GEN1,1,2026-03-29 01:00:00,2026-03-29 02:00:00,4,0\n"
            + "GEN1,1,2026-03-29 02:00:00,2026-03-29 03:00:00,0,0\n"   # does not exist
            + "GEN1,1,2026-03-29 03:00:00,2026-03-29 04:00:00,5,0\n")
    wh.load()

    assert counts(wh, "gen1") == [
        ("1", utc(2026, 3, 29, 0), utc(2026, 3, 29, 1), 4, 0),    # 01:00-02:00 CET
        ("1", utc(2026, 3, 29, 1), utc(2026, 3, 29, 2), 5, 0),    # 03:00-04:00 CEST
        ("1", utc(2026, 10, 24, 23), utc(2026, 10, 25, 0), 1, 0),  # 01:00-02:00 CEST
        ("1", utc(2026, 10, 25, 0), utc(2026, 10, 25, 2), 2, 0),   # 02:00 CEST-03:00 CET
        ("1", utc(2026, 10, 25, 2), utc(2026, 10, 25, 3), 3, 0),   # 03:00-04:00 CET
    ]
    assert codes(wh, "sensors/generic/%") == [(3, "DST_GAP")]
