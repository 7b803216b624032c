"""The generic POS CSV with the mapping.yaml of docs/landing-layout.md (a SAP export)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from ingestion.pos import parse_pos_file
from ingestion.pos.frames import hash_customer

REPO = Path(__file__).resolve().parents[3]
HEADER = ("BELNR,POSNR,WERKS,BUDAT,VORGANG,MATNR,MAKTX,MATKL,MENGE,PREIS,NETWR,RABATT,MWST,"
          "WAERS,KASSIERER,KUNNR,ZAHLART")


def doc_mapping() -> str:
    """The mapping exactly as docs/landing-layout.md specifies it."""
    text = (REPO / "docs" / "landing-layout.md").read_text()
    return text.split("```yaml\n")[1].split("```")[0]


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    folder = tmp_path / "pos" / "generic" / "sap"
    folder.mkdir(parents=True)
    (folder / "mapping.yaml").write_text(doc_mapping())
    return tmp_path


def parse(landing: Path, make_ctx, rows: list[str], mapping: str | None = None):
    if mapping is not None:
        (landing / "pos" / "generic" / "sap" / "mapping.yaml").write_text(mapping)
    content = ("\n".join([HEADER, *rows]) + "\n").encode()
    return parse_pos_file(content, make_ctx("pos/generic/sap/2026-07-01.csv"),
                          landing_dir=landing)


def row(frame: pl.DataFrame, external_id: str) -> dict[str, Any]:
    return frame.filter(pl.col("external_id") == external_id).row(0, named=True)


GOOD = [
    "9001,10,1000,2026-07-01 10:15:00,S,M1,Shirt,APP,2,19.99,35.98,4.00,6.84,EUR,K1,C77,CARD",
    "9001,20,1000,2026-07-01 10:15:00,S,M2,Socks,APP,1,5.00,5.00,0,0.95,EUR,K1,C77,CARD",
    "9002,10,2000,2026-01-15 18:00:00,R,M1,Shirt,APP,-1,19.99,-19.99,0,-3.80,USD,K2,,CASH",
]


def test_sap_export_maps_to_transactions_and_lines(landing, make_ctx):
    result = parse(landing, make_ctx, GOOD)
    assert result.quarantined == []
    tx = result.tables["pos_transactions"]
    sale = row(tx, "9001")
    # net = 35.98 + 5.00 = 40.98; discount = 4.00 + 0 = 4.00; gross = 40.98 + 4.00 = 44.98;
    # tax = 6.84 + 0.95 = 7.79; items = 2 + 1 = 3
    assert (sale["gross_amount"], sale["discount"], sale["net_amount"], sale["tax"]) == (
        D("44.98"), D("4.00"), D("40.98"), D("7.79"))
    assert (sale["item_count"], sale["type"], sale["site_id"]) == (3, "sale", "berlin-01")
    # naive 10:15 in Berlin in July (CEST, UTC+2) = 08:15 UTC
    assert sale["ts"] == datetime(2026, 7, 1, 8, 15, tzinfo=UTC)
    assert sale["customer_id"] == hash_customer("test-salt", "sap_pos", "C77")
    assert (sale["staff_id"], sale["payment_method"], sale["source_system"]) == (
        "K1", "CARD", "sap_pos")
    ret = row(tx, "9002")
    # the export signs the return negative; stored as magnitudes: 19.99, tax 3.80, 1 item
    assert (ret["type"], ret["net_amount"], ret["tax"], ret["item_count"]) == (
        "return", D("19.99"), D("3.80"), 1)
    # New York in January (EST, UTC-5): 18:00 local = 23:00 UTC
    assert ret["ts"] == datetime(2026, 1, 15, 23, 0, tzinfo=UTC)
    assert ret["customer_id"] is None
    lines = result.tables["pos_transaction_lines"].sort("external_id", "line_no")
    assert lines["line_no"].to_list() == [10, 20, 10]
    assert lines["quantity"].to_list() == [2, 1, 1]
    assert lines["line_amount"].to_list() == [D("35.98"), D("5.00"), D("19.99")]
    assert lines["unit_price"].to_list() == [D("19.99"), D("5.00"), D("19.99")]
    assert lines["product_name"].to_list() == ["Shirt", "Socks", "Shirt"]
    assert tx.schema["net_amount"] == pl.Decimal(18, 4)


def test_bad_rows_are_quarantined_with_their_whole_transaction(landing, make_ctx):
    bad = [
        "9003,10,9999,2026-07-01 11:00:00,S,M1,Shirt,APP,1,19.99,19.99,0,3.80,EUR,K2,C9,CASH",
        "9004,10,1000,2026-07-01 11:00:00,S,M1,Shirt,APP,-1,19.99,19.99,0,3.80,EUR,K2,,CASH",
        "9004,20,1000,2026-07-01 11:00:00,S,M1,Shirt,APP,1,19.99,19.99,0,3.80,EUR,K2,,CASH",
        "9005,10,1000,2026-07-01 11:00:00,S,M1,Shirt,APP,1,19.99,19.99,0,3.80,XXX,K2,,CASH",
        "9006,10,1000,2026-07-01 11:00:00,S,M1,Shirt,APP,1,abc,19.99,0,3.80,EUR,K2,,CASH",
        "9007,10,1000,01.07.2026,S,M1,Shirt,APP,1,19.99,19.99,0,3.80,EUR,K2,,CASH",
        "9008,10,1000,2026-07-01 11:00:00,Q,M1,Shirt,APP,1,19.99,19.99,0,3.80,EUR,K2,,CASH",
        "9009,10,1000,2026-07-01 11:00:00,S,M1,Shirt,APP,1.5,19.99,19.99,0,3.80,EUR,K2,,CASH",
        ",10,1000,2026-07-01 11:00:00,S,M1,Shirt,APP,1,19.99,19.99,0,3.80,EUR,K2,,CASH",
        "9010,10,1000,2026-03-29 02:30:00,S,M1,Shirt,APP,1,19.99,19.99,0,3.80,EUR,K2,,CASH",
        "9011,10,1000,2026-07-01 11:00:00,S,M1,Shirt,APP,1,19.99,19.99,0,3.80,EUR,K2,,CASH",
        "9011,10,1000,2026-07-01 11:00:00,S,M1,Shirt,APP,1,19.99,19.99,0,3.80,EUR,K2,,CASH",
    ]
    result = parse(landing, make_ctx, GOOD + bad)
    # file lines: header = 1, GOOD = 2..4, bad rows from line 5 on
    got = [(q.line_no, q.reason_code) for q in result.quarantined]
    assert got == [
        (5, "UNKNOWN_LOCATION"), (6, "NEGATIVE_QUANTITY"),
        (7, "NEGATIVE_QUANTITY"),  # a good line of 9004, rejected with its transaction
        (8, "BAD_CURRENCY"), (9, "MALFORMED_ROW"), (10, "MALFORMED_ROW"),
        (11, "MALFORMED_ROW"), (12, "MALFORMED_ROW"), (13, "MALFORMED_ROW"),
        (14, "MALFORMED_ROW"),  # 02:30 on 29 March does not exist in Berlin
        (15, "DUPLICATE_KEY"), (16, "DUPLICATE_KEY"),
    ]
    reasons = {q.line_no: q.reason for q in result.quarantined}
    assert "9999" in reasons[5] and "transaction 9004" in reasons[7]
    assert "abc" in reasons[9] and "'Q'" in reasons[11] and "DST" in reasons[14]
    # the raw line is kept, the customer id hashed
    assert result.quarantined[0].raw_content.startswith("9003,10,9999,")
    assert ",C9," not in result.quarantined[0].raw_content
    assert hash_customer("test-salt", "sap_pos", "C9") in result.quarantined[0].raw_content
    assert sorted(result.tables["pos_transactions"]["external_id"].to_list()) == ["9001", "9002"]


def test_a_minimal_mapping_with_iso_times_and_decimal_commas(landing, make_ctx):
    mapping = """
