"""load_landing / load_file on DuckDB and PostgreSQL: exactly once, latest wins, quarantine."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from loader_support import (
    NOW,
    POS_HEADER,
    SENSOR_HEADER,
    count,
    land_reference,
    snapshot,
    write,
)

from ingestion.loader import load_file, load_landing
from ingestion.loader.context import read_reference

pytestmark = pytest.mark.usefixtures("tiny_parsers")
JAN = datetime(2025, 1, 1, tzinfo=UTC)
FEB = datetime(2025, 2, 1, tzinfo=UTC)
FEB2 = datetime(2025, 2, 2, tzinfo=UTC)


def test_reference_files_load_and_bad_rows_are_quarantined(warehouse, landing, settings):
    conn, dialect = warehouse
    land_reference(landing)
    write(landing, "reference/regions.csv",
          "region_id,organization_id,name\nr1,org1,South\nr2,,North\nr3,org1\n", JAN)
    report = load_landing(conn, dialect, landing, settings=settings, now=NOW)

    # 4 files; regions: r1 loads, r2 misses a required value, r3 has 2 of 3 fields
    assert (report.files_seen, report.files_loaded) == (4, 4)
    assert report.rows_loaded == {"organizations": 1, "regions": 1, "sites": 2, "sensors": 2}
    assert report.rows_quarantined == {"regions": 2}
    rejects = conn.execute("select line_no, reason_code, raw_content from raw.quarantine "
                           "order by line_no").fetchall()
    assert rejects == [(3, "MALFORMED_ROW", "r2,,North"), (4, "MALFORMED_ROW", "r3,org1")]
    assert [f.path for f in report.files] == [
        "reference/organizations.csv", "reference/regions.csv", "reference/sites.csv",
        "reference/sensors.csv"]
    reference = read_reference(conn, dialect)
    # sensors gain their site's zone; empty max_count is null, 100 stays 100
    assert reference.sensors.select("sensor_id", "line_id", "site_timezone",
                                    "max_count_per_interval").rows() == [
        ("sen1", "1", "Europe/Lisbon", 100), ("sen1", "2", "Europe/Lisbon", None)]
    assert reference.sites["site_id"].to_list() == ["s1", "s2"]
    meta = report.as_metadata()
    assert meta["files_loaded"] == 4 and "| reference/regions.csv |" in meta["preview"]


def test_second_run_changes_nothing(warehouse, landing, settings):
    conn, dialect = warehouse
    land_reference(landing)
    write(landing, "sensors/t/a.csv", SENSOR_HEADER
          + "dev1,1,2025-02-01T10:00:00+00:00,2025-02-01T10:15:00+00:00,5,4\n"
          + "dev1,1,2025-02-01T10:15:00+00:00,2025-02-01T10:00:00+00:00,5,4\n", FEB)
    load_landing(conn, dialect, landing, settings=settings, now=NOW)
    tables = ("sensor_counts", "quarantine", "load_manifest", "sites")
    before = {t: snapshot(conn, dialect, t, exclude=()) for t in tables}
    again = load_landing(conn, dialect, landing, settings=settings, now=NOW)
    assert (again.files_seen, again.files_skipped, again.files_loaded) == (4, 4, 0)
    assert {t: snapshot(conn, dialect, t, exclude=()) for t in tables} == before
    assert count(conn, "quarantine") == 1  # the BAD_PERIOD row, once


def test_same_bytes_under_another_name_load_once(warehouse, landing, settings):
    conn, dialect = warehouse
    land_reference(landing)
    body = SENSOR_HEADER + "dev1,1,2025-02-01T10:00:00Z,2025-02-01T10:15:00Z,5,4\n"
    write(landing, "sensors/t/a.csv", body, FEB)
    write(landing, "sensors/t/copy-of-a.csv", body, FEB2)
    report = load_landing(conn, dialect, landing, settings=settings, now=NOW)
    assert report.files_loaded == 4 and report.files_skipped == 1
    assert [f.status for f in report.files if f.path.startswith("sensors")] == [
        "loaded", "skipped"]
    assert count(conn, "sensor_counts") == 1
    assert count(conn, "load_manifest") == 4


def test_validation_rejects_rows_with_reason_codes(warehouse, landing, settings):
    conn, dialect = warehouse
    land_reference(landing)
    write(landing, "sensors/t/v.csv", SENSOR_HEADER
          + "dev1,1,2025-02-01T10:00:00Z,2025-02-01T10:15:00Z,5,4\n"        # 2 ok
          + "dev1,1,2025-02-01T10:15:00Z,2025-02-01T10:30:00Z,-1,4\n"       # 3 negative
          + "dev1,1,2025-02-01T10:30:00Z,2025-02-01T10:30:00Z,1,1\n"        # 4 end = start
          + "dev1,1,2025-03-01T12:00:00Z,2025-03-01T12:15:00Z,1,1\n"        # 5 ends 15 > 5 min
          + "dev1,1,2025-03-01T11:50:00Z,2025-03-01T12:05:00Z,1,1\n"        # 6 ends 5 min: ok
          + "dev1,1,2025-02-01T11:00:00Z,2025-02-01T11:15:00Z,101,0\n"      # 7 > 100
          + "dev1,1,2025-02-01T12:00:00Z,2025-02-01T13:00:00Z,400,0\n"      # 8 1 h: 4 x 100
          + "dev1,2,2025-02-01T11:00:00Z,2025-02-01T11:15:00Z,9999,0\n"     # 9 no max on line 2
          + "dev1,1,2025-02-01T10:00:00Z,2025-02-01T10:15:00Z,6,4\n"        # 10 dup of 2: wins
          + "dev1,1,2025-02-01T14:00:00Z,2025-02-01T14:15:00Z,x,4\n"        # 11 not a number
          + "dev9,1,2025-02-01T14:00:00Z,2025-02-01T14:15:00Z,1,4\n", FEB)  # 12 unknown
    report = load_landing(conn, dialect, landing, settings=settings, now=NOW)
    # loaded: lines 6, 8, 9, 10 = 4; rejected: 2, 3, 4, 5, 7, 11, 12 = 7
    assert report.rows_loaded["sensor_counts"] == 4
    assert report.rows_quarantined == {"sensor_counts": 7}
    assert conn.execute("select line_no, reason_code from raw.quarantine order by line_no"
                        ).fetchall() == [
        (2, "DUPLICATE_KEY"), (3, "NEGATIVE_COUNT"), (4, "BAD_PERIOD"),
        (5, "FUTURE_TIMESTAMP"), (7, "IMPLAUSIBLE_COUNT"), (11, "MALFORMED_ROW"),
        (12, "UNKNOWN_DEVICE")]
    assert conn.execute("select count_in from raw.sensor_counts where period_start = "
                        "'2025-02-01 10:00:00+00'").fetchall() == [(6,)]
    manifest = conn.execute("select rows_loaded, rows_quarantined from raw.load_manifest "
                            "where path = 'sensors/t/v.csv'").fetchall()
    assert manifest == [(4, 7)]


def test_unreadable_file_is_quarantined_whole_once(warehouse, landing, settings):
    conn, dialect = warehouse
    land_reference(landing)
    bad = write(landing, "sensors/t/bad.csv", b"\xff\xfe not utf-8", FEB)
    write(landing, "elsewhere/x.csv", "a,b\n", FEB)
    report = load_landing(conn, dialect, landing, settings=settings, now=NOW)
    assert report.files_quarantined == 2
    rows = conn.execute("select source_file, line_no, reason_code from raw.quarantine "
                        "order by 1").fetchall()
    assert rows == [("elsewhere/x.csv", None, "UNREADABLE_FILE"),
                    ("sensors/t/bad.csv", None, "UNREADABLE_FILE")]
    again = load_landing(conn, dialect, landing, settings=settings, now=NOW)
    assert again.files_skipped == 5 and count(conn, "quarantine") == 2
    # new bytes under the same name are a new delivery
    write(landing, "sensors/t/bad.csv",
          SENSOR_HEADER + "dev1,1,2025-02-01T10:00:00Z,2025-02-01T10:15:00Z,5,4\n", FEB2)
    assert bad.exists()
    third = load_landing(conn, dialect, landing, settings=settings, now=NOW)
    assert third.files_loaded == 1 and count(conn, "sensor_counts") == 1


# Three deliveries of overlapping keys. Expected winners, worked out by hand:
#   10:00 line 1 -> c.csv (Feb 2, latest);  10:15 line 1 -> b.csv (Feb 1, same time as
#   a.csv, and "sensors/t/b.csv" > "sensors/t/a.csv");  10:30 -> only in a.csv.
DELIVERIES = {
    "sensors/t/a.csv": (FEB, "10:00,1,1\n10:15,2,2\n10:30,3,3\n"),
    "sensors/t/b.csv": (FEB, "10:00,4,4\n10:15,5,5\n"),
    "sensors/t/c.csv": (FEB2, "10:00,6,6\n"),
}
# POS: T1 is re-delivered later with one line instead of two; T2 only once.
POS = {
    "pos/t/p1.csv": (FEB, "T1,1,s1,2025-02-01T10:00:00Z,sale,A,1,10.5\n"
                          "T1,2,s1,2025-02-01T10:00:00Z,sale,B,2,4\n"
                          "T2,1,s1,2025-02-01T11:00:00Z,sale,C,1,3\n"),
    "pos/t/p2.csv": (FEB2, "T1,1,s1,2025-02-01T10:00:00Z,sale,A,3,30\n"),
}


def _land_deliveries(landing):
    land_reference(landing)
    for rel, (mtime, rows) in DELIVERIES.items():
        body = "".join(
            f"dev1,1,2025-02-01T{r.split(',')[0]}:00Z,2025-02-01T"
            f"{int(r[:2]):02d}:{int(r[3:5]) + 15 if int(r[3:5]) < 45 else 0:02d}:00Z,"
            f"{r.split(',')[1]},{r.split(',')[2]}\n"
            for r in rows.splitlines(keepends=True))
        write(landing, rel, SENSOR_HEADER + body, mtime)
    for rel, (mtime, rows) in POS.items():
        write(landing, rel, POS_HEADER + rows, mtime)


def test_any_load_order_gives_identical_tables(make_warehouse, landing, settings):
    _land_deliveries(landing)
    files = sorted(DELIVERIES) + sorted(POS)
    first_conn, dialect = make_warehouse()
    second_conn, _ = make_warehouse()
    for conn, order in ((first_conn, files), (second_conn, files[::-1])):
        load_landing(conn, dialect, landing, settings=settings, now=NOW,
                     only=lambda rel: rel.startswith("reference/"))
        for rel in order:
            load_file(conn, dialect, landing, rel, settings=settings, now=NOW)
    for table in ("sensor_counts", "pos_transactions", "pos_transaction_lines",
                  "load_manifest", "quarantine"):
        assert snapshot(first_conn, dialect, table) == snapshot(second_conn, dialect, table)
    counts = first_conn.execute(
        "select cast(period_start as varchar), count_in, source_file from raw.sensor_counts "
        "order by period_start").fetchall()
    assert [(c, f) for _, c, f in counts] == [
        (6, "sensors/t/c.csv"), (5, "sensors/t/b.csv"), (3, "sensors/t/a.csv")]
    lines = first_conn.execute("select external_id, line_no, quantity, line_amount "
                               "from raw.pos_transaction_lines order by 1, 2").fetchall()
    assert lines == [("T1", 1, 3, Decimal("30.0000")), ("T2", 1, 1, Decimal("3.0000"))]
    headers = first_conn.execute("select external_id, net_amount, item_count, source_file "
                                 "from raw.pos_transactions order by 1").fetchall()
    # T1 from p2: one line of 30; T2 from p1
    assert headers == [("T1", Decimal("30.0000"), 3, "pos/t/p2.csv"),
                       ("T2", Decimal("3.0000"), 1, "pos/t/p1.csv")]


@pytest.mark.parametrize("before", [True, False])
def test_duckdb_insertion_order_setting_is_put_back(tmp_path, landing, settings, before):
    """The loader lets DuckDB insert on every thread for the length of an insert only: the
    database-wide setting is what it was before, whatever it was."""
    from infra.warehouse import connect_duckdb
    from ingestion.raw_tables import ensure_raw_tables

    conn = connect_duckdb(tmp_path / "order.duckdb")
    ensure_raw_tables(conn, "duckdb")
    conn.execute(f"set preserve_insertion_order = {str(before).lower()}")
    land_reference(landing)
    write(landing, "sensors/t/a.csv", SENSOR_HEADER
          + "dev1,1,2025-02-01T10:00:00Z,2025-02-01T10:15:00Z,5,4\n", FEB)
    load_landing(conn, "duckdb", landing, settings=settings, now=NOW)
    assert count(conn, "sensor_counts") == 1
    assert conn.execute("select current_setting('preserve_insertion_order')").fetchone()[0] \
        is before


@pytest.mark.parametrize(("parse_ahead_max", "in_flight_max", "max_files", "depth"), [
    (10**9, 10**9, 8, 4),  # every file read and parsing before the first is written
    (10**9, 10**9, 2, 2),  # at most two files in flight, however small
    (10**9, 2, 8, 1),      # no room beside a file: each is written before the next is read
    (1, 10**9, 8, 1),      # every file too large to parse ahead
])
def test_files_in_flight_stay_within_the_memory_bounds(warehouse, landing, settings,
                                                        monkeypatch, parse_ahead_max,
                                                        in_flight_max, max_files, depth):
    """Files are read and parsed ahead of the one being written only within
    PARSE_AHEAD_MAX_BYTES, IN_FLIGHT_MAX_BYTES and IN_FLIGHT_MAX_FILES; at any depth they
    are written in walk order, and a copy of a file still in flight is skipped when its
    turn comes."""
    from ingestion.loader import load

    conn, dialect = warehouse
    land_reference(landing)
    for name, minute in (("a", "00"), ("b", "15"), ("c", "30")):
        write(landing, f"sensors/t/{name}.csv", SENSOR_HEADER
              + f"dev1,1,2025-02-01T10:{minute}:00Z,2025-02-01T10:{minute}:59Z,5,4\n", FEB)
    write(landing, "sensors/t/d-copy-of-a.csv", (landing / "sensors/t/a.csv").read_bytes(), FEB)
    monkeypatch.setattr(load, "PARSE_AHEAD_MAX_BYTES", parse_ahead_max)
    monkeypatch.setattr(load, "IN_FLIGHT_MAX_BYTES", in_flight_max)
    monkeypatch.setattr(load, "IN_FLIGHT_MAX_FILES", max_files)
    events: list[str] = []
    real_land = load._land

    def land(*args, **kwargs):
        events.append("read")
        return real_land(*args, **kwargs)

    monkeypatch.setattr(load, "_land", land)
    report = load_landing(conn, dialect, landing, settings=settings, now=NOW,
                          progress=lambda done, total: events.append("written"))
    in_flight = [events[:i + 1].count("read") - events[:i + 1].count("written")
                 for i in range(len(events))]
    assert max(in_flight) == depth
    assert [(f.path, f.status) for f in report.files if f.path.startswith("sensors/")] == [
        ("sensors/t/a.csv", "loaded"), ("sensors/t/b.csv", "loaded"),
        ("sensors/t/c.csv", "loaded"), ("sensors/t/d-copy-of-a.csv", "skipped")]
    assert count(conn, "sensor_counts") == 3
