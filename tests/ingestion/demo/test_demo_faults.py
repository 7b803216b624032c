"""Every planted fault is in the files exactly where DemoSummary says it is."""

from __future__ import annotations

import csv
import json
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from demo_landing_reader import milesight_docs, milesight_line, mtime

from ingestion.demo import DemoSummary

KINDS = {"sensor_outage", "duplicate_file", "resent_period", "malformed_rows", "counter_reset"}


def test_every_fault_is_reported_once(demo: DemoSummary) -> None:
    assert sorted(f.kind for f in demo.faults) == sorted(KINDS)
    for fault in demo.faults:
        for rel in fault.files:
            assert (demo.landing_dir / rel).is_file(), rel


def test_duplicate_file_is_an_identical_later_copy(demo: DemoSummary) -> None:
    fault = demo.fault("duplicate_file")
    original, copy = (demo.landing_dir / rel for rel in fault.files)
    assert original.name != copy.name
    assert original.read_bytes() == copy.read_bytes()
    assert mtime(copy) - mtime(original) == 86_400  # delivered again a day later


def test_resent_period_has_other_counts_and_a_later_mtime(demo: DemoSummary) -> None:
    fault = demo.fault("resent_period")
    original, resend = (demo.landing_dir / rel for rel in fault.files)
    assert mtime(resend) - mtime(original) == 2 * 86_400
    first = {start: (i, o) for line in (1, 2) for start, i, o in _with_line(original, line)}
    again = {start: (i, o) for line in (1, 2) for start, i, o in _with_line(resend, line)}
    # the re-send covers exactly the reported period: 4 hours = 16 quarter-hours, 2 lines
    starts = sorted({start[1] for start in again})
    assert starts[0] == fault.start and starts[-1] + timedelta(minutes=15) == fault.end
    assert len(again) == 16 * 2
    assert set(again) <= set(first)
    changed = [key for key in again if again[key] != first[key]]
    assert len(changed) >= 16  # the first delivery lost about a third of the crossings
    assert sum(v[0] for v in again.values()) > sum(first[k][0] for k in again)


def _with_line(path: Path, line: int) -> list[tuple[tuple[int, datetime], int, int]]:
    return [((line, start.astimezone(UTC)), i, o) for start, i, o in milesight_line(path, line)]


def test_outage_leaves_a_gap_of_absent_documents(demo: DemoSummary) -> None:
    fault = demo.fault("sensor_outage")
    (path,) = (demo.landing_dir / rel for rel in fault.files)
    starts = [start.astimezone(UTC) for start, _, _ in milesight_line(path, 1)]
    assert fault.end - fault.start == timedelta(hours=4)
    assert not [s for s in starts if fault.start <= s < fault.end]
    # the documents on both sides of the gap are there: 96 - 16 = 80 quarter-hours left
    assert fault.start - timedelta(minutes=15) in starts and fault.end in starts
    assert len(starts) == 96 - 16


def test_malformed_rows_sit_among_good_rows(demo: DemoSummary) -> None:
    fault = demo.fault("malformed_rows")
    (path,) = (demo.landing_dir / rel for rel in fault.files)
    with path.open() as handle:
        rows = list(csv.reader(handle))[1:]
    good = [r for r in rows if len(r) == 6 and r[4].isdigit() and r[5].isdigit()
            and r[3] > r[2]]
    bad = [r for r in rows if r not in good]
    assert len(bad) == 4
    assert any(r[4] == "abc" for r in bad)  # non-numeric count
    assert any(len(r) == 6 and r[4].startswith("-") for r in bad)  # negative count
    assert any(len(r) == 5 for r in bad)  # missing column
    assert any(len(r) == 6 and r[3] < r[2] for r in bad)  # end before start
    # 96 quarter-hours x 2 lines, less the 4 line-1 rows the broken ones replace
    assert len(good) == 96 * 2 - 4


def test_counter_reset_is_a_mid_day_drop_in_the_running_totals(demo: DemoSummary) -> None:
    fault = demo.fault("counter_reset")
    (path,) = (demo.landing_dir / rel for rel in fault.files)
    docs = milesight_docs(path)
    assert all("line_periodic_data" not in d and "line_total_data" in d for d in docs)
    totals = [(datetime.fromisoformat(d["time_info"]["end_time"]).astimezone(UTC),
               _line1(d), d["device_info"]["running_time"]) for d in docs]
    drops = [(i, t) for i, t in enumerate(totals[1:], start=1) if t[1] < totals[i - 1][1]]
    assert len(drops) == 1  # besides the reset at local midnight, before this file starts
    index, (end, value, uptime) = drops[0]
    assert end == fault.end  # the reading at the end of the reboot interval
    assert value < totals[index - 1][1]
    assert uptime == 15 * 60  # booted at the start of that interval
    assert totals[0][1] <= totals[1][1]  # the day starts from zero at local midnight


def _line1(doc: dict) -> int:
    return next(x["total"]["in_counted"] for x in doc["line_total_data"] if x["line"] == 1)


def test_every_file_is_delivered_half_an_hour_after_its_local_day(demo: DemoSummary) -> None:
    for path in (demo.landing_dir / "sensors").rglob("*.*"):
        day = date.fromisoformat(re.search(r"\d{4}-\d{2}-\d{2}", path.name).group())
        zone = ZoneInfo("Europe/Berlin" if path.suffix == ".xml" or "622F" in str(path)
                        else "Europe/London")
        next_midnight = datetime.combine(day + timedelta(days=1), datetime.min.time(), zone)
        delay = mtime(path) - next_midnight.timestamp()
        if path.stem.endswith(("_resend", "_redelivered")):
            assert delay in (1800 + 86_400, 1800 + 2 * 86_400), path  # redelivery, re-send
        else:
            assert delay == 1800, path


def test_summary_counts(demo: DemoSummary) -> None:
    # 6 stores: devices = 1 + 2 + 1 + 1 + 1 + 2
    assert (demo.stores, demo.sensors, demo.sensor_lines) == (6, 8, 12)
    assert (demo.first_date.isoformat(), demo.last_date.isoformat()) == (
        "2026-10-17", "2026-10-30")
    assert demo.transactions > 6 * 14 * 50
    assert json.dumps(demo.lines())  # printable
