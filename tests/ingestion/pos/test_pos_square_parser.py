"""Square Orders JSON: every real sample, plus returns, voids, currencies and bad orders."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import polars as pl

from ingestion.pos import parse_pos_file
from ingestion.pos.frames import hash_customer


def parse(content: bytes, make_ctx, name: str = "pos/square/x.json"):
    return parse_pos_file(content, make_ctx(name))


def sample(samples_dir: Path, name: str) -> bytes:
    return (samples_dir / "square" / name).read_bytes()


def row(frame: pl.DataFrame, external_id: str) -> dict[str, Any]:
    return frame.filter(pl.col("external_id") == external_id).row(0, named=True)


def test_completed_split_tender_order(samples_dir, make_ctx):
    result = parse(sample(samples_dir, "pay_order_response_completed_split_tender.json"),
                   make_ctx)
    assert result.quarantined == []
    tx = row(result.tables["pos_transactions"], "lgwOlEityYPJtcuvKTVKT1pA986YY")
    # line 1: total 500 - tax 0 - service 0 = 500 cents = 5.00
    # line 2: total 1500 cents = 15.00 (2 x 750); net = 5.00 + 15.00 = 20.00
    assert (tx["gross_amount"], tx["discount"], tx["tax"], tx["net_amount"]) == (
        D("20.00"), D("0.00"), D("0.00"), D("20.00"))
    assert (tx["type"], tx["site_id"], tx["currency"], tx["item_count"]) == (
        "sale", "sf-01", "USD", 3)  # 1 + 2 items
    assert tx["ts"] == datetime(2019, 8, 6, 2, 47, 37, 140000, tzinfo=UTC)  # closed_at
    assert tx["payment_method"] == "card"  # two CARD tenders
    lines = result.tables["pos_transaction_lines"].sort("line_no")
    assert lines["unit_price"].to_list() == [D("5.00"), D("7.50")]
    assert lines["quantity"].to_list() == [1, 2]
    assert lines["product_name"].to_list() == ["Item 1", "Item 2"]


def test_open_order_is_not_final(samples_dir, make_ctx):
    result = parse(sample(samples_dir, "retrieve_order_response_open.json"), make_ctx)
    assert [q.reason_code for q in result.quarantined] == ["ORDER_NOT_FINAL"]
    assert result.tables["pos_transactions"].height == 0


def test_open_order_once_completed_nets_its_discounts(samples_dir, make_ctx):
    order = json.loads(sample(samples_dir, "retrieve_order_response_open.json"))["order"]
    order["state"] = "COMPLETED"
    order["closed_at"] = "2020-05-18T16:35:00Z"
    result = parse(json.dumps({"order": order}).encode(), make_ctx)
    tx = row(result.tables["pos_transactions"], "CAISENgvlJ6jLWAzERDzjyHVybY")
    # line 1: 500 gross - 250 discount = total 250; line 2: 600 - 300 = 300
    # net = 2.50 + 3.00 = 5.50; discount = 2.50 + 3.00 = 5.50; gross = 5.50 + 5.50 = 11.00
    assert (tx["gross_amount"], tx["discount"], tx["net_amount"]) == (
        D("11.00"), D("5.50"), D("5.50"))
    assert tx["site_id"] == "sf-02"


def test_batch_retrieve_sample_without_state_is_malformed(samples_dir, make_ctx):
    result = parse(sample(samples_dir, "batch_retrieve_orders_response.json"), make_ctx)
    (q,) = result.quarantined
    assert q.reason_code == "MALFORMED_ROW" and "state" in q.reason


def test_payloads_without_orders_are_quarantined_whole(samples_dir, make_ctx):
    for name in ("get_payment_response.json", "list_payments_response.json",
                 "get_payment_refund_response.json", "search_orders_response_entries.json",
                 "search_orders_request_completed_by_closed_at.json",
                 "webhook_order_created_event.json", "webhook_order_updated_event.json",
                 "webhook_refund_created_event.json"):
        result = parse(sample(samples_dir, name), make_ctx)
        assert [q.reason_code for q in result.quarantined] == ["NO_ORDER_DATA"], name
        assert result.tables["pos_transactions"].height == 0


def yen(amount: int) -> dict[str, Any]:
    return {"amount": amount, "currency": "JPY"}


def tokyo_order(**extra: Any) -> dict[str, Any]:
    order = {
        "id": "T1", "location_id": "L-TOKYO", "state": "COMPLETED",
        "closed_at": "2026-04-01T03:00:00Z", "customer_id": "SQCUST1",
        "line_items": [{"name": "Tea", "variation_name": "Large", "catalog_object_id": "V1",
                        "quantity": "3", "base_price_money": yen(500),
                        "gross_sales_money": yen(1500), "total_discount_money": yen(100),
                        "total_tax_money": yen(140), "total_money": yen(1540)}],
        "returns": [{"uid": "R1", "source_order_id": "OLD", "return_line_items": [
            {"name": "Cup", "quantity": "1", "base_price_money": yen(800),
             "gross_return_money": yen(800), "total_tax_money": yen(80),
             "total_money": yen(880)}]}],
        "tenders": [{"type": "CASH"}, {"type": "CARD"}],
    }
    order.update(extra)
    return order


def test_exchange_order_gives_a_sale_and_a_return_in_yen(make_ctx):
    result = parse(json.dumps({"orders": [tokyo_order()]}).encode(), make_ctx)
    tx = result.tables["pos_transactions"]
    sale, ret = row(tx, "T1"), row(tx, "T1:return:R1")
    # JPY has no minor unit: 1540 total - 140 tax = 1400 yen net; discount 100;
    # gross = 1400 + 100 = 1500 (= gross_sales_money)
    assert (sale["gross_amount"], sale["discount"], sale["tax"], sale["net_amount"]) == (
        D("1500"), D("100"), D("140"), D("1400"))
    assert (sale["currency"], sale["site_id"], sale["payment_method"]) == (
        "JPY", "tokyo-01", "mixed")
    # return: 880 - 80 tax = 800 yen, positive, type return
    assert (ret["type"], ret["net_amount"], ret["tax"], ret["item_count"]) == (
        "return", D("800"), D("80"), 1)
    assert sale["customer_id"] == hash_customer("test-salt", "square", "SQCUST1")
    lines = result.tables["pos_transaction_lines"]
    assert row(lines, "T1")["product_name"] == "Tea - Large"
    assert row(lines, "T1")["sku"] == "V1"


def test_three_decimal_currency_and_measured_quantity(make_ctx):
    kwd = {"amount": 2250, "currency": "KWD"}  # 2250 fils = 2.250 KWD
    order = tokyo_order(returns=[], line_items=[{
        "name": "Saffron", "quantity": "2.25", "quantity_unit": {"precision": 2},
        "base_price_money": {"amount": 1000, "currency": "KWD"}, "total_money": kwd}])
    tx = row(parse(json.dumps({"order": order}).encode(), make_ctx).tables["pos_transactions"],
             "T1")
    assert (tx["net_amount"], tx["currency"], tx["item_count"]) == (D("2.250"), "KWD", 1)


def test_canceled_order_is_a_void_with_its_returns(make_ctx):
    content = json.dumps({"order": tokyo_order(state="CANCELED")}).encode()
    tx = parse(content, make_ctx).tables["pos_transactions"]
    assert sorted(tx["type"].to_list()) == ["void", "void"]


def test_webhook_with_a_full_order_is_parsed(make_ctx):
    event = {"type": "order.updated", "data": {"object": {"order": tokyo_order(returns=[])}}}
    tx = parse(json.dumps(event).encode(), make_ctx).tables["pos_transactions"]
    assert tx["external_id"].to_list() == ["T1"]


def test_bad_orders_are_quarantined_and_the_rest_loads(make_ctx):
    negative = tokyo_order(id="N", returns=[])
    negative["line_items"][0]["quantity"] = "-1"
    mixed = tokyo_order(id="M", returns=[])
    mixed["line_items"][0]["total_tax_money"] = {"amount": 1, "currency": "USD"}
    orders = [
        tokyo_order(id="OK", returns=[]),
        tokyo_order(id="U", location_id="NOWHERE"),
        tokyo_order(id="C", line_items=[{"quantity": "1", "total_money": {"amount": 1,
                                                                          "currency": "ZZZ"}}]),
        negative,
        mixed,
        tokyo_order(id="Q", line_items=[{"quantity": "lots", "total_money": yen(1)}]),
        tokyo_order(id="D", state="DRAFT"),
    ]
    result = parse(json.dumps({"orders": orders}).encode(), make_ctx)
    assert [(q.line_no, q.reason_code) for q in result.quarantined] == [
        (2, "UNKNOWN_LOCATION"), (3, "BAD_CURRENCY"), (4, "NEGATIVE_QUANTITY"),
        (5, "BAD_CURRENCY"), (6, "MALFORMED_ROW"), (7, "ORDER_NOT_FINAL")]
    assert result.tables["pos_transactions"]["external_id"].to_list() == ["OK"]


def test_truncated_file_is_unreadable(make_ctx):
    (q,) = parse(b'{"orders": [', make_ctx).quarantined
    assert q.reason_code == "UNREADABLE_FILE"
