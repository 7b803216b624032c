"""Issue 12 items 1, 2, 4, 7 and 8, loaded into DuckDB and PostgreSQL from minimal files.

A value PostgreSQL cannot store rejects its row; a file that fails unexpectedly is
quarantined and the run goes on; identical bytes in two device folders are two deliveries;
one damaged line costs that line; declared XML encodings are honoured; reasons name what a
person needs to act.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import duckdb
import psycopg
import pytest

from ingestion.loader import dispatch, load_landing, replay_quarantine
from ingestion.raw_tables import ensure_raw_tables
from ingestion.records import LoadContext, ParseResult
from tests.ingestion.bad_input_warehouse import Warehouse

SENSORS = ("sensor_id,line_id,site_id,vendor,device_serial,line_role,interval_minutes\n"
           "ax1,1,s1,axis,AXIS1,entrance,15\n"
           "ax2,1,s1,axis,AXIS2,entrance,15\n"
           "gen1,1,s1,generic,GEN1,entrance,60\n"
           "hk1,1,s1,hikvision,HK1,entrance,60\n"
           "ms1,1,s1,milesight,MS1,entrance,1\n")
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


# --- item 4: one damaged line costs that line -----------------------------------------------

def milesight_line(minute: int, count_in: int) -> str:
    return json.dumps({
        "device_info": {"device_sn": "MS1"},
        "line_periodic_data": [{"line": 1, "total": {"in": count_in, "out": 0}}],
        "time_info": {"start_time": f"2026-11-27T10:{minute:02d}:00+01:00",
                      "end_time": f"2026-11-27T10:{minute + 1:02d}:00+01:00"}})


def test_a_milesight_jsonl_with_a_damaged_first_line_loads_the_rest(wh):
    land_reference(wh)
    wh.land("sensors/milesight/MS1/2026-11-27.jsonl", "\n".join(
        ['{"device_info": {"device_sn": "MS1"}, "line_peri', milesight_line(1, 4),
         milesight_line(2, 5), milesight_line(3, 6)]) + "\n")
    wh.load()
    assert counted(wh, "ms1") == [(4, 0), (5, 0), (6, 0)]
    [(_, line, code, _)] = wh.quarantine()
    raw = wh.rows("select raw_content from raw.quarantine")[0][0]
    assert (line, code, raw) == (1, "MALFORMED_ROW",
                                 '{"device_info": {"device_sn": "MS1"}, "line_peri')


@pytest.mark.parametrize("damage", [b"1\xff", b'"1'], ids=["invalid-utf8", "unmatched-quote"])
def test_a_damaged_csv_line_is_quarantined_with_its_text_and_the_rest_loads(wh, damage):
    land_reference(wh)
    axis = (AXIS_HEADER.encode() + b"2026-11-27 10:00:00,2026-11-27 10:15:00,1,0\n"
            + b"2026-11-27 10:15:00,2026-11-27 10:30:00," + damage + b",0\n"
            + b"2026-11-27 10:30:00,2026-11-27 10:45:00,3,0\n")
    generic = (GENERIC_HEADER.encode() + b"GEN1,1,2026-11-27T10:00:00Z,2026-11-27T11:00:00Z,1,0\n"
               + b"GEN1,1,2026-11-27T11:00:00Z,2026-11-27T12:00:00Z," + damage + b",0\n"
               + b"GEN1,1,2026-11-27T12:00:00Z,2026-11-27T13:00:00Z,3,0\n")
    wh.land("sensors/axis/AXIS1/2026-11-27.csv", axis)
    wh.land("sensors/generic/2026-11-27.csv", generic)
    wh.land("reference/pos_locations.csv", "source_system,location_id,site_id\nsap_pos,P100,s1\n")
    wh.land("pos/generic/sap/mapping.yaml", SAP_MAPPING)
    wh.land("pos/generic/sap/day.csv", SAP_HEADER.encode()
            + b"B1,1,P100,2026-11-02 10:00:00,M1,1,5.00,EUR\n"
            + b"B2,1,P100,2026-11-02 10:00:00,M1," + damage + b",5.00,EUR\n"
            + b"B3,1,P100,2026-11-02 10:00:00,M1,1,5.00,EUR\n")
    report = wh.load()
    assert counted(wh, "ax1") == [(1, 0), (3, 0)]
    assert counted(wh, "gen1") == [(1, 0), (3, 0)]
    assert wh.rows("select external_id from raw.pos_transactions order by 1") == [("B1",),
                                                                                  ("B3",)]
    rows = wh.rows("select source_file, line_no, reason_code, raw_content from raw.quarantine "
                   "order by source_file")
    expected_text = damage.decode("utf-8", "replace")
    assert [(f, n, c) for f, n, c, _ in rows] == [
        ("pos/generic/sap/day.csv", 3, "MALFORMED_ROW"),
        ("sensors/axis/AXIS1/2026-11-27.csv", 3, "MALFORMED_ROW"),
        ("sensors/generic/2026-11-27.csv", 3, "MALFORMED_ROW")]
    assert all(expected_text in raw for *_, raw in rows)
    assert report.files_quarantined == 0


def test_a_quoted_field_over_two_lines_is_one_record_not_damage(wh):
    land_reference(wh)
    wh.land("reference/pos_locations.csv", "source_system,location_id,site_id\nsap_pos,P100,s1\n")
    wh.land("pos/generic/sap/mapping.yaml", SAP_MAPPING)
    wh.land("pos/generic/sap/day.csv", SAP_HEADER
            + 'B1,1,P100,2026-11-02 10:00:00,"M1\nsecond line",1,5.00,EUR\n'
            + "B2,1,P100,2026-11-02 10:00:00,M1,1,5.00,EUR\n")
    wh.load()
    assert wh.rows("select sku from raw.pos_transaction_lines order by external_id") == [
        ("M1\nsecond line",), ("M1",)]
    assert wh.quarantine() == []


SAP_MAPPING = """source_system: sap_pos
timestamp_format: "%Y-%m-%d %H:%M:%S"
columns: {external_id: BELNR, line_no: POSNR, location_id: WERKS, ts: BUDAT, sku: MATNR,
          quantity: MENGE, line_amount: NETWR, currency: WAERS}
