"""Shopify orders JSON: every real sample, plus the cases the samples do not show."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import polars as pl

from ingestion.pos import parse_pos_file
from ingestion.pos.frames import hash_customer
from ingestion.schemas import LINEAGE, POS_TRANSACTION_LINES, POS_TRANSACTIONS


def parse(content: bytes, make_ctx, name: str = "pos/shopify/x.json", **ctx: Any):
    return parse_pos_file(content, make_ctx(name, **ctx))


def sample(samples_dir: Path, name: str) -> bytes:
    return (samples_dir / "shopify" / name).read_bytes()


def row(frame: pl.DataFrame, external_id: str) -> dict[str, Any]:
    return frame.filter(pl.col("external_id") == external_id).row(0, named=True)


def test_frames_have_exactly_the_canonical_columns_and_types(samples_dir, make_ctx):
    result = parse(sample(samples_dir, "python_api_fixture_order.json"), make_ctx)
    lineage = {c.name for c in LINEAGE}
    tx, lines = result.tables["pos_transactions"], result.tables["pos_transaction_lines"]
    assert tx.columns == [c for c in POS_TRANSACTIONS.column_names if c not in lineage]
    assert lines.columns == [c for c in POS_TRANSACTION_LINES.column_names if c not in lineage]
    assert tx.schema["gross_amount"] == pl.Decimal(18, 4)
    assert tx.schema["ts"] == pl.Datetime("us", "UTC")
    assert lines.schema["line_amount"] == pl.Decimal(18, 4)


def test_single_order_fixture(samples_dir, make_ctx):
    result = parse(sample(samples_dir, "python_api_fixture_order.json"), make_ctx)
    assert result.quarantined == []
    tx = row(result.tables["pos_transactions"], "450789469")
    # location_id is null (a web order) -> the `online` location -> site web-store
    assert tx["site_id"] == "web-store"
    # created_at 2008-01-10T11:00:00-05:00 (no processed_at) = 16:00 UTC
    assert tx["ts"] == datetime(2008, 1, 10, 16, 0, tzinfo=UTC)
    # 3 lines x 199.00 x 1 = 597.00 (the fixture's own total_line_items_price says 398.00:
    # the lines are the detail we keep, so the header follows them)
    assert tx["gross_amount"] == D("597.00")
    assert tx["discount"] == D("0.00")  # total_discounts "0.00"; TENOFF was not applied
    assert tx["net_amount"] == D("597.00")  # 597.00 - 0.00
    assert tx["tax"] == D("11.94")
    assert (tx["type"], tx["currency"], tx["item_count"]) == ("sale", "USD", 3)
    assert tx["payment_method"] == "authorize_net"  # the `gateway`; no card data
    assert tx["customer_id"] == hash_customer("test-salt", "shopify", 207119551)
    lines = result.tables["pos_transaction_lines"].sort("line_no")
    assert lines["sku"].to_list() == ["IPOD2008GREEN", "IPOD2008RED", "IPOD2008BLACK"]
    assert lines["line_amount"].to_list() == [D("199.00")] * 3  # 199.00 x 1 - 0 discount


def test_orders_list_fixture_without_line_items(samples_dir, make_ctx):
    result = parse(sample(samples_dir, "python_api_fixture_orders.json"), make_ctx)
    tx = row(result.tables["pos_transactions"], "450789469")
    # no line_items: header totals. gross = total_line_items_price 597.00,
    # discount = total_discounts 10.00, net = 597.00 - 10.00 = 587.00, tax 11.94
    assert (tx["gross_amount"], tx["discount"], tx["net_amount"], tx["tax"]) == (
        D("597.00"), D("10.00"), D("587.00"), D("11.94"))
    assert tx["item_count"] is None  # unknown, not zero
    assert tx["payment_method"] == "bogus"  # payment_gateway_names ["bogus"]
    assert result.tables["pos_transaction_lines"].height == 0


def test_standalone_refund_fixture_gives_the_return_row(samples_dir, make_ctx):
    result = parse(sample(samples_dir, "python_api_fixture_refund.json"), make_ctx)
    tx = row(result.tables["pos_transactions"], "450789469:refund:509562969")
    assert tx["type"] == "return"
    # two refunded lines, 1 x 199.00 each, no `subtotal` in this old payload and
    # total_discount 0.00: net = 199.00 + 199.00 = 398.00 (positive: a magnitude);
    # tax = 3.98 + 3.98 = 7.96 from each line's tax_lines (quantity 1 of 1 refunded).
    # The refund transaction says 209.00: money moved, which may include shipping.
    assert (tx["gross_amount"], tx["discount"], tx["net_amount"], tx["tax"]) == (
        D("398.00"), D("0.00"), D("398.00"), D("7.96"))
    # created_at 2016-06-20T13:35:06-04:00 = 17:35:06 UTC
    assert tx["ts"] == datetime(2016, 6, 20, 17, 35, 6, tzinfo=UTC)
    assert (tx["site_id"], tx["currency"], tx["item_count"]) == ("web-store", "USD", 2)
    lines = result.tables["pos_transaction_lines"].sort("line_no")
    assert lines["sku"].to_list() == ["IPOD2008BLACK", "IPOD2008GREEN"]
    assert lines["quantity"].to_list() == [1, 1]


def test_samples_without_orders_are_quarantined_whole(samples_dir, make_ctx):
    for name in ("python_api_fixture_transactions.json", "admin_rest_2026-07_orders_count.json"):
        result = parse(sample(samples_dir, name), make_ctx)
        assert [q.reason_code for q in result.quarantined] == ["NO_ORDER_DATA"]
        assert result.tables["pos_transactions"].height == 0


def test_fields_subset_sample_lacks_currency_and_is_quarantined(samples_dir, make_ctx):
    result = parse(sample(samples_dir, "admin_rest_2026-07_orders_fields_subset.json"), make_ctx)
    (q,) = result.quarantined
    assert (q.reason_code, q.line_no) == ("MALFORMED_ROW", 1)
    assert "currency" in q.reason


def pos_order(**extra: Any) -> dict[str, Any]:
    """A POS order at location 655441491 (lisbon-01) with two lines and a refund."""
    order = {
        "id": 1001, "currency": "EUR", "location_id": 655441491, "user_id": 42,
        "processed_at": "2026-03-29T01:30:00+00:00", "updated_at": "2026-03-30T10:00:00Z",
        "taxes_included": False, "total_discounts": "5.00", "total_tax": "9.20",
        "line_items": [
            {"price": "20.00", "quantity": 2, "sku": "A",
             "discount_allocations": [{"amount": "5.00"}]},
            {"price": "10.00", "quantity": 1, "sku": "B"},
        ],
        "refunds": [{
            "id": 77, "processed_at": "2026-03-30T10:00:00Z",
            "refund_line_items": [{"quantity": 1, "subtotal": "17.50", "total_tax": "4.03",
                                   "line_item": {"price": "20.00", "quantity": 2, "sku": "A"}}],
            "transactions": [{"kind": "refund", "status": "success", "amount": "21.53",
                              "gateway": "cash"}],
        }],
    }
    order.update(extra)
    return order


def test_a_pos_order_with_discount_and_refund(make_ctx):
    result = parse(json.dumps({"orders": [pos_order()]}).encode(), make_ctx)
    tx = result.tables["pos_transactions"]
    sale, ret = row(tx, "1001"), row(tx, "1001:refund:77")
    # gross = 2 x 20.00 + 1 x 10.00 = 50.00; discount 5.00; net = 45.00
    assert (sale["gross_amount"], sale["discount"], sale["net_amount"]) == (
        D("50.00"), D("5.00"), D("45.00"))
    assert (sale["site_id"], sale["staff_id"], sale["item_count"]) == ("lisbon-01", "42", 3)
    # the refund: net = subtotal 17.50, discount = 20.00 x 1 - 17.50 = 2.50,
    # gross = 17.50 + 2.50 = 20.00, tax 4.03; positive amounts, type return
    assert (ret["type"], ret["gross_amount"], ret["discount"], ret["net_amount"], ret["tax"]) == (
        "return", D("20.00"), D("2.50"), D("17.50"), D("4.03"))
    assert ret["site_id"] == "lisbon-01" and ret["payment_method"] == "cash"
    # docs/metrics.md: net_sales = sales - refunds = 45.00 - 17.50 = 27.50
    lines = result.tables["pos_transaction_lines"]
    assert row(lines.filter(pl.col("line_no") == 1), "1001")["line_amount"] == D("35.00")
    assert row(lines, "1001:refund:77")["line_amount"] == D("17.50")


def test_taxes_included_prices_are_stored_without_tax(make_ctx):
    order = {"id": 5, "currency": "EUR", "location_id": 655441491, "taxes_included": True,
             "created_at": "2026-01-01T10:00:00Z", "total_tax": "3.99", "total_discounts": "0",
             "line_items": [{"price": "23.99", "quantity": 1,
                             "tax_lines": [{"price": "3.99"}]}]}
    tx = row(parse(json.dumps({"order": order}).encode(), make_ctx)
             .tables["pos_transactions"], "5")
    # 23.99 includes 3.99 VAT: gross = net = 20.00, tax 3.99
    assert (tx["gross_amount"], tx["net_amount"], tx["tax"]) == (D("20.00"), D("20.00"),
                                                                 D("3.99"))


def test_a_cancelled_order_is_a_void_and_so_are_its_refunds(make_ctx):
    content = json.dumps({"orders": [pos_order(cancelled_at="2026-03-30T11:00:00Z")]}).encode()
    tx = parse(content, make_ctx).tables["pos_transactions"]
    assert sorted(tx["type"].to_list()) == ["void", "void"]
    assert sorted(tx["external_id"].to_list()) == ["1001", "1001:refund:77"]


def test_bad_orders_are_quarantined_and_the_rest_loads(make_ctx):
    bad_qty = pos_order(id=2, line_items=[{"price": "1.00", "quantity": -1}], refunds=[])
    orders = [
        pos_order(id=1),
        pos_order(id=3, location_id=999),
        pos_order(id=4, currency="EURO"),
        bad_qty,
        pos_order(id=5, line_items=[{"price": "abc", "quantity": 1}]),
        {"no": "id"},
        "not an object",
    ]
    result = parse(json.dumps({"orders": orders}).encode(), make_ctx)
    codes = [(q.line_no, q.reason_code) for q in result.quarantined]
    assert codes == [(2, "UNKNOWN_LOCATION"), (3, "BAD_CURRENCY"), (4, "NEGATIVE_QUANTITY"),
                     (5, "MALFORMED_ROW"), (6, "MALFORMED_ROW"), (7, "MALFORMED_ROW")]
    assert sorted(result.tables["pos_transactions"]["external_id"].to_list()) == [
        "1", "1:refund:77"]


def test_malformed_json_is_one_unreadable_file_row(make_ctx):
    result = parse(b'{"orders": [{"id": 1,', make_ctx)
    (q,) = result.quarantined
    assert (q.reason_code, q.line_no) == ("UNREADABLE_FILE", None)
    assert result.tables["pos_transactions"].height == 0


def test_online_orders_without_an_online_location_are_unknown(samples_dir, make_ctx):
    no_online = pl.DataFrame({"source_system": ["shopify"], "location_id": ["655441491"],
                              "site_id": ["lisbon-01"]})
    result = parse(sample(samples_dir, "python_api_fixture_order.json"), make_ctx,
                   pos_locations=no_online)
    assert [q.reason_code for q in result.quarantined] == ["UNKNOWN_LOCATION"]
