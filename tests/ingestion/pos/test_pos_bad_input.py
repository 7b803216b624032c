"""Issue 12 items 3, 5 and 6 for POS files, loaded into DuckDB and PostgreSQL.

One out-of-range value costs its order only; an order repeated in a file loads from its last
occurrence, whole; a sale dated before the plausible window is quarantined.
"""

from __future__ import annotations

import json
from decimal import Decimal

from tests.ingestion.bad_input_warehouse import Warehouse

LOCATIONS = ("source_system,location_id,site_id\nshopify,1001,s1\nsquare,SQ1,s1\n"
             "sap_pos,P100,s1\nsap_pos,P200,s2\n")
MAPPING = """source_system: sap_pos
timestamp_format: "%Y-%m-%d %H:%M:%S"
columns: {external_id: BELNR, line_no: POSNR, location_id: WERKS, ts: BUDAT, sku: MATNR,
          quantity: MENGE, line_amount: NETWR, currency: WAERS}
"""
SAP_HEADER = "BELNR,POSNR,WERKS,BUDAT,MATNR,MENGE,NETWR,WAERS\n"


def shopify(order_id: int, *lines: tuple[object, object], at: str = "2026-11-02T10:00:00+01:00"
            ) -> dict:
    return {"id": order_id, "currency": "EUR", "processed_at": at, "location_id": 1001,
            "line_items": [{"quantity": q, "price": p, "sku": f"S{n}"}
                           for n, (q, p) in enumerate(lines, start=1)]}


def square(order_id: str, quantity: str = "1", amount: int = 500,
           at: str = "2026-11-02T09:00:00Z") -> dict:
    return {"id": order_id, "state": "COMPLETED", "closed_at": at, "location_id": "SQ1",
            "line_items": [{"quantity": quantity,
                            "base_price_money": {"amount": amount, "currency": "EUR"}}]}


def land_reference(wh: Warehouse) -> None:
    wh.land_sites()  # s1 Berlin, opened 2020-01-01
    wh.land("reference/pos_locations.csv", LOCATIONS)
    wh.land("pos/generic/sap/mapping.yaml", MAPPING)


def stored(wh: Warehouse, system: str) -> dict[str, tuple]:
    """external_id -> (net_amount, item_count, [(line_no, sku, quantity)])."""
    headers = wh.rows("select external_id, net_amount, item_count from raw.pos_transactions "
                      "where source_system = %s", [system])
    lines = wh.rows("select external_id, line_no, sku, quantity from raw.pos_transaction_lines"
                    " where source_system = %s order by external_id, line_no", [system])
    return {ext: (Decimal(net), items, [(n, s, q) for e, n, s, q in lines if e == ext])
            for ext, net, items in headers}


def codes(wh: Warehouse, like: str) -> list[tuple]:
    return [(line, code) for _, line, code, _ in wh.quarantine(like)]


def reasons(wh: Warehouse, like: str) -> list[str]:
    return [reason for *_, reason in wh.quarantine(like)]


def test_out_of_range_values_reject_their_order_only(wh):
    land_reference(wh)
    orders = [shopify(1, (2**31, "5.00")), shopify(2, (1, "1" + "0" * 20)),
              shopify(3, (1, "NaN")), shopify(4, (2, "5.00"))]
    wh.land("pos/shopify/orders.json", json.dumps({"orders": orders}).replace('"NaN"', "NaN"))
    wh.land("pos/square/orders.json", json.dumps({"orders": [
        square("A", quantity=str(2**31)), square("B", amount=10**24),
        square("C", quantity="NaN"), square("D")]}))
    wh.land("pos/generic/sap/day.csv", SAP_HEADER
            + "B1,1,P100,2026-11-02 10:00:00,M1,2147483648,5.00,EUR\n"
            + "B2,1,P100,2026-11-02 10:00:00,M1,1,100000000000000000000,EUR\n"
            + "B3,1,P100,2026-11-02 10:00:00,M1,NaN,5.00,EUR\n"
            + "B4,1,P100,2026-11-02 10:00:00,M1,1,5.00,EUR\n"
            + "B5,1,P200,2026-11-02 10:00:00,M1,1,5.00,EUR\n"
            + "B6,1,P100,2026-11-02 11:00:00,M1,2000000000,5.00,EUR\n"
            + "B6,2,P100,2026-11-02 11:00:00,M2,2000000000,5.00,EUR\n")
    wh.load()
    # a site stored before zones were validated, whose zone polars cannot read
    wh.rows("insert into raw.sites (site_id, organization_id, region_id, name, site_type, "
            "timezone, currency, open_date, source_file, source_format, delivered_at, "
            "ingested_at) select 's2', 'org1', 'r1', 'Mars', 'store', 'Mars/Olympus', 'EUR', "
            "open_date, source_file, source_format, delivered_at, ingested_at "
            "from raw.sites where site_id = 's1'")
    wh.rows("delete from raw.load_manifest where path = 'pos/generic/sap/day.csv'")
    wh.rows("delete from raw.quarantine where source_file = 'pos/generic/sap/day.csv'")
    wh.load()

    assert list(stored(wh, "shopify")) == ["4"]
    assert list(stored(wh, "square")) == ["D"]
    assert list(stored(wh, "sap_pos")) == ["B4"]
    assert codes(wh, "pos/shopify/%") == [(1, "MALFORMED_ROW"), (2, "MALFORMED_ROW"),
                                          (3, "MALFORMED_ROW")]
    assert codes(wh, "pos/square/%") == [(1, "MALFORMED_ROW"), (2, "MALFORMED_ROW"),
                                         (3, "MALFORMED_ROW")]
    shop = reasons(wh, "pos/shopify/%")
    assert "quantity 2147483648 is out of range" in shop[0]
    assert "unit_price 100000000000000000000 is out of range" in shop[1]
    assert "price is not a finite number" in shop[2]
    sap = wh.quarantine("pos/generic/%")
    assert [(line, code) for _, line, code, _ in sap] == [
        (2, "MALFORMED_ROW"), (3, "MALFORMED_ROW"), (4, "MALFORMED_ROW"),
        (6, "UNKNOWN_LOCATION"), (7, "MALFORMED_ROW"), (8, "MALFORMED_ROW")]
    assert "quantity '2147483648' (column MENGE) is out of range" in sap[0][3]
    assert "line_amount '100000000000000000000' (column NETWR) is out of range" in sap[1][3]
    assert "quantity 'NaN' (column MENGE) is not an integer" in sap[2][3]
    assert "'Mars/Olympus', which is not an IANA zone" in sap[3][3]
    assert "item_count total 4000000000 is out of range" in sap[4][3]
    assert all(code != "UNREADABLE_FILE" for *_, code, _ in wh.quarantine())


