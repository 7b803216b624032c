"""Milesight VS1xx push, VS121-P and VS133 LoRaWAN samples, parsed end to end."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from sensor_helpers import codes, line, parse, registry, rows, utc

from ingestion.records import MALFORMED_ROW
from ingestion.sensors.milesight_lorawan import decode

VS125 = "6384E16179950009"
LIVE = "6537F28545220003"


@pytest.fixture
def sensors():
    return registry(
        line("ms-live", "1", LIVE, tz="Europe/London"),
        line("ms-125", "1", VS125, tz="Asia/Shanghai"),
        line("ms-125", "3", VS125, tz="Asia/Shanghai"),
        line("ms-121p", "1", "369362028335", tz="Asia/Shanghai"),
        *[line("lora", str(n), "24e1641092176759", interval_minutes=15) for n in (1, 2, 3, 4)],
    )


def test_live_capture_periodic_counts_and_cumulative_totals(samples_dir: Path, sensors):
    content = (samples_dir / "milesight/vs125_mqtt_live_capture_cumulative_negative_capacity.json"
               ).read_bytes()
    result = parse(content, f"sensors/milesight/{LIVE}/capture.json", sensors,
                   delivered_at=utc(2026, 7, 31, 23, 12, 5))
    assert result.quarantined == []
    # periodic window 23:11:00-00:00 .. 23:12:00-00:00 ("-00:00" = UTC), total in 0 / out 0
    assert rows(result, "sensor_counts") == [{
        "sensor_id": "ms-live", "line_id": "1",
        "period_start": utc(2026, 7, 31, 23, 11), "period_end": utc(2026, 7, 31, 23, 12),
        "count_in": 0, "count_out": 0, "received_at": utc(2026, 7, 31, 23, 12, 5),
    }]
    # running totals at end_time: in_counted 8442, out_counted 15583 (capacity -7141 ignored)
    assert rows(result, "sensor_counter_readings") == [{
        "sensor_id": "ms-live", "line_id": "1", "reading_at": utc(2026, 7, 31, 23, 12),
        "total_in": 8442, "total_out": 15583, "received_at": utc(2026, 7, 31, 23, 12, 5),
    }]


def test_line_trigger_values_are_running_totals(samples_dir: Path, sensors):
    content = (samples_dir / "milesight/vs125_http_line_trigger.json").read_bytes()
    result = parse(content, f"sensors/milesight/{VS125}/t.json", sensors,
                   delivered_at=utc(2024, 5, 30, 12, 12))
    # time 2024-05-30T20:11:32+08:00 = 12:11:32 UTC; lines 1 and 3 both in 27 / out 27
    assert [(r["line_id"], r["reading_at"], r["total_in"], r["total_out"])
            for r in rows(result, "sensor_counter_readings")] == [
        ("1", utc(2024, 5, 30, 12, 11, 32), 27, 27),
        ("3", utc(2024, 5, 30, 12, 11, 32), 27, 27),
    ]
    assert "sensor_counts" not in result.tables
    assert result.quarantined == []


def test_dwell_trigger_is_one_visit_with_its_duration(samples_dir: Path, sensors):
    content = (samples_dir / "milesight/vs125_http_region_dwell_trigger.json").read_bytes()
    result = parse(content, f"sensors/milesight/{VS125}/d.json", sensors,
                   delivered_at=utc(2024, 5, 30, 12, 13))
    # 20:10:43+08 .. 20:12:20+08 -> 12:10:43 .. 12:12:20 UTC (97 s); duration 96799 ms
    assert rows(result, "zone_activity") == [{
        "sensor_id": "ms-125", "zone_id": "1",
        "period_start": utc(2024, 5, 30, 12, 10, 43), "period_end": utc(2024, 5, 30, 12, 12, 20),
        "visits": 1, "avg_dwell_seconds": 96.799, "received_at": utc(2024, 5, 30, 12, 13),
    }]


def test_vs121p_vendor_example_is_read_leniently(samples_dir: Path, sensors):
    content = (samples_dir / "milesight/vs121-p_region_periodic_vendor_doc_example.txt"
               ).read_bytes()
    result = parse(content, "sensors/milesight/369362028335/example.json", sensors,
                   delivered_at=utc(2022, 12, 20, 11, 16))
    assert result.quarantined == []
    # current_total 10 at end_time 2022/12/20 19:15:52 local; Asia/Shanghai is UTC+8
    # -> 11:15:52 UTC
    assert rows(result, "sensor_occupancy") == [{
        "sensor_id": "ms-121p", "ts": utc(2022, 12, 20, 11, 15, 52), "occupancy": 10,
        "received_at": utc(2022, 12, 20, 11, 16),
    }]


def test_jsonl_day_with_a_bad_line_loads_the_rest(sensors):
    def report(minute: int, count_in: int) -> bytes:
        return orjson.dumps({
            "device_info": {"device_sn": LIVE},
            "line_periodic_data": [{"line": 1, "total": {"in": count_in, "out": 1}}],
            "time_info": {"start_time": f"2026-07-01T10:{minute:02d}:00+01:00",
                          "end_time": f"2026-07-01T10:{minute + 1:02d}:00+01:00"},
        })

    content = b"\n".join([report(0, 4), b'{"device_info": ', report(1, 6)]) + b"\n"
    result = parse(content, f"sensors/milesight/{LIVE}/2026-07-01.jsonl", sensors,
                   delivered_at=utc(2026, 7, 1, 23, 59))
    # 10:00+01:00 = 09:00 UTC; the broken second line is quarantined with its line number
    assert [(r["period_start"], r["count_in"]) for r in rows(result, "sensor_counts")] == [
        (utc(2026, 7, 1, 9, 0), 4), (utc(2026, 7, 1, 9, 1), 6)]
    assert [(q.reason_code, q.line_no, q.raw_content) for q in result.quarantined] == [
        (MALFORMED_ROW, 2, '{"device_info": ')]


def test_lorawan_decoder_matches_the_fixture(samples_dir: Path):
    sample = orjson.loads((samples_dir / "milesight/vs133_lorawan_single_line_uplink.json")
                          .read_bytes())
    assert decode(bytes.fromhex(sample["payloadHex"])) == sample["expected_by_fixture"]


def test_lorawan_decoder_matches_the_vendor_readme(samples_dir: Path):
    for uplink in orjson.loads((samples_dir / "milesight/vs133_lorawan_uplinks_decoded.json")
                               .read_bytes()):
        assert decode(bytes.fromhex(uplink["hex"].replace(" ", ""))) == uplink["decoded"]


def test_lorawan_uplinks_give_readings_periods_and_dwell(samples_dir: Path, sensors):
    content = (samples_dir / "milesight/vs133_lorawan_uplinks_decoded.json").read_bytes()
    delivered = utc(2026, 5, 4, 12, 0)
    result = parse(content, "sensors/milesight-lorawan/24e1641092176759/up.json", sensors,
                   delivered_at=delivered)
    assert codes(result) == []
    readings = {r["line_id"]: (r["total_in"], r["total_out"])
                for r in rows(result, "sensor_counter_readings")}
    assert readings == {"1": (72, 200), "2": (0, 0), "3": (0, 0), "4": (5300, 6797)}
    # no uplink time: the period ends at delivery, interval_minutes 15 -> starts 11:45
    counts = {r["line_id"]: (r["period_start"], r["count_in"], r["count_out"])
              for r in rows(result, "sensor_counts")}
    assert counts["4"] == (utc(2026, 5, 4, 11, 45), 5, 7)
    assert counts["1"] == (utc(2026, 5, 4, 11, 45), 0, 0)
    dwell = {r["zone_id"]: r["avg_dwell_seconds"] for r in rows(result, "zone_activity")}
    assert dwell == {"1": 4105.0, "2": 8565.0, "3": 8577.0, "4": 118.0}
    # region_N_count (people now in a region) has no canonical table
    assert "sensor_occupancy" not in result.tables


def test_lorawan_single_uplink_from_hex(samples_dir: Path, sensors):
    content = (samples_dir / "milesight/vs133_lorawan_single_line_uplink.json").read_bytes()
    result = parse(content, "sensors/milesight-lorawan/24e1641092176759/one.json", sensors,
                   delivered_at=utc(2026, 5, 4, 12, 0))
    assert [(r["total_in"], r["total_out"]) for r in rows(result, "sensor_counter_readings")
            ] == [(5593, 5205)]
    assert [(r["count_in"], r["count_out"]) for r in rows(result, "sensor_counts")] == [(0, 0)]
