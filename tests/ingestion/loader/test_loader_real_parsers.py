"""The loader with the real sensor and POS parsers: dispatch, mapping.yaml, replay."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from loader_support import NOW, SENSORS, count, land_reference, write

from ingestion.loader import load_landing, replay_quarantine

FEB = datetime(2025, 2, 2, tzinfo=UTC)
GENERIC = ("device_serial,line_id,period_start,period_end,count_in,count_out\n"
           "dev1,1,2025-02-01T10:00:00,2025-02-01T10:15:00,3,4\n"       # Lisbon = UTC in Feb
           "DEV2,1,2025-02-01T10:00:00Z,2025-02-01T10:15:00Z,7,1\n")    # not registered yet
MAPPING = """source_system: sap_pos
delimiter: ","
timestamp_format: "%Y-%m-%d %H:%M:%S"
columns: {external_id: BELNR, line_no: POSNR, location_id: WERKS, ts: BUDAT, type: VORGANG,
          sku: MATNR, quantity: MENGE, unit_price: PREIS, line_amount: NETWR, tax: MWST,
          currency: WAERS}
type_values: {S: sale, R: return, V: void, X: exchange}
"""
POS_CSV = ("BELNR,POSNR,WERKS,BUDAT,VORGANG,MATNR,MENGE,PREIS,NETWR,MWST,WAERS\n"
           "B1,1,P100,2025-02-01 10:00:00,S,SKU1,1,10.00,10.00,2.30,EUR\n"
           "B1,2,P100,2025-02-01 10:00:00,S,SKU2,2,5.00,10.00,2.30,EUR\n"
           "B2,1,P999,2025-02-01 11:00:00,S,SKU1,1,10.00,10.00,2.30,EUR\n")


def test_real_parsers_load_sensor_and_pos_files(warehouse, landing, settings):
    conn, dialect = warehouse
    land_reference(landing)
    write(landing, "reference/pos_locations.csv",
          "source_system,location_id,site_id\nsap_pos,P100,s1\n", FEB)
    write(landing, "sensors/generic/day.csv", GENERIC, FEB)
    write(landing, "pos/generic/sap/mapping.yaml", MAPPING, FEB)
    write(landing, "pos/generic/sap/2025-02-01.csv", POS_CSV, FEB)
    report = load_landing(conn, dialect, landing, settings=settings, now=NOW)

    # 4 reference files + 1 sensor file + 1 POS file; mapping.yaml is configuration
    assert (report.files_seen, report.files_loaded) == (6, 6)
    assert conn.execute("select sensor_id, line_id, cast(period_start as varchar), count_in "
                        "from raw.sensor_counts").fetchall() == [
        ("sen1", "1", "2025-02-01 10:00:00+00", 3)]
    # B1: two lines of 10.00 -> net 20; B2's location is unknown
    assert conn.execute("select external_id, site_id, item_count from raw.pos_transactions"
                        ).fetchall() == [("B1", "s1", 3)]
    assert conn.execute("select line_no, line_amount from raw.pos_transaction_lines "
                        "order by 1").fetchall() == [(1, Decimal("10.0000")),
                                                     (2, Decimal("10.0000"))]
    assert conn.execute("select source_file, line_no, reason_code from raw.quarantine "
                        "order by 1").fetchall() == [
        ("pos/generic/sap/2025-02-01.csv", 4, "UNKNOWN_LOCATION"),
        ("sensors/generic/day.csv", 3, "UNKNOWN_DEVICE")]

    write(landing, "reference/sensors.csv",
          SENSORS + "sen2,1,s2,generic,dev2,entrance,15,100\n", datetime(2025, 2, 5, tzinfo=UTC))
    load_landing(conn, dialect, landing, settings=settings, now=NOW)
    replay = replay_quarantine(conn, dialect, landing, settings=settings, now=NOW)
    assert (replay.files_replayed, replay.rows_released) == (1, 1)
    assert count(conn, "sensor_counts") == 2
    assert conn.execute("select reason_code from raw.quarantine").fetchall() == [
        ("UNKNOWN_LOCATION",)]
