"""POS exports as the systems deliver them: Shopify, Square and a SAP-like generic CSV.

- Shopify Admin REST `{"orders": [...]}`: money as decimal strings, times with the shop's
  offset, `cancelled_at` for voids, `refunds[]` (refund_line_items + transactions) for
  returns; a refunded order is delivered again, updated, in the file of the refund day.
- Square SearchOrders `{"orders": [...]}`: money `{amount (minor units), currency}`, RFC
  3339 UTC times with milliseconds, `state` COMPLETED / CANCELED, quantity as a string,
  `tenders[]` CARD / CASH; a return is a new order whose `returns[]` names the source order.
  Square lines carry no SKU, so the demo puts it in `variation_name`.
- Generic POS CSV: one row per ticket line with SAP-like German column names, read through
  the mapping.yaml of docs/landing-layout.md; returns are `VORGANG=R` rows with positive
  quantities and amounts, voids `V`.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from ingestion.demo.chain import Store, base62, stable_int
from ingestion.demo.sales import Item, Return, Txn, customer_name
from ingestion.demo.sensor_formats import dumps

SAP_COLUMNS = ("BELNR", "POSNR", "WERKS", "BUDAT", "VORGANG", "MATNR", "MAKTX", "MATKL",
               "MENGE", "PREIS", "NETWR", "RABATT", "MWST", "WAERS", "KASSIERER", "KUNNR",
               "ZAHLART")
SAP_MAPPING_YAML = """\
source_system: sap_pos             # becomes raw.pos_transactions.source_system
delimiter: ","
timestamp_format: "%Y-%m-%d %H:%M:%S"   # strptime; naive times are site-local
columns:                           # canonical field: column in the file
  external_id: BELNR
  line_no: POSNR
  location_id: WERKS               # resolved to a site through raw.pos_locations
  ts: BUDAT
  type: VORGANG
  sku: MATNR
  product_name: MAKTX
  category: MATKL
  quantity: MENGE
  unit_price: PREIS
  line_amount: NETWR               # net of discount, tax excluded
  discount: RABATT
  tax: MWST
  currency: WAERS
  staff_id: KASSIERER
  customer_id: KUNNR               # hashed with the salt before it is stored
  payment_method: ZAHLART
type_values: {S: sale, R: return, V: void, X: exchange}
"""
DAY_ZERO = 735000  # date ordinal offset used to build numeric ids


def money(minor: int) -> str:
    """Minor units as a decimal string: 1234 -> '12.34' (exact, no float)."""
    sign = "-" if minor < 0 else ""
    minor = abs(minor)
    return f"{sign}{minor // 100}.{minor % 100:02d}"


class OrdersJsonWriter:
    """Streams `{"orders": [...]}` one order at a time (a day can hold many stores)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.count = 0
        self._handle = path.open("w", encoding="utf-8", newline="\n")
        self._handle.write('{"orders":[')

    def add(self, order: dict[str, Any]) -> None:
        self._handle.write(("\n" if self.count == 0 else ",\n") + dumps(order))
        self.count += 1

    def close(self) -> int:
        self._handle.write("\n]}\n")
        self._handle.close()
        return self.count


def write_orders_json(path: Path, orders: Iterable[dict[str, Any]]) -> int:
    writer = OrdersJsonWriter(path)
    for order in orders:
        writer.add(order)
    return writer.close()


