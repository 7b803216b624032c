"""Axis samples: a3dpc exports, tvpc, Retail Data push; camera-local times in the site zone."""

from __future__ import annotations

from pathlib import Path

import pytest
from sensor_helpers import codes, line, parse, registry, rows, utc

from ingestion.records import UNREADABLE_FILE

A3D = "ACCC8EF3D92E"


@pytest.fixture
def sensors():
    return registry(
        line("ax-3d", "1", A3D, tz="Europe/Stockholm"),
        line("ax-push", "1", "B8A44FA89C85", tz="Europe/Zurich"),
        line("ax-tvpc", "1", "00408CAC512B", tz="Europe/Berlin"),
        line("ax-occ", "1", "ACCC8E019C5F", tz="Europe/Berlin"),
        line("ax-rt", "1", "00408C188227", tz="Europe/Berlin"),
    )


def sample(samples_dir: Path, name: str) -> bytes:
    return (samples_dir / "axis" / name).read_bytes()


def test_a3dpc_minute_csv_in_site_time(samples_dir, sensors):
    result = parse(sample(samples_dir, "a3dpc_export_csv_minute.csv"),
                   f"sensors/axis/{A3D}/2020-09-23.csv", sensors, utc(2020, 9, 24))
    got = rows(result, "sensor_counts")
    # 5 one-minute bins from 2020-09-23 00:00 Stockholm (CEST, UTC+2) = 2020-09-22 22:00 UTC
    assert [(r["period_start"], r["period_end"]) for r in got] == [
        (utc(2020, 9, 22, 22, m), utc(2020, 9, 22, 22, m + 1)) for m in range(5)]
    assert {(r["sensor_id"], r["line_id"], r["count_in"], r["count_out"]) for r in got} == {
        ("ax-3d", "1", 0, 0)}


def test_a3dpc_day_csv(samples_dir, sensors):
    result = parse(sample(samples_dir, "a3dpc_export_csv_day.csv"),
                   f"sensors/axis/{A3D}/2020-08-04.csv", sensors, utc(2020, 8, 4))
    # 2020-08-01 00:00 CEST -> 2020-07-31 22:00 UTC; three day bins of 24 h
    assert [(r["period_start"], r["period_end"]) for r in rows(result, "sensor_counts")] == [
        (utc(2020, 7, 31, 22), utc(2020, 8, 1, 22)),
        (utc(2020, 8, 1, 22), utc(2020, 8, 2, 22)),
        (utc(2020, 8, 2, 22), utc(2020, 8, 3, 22)),
    ]


def test_a3dpc_export_json(samples_dir, sensors):
    result = parse(sample(samples_dir, "a3dpc_export_json_hour.json"),
                   f"sensors/axis/{A3D}/export.json", sensors, utc(2020, 6, 24))
    # 2020-06-23 00:00..01:00 CEST -> 2020-06-22 22:00..23:00 UTC, in 0, out 0
    assert [(r["period_start"], r["period_end"], r["count_in"], r["count_out"])
            for r in rows(result, "sensor_counts")] == [
        (utc(2020, 6, 22, 22), utc(2020, 6, 22, 23), 0, 0)]


def test_a3dpc_occupancy_exports_store_the_peak(samples_dir, sensors):
    csv = parse(sample(samples_dir, "a3dpc_export_occupancy_csv_hour.csv"),
                f"sensors/axis/{A3D}/occ.csv", sensors, utc(2023, 1, 10))
    # winter: Stockholm is UTC+1; 07:00, 08:00, 09:00 local peaks 3, 17, 21
    occ = {r["ts"]: r["occupancy"] for r in rows(csv, "sensor_occupancy")}
    assert len(occ) == 10
    assert occ[utc(2023, 1, 9, 6)] == 3
    assert occ[utc(2023, 1, 9, 7)] == 17
    assert occ[utc(2023, 1, 9, 8)] == 21
    js = parse(sample(samples_dir, "a3dpc_export_occupancy_json_hour.json"),
               f"sensors/axis/{A3D}/occ.json", sensors, utc(2023, 1, 9))
    assert [(r["ts"], r["occupancy"]) for r in rows(js, "sensor_occupancy")] == [
        (utc(2023, 1, 7, 23), 0), (utc(2023, 1, 8, 0), 0)]


def test_a3dpc_realtime_gives_occupancy_and_running_totals(samples_dir, sensors):
    result = parse(sample(samples_dir, "a3dpc_occupancy_realtime.json"),
                   f"sensors/axis/{A3D}/rt.json", sensors, utc(2020, 12, 3, 15, 29))
    # payload serial 00:40:8c:18:82:27 wins over the folder; 16:28:05+01:00 = 15:28:05 UTC
    assert rows(result, "sensor_occupancy") == [{
        "sensor_id": "ax-rt", "ts": utc(2020, 12, 3, 15, 28, 5), "occupancy": 15,
        "received_at": utc(2020, 12, 3, 15, 29)}]
    assert [(r["total_in"], r["total_out"]) for r in rows(result, "sensor_counter_readings")
            ] == [(100, 85)]