"""
SAP_HEADER = "BELNR,POSNR,WERKS,BUDAT,MATNR,MENGE,NETWR,WAERS\n"


# --- item 7: declared XML encodings -------------------------------------------------------

def hikvision_search(declaration: str, channel: str = "Entrée") -> str:
    return (f'<?xml version="1.0" {declaration}?>\n'
            f'<CountingStatisticsResult version="2.0"><channelName>{channel}</channelName>'
            "<matchList><matchElement><timeSpan><startTime>2026-11-27T10:00:00</startTime>"
            "<endTime>2026-11-27T10:59:59</endTime></timeSpan><enterCount>7</enterCount>"
            "<exitCount>2</exitCount></matchElement></matchList></CountingStatisticsResult>\n")


@pytest.mark.parametrize(("declaration", "codec"), [
    ('encoding="ISO-8859-1"', "latin-1"), ('encoding="UTF-16"', "utf-16"),
    ('encoding="UTF-16"', "utf-16-be-bom"), ("", "utf-8")])
def test_hikvision_xml_in_its_declared_encoding_loads(wh, declaration, codec):
    land_reference(wh)
    text = hikvision_search(declaration)
    data = (b"\xfe\xff" + text.encode("utf-16-be") if codec == "utf-16-be-bom"
            else text.encode(codec))
    wh.land("sensors/hikvision/HK1/2026-11-27.xml", data)
    wh.load()
    assert counted(wh, "hk1") == [(7, 2)]
    assert wh.quarantine() == []


def test_hikvision_xml_with_entities_is_refused(wh):
    land_reference(wh)
    wh.land("sensors/hikvision/HK1/2026-11-27.xml", hikvision_search("").replace(
        "\n<Counting", '\n<!DOCTYPE r [<!ENTITY big "x">]>\n<Counting').replace(
        "Entrée", "&big;"))
    wh.land("sensors/hikvision/HK1/2026-11-28.xml", hikvision_search("").replace(
        "\n<Counting", '\n<!DOCTYPE r [<!ENTITY ext SYSTEM "file:///etc/passwd">]>\n<Counting'
    ).replace("Entrée", "&ext;"))
    wh.load()
    assert counted(wh, "hk1") == []
    assert [(line, code) for _, line, code, _ in wh.quarantine()] == [
        (None, "UNREADABLE_FILE"), (None, "UNREADABLE_FILE")]
    assert all("DOCTYPE" in reason for *_, reason in wh.quarantine())


# --- item 8: reasons a person can act on --------------------------------------------------

def test_reasons_name_the_values_the_device_and_the_column(wh):
    land_reference(wh)
    wh.land("sensors/generic/2026-11-27.csv", GENERIC_HEADER
            + "GEN1,1,2026-11-27T10:00:00Z,2026-11-27T10:30:00Z,1,0\n"   # 30 min of a 60 min
            + "GEN1,1,2026-11-27T11:00:00+25:00,2026-11-27T12:00:00Z,1,0\n"  # bad offset
            + "GEN1,1,2026-11-27T12:00:00Z,2026-11-27T13:00:00Z,x,0\n")
    wh.land("sensors/hikvision/HK1/2026-11-27.xml",
            '<EventNotificationAlert><macAddress>HK1</macAddress><channelID>1</channelID>'
            "<dateTime>2026-11-27T10:00:00Z</dateTime><eventType>PeopleCounting</eventType>"
            "<peopleCounting><statisticalMethods>timeRange</statisticalMethods><TimeRange>"
            "<startTime>2026-11-20T10:00:00Z</startTime><endTime>2026-11-20T11:00:00Z"
            "</endTime></TimeRange><enter>3</enter><exit>1</exit></peopleCounting>"
            "</EventNotificationAlert>", mtime=datetime(2026, 11, 27, 10, 1, tzinfo=UTC))
    wh.land("sensors/axis/AXIS9/2026-11-27.csv", axis_day())
    wh.land("sensors/axis/export.csv", axis_day())
    wh.load()
    reasons = {(f.rsplit("/", 1)[-1], n): (c, r) for f, n, c, r in wh.quarantine()}
    code, reason = reasons[("2026-11-27.csv", 2)]
    assert code == "INTERVAL_MISMATCH" and "lasts 30.0 minutes" in reason \
        and "interval_minutes is 60" in reason
    code, reason = reasons[("2026-11-27.csv", 3)]
    assert code == "MALFORMED_ROW" and reason.startswith("period_start: ")
    code, reason = reasons[("2026-11-27.csv", 4)]
    assert code == "MALFORMED_ROW" and reason == "count_in: missing or not an integer"
    code, reason = reasons[("2026-11-27.xml", None)]
    assert code == "FROZEN_CLOCK" and "device HK1 (sensor hk1)" in reason \
        and "period_end = 2026-11-20 11:00:00 UTC" in reason \
        and "reached us by 2026-11-26 10:00:00 UTC" in reason
    assert "<enter>3</enter>" in wh.rows(
        "select raw_content from raw.quarantine where reason_code = 'FROZEN_CLOCK'")[0][0]
    code, reason = next(v for (name, _), v in reasons.items() if name == "2026-11-27.csv"
                        and v[0] == "UNKNOWN_DEVICE")
    assert "device folder 'AXIS9'" in reason and "?" not in reason
    code, reason = reasons[("export.csv", None)]
    assert code == "UNKNOWN_DEVICE" and "no device folder" in reason


def test_hikvision_search_rows_keep_their_source_text(wh):
    land_reference(wh)
    text = hikvision_search("").replace("<enterCount>7</enterCount>",
                                        "<enterCount>-7</enterCount>")
    wh.land("sensors/hikvision/HK1/2026-11-27.xml", text)
    wh.load()
    [(line, code, raw)] = wh.rows("select line_no, reason_code, raw_content from raw.quarantine")
    assert (line, code) == (1, "NEGATIVE_COUNT")
    assert raw.startswith("<matchElement>") and "<enterCount>-7</enterCount>" in raw


def test_the_summary_counts_rejects_for_the_table_they_were_meant_for(wh):
    wh.land_sites()
    wh.land("reference/sensors.csv", SENSORS + "hk2,1,s1,hikvision,HK2,entrance,60\n")
    reading = ('<EventNotificationAlert><macAddress>HK2</macAddress><channelID>1</channelID>'
               "<eventType>PeopleCounting</eventType><peopleCounting><statisticalMethods>"
               "realTime</statisticalMethods><RealTime><time>2026-11-27T10:00:00Z</time>"
               "</RealTime><enter>-5</enter><exit>1</exit></peopleCounting>"
               "</EventNotificationAlert>")
    wh.land("sensors/hikvision/HK2/2026-11-27.xml", reading)
    report = wh.load()
    assert report.rows_quarantined == {"sensor_counter_readings": 1}


@pytest.mark.parametrize("damage", [b"M\xff", b"M\x00"], ids=["invalid-utf8", "nul"])
def test_an_order_with_a_damaged_line_is_rejected_whole(wh, damage):
    land_reference(wh)
    wh.land("reference/pos_locations.csv", "source_system,location_id,site_id\nsap_pos,P100,s1\n")
    wh.land("pos/generic/sap/mapping.yaml", SAP_MAPPING)
    wh.land("pos/generic/sap/day.csv", SAP_HEADER.encode()
            + b"B1,1,P100,2026-11-02 10:00:00,M1,1,5.00,EUR\n"
            + b"B2,1,P100,2026-11-02 10:00:00,M1,1,5.00,EUR\n"
            + b"B2,2,P100,2026-11-02 10:00:00," + damage + b",1,5.00,EUR\n")
    report = wh.load()
    assert wh.rows("select external_id from raw.pos_transactions") == [("B1",)]
    assert wh.rows("select external_id from raw.pos_transaction_lines") == [("B1",)]
    codes = sorted(c for _, _, c, _ in wh.quarantine())
    assert "LINE_REJECTED" in codes and "PARENT_REJECTED" in codes
    assert report.rows_quarantined["pos_transactions"] >= 1


def test_a_local_time_at_a_site_with_an_unknown_zone_names_the_zone(wh):
    land_reference(wh)
    wh.load()
    # a site stored before zones were validated
    wh.rows("update raw.sites set timezone = 'Mars/Olympus' where site_id = 's1'")
    wh.land("sensors/generic/2026-11-27.csv", GENERIC_HEADER
            + "GEN1,1,2026-11-27 10:00:00,2026-11-27 11:00:00,1,0\n")
    wh.load()
    [(_, line, code, reason)] = wh.quarantine()
    assert (line, code) == (2, "MALFORMED_ROW")
    assert reason.startswith("period_start: local time 2026-11-27 10:00:00 and the site's "
                             "time zone Mars/Olympus is not a known IANA zone")


def test_a_file_that_vanishes_after_the_walk_is_reported_and_the_run_goes_on(wh):
    land_reference(wh)
    gone = wh.land("sensors/axis/AXIS1/2026-11-27.csv", axis_day())
    wh.land("sensors/axis/AXIS2/2026-11-27.csv", axis_day())

    def walked(rel: str) -> bool:  # called for every file the walk found, before any read
        if rel == "sensors/axis/AXIS1/2026-11-27.csv":
            gone.unlink()
        return True

    report = load_landing(wh.conn, wh.dialect, wh.landing, settings=wh.settings, only=walked)
    assert report.files_failed == 1 and len(counted(wh, "ax2")) == 3
    [failed] = [f for f in report.files if f.status == "failed"]
    assert failed.path == "sensors/axis/AXIS1/2026-11-27.csv" and "cannot read" in failed.reason
    assert wh.rows("select count(*) from raw.load_manifest where path = %s",
                   [failed.path]) == [(0,)]  # nothing recorded: tried again next run
