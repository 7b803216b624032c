"""Issue 12 items 1, 2, 4, 7 and 8, loaded into DuckDB and PostgreSQL from minimal files.

A value PostgreSQL cannot store rejects its row; a file that fails unexpectedly is
quarantined and the run goes on; identical bytes in two device folders are two deliveries;
one damaged line costs that line; declared XML encodings are honoured; reasons name what a
person needs to act.
"""

from __future__ import annotations

import json

import duckdb
import psycopg
import pytest

from ingestion.loader import dispatch, replay_quarantine
from ingestion.raw_tables import ensure_raw_tables
from ingestion.records import LoadContext, ParseResult
from tests.ingestion.bad_input_warehouse import Warehouse

SENSORS = ("sensor_id,line_id,site_id,vendor,device_serial,line_role,interval_minutes\n"
           "ax1,1,s1,axis,AXIS1,entrance,15\n"
           "ax2,1,s1,axis,AXIS2,entrance,15\n"
           "gen1,1,s1,generic,GEN1,entrance,60\n"
           "hk1,1,s1,hikvision,HK1,entrance,60\n"
           "ms1,1,s1,milesight,MS1,entrance,60\n")
AXIS_HEADER = "start,end,in,out\n"
GENERIC_HEADER = "device_serial,line_id,period_start,period_end,count_in,count_out\n"


def land_reference(wh: Warehouse) -> None:
    wh.land_sites()
    wh.land("reference/sensors.csv", SENSORS)


def counted(wh: Warehouse, sensor_id: str) -> list[tuple]:
    return wh.rows("select count_in, count_out from raw.sensor_counts where sensor_id = %s "
                   "order by period_start", [sensor_id])


def axis_day(day: str = "2026-11-27", rows: int = 3) -> str:
    return AXIS_HEADER + "".join(f"{day} 10:{15 * i:02d}:00,{day} 10:{15 * i + 15:02d}:00,"
                                 f"{i + 1},0\n" for i in range(rows)).replace("10:60", "11:00")


# --- item 1: NUL, unstorable quarantine text, a failing file -------------------------------

def test_a_nul_in_a_csv_cell_rejects_its_row_and_later_files_load(wh):
    land_reference(wh)
    wh.land("sensors/axis/AXIS1/2026-11-27.csv", AXIS_HEADER
            + "2026-11-27 10:00:00,2026-11-27 10:15:00,1\0,2\n"
            + "2026-11-27 10:15:00,2026-11-27 10:30:00,3,4\n")
    wh.land("sensors/axis/AXIS2/2026-11-27.csv", axis_day())
    report = wh.load()
    assert counted(wh, "ax1") == [(3, 4)]
    assert len(counted(wh, "ax2")) == 3  # the file after it loads
    [(_, line, code, reason)] = wh.quarantine("sensors/axis/AXIS1/%")
    assert (line, code) == (2, "MALFORMED_ROW") and reason.startswith("count_in: ")
    raw = wh.rows("select raw_content from raw.quarantine")[0][0]
    assert "\x00" not in raw and "\\x00" in raw  # shown, and storable
    assert report.files_loaded == 5 and report.rows_quarantined == {"sensor_counts": 1}
    assert wh.load().files_skipped == report.files_seen  # a rerun changes nothing


def test_a_nul_in_json_text_rejects_the_row_naming_the_column(wh, monkeypatch):
    def parser(content: bytes, ctx: LoadContext) -> ParseResult:
        result = ParseResult("test_json")
        for n, doc in enumerate(json.loads(content)["rows"], start=1):
            result.add_rows("sensor_occupancy", [{"sensor_id": doc["id"], "ts": doc["ts"],
                                                  "occupancy": 1, "_line_no": n}])
        return result

    monkeypatch.setitem(dispatch.OVERRIDES, "sensors", parser)
    wh.land("sensors/test/a.json", '{"rows": [{"id": "A\\u0000B", "ts": "2026-11-27T10:00Z"},'
            ' {"id": "AB", "ts": "2026-11-27T10:00Z"}]}')
    wh.load()
    assert wh.rows("select sensor_id from raw.sensor_occupancy") == [("AB",)]
    [(_, line, code, reason)] = wh.quarantine()
    assert (line, code) == (1, "MALFORMED_ROW") and reason.startswith("sensor_id: holds a NUL")


def test_a_parser_reject_with_nul_and_broken_unicode_is_stored(wh, monkeypatch):
    def parser(content: bytes, ctx: LoadContext) -> ParseResult:
        result = ParseResult("test")
        result.reject("MALFORMED_ROW", "bad \x00 value", content.decode("utf-8", "surrogateescape"),
                      1)
        return result

    monkeypatch.setitem(dispatch.OVERRIDES, "sensors", parser)
    wh.land("sensors/test/a.csv", b"x\x00y\xff\n")
    wh.land("sensors/test/b.csv", b"next\n")
    report = wh.load()
    assert report.files_seen == 2 and report.files_loaded == 2
    rows = wh.rows("select source_file, reason, raw_content from raw.quarantine "
                   "order by source_file")
    assert rows[0] == ("sensors/test/a.csv", "bad \\x00 value", "x\\x00y\\udcff\n")


def test_a_parser_that_raises_quarantines_its_file_and_the_run_goes_on(wh, monkeypatch):
    monkeypatch.setitem(dispatch.OVERRIDES, "pos", _raising_parser)
    land_reference(wh)
    wh.land("pos/x/a.csv", "anything")
    wh.land("sensors/axis/AXIS1/2026-11-27.csv", axis_day())
    wh.load()
    assert len(counted(wh, "ax1")) == 3
    [(path, line, code, reason)] = wh.quarantine("pos/%")
    assert (path, line, code) == ("pos/x/a.csv", None, "UNREADABLE_FILE")
    assert "RuntimeError: boom" in reason