def test_an_order_repeated_in_a_file_loads_from_its_last_occurrence_whole(wh):
    land_reference(wh)
    wh.land("pos/shopify/orders.json", json.dumps({"orders": [
        shopify(1, (1, "5.00"), (2, "3.00")), shopify(2, (1, "1.00")),
        shopify(1, (4, "5.00"))]}))
    wh.land("pos/square/orders.json", json.dumps({"orders": [
        square("A", quantity="2"), square("A", quantity="3")]}))
    wh.land("pos/generic/sap/day.csv", SAP_HEADER
            + "B1,1,P100,2026-11-02 10:00:00,M1,1,5.00,EUR\n"
            + "B1,2,P100,2026-11-02 10:00:00,M2,2,6.00,EUR\n"
            + "B2,1,P100,2026-11-02 10:05:00,M1,1,5.00,EUR\n"
            + "B1,1,P100,2026-11-02 10:00:00,M3,4,20.00,EUR\n")
    wh.load()

    # header and lines from the last occurrence: one line, the header's sums match it
    assert stored(wh, "shopify") == {"1": (Decimal("20.00"), 4, [(1, "S1", 4)]),
                                     "2": (Decimal("1.00"), 1, [(1, "S1", 1)])}
    assert stored(wh, "square")["A"][1:] == (3, [(1, None, 3)])
    assert stored(wh, "sap_pos") == {"B1": (Decimal("20.00"), 4, [(1, "M3", 4)]),
                                     "B2": (Decimal("5.00"), 1, [(1, "M1", 1)])}
    assert codes(wh, "pos/shopify/%") == [(1, "DUPLICATE_KEY")]
    assert codes(wh, "pos/square/%") == [(1, "DUPLICATE_KEY")]
    assert codes(wh, "pos/generic/%") == [(2, "DUPLICATE_KEY"), (3, "DUPLICATE_KEY")]
    assert "delivered again from line 5" in reasons(wh, "pos/generic/%")[0]


def test_sales_outside_the_plausible_window_are_quarantined(wh):
    land_reference(wh)  # s1 opened 2020-01-01: nothing before 2019-10-03 (90 days earlier)
    wh.land("pos/shopify/orders.json", json.dumps({"orders": [
        shopify(1, (1, "5.00"), at="1900-01-01T10:00:00+01:00"),
        shopify(2, (1, "5.00"), at="2019-11-01T10:00:00+01:00"),   # fit-out: plausible
        shopify(3, (1, "5.00"), at="2026-11-30T12:30:00+00:00")]}))  # 30 min after now
    wh.land("pos/square/orders.json", json.dumps({"orders": [
        square("A", at="1900-01-01T00:00:00Z"), square("B")]}))
    wh.land("pos/generic/sap/day.csv", SAP_HEADER
            + "B1,1,P100,1900-01-01 10:00:00,M1,1,5.00,EUR\n"
            + "B2,1,P100,2019-06-01 10:00:00,M1,1,5.00,EUR\n"
            + "B3,1,P100,2026-11-02 10:00:00,M1,1,5.00,EUR\n")
    wh.load()

    assert sorted(stored(wh, "shopify")) == ["2"]
    assert sorted(stored(wh, "square")) == ["B"]
    assert sorted(stored(wh, "sap_pos")) == ["B3"]
    assert codes(wh, "pos/shopify/%") == [(1, "IMPLAUSIBLE_TIMESTAMP"), (3, "FUTURE_TIMESTAMP")]
    assert codes(wh, "pos/square/%") == [(1, "IMPLAUSIBLE_TIMESTAMP")]
    assert codes(wh, "pos/generic/%") == [(2, "IMPLAUSIBLE_TIMESTAMP"),
                                          (3, "IMPLAUSIBLE_TIMESTAMP")]
    assert "ts 1900-01-01T09:00:00+00:00 is before 2019-10-03" in reasons(wh, "pos/shopify/%")[0]
    assert "ts (column BUDAT) 2019-06-01 10:00:00 is before" in reasons(wh, "pos/generic/%")[1]
