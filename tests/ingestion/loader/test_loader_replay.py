"""replay_quarantine: rows of an unknown device load once the device is registered."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from loader_support import NOW, SENSOR_HEADER, SENSORS, count, land_reference, snapshot, write

from ingestion.loader import load_landing, replay_quarantine

pytestmark = pytest.mark.usefixtures("tiny_parsers")
FEB = datetime(2025, 2, 1, tzinfo=UTC)


def test_replay_loads_rows_once_the_device_is_registered(warehouse, landing, settings):
    conn, dialect = warehouse
    land_reference(landing)
    write(landing, "sensors/t/mixed.csv", SENSOR_HEADER
          + "dev1,1,2025-02-01T10:00:00Z,2025-02-01T10:15:00Z,5,4\n"      # known
          + "dev2,1,2025-02-01T10:00:00Z,2025-02-01T10:15:00Z,7,6\n"      # unknown
          + "dev2,1,2025-02-01T10:15:00Z,2025-02-01T10:30:00Z,8,6\n"      # unknown
          + "dev1,1,2025-02-01T10:15:00Z,2025-02-01T10:15:00Z,1,1\n", FEB)  # bad period
    load_landing(conn, dialect, landing, settings=settings, now=NOW)
    assert count(conn, "sensor_counts") == 1
    assert conn.execute("select line_no, reason_code from raw.quarantine order by 1"
                        ).fetchall() == [(3, "UNKNOWN_DEVICE"), (4, "UNKNOWN_DEVICE"),
                                         (5, "BAD_PERIOD")]

    # still unknown: replay changes nothing at all
    nothing = replay_quarantine(conn, dialect, landing, settings=settings, now=NOW)
    assert (nothing.files_unchanged, nothing.files_replayed) == (1, 0)

    # register dev2 as sen2 (a new delivery of sensors.csv), then replay
    write(landing, "reference/sensors.csv",
          SENSORS + "sen2,1,s2,test,dev2,entrance,15,100\n", datetime(2025, 2, 5, tzinfo=UTC))
    load_landing(conn, dialect, landing, settings=settings, now=NOW)
    report = replay_quarantine(conn, dialect, landing, settings=settings, now=NOW)
    assert (report.files_replayed, report.rows_released) == (1, 2)
    assert report.rows_loaded == {"sensor_counts": 3}  # dev1 row again + both dev2 rows
    assert conn.execute("select sensor_id, count_in, source_file, delivered_at "
                        "from raw.sensor_counts order by 1, 2").fetchall() == [
        ("sen1", 5, "sensors/t/mixed.csv", FEB),
        ("sen2", 7, "sensors/t/mixed.csv", FEB),   # delivered when the file landed
        ("sen2", 8, "sensors/t/mixed.csv", FEB)]
    assert conn.execute("select line_no, reason_code from raw.quarantine").fetchall() == [
        (5, "BAD_PERIOD")]
    assert conn.execute("select rows_loaded, rows_quarantined from raw.load_manifest "
                        "where path = 'sensors/t/mixed.csv'").fetchall() == [(3, 1)]

    tables = ("sensor_counts", "quarantine", "load_manifest")
    before = {t: snapshot(conn, dialect, t, exclude=()) for t in tables}
    again = replay_quarantine(conn, dialect, landing, settings=settings, now=NOW)
    assert (again.files_replayed, again.rows_released) == (0, 0)
    assert {t: snapshot(conn, dialect, t, exclude=()) for t in tables} == before
    # a normal run afterwards does not load the file a second time either
    assert load_landing(conn, dialect, landing, settings=settings, now=NOW).files_loaded == 0


def test_replay_of_a_file_gone_from_the_landing_dir_is_reported(warehouse, landing, settings):
    conn, dialect = warehouse
    land_reference(landing)
    path = write(landing, "sensors/t/u.csv", SENSOR_HEADER
                 + "dev2,1,2025-02-01T10:00:00Z,2025-02-01T10:15:00Z,7,6\n", FEB)
    load_landing(conn, dialect, landing, settings=settings, now=NOW)
    path.unlink()
    report = replay_quarantine(conn, dialect, landing, settings=settings, now=NOW)
    assert report.files_missing == 1 and count(conn, "quarantine") == 1