source_system: oracle_xstore
delimiter: ";"
decimal_separator: ","
columns: {external_id: TRX, location_id: STORE, ts: TIME, quantity: QTY,
          line_amount: AMOUNT, currency: CUR}
"""
    (landing / "pos" / "generic" / "sap" / "mapping.yaml").write_text(mapping)
    content = (b"TRX;STORE;TIME;QTY;AMOUNT;CUR\n"
               b"A1; 2000 ;2026-07-01T12:00:00+02:00;1;1.234,50;usd\n"
               b"A1;2000;2026-07-01T12:00:00+02:00;2;0,50;usd\n")
    locs = pl.DataFrame({"source_system": ["oracle_xstore"], "location_id": ["2000"],
                         "site_id": ["nyc-01"]})
    result = parse_pos_file(content, make_ctx("pos/generic/sap/a.csv", pos_locations=locs),
                            landing_dir=landing)
    assert result.quarantined == []
    tx = row(result.tables["pos_transactions"], "A1")
    # "1.234,50" = 1234.50, "0,50" = 0.50: net 1235.00; no discount/tax columns -> null
    assert (tx["net_amount"], tx["discount"], tx["gross_amount"], tx["tax"]) == (
        D("1235.00"), None, None, None)
    # offset given: 12:00+02:00 = 10:00 UTC whatever the site's zone
    assert tx["ts"] == datetime(2026, 7, 1, 10, 0, tzinfo=UTC)
    assert (tx["type"], tx["currency"], tx["item_count"]) == ("sale", "USD", 3)
    lines = result.tables["pos_transaction_lines"].sort("line_no")
    assert lines["line_no"].to_list() == [1, 2]  # position within the transaction


def test_a_broken_or_missing_mapping_quarantines_the_file(landing, make_ctx):
    result = parse(landing, make_ctx, GOOD, mapping="source_system: x\ncolumns: {sku: A}\n")
    (q,) = result.quarantined
    assert q.reason_code == "BAD_MAPPING" and "external_id" in q.reason
    result = parse(landing, make_ctx, GOOD, mapping=doc_mapping().replace("NETWR", "NETTO"))
    assert [q.reason_code for q in result.quarantined] == ["BAD_MAPPING"]
    orphan = parse_pos_file(b"a\n1\n", make_ctx("pos/generic/nomap/x.csv"), landing_dir=landing)
    assert [q.reason_code for q in orphan.quarantined] == ["BAD_MAPPING"]


def test_the_mapping_file_itself_is_not_data(landing, make_ctx):
    result = parse_pos_file(doc_mapping().encode(), make_ctx("pos/generic/sap/mapping.yaml"),
                            landing_dir=landing)
    assert result.quarantined == [] and result.tables["pos_transactions"].height == 0


def test_an_empty_export_loads_nothing_and_rejects_nothing(landing, make_ctx):
    result = parse(landing, make_ctx, [])
    assert result.quarantined == [] and result.tables["pos_transaction_lines"].height == 0


def test_interleaved_lines_still_make_one_transaction_each(landing, make_ctx):
    result = parse(landing, make_ctx, [GOOD[0], GOOD[2], GOOD[1]])  # 9001, 9002, 9001
    tx = result.tables["pos_transactions"]
    assert sorted(tx["external_id"].to_list()) == ["9001", "9002"]
    assert row(tx, "9001")["net_amount"] == D("40.98")  # 35.98 + 5.00, as when contiguous
    # 9001 line 20 again, after 9002: a second delivery of 9001, which wins whole
    dup = GOOD[0].replace("9001,10", "9001,20")
    result = parse(landing, make_ctx, [GOOD[1], GOOD[2], dup])
    assert [(q.reason_code, q.line_no) for q in result.quarantined] == [("DUPLICATE_KEY", 2)]
    assert row(result.tables["pos_transactions"], "9001")["net_amount"] == D("35.98")


def test_without_line_numbers_a_second_run_of_a_transaction_is_a_redelivery(landing, make_ctx):
    """Without a mapped line_no a line's number is its position in its run, so 9001 written
    again after 9002 is a second delivery: the last run is the transaction, whole."""
    mapping = doc_mapping().replace("  line_no: POSNR\n", "")
    later = GOOD[0].replace(",2,19.99,35.98,", ",3,19.99,53.97,")
    result = parse(landing, make_ctx, [GOOD[0], GOOD[1], GOOD[2], later], mapping=mapping)
    assert [(q.line_no, q.reason_code) for q in result.quarantined] == [
        (2, "DUPLICATE_KEY"), (3, "DUPLICATE_KEY")]
    assert "delivered again from line 5" in result.quarantined[0].reason
    tx = row(result.tables["pos_transactions"], "9001")
    assert (tx["net_amount"], tx["item_count"]) == (D("53.97"), 3)
    assert result.tables["pos_transaction_lines"].filter(
        pl.col("external_id") == "9001")["line_no"].to_list() == [1]


def test_an_unmatched_quote_on_the_last_line_is_quarantined_not_raised(landing, make_ctx):
    content = (HEADER + "\n" + GOOD[0] + ',"').encode()
    result = parse_pos_file(content, make_ctx("pos/generic/sap/2026-07-01.csv"),
                            landing_dir=landing)
    assert result.quarantined and result.tables["pos_transaction_lines"].height == 0