class GenericPosCsvWriter:
    """Streams SAP-like ticket lines (SAP_COLUMNS) to one CSV."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.count = 0
        self._handle = path.open("w", encoding="utf-8", newline="")
        self._csv = csv.writer(self._handle, lineterminator="\n")
        self._csv.writerow(SAP_COLUMNS)

    def add_rows(self, rows: Iterable[tuple[Any, ...]]) -> None:
        for row in rows:
            self._csv.writerow(row)
            self.count += 1

    def close(self) -> int:
        self._handle.close()
        return self.count


def write_generic_pos_csv(path: Path, rows: Iterable[tuple[Any, ...]]) -> int:
    writer = GenericPosCsvWriter(path)
    writer.add_rows(rows)
    return writer.close()


def write_sap_mapping(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "mapping.yaml"
    path.write_text(SAP_MAPPING_YAML, encoding="utf-8")
    return path


# -- Shopify ---------------------------------------------------------------------------------

def _local_iso(ts_ms: int, zone: str) -> str:
    return datetime.fromtimestamp(ts_ms // 1000, ZoneInfo(zone)).isoformat(timespec="seconds")


def shopify_order_id(txn: Txn) -> int:
    return 5 * 10**12 + txn.store_index * 10**8 + (txn.day.toordinal() - DAY_ZERO) * 10**4 + txn.seq


def _shop_money(minor: int, currency: str) -> dict[str, Any]:
    amount = {"amount": money(minor), "currency_code": currency}
    return {"presentment_money": amount, "shop_money": amount}


def _shopify_line(store: Store, order_id: int, item: Item) -> dict[str, Any]:
    rate = store.region.vat_rate
    return {
        "discount_allocations": (
            [{"amount": money(item.discount), "discount_application_index": 0}]
            if item.discount else []),
        "fulfillment_status": "fulfilled",
        "id": 13 * 10**12 + (order_id - 5 * 10**12) * 10 + item.line_no,
        "name": item.title,
        "price": money(item.unit_price),
        "product_id": 632_910_000 + item.sku_index,
        "quantity": item.quantity,
        "sku": item.sku,
        "tax_lines": [{"price": money(item.tax), "rate": rate, "title": "VAT"}],
        "taxable": True,
        "title": item.title,
        "total_discount": money(item.discount),
        "variant_id": 39_072_000 + item.sku_index,
        "vendor": "Blipee Demo",
    }


def _shopify_refund(store: Store, order_id: int, ret: Return) -> dict[str, Any]:
    zone, currency = store.timezone, store.currency
    refund_id = 6 * 10**12 + (order_id - 5 * 10**12)
    when = _local_iso(ret.ts_ms, zone)
    gateway = "cash" if ret.original.payment == "cash" else "shopify_payments"
    return {
        "created_at": when,
        "id": refund_id,
        "note": "Customer return",
        "order_adjustments": [],
        "order_id": order_id,
        "processed_at": when,
        "refund_line_items": [
            {
                "id": 14 * 10**12 + (order_id - 5 * 10**12) * 10 + item.line_no,
                "line_item": _shopify_line(store, order_id, item),
                "line_item_id": 13 * 10**12 + (order_id - 5 * 10**12) * 10 + item.line_no,
                "location_id": int(store.pos_location_id),
                "quantity": item.quantity,
                "restock_type": "return",
                "subtotal": item.net / 100,
                "subtotal_set": _shop_money(item.net, currency),
                "total_tax": item.tax / 100,
                "total_tax_set": _shop_money(item.tax, currency),
            }
            for item in ret.items
        ],
        "restock": True,
        "transactions": [
            {
                "amount": money(ret.total),
                "created_at": when,
                "currency": currency,
                "gateway": gateway,
                "id": 7 * 10**12 + (order_id - 5 * 10**12),
                "kind": "refund",
                "order_id": order_id,
                "parent_id": 8 * 10**12 + (order_id - 5 * 10**12),
                "status": "success",
            }
        ],
    }


def shopify_order(store: Store, txn: Txn, refund: Return | None = None) -> dict[str, Any]:
    """The order as Admin REST returns it; with `refund`, as updated by that return."""
    zone, currency = store.timezone, store.currency
    order_id = shopify_order_id(txn)
    number = (store.index + 1) * 10**8 + (txn.day.toordinal() - DAY_ZERO) * 10**4 + txn.seq
    created = _local_iso(txn.ts_ms, zone)
    voided = txn.kind == "void"
    customer = None
    email = None
    if txn.customer is not None:
        first, last, email = customer_name(store.index, txn.customer)
        customer = {"email": email, "first_name": first, "id": 9 * 10**12
                    + store.index * 10**5 + txn.customer, "last_name": last}
    status = "voided" if voided else "paid"
    if refund is not None:
        status = "refunded" if refund.is_full else "partially_refunded"
    return {
        "admin_graphql_api_id": f"gid://shopify/Order/{order_id}",
        "cancel_reason": "other" if voided else None,
        "cancelled_at": _local_iso(txn.ts_ms + 90_000, zone) if voided else None,
        "closed_at": None if voided else created,
        "created_at": created,
        "currency": currency,
        "customer": customer,
        "email": email,
        "financial_status": status,
        "fulfillment_status": None if voided else "fulfilled",
        "id": order_id,
        "line_items": [_shopify_line(store, order_id, item) for item in txn.items],
        "location_id": int(store.pos_location_id),
        "name": f"#{number}",
        "order_number": number,
        "payment_gateway_names": ["cash"] if txn.payment == "cash" else ["shopify_payments"],
        "presentment_currency": currency,
        "processed_at": created,
        "refunds": [] if refund is None else [_shopify_refund(store, order_id, refund)],
        "source_name": "pos",
        "subtotal_price": money(txn.net),
        "tax_lines": [{"price": money(txn.tax), "rate": store.region.vat_rate, "title": "VAT"}],
        "taxes_included": False,
        "test": False,
        "total_discounts": money(txn.discount),
        "total_line_items_price": money(txn.gross),
        "total_price": money(txn.total),
        "total_tax": money(txn.tax),
        "updated_at": _local_iso(refund.ts_ms, zone) if refund else (
            _local_iso(txn.ts_ms + 90_000, zone) if voided else created),
        "user_id": 10**11 + store.index * 100 + txn.staff_number,
    }


# -- Square ----------------------------------------------------------------------------------

def _rfc3339(ts_ms: int) -> str:
    moment = datetime.fromtimestamp(ts_ms / 1000, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ts_ms % 1000:03d}Z"


def _sq_money(minor: int, currency: str) -> dict[str, Any]:
    return {"amount": minor, "currency": currency}


def square_order_id(seed: int, txn: Txn) -> str:
    return base62(seed, "sq-order", txn.store_index, txn.day.toordinal(), txn.seq)


def _square_item(seed: int, store: Store, order_id: str, item: Item) -> dict[str, Any]:
    cur = store.currency
    return {
        "base_price_money": _sq_money(item.unit_price, cur),
        "catalog_object_id": base62(seed, "sq-cat", item.sku, length=24).upper(),
        "gross_sales_money": _sq_money(item.gross, cur),
        "name": item.title,
        "quantity": str(item.quantity),
        "total_discount_money": _sq_money(item.discount, cur),
        "total_money": _sq_money(item.net + item.tax, cur),
        "total_tax_money": _sq_money(item.tax, cur),
        "uid": base62(order_id, item.line_no, length=22),
        "variation_name": item.sku,
    }


def _square_amounts(total: int, tax: int, discount: int, currency: str) -> dict[str, Any]:
    return {
        "discount_money": _sq_money(discount, currency),
        "service_charge_money": _sq_money(0, currency),
        "tax_money": _sq_money(tax, currency),
        "tip_money": _sq_money(0, currency),
        "total_money": _sq_money(total, currency),
    }


def _tender(seed: int, store: Store, order_id: str, txn: Txn, ts_ms: int) -> dict[str, Any]:
    cur = store.currency
    tender = {
        "amount_money": _sq_money(txn.total, cur),
        "created_at": _rfc3339(ts_ms),
        "id": base62(seed, "sq-tender", order_id),
        "location_id": store.pos_location_id,
        "transaction_id": order_id,
        "type": "CASH" if txn.payment == "cash" else "CARD",
    }
    if txn.payment == "cash":
        paid = -(-txn.total // 500) * 500  # rounded up to the next 5 pounds
        tender["cash_details"] = {"buyer_tendered_money": _sq_money(paid, cur),
                                  "change_back_money": _sq_money(paid - txn.total, cur)}
    else:
        card = {"card_brand": "VISA", "last_4": f"{stable_int(order_id) % 10000:04d}"}
        tender["card_details"] = {"card": card, "entry_method": "CONTACTLESS",
                                  "status": "CAPTURED"}
    return tender


def _customer_id(seed: int, store: Store, customer: int | None) -> str | None:
    return None if customer is None else base62(seed, "sq-cust", store.index, customer, length=26)


def square_order(seed: int, store: Store, txn: Txn) -> dict[str, Any]:
    cur = store.currency
    order_id = square_order_id(seed, txn)
    created = txn.ts_ms - 40_000
    voided = txn.kind == "void"
    order: dict[str, Any] = {
        "created_at": _rfc3339(created),
        "id": order_id,
        "line_items": [_square_item(seed, store, order_id, item) for item in txn.items],
        "location_id": store.pos_location_id,
        "net_amounts": _square_amounts(txn.total, txn.tax, txn.discount, cur),
        "source": {"name": "Square Point of Sale"},
        "state": "CANCELED" if voided else "COMPLETED",
        "taxes": [{"applied_money": _sq_money(txn.tax, cur), "name": "VAT",
                   "percentage": f"{store.region.vat_rate * 100:.1f}", "scope": "ORDER",
                   "type": "ADDITIVE", "uid": "vat"}],
        "total_discount_money": _sq_money(txn.discount, cur),
        "total_money": _sq_money(txn.total, cur),
        "total_service_charge_money": _sq_money(0, cur),
        "total_tax_money": _sq_money(txn.tax, cur),
        "total_tip_money": _sq_money(0, cur),
        "updated_at": _rfc3339(txn.ts_ms + (60_000 if voided else 0)),
        "version": 3 if voided else 4,
    }
    customer = _customer_id(seed, store, txn.customer)
    if customer:
        order["customer_id"] = customer
    if not voided:
        order["closed_at"] = _rfc3339(txn.ts_ms)
        order["tenders"] = [_tender(seed, store, order_id, txn, txn.ts_ms)]
    return order


def square_return_order(seed: int, store: Store, ret: Return) -> dict[str, Any]:
    """A refund of itemised goods: a new order whose returns[] points at the sale."""
    cur = store.currency
    source_id = square_order_id(seed, ret.original)
    order_id = base62(seed, "sq-return", source_id)
    zero = _sq_money(0, cur)
    order: dict[str, Any] = {
        "closed_at": _rfc3339(ret.ts_ms),
        "created_at": _rfc3339(ret.ts_ms - 30_000),
        "id": order_id,
        "location_id": store.pos_location_id,
        "net_amounts": _square_amounts(-ret.total, -ret.tax, -ret.discount, cur),
        "refunds": [{"amount_money": _sq_money(ret.total, cur), "created_at": _rfc3339(ret.ts_ms),
                     "id": base62(seed, "sq-refund", order_id), "location_id":
                     store.pos_location_id, "reason": "Returned goods", "status": "APPROVED",
                     "tender_id": base62(seed, "sq-tender", source_id),
                     "transaction_id": source_id}],
        "return_amounts": _square_amounts(ret.total, ret.tax, ret.discount, cur),
        "returns": [{
            "return_line_items": [
                {
                    "base_price_money": _sq_money(item.unit_price, cur),
                    "catalog_object_id": base62(seed, "sq-cat", item.sku, length=24).upper(),
                    "gross_return_money": _sq_money(item.gross, cur),
                    "name": item.title,
                    "quantity": str(item.quantity),
                    "source_line_item_uid": base62(source_id, item.line_no, length=22),
                    "total_discount_money": _sq_money(item.discount, cur),
                    "total_money": _sq_money(item.net + item.tax, cur),
                    "total_tax_money": _sq_money(item.tax, cur),
                    "uid": base62(order_id, item.line_no, length=22),
                    "variation_name": item.sku,
                }
                for item in ret.items
            ],
            "source_order_id": source_id,
            "uid": base62(order_id, "return", length=22),
        }],
        "source": {"name": "Square Point of Sale"},
        "state": "COMPLETED",
        "total_discount_money": zero,
        "total_money": zero,
        "total_service_charge_money": zero,
        "total_tax_money": zero,
        "total_tip_money": zero,
        "updated_at": _rfc3339(ret.ts_ms),
        "version": 1,
    }
    customer = _customer_id(seed, store, ret.original.customer)
    if customer:
        order["customer_id"] = customer
    return order


# -- SAP-like generic CSV --------------------------------------------------------------------

def _local_naive(ts_ms: int, zone: str) -> str:
    return datetime.fromtimestamp(ts_ms // 1000, ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M:%S")


def sap_document_no(store: Store, txn: Txn, is_return: bool = False) -> str:
    kind = 9 if is_return else 1
    return f"{store.pos_location_id}{txn.day:%y%m%d}{kind}{txn.seq:05d}"


def sap_rows(store: Store, txn: Txn) -> list[tuple[Any, ...]]:
    code = "V" if txn.kind == "void" else "S"
    return _sap_lines(store, sap_document_no(store, txn), code, txn.ts_ms, txn.items, txn)


def sap_return_rows(store: Store, ret: Return) -> list[tuple[Any, ...]]:
    return _sap_lines(store, sap_document_no(store, ret.original, is_return=True), "R",
                      ret.ts_ms, ret.items, ret.original)


def _sap_lines(store: Store, number: str, code: str, ts_ms: int, items: tuple[Item, ...],
               txn: Txn) -> list[tuple[Any, ...]]:
    when = _local_naive(ts_ms, store.timezone)
    customer = "" if txn.customer is None else f"K{store.index + 1:03d}{txn.customer:05d}"
    cashier = f"{store.site_id}_e{txn.staff_number:02d}"
    payment = "BAR" if txn.payment == "cash" else "KARTE"
    return [
        (number, item.line_no, store.pos_location_id, when, code, item.sku, item.title,
         item.category, item.quantity, money(item.unit_price), money(item.net),
         money(item.discount), money(item.tax), store.currency, cashier, customer, payment)
        for item in items
    ]