@pytest.mark.parametrize(("name", "sensor", "start", "count_in", "count_out", "sent"), [
    # vendor doc (timezone key): 12:19..12:20Z, in 0 out 0, utcSent 12:20:12Z
    ("axis_retail_data_push_vendor_doc.json", "ax-3d", utc(2020, 12, 8, 12, 19), 0, 0,
     utc(2020, 12, 8, 12, 20, 12)),
    # device capture (timeZone key): 08:14..08:15Z, in 1 out 2, utcSent 08:15:38Z
    ("axis_retail_data_push_device_capture.json", "ax-push", utc(2025, 5, 22, 8, 14), 1, 2,
     utc(2025, 5, 22, 8, 15, 38)),
])
def test_retail_push(samples_dir, sensors, name, sensor, start, count_in, count_out, sent):
    result = parse(sample(samples_dir, name), f"sensors/axis/{A3D}/push.json", sensors,
                   sent)
    assert rows(result, "sensor_counts") == [{
        "sensor_id": sensor, "line_id": "1", "period_start": start,
        "period_end": start.replace(minute=start.minute + 1), "count_in": count_in,
        "count_out": count_out, "received_at": sent}]


def test_tvpc_live_sum_is_a_running_total(samples_dir, sensors):
    result = parse(sample(samples_dir, "tvpc_live-sum.json"), "sensors/axis/00408CAC512B/l.json",
                   sensors, utc(2017, 5, 3, 9, 28))
    # 20170503112756 Berlin (CEST) = 09:27:56 UTC; in 12 / out 318 since local midnight
    assert [(r["sensor_id"], r["reading_at"], r["total_in"], r["total_out"])
            for r in rows(result, "sensor_counter_readings")] == [
        ("ax-tvpc", utc(2017, 5, 3, 9, 27, 56), 12, 318)]


def test_tvpc_occupancy_export_uses_total_in_and_out(samples_dir, sensors):
    result = parse(sample(samples_dir, "tvpc_occupancy-export-json_24h.json"),
                   "sensors/axis/ACCC8E019C5F/o.json", sensors, utc(2017, 9, 13))
    # bins of delta 86400 s from local midnight (CEST: 22:00 UTC the day before);
    # positions 2 and 3 are "Total In" / "Total Out": 17/17, 18/17, 1/0, 0/0, 21/15
    assert [(r["period_start"], r["period_end"], r["count_in"], r["count_out"])
            for r in rows(result, "sensor_counts")] == [
        (utc(2017, 9, 7, 22), utc(2017, 9, 8, 22), 17, 17),
        (utc(2017, 9, 8, 22), utc(2017, 9, 9, 22), 18, 17),
        (utc(2017, 9, 9, 22), utc(2017, 9, 10, 22), 1, 0),
        (utc(2017, 9, 10, 22), utc(2017, 9, 11, 22), 0, 0),
        (utc(2017, 9, 11, 22), utc(2017, 9, 12, 22), 21, 15),
    ]


def test_files_without_counts_give_no_rows_and_no_error(samples_dir, sensors):
    result = parse(sample(samples_dir, "tvpc_list-cnt.json"), f"sensors/axis/{A3D}/d.json",
                   sensors, utc(2017, 5, 13))
    assert (result.tables, result.quarantined) == ({}, [])
    queue = (samples_dir / "other-csv/axis_queue_monitor_export_csv_5h.csv").read_bytes()
    result = parse(queue, f"sensors/axis/{A3D}/queue.csv", sensors, utc(2017, 5, 2))
    assert (result.tables, result.quarantined) == ({}, [])


def test_error_body_is_quarantined_as_vendor_error(samples_dir, sensors):
    result = parse(sample(samples_dir, "a3dpc_error_400.json"), f"sensors/axis/{A3D}/e.json",
                   sensors, utc(2020, 1, 1))
    assert codes(result) == ["VENDOR_ERROR"]
    assert "Validation failed" in result.quarantined[0].reason


def test_unknown_csv_header_is_an_unreadable_file(sensors):
    result = parse(b"a,b\n1,2\n", f"sensors/axis/{A3D}/x.csv", sensors, utc(2020, 1, 1))
    assert [(q.reason_code, q.line_no, q.raw_content) for q in result.quarantined] == [
        (UNREADABLE_FILE, None, "a,b\n1,2\n")]


@pytest.mark.parametrize("zone_key", ["timezone", "timeZone"])
def test_retail_push_local_window_uses_the_payload_zone(sensors, zone_key):
    # a window with local times only: 2025-05-22 10:14 Europe/Zurich (CEST) = 08:14 UTC
    content = (
        b'{"apiName":"Axis Retail Data","utcSent":"2025-05-22T08:15:38Z","data":{'
        b'"measurements":[{"kind":"people-counts","localFrom":"2025-05-22T10:14:00",'
        b'"localTo":"2025-05-22T10:15:00","items":[{"direction":"in","count":4},'
        b'{"direction":"out","count":3}]}]},"sensor":{"' + zone_key.encode()
        + b'":"Europe/Zurich","serial":"b8a44fa89c85"}}'
    )
    result = parse(content, "sensors/axis/b8a44fa89c85/p.json", sensors,
                   utc(2025, 5, 22, 8, 16))
    assert [(r["period_start"], r["period_end"], r["count_in"], r["count_out"])
            for r in rows(result, "sensor_counts")] == [
        (utc(2025, 5, 22, 8, 14), utc(2025, 5, 22, 8, 15), 4, 3)]