def _raising_parser(content: bytes, ctx: LoadContext) -> ParseResult:
    raise RuntimeError("boom")


def test_an_unexpected_write_error_quarantines_the_file_as_load_failed(wh, monkeypatch):
    """A derived-table step that fails inside the file's transaction: LOAD_FAILED, rolled
    back, the next file loads, and a rerun does not stop at it."""
    land_reference(wh)
    wh.land("sensors/axis/AXIS1/2026-11-27.csv", axis_day())
    wh.land("sensors/axis/AXIS2/2026-11-27.csv", axis_day())

    def failing(kind: str):
        if kind != "sensors":
            return None

        def derive(conn, dialect, rows, ingested_at):
            if any("ax1" in f["sensor_id"].to_list() for f in rows.values() if f.height):
                raise RuntimeError("disk full")
            return 0
        return derive

    monkeypatch.setattr("ingestion.loader.load.after_upsert", failing)
    report = wh.load()
    assert counted(wh, "ax1") == [] and len(counted(wh, "ax2")) == 3
    [(_, line, code, reason)] = wh.quarantine("sensors/axis/AXIS1/%")
    assert (line, code) == (None, "LOAD_FAILED") and "RuntimeError: disk full" in reason
    assert report.files_quarantined == 1
    monkeypatch.undo()
    land_reference(wh)
    assert wh.load().files_skipped == report.files_seen
    replayed = replay_quarantine(wh.conn, wh.dialect, wh.landing, settings=wh.settings,
                                 reason_code="LOAD_FAILED")
    assert replayed.files_replayed == 1 and len(counted(wh, "ax1")) == 3


# --- item 2: identity = content and landing folder ------------------------------------------

def test_identical_bytes_from_two_devices_both_load(wh):
    land_reference(wh)
    day = axis_day()
    wh.land("sensors/axis/AXIS1/2026-11-27.csv", day)
    wh.land("sensors/axis/AXIS2/2026-11-27.csv", day)
    wh.land("sensors/axis/AXIS2/2026-11-27-copy.csv", day)  # a copy in the same folder
    report = wh.load()
    assert len(counted(wh, "ax1")) == 3 and len(counted(wh, "ax2")) == 3
    assert report.files_skipped == 1
    assert wh.rows("select landing_folder, path from raw.load_manifest "
                   "where path like 'sensors/%' order by 1") == [
        ("sensors/axis/AXIS1", "sensors/axis/AXIS1/2026-11-27.csv"),
        ("sensors/axis/AXIS2", "sensors/axis/AXIS2/2026-11-27-copy.csv"),  # walk order
    ]


def test_a_renamed_copy_of_a_quarantined_file_is_replayed(wh):
    land_reference(wh)
    first = wh.land("sensors/axis/AXIS9/2026-11-27.csv", axis_day())
    wh.load()
    assert [c for _, _, c, _ in wh.quarantine()] == ["UNKNOWN_DEVICE"]
    renamed = first.with_name("2026-11-28.csv")
    first.rename(renamed)
    wh.land("reference/sensors.csv", SENSORS + "ax9,1,s1,axis,AXIS9,entrance,15\n")
    wh.load()
    assert counted(wh, "ax9") == []  # the renamed copy is the same file: not loaded again
    report = replay_quarantine(wh.conn, wh.dialect, wh.landing, settings=wh.settings)
    assert (report.files_replayed, report.files_missing) == (1, 0)
    assert len(counted(wh, "ax9")) == 3
    assert wh.quarantine() == []
    assert wh.rows("select path from raw.load_manifest where landing_folder = "
                   "'sensors/axis/AXIS9'") == [("sensors/axis/AXIS9/2026-11-28.csv",)]
    assert wh.rows("select distinct source_file from raw.sensor_counts where sensor_id = "
                   "'ax9'") == [("sensors/axis/AXIS9/2026-11-28.csv",)]


def test_an_old_manifest_is_migrated_in_place(wh):
    """A warehouse whose raw.load_manifest is keyed by sha256 alone keeps its rows and gets
    the folder identity; running the migration again changes nothing."""
    old = ("create table raw.load_manifest (sha256 text not null, path text not null, "
           "size_bytes bigint not null, source_format text not null, rows_loaded bigint not "
           "null, rows_quarantined bigint not null, delivered_at timestamptz not null, "
           "loaded_at timestamptz not null, primary key (sha256))")
    wh.rows("drop table raw.load_manifest")
    wh.rows(old)
    wh.rows("insert into raw.load_manifest values ('abc', 'sensors/axis/AXIS1/d.csv', 1, 'x', "
            "1, 0, '2026-11-01 00:00:00+00', '2026-11-01 00:00:00+00')")
    ensure_raw_tables(wh.conn, wh.dialect)
    ensure_raw_tables(wh.conn, wh.dialect)
    assert wh.rows("select sha256, landing_folder from raw.load_manifest") == [
        ("abc", "sensors/axis/AXIS1")]
    # the same bytes may now be recorded for a second folder
    wh.rows("insert into raw.load_manifest values ('abc', 'sensors/axis/AXIS2/d.csv', 1, 'x', "
            "1, 0, '2026-11-01 00:00:00+00', '2026-11-01 00:00:00+00', 'sensors/axis/AXIS2')")
    with pytest.raises((duckdb.ConstraintException, psycopg.errors.UniqueViolation)):
        wh.rows("insert into raw.load_manifest values ('abc', 'sensors/axis/AXIS2/e.csv', 1, "
                "'x', 1, 0, '2026-11-01 00:00:00+00', '2026-11-01 00:00:00+00', "
                "'sensors/axis/AXIS2')")
