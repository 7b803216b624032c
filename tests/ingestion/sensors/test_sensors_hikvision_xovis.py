"""Hikvision ISAPI and Xovis push samples."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sensor_helpers import line, parse, registry, rows, utc

HK = "sensors/hikvision/DS2CD0000000/{}"


@pytest.fixture
def sensors():
    return registry(
        line("hk-v20", "1", "3c:1b:f8:c1:3a:6d", tz="Asia/Shanghai"),
        line("hk-nons", "1", "4c-bd-8f-c4-00-87", tz="Asia/Shanghai"),
        line("hk-child", "1", "849a40ecf16d", tz="Asia/Shanghai"),
        line("hk-crlf", "1", "24:28:FD:F3:3A:11", tz="Asia/Shanghai"),
        line("hk-pass", "1", "44:47:cc:50:00:c1", tz="Europe/Berlin"),
        line("hk-search", "1", "DS2CD0000000", tz="Asia/Shanghai"),
        line("xo-a", "4", "80:1F:12:D5:30:DC", tz="Europe/Zurich"),
        line("xo-a", "0", "80:1F:12:D5:30:DC", tz="Europe/Zurich"),
        line("xo-b", "3", "80:1F:12:D3:27:CA", tz="Europe/Zurich",
             is_direction_inverted=True),
        line("xo-c", "2", "XOVISFOLDER", tz="Europe/Zurich"),
    )


def hik(samples_dir: Path, name: str) -> bytes:
    return (samples_dir / "hikvision" / name).read_bytes()


@pytest.mark.parametrize(("name", "sensor", "at", "total_in", "total_out"), [
    # isapi v20 namespace; RealTime/time 12:27:24+08:00 = 04:27:24 UTC; enter 15, exit 14
    ("event_peoplecounting_realtime_isapi_v20.xml", "hk-v20", utc(2024, 7, 8, 4, 27, 24),
     15, 14),
    # no namespace, one line; RealTime/time (09-03 13:57:35+08) wins over dateTime (09-01)
    ("event_peoplecounting_realtime_single_line_no_namespace.xml", "hk-nons",
     utc(2017, 9, 3, 5, 57, 35), 167, 454),
    # psialliance namespace; child counts are not added: enter 70, exit 75
    ("event_peoplecounting_realtime_with_child.xml", "hk-child", utc(2020, 7, 9, 4, 7, 7),
     70, 75),
])
def test_realtime_alerts_are_running_totals(samples_dir, sensors, name, sensor, at, total_in,
                                            total_out):
    result = parse(hik(samples_dir, name), HK.format("a.xml"), sensors, at)
    assert result.quarantined == []
    assert [(r["sensor_id"], r["line_id"], r["reading_at"], r["total_in"], r["total_out"])
            for r in rows(result, "sensor_counter_readings")] == [
        (sensor, "1", at, total_in, total_out)]
    assert "sensor_counts" not in result.tables


@pytest.mark.parametrize(("name", "sensor", "start", "end", "count_in", "count_out"), [
    # CRLF; 19:00..19:15+08:00 = 11:00..11:15 UTC; enter 0, exit 1
    ("event_peoplecounting_timerange_child_crlf.xml", "hk-crlf", utc(2021, 10, 12, 11),
     utc(2021, 10, 12, 11, 15), 0, 1),
    # 19:33..19:35+02:00 = 17:33..17:35 UTC; enter 0, exit 0 (pass 0 not loaded)
    ("event_peoplecounting_timerange_with_pass.xml", "hk-pass", utc(2020, 4, 19, 17, 33),
     utc(2020, 4, 19, 17, 35), 0, 0),
])
def test_timerange_alerts_are_increments(samples_dir, sensors, name, sensor, start, end,
                                         count_in, count_out):
    result = parse(hik(samples_dir, name), HK.format("b.xml"), sensors, end)
    assert [(r["sensor_id"], r["period_start"], r["period_end"], r["count_in"],
             r["count_out"]) for r in rows(result, "sensor_counts")] == [
        (sensor, start, end, count_in, count_out)]


def test_search_request_has_no_counts(samples_dir, sensors):
    result = parse(hik(samples_dir, "counting_search_request_daily.xml"), HK.format("q.xml"),
                   sensors, utc(2017, 1, 31))
    assert (result.tables, result.quarantined) == ({}, [])


def test_search_result_with_malformed_namespace_and_inclusive_end(sensors):
    # the README's capture quirk: a broken root attribute; endTime inclusive (00:59:59)
    content = (
        b'<?xml version="1.0" encoding="UTF-8"?>\r\n'
        b'<CountingStatisticsResult version="2.0" '
        b'xmlns="http://www.hikvision.com/ver20/XMLSchema version="2.0">\r\n'
        b"<responseStatus>true</responseStatus><responseStatusStrg>OK</responseStatusStrg>"
        b"<matchList>"
        b"<matchElement><timeSpan><startTime>2017-01-30T00:00:00</startTime>"
        b"<endTime>2017-01-30T00:59:59</endTime></timeSpan>"
        b"<enterCount>3</enterCount><exitCount>1</exitCount></matchElement>"
        b"<matchElement><timeSpan><startTime>2017-01-30T01:00:00</startTime>"
        b"<endTime>2017-01-30T01:59:59</endTime></timeSpan>"
        b"<enterCount>5</enterCount><exitCount>6</exitCount></matchElement>"
        b"</matchList></CountingStatisticsResult>"
    )
    result = parse(content, HK.format("2017-01-30.xml"), sensors, utc(2017, 1, 31))
    # Shanghai UTC+8: 00:00 local = 2017-01-29 16:00 UTC; 00:59:59 + 1 s = 01:00 local
    assert [(r["sensor_id"], r["period_start"], r["period_end"], r["count_in"],
             r["count_out"]) for r in rows(result, "sensor_counts")] == [
        ("hk-search", utc(2017, 1, 29, 16), utc(2017, 1, 29, 17), 3, 1),
        ("hk-search", utc(2017, 1, 29, 17), utc(2017, 1, 29, 18), 5, 6),
    ]


def xo(samples_dir: Path, name: str) -> bytes:
    return (samples_dir / "xovis" / name).read_bytes()


def test_xovis_v5_fw_is_in(samples_dir, sensors):
    result = parse(xo(samples_dir, "v5_logics_data_push_line_age_bins.json"),
                   "sensors/xovis/801F12D530DC/p.json", sensors, utc(2026, 7, 8, 8, 0))
    # logic id 4; from 1783497240000 ms = 2026-07-08 07:54:00 UTC, to +60 s; fw 0, bw 1
    assert rows(result, "sensor_counts") == [{
        "sensor_id": "xo-a", "line_id": "4", "period_start": utc(2026, 7, 8, 7, 54),
        "period_end": utc(2026, 7, 8, 7, 55), "count_in": 0, "count_out": 1,
        "received_at": utc(2026, 7, 8, 8, 0)}]


def test_xovis_v5_inverted_sensor_swaps(samples_dir, sensors):
    result = parse(xo(samples_dir, "v5_logics_data_push_line_gender_mask.json"),
                   "sensors/xovis/801F12D327CA/p.json", sensors, utc(2023, 5, 17, 12, 10))
    # 1684325340000 ms = 2023-05-17 12:09:00 UTC; fw 1, bw 0, line inverted -> in 0, out 1
    assert [(r["line_id"], r["period_start"], r["count_in"], r["count_out"])
            for r in rows(result, "sensor_counts")] == [("3", utc(2023, 5, 17, 12, 9), 0, 1)]


def test_xovis_v5_zone_logic_gives_no_rows_line_logic_does(samples_dir, sensors):
    result = parse(xo(samples_dir, "v5_logics_data_push_zone_and_line.json"),
                   "sensors/xovis/XOVISFOLDER/p.json", sensors, utc(2022, 2, 25, 12, 45))
    # no sensor_info: the folder names the device; logic 2 "Line 0" has 4 minute records
    # from 1645792860000 ms = 2022-02-25 12:41:00 UTC: fw/bw 1/0, 3/1, 0/0, 0/0
    assert [(r["line_id"], r["period_start"], r["count_in"], r["count_out"])
            for r in rows(result, "sensor_counts")] == [
        ("2", utc(2022, 2, 25, 12, 41), 1, 0), ("2", utc(2022, 2, 25, 12, 42), 3, 1),
        ("2", utc(2022, 2, 25, 12, 43), 0, 0), ("2", utc(2022, 2, 25, 12, 44), 0, 0)]
    assert result.quarantined == []


def test_xovis_v4_count_push(samples_dir, sensors):
    result = parse(xo(samples_dir, "pc2s_v4_count_data_push.json"),
                   "sensors/xovis/801F12D530DC/v4.json", sensors, utc(2021, 9, 23, 8, 21, 10))
    # element-id 0; 10:20..10:21+02:00 = 08:20..08:21 UTC; fw 1 -> in, bw 0 -> out
    assert [(r["line_id"], r["period_start"], r["period_end"], r["count_in"], r["count_out"])
            for r in rows(result, "sensor_counts")] == [
        ("0", utc(2021, 9, 23, 8, 20), utc(2021, 9, 23, 8, 21), 1, 0)]


@pytest.mark.parametrize("name", ["pc2s_v4_event_push.json",
                                  "v5_live_data_push_line_cross_event.json",
                                  "v5_status_data_push.json"])
def test_xovis_events_and_status_give_no_rows(samples_dir, sensors, name):
    result = parse(xo(samples_dir, name), "sensors/xovis/801F12D530DC/e.json", sensors,
                   utc(2022, 2, 25))
    assert (result.tables, result.quarantined) == ({}, [])


def test_search_result_inclusive_end_through_the_repeated_hour():
    sensors = registry(line("hk-ber", "1", "HKBERLIN", tz="Europe/Berlin", interval_minutes=15))

    def element(start: str, end: str, enter: int) -> str:
        return (f"<matchElement><timeSpan><startTime>2026-10-25T{start}</startTime>"
                f"<endTime>2026-10-25T{end}</endTime></timeSpan><enterCount>{enter}"
                f"</enterCount><exitCount>0</exitCount></matchElement>")

    passes = [("02:00:00", "02:14:59"), ("02:15:00", "02:29:59"), ("02:30:00", "02:44:59"),
              ("02:45:00", "02:59:59")]
    bins = [*passes, *passes, ("03:00:00", "03:14:59")]   # the local hour twice, then 03:00
    content = ("<CountingStatisticsResult><matchList>"
               + "".join(element(a, b, n) for n, (a, b) in enumerate(bins, start=1))
               + "</matchList></CountingStatisticsResult>").encode()
    result = parse(content, "sensors/hikvision/HKBERLIN/2026-10-25.xml", sensors,
                   utc(2026, 10, 26))
    assert result.quarantined == []
    got = [(r["period_start"], r["period_end"]) for r in rows(result, "sensor_counts")]
    # first pass CEST: 02:00 = 00:00Z; its last bin 02:45:00..02:59:59 CEST + 1 s = 01:00Z.
    # second pass CET: 02:00 = 01:00Z .. 02:00Z; then 03:00 CET = 02:00Z .. 02:15Z.
    starts = [utc(2026, 10, 25, h, m) for h in (0, 1) for m in (0, 15, 30, 45)]
    assert got == [(s, s + timedelta(minutes=15)) for s in [*starts, utc(2026, 10, 25, 2)]]
